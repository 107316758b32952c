"""The admins' overrides of the app's defaults (rows of the settings table), read once per
transaction.

Points, fair play and posting limits all depend on them, and a single post needs several: the
posting limits first, then the points. One read per transaction serves them all (it was one
per area, a round trip each to PostgreSQL on every post). Within a transaction the rows do not
change unless it changes them itself, so `forget` follows any write to the settings table.
"""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from db.models import Setting
from db.session import run

POINTS = "points"
FAIR_PLAY = "fair_play"
VOIDED_RINGS = "fair_play.voided_rings"  # members of rings whose points an admin voided
MODERATION = "moderation"
DAILY_CAPS = "points.daily_cap"
KEYS = (POINTS, FAIR_PLAY, VOIDED_RINGS, MODERATION, DAILY_CAPS)

# Built once. The keys as fixed parameters: a plain IN list is "expanding", and SQLAlchemy
# renders the statement's text again on every execution.
_READ = select(Setting.key, Setting.value).where(Setting.key.in_([literal(k) for k in KEYS]))
_MEMO = "db.overrides"


def overrides(session: Session) -> dict[str, object]:
    """Every override in force, by key (a key without a row is absent: defaults apply)."""
    memo = session.info.get(_MEMO)
    if memo is not None and memo[0] is session.get_transaction():
        return memo[1]
    values = dict(run(session, _READ).all())
    session.info[_MEMO] = (session.get_transaction(), values)
    return values


def forget(session: Session) -> None:
    """Read the overrides afresh next time (after this transaction changed one)."""
    session.info.pop(_MEMO, None)
