"""The points ledger: what each action is worth, with daily caps so nobody farms points.

Issue 5 builds levels, badges and leaderboards on this ledger; other areas only call `award`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import PointEvent, Setting, utcnow

# Default values; admins may override any of them in the settings table (key "points").
POINTS: dict[str, int] = {
    "question.asked": 2,
    "answer.posted": 5,
    "answer.accepted": 15,
    "vote.received": 2,
    "comment.posted": 1,
    "proposal.accepted": 10,
    "lesson.completed": 1,
    "suggestion.submitted": 3,
    "suggestion.implemented": 25,
}
# At most this many points per person per action per UTC day.
DAILY_CAP: dict[str, int] = {
    "question.asked": 10,
    "answer.posted": 50,
    "vote.received": 40,
    "comment.posted": 10,
    "lesson.completed": 10,
    "suggestion.submitted": 9,
}


def value_of(session: Session, action: str) -> int:
    override = session.get(Setting, "points")
    if override and isinstance(override.value, dict) and action in override.value:
        return int(override.value[action])
    return POINTS.get(action, 0)


def award(session: Session, *, user_id: int, action: str, entity_type: str | None = None,
          entity_id: int | None = None, mandatory: bool = False,
          now: datetime | None = None) -> int:
    """Add points for an action, within the daily cap. Returns the points actually given."""
    if mandatory:
        return 0  # completing compulsory training is not rewarded
    points = value_of(session, action)
    if points <= 0:
        return 0
    now = now or utcnow()
    cap = DAILY_CAP.get(action)
    if cap is not None:
        day = datetime.combine(now.date(), time.min)
        so_far = session.scalar(select(func.coalesce(func.sum(PointEvent.points), 0)).where(
            PointEvent.user_id == user_id, PointEvent.action == action,
            PointEvent.created_at >= day, PointEvent.created_at < day + timedelta(days=1),
            PointEvent.voided_at.is_(None))) or 0
        points = min(points, cap - so_far)
        if points <= 0:
            return 0
    session.add(PointEvent(user_id=user_id, action=action, points=points,
                           entity_type=entity_type, entity_id=entity_id, created_at=now))
    return points


def revoke(session: Session, *, user_id: int, action: str, entity_type: str,
           entity_id: int, reason: str) -> int:
    """Void the points an action gave (a retracted vote, an un-accepted answer)."""
    now = utcnow()
    rows = session.scalars(select(PointEvent).where(
        PointEvent.user_id == user_id, PointEvent.action == action,
        PointEvent.entity_type == entity_type, PointEvent.entity_id == entity_id,
        PointEvent.voided_at.is_(None))).all()
    for r in rows:
        r.voided_at = now
        r.void_reason = reason
    return sum(r.points for r in rows)


def total(session: Session, *, user_id: int) -> int:
    return session.scalar(select(func.coalesce(func.sum(PointEvent.points), 0)).where(
        PointEvent.user_id == user_id, PointEvent.voided_at.is_(None))) or 0
