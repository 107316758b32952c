"""The points ledger: what each action is worth, with daily caps so nobody farms points.

Other areas only call `award` and `revoke`. Two things happen inside `award` so that every area
gets them without doing anything:
- fair play: an upvote earns nothing when it comes from a suspected vote ring, a pair or a
  small group voting for each other (see `vote_earns_points`), nor beyond a few upvotes from
  the same person in 30 days;
- badges: the rules that depend on the action are checked, and new badges awarded
  (db.gamification.after_action).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from db import overrides as admin_overrides
from db.models import PointEvent, PointTotal, Vote, utcnow
from db.session import run

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
# What people read in their points history; unknown actions show as they are stored.
LABELS: dict[str, str] = {
    "question.asked": "Asked a question",
    "answer.posted": "Answered a question",
    "answer.accepted": "Answer accepted",
    "vote.received": "Upvote received",
    "question.upvoted": "Upvote on a question",
    "answer.upvoted": "Upvote on an answer",
    "suggestion.upvoted": "Vote on a suggestion",
    "post.downvoted": "Downvote received",
    "comment.posted": "Commented",
    "proposal.accepted": "Lesson proposal accepted",
    "lesson.completed": "Completed a lesson",
    "suggestion.submitted": "Submitted a suggestion",
    "suggestion.implemented": "Suggestion implemented",
}
VOTE_RECEIVED = "vote.received"
# Ledger actions that stand for one upvote received (the demo data names them per item kind).
UPVOTE_ACTIONS = (VOTE_RECEIVED, "question.upvoted", "answer.upvoted", "suggestion.upvoted")

# Fair play defaults; admins may override them in the settings table (key "fair_play").
FAIR_PLAY: dict[str, float] = {
    "pair_limit": 5,  # upvotes from one person to another that earn points in pair_days
    "pair_days": 30,
    "ring_days": 90,  # the window in which vote rings are looked for
    "ring_min_votes": 3,  # each way, for a pair (or along each link of a group)
    "ring_share": 0.5,  # the part of one's upvotes that goes to the others in the ring
}

# The most people, voter included, that upvote rules and the ring search treat as a small group.
RING_MAX_SIZE = 8

# The point_totals period holding everyone's points over all time.
ALL_TIME = "all"


def settings(session: Session) -> dict[str, object]:
    """The admins' overrides that points depend on (absent: defaults), read once per
    transaction."""
    return admin_overrides.overrides(session)


def value_of(session: Session, action: str, overrides: dict | None = None) -> int:
    override = (settings(session) if overrides is None else overrides).get(admin_overrides.POINTS)
    if isinstance(override, dict) and action in override:
        return int(override[action])
    return POINTS.get(action, 0)


def cap_of(session: Session, action: str, overrides: dict | None = None) -> int | None:
    """Most points one person may earn by `action` in a UTC day (None: no cap)."""
    override = (settings(session) if overrides is None else overrides).get(
        admin_overrides.DAILY_CAPS)
    if isinstance(override, dict) and action in override:
        return int(override[action])
    return DAILY_CAP.get(action)


def fair_play(session: Session, overrides: dict | None = None) -> dict[str, float]:
    """The fair-play thresholds in force (defaults, overridden by the settings table)."""
    values = dict(FAIR_PLAY)
    row = (settings(session) if overrides is None else overrides).get(admin_overrides.FAIR_PLAY)
    if isinstance(row, dict):
        values.update({k: float(v) for k, v in row.items() if k in FAIR_PLAY})
    return values


def voided_rings(session: Session, overrides: dict | None = None) -> list[dict]:
    """Rings an admin has voided: [{"members": [ids], "at": iso, "by": username, "reason": str}]."""
    row = (settings(session) if overrides is None else overrides).get(admin_overrides.VOIDED_RINGS)
    return list(row) if isinstance(row, list) else []


def is_reciprocal_pair(*, a_to_b: int, b_to_a: int, given_a: int, given_b: int,
                       min_votes: float, share: float) -> bool:
    """Two people who mostly upvote each other: the pair rule of vote-ring detection."""
    return (a_to_b >= min_votes and b_to_a >= min_votes
            and a_to_b >= share * given_a and b_to_a >= share * given_b)


def _pair_counts():
    """Upvotes between voter a and recipient b, and all they gave, in the fair-play windows.
    Built once: it runs on every upvote, and building it cost more than running it."""
    a, b = bindparam("a", type_=Integer), bindparam("b", type_=Integer)
    pair_since = bindparam("pair_since", type_=DateTime)
    ring_since = bindparam("ring_since", type_=DateTime)

    def n(cond) -> object:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    a_b = (Vote.user_id == a) & (Vote.recipient_id == b)
    b_a = (Vote.user_id == b) & (Vote.recipient_id == a)
    return (
        select(n(a_b & (Vote.created_at >= pair_since)
                 & (Vote.id != bindparam("vote_id", type_=Integer))).label("prior"),
               n(b_a & (Vote.created_at >= pair_since)).label("back"),
               n((Vote.user_id == a) & (Vote.created_at >= ring_since)).label("given_a"),
               n((Vote.user_id == b) & (Vote.created_at >= ring_since)).label("given_b"),
               n(a_b & (Vote.created_at >= ring_since)).label("a_b"),
               n(b_a & (Vote.created_at >= ring_since)).label("b_a"))
        .where(Vote.user_id.in_([a, b]), Vote.value == 1,
               Vote.created_at >= bindparam("since", type_=DateTime)))


_PAIR_COUNTS = _pair_counts()


def _group_counts():
    """The upvotes voter a gave in the window, how many of them went to partners (people a
    gave at least `min_votes` upvotes and got as many back from), and how many partners.
    Two halves of one union, each read by an index: a's votes (ix_votes_voter_recipient) and
    the votes a received (ix_votes_recipient_created)."""
    a, since = bindparam("a", type_=Integer), bindparam("since", type_=DateTime)
    min_votes = bindparam("min_votes", type_=Integer)
    gave = select(Vote.recipient_id.label("other"), literal(1).label("out"),
                  literal(0).label("back")).where(
        Vote.user_id == a, Vote.value == 1, Vote.created_at >= since)
    got = select(Vote.user_id, literal(0), literal(1)).where(
        Vote.recipient_id == a, Vote.value == 1, Vote.created_at >= since)
    both = union_all(gave, got).subquery()
    per = (select(func.sum(both.c.out).label("out"), func.sum(both.c.back).label("back"))
           .group_by(both.c.other).subquery())
    partner = (per.c.out >= min_votes) & (per.c.back >= min_votes)
    return select(func.coalesce(func.sum(per.c.out), 0).label("given"),
                  func.coalesce(func.sum(case((partner, per.c.out), else_=0)), 0)
                  .label("to_partners"),
                  func.coalesce(func.sum(case((partner, 1), else_=0)), 0).label("partners"))


_GROUP_COUNTS = _group_counts()
_VOTE = select(Vote.user_id, Vote.recipient_id, Vote.value).where(
    Vote.id == bindparam("vote_id", type_=Integer))


def vote_earns_points(session: Session, *, vote_id: int, now: datetime | None = None,
                      overrides: dict | None = None,
                      voter_and_recipient: tuple[int, int] | None = None) -> bool:
    """Whether an upvote may earn its recipient points.

    Not when voter and recipient are in a ring an admin voided, nor when they look like a
    reciprocal pair, nor when they vote within a small group (below), nor once this voter has
    already given this recipient `pair_limit` upvotes in `pair_days`. A caller that has just
    written the upvote passes `voter_and_recipient` and saves reading it back.
    """
    if voter_and_recipient is None:
        vote = run(session, _VOTE, {"vote_id": vote_id}).first()
        if vote is None or vote.value != 1:
            return False
        voter_and_recipient = (vote.user_id, vote.recipient_id)
    overrides = settings(session) if overrides is None else overrides
    a, b = voter_and_recipient
    for ring in voided_rings(session, overrides):
        members = set(ring.get("members", ()))
        if a in members and b in members:
            return False
    fp = fair_play(session, overrides)
    now = now or utcnow()
    pair_since = now - timedelta(days=fp["pair_days"])
    ring_since = now - timedelta(days=fp["ring_days"])

    counts = run(session, _PAIR_COUNTS, {
        "a": a, "b": b, "vote_id": vote_id, "pair_since": pair_since, "ring_since": ring_since,
        "since": min(pair_since, ring_since)}).one()
    if counts.prior >= fp["pair_limit"]:
        return False
    if is_reciprocal_pair(a_to_b=counts.a_b, b_to_a=counts.b_a, given_a=counts.given_a,
                          given_b=counts.given_b, min_votes=fp["ring_min_votes"],
                          share=fp["ring_share"]):
        return False
    return not _in_small_group(session, voter=a, since=pair_since, fp=fp,
                               a_to_b=int(counts.prior) + 1, b_to_a=int(counts.back))


def _in_small_group(session: Session, *, voter: int, since: datetime, fp: dict[str, float],
                    a_to_b: int, b_to_a: int) -> bool:
    """The small-group rule: in `pair_days`, voter and recipient upvoted each other at least
    `ring_min_votes` times each way, and at least `ring_share` of the voter's upvotes went to
    at most RING_MAX_SIZE - 1 people with whom that holds. The pair rule misses a group of
    four who each spread their votes over the other three; the ring search finds them only
    after the points are paid."""
    if a_to_b < fp["ring_min_votes"] or b_to_a < fp["ring_min_votes"]:
        # Most upvotes stop here, on the pair counts already read: the recipient is no partner.
        return False
    row = run(session, _GROUP_COUNTS, {"a": voter, "since": since,
                                       "min_votes": math.ceil(fp["ring_min_votes"])}).one()
    # Someone with many partners is part of a lively team, not a small group. (int():
    # PostgreSQL sums a sum into a Decimal.)
    return (int(row.partners) < RING_MAX_SIZE
            and int(row.to_partners) >= fp["ring_share"] * int(row.given))


def award(session: Session, *, user_id: int, action: str, entity_type: str | None = None,
          entity_id: int | None = None, mandatory: bool = False,
          now: datetime | None = None, voter_id: int | None = None) -> int:
    """Add points for an action, within the daily cap. Returns the points actually given.

    An upvote ("vote.received" with entity_type "vote") is checked for fair play first; a
    caller that has just cast it names the `voter_id` (the recipient is `user_id`). Badges
    the action may have earned are awarded in the same transaction.
    """
    if mandatory:
        return 0  # completing compulsory training is not rewarded
    now = now or utcnow()
    overrides = settings(session)
    if action == VOTE_RECEIVED and entity_type == "vote" and entity_id is not None \
            and not vote_earns_points(
                session, vote_id=entity_id, now=now, overrides=overrides,
                voter_and_recipient=None if voter_id is None else (voter_id, user_id)):
        return 0
    given = _add(session, user_id=user_id, action=action, entity_type=entity_type,
                 entity_id=entity_id, now=now, overrides=overrides)
    from db import gamification  # gamification builds on this module

    gamification.after_action(session, user_id=user_id, action=action, now=now)
    return given


# Built once, as the pair counts are: every post and upvote runs them.
_ADD = insert(PointEvent.__table__)


def _capped_add():
    """Insert the points, cut to what is left of today's cap, in one statement (a read and
    an insert were two round trips to PostgreSQL on every post and upvote). Returns the
    points written; no row when the cap is reached."""
    e = PointEvent.__table__
    user_id, action = bindparam("user_id", type_=Integer), bindparam("action", type_=String)
    # What is left of today's cap, summed once in FROM: as a scalar subquery in the select
    # list, the condition and the CASE each summed the day's points again.
    left = select((bindparam("cap", type_=Integer) - func.coalesce(func.sum(e.c.points), 0))
                  .label("left")).where(
        e.c.user_id == user_id, e.c.action == action,
        e.c.created_at >= bindparam("day", type_=DateTime),
        e.c.created_at < bindparam("next_day", type_=DateTime),
        e.c.voided_at.is_(None)).subquery("today").c.left
    points = bindparam("points", type_=Integer)
    given = select(user_id, action, case((left < points, left), else_=points),
                   bindparam("entity_type", type_=String),
                   bindparam("entity_id", type_=Integer),
                   bindparam("created_at", type_=DateTime)).where(left > 0)
    return insert(e).from_select(
        ["user_id", "action", "points", "entity_type", "entity_id", "created_at"], given
    ).returning(e.c.points)


_CAPPED_ADD = _capped_add()


def _add(session: Session, *, user_id: int, action: str, entity_type: str | None,
         entity_id: int | None, now: datetime, overrides: dict) -> int:
    points = value_of(session, action, overrides)
    if points <= 0:
        return 0
    row = {"user_id": user_id, "action": action, "points": points,
           "entity_type": entity_type, "entity_id": entity_id, "created_at": now}
    cap = cap_of(session, action, overrides)
    if cap is None:
        run(session, _ADD, {**row, "voided_at": None, "void_reason": None})
        return points
    day = datetime.combine(now.date(), time.min)
    return run(session, _CAPPED_ADD, {**row, "cap": cap, "day": day,
                                      "next_day": day + timedelta(days=1)}).scalar() or 0


def revoke(session: Session, *, user_id: int, action: str, entity_type: str,
           entity_id: int, reason: str) -> int:
    """Void the points an action gave (a retracted vote, an un-accepted answer)."""
    return _void(session, reason, PointEvent.user_id == user_id, PointEvent.action == action,
                 PointEvent.entity_type == entity_type, PointEvent.entity_id == entity_id)


def restore(session: Session, *, user_id: int, action: str, entity_type: str, entity_id: int,
            reason: str) -> int:
    """Give back the points `revoke` voided for `reason` (a removal a moderator undid)."""
    rows = session.scalars(select(PointEvent).where(
        PointEvent.user_id == user_id, PointEvent.action == action,
        PointEvent.entity_type == entity_type, PointEvent.entity_id == entity_id,
        PointEvent.void_reason == reason, PointEvent.voided_at.is_not(None))).all()
    for r in rows:
        r.voided_at = None
        r.void_reason = None
    return sum(r.points for r in rows)


def revoke_for(session: Session, *, action: str, entity_type: str, entity_id: int,
               reason: str) -> int:
    """Void the points one thing gave, whoever received them (a vote that moved or went)."""
    return _void(session, reason, PointEvent.action == action,
                 PointEvent.entity_type == entity_type, PointEvent.entity_id == entity_id)


def _void(session: Session, reason: str, *conditions) -> int:
    # On the table, past the ORM (every changed vote runs this): no caller holds these rows
    # as loaded objects, which a Core update would leave out of date.
    voided = run(session, update(PointEvent.__table__).where(
        *conditions, PointEvent.voided_at.is_(None))
        .values(voided_at=utcnow(), void_reason=reason).returning(PointEvent.points)).scalars()
    return sum(voided)


def total(session: Session, *, user_id: int) -> int:
    return session.scalar(select(PointTotal.points).where(
        PointTotal.period == ALL_TIME, PointTotal.user_id == user_id)) or 0


# --- totals per period (point_totals) ---------------------------------------------------------


def period_key(start: datetime | None, grain: str) -> str:
    """The point_totals period of a board: "all", "month 2026-11-01" or "week 2026-11-23"."""
    return ALL_TIME if start is None else f"{grain} {start.date().isoformat()}"


def _period_keys(session: Session, created_at) -> tuple[object, object]:
    """SQL for the month and week keys of a point written at `created_at`, as the triggers of
    migration 0022 compute them."""
    if session.get_bind().dialect.name == "postgresql":
        return (literal("month ") + func.to_char(created_at, "YYYY-MM-01"),
                literal("week ") + func.to_char(func.date_trunc("week", created_at),
                                                "YYYY-MM-DD"))
    day = func.substr(created_at, 1, 10)  # SQLite's date functions round to the millisecond
    return (literal("month ") + func.substr(created_at, 1, 7) + "-01",
            literal("week ") + func.date(day, "weekday 0", "-6 days"))


def recount_totals(session: Session) -> int:
    """Rebuild point_totals from the ledger (after a load with its trigger off, or to repair).
    Returns the rows written."""
    e = PointEvent.__table__
    session.execute(delete(PointTotal))
    parts = [select(key.label("period"), e.c.user_id, func.sum(e.c.points).label("points"))
             .where(e.c.voided_at.is_(None)).group_by(key, e.c.user_id)
             for key in (literal(ALL_TIME), *_period_keys(session, e.c.created_at))]
    session.execute(insert(PointTotal).from_select(
        ["period", "user_id", "points"], union_all(*parts)))
    return session.scalar(select(func.count()).select_from(PointTotal)) or 0


@contextmanager
def totals_paused(session: Session):
    """Write many points without the per-row triggers, then recount the totals once (the demo
    seed: 1.4M points). The triggers are dropped on SQLite, which cannot disable them, and put
    back from their stored definitions; everything happens in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE point_events DISABLE TRIGGER point_totals_change"))
        yield
        session.execute(text("ALTER TABLE point_events ENABLE TRIGGER point_totals_change"))
    else:
        triggers = session.execute(text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'point_events' AND name LIKE 'point_totals_%'")).all()
        for name, _sql in triggers:
            session.execute(text(f'DROP TRIGGER "{name}"'))
        yield
        for _name, sql in triggers:
            session.execute(text(sql))
    recount_totals(session)
