"""PostgreSQL going away in the middle of writes: every write says it was not saved, nothing
half-written stays behind, and the same process works again once the server is back.

The real server is shared with other tests, so the outage is a TCP relay between the app's
Database and PostgreSQL that the test cuts (dropping every open connection and refusing new
ones, as a stopped server does) and restores.
"""

from __future__ import annotations

import os
import socket
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from streamlit.testing.v1 import AppTest

from db import qa
from db.models import Base, Question
from db.session import Database
from tests.conftest import ROOT, add_person, open_session

pytestmark = [
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                       reason="needs PostgreSQL (TEST_DATABASE_URL)"),
    # Only the PostgreSQL copy of the `db` fixture: the outage is a server going away.
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

BODY = "How do we handle this in the submission? Some context for the question here."


class Relay:
    """A TCP relay to one address that can be cut (like a server going down) and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._up = True
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                if self.listener.fileno() == -1:
                    return  # closed
                continue
            with self._lock:
                if not self._up:  # down: the connection ends at once
                    for s in (client, upstream):
                        s.close()
                    continue
                self._open |= {client, upstream}
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(src)
            self._drop(dst)

    def _drop(self, s: socket.socket) -> None:
        with self._lock:
            self._open.discard(s)
        try:
            s.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv()
        except OSError:
            pass
        s.close()

    def cut(self) -> None:
        with self._lock:
            self._up = False
            links = list(self._open)
        for s in links:
            self._drop(s)

    def restore(self) -> None:
        with self._lock:
            self._up = True

    def close(self) -> None:
        self.cut()
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()


@pytest.fixture
def relay(database_url):
    url = make_url(database_url)
    r = Relay(url.host or "127.0.0.1", url.port or 5432)
    yield r
    r.close()


@pytest.fixture
def app_db(database_url, relay, db):
    """The app's Database, reaching PostgreSQL through the relay (`db` goes direct)."""
    proxied = make_url(database_url).set(host="127.0.0.1", port=relay.port)
    database = Database(proxied.render_as_string(hide_password=False))
    yield database
    database.dispose()


def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table, read over a direct connection."""
    with db.read() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables}


@contextmanager
def cut_at_statement(database: Database, relay: Relay, n: int):
    """Cut the relay just before the n-th SQL statement the block sends, or at its COMMIT
    when n is 0."""
    sent = 0

    def before_statement(*_args):
        nonlocal sent
        sent += 1
        if sent == n:
            relay.cut()

    def before_commit(_conn):
        if n == 0:
            relay.cut()

    event.listen(database.engine, "before_cursor_execute", before_statement)
    event.listen(database.engine, "commit", before_commit)
    try:
        yield lambda: sent
    finally:
        event.remove(database.engine, "before_cursor_execute", before_statement)
        event.remove(database.engine, "commit", before_commit)


def ask(database: Database, actor, title: str) -> int:
    with database.write() as s:
        return qa.ask(s, actor=actor, title=title, body=f"{BODY} {title}",
                      tags=["variations", "outage"])


def test_a_write_cut_off_at_any_point_fails_whole_and_the_app_recovers(db, app_db, relay):
    lena = add_person(db, "lena", "learner")
    tomas = add_person(db, "tomas", "learner")
    # How many statements asking a question sends, counted on a write that goes through.
    with cut_at_statement(app_db, relay, -1) as sent:
        ask(app_db, tomas, "How many statements does asking take?")
    statements = sent()
    assert statements > 5, statements
    title = "Which form do we file for a site change?"
    for n in [*range(1, statements + 1), 0]:  # before each statement, then at the commit
        before = row_counts(db)
        with pytest.raises(DBAPIError), cut_at_statement(app_db, relay, n):
            ask(app_db, lena, title)
        assert row_counts(db) == before, f"cut before statement {n}: a partial record stayed"
        relay.restore()
    # The same Database object, no restart: the write goes through once, and only once.
    qid = ask(app_db, lena, title)
    with db.read() as s:
        assert s.scalars(select(Question.id).where(Question.author_id == lena.id)).all() == [qid]


def test_writes_during_the_outage_fail_at_once_then_work_again(db, app_db, relay):
    lena = add_person(db, "lena", "learner")
    ask(app_db, lena, "A question asked while all is well")
    before = row_counts(db)
    relay.cut()
    for i in range(3):
        with pytest.raises(DBAPIError):
            ask(app_db, lena, f"A question asked during outage number {i}")
        with pytest.raises(DBAPIError), app_db.read() as s:
            s.scalar(select(func.count()).select_from(Question))
    assert row_counts(db) == before
    relay.restore()
    ask(app_db, lena, "A question asked after the outage")
    with app_db.read() as s:
        assert s.scalar(select(func.count()).select_from(Question)) == 2


# --- what people see ------------------------------------------------------------------------


def _ask_form(username: str, user_id: int) -> None:
    import streamlit as st

    from components import forms
    from components.data import database
    from db import qa
    from db.actors import Actor

    database()  # as app.py does on every run, before the page
    actor = Actor(user_id, username, username.title(), frozenset({"learner"}))

    def post():
        with database().write() as s:
            return qa.ask(s, actor=actor, title="Which form do we file for a site change?",
                          body="How do we handle this in the submission? Some context here.",
                          tags=["variations"])

    st.title("Ask")
    if st.button("Post", key="post"):
        qid = forms.submit("ask", post)
        if qid:
            st.success(f"Posted question {qid}.")


def test_the_form_says_not_saved_during_the_outage_and_posts_after(db, app_db, relay,
                                                                   monkeypatch):
    from components import forms

    monkeypatch.setenv("DATABASE_URL", app_db.url)
    lena = add_person(db, "lena", "learner")
    at = AppTest.from_function(_ask_form, args=("lena", lena.id), default_timeout=30)
    at.run()
    assert not at.exception
    relay.cut()
    at.button(key="post").click().run()
    assert [e.value for e in at.error] == [forms.NOT_SAVED]
    assert not at.success
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Question)) == 0
    relay.restore()
    at.button(key="post").click().run()
    assert not at.error
    assert at.success[0].value.startswith("Posted question")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Question)) == 1


def test_the_app_says_nothing_was_saved_and_recovers_without_a_restart(db, app_db, relay,
                                                                      monkeypatch):
    monkeypatch.setenv("DATABASE_URL", app_db.url)
    add_person(db, "lena", "learner", name="Lena Fischer")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, "lena")
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Welcome, Lena"]
    relay.cut()
    at.run()
    assert not at.exception
    assert any("nothing on this page was loaded or saved" in e.value for e in at.error)
    assert not at.title
    relay.restore()
    at.run()  # the same process and cached Database: no restart
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Welcome, Lena"]


# --- pooled connections -----------------------------------------------------------------------

def _count_pings(database: Database, monkeypatch) -> list[int]:
    pings = [0]
    ping = database.engine.dialect.do_ping

    def counted(dbapi_conn):
        pings[0] += 1
        return ping(dbapi_conn)

    monkeypatch.setattr(database.engine.dialect, "do_ping", counted)
    return pings


def count_questions(database: Database) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(Question))


def test_a_connection_idle_across_a_restart_is_replaced_before_anyone_sees_it(
        db, app_db, relay, monkeypatch):
    from db import session as db_session

    monkeypatch.setattr(db_session, "PING_AFTER_IDLE_SECONDS", 0)
    pings = _count_pings(app_db, monkeypatch)
    assert count_questions(app_db) == 0  # one pooled connection now
    relay.cut()  # the server goes away and comes back while the connection sits in the pool
    relay.restore()
    assert count_questions(app_db) == 0  # no error: the dead connection failed its ping
    assert pings[0] == 1


def test_a_connection_in_steady_use_is_not_pinged(db, app_db, monkeypatch):
    pings = _count_pings(app_db, monkeypatch)
    for _ in range(5):
        assert count_questions(app_db) == 0
    lena = add_person(db, "lena", "learner")
    ask(app_db, lena, "A question asked between two reads")
    assert count_questions(app_db) == 1
    assert pings[0] == 0  # a round trip fewer on every page run and write
