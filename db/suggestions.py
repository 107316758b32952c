"""The suggestion box: submit, vote, comment, follow, rank; leaders decide, merge duplicates and
prioritise, and every decision is on a timeline that everyone can read.

Statuses move only along TRANSITIONS. Declining needs a reason, shown to everyone. Leaders and
admins decide, but never on a suggestion they wrote themselves.
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    DateTime,
    Float,
    Select,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db import activity, audit, moderation, notify, points
from db.actors import Actor, require
from db.errors import Conflict, NotFound, PermissionDenied, ValidationError
from db.models import (
    ROLES,
    SUGGESTION_CATEGORIES,
    SUGGESTION_KINDS,
    SUGGESTION_STATES,
    Comment,
    Follow,
    Site,
    Suggestion,
    SuggestionStatusChange,
    User,
    Vote,
    utcnow,
)
from db.text import clean, fingerprint

DECIDERS = ("leader", "admin")
OPEN = ("new", "under_review", "planned", "in_progress")  # still taking votes
AWAITING = ("new", "under_review")  # waiting for a decision
# Where leaders find them: the name of the Prioritise ideas tab that lists them.
WAITING_VIEW = "Waiting longest for a decision"
STATUS_LABEL = {"new": "New", "under_review": "Under review", "planned": "Planned",
                "in_progress": "In progress", "implemented": "Implemented",
                "declined": "Declined", "duplicate": "Duplicate"}
KIND_LABEL = {"idea": "Improvement idea", "problem": "Problem report"}
# Every allowed status change. "duplicate" is reached only through merge_duplicate (it needs
# the original); implemented and duplicate are final; a declined idea can be reopened.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("under_review", "declined", "duplicate"),
    "under_review": ("planned", "declined", "duplicate"),
    "planned": ("in_progress", "under_review", "declined"),
    "in_progress": ("implemented", "planned", "declined"),
    "declined": ("under_review",),
    "implemented": (),
    "duplicate": (),
}
SORTS = {"top": "Top", "trending": "Trending", "newest": "Newest", "discussed": "Most discussed"}
HALF_LIFE_DAYS = 14  # a vote counts half as much for trending after two weeks
_EPS = 1e-9
_WORD = re.compile(r"[^\W_]{4,}")
_STOP = frozenset("""about after again also because been before being between could does
doing each every from have having into just more most need only other over same should some
such than that their them then there these they this those through under very want were what
when where which while with without would your""".split())


def _member(actor: Actor) -> None:
    require(actor, *ROLES)


def _decider(actor: Actor, s: Suggestion) -> None:
    require(actor, *DECIDERS)
    if s.author_id == actor.id:
        raise PermissionDenied("You wrote this suggestion: another leader must decide on it.")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _get(session: Session, actor: Actor, suggestion_id: int, *, lock: bool = False
         ) -> Suggestion:
    s = session.get(Suggestion, suggestion_id, with_for_update=lock or None)
    if s is None or not moderation.visible_to(actor, status=s.visibility, author_id=s.author_id):
        raise NotFound(f"There is no suggestion {suggestion_id}.")
    return s


def _clip(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def sites(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every site, for pickers."""
    return [tuple(r) for r in session.execute(select(Site.id, Site.name).order_by(Site.name))]


def home_site(session: Session, *, actor: Actor) -> int | None:
    return session.scalar(select(User.site_id).where(User.id == actor.id))


# --- submitting -------------------------------------------------------------------------------


def submit(session: Session, *, actor: Actor, title: str, description: str, category: str,
           kind: str, site_id: int | None, expected_benefit: str | None = None) -> int:
    """Add a suggestion (the author follows it); returns its id."""
    _member(actor)
    title = clean(title, field="title", label="The title", max_len=200, min_len=10,
                  single_line=True)
    description = clean(description, field="description", label="The description",
                        max_len=5000, min_len=20)
    if category not in SUGGESTION_CATEGORIES:
        raise ValidationError("category", "Pick the category it belongs to.")
    if kind not in SUGGESTION_KINDS:
        raise ValidationError("kind", "Say whether this is an improvement idea or a problem.")
    if site_id is not None and session.get(Site, site_id) is None:
        raise ValidationError("site", "Pick a site from the list, or none for every site.")
    benefit = (expected_benefit or "").strip()
    if benefit:
        benefit = clean(benefit, field="benefit", label="The expected benefit", max_len=1000)
    moderation.check_posting(session, actor=actor, kind="suggestion", text=description,
                             field="description")
    mine = fingerprint(title)
    titles = session.scalars(select(Suggestion.title).where(Suggestion.author_id == actor.id)
                             .order_by(Suggestion.id.desc()).limit(200))
    if any(fingerprint(t) == mine for t in titles):
        raise ValidationError("title", "You already submitted a suggestion with this title. "
                                       "Open it from your profile and add a comment instead.")
    now = utcnow()
    s = Suggestion(title=title, description=description, category=category, kind=kind,
                   site_id=site_id, expected_benefit=benefit or None, author_id=actor.id,
                   status="new", status_changed_at=now, created_at=now)
    session.add(s)
    session.flush()
    session.add_all([
        SuggestionStatusChange(suggestion_id=s.id, from_status=None, to_status="new",
                               changed_by=actor.id, changed_at=now, reason=None),
        Follow(user_id=actor.id, entity_type="suggestion", entity_id=s.id, created_at=now),
    ])
    activity.log(session, user_id=actor.id, kind="post", entity_type="suggestion",
                 entity_id=s.id, at=now)
    points.award(session, user_id=actor.id, action="suggestion.submitted",
                 entity_type="suggestion", entity_id=s.id, now=now)
    audit.record(session, actor=actor, action="suggestion.submitted", entity_type="suggestion",
                 entity_id=s.id, after={"title": title, "category": category, "kind": kind,
                                        "site_id": site_id})
    return s.id


@dataclass(frozen=True)
class Similar:
    id: int
    title: str
    status: str
    vote_count: int


def similar(session: Session, *, actor: Actor, title: str, limit: int = 5) -> list[Similar]:
    """Suggestions whose titles share words with `title`, most shared words first."""
    _member(actor)
    words = [w for w in dict.fromkeys(_WORD.findall((title or "").lower()))
             if w not in _STOP][:8]
    if not words:
        return []
    low = func.lower(Suggestion.title)
    hits = sum((case((low.contains(w, autoescape=True), 1), else_=0) for w in words),
               literal(0))
    need = 1 if len(words) < 3 else 2
    rows = session.execute(
        select(Suggestion.id, Suggestion.title, Suggestion.status, Suggestion.vote_count)
        .where(Suggestion.visibility == "visible", Suggestion.status != "duplicate",
               hits >= need)
        .order_by(hits.desc(), Suggestion.vote_count.desc(), Suggestion.id.desc())
        .limit(limit))
    return [Similar(*r) for r in rows]


# --- ranking ----------------------------------------------------------------------------------

_POWER_CHECKED: list[bool] = []


def _ensure_power(session: Session) -> None:
    """SQLite builds without math functions lack power(): supply it from Python."""
    if not _POWER_CHECKED:
        try:
            sqlite3.connect(":memory:").execute("SELECT power(2, 2)")
            _POWER_CHECKED.append(True)
        except sqlite3.OperationalError:
            _POWER_CHECKED.append(False)
    if not _POWER_CHECKED[0]:
        raw = session.connection().connection.dbapi_connection
        raw.create_function("power", 2, math.pow, deterministic=True)


def trending_weight(session: Session, created_at, now: datetime):
    """SQL for 0.5 ** (age in days / HALF_LIFE_DAYS) of a vote cast at `created_at`."""
    at = literal(now, DateTime)
    if _dialect(session) == "postgresql":
        age = cast(func.extract("epoch", at - created_at), Float) / 86400.0
    else:
        _ensure_power(session)
        age = cast(func.julianday(at) - func.julianday(created_at), Float)
    return func.power(literal(0.5, Float), age / float(HALF_LIFE_DAYS))


TREND_EPOCH = datetime(2000, 1, 1)  # the origin of Suggestion.trend, in days


def _days(at: datetime) -> float:
    return (at - TREND_EPOCH).total_seconds() / 86400.0


def trend_key(weight: float | None, now: datetime) -> float:
    """Suggestion.trend for votes that weigh `weight` at `now` (0 when there are none).

    The day on which one fresh vote would weigh as much: every vote halves on the same clock,
    so this orders suggestions exactly as their present weight does, at any moment.
    """
    if not weight or weight <= 0:
        return 0.0
    return _days(now) + HALF_LIFE_DAYS * math.log2(weight)


def trend_weight(key: float, now: datetime) -> float:
    """What a suggestion's votes weigh at `now`: each counts 0.5 ** (age / HALF_LIFE_DAYS)."""
    return 0.0 if key <= 0 else 2.0 ** ((key - _days(now)) / HALF_LIFE_DAYS)


@dataclass(frozen=True)
class Card:
    id: int
    title: str
    category: str
    kind: str
    status: str
    site: str | None
    author: str
    author_username: str
    vote_count: int
    comment_count: int
    created_at: datetime
    sort_value: object  # what the list is ordered by: votes, trend key, time or comments
    voted: bool
    mine: bool
    trend: float  # what its votes weigh now (each halves every HALF_LIFE_DAYS)

    @property
    def cursor(self) -> tuple[object, int]:
        return (self.sort_value, self.id)


def listing(session: Session, *, actor: Actor, sort: str = "top", status: str | None = None,
            category: str | None = None, site_id: int | None = None,
            author_id: int | None = None, after: tuple[object, int] | None = None,
            limit: int = 20, now: datetime | None = None) -> list[Card]:
    """A page of suggestions, ranked by `sort` (see SORTS); keyset pages via `after`.

    status None lists every status but duplicates; "open" the ones still taking votes.
    `now` is the moment trend weights are shown for; the trending order itself holds still.
    """
    _member(actor)
    if sort not in SORTS:
        raise ValidationError("sort", "Sort by top, trending, newest or most discussed.")
    now = now or utcnow()
    key = {"top": Suggestion.vote_count, "newest": Suggestion.created_at,
           "discussed": Suggestion.comment_count, "trending": Suggestion.trend}[sort]
    voted = select(Vote.id).where(Vote.user_id == actor.id, Vote.entity_type == "suggestion",
                                  Vote.entity_id == Suggestion.id).exists()
    q = (select(Suggestion.id, Suggestion.title, Suggestion.category, Suggestion.kind,
                Suggestion.status, Site.name.label("site"), User.name.label("author"),
                User.username, Suggestion.vote_count, Suggestion.comment_count,
                Suggestion.created_at, key.label("sort_value"), Suggestion.author_id,
                Suggestion.trend, voted.label("voted"))
         .join(User, User.id == Suggestion.author_id)
         .outerjoin(Site, Site.id == Suggestion.site_id)
         .where(Suggestion.visibility == "visible"))
    if status is None:
        q = q.where(Suggestion.status != "duplicate")
    elif status == "open":
        q = q.where(Suggestion.status.in_(OPEN))
    elif status in SUGGESTION_STATES:
        q = q.where(Suggestion.status == status)
    else:
        raise ValidationError("status", "Pick a status from the list.")
    if category:
        q = q.where(Suggestion.category == category)
    if site_id is not None:
        q = q.where(Suggestion.site_id == site_id)
    if author_id is not None:
        q = q.where(Suggestion.author_id == author_id)
    if after is not None:
        value, last_id = after
        q = q.where(or_(key < value, and_(key == value, Suggestion.id < last_id)))
    rows = session.execute(q.order_by(key.desc(), Suggestion.id.desc()).limit(limit)).all()
    return [Card(r.id, r.title, r.category, r.kind, r.status, r.site, r.author, r.username,
                 r.vote_count, r.comment_count, r.created_at, r.sort_value,
                 bool(r.voted), r.author_id == actor.id, trend_weight(r.trend, now))
            for r in rows]


# --- one suggestion ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Detail:
    id: int
    title: str
    description: str
    category: str
    kind: str
    status: str
    site_id: int | None
    site: str | None
    expected_benefit: str | None
    benefit_score: int | None
    effort_score: int | None
    author_id: int
    author: str
    author_username: str
    created_at: datetime
    status_changed_at: datetime
    response: str | None
    duplicate_of: tuple[int, str] | None
    vote_count: int
    comment_count: int
    visibility: str
    voted: bool
    following: bool
    mine: bool
    can_decide: bool
    next_statuses: tuple[str, ...]
    merged_here: list[tuple[int, str]]

    @property
    def can_vote(self) -> bool:
        return not self.mine and self.status in OPEN and self.visibility == "visible"


def detail(session: Session, *, actor: Actor, suggestion_id: int) -> Detail:
    """Everything the suggestion page shows about one suggestion, for this person."""
    _member(actor)
    original = Suggestion.__table__.alias("original")
    voted = select(Vote.id).where(Vote.user_id == actor.id, Vote.entity_type == "suggestion",
                                  Vote.entity_id == Suggestion.id).exists()
    following = select(Follow.user_id).where(
        Follow.user_id == actor.id, Follow.entity_type == "suggestion",
        Follow.entity_id == Suggestion.id).exists()
    r = session.execute(
        select(Suggestion, User.name, User.username, Site.name.label("site"),
               original.c.title.label("original_title"), voted.label("voted"),
               following.label("following"))
        .join(User, User.id == Suggestion.author_id)
        .outerjoin(Site, Site.id == Suggestion.site_id)
        .outerjoin(original, original.c.id == Suggestion.duplicate_of_id)
        .where(Suggestion.id == suggestion_id)).first()
    if r is None or not moderation.visible_to(actor, status=r.Suggestion.visibility,
                                              author_id=r.Suggestion.author_id):
        raise NotFound(f"There is no suggestion {suggestion_id}.")
    s = r.Suggestion
    merged = [tuple(r) for r in session.execute(select(Suggestion.id, Suggestion.title).where(
        Suggestion.duplicate_of_id == s.id).order_by(Suggestion.id))]
    mine = s.author_id == actor.id
    can_decide = actor.has(*DECIDERS) and not mine
    return Detail(
        s.id, s.title, s.description, s.category, s.kind, s.status, s.site_id, r.site,
        s.expected_benefit, s.benefit_score, s.effort_score, s.author_id, r.name, r.username,
        s.created_at, s.status_changed_at, s.response,
        (s.duplicate_of_id, r.original_title) if s.duplicate_of_id else None,
        s.vote_count, s.comment_count, s.visibility, bool(r.voted), bool(r.following), mine,
        can_decide, TRANSITIONS[s.status] if can_decide else (), merged)


@dataclass(frozen=True)
class TimelineEntry:
    from_status: str | None
    to_status: str
    by: str
    by_username: str
    at: datetime
    reason: str | None


def timeline(session: Session, *, actor: Actor, suggestion_id: int) -> list[TimelineEntry]:
    """Every status change (and response) of a suggestion, oldest first, with who and when."""
    _member(actor)
    rows = session.execute(
        select(SuggestionStatusChange.from_status, SuggestionStatusChange.to_status,
               User.name, User.username, SuggestionStatusChange.changed_at,
               SuggestionStatusChange.reason)
        .join(User, User.id == SuggestionStatusChange.changed_by)
        .where(SuggestionStatusChange.suggestion_id == suggestion_id)
        .order_by(SuggestionStatusChange.changed_at, SuggestionStatusChange.id))
    return [TimelineEntry(*r) for r in rows]


# --- the crowd: votes, comments, follows ------------------------------------------------------


def _recount_votes(session: Session, s: Suggestion) -> None:
    """vote_count and trend from the suggestion's votes (one indexed read of its votes)."""
    now = utcnow()
    n, weight = session.execute(
        select(func.count(), func.sum(trending_weight(session, Vote.created_at, now)))
        .where(Vote.entity_type == "suggestion", Vote.entity_id == s.id)).one()
    s.vote_count, s.trend = n or 0, trend_key(weight, now)


def refresh_trends(session: Session, *, now: datetime | None = None) -> int:
    """Recompute every suggestion's vote_count and trend from the votes (seeding, repairs)."""
    now = now or utcnow()
    weight = trending_weight(session, Vote.created_at, now)
    totals = {sid: (n, w) for sid, n, w in session.execute(
        select(Vote.entity_id, func.count(), func.sum(weight))
        .where(Vote.entity_type == "suggestion").group_by(Vote.entity_id))}
    ids = session.scalars(select(Suggestion.id)).all()
    rows = [{"sid": i, "n": totals.get(i, (0, None))[0],
             "t": trend_key(totals.get(i, (0, None))[1], now)} for i in ids]
    if rows:
        session.execute(update(Suggestion.__table__).where(
            Suggestion.__table__.c.id == bindparam("sid")).values(
            vote_count=bindparam("n"), trend=bindparam("t")), rows)
    return len(rows)


def vote(session: Session, *, actor: Actor, suggestion_id: int, on: bool = True) -> int:
    """Vote for a suggestion (on=True) or take the vote back; returns the new vote count."""
    _member(actor)
    # The row lock queues concurrent votes on one suggestion (SQLite: BEGIN IMMEDIATE does).
    s = _get(session, actor, suggestion_id, lock=True)
    if s.visibility != "visible":
        raise Conflict("This suggestion is hidden while moderators review it.")
    if s.author_id == actor.id:
        raise PermissionDenied("You cannot vote on your own suggestion.")
    mine = session.scalar(select(Vote.id).where(
        Vote.user_id == actor.id, Vote.entity_type == "suggestion", Vote.entity_id == s.id))
    if on == (mine is not None):
        return s.vote_count
    if on:
        if s.status not in OPEN:
            raise Conflict(f"Voting has closed: this suggestion is "
                           f"{STATUS_LABEL[s.status].lower()}.")
        now = utcnow()
        insert = postgresql.insert if _dialect(session) == "postgresql" else sqlite.insert
        vote_id = session.scalar(insert(Vote).values(
            user_id=actor.id, entity_type="suggestion", entity_id=s.id,
            recipient_id=s.author_id, value=1, created_at=now)
            .on_conflict_do_nothing().returning(Vote.id))
        if vote_id is None:  # a vote from another tab got there first
            return s.vote_count
        points.award(session, user_id=s.author_id, action=points.VOTE_RECEIVED,
                     entity_type="vote", entity_id=vote_id, now=now)
        activity.log(session, user_id=actor.id, kind="vote", entity_type="suggestion",
                     entity_id=s.id, at=now)
    else:
        session.execute(delete(Vote).where(Vote.id == mine))
        points.revoke_for(session, action=points.VOTE_RECEIVED, entity_type="vote",
                          entity_id=mine, reason="vote taken back")
    before = s.vote_count
    _recount_votes(session, s)
    audit.record(session, actor=actor, action="vote.cast" if on else "vote.retracted",
                 entity_type="suggestion", entity_id=s.id, before={"vote_count": before},
                 after={"vote_count": s.vote_count})
    return s.vote_count


def follow(session: Session, *, actor: Actor, suggestion_id: int, on: bool = True) -> bool:
    """Follow (or stop following) a suggestion's status changes and comments."""
    _member(actor)
    s = _get(session, actor, suggestion_id)
    row = session.get(Follow, (actor.id, "suggestion", s.id))
    if on == (row is not None):
        return on
    if on:
        session.add(Follow(user_id=actor.id, entity_type="suggestion", entity_id=s.id,
                           created_at=utcnow()))
    else:
        session.delete(row)
    audit.record(session, actor=actor, action="suggestion.followed" if on else
                 "suggestion.unfollowed", entity_type="suggestion", entity_id=s.id)
    session.flush()
    return on


def _followers(session: Session, suggestion_id: int) -> list[int]:
    return list(session.scalars(select(Follow.user_id).where(
        Follow.entity_type == "suggestion", Follow.entity_id == suggestion_id)))


@dataclass(frozen=True)
class CommentRow:
    id: int
    author: str
    author_username: str
    body: str
    created_at: datetime
    status: str


def comments(session: Session, *, actor: Actor, suggestion_id: int,
             after_id: int | None = None, limit: int = 50) -> list[CommentRow]:
    """A page of comments, oldest first (keyset on id); hidden ones only for those who may."""
    _member(actor)
    q = (select(Comment.id, User.name, User.username, Comment.body, Comment.created_at,
                Comment.status, Comment.author_id)
         .join(User, User.id == Comment.author_id)
         .where(Comment.entity_type == "suggestion", Comment.entity_id == suggestion_id))
    if after_id is not None:
        q = q.where(Comment.id > after_id)
    rows = session.execute(q.order_by(Comment.id).limit(limit))
    return [CommentRow(r.id, r.name, r.username, r.body, r.created_at, r.status) for r in rows
            if moderation.visible_to(actor, status=r.status, author_id=r.author_id)
            and r.status != "deleted"]


def comment(session: Session, *, actor: Actor, suggestion_id: int, body: str) -> int:
    """Comment on a suggestion; the commenter follows it, the author and followers are told."""
    _member(actor)
    s = _get(session, actor, suggestion_id, lock=True)
    if s.status == "duplicate":
        raise Conflict(f"This suggestion was merged into suggestion {s.duplicate_of_id}: "
                       "comment there instead.")
    if s.visibility != "visible":
        raise Conflict("This suggestion is hidden while moderators review it.")
    body = clean(body, field="comment", label="The comment", max_len=3000, min_len=2)
    moderation.check_posting(session, actor=actor, kind="comment", text=body, field="comment")
    now = utcnow()
    c = Comment(entity_type="suggestion", entity_id=s.id, author_id=actor.id, body=body,
                created_at=now)
    session.add(c)
    if session.get(Follow, (actor.id, "suggestion", s.id)) is None:
        session.add(Follow(user_id=actor.id, entity_type="suggestion", entity_id=s.id,
                           created_at=now))
    session.flush()
    activity.log(session, user_id=actor.id, kind="post", entity_type="comment",
                 entity_id=c.id, at=now)
    s.comment_count = moderation.visible_comment_count(session, entity_type="suggestion",
                                                       entity_id=s.id)
    points.award(session, user_id=actor.id, action="comment.posted", entity_type="comment",
                 entity_id=c.id, now=now)
    notify.notify(session, user_ids=[s.author_id, *_followers(session, s.id)], kind="comment",
                  text=f"{actor.name or actor.username} commented on “{_clip(s.title)}”.",
                  entity_type="suggestion", entity_id=s.id, actor_id=actor.id)
    audit.record(session, actor=actor, action="comment.posted", entity_type="suggestion",
                 entity_id=s.id, after={"comment_id": c.id, "comment_count": s.comment_count})
    return c.id


# --- decisions --------------------------------------------------------------------------------


DECLINE_NEEDS_REASON = ("Say why it is declined: the reason is shown to everyone, "
                        "including those who voted for it.")


def _response(text: str | None, *, missing: str | None = None) -> str | None:
    """The leaders' response, cleaned; `missing` is the message when one is required."""
    text = (text or "").strip()
    if not text:
        if missing:
            raise ValidationError("response", missing)
        return None
    return clean(text, field="response", label="The response", max_len=2000,
                 min_len=10 if missing else 2)


def _tell(session: Session, actor: Actor, s: Suggestion, text: str) -> None:
    notify.notify(session, user_ids=[s.author_id, *_followers(session, s.id)],
                  kind="suggestion_status", text=text, entity_type="suggestion",
                  entity_id=s.id, actor_id=actor.id)


def change_status(session: Session, *, actor: Actor, suggestion_id: int, to_status: str,
                  response: str | None = None, now: datetime | None = None) -> None:
    """Move a suggestion to its next status (leaders and admins; declining needs a reason).

    The change goes on the timeline; the author and followers are told; an implemented
    suggestion earns its author points.
    """
    require(actor, *DECIDERS)
    s = _get(session, actor, suggestion_id, lock=True)
    _decider(actor, s)
    if to_status == "duplicate":
        raise ValidationError("status", "To mark a duplicate, merge it into the original: "
                                        "its votes move there.")
    if to_status not in SUGGESTION_STATES:
        raise ValidationError("status", "Pick a status from the list.")
    if to_status not in TRANSITIONS[s.status]:
        allowed = ", ".join(STATUS_LABEL[t] for t in TRANSITIONS[s.status]) or "nothing"
        raise Conflict(f"A suggestion that is {STATUS_LABEL[s.status].lower()} cannot become "
                       f"{STATUS_LABEL[to_status].lower()}. It can move to: {allowed}.")
    text = _response(response, missing=DECLINE_NEEDS_REASON if to_status == "declined" else None)
    now = now or utcnow()
    before = {"status": s.status, "response": s.response}
    s.status, s.status_changed_at = to_status, now
    if text:
        s.response = text
    elif before["status"] == "declined":
        # A reopened idea is no longer declined: its reason stays on the timeline only.
        s.response = None
    session.add(SuggestionStatusChange(suggestion_id=s.id, from_status=before["status"],
                                       to_status=to_status, changed_by=actor.id, changed_at=now,
                                       reason=text))
    if to_status == "implemented":
        points.award(session, user_id=s.author_id, action="suggestion.implemented",
                     entity_type="suggestion", entity_id=s.id, now=now)
    label = STATUS_LABEL[to_status].lower()
    _tell(session, actor, s, f"“{_clip(s.title)}” is now {label}."
                             + (f" {actor.name or actor.username}: {text}" if text else ""))
    audit.record(session, actor=actor, action="suggestion.status_changed",
                 entity_type="suggestion", entity_id=s.id, before=before,
                 after={"status": to_status, "response": s.response}, reason=text)
    session.flush()


def respond(session: Session, *, actor: Actor, suggestion_id: int, response: str) -> None:
    """Give or update the leaders' response without changing the status (on the timeline)."""
    require(actor, *DECIDERS)
    s = _get(session, actor, suggestion_id, lock=True)
    _decider(actor, s)
    text = _response(response, missing="Write the response people will read.")
    before = s.response
    s.response = text
    session.add(SuggestionStatusChange(suggestion_id=s.id, from_status=s.status,
                                       to_status=s.status, changed_by=actor.id,
                                       changed_at=utcnow(), reason=text))
    _tell(session, actor, s, f"{actor.name or actor.username} responded to “{_clip(s.title)}”: "
                             f"{text}")
    audit.record(session, actor=actor, action="suggestion.responded", entity_type="suggestion",
                 entity_id=s.id, before={"response": before}, after={"response": text})
    session.flush()


@dataclass(frozen=True)
class MergeResult:
    original_id: int
    moved: int  # votes that moved to the original
    dropped: int  # votes not moved: already voting there, or the original's own author
    original_votes: int


def merge_duplicate(session: Session, *, actor: Actor, suggestion_id: int, original_id: int,
                    note: str | None = None) -> MergeResult:
    """Mark a suggestion as a duplicate of another and move its votes there.

    Nobody counts twice: who voted for both keeps the one vote on the original, and a vote by
    the original's author is dropped (nobody votes for their own idea). Followers of the
    duplicate follow the original too.
    """
    require(actor, *DECIDERS)
    if suggestion_id == original_id:
        raise ValidationError("original", "A suggestion cannot duplicate itself.")
    # Lock in id order so two merges of the same pair cannot deadlock.
    first, second = sorted((suggestion_id, original_id))
    locked = {i: _get(session, actor, i, lock=True) for i in (first, second)}
    dup = locked[suggestion_id]
    _decider(actor, dup)
    orig = locked[original_id]
    seen = {dup.id}
    while orig.status == "duplicate" and orig.duplicate_of_id and orig.id not in seen:
        seen.add(orig.id)  # merge into the end of the chain
        orig = _get(session, actor, orig.duplicate_of_id, lock=True)
    if orig.id == dup.id or orig.status == "duplicate":
        raise ValidationError("original", "That suggestion is itself a duplicate of this one.")
    if orig.visibility != "visible":
        raise ValidationError("original", "Pick a visible suggestion as the original.")
    if orig.author_id == actor.id:
        raise PermissionDenied("The original is your own suggestion: another leader must "
                               "merge into it.")
    if "duplicate" not in TRANSITIONS[dup.status]:
        raise Conflict(f"A suggestion that is {STATUS_LABEL[dup.status].lower()} cannot be "
                       "marked as a duplicate any more.")
    note = (note or "").strip()
    text = (clean(note, field="note", label="The note", max_len=2000, min_len=2) if note
            else None) or f"Merged into suggestion {orig.id}: "\
                                               f"{_clip(orig.title, 120)}"
    on_original = select(Vote.user_id).where(Vote.entity_type == "suggestion",
                                             Vote.entity_id == orig.id)
    dup_votes = (Vote.entity_type == "suggestion") & (Vote.entity_id == dup.id)
    stay = session.scalars(select(Vote.id).where(dup_votes, or_(
        Vote.user_id.in_(on_original), Vote.user_id == orig.author_id))).all()
    for vote_id in stay:
        points.revoke_for(session, action=points.VOTE_RECEIVED, entity_type="vote",
                          entity_id=vote_id, reason=f"merged into suggestion {orig.id}: "
                                                    "the voter already counts there")
    if stay:
        session.execute(delete(Vote).where(Vote.id.in_(stay)))
    moved = session.execute(update(Vote).where(dup_votes).values(
        entity_id=orig.id, recipient_id=orig.author_id)
        .execution_options(synchronize_session=False)).rowcount or 0
    followers = set(_followers(session, dup.id)) - set(_followers(session, orig.id))
    now = utcnow()
    session.add_all(Follow(user_id=u, entity_type="suggestion", entity_id=orig.id,
                           created_at=now) for u in sorted(followers))
    before = {"status": dup.status, "vote_count": dup.vote_count,
              "original_vote_count": orig.vote_count}
    session.add(SuggestionStatusChange(suggestion_id=dup.id, from_status=dup.status,
                                       to_status="duplicate", changed_by=actor.id,
                                       changed_at=now, reason=text))
    dup.status, dup.status_changed_at, dup.duplicate_of_id = "duplicate", now, orig.id
    dup.response = text
    _recount_votes(session, dup)
    _recount_votes(session, orig)
    _tell(session, actor, dup, f"“{_clip(dup.title)}” was merged into “{_clip(orig.title)}”; "
                               "votes for it moved there.")
    notify.notify(session, user_ids=[orig.author_id], kind="suggestion_merged",
                  text=f"A similar suggestion was merged into your “{_clip(orig.title)}”: "
                       f"{moved} more votes.", entity_type="suggestion", entity_id=orig.id,
                  actor_id=actor.id)
    audit.record(session, actor=actor, action="suggestion.merged", entity_type="suggestion",
                 entity_id=dup.id, before=before,
                 after={"status": "duplicate", "duplicate_of": orig.id, "moved": moved,
                        "dropped": len(stay), "original_vote_count": orig.vote_count},
                 reason=text)
    session.flush()
    return MergeResult(orig.id, moved, len(stay), orig.vote_count)


@dataclass(frozen=True)
class Waiting:
    id: int
    title: str
    status: str
    since: datetime
    days: int
    vote_count: int
    author: str


def awaiting_decision_query() -> tuple[Select, Select]:
    """SQL for how many suggestions wait for a decision, and since when the longest has waited.
    No permission check: callers show it to those who decide only."""
    waits = (Suggestion.status.in_(AWAITING), Suggestion.visibility == "visible")
    return (select(func.count(Suggestion.id)).where(*waits),
            select(func.min(Suggestion.status_changed_at)).where(*waits))


def waiting(session: Session, *, actor: Actor, limit: int = 20,
            now: datetime | None = None) -> list[Waiting]:
    """Suggestions without a decision (new or under review), longest waiting first."""
    require(actor, *DECIDERS)
    now = now or utcnow()
    rows = session.execute(
        select(Suggestion.id, Suggestion.title, Suggestion.status, Suggestion.status_changed_at,
               Suggestion.vote_count, User.name)
        .join(User, User.id == Suggestion.author_id)
        .where(Suggestion.status.in_(AWAITING), Suggestion.visibility == "visible")
        .order_by(Suggestion.status_changed_at, Suggestion.id).limit(limit))
    return [Waiting(r.id, r.title, r.status, r.status_changed_at,
                    (now - r.status_changed_at).days, r.vote_count, r.name) for r in rows]


# --- prioritising -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Weights:
    votes: int = 4
    benefit: int = 4
    effort: int = 2  # weight of ease: low effort scores high

    def check(self) -> None:
        for name in ("votes", "benefit", "effort"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= 10:
                raise ValidationError(name, "Weights go from 0 to 10.")
        if self.votes + self.benefit + self.effort == 0:
            raise ValidationError("votes", "Give at least one weight a value above 0.")


PRIORITY_STATUSES = ("new", "under_review", "planned")


@dataclass(frozen=True)
class Priority:
    id: int
    title: str
    status: str
    category: str
    site: str | None
    vote_count: int
    benefit_score: int | None
    effort_score: int | None
    score: float  # 0-100
    waiting_days: int

    @property
    def cursor(self) -> tuple[float, int]:
        return (self.score, self.id)


def set_scores(session: Session, *, actor: Actor, suggestion_id: int,
               benefit_score: int | None, effort_score: int | None) -> None:
    """Leaders rate expected benefit and effort from 1 (low) to 5 (high); None clears."""
    require(actor, *DECIDERS)
    s = _get(session, actor, suggestion_id, lock=True)
    _decider(actor, s)
    for field, value in (("benefit", benefit_score), ("effort", effort_score)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= 5):
            raise ValidationError(field, "Scores go from 1 (low) to 5 (high).")
    before = {"benefit_score": s.benefit_score, "effort_score": s.effort_score}
    after = {"benefit_score": benefit_score, "effort_score": effort_score}
    if before == after:
        return
    s.benefit_score, s.effort_score = benefit_score, effort_score
    audit.record(session, actor=actor, action="suggestion.scored", entity_type="suggestion",
                 entity_id=s.id, before=before, after=after)
    session.flush()


def _priority_query(session: Session, weights: Weights, statuses: tuple[str, ...],
                    category: str | None, now: datetime):
    weights.check()
    if not statuses or any(st not in SUGGESTION_STATES for st in statuses):
        raise ValidationError("status", "Pick at least one status.")
    scope = [Suggestion.status.in_(statuses), Suggestion.visibility == "visible"]
    if category:
        scope.append(Suggestion.category == category)
    top = session.scalar(select(func.max(Suggestion.vote_count)).where(*scope)) or 0
    # Each part is 0..1; an unscored benefit or effort counts as the middle (3).
    votes = cast(Suggestion.vote_count, Float) / float(max(top, 1))
    benefit = (cast(func.coalesce(Suggestion.benefit_score, 3), Float) - 1.0) / 4.0
    ease = (5.0 - cast(func.coalesce(Suggestion.effort_score, 3), Float)) / 4.0
    total = weights.votes + weights.benefit + weights.effort
    score = (weights.votes * votes + weights.benefit * benefit + weights.effort * ease) \
        * (100.0 / total)
    q = (select(Suggestion.id, Suggestion.title, Suggestion.status, Suggestion.category,
                Site.name.label("site"), Suggestion.vote_count, Suggestion.benefit_score,
                Suggestion.effort_score, score.label("score"), Suggestion.status_changed_at)
         .outerjoin(Site, Site.id == Suggestion.site_id).where(*scope))
    return q, score


def priorities(session: Session, *, actor: Actor, weights: Weights = Weights(),
               statuses: tuple[str, ...] = PRIORITY_STATUSES, category: str | None = None,
               after: tuple[float, int] | None = None, limit: int = 50,
               now: datetime | None = None) -> list[Priority]:
    """Open suggestions scored by votes, benefit and ease with the leaders' weights (0-100)."""
    require(actor, *DECIDERS)
    now = now or utcnow()
    q, score = _priority_query(session, weights, statuses, category, now)
    if after is not None:
        value, last_id = after
        q = q.where(or_(score < value - _EPS, and_(func.abs(score - value) <= _EPS,
                                                   Suggestion.id < last_id)))
    rows = session.execute(q.order_by(score.desc(), Suggestion.id.desc()).limit(limit))
    return [Priority(r.id, r.title, r.status, r.category, r.site, r.vote_count,
                     r.benefit_score, r.effort_score, round(float(r.score), 1),
                     (now - r.status_changed_at).days) for r in rows]


def priority_export(session: Session, *, actor: Actor, weights: Weights = Weights(),
                    statuses: tuple[str, ...] = PRIORITY_STATUSES, category: str | None = None,
                    now: datetime | None = None) -> Iterator[dict]:
    """Every scored suggestion as rows for a CSV download, highest score first."""
    require(actor, *DECIDERS)
    now = now or utcnow()
    q, score = _priority_query(session, weights, statuses, category, now)
    for r in session.execute(q.order_by(score.desc(), Suggestion.id.desc())
                             .execution_options(yield_per=1000)):
        yield {"id": r.id, "title": r.title, "status": STATUS_LABEL[r.status],
               "category": r.category, "site": r.site or "", "votes": r.vote_count,
               "benefit (1-5)": r.benefit_score or "", "effort (1-5)": r.effort_score or "",
               "score": round(float(r.score), 1),
               "days since last status change": (now - r.status_changed_at).days,
               "weights (votes/benefit/effort)":
                   f"{weights.votes}/{weights.benefit}/{weights.effort}"}
