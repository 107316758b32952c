"""The append-only audit trail: one record per state change, each hash-chained to the last."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.orm import Session

from db.actors import Actor, require
from db.models import AuditHead, AuditRecord, utcnow
from db.session import run
from db.text import search_term

GENESIS = "0" * 64


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, sort_keys=True))


# Version 1 left out actor_id, so who acted could be changed unnoticed. Version 2 covers every
# column but the surrogate id (the chain of prev_hash already fixes the order) and the hash itself.
# Records are never rehashed (the table refuses UPDATE): each keeps the version it was written
# with, and verify() recomputes it that way. A record moved to another version no longer matches.
DIGEST_VERSION = 2
HASHED = ("digest_version", "prev_hash", "at", "actor_id", "actor_username", "action",
          "entity_type", "entity_id", "before", "after", "reason")


def _digest(*, digest_version: int, prev_hash: str, at: datetime, actor_id: int | None,
            actor_username: str, action: str, entity_type: str, entity_id: str | None,
            before: Any, after: Any, reason: str | None) -> str | None:
    """The hash of a record's content under its digest version; None for a version unknown."""
    stamp = at.isoformat(timespec="microseconds")
    if digest_version == 1:
        fields = [prev_hash, stamp, actor_username, action, entity_type, entity_id, before, after,
                  reason]
    elif digest_version == 2:
        fields = [digest_version, prev_hash, stamp, actor_id, actor_username, action, entity_type,
                  entity_id, before, after, reason]
    else:
        return None
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


# Built once: the trail gets a record on every write, and building these cost more than running
# them. A Core insert also skips the ORM's unit of work (nothing reads the record back).
# Locking the head makes appenders take turns (on SQLite BEGIN IMMEDIATE already does): one who
# waited reads the head as the one before left it, so no two records chain onto the same one.
_HEAD = select(AuditHead.hash).where(AuditHead.id == 1).with_for_update()
_APPEND = insert(AuditRecord.__table__)


def record(session: Session, *, actor: Actor, action: str, entity_type: str,
           entity_id: object = None, before: Any = None, after: Any = None,
           reason: str | None = None) -> str:
    """Append one audit record in the caller's transaction; returns its hash."""
    prev = run(session, _HEAD).scalar_one()  # the head is kept by a trigger on audit_log
    row = {
        "digest_version": DIGEST_VERSION, "prev_hash": prev, "at": utcnow(),
        "actor_id": actor.id, "actor_username": actor.username, "action": action,
        "entity_type": entity_type, "entity_id": None if entity_id is None else str(entity_id),
        "before": _jsonable(before), "after": _jsonable(after), "reason": reason}
    digest = _digest(**row)
    run(session, _APPEND, {**row, "hash": digest})
    return digest


def append_past(session: Session, records: list[dict]) -> int:
    """Append records of things that happened before now (the demo organisation's year), in
    the order given, chained on from the head as `record` chains. Each record names at,
    actor_id, actor_username, action, entity_type and optionally entity_id, before, after and
    reason. Returns how many were written."""
    prev = run(session, _HEAD).scalar_one()
    rows = []
    for r in records:
        row = {"digest_version": DIGEST_VERSION, "prev_hash": prev, "at": r["at"],
               "actor_id": r["actor_id"], "actor_username": r["actor_username"],
               "action": r["action"], "entity_type": r["entity_type"],
               "entity_id": None if r.get("entity_id") is None else str(r["entity_id"]),
               "before": _jsonable(r.get("before")), "after": _jsonable(r.get("after")),
               "reason": r.get("reason")}
        prev = row["hash"] = _digest(**row)
        rows.append(row)
    if rows:
        session.execute(_APPEND, rows)
    return len(rows)


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    broken_id: int | None = None
    problem: str = ""


def verify(session: Session, *, batch: int = 5000) -> ChainCheck:
    """Walk the chain in order; report the first record whose hash or link does not match,
    or a chain that ends before the last record written (the head)."""
    # The head first: records appended while the walk runs (PostgreSQL reads each batch afresh)
    # come after it, so the record it names must be met on the way.
    head = session.execute(select(AuditHead.last_id, AuditHead.hash)).first()
    head_met = head is None or head.last_id is None
    prev = GENESIS
    checked = 0
    for rec in _in_order(session, batch):
        if rec.prev_hash != prev:
            return ChainCheck(False, checked, rec.id, "its link to the previous record is broken")
        expected = _digest(**{name: getattr(rec, name) for name in HASHED})
        if expected is None:
            return ChainCheck(False, checked, rec.id,
                              f"its digest version {rec.digest_version} is not one this app knows")
        if expected != rec.hash:
            return ChainCheck(False, checked, rec.id, "its content does not match its hash")
        head_met = head_met or (rec.id == head.last_id and rec.hash == head.hash)
        prev = rec.hash
        checked += 1
    if not head_met:
        return ChainCheck(False, checked, head.last_id,
                          "it was written but is no longer in the trail (the trail was cut short)")
    return ChainCheck(True, checked)


def _in_order(session: Session, batch: int) -> Iterator[AuditRecord]:
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.id > last_id).order_by(AuditRecord.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


@dataclass(frozen=True)
class TrailFilter:
    actor: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _filtered(f: TrailFilter) -> Select:
    # Typed filters are tidied as search boxes are: a NUL would break PostgreSQL's query, and
    # no stored value is longer than a search term.
    actor, action, entity_type, entity_id = (search_term(v) if v else None for v in (
        f.actor, f.action, f.entity_type, f.entity_id))
    q = select(AuditRecord)
    if actor:
        q = q.where(AuditRecord.actor_username == actor)
    if action:
        q = q.where(AuditRecord.action == action)
    if entity_type:
        q = q.where(AuditRecord.entity_type == entity_type)
    if entity_id:
        q = q.where(AuditRecord.entity_id == entity_id)
    if f.since:
        q = q.where(AuditRecord.at >= f.since)
    if f.until:
        q = q.where(AuditRecord.at < f.until)
    return q


def trail(session: Session, *, actor: Actor, filters: TrailFilter, before_id: int | None = None,
          limit: int = 50) -> list[dict]:
    """One page of the trail, newest first (keyset on id); admins only."""
    require(actor, "admin")
    q = _filtered(filters)
    if before_id is not None:
        q = q.where(AuditRecord.id < before_id)
    rows = session.scalars(q.order_by(AuditRecord.id.desc()).limit(limit)).all()
    return [_as_dict(r) for r in rows]


def count(session: Session, *, actor: Actor, filters: TrailFilter) -> int:
    require(actor, "admin")
    sub = _filtered(filters).with_only_columns(AuditRecord.id).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


def actions(session: Session, *, actor: Actor) -> list[str]:
    """Every action name that occurs, for the filter box."""
    require(actor, "admin")
    return list(session.scalars(select(AuditRecord.action).distinct().order_by(AuditRecord.action)))


def export_rows(session: Session, *, actor: Actor, filters: TrailFilter,
                batch: int = 5000) -> Iterator[dict]:
    """Every matching record, oldest first, streamed in batches for CSV export; admins only."""
    require(actor, "admin")
    last_id = 0
    while True:
        rows = session.scalars(
            _filtered(filters).where(AuditRecord.id > last_id).order_by(AuditRecord.id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for r in rows:
            yield _as_dict(r)
        last_id = rows[-1].id


def _as_dict(r: AuditRecord) -> dict:
    return {
        "id": r.id, "at": r.at, "actor": r.actor_username, "action": r.action,
        "entity_type": r.entity_type, "entity_id": r.entity_id,
        "before": json.dumps(r.before, sort_keys=True) if r.before is not None else "",
        "after": json.dumps(r.after, sort_keys=True) if r.after is not None else "",
        "reason": r.reason or "", "hash": r.hash,
    }
