"""On SQLite one write runs at a time, so whatever a write does, every other writer waits for.

Every write finds what it reads and changes by index: taking back a vote on a suggestion once
read the whole points ledger (1.4M rows on the medium set, 145 ms). SQLite's query plans do not
depend on how many rows a table holds (the app never runs ANALYZE), so a small database shows
the plan a large one gets. And no commit copies the write-ahead log into the database file: a
thread of the app's does that, beside the writes.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from db import content, qa, suggestions
from db.models import Lesson, Question
from db.session import Database
from tests.conftest import add_person
from tests.test_content import new_course, new_lesson, sign, submit

ANSWER = "We file the cover letter first; the agency confirms receipt within two working days."


@pytest.fixture
def sqlite_db(sqlite_template, tmp_path, monkeypatch) -> Database:
    """A fresh migrated SQLite database (the plans asked about are SQLite's)."""
    path = tmp_path / "app.db"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@contextmanager
def whole_table_reads(db: Database):
    """Collect (table, statement) for every statement whose plan reads a whole table.

    A scan that a LIMIT stops early (the newest audit record, read backwards by rowid) reads
    a row or two, not the table, and is not counted; nor is the scan of a subquery's result.
    """
    found: list[tuple[str, str]] = []

    def plan(conn, cursor, statement, parameters, context, executemany):
        sql = " ".join(statement.split())
        if executemany or not sql.upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
            return
        steps = [row[3] for row in
                 cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
        stops_early = " LIMIT " in sql.upper() and not any("TEMP B-TREE" in s for s in steps)
        for step in steps:
            m = re.match(r"SCAN (\w+)", step)
            if m and not stops_early and m.group(1) != "CONSTANT" \
                    and not m.group(1).startswith(("anon_", "subquery")):
                found.append((m.group(1), sql[:160]))

    event.listen(db.engine, "before_cursor_execute", plan)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", plan)


def test_votes_answers_acceptance_proposals_and_completions_read_no_whole_table(sqlite_db):
    db = sqlite_db
    lena = add_person(db, "lena", "learner", name="Lena Fischer")
    tomas = add_person(db, "tomas", "trainer", name="Tomas Ribeiro")
    mei = add_person(db, "mei", "trainer", name="Mei Chen")
    lesson = new_lesson(db, tomas, new_course(db, tomas))
    submit(db, tomas, lesson)
    assert sign(db, mei, lesson).published
    with db.write() as s:
        idea = suggestions.submit(s, actor=lena, title="Digital line clearance checklist",
                                  description="The paper checklist gets lost between shifts.",
                                  category="Manufacturing", kind="idea", site_id=None)
        question = qa.ask(s, actor=lena, title="Which sequence number after a withdrawal?",
                          body="We withdrew sequence 0007. Does the next one reuse it?",
                          tags=["ectd"])
    with db.read() as s:
        published = s.get(Lesson, lesson).published_revision_id

    with whole_table_reads(db) as scans:
        with db.write() as s:
            answer = qa.answer(s, actor=tomas, question_id=question, body=ANSWER)
        for value in (1, -1, 1, 0):  # cast, change, change back, take back
            with db.write() as s:
                qa.vote(s, actor=mei, entity_type="answer", entity_id=answer, value=value)
        with db.write() as s:
            qa.vote(s, actor=tomas, entity_type="question", entity_id=question, value=1)
        for accepted in (True, False):
            with db.write() as s:
                qa.accept(s, actor=lena, answer_id=answer, accepted=accepted)
        for on in (True, False):
            with db.write() as s:
                suggestions.vote(s, actor=tomas, suggestion_id=idea, on=on)
        with db.write() as s:
            content.propose(s, actor=lena, lesson_id=lesson, kind="example",
                            summary="A real case from our site",
                            body="Last year the variation was filed as Type IB and accepted.",
                            base_revision_id=published)
        for done in (True, False):
            with db.write() as s:
                content.mark_complete(s, actor=lena, lesson_id=lesson, done=done)

    assert scans == []


def test_no_write_copies_the_log_into_the_file_a_background_checkpoint_does(sqlite_db):
    db = sqlite_db
    with db.read() as s:
        assert s.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    lena = add_person(db, "lena", "learner", name="Lena Fischer")
    for n in range(5):
        with db.write() as s:
            qa.ask(s, actor=lena, title=f"Which sequence number after withdrawal {n}?",
                   body=f"We withdrew sequence 000{n}. Does the next one reuse its number?",
                   tags=["ectd"])
    checkpointer = db._checkpointer
    assert checkpointer._thread.is_alive()
    with sqlite3.connect(checkpointer.path) as conn:
        frames, copied = checkpointer.checkpoint(conn)
    assert frames > 0 and copied == frames  # the commits left it all in the log
    db.dispose()
    assert not checkpointer._thread.is_alive()


def test_writes_take_turns_on_one_connection_and_a_failed_write_leaves_it_clean(sqlite_db):
    """Only one write runs at a time, so they share a connection, whose page cache then
    lasts from one write to the next; one that fails is rolled back and stores nothing."""
    db = sqlite_db
    people = [add_person(db, f"writer{n}", "learner") for n in range(4)]
    used: set[int] = set()

    def note(conn, cursor, statement, parameters, context, executemany):
        used.add(id(cursor.connection))

    def ask(n: int) -> int:
        with db.write() as s:
            return qa.ask(s, actor=people[n % 4], title=f"Which sequence number comes after {n}?",
                          body=f"We withdrew sequence 000{n}. Does the next one reuse it?",
                          tags=["ectd"])

    # Page runs leave several connections in the pool, as on a server.
    with db.read() as r1, db.read() as r2, db.read() as r3:
        for r in (r1, r2, r3):
            r.execute(select(1))
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        with ThreadPoolExecutor(4) as pool:
            asked = list(pool.map(ask, range(8)))
        with pytest.raises(RuntimeError), db.write() as s:
            qa.ask(s, actor=people[0], title="A question whose write then fails",
                   body="Something goes wrong after this is written, before the commit.",
                   tags=["ectd"])
            raise RuntimeError("the page failed half way")
        asked.append(ask(8))
        with db.write() as s:
            assert s.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert len(used) == 1
    with db.read() as s:
        titles = set(s.scalars(select(Question.title)))
    assert len(set(asked)) == 9 and "A question whose write then fails" not in titles
