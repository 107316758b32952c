"""The audit trail: records chain, tampering is found, filters and export work."""

from sqlalchemy import select, text

from db import audit
from db.__main__ import main as cli
from db.actors import SYSTEM
from db.models import AuditHead, AuditRecord
from tests.conftest import add_person


def _tamper(db, sql: str) -> None:
    """Change a stored record the way an attacker with file access would: around the triggers."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql(sql)
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
            conn.exec_driver_sql(sql)


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


def test_verify_finds_a_changed_byte(db, capsys):
    add_person(db, "anna", "learner")
    add_person(db, "ben", "learner")
    add_person(db, "cleo", "learner")
    assert cli(["--url", db.url, "verify-audit"]) == 0
    _tamper(db, "UPDATE audit_log SET actor_username = 'systen' WHERE id = 2")
    assert cli(["--url", db.url, "verify-audit"]) == 1
    err = capsys.readouterr().err
    assert "BROKEN at record 2" in err
    assert "does not match its hash" in err


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
