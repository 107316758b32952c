"""Signing in through the real form (streamlit-authenticator's), in AppTest."""

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from components import config
from db import users
from db.models import AuthSession
from db.stats import count_statements
from tests.conftest import PASSWORD, ROOT

APP = str(ROOT / "app.py")


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def fresh() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30).run()


def _sessions(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(AuthSession.id)))


def test_sign_in_with_the_right_password_opens_home(db, people):
    at = sign_in(fresh(), "lena", PASSWORD)
    assert not at.exception
    assert at.success[0].value.startswith("Signed in")
    at.run()  # in a browser the cookie component triggers this rerun once the cookie is set
    assert at.title[0].value == "Welcome, Lena"
    assert [b.label for b in at.sidebar.button] == ["Sign out"]
    assert _sessions(db) == 1


def test_the_sign_in_page_reads_only_the_person_signing_in(db, people):
    # Reading every active person's entry on each run of the form exhausted the connections
    # of a server with 10,000 people when 500 of them signed in at once.
    at = AppTest.from_file(APP, default_timeout=30)
    with count_statements() as opening:
        at.run()
    assert not [s.sql for s in opening.statements if "FROM users" in s.sql]
    at.text_input[0].input("lena")
    at.text_input[1].input(PASSWORD)
    at.button[0].click()
    with count_statements() as signing_in:
        at.run()
    assert at.success[0].value.startswith("Signed in")
    from_users = [" ".join(s.sql.split()) for s in signing_in.statements
                  if "FROM users" in s.sql]
    assert from_users and all("users.username =" in q for q in from_users), from_users


def test_sign_in_cut_short_by_a_rerun_is_finished_on_the_next_run(db, people):
    # A rerun can interrupt the run in which the library accepted the password, before the
    # cookie was set or our session opened: the next run must finish signing in, not claim
    # that an "earlier session has ended".
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = "lena"
    at.session_state["name"] = "Lena"
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("Signed in")
    assert not [i.value for i in at.info if "ended" in i.value]
    assert _sessions(db) == 1
    at.run()
    assert at.title[0].value == "Welcome, Lena"


def test_wrong_password_is_refused(db, people):
    at = sign_in(fresh(), "lena", "not-the-password")
    assert at.error[0].value == "Wrong username or password."
    assert "Welcome" not in [t.value for t in at.title]
    assert _sessions(db) == 0


def test_unknown_username_gets_the_same_message(db, people):
    at = sign_in(fresh(), "nobody", PASSWORD)
    assert at.error[0].value == "Wrong username or password."


def test_throttled_after_repeated_failures_even_with_the_right_password(db, people):
    at = fresh()
    for _ in range(5):
        at = sign_in(at, "lena", "guess-guess-guess")
    assert "Too many failed sign-ins" in at.error[0].value
    at = sign_in(at, "lena", PASSWORD)
    assert "Too many failed sign-ins" in at.error[0].value
    assert _sessions(db) == 0


def test_deactivated_person_cannot_sign_in(db, people):
    with db.write() as s:
        users.set_active(s, actor=people["admin"], user_id=people["learner"].id, active=False)
    at = sign_in(fresh(), "lena", PASSWORD)
    assert at.error and _sessions(db) == 0


def test_sign_out_ends_the_server_session(db, people):
    at = sign_in(AppTest.from_file(str(ROOT / "pages/account.py"), default_timeout=30).run(),
                 "ada", PASSWORD)
    at.button(key="account-sign-out").click()
    at.run()
    assert not at.exception
    assert at.info[0].value == "You have signed out."
    with db.read() as s:
        live = s.scalar(select(func.count(AuthSession.id)).where(AuthSession.revoked_at.is_(None)))
    assert live == 0


def test_account_counts_live_sessions_and_ends_the_others(db, people):
    from tests.conftest import open_session

    def account() -> AppTest:
        at = AppTest.from_file(str(ROOT / "pages/account.py"), default_timeout=30)
        at.session_state["auth_sid"] = mine
        return at.run()

    mine = open_session(db, "lena")
    at = account()
    assert "1 active session(s), this one included." in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key == "end-others"]
    open_session(db, "lena")
    open_session(db, "tomas")  # someone else's session is not counted, nor ended
    at = account()
    assert "2 active session(s), this one included." in [c.value for c in at.caption]
    at.button(key="end-others").click()
    at.run()
    assert "1 active session(s), this one included." in [c.value for c in at.caption]
    with db.read() as s:
        assert s.scalar(select(func.count(AuthSession.id))
                        .where(AuthSession.revoked_at.is_(None))) == 2


def test_missing_cookie_key_refuses_to_start(db, monkeypatch):
    monkeypatch.delenv("AUTH_COOKIE_KEY")
    # Nor in .streamlit/secrets.toml, which `make run` writes into this very checkout.
    monkeypatch.setattr(config, "_secret", lambda section, key: None)
    at = fresh()
    assert "will not start" in at.error[0].value
    assert not at.text_input


def test_weak_cookie_key_refuses_to_start(db, monkeypatch):
    monkeypatch.setenv("AUTH_COOKIE_KEY", "some_signature_key")
    assert "will not start" in fresh().error[0].value


def test_demo_mode_runs_without_a_key(db, monkeypatch):
    monkeypatch.delenv("AUTH_COOKIE_KEY")
    monkeypatch.setattr(config, "_secret", lambda section, key: None)
    monkeypatch.setenv("APP_DEMO", "1")
    at = fresh()
    assert not at.error and at.text_input


def test_unmigrated_database_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    at = fresh()
    assert not at.exception
    assert "python -m db upgrade" in at.error[0].value


def test_unreachable_database_says_so(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody:x@127.0.0.1:1/none")
    at = fresh()
    assert not at.exception
    assert "cannot reach its database" in at.error[0].value


@pytest.mark.parametrize("username", ["", "lena\x00", "<script>alert(1)</script>", "x" * 5000,
                                      "lena' OR '1'='1"])
def test_odd_usernames_get_the_plain_refusal(db, people, username):
    at = sign_in(fresh(), username, PASSWORD)
    assert not at.exception
    assert "Welcome" not in [t.value for t in at.title]
    assert _sessions(db) == 0
