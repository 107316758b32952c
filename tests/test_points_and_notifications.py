"""The shared points ledger and notifications that every area uses."""

from datetime import datetime

from db import notify, points
from db.models import Setting


def test_award_respects_the_daily_cap(db, people):
    uid = people["learner"].id
    day = datetime(2026, 3, 2, 9, 0)
    with db.write() as s:
        given = [points.award(s, user_id=uid, action="question.asked", now=day)
                 for _ in range(7)]
        next_day = points.award(s, user_id=uid, action="question.asked",
                                now=datetime(2026, 3, 3, 0, 1))
    assert given == [2, 2, 2, 2, 2, 0, 0]  # cap 10 a day
    assert next_day == 2
    with db.read() as s:
        assert points.total(s, user_id=uid) == 12


def test_mandatory_training_earns_nothing(db, people):
    with db.write() as s:
        assert points.award(s, user_id=people["learner"].id, action="lesson.completed",
                            mandatory=True) == 0


def test_admin_override_and_revoke(db, people):
    uid = people["learner"].id
    with db.write() as s:
        s.add(Setting(key="points", value={"answer.accepted": 20}))
        s.flush()
        assert points.award(s, user_id=uid, action="answer.accepted", entity_type="answer",
                            entity_id=7) == 20
        assert points.revoke(s, user_id=uid, action="answer.accepted", entity_type="answer",
                             entity_id=7, reason="un-accepted") == 20
    with db.read() as s:
        assert points.total(s, user_id=uid) == 0


def test_notifications_skip_the_actor_and_count_unread(db, people):
    lena, tomas, mei = people["learner"].id, people["trainer"].id, people["trainer2"].id
    with db.write() as s:
        n = notify.notify(s, user_ids=[lena, tomas, mei, tomas], kind="answer",
                          text="Tomas answered", actor_id=tomas)
    assert n == 2
    with db.write() as s:
        assert notify.unread_count(s, user_id=lena) == 1
        first = notify.recent(s, user_id=lena)[0]
        assert first["text"] == "Tomas answered" and first["unread"]
        assert notify.mark_read(s, user_id=tomas, ids=[first["id"]]) == 0  # not his
        assert notify.mark_read(s, user_id=lena) == 1
        assert notify.unread_count(s, user_id=lena) == 0
