"""Levels, badges, leaderboards, profiles and fair play, all built on the points ledger.

Badges are awarded as they are earned: `db.points.award` calls `after_action`, which checks the
badges that action can affect. Vote rings are found with networkx on the graph of upvotes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import combinations

import networkx as nx
import numpy as np
from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db import audit, notify, overrides, points
from db.actors import SYSTEM, Actor, require
from db.errors import NotFound, PermissionDenied, ValidationError
from db.models import (
    BADGE_TIERS,
    Answer,
    BadgeAward,
    Course,
    Lesson,
    LessonProgress,
    LessonRevision,
    PointEvent,
    PointTotal,
    Question,
    RevisionContributor,
    Setting,
    Signature,
    Site,
    Suggestion,
    User,
    Vote,
    utcnow,
)
from db.session import run
from db.summaries import integer_rows
from db.text import clean

# --- levels -----------------------------------------------------------------------------------

LEVELS: tuple[tuple[int, str], ...] = (
    (0, "Newcomer"),
    (50, "Contributor"),
    (150, "Collaborator"),
    (400, "Expert"),
    (1000, "Mentor"),
    (2500, "Champion"),
)


@dataclass(frozen=True)
class Level:
    number: int
    name: str
    points: int
    floor: int  # points at which this level began
    next_at: int | None  # points for the next level; None at the top
    next_name: str | None

    @property
    def progress(self) -> float:
        """How far from this level to the next, 0..1 (1 at the top level)."""
        if self.next_at is None:
            return 1.0
        return max(0.0, min(1.0, (self.points - self.floor) / (self.next_at - self.floor)))

    @property
    def to_next(self) -> int:
        return 0 if self.next_at is None else max(0, self.next_at - self.points)


def level_for(total_points: int) -> Level:
    """The level a points total reaches (thresholds in LEVELS)."""
    index = 0
    for i, (floor, _name) in enumerate(LEVELS):
        if total_points >= floor:
            index = i
    floor, name = LEVELS[index]
    nxt = LEVELS[index + 1] if index + 1 < len(LEVELS) else None
    return Level(index + 1, name, total_points, floor, nxt[0] if nxt else None,
                 nxt[1] if nxt else None)


# --- badges -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    key: str
    name: str
    icon: str
    metric: str
    thresholds: tuple[int, int, int]  # bronze, silver, gold
    rules: tuple[str, str, str]  # what earns each tier, in the users' words
    triggers: tuple[str, ...]  # ledger actions after which the badge is checked


BADGES: tuple[Badge, ...] = (
    Badge("answerer", "Answerer", ":material/forum:", "answers", (1, 10, 50),
          ("Post your first answer", "Post 10 answers", "Post 50 answers"), ("answer.posted",)),
    Badge("solver", "Problem solver", ":material/task_alt:", "accepted_answers", (1, 10, 25),
          ("Have an answer accepted", "Have 10 answers accepted", "Have 25 answers accepted"),
          ("answer.accepted",)),
    Badge("curious", "Curious mind", ":material/help:", "questions", (1, 10, 25),
          ("Ask your first question", "Ask 10 questions", "Ask 25 questions"),
          ("question.asked",)),
    Badge("helpful", "Helpful", ":material/thumb_up:", "upvotes", (10, 50, 250),
          ("Receive 10 upvotes", "Receive 50 upvotes", "Receive 250 upvotes"),
          ("vote.received",)),
    Badge("bridge_builder", "Bridge builder", ":material/hub:", "other_sites", (1, 3, 5),
          ("Answer a colleague at another site", "Help colleagues at 3 other sites",
           "Help colleagues at 5 other sites"), ("answer.posted",)),
    Badge("co_author", "Co-author", ":material/edit_note:", "lessons_cowritten", (1, 5, 10),
          ("Help write a lesson", "Co-author 5 lessons", "Co-author 10 lessons"),
          ("proposal.accepted",)),
    Badge("scholar", "Scholar", ":material/school:", "completions", (5, 20, 50),
          ("Complete 5 optional lessons", "Complete 20 optional lessons",
           "Complete 50 optional lessons"), ("lesson.completed",)),
    Badge("idea_giver", "Idea giver", ":material/campaign:", "suggestions", (1, 5, 15),
          ("Submit your first suggestion", "Submit 5 suggestions", "Submit 15 suggestions"),
          ("suggestion.submitted",)),
    Badge("idea_maker", "Idea maker", ":material/lightbulb:", "implemented", (1, 3, 5),
          ("Have a suggestion implemented", "Have 3 suggestions implemented",
           "Have 5 suggestions implemented"), ("suggestion.implemented",)),
)
BY_KEY = {b.key: b for b in BADGES}
TIER_RANK = {t: i for i, t in enumerate(BADGE_TIERS)}


def badge_name(key: str) -> str:
    badge = BY_KEY.get(key)
    return badge.name if badge else key.replace("_", " ").capitalize()


def rule_for(key: str, tier: str) -> str:
    badge = BY_KEY.get(key)
    return badge.rules[TIER_RANK[tier]] if badge else ""


def _metric_rows(user_id) -> dict[str, object]:
    """What each badge metric counts, one row per thing counted, for one person (`user_id`:
    an id or a bindparam)."""
    my_site = select(User.site_id).where(User.id == user_id).scalar_subquery()
    asker = User.__table__.alias("asker")
    # Lessons whose published text someone helped write (an approved version lists them),
    # as the lesson's own co-authors do: a draft that was discarded credits nobody.
    cowritten = (select(LessonRevision.lesson_id).distinct().join(
        RevisionContributor, RevisionContributor.revision_id == LessonRevision.id)
        .where(RevisionContributor.user_id == user_id, exists().where(
            Signature.revision_id == LessonRevision.id, Signature.meaning == "approved"))
    ).subquery()
    one = literal_column("1")
    return {
        "answers": select(one).select_from(Answer).where(
            Answer.author_id == user_id, Answer.status == "visible"),
        "accepted_answers": select(one).select_from(Answer).where(
            Answer.author_id == user_id, Answer.status == "visible", Answer.is_accepted),
        "questions": select(one).select_from(Question).where(
            Question.author_id == user_id, Question.status == "visible"),
        "upvotes": select(one).select_from(PointEvent).where(
            PointEvent.user_id == user_id,
            # Fixed parameters, not an expanding list (rendered again on every execution).
            PointEvent.action.in_([literal(a) for a in points.UPVOTE_ACTIONS]),
            PointEvent.voided_at.is_(None)),
        "other_sites": select(asker.c.site_id).distinct()
        .select_from(Answer).join(Question, Question.id == Answer.question_id)
        .join(asker, asker.c.id == Question.author_id)
        .where(Answer.author_id == user_id, Answer.status == "visible",
               asker.c.site_id.is_not(None), asker.c.site_id != func.coalesce(my_site, -1)),
        "lessons_cowritten": select(cowritten.c.lesson_id),
        "completions": select(one).select_from(LessonProgress)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(LessonProgress.user_id == user_id, LessonProgress.completed_at.is_not(None),
               Course.is_mandatory.is_(False)),
        "suggestions": select(one).select_from(Suggestion).where(
            Suggestion.author_id == user_id, Suggestion.visibility == "visible"),
        "implemented": select(one).select_from(Suggestion).where(
            Suggestion.author_id == user_id, Suggestion.status == "implemented"),
    }


METRICS = tuple(_metric_rows(0))
GOLD = {b.metric: b.thresholds[-1] for b in BADGES}


def _count(rows, cap: int | None = None):
    """The number of `rows`, or of the first `cap` of them: a badge check needs to know only
    whether gold is reached, and someone with 5,000 upvotes need not have them all counted
    on every vote they receive."""
    rows = rows if cap is None else rows.limit(cap)
    return select(func.count()).select_from(rows.subquery()).scalar_subquery()


@functools.lru_cache(maxsize=64)
def _metrics_statement(names: tuple[str, ...]):
    """The one statement counting `names` for the person in the bound `user_id`. Built once
    per set of names: building the nine subqueries cost more than running them, on every
    vote, answer and post that can earn a badge."""
    rows = _metric_rows(bindparam("user_id", type_=Integer))
    return select(*(_count(rows[n]).label(n) for n in names))


@functools.lru_cache(maxsize=64)
def _check_statement(names: tuple[str, ...]):
    """The badges the person in the bound `user_id` holds ("badge:tier,..."), and the metrics
    `names` counted up to their gold thresholds: what a badge check needs, in one statement."""
    uid = bindparam("user_id", type_=Integer)
    rows = _metric_rows(uid)
    held = select(func.aggregate_strings(BadgeAward.badge + ":" + BadgeAward.tier, ",")) \
        .where(BadgeAward.user_id == uid).scalar_subquery().label("held")
    return select(held, *(_count(rows[n], GOLD[n]).label(n) for n in names))


def metrics(session: Session, *, user_id: int,
            names: Iterable[str] | None = None) -> dict[str, int]:
    """What a person has done, counted for badges, in one statement."""
    wanted = tuple(sorted(set(names) if names is not None else METRICS))
    if not wanted:
        return {}
    row = session.execute(_metrics_statement(wanted), {"user_id": user_id}).one()
    return {n: int(getattr(row, n) or 0) for n in wanted}


def after_action(session: Session, *, user_id: int, action: str,
                 now: datetime | None = None) -> list[tuple[str, str]]:
    """Check the badges an action can affect (called by db.points.award)."""
    keys = [b.key for b in BADGES if action in b.triggers]
    return check_badges(session, user_id=user_id, keys=keys, now=now) if keys else []


def check_badges(session: Session, *, user_id: int, keys: Iterable[str] | None = None,
                 now: datetime | None = None) -> list[tuple[str, str]]:
    """Award every tier the person has reached and not yet got; returns the new (badge, tier).

    Each new badge is a BadgeAward row (unseen until shown), a notification and an audit record.
    """
    wanted = [b for b in BADGES if keys is None or b.key in set(keys)]
    names = tuple(sorted({b.metric for b in wanted}))
    if not names:
        return []
    row = run(session, _check_statement(names), {"user_id": user_id}).one()
    have = {tuple(h.split(":", 1)) for h in (row.held or "").split(",") if h}
    counts = {n: int(getattr(row, n) or 0) for n in names}
    now = now or utcnow()
    new: list[tuple[str, str]] = []
    for badge in wanted:
        for tier, need in zip(BADGE_TIERS, badge.thresholds, strict=True):
            if counts[badge.metric] < need or (badge.key, tier) in have:
                continue
            if _insert_award(session, user_id=user_id, badge=badge.key, tier=tier, at=now):
                new.append((badge.key, tier))
                rule = badge.rules[TIER_RANK[tier]]
                notify.notify(session, user_ids=[user_id], kind="badge",
                              text=f"You earned the {tier} {badge.name} badge: {rule}.")
                audit.record(session, actor=SYSTEM, action="badge.awarded", entity_type="user",
                             entity_id=user_id, after={"badge": badge.key, "tier": tier,
                                                       badge.metric: counts[badge.metric]})
    return new


def _insert_award(session: Session, *, user_id: int, badge: str, tier: str,
                  at: datetime) -> bool:
    # Two transactions may earn the same badge at once: the second one quietly does nothing.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(BadgeAward).values(user_id=user_id, badge=badge, tier=tier, awarded_at=at,
                                     seen_at=None).on_conflict_do_nothing()
    return run(session, stmt.returning(BadgeAward.tier)).first() is not None


@dataclass(frozen=True)
class BadgeNotice:
    badge: str
    tier: str
    name: str
    rule: str
    icon: str


def unseen_badges(session: Session, *, user_id: int) -> list[BadgeNotice]:
    """Badges this person has not been shown yet (for a toast on their next page)."""
    rows = session.execute(select(BadgeAward.badge, BadgeAward.tier).where(
        BadgeAward.user_id == user_id, BadgeAward.seen_at.is_(None))
        .order_by(BadgeAward.awarded_at)).all()
    return [BadgeNotice(r.badge, r.tier, badge_name(r.badge), rule_for(r.badge, r.tier),
                        BY_KEY[r.badge].icon if r.badge in BY_KEY else ":material/military_tech:")
            for r in rows]


def mark_badges_seen(session: Session, *, actor: Actor) -> int:
    """Mark all of this person's badges as shown."""
    return session.execute(update(BadgeAward).where(
        BadgeAward.user_id == actor.id, BadgeAward.seen_at.is_(None))
        .values(seen_at=utcnow())).rowcount or 0


# --- leaderboards -----------------------------------------------------------------------------

PERIODS = {"week": "This week", "month": "This month", "all": "All time"}


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    """Start of this UTC week (Monday), this month, or None for all time."""
    now = now or utcnow()
    midnight = datetime(now.year, now.month, now.day)
    if period == "week":
        return midnight - timedelta(days=now.weekday())
    if period == "month":
        return datetime(now.year, now.month, 1)
    if period == "all":
        return None
    raise ValidationError("period", "Choose this week, this month or all time.")


def _totals(period: str, now: datetime | None, site_id: int | None, function: str | None):
    """Points per person in the period (active people, voided points left out), ranked."""
    key = points.period_key(period_start(period, now), period)
    q = (select(PointTotal.user_id.label("user_id"), PointTotal.points.label("points"),
                func.rank().over(order_by=PointTotal.points.desc()).label("rank"))
         .join(User, User.id == PointTotal.user_id)
         .where(PointTotal.period == key, PointTotal.points > 0, User.is_active.is_(True)))
    if site_id is not None:
        q = q.where(User.site_id == site_id)
    if function:
        q = q.where(User.function == function)
    return q.subquery()


@dataclass(frozen=True)
class LeaderRow:
    rank: int
    user_id: int
    username: str
    name: str
    site: str | None
    function: str | None
    points: int

    @property
    def cursor(self) -> tuple[int, str, int]:
        return (self.points, self.name, self.user_id)


def check_board_access(actor: Actor) -> None:
    """The boards are for signed-in members (any role)."""
    if actor.id is None:
        raise PermissionDenied("Sign in first.")
    require(actor, "learner", "trainer", "leader", "admin")


def leaderboard(session: Session, *, actor: Actor, period: str = "week",
                site_id: int | None = None, function: str | None = None,
                after: tuple[int, str, int] | None = None, limit: int = 25,
                now: datetime | None = None) -> list[LeaderRow]:
    """People by points in the period, most first (ties by name); keyset pages via `after`."""
    check_board_access(actor)
    t = _totals(period, now, site_id, function)
    q = (select(t.c.rank, t.c.user_id, User.username, User.name, Site.name.label("site"),
                User.function, t.c.points)
         .join(User, User.id == t.c.user_id).outerjoin(Site, Site.id == User.site_id))
    if after is not None:
        pts, name, uid = after
        q = q.where(or_(t.c.points < pts, and_(t.c.points == pts, or_(
            User.name > name, and_(User.name == name, User.id > uid)))))
    rows = session.execute(q.order_by(t.c.points.desc(), User.name, User.id).limit(limit))
    return [LeaderRow(int(r.rank), r.user_id, r.username, r.name, r.site, r.function,
                      int(r.points)) for r in rows]


def standing(session: Session, *, actor: Actor, user_id: int, period: str = "week",
             site_id: int | None = None, function: str | None = None,
             now: datetime | None = None) -> tuple[int | None, int]:
    """(rank, points) of one person on the same board; rank None without points."""
    check_board_access(actor)
    t = _totals(period, now, site_id, function)
    row = session.execute(select(t.c.rank, t.c.points).where(t.c.user_id == user_id)).first()
    return (int(row.rank), int(row.points)) if row else (None, 0)


@dataclass(frozen=True)
class TeamRow:
    name: str
    people: int
    contributors: int
    points: int

    @property
    def per_person(self) -> float:
        return self.points / self.people if self.people else 0.0


def team_totals(session: Session, *, actor: Actor, period: str = "week", by: str = "site",
                now: datetime | None = None) -> list[TeamRow]:
    """Points per site or per function in the period, with headcounts for a fair comparison."""
    check_board_access(actor)
    if by not in ("site", "function"):
        raise ValidationError("by", "Compare by site or by function.")
    key = points.period_key(period_start(period, now), period)
    group = User.site_id if by == "site" else User.function
    pts = (select(group.label("g"), func.sum(PointTotal.points).label("points"),
                  func.count().label("contributors"))
           .join(User, User.id == PointTotal.user_id)
           .where(PointTotal.period == key, PointTotal.points > 0, User.is_active.is_(True))
           .group_by(group).subquery())
    heads = (select(group.label("g"), func.count().label("people"))
             .where(User.is_active.is_(True), group.is_not(None)).group_by(group).subquery())
    label = Site.name if by == "site" else heads.c.g
    q = select(label.label("name"), heads.c.people,
               func.coalesce(pts.c.contributors, 0).label("contributors"),
               func.coalesce(pts.c.points, 0).label("points")
               ).select_from(heads).outerjoin(pts, pts.c.g == heads.c.g)
    if by == "site":
        q = q.join(Site, Site.id == heads.c.g)
    rows = session.execute(q.order_by(func.coalesce(pts.c.points, 0).desc(), label))
    return [TeamRow(str(r.name), int(r.people), int(r.contributors), int(r.points))
            for r in rows]


# --- profiles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeStatus:
    key: str
    name: str
    icon: str
    tier: str | None  # the highest tier earned
    awarded_at: datetime | None
    new: bool  # earned and not yet shown to its owner
    count: int
    next_tier: str | None
    next_need: int | None
    next_rule: str | None
    rules: tuple[str, str, str]


@dataclass(frozen=True)
class Profile:
    user_id: int
    username: str
    name: str
    job_title: str | None
    site: str | None
    function: str | None
    joined: datetime
    total: int
    this_month: int
    level: Level
    badges: list[BadgeStatus]
    metrics: dict[str, int]

    @property
    def earned(self) -> list[BadgeStatus]:
        return [b for b in self.badges if b.tier]

    @property
    def pending(self) -> bool:
        """A tier is reached but not awarded yet (earned outside the points ledger)."""
        return any(b.next_need is not None and b.count >= b.next_need for b in self.badges)


def profile(session: Session, *, actor: Actor, username: str,
            now: datetime | None = None) -> Profile:
    """A person's level, points, badges (earned and next) and contributions."""
    require(actor, "learner", "trainer", "leader", "admin")
    month = points.period_key(period_start("month", now), "month")
    total = select(func.coalesce(func.sum(PointTotal.points), 0)).where(
        PointTotal.user_id == User.id, PointTotal.period == points.ALL_TIME)
    this_month = select(func.coalesce(func.sum(PointTotal.points), 0)).where(
        PointTotal.user_id == User.id, PointTotal.period == month)
    person = session.execute(
        select(User.id, User.username, User.name, User.job_title, User.function,
               User.created_at, Site.name.label("site"), total.scalar_subquery().label("total"),
               this_month.scalar_subquery().label("month"))
        .outerjoin(Site, Site.id == User.site_id)
        .where(func.lower(User.username) == (username or "").strip().lower())).first()
    if person is None:
        raise NotFound(f"There is nobody with the username {username!r}.")
    awards = session.execute(select(BadgeAward.badge, BadgeAward.tier, BadgeAward.awarded_at,
                                    BadgeAward.seen_at)
                             .where(BadgeAward.user_id == person.id)).all()
    counts = metrics(session, user_id=person.id)
    best: dict[str, tuple[str, datetime, bool]] = {}
    for a in awards:
        cur = best.get(a.badge)
        if cur is None or TIER_RANK[a.tier] > TIER_RANK[cur[0]]:
            best[a.badge] = (a.tier, a.awarded_at, a.seen_at is None)
    mine = actor.id == person.id
    statuses = []
    for b in BADGES:
        tier, at, unseen = best.get(b.key, (None, None, False))
        nxt = TIER_RANK[tier] + 1 if tier else 0
        statuses.append(BadgeStatus(
            b.key, b.name, b.icon, tier, at, unseen and mine, counts[b.metric],
            BADGE_TIERS[nxt] if nxt < 3 else None, b.thresholds[nxt] if nxt < 3 else None,
            b.rules[nxt] if nxt < 3 else None, b.rules))
    points_total = int(person.total)
    return Profile(person.id, person.username, person.name, person.job_title, person.site,
                   person.function, person.created_at, points_total, int(person.month),
                   level_for(points_total), statuses, counts)


@dataclass(frozen=True)
class LedgerRow:
    id: int
    at: datetime
    action: str
    label: str
    points: int
    entity_type: str | None
    entity_id: int | None
    voided: bool
    void_reason: str | None


def points_history(session: Session, *, actor: Actor, user_id: int,
                   before_id: int | None = None, limit: int = 20) -> list[LedgerRow]:
    """A page of a person's ledger, newest first (keyset on id). Voided entries are shown only
    to the person and to admins."""
    q = select(PointEvent).where(PointEvent.user_id == user_id)
    if actor.id != user_id and not actor.has("admin"):
        q = q.where(PointEvent.voided_at.is_(None))
    if before_id is not None:
        q = q.where(PointEvent.id < before_id)
    rows = session.scalars(q.order_by(PointEvent.id.desc()).limit(limit))
    return [LedgerRow(r.id, r.created_at, r.action, points.LABELS.get(r.action, r.action),
                      r.points, r.entity_type, r.entity_id, r.voided_at is not None,
                      r.void_reason) for r in rows]


def daily_points(session: Session, *, user_id: int, days: int = 90,
                 now: datetime | None = None) -> list[tuple[date, int]]:
    """Points per UTC day over the last `days` days (days without points left out)."""
    now = now or utcnow()
    since = datetime(now.year, now.month, now.day) - timedelta(days=days - 1)
    day = func.date(PointEvent.created_at)
    rows = session.execute(select(day.label("day"), func.sum(PointEvent.points).label("p"))
                           .where(PointEvent.user_id == user_id, PointEvent.created_at >= since,
                                  PointEvent.voided_at.is_(None))
                           .group_by(day).order_by(day)).all()
    return [(r.day if isinstance(r.day, date) else date.fromisoformat(str(r.day)), int(r.p))
            for r in rows]


# --- fair play --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RingMember:
    user_id: int
    username: str
    name: str
    given: int  # upvotes given in the window
    given_inside: int  # of which to the other members


@dataclass(frozen=True)
class Ring:
    kind: str  # "pair" or "group"
    members: tuple[RingMember, ...]
    votes_inside: int  # upvotes among the members (all time)
    points_at_stake: int  # points those upvotes still give (not voided)
    density: float  # share of possible voter -> recipient links that exist
    voided: bool  # an admin already voided this ring

    @property
    def member_ids(self) -> tuple[int, ...]:
        return tuple(m.user_id for m in self.members)

    @property
    def share(self) -> float:
        """The smallest part of any member's upvotes that goes to the others."""
        return min(m.given_inside / m.given if m.given else 0.0 for m in self.members)


_VOTERS = 1 << 31  # ids are 32-bit: voter * _VOTERS + recipient is one 63-bit number


def upvotes_since(since: datetime):
    """Every upvote since `since` as voter * _VOTERS + recipient, one range of
    ix_votes_created_pair."""
    return (select(cast(Vote.user_id, BigInteger) * _VOTERS + Vote.recipient_id)
            .where(Vote.created_at >= since, Vote.value == 1))


def _runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how often each occurs."""
    starts = np.flatnonzero(np.diff(ordered, prepend=ordered[:1] - 1))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def _vote_graph(session: Session, since: datetime, min_votes: int
                ) -> tuple[nx.DiGraph, dict[int, int]]:
    """Voter -> recipient links with at least `min_votes` upvotes since `since`, and how many
    upvotes each person on them gave. The window's upvotes (130k for 90 days on the medium
    set) come as one text of integers and are counted in numpy."""
    votes = np.sort(integer_rows(session, upvotes_since(since), 1)[:, 0])
    pairs, per_pair = _runs(votes)
    voters, per_voter = _runs(votes // _VOTERS)  # sorted by voter as well
    strong = per_pair >= min_votes
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(zip((pairs[strong] // _VOTERS).tolist(),
                                      (pairs[strong] % _VOTERS).tolist(),
                                      per_pair[strong].tolist(), strict=True))
    return graph, dict(zip(voters.tolist(), per_voter.tolist(), strict=True))


def _inside(graph: nx.DiGraph, group: Iterable[int], member: int) -> int:
    return sum(graph[member][o]["weight"] for o in group if o != member
               and graph.has_edge(member, o))


def _candidates(graph: nx.DiGraph, given: dict[int, int], *, share: float, min_votes: int,
                max_size: int) -> list[frozenset[int]]:
    """Pairs who mostly upvote each other, and small dense strongly connected groups."""
    found: set[frozenset[int]] = set()
    for a, b in graph.edges:
        if a < b and graph.has_edge(b, a) and points.is_reciprocal_pair(
                a_to_b=graph[a][b]["weight"], b_to_a=graph[b][a]["weight"],
                given_a=given.get(a, 0), given_b=given.get(b, 0),
                min_votes=min_votes, share=share):
            found.add(frozenset((a, b)))
    # Links that carry a real part of the voter's upvotes; ordinary voters spread theirs.
    strong = nx.DiGraph()
    strong.add_edges_from((a, b) for a, b, w in graph.edges(data="weight")
                          if w >= share / (max_size - 1) * given.get(a, 0))
    groups: list[set[int]] = []
    for comp in nx.strongly_connected_components(strong):
        if 3 <= len(comp) <= max_size:
            groups.append(comp)
        elif len(comp) > max_size:
            # A ring can sit inside a larger component: look for mutual cliques there.
            mutual = nx.Graph((a, b) for a, b in strong.subgraph(comp).edges
                              if a < b and strong.has_edge(b, a))
            groups.extend(c for c in nx.find_cliques(mutual) if 3 <= len(c) <= max_size)
    for group in groups:
        n = len(group)
        links = sum(1 for a, b in combinations(group, 2) for x, y in ((a, b), (b, a))
                    if graph.has_edge(x, y))
        if links / (n * (n - 1)) < 0.5:
            continue
        if all(given.get(m) and _inside(graph, group, m) >= share * given[m] for m in group):
            found.add(frozenset(group))
    # A pair inside a reported group is not reported twice.
    keep = sorted(found, key=lambda g: (-len(g), sorted(g)))
    result: list[frozenset[int]] = []
    for g in keep:
        if not any(g < other for other in result):
            result.append(g)
    return result


def _ring_points_join():
    """Point events that an upvote gave its recipient (this app's form and the demo data's)."""
    return or_(
        and_(PointEvent.action == points.VOTE_RECEIVED, PointEvent.entity_type == "vote",
             PointEvent.entity_id == Vote.id),
        and_(PointEvent.action.in_(points.UPVOTE_ACTIONS[1:]),
             PointEvent.entity_type == Vote.entity_type, PointEvent.entity_id == Vote.entity_id,
             PointEvent.user_id == Vote.recipient_id, PointEvent.created_at == Vote.created_at),
    )


def suspected_rings(session: Session, *, actor: Actor, days: int | None = None,
                    min_votes: int | None = None, share: float | None = None,
                    max_size: int = points.RING_MAX_SIZE, limit: int = 50,
                    now: datetime | None = None) -> list[Ring]:
    """Pairs or small groups who mostly upvote each other (admins only)."""
    require(actor, "admin")
    fp = points.fair_play(session)
    days = int(days if days is not None else fp["ring_days"])
    min_votes = int(min_votes if min_votes is not None else fp["ring_min_votes"])
    share = float(share if share is not None else fp["ring_share"])
    since = (now or utcnow()) - timedelta(days=days)
    graph, given = _vote_graph(session, since, min_votes)
    groups = _candidates(graph, given, share=share, min_votes=min_votes,
                         max_size=max_size)[:limit]
    if not groups:
        return []
    everyone = sorted(set().union(*groups))
    people = {r.id: r for r in session.execute(select(User.id, User.username, User.name)
                                               .where(User.id.in_(everyone)))}
    pairs = session.execute(
        select(Vote.user_id, Vote.recipient_id,
               func.count(func.distinct(Vote.id)).label("votes"),
               func.coalesce(func.sum(case((PointEvent.voided_at.is_(None), PointEvent.points),
                                           else_=0)), 0).label("points"))
        .outerjoin(PointEvent, _ring_points_join())
        .where(Vote.value == 1, Vote.user_id.in_(everyone), Vote.recipient_id.in_(everyone))
        .group_by(Vote.user_id, Vote.recipient_id)).all()
    voided = [set(r.get("members", ())) for r in points.voided_rings(session)]
    rings = []
    for group in groups:
        inside = [p for p in pairs if p.user_id in group and p.recipient_id in group]
        n = len(group)
        members = tuple(RingMember(m, people[m].username, people[m].name, given.get(m, 0),
                                   _inside(graph, group, m)) for m in sorted(group))
        rings.append(Ring("pair" if n == 2 else "group", members,
                          sum(p.votes for p in inside), int(sum(p.points for p in inside)),
                          len(inside) / (n * (n - 1)), any(group <= v for v in voided)))
    rings.sort(key=lambda r: (r.voided, -r.points_at_stake, -r.votes_inside))
    return rings


@dataclass(frozen=True)
class VoidResult:
    events: int
    points: int


def void_ring_points(session: Session, *, actor: Actor, member_ids: Iterable[int],
                     reason: str) -> VoidResult:
    """Void every point the members gave each other through upvotes, and make their future
    upvotes to each other earn nothing. Admins only; audited; the members are told why."""
    require(actor, "admin")
    members = sorted({int(m) for m in member_ids})
    if len(members) < 2:
        raise ValidationError("members", "Pick a pair or a group of at least two people.")
    reason = clean(reason, field="reason", label="The reason", max_len=500, min_len=10)
    found = session.scalars(select(User.id).where(User.id.in_(members))).all()
    if len(found) != len(members):
        raise NotFound("One of these people does not exist.")
    events = session.scalars(
        select(PointEvent).join(Vote, _ring_points_join())
        .where(Vote.user_id.in_(members), Vote.recipient_id.in_(members),
               PointEvent.user_id.in_(members), PointEvent.voided_at.is_(None))).unique().all()
    now = utcnow()
    for e in events:
        e.voided_at = now
        e.void_reason = f"Vote ring: {reason}"
    total = sum(e.points for e in events)
    row = session.get(Setting, overrides.VOIDED_RINGS)
    entry = {"members": members, "at": now.isoformat(timespec="seconds"),
             "by": actor.username, "reason": reason}
    if row is None:
        session.add(Setting(key=overrides.VOIDED_RINGS, value=[entry]))
    else:
        row.value = [*(row.value if isinstance(row.value, list) else []), entry]
    overrides.forget(session)
    notify.notify(session, user_ids=members, kind="fair_play",
                  text=f"An administrator voided {total} points from upvotes within a small "
                       f"group that mostly voted for each other. Reason: {reason}",
                  actor_id=actor.id)
    audit.record(session, actor=actor, action="fair_play.points_voided", entity_type="vote_ring",
                 entity_id="-".join(map(str, members)), before={"points": total},
                 after={"voided_events": len(events), "members": members}, reason=reason)
    session.flush()
    return VoidResult(len(events), total)


def voided_ring_log(session: Session, *, actor: Actor) -> list[dict]:
    """The rings admins have voided, newest first, with member names."""
    require(actor, "admin")
    log = points.voided_rings(session)
    ids = sorted({m for r in log for m in r.get("members", ())})
    names = dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) \
        if ids else {}
    return [{"members": ", ".join(names.get(m, str(m)) for m in r.get("members", ())),
             "at": r.get("at"), "by": r.get("by"), "reason": r.get("reason")}
            for r in reversed(log)]

