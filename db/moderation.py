"""Community rules for all user content: flags, hiding at a threshold, the moderation queue,
rate limits on posting and the same-text-twice block.

Covers questions, answers, comments (on questions, answers, suggestions and lessons) and
suggestions. Other areas call `check_posting` before storing what someone wrote, and show an
item only when `visible_to` says so.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    String,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.orm import Session, aliased

from db import audit, notify, overrides, points
from db.actors import Actor, require
from db.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationError
from db.models import (
    ROLES,
    Answer,
    Comment,
    Flag,
    Question,
    Suggestion,
    User,
    answer_seconds,
    utcnow,
)
from db.session import run
from db.text import clean, fingerprint, is_blank

MODERATORS = ("leader", "admin")
# Defaults; admins may override any of them in the settings table (key "moderation").
DEFAULTS: dict[str, int] = {
    "flag_threshold": 3,  # open flags that hide an item pending review
    "questions_per_hour": 5,
    "posts_per_hour": 20,  # answers and comments together
    "suggestions_per_hour": 5,
    "duplicate_lookback": 200,  # how many of one's own recent posts the duplicate check reads
}
REASONS = (
    "Spam or advertising",
    "Inflammatory, derogatory or disrespectful",
    "False or misleading",
    "Irrelevant or off-topic",
    "Confidential or personal information",
    "Something else",
)
DECISIONS = {"keep": "visible", "hide": "hidden", "delete": "deleted"}
KINDS = ("question", "answer", "comment", "suggestion")
# Any constant works: with the poster's id it names the PostgreSQL advisory lock for posting.
_POSTING_LOCK = 7_320_115
_POSTING_LOCK_SQL = select(func.pg_advisory_xact_lock(
    bindparam("k", type_=Integer), bindparam("user_id", type_=Integer)))


class RateLimited(ServiceError):
    """Posting too fast; the message says how long to wait."""


@dataclass(frozen=True)
class _Kind:
    model: type
    status: str  # name of the status column
    label: str


_FLAGGABLE: dict[str, _Kind] = {
    "question": _Kind(Question, "status", "question"),
    "answer": _Kind(Answer, "status", "answer"),
    "comment": _Kind(Comment, "status", "comment"),
    "suggestion": _Kind(Suggestion, "visibility", "suggestion"),
}


def settings(session: Session) -> dict[str, int]:
    """The moderation limits in force (defaults, overridden by the settings table)."""
    row = overrides.overrides(session).get(overrides.MODERATION)
    values = dict(DEFAULTS)
    if isinstance(row, dict):
        values.update({k: int(v) for k, v in row.items() if k in DEFAULTS})
    return values


def is_moderator(actor: Actor) -> bool:
    return actor.has(*MODERATORS)


def visible_to(actor: Actor, *, status: str, author_id: int | None) -> bool:
    """Whether this person may see an item: everyone when it is visible, otherwise its author
    (for hidden-pending-review and hidden items) and moderators."""
    if status == "visible" or is_moderator(actor):
        return True
    return status in ("hidden_pending_review", "hidden") and author_id == actor.id


def seen_by(actor: Actor, model):
    """`visible_to` as a WHERE clause on a model with `status` and `author_id` columns."""
    if is_moderator(actor):
        return true()
    return or_(model.status == "visible",
               (model.author_id == actor.id)
               & model.status.in_(("hidden_pending_review", "hidden")))


def visible_comment_count(session: Session, *, entity_type: str, entity_id: int) -> int:
    """Comments everyone can see on one item (what a denormalised comment count holds)."""
    return session.scalar(select(func.count()).select_from(Comment).where(
        Comment.entity_type == entity_type, Comment.entity_id == entity_id,
        Comment.status == "visible")) or 0


# --- posting limits -------------------------------------------------------------------------


def check_posting(session: Session, *, actor: Actor, kind: str, text: str,
                  title: str | None = None, field: str = "body",
                  now: datetime | None = None) -> None:
    """Refuse a post over the hourly limit (RateLimited) or one repeating the poster's own
    earlier text (ValidationError on `field`, or on "title" for a repeated title)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of post {kind!r}")
    if session.get_bind().dialect.name == "postgresql":
        # One form sent twice at once: both checks would pass before either post is stored.
        # Queue one person's posts until commit, so the second sees the first. (SQLite's
        # BEGIN IMMEDIATE already runs one write at a time.)
        run(session, _POSTING_LOCK_SQL, {"k": _POSTING_LOCK, "user_id": actor.id or 0})
    limits = settings(session)
    now = now or utcnow()
    if kind == "question":
        limit, noun = limits["questions_per_hour"], "questions"
    elif kind == "suggestion":
        limit, noun = limits["suggestions_per_hour"], "suggestions"
    else:
        limit, noun = limits["posts_per_hour"], "answers and comments"
    found = run(session, _posting_check(kind, title is not None), {
        "user_id": actor.id, "since": now - timedelta(hours=1),
        "lookback": limits["duplicate_lookback"], "text": fingerprint(text),
        "title": fingerprint(title) if title is not None else None}).one()._mapping
    recent = sum(v for k, v in found.items() if k.startswith("recent_"))
    if recent >= limit:
        raise RateLimited(
            f"Not posted: you have posted {recent} {noun} in the last hour and the limit is "
            f"{limit}. Please wait a while and try again; your text is still in the form.")
    if title is not None and found["title_repeated"]:
        raise ValidationError("title", "You have already asked a question with this title. "
                              "Open it and edit it instead of asking again.")
    if found["text_repeated"]:
        raise ValidationError(field, "You have already posted exactly this text. Change it, "
                              "or edit your earlier post instead of posting it twice.")


# The posting checks run on every post; their statement is built once per kind.
_AUTHOR = bindparam("user_id", type_=Integer)
_MODELS = {"question": Question, "answer": Answer, "comment": Comment,
           "suggestion": Suggestion}


@functools.cache
def _posting_check(kind: str, with_title: bool):
    """One row: what the person posted since the bound `since` that counts against `kind`'s
    limit (one column per kind of post), then whether the bound `text` fingerprint (and the
    `title` one) is among their latest `lookback` posts of this kind. Read from the
    (author, created_at, fingerprint) indexes alone."""
    counted = {"question": (Question,), "suggestion": (Suggestion,)}.get(kind, (Answer, Comment))
    since = bindparam("since", type_=DateTime)
    recent = [select(func.count()).select_from(m)
              .where(m.author_id == _AUTHOR, m.created_at >= since).scalar_subquery()
              .label(f"recent_{m.__tablename__}") for m in counted]
    model = _MODELS[kind]
    columns = [model.fingerprint] + ([Question.title_fingerprint] if with_title else [])
    latest = (select(*columns).where(model.author_id == _AUTHOR)
              .order_by(model.created_at.desc())
              .limit(bindparam("lookback", type_=Integer)).subquery())
    repeats = [select(func.count() > 0).select_from(latest)
               .where(latest.c[c.key] == bindparam(name, type_=String)).scalar_subquery()
               .label(f"{name}_repeated") for c, name in zip(columns, ("text", "title"),
                                                              strict=False)]
    return select(*recent, *repeats)


# --- flags ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagResult:
    flag_count: int
    status: str


def _item(session: Session, entity_type: str, entity_id: int, *, lock: bool = False):
    kind = _FLAGGABLE.get(entity_type)
    if kind is None:
        raise ValidationError("entity_type", "This kind of item cannot be flagged.")
    item = session.get(kind.model, entity_id, with_for_update=lock or None)
    if item is None:
        raise NotFound(f"There is no {kind.label} {entity_id}.")
    return kind, item


def flag(session: Session, *, actor: Actor, entity_type: str, entity_id: int, reason: str,
         details: str = "") -> FlagResult:
    """Report an item; at the threshold of open flags it is hidden pending review."""
    require(actor, *ROLES)
    if reason not in REASONS:
        raise ValidationError("reason", "Pick the reason that fits best.")
    # Details made only of invisible characters are no details.
    details = clean(details, field="details", label="Details", max_len=240) \
        if not is_blank(details) else ""
    if reason == REASONS[-1] and not details:
        raise ValidationError("details", "Say in a few words what is wrong.")
    kind, item = _item(session, entity_type, entity_id, lock=True)
    status = getattr(item, kind.status)
    if not visible_to(actor, status=status, author_id=item.author_id) or status == "deleted":
        raise NotFound(f"There is no {kind.label} {entity_id}.")
    if item.author_id == actor.id:
        raise PermissionDenied("You cannot flag your own post. Edit it instead.")
    already = session.scalar(select(Flag.id).where(
        Flag.user_id == actor.id, Flag.entity_type == entity_type, Flag.entity_id == entity_id))
    if already is not None:
        raise Conflict("You have already flagged this. Moderators will look at it.")
    text = reason if not details else f"{reason}: {details}"
    session.add(Flag(user_id=actor.id, entity_type=entity_type, entity_id=entity_id,
                     reason=text[:300]))
    item.flag_count = (item.flag_count or 0) + 1
    threshold = settings(session)["flag_threshold"]
    before = status
    if status == "visible" and item.flag_count >= threshold:
        _set_status(session, entity_type, kind, item, "hidden_pending_review")
        notify.notify(session, user_ids=[item.author_id], kind="moderation",
                      text=f"Your {kind.label} was reported {item.flag_count} times and is "
                           "hidden until a moderator reviews it.",
                      entity_type=entity_type, entity_id=entity_id)
    after = getattr(item, kind.status)
    audit.record(session, actor=actor, action="content.flagged", entity_type=entity_type,
                 entity_id=entity_id, before={"status": before},
                 after={"status": after, "flag_count": item.flag_count}, reason=text)
    session.flush()
    return FlagResult(item.flag_count, after)


def _set_status(session: Session, entity_type: str, kind: _Kind, item, status: str) -> None:
    """Change an item's status and keep what depends on it in step (answer counts, acceptance,
    suggestions' comment counts)."""
    before = getattr(item, kind.status)
    setattr(item, kind.status, status)
    session.flush()
    earned = {"question": "question.asked", "answer": "answer.posted",
              "comment": "comment.posted", "suggestion": "suggestion.submitted"}[entity_type]
    if status in ("hidden", "deleted"):
        # Removed content keeps none of the points it earned.
        points.revoke(session, user_id=item.author_id, action=earned, entity_type=entity_type,
                      entity_id=item.id, reason=f"{entity_type} {status} by a moderator")
    elif status == "visible" and before in ("hidden", "deleted"):
        # A moderator brought it back: so are the points its removal took.
        points.restore(session, user_id=item.author_id, action=earned, entity_type=entity_type,
                       entity_id=item.id, reason=f"{entity_type} {before} by a moderator")
    if entity_type == "comment" and item.entity_type == "suggestion":
        # A suggestion's comment count is what everyone can read: hiding a comment takes it
        # off, keeping it visible again puts it back.
        suggestion = session.get(Suggestion, item.entity_id, with_for_update=True)
        if suggestion is not None:
            suggestion.comment_count = visible_comment_count(
                session, entity_type="suggestion", entity_id=suggestion.id)
    if entity_type != "answer":
        return
    question = session.get(Question, item.question_id, with_for_update=True)
    question.answer_count, first = session.execute(
        select(func.count(), func.min(Answer.created_at)).where(
            Answer.question_id == question.id, Answer.status == "visible")).one()
    question.answer_seconds = answer_seconds(question.created_at, first)
    if status in ("hidden", "deleted") and question.accepted_answer_id == item.id:
        # A removed answer cannot stay the accepted one, nor keep the points it earned.
        question.accepted_answer_id = None
        item.is_accepted = False
        points.revoke(session, user_id=item.author_id, action="answer.accepted",
                      entity_type="answer", entity_id=item.id, reason=f"answer {status}")


# --- the queue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    entity_type: str
    entity_id: int
    status: str
    open_flags: int
    first_flagged_at: datetime
    reasons: tuple[str, ...]
    author: str
    title: str  # the question's or suggestion's title; empty for answers and comments
    body: str
    # Where to read it in context: ("question", id), ("suggestion", id) or ("lesson", id).
    context: tuple[str, int] | None


def _content(session: Session, wanted: dict[str, list[int]]) -> dict[tuple[str, int], dict]:
    """Status, author, text and context of the wanted items of every kind, in one statement."""
    parts = []
    for etype, ids in wanted.items():
        kind = _FLAGGABLE[etype]
        m = kind.model
        cols = [literal(etype).label("etype"), m.id.label("id"),
                getattr(m, kind.status).label("status"), User.name.label("author"),
                (Suggestion.description if m is Suggestion else m.body).label("body"),
                (m.title if m in (Question, Suggestion) else literal("")).label("title")]
        q = select().join_from(m, User, User.id == m.author_id)
        if m is Answer:
            cols += [literal("question").label("ctype"), Answer.question_id.label("cid")]
        elif m is Comment:
            # A comment on an answer is read on the answer's question page.
            parent = aliased(Answer)
            on_answer = Comment.entity_type == "answer"
            cols += [case((on_answer, literal("question")), else_=Comment.entity_type)
                     .label("ctype"),
                     case((on_answer, parent.question_id), else_=Comment.entity_id)
                     .label("cid")]
            q = q.outerjoin(parent, on_answer & (parent.id == Comment.entity_id))
        else:
            cols += [literal(etype).label("ctype"), m.id.label("cid")]
        parts.append(q.add_columns(*cols).where(m.id.in_(ids)))
    if not parts:
        return {}
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    return {(r.etype, r.id): r._asdict() for r in session.execute(stmt)}


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    next_cursor: tuple[int, int, int] | None  # pass back as `after`; None on the last page
    total: int = 0  # items with open flags in the whole queue (as queue_summary)
    waiting: int = 0  # of which hidden pending review


def _status_of(etype_col, eid_col):
    """SQL for the current status of the item a flag points at, whatever its kind."""
    return case(*[(etype_col == etype, select(getattr(k.model, k.status))
                   .where(k.model.id == eid_col).scalar_subquery())
                  for etype, k in _FLAGGABLE.items()], else_=literal(None))


def queue(session: Session, *, actor: Actor, after: tuple[int, int, int] | None = None,
          limit: int = 20) -> QueuePage:
    """A page of items with open flags: those hidden pending review first, then the most
    reported, the earliest reported first (keyset on (hidden first, -flags, first flag id)),
    with the queue's totals (queue_summary) read in the same statement: three statements."""
    require(actor, *MODERATORS)
    grouped = (select(Flag.entity_type, Flag.entity_id, func.count().label("n"),
                      func.min(Flag.created_at).label("first"),
                      func.min(Flag.id).label("first_id"))
               .where(Flag.resolved_at.is_(None), Flag.entity_type.in_(list(_FLAGGABLE)))
               .group_by(Flag.entity_type, Flag.entity_id).subquery())
    pending = _status_of(grouped.c.entity_type, grouped.c.entity_id) == "hidden_pending_review"
    rank = case((pending, 0), else_=1)
    # The totals are window functions over the whole queue, computed before the keyset filter.
    ranked = select(grouped, rank.label("rank"), (-grouped.c.n).label("neg_n"),
                    func.count().over().label("total"),
                    func.sum(1 - rank).over().label("waiting")).subquery()
    key = (ranked.c.rank, ranked.c.neg_n, ranked.c.first_id)
    q = select(ranked)
    if after is not None:
        q = q.where(tuple_(*key) > tuple_(*after))
    rows = session.execute(q.order_by(*key).limit(limit + 1)).all()
    if rows:
        total, waiting = int(rows[0].total), int(rows[0].waiting or 0)
    elif after is not None:  # past the last item (they were decided meanwhile): count apart
        total, waiting = queue_summary(session, actor=actor)
    else:
        total = waiting = 0
    more = len(rows) > limit
    groups = rows[:limit]
    cursor = (groups[-1].rank, groups[-1].neg_n, groups[-1].first_id) if more else None
    wanted: dict[str, list[int]] = {}
    for g in groups:
        wanted.setdefault(g.entity_type, []).append(g.entity_id)
    content = _content(session, wanted)
    reasons: dict[tuple[str, int], list[str]] = {}
    if groups:
        pairs = {(g.entity_type, g.entity_id) for g in groups}
        # One statement for all kinds; the few extra rows it may bring are dropped here.
        for r in session.execute(select(Flag.entity_type, Flag.entity_id, Flag.reason).where(
                Flag.entity_type.in_(list(wanted)),
                Flag.entity_id.in_({i for ids in wanted.values() for i in ids}),
                Flag.resolved_at.is_(None)).order_by(Flag.id)):
            if (r.entity_type, r.entity_id) in pairs:
                reasons.setdefault((r.entity_type, r.entity_id), []).append(r.reason)
    items = []
    for g in groups:
        c = content.get((g.entity_type, g.entity_id))
        if c is None:
            continue
        items.append(QueueItem(
            g.entity_type, g.entity_id, c["status"], g.n, g.first,
            tuple(reasons.get((g.entity_type, g.entity_id), ())), c["author"], c["title"] or "",
            c["body"], (c["ctype"], c["cid"]) if c["cid"] is not None else None))
    return QueuePage(items, cursor, total, waiting)


def open_items_query() -> Select:
    """SQL counting the reported items waiting in the moderation queue. No permission check:
    callers show it to moderators only."""
    grouped = (select(Flag.entity_type, Flag.entity_id)
               .where(Flag.resolved_at.is_(None), Flag.entity_type.in_(list(_FLAGGABLE)))
               .group_by(Flag.entity_type, Flag.entity_id).subquery())
    return select(func.count()).select_from(grouped)


def open_flag_count(session: Session, *, actor: Actor) -> int:
    """How many items wait in the queue (for a badge)."""
    require(actor, *MODERATORS)
    return session.scalar(open_items_query()) or 0


def queue_summary(session: Session, *, actor: Actor) -> tuple[int, int]:
    """How many items wait in the queue, and how many of them are hidden pending review."""
    require(actor, *MODERATORS)
    grouped = (select(Flag.entity_type, Flag.entity_id)
               .where(Flag.resolved_at.is_(None), Flag.entity_type.in_(list(_FLAGGABLE)))
               .group_by(Flag.entity_type, Flag.entity_id).subquery())
    pending = case((_status_of(grouped.c.entity_type, grouped.c.entity_id)
                    == "hidden_pending_review", 1), else_=0)
    total, hidden = session.execute(select(func.count(), func.coalesce(func.sum(pending), 0))
                                    .select_from(grouped)).one()
    return int(total), int(hidden)


def decide(session: Session, *, actor: Actor, entity_type: str, entity_id: int,
           decision: str, reason: str) -> str:
    """Keep, hide or delete a reported item, with a reason; closes its open flags."""
    require(actor, *MODERATORS)
    if decision not in DECISIONS:
        raise ValidationError("decision", "Choose whether to keep, hide or delete it.")
    reason = clean(reason, field="reason", label="Reason", max_len=500, min_len=3)
    kind, item = _item(session, entity_type, entity_id, lock=True)
    before = getattr(item, kind.status)
    new = DECISIONS[decision]
    if before != new:
        _set_status(session, entity_type, kind, item, new)
    now = utcnow()
    closed = session.execute(
        update(Flag).where(Flag.entity_type == entity_type, Flag.entity_id == entity_id,
                           Flag.resolved_at.is_(None)).values(resolved_at=now)
        .execution_options(synchronize_session=False)).rowcount or 0
    item.flag_count = 0
    if decision == "keep":
        message = f"A moderator reviewed your {kind.label} and it stays visible."
    else:
        verb = "hid" if decision == "hide" else "removed"
        message = f"A moderator {verb} your {kind.label}. Reason: {reason}"
    if before != new:
        notify.notify(session, user_ids=[item.author_id], kind="moderation", text=message,
                      entity_type=entity_type, entity_id=entity_id, actor_id=actor.id)
    audit.record(session, actor=actor, action=f"moderation.{decision}",
                 entity_type=entity_type, entity_id=entity_id,
                 before={"status": before}, after={"status": new, "flags_closed": closed},
                 reason=reason)
    session.flush()
    return new
