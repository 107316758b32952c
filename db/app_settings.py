"""What admins may change without a release: the points each action is worth, the community
limits and the fair-play thresholds.

The code holds the defaults (db.points, db.moderation); the settings table holds, per area, only
the values an admin changed. Every change names a reason and goes into the audit trail, and it
holds from the next write on: points and limits read the table in each transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.orm import Session

from db import audit, moderation, overrides, points
from db.actors import Actor, require
from db.errors import ValidationError
from db.models import Setting
from db.text import clean


@dataclass(frozen=True)
class Field:
    """One value an admin may set: its key, what it means, its default and allowed range."""

    key: str
    label: str
    default: float
    low: float
    high: float
    whole: bool = True


@dataclass(frozen=True)
class Area:
    key: str  # the settings-table row
    title: str
    about: str
    fields: tuple[Field, ...]


_MODERATION_LABELS = {
    "flag_threshold": ("Flags that hide an item until a moderator reviews it", 1, 50),
    "questions_per_hour": ("Questions one person may ask in an hour", 1, 100),
    "posts_per_hour": ("Answers and comments one person may post in an hour", 1, 500),
    "suggestions_per_hour": ("Suggestions one person may submit in an hour", 1, 100),
    "duplicate_lookback": ("Own recent posts checked for the same text twice", 10, 2000),
}
_FAIR_PLAY_LABELS = {
    "pair_limit": ("Upvotes from one person to another that earn points", 0, 100, True),
    "pair_days": ("... within this many days", 1, 365, True),
    "ring_days": ("Days in which vote rings are looked for", 7, 365, True),
    "ring_min_votes": ("Upvotes each way that make two people a suspected ring", 1, 100, True),
    "ring_share": ("Share of one's upvotes going to the others that makes a ring (0.1-1)",
                   0.1, 1.0, False),
}

AREAS: dict[str, Area] = {
    overrides.POINTS: Area(
        overrides.POINTS, "Points for each action",
        "What each action earns (0 earns nothing). The daily caps still apply.",
        tuple(Field(a, points.LABELS.get(a, a), v, 0, 1000) for a, v in points.POINTS.items())),
    overrides.DAILY_CAPS: Area(
        overrides.DAILY_CAPS, "Daily caps",
        "The most points one person may earn by each action in a day (UTC), so nobody farms "
        "points.",
        tuple(Field(a, points.LABELS.get(a, a), v, 0, 10_000)
              for a, v in points.DAILY_CAP.items())),
    overrides.MODERATION: Area(
        overrides.MODERATION, "Community limits",
        "When flags hide an item, and how much one person may post in an hour.",
        tuple(Field(k, label, moderation.DEFAULTS[k], low, high)
              for k, (label, low, high) in _MODERATION_LABELS.items())),
    overrides.FAIR_PLAY: Area(
        overrides.FAIR_PLAY, "Fair play",
        "When upvotes stop earning points, and what the vote-ring search looks for.",
        tuple(Field(k, label, points.FAIR_PLAY[k], low, high, whole)
              for k, (label, low, high, whole) in _FAIR_PLAY_LABELS.items())),
}


def _area(key: str) -> Area:
    area = AREAS.get(key)
    if area is None:
        raise ValidationError("area", "There is no such group of settings.")
    return area


def in_force(session: Session, *, actor: Actor) -> dict[str, dict[str, float]]:
    """Every setting's value in force, by area and key (admins only)."""
    require(actor, "admin")
    rows = overrides.overrides(session)
    values: dict[str, dict[str, float]] = {}
    for area in AREAS.values():
        changed = rows.get(area.key) if isinstance(rows.get(area.key), dict) else {}
        values[area.key] = {f.key: _number(changed.get(f.key, f.default), f)
                            for f in area.fields}
    return values


def _number(value: object, f: Field) -> float:
    try:
        return int(value) if f.whole else float(value)
    except (TypeError, ValueError):  # not a number at all (set by hand): the default holds
        return int(f.default) if f.whole else float(f.default)


def _checked(area: Area, values: dict[str, object]) -> dict[str, float]:
    unknown = set(values) - {f.key for f in area.fields}
    if unknown:
        raise ValidationError(sorted(unknown)[0], "There is no such setting.")
    out: dict[str, float] = {}
    for f in area.fields:
        raw = values.get(f.key, f.default)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value) or not f.low <= value <= f.high or (
                f.whole and value != int(value)):
            kind = "a whole number" if f.whole else "a number"
            raise ValidationError(f.key, f"“{f.label}” must be {kind} from {f.low:g} to "
                                         f"{f.high:g}.")
        out[f.key] = _number(value, f)
    return out


def save(session: Session, *, actor: Actor, area: str, values: dict[str, object],
         reason: str) -> bool:
    """Set an area's values (admins only, with a reason for the audit trail); returns False
    when nothing changed. Values equal to the default are not stored."""
    require(actor, "admin")
    spec = _area(area)
    new = _checked(spec, values)
    reason = clean(reason, field="reason", label="The reason", max_len=300, min_len=3,
                   single_line=True)
    old = in_force(session, actor=actor)[area]
    if new == old:
        return False
    defaults = {f.key: _number(f.default, f) for f in spec.fields}
    changed = {k: v for k, v in new.items() if v != defaults[k]}
    row = session.get(Setting, area)
    if not changed:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(Setting(key=area, value=changed))
    else:
        row.value = changed
    session.flush()
    overrides.forget(session)
    audit.record(session, actor=actor, action="settings.changed", entity_type="settings",
                 entity_id=area, before={k: v for k, v in old.items() if new[k] != v},
                 after={k: v for k, v in new.items() if old[k] != v}, reason=reason)
    return True


def reset(session: Session, *, actor: Actor, area: str, reason: str) -> bool:
    """Put an area back to the defaults (admins only); returns False when it already was."""
    spec = _area(area)
    return save(session, actor=actor, area=area, values={f.key: f.default for f in spec.fields},
                reason=reason)

