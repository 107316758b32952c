"""The activity log behind engagement analytics: one row per view, post, vote or completion.

Written on nearly every action, so it goes in as one prebuilt Core insert rather than through
the ORM's unit of work (nothing reads the row back in the same transaction); the summaries
(db.summaries) fold it later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.models import ActivityEvent, utcnow
from db.session import run

_LOG = insert(ActivityEvent.__table__)


def log(session: Session, *, user_id: int, kind: str, entity_type: str | None,
        entity_id: int | None, at: datetime | None = None) -> None:
    """Note that `user_id` did `kind` ("view", "post", "vote", "completion") to an item."""
    run(session, _LOG, {"user_id": user_id, "kind": kind, "entity_type": entity_type,
                           "entity_id": entity_id, "created_at": at or utcnow()})
