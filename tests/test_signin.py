"""Server-side sessions and sign-in throttling."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from db import signin, users
from db.models import LoginAttempt, utcnow
from tests.conftest import PASSWORD, open_session


def _current(db, sid):
    with db.read() as s:
        state = signin.current(s, session_id=sid)
    return state.actor if state else None


def test_session_gives_the_person_and_roles(db, people):
    sid = open_session(db, "lena")
    actor = _current(db, sid)
    assert actor.username == "lena" and actor.roles == frozenset({"learner"})


def test_sign_out_ends_the_session_and_its_cookie(db, people):
    with db.write() as s:
        sid, _ = signin.start(s, username="lena", cookie_token="cookie-abc", ip_address="1.2.3.4",
                              lifetime=timedelta(days=1))
    with db.read() as s:
        assert signin.resume_from_cookie(s, cookie_token="cookie-abc") == sid
    with db.write() as s:
        signin.end(s, session_id=sid)
    assert _current(db, sid) is None
    with db.read() as s:
        assert signin.resume_from_cookie(s, cookie_token="cookie-abc") is None
        assert signin.resume_from_cookie(s, cookie_token="never-issued") is None


@pytest.mark.parametrize("how", ["password_change", "password_reset", "deactivation"])
def test_session_revoked(db, people, how):
    sid = open_session(db, "lena")
    with db.write() as s:
        if how == "password_change":
            users.change_password(s, actor=people["learner"], current=PASSWORD,
                                  new_password="brand-new-secret")
        elif how == "password_reset":
            users.reset_password(s, actor=people["admin"], user_id=people["learner"].id,
                                 new_password="brand-new-secret")
        else:
            users.set_active(s, actor=people["admin"], user_id=people["learner"].id, active=False)
    assert _current(db, sid) is None


def test_expired_session_is_dead(db, people):
    with db.write() as s:
        sid, _ = signin.start(s, username="lena", cookie_token=None, ip_address="x",
                              lifetime=timedelta(seconds=-1))
    assert _current(db, sid) is None


def test_start_refuses_a_password_checked_against_an_old_hash(db, people):
    with db.write() as s:
        result = signin.start(s, username="lena", cookie_token=None, ip_address="x",
                              lifetime=timedelta(days=1), password_hash="$2b$04$stale")
    assert result is None


def test_inactive_or_unknown_people_get_no_session(db, people):
    with db.write() as s:
        users.set_active(s, actor=people["admin"], user_id=people["learner"].id, active=False)
        assert signin.start(s, username="lena", cookie_token=None, ip_address="x",
                            lifetime=timedelta(days=1)) is None
        assert signin.start(s, username="nobody", cookie_token=None, ip_address="x",
                            lifetime=timedelta(days=1)) is None


def _fail(db, username, ip, times=1):
    with db.write() as s:
        for _ in range(times):
            signin.note_attempt(s, username=username, ip_address=ip, succeeded=False)


def _wait(db, username, ip):
    with db.read() as s:
        return signin.wait_seconds(s, username=username, ip_address=ip)


def test_throttle_after_five_failures_for_that_user_and_address(db, people):
    _fail(db, "lena", "10.0.0.9", times=4)
    assert _wait(db, "lena", "10.0.0.9") == 0
    _fail(db, "lena", "10.0.0.9")
    assert 25 <= _wait(db, "lena", "10.0.0.9") <= 30
    _fail(db, "lena", "10.0.0.9")
    assert 55 <= _wait(db, "lena", "10.0.0.9") <= 60  # doubles


def test_a_stranger_cannot_lock_out_the_real_user(db, people):
    _fail(db, "lena", "203.0.113.7", times=50)
    assert _wait(db, "lena", "203.0.113.7") > 0
    assert _wait(db, "lena", "10.1.1.1") == 0  # Lena at her own desk


def test_one_address_guessing_many_usernames_is_slowed(db, people):
    for i in range(30):
        _fail(db, f"user{i}", "198.51.100.3")
    assert _wait(db, "someone-else", "198.51.100.3") > 0
    assert _wait(db, None, "198.51.100.3") > 0


def test_old_failures_stop_counting(db, people):
    _fail(db, "lena", "10.0.0.9", times=6)
    with db.write() as s:
        s.execute(update(LoginAttempt).values(created_at=utcnow() - timedelta(minutes=16)))
    assert _wait(db, "lena", "10.0.0.9") == 0


def test_success_clears_that_users_failures(db, people):
    _fail(db, "lena", "10.0.0.9", times=4)
    with db.write() as s:
        signin.note_attempt(s, username="lena", ip_address="10.0.0.9", succeeded=True)
    _fail(db, "lena", "10.0.0.9", times=4)
    assert _wait(db, "lena", "10.0.0.9") == 0


def test_session_check_counts_unread_notifications_and_unseen_badges(db, people):
    from db import notify
    from db.models import BadgeAward

    sid = open_session(db, "lena")
    lena = people["learner"].id
    with db.read() as s:
        state = signin.current(s, session_id=sid)
    assert (state.unread_notifications, state.unseen_badges) == (0, 0)
    with db.write() as s:
        notify.notify(s, user_ids=[lena, people["trainer"].id], kind="answer", text="An answer")
        s.add(BadgeAward(user_id=lena, badge="idea_giver", tier="bronze", awarded_at=utcnow()))
    with db.read() as s:
        state = signin.current(s, session_id=sid)
    assert (state.actor.username, state.unread_notifications, state.unseen_badges) \
        == ("lena", 1, 1)
