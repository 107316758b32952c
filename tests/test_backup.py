"""Backups: `python -m db backup`, then the restore the README documents, give back the same
rows in every table (counts and checksums), with the audit trail's hash chain intact, also when
people keep writing while the backup runs."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, func, select, text
from sqlalchemy.engine import make_url

from db import qa, seed
from db.__main__ import main as cli
from db.actors import Actor
from db.models import Answer, Question, User, Vote
from db.session import Database
from tests.conftest import _drop_database


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """(row count, SHA-256 of every row in key order) for each table, Alembic's included."""
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(bind=engine)
        out = {}
        with engine.connect() as c:
            for table in sorted(meta.tables.values(), key=lambda t: t.name):
                order = list(table.primary_key.columns) or list(table.columns)
                digest, n = hashlib.sha256(), 0
                for row in c.execute(select(table).order_by(*order)):
                    digest.update(repr(tuple(row)).encode())
                    n += 1
                out[table.name] = (n, digest.hexdigest())
        return out
    finally:
        engine.dispose()


@pytest.fixture
def restored(db, tmp_path):
    """Restore a backup file as the README says; yields a function returning the copy's URL."""
    made: list[str] = []

    def restore(backup: Path) -> str:
        if db.is_sqlite:
            # README: stop the app, copy the backup over the database file (or point
            # DATABASE_URL at the copy).
            target = tmp_path / "restored.db"
            shutil.copyfile(backup, target)
            return f"sqlite:///{target}"
        # README: createdb NEW && pg_restore --no-owner -d NEW FILE.dump
        base = make_url(db.url).set(drivername="postgresql")
        name = f"lcd_r_{uuid.uuid4().hex[:10]}"
        admin = base.render_as_string(hide_password=False)
        subprocess.run(["createdb", f"--maintenance-db={admin}", name], check=True)
        made.append(name)
        target = base.set(database=name).render_as_string(hide_password=False)
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", str(backup)],
                       check=True, capture_output=True)
        return make_url(target).set(drivername="postgresql+psycopg").render_as_string(
            hide_password=False)

    yield restore
    if made:
        admin = create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT")
        for name in made:
            _drop_database(admin, name)
        admin.dispose()


def _needs_tools(db) -> None:
    if not db.is_sqlite and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("the PostgreSQL backup needs pg_dump and pg_restore")


def test_backup_then_restore_gives_back_every_row(db, tmp_path, restored, capsys):
    _needs_tools(db)
    seed.seed_demo(db)
    original = fingerprint(db.url)
    assert original["users"][0] == 300 and original["audit_log"][0] > 0
    out = tmp_path / ("backup.db" if db.is_sqlite else "backup.dump")
    assert cli(["--url", db.url, "backup", "--output", str(out)]) == 0
    assert f"Backup written to {out}" in capsys.readouterr().out

    copy = restored(out)
    assert fingerprint(copy) == original
    assert cli(["--url", copy, "verify-audit"]) == 0
    assert "Audit trail intact" in capsys.readouterr().out
    # The copy is a working database: the app can write to it.
    with Database(copy).write() as s:
        s.execute(text("SELECT 1"))


def _steps(stderr: str) -> list[int]:
    """The pages-copied figures of the backup's progress bar, in the order shown."""
    return [int(m) for m in re.findall(r"\] (\d+)/\d+", stderr)]


def test_a_backup_taken_while_people_vote_is_whole_and_finishes(db, tmp_path, restored,
                                                                capsys):
    """Votes keep arriving during the backup: it runs straight through (the copy does not
    start over at every commit), and the copy is one moment in time: every score equals the
    sum of its votes and the audit chain is whole."""
    _needs_tools(db)
    seed.seed_demo(db)
    with db.read() as s:
        questions = s.execute(select(Question.id, Question.author_id).limit(40)).all()
        people = [Actor(u.id, u.username, u.name, frozenset({"learner"}))
                  for u in s.scalars(select(User).where(User.is_active.is_(True)).limit(30))]
    stop, votes = threading.Event(), threading.Condition()
    cast = [0]
    errors: list[BaseException] = []

    def keep_voting():
        try:
            for n in itertools.count():
                if stop.is_set():
                    return
                q, actor = questions[n % len(questions)], people[n % len(people)]
                if actor.id == q.author_id:
                    continue
                with db.write() as s:
                    qa.vote(s, actor=actor, entity_type="question", entity_id=q.id,
                            value=(1, 0, -1)[n % 3])
                with votes:
                    cast[0] += 1
                    votes.notify_all()
        except BaseException as e:  # noqa: BLE001 - reported by the test below
            errors.append(e)
            with votes:
                votes.notify_all()

    writer = threading.Thread(target=keep_voting)
    writer.start()
    try:
        with votes:  # the backup starts while votes are flowing
            assert votes.wait_for(lambda: cast[0] >= 20 or errors, timeout=60)
        out = tmp_path / ("backup.db" if db.is_sqlite else "backup.dump")
        capsys.readouterr()
        assert cli(["--url", db.url, "backup", "--output", str(out)]) == 0
    finally:
        stop.set()
        writer.join(timeout=60)
    assert not errors, errors
    if db.is_sqlite:
        steps = _steps(capsys.readouterr().err)
        assert steps == sorted(steps), f"the copy started over: {steps}"

    copy = restored(out)
    assert cli(["--url", copy, "verify-audit"]) == 0
    with Database(copy).read() as s:
        for model, etype in ((Question, "question"), (Answer, "answer")):
            sums = dict(s.execute(select(Vote.entity_id, func.sum(Vote.value))
                                  .where(Vote.entity_type == etype).group_by(Vote.entity_id)).all())
            for item_id, score in s.execute(select(model.id, model.score)):
                assert score == sums.get(item_id, 0), (etype, item_id)
