"""The audit trail: records chain, tampering is found, filters and export work."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Executable, column, insert, select, table, text, update

from db import audit
from db.__main__ import main as cli
from db.actors import SYSTEM, Actor
from db.models import AuditHead, AuditRecord
from tests.conftest import add_person

COLUMNS = [c.name for c in AuditRecord.__table__.columns]


def _tamper(db, statement: str | Executable) -> None:
    """Change a stored record the way an attacker with file access would: around the triggers."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
        conn.execute(text(statement) if isinstance(statement, str) else statement)


def _remove(db, record_id: int) -> None:
    """Delete a stored record around the triggers, as an attacker with file access could."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": record_id})


def test_each_change_adds_a_chained_record(db):
    add_person(db, "anna", "learner")
    add_person(db, "ben", "trainer")
    with db.read() as s:
        rows = audit.trail(s, actor=SYSTEM, filters=audit.TrailFilter(action="user.created"))
        result = audit.verify(s)
    assert [r["actor"] for r in rows] == ["system", "system"]
    assert {r["entity_id"] for r in rows} == {"1", "2"}
    assert result.ok and result.checked == 2


@pytest.mark.parametrize("change", [
    "actor_username = 'systen'",
    "actor_id = 7",  # the system's record (no actor id) made someone's
])
def test_verify_finds_a_changed_byte(db, capsys, change):
    add_person(db, "anna", "learner")
    add_person(db, "ben", "learner")
    add_person(db, "cleo", "learner")
    assert cli(["--url", db.url, "verify-audit"]) == 0
    _tamper(db, f"UPDATE audit_log SET {change} WHERE id = 2")
    assert cli(["--url", db.url, "verify-audit"]) == 1
    err = capsys.readouterr().err
    assert "BROKEN at record 2" in err
    assert "does not match its hash" in err


def _three_records(db) -> None:
    """Three chained records; the middle one has a value in every column."""
    tomas = Actor(id=5, username="tomas", name="Tomas Ribeiro", roles=frozenset({"trainer"}))
    with db.write() as s:
        audit.record(s, actor=SYSTEM, action="test.first", entity_type="thing", entity_id=1)
    with db.write() as s:
        audit.record(s, actor=tomas, action="lesson.signed", entity_type="lesson", entity_id=12,
                     before={"state": "in_review"}, after={"state": "approved", "number": 3},
                     reason="Checked against SOP-114")
    with db.write() as s:
        audit.record(s, actor=SYSTEM, action="test.last", entity_type="thing", entity_id=3)


def _changed(value: Any) -> Any:
    """`value` with one byte (or one step) changed."""
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value[:-1] + chr(ord(value[-1]) ^ 1)
    if isinstance(value, dict):
        return {k: _changed(v) for k, v in value.items()}
    raise AssertionError(f"no way to change {value!r}")


def test_the_digest_covers_every_column_but_the_id_and_the_hash():
    assert set(audit.HASHED) == set(COLUMNS) - {"id", "hash"}
    assert AuditRecord.__table__.c.digest_version.default.arg == audit.DIGEST_VERSION


@pytest.mark.parametrize("column", [c for c in COLUMNS if c != "id"])
def test_verify_finds_a_change_in_any_column(db, column):
    _three_records(db)
    table = AuditRecord.__table__
    with db.read() as s:
        assert audit.verify(s).ok
        value = s.scalar(select(table.c[column]).where(table.c.id == 2))
    assert value is not None
    _tamper(db, update(table).where(table.c.id == 2).values({column: _changed(value)}))
    with db.read() as s:
        result = audit.verify(s)
    assert not result.ok and result.broken_id == 2 and result.checked == 1


def test_verify_finds_a_record_moved_to_another_place(db):
    """The id is not hashed, but the chain fixes the order: a record moved is out of line."""
    _three_records(db)
    _tamper(db, "UPDATE audit_log SET id = 10 WHERE id = 2")
    with db.read() as s:
        result = audit.verify(s)
    assert not result.ok and result.broken_id == 3 and "link" in result.problem


@pytest.mark.parametrize(("version", "problem"), [
    (1, "does not match its hash"),  # the old digest, which left out who acted
    (3, "digest version 3 is not one this app knows"),
])
def test_verify_finds_a_record_moved_to_another_digest_version(db, version, problem):
    _three_records(db)
    with db.read() as s:
        assert s.scalars(select(AuditRecord.digest_version)).all() == [audit.DIGEST_VERSION] * 3
    _tamper(db, f"UPDATE audit_log SET digest_version = {version} WHERE id = 2")
    with db.read() as s:
        result = audit.verify(s)
    assert not result.ok and result.broken_id == 2 and problem in result.problem


def test_verify_finds_a_removed_record(db):
    for name in ("anna", "ben", "cleo"):
        add_person(db, name, "learner")
    _remove(db, 2)
    with db.read() as s:
        result = audit.verify(s)
    assert not result.ok and result.broken_id == 3
    assert "link" in result.problem


def test_verify_finds_a_trail_cut_short(db):
    """Removing the newest records leaves every remaining link intact; the head still names the
    last record written."""
    for name in ("anna", "ben", "cleo"):
        add_person(db, name, "learner")
    _remove(db, 3)
    with db.read() as s:
        result = audit.verify(s)
    assert not result.ok and result.broken_id == 3 and result.checked == 2
    assert "cut short" in result.problem


def test_the_chain_goes_on_from_the_head(db):
    """Each record links to the one before, the head follows the newest."""
    hashes = []
    for i in range(3):
        with db.write() as s:
            hashes.append(audit.record(s, actor=SYSTEM, action="test.step", entity_type="thing",
                                       entity_id=i))
    with db.read() as s:
        head = s.execute(select(AuditHead.hash, AuditHead.last_id)).one()
        links = s.execute(select(AuditRecord.prev_hash, AuditRecord.hash)
                          .order_by(AuditRecord.id)).all()
    assert head.hash == hashes[-1] and head.last_id == len(links)
    assert [p for p, _ in links] == [audit.GENESIS] + [h for _, h in links][:-1]


def test_trail_filters_and_keyset_pages(db):
    for i in range(7):
        with db.write() as s:
            audit.record(s, actor=SYSTEM, action="test.step", entity_type="thing", entity_id=i,
                         after={"n": i}, reason=f"step {i}")
    with db.read() as s:
        first = audit.trail(s, actor=SYSTEM, filters=audit.TrailFilter(action="test.step"), limit=3)
        second = audit.trail(s, actor=SYSTEM, filters=audit.TrailFilter(action="test.step"),
                             before_id=first[-1]["id"], limit=3)
        one = audit.trail(s, actor=SYSTEM,
                          filters=audit.TrailFilter(entity_type="thing", entity_id="4"))
        total = audit.count(s, actor=SYSTEM, filters=audit.TrailFilter(action="test.step"))
    assert [r["entity_id"] for r in first + second] == ["6", "5", "4", "3", "2", "1"]
    assert [r["reason"] for r in one] == ["step 4"]
    assert total == 7


def test_migration_0026_starts_the_head_at_the_last_record(db):
    from alembic import command

    from db import migrate

    for name in ("anna", "ben"):
        add_person(db, name, "learner")
    db.dispose()  # the migration needs the database to itself
    command.downgrade(migrate.alembic_config(db.url), "0025")
    migrate.upgrade(db.url)
    add_person(db, "cleo", "learner")  # chains onto ben's record
    with db.read() as s:
        result = audit.verify(s)
    assert result.ok and result.checked == 3


def _triggers(db) -> set[str]:
    with db.read() as s:
        if db.is_sqlite:
            return set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        return set(s.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))


def test_records_written_before_migration_0028_still_verify(db):
    """Records hashed by the first digest, which left out who acted, keep their hashes (the
    table refuses to rehash them); migration 0028 marks them version 1 and the chain goes on."""
    from alembic import command

    from db import migrate

    db.dispose()  # the migration needs the database to itself
    command.downgrade(migrate.alembic_config(db.url), "0027")
    before_0028 = table("audit_log", *(column(c.name, c.type) for c in AuditRecord.__table__.c
                                       if c.name not in ("id", "digest_version")))
    with db.engine.begin() as conn:  # the trail as a database from before 0028 holds it
        conn.exec_driver_sql("ALTER TABLE audit_log DROP COLUMN digest_version")
        prev = audit.GENESIS
        for i, actor_id in enumerate((None, 4)):
            row = {"prev_hash": prev, "at": datetime(2026, 1, 5, 9, 30, i, 250),
                   "actor_id": actor_id, "actor_username": "system" if actor_id is None else "mei",
                   "action": "test.before", "entity_type": "thing", "entity_id": str(i),
                   "before": None, "after": {"n": i}, "reason": None}
            prev = audit._digest(digest_version=1, **row)
            conn.execute(insert(before_0028).values(**row, hash=prev))
    db.dispose()
    migrate.upgrade(db.url)
    add_person(db, "anna", "learner")  # chains onto the old records, by the new digest
    with db.read() as s:
        assert s.scalars(select(AuditRecord.digest_version).order_by(AuditRecord.id)).all() \
            == [1, 1, 2]
        result = audit.verify(s)
    assert result.ok and result.checked == 3


def test_migration_0028_down_and_up_again_keeps_the_trail_verifying(db):
    """The downgrade keeps digest_version: without it the newer records could not be checked."""
    from alembic import command

    from db import migrate

    for name in ("anna", "ben"):
        add_person(db, name, "learner")
    triggers = _triggers(db)
    db.dispose()  # the migration needs the database to itself
    command.downgrade(migrate.alembic_config(db.url), "0027")
    assert not {"lesson_revisions_no_rewrite", "signatures_no_delete"} & _triggers(db)
    add_person(db, "cleo", "learner")  # written by the new code on the old schema
    db.dispose()
    migrate.upgrade(db.url)
    assert _triggers(db) == triggers
    add_person(db, "dan", "learner")
    with db.read() as s:
        result = audit.verify(s)
    assert result.ok and result.checked == 4


def test_a_record_written_while_the_chain_is_checked_is_no_gap(db, monkeypatch):
    """On a busy server records keep coming while the check walks the trail; one appended just
    after the walk's last read is not a trail cut short."""
    for name in ("anna", "ben"):
        add_person(db, name, "learner")
    walk = audit._in_order

    def walk_then_someone_writes(session, batch):
        yield from walk(session, batch)
        with db.write() as s:
            audit.record(s, actor=SYSTEM, action="test.meanwhile", entity_type="thing")

    monkeypatch.setattr(audit, "_in_order", walk_then_someone_writes)
    with db.read() as s:
        result = audit.verify(s, batch=1)
    assert result.ok and result.checked == 2
