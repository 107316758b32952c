"""In-app notifications: answers, comments, decisions, mentions, invitations."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from db.models import Notification, utcnow
from db.session import run

_NOTIFY = insert(Notification.__table__)


def notify(session: Session, *, user_ids: Iterable[int], kind: str, text: str,
           entity_type: str | None = None, entity_id: int | None = None,
           actor_id: int | None = None) -> int:
    """Tell each person once (never the one who acted). Returns how many were notified."""
    recipients = sorted({u for u in user_ids if u is not None and u != actor_id})
    if recipients:
        # One statement for all of them (a busy question has hundreds of followers).
        now = utcnow()
        run(session, _NOTIFY, [
            {"user_id": u, "kind": kind, "text": text[:300], "entity_type": entity_type,
             "entity_id": entity_id, "actor_id": actor_id, "created_at": now, "read_at": None}
            for u in recipients])
    return len(recipients)


def unread_count(session: Session, *, user_id: int) -> int:
    return session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def recent(session: Session, *, user_id: int, before_id: int | None = None,
           limit: int = 20) -> list[dict]:
    """A page of this person's notifications, newest first (keyset on id)."""
    q = select(Notification).where(Notification.user_id == user_id)
    if before_id is not None:
        q = q.where(Notification.id < before_id)
    rows = session.scalars(q.order_by(Notification.id.desc()).limit(limit)).all()
    return [{"id": n.id, "kind": n.kind, "text": n.text, "entity_type": n.entity_type,
             "entity_id": n.entity_id, "at": n.created_at, "unread": n.read_at is None}
            for n in rows]


def mark_read(session: Session, *, user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark some (or all) of this person's notifications read; only their own."""
    q = update(Notification).where(Notification.user_id == user_id,
                                   Notification.read_at.is_(None))
    if ids is not None:
        q = q.where(Notification.id.in_(list(ids)))
    return session.execute(q.values(read_at=utcnow())).rowcount or 0
