"""Community Q&A: ask, answer, comment, vote, accept, edit with history, follow, invite, lists.

Every writing function checks who may do it, writes the audit record and leaves the commit to
the caller. Lists are keyset-paginated and fetch a page with its authors and tags in two
statements; scores and answer counts are kept in step in the same transaction as the change.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from db import activity, audit, moderation, notify, points, search, summaries
from db.actors import Actor, require
from db.errors import Conflict, NotFound, PermissionDenied, ValidationError
from db.models import (
    ROLES,
    ActivityEvent,
    Answer,
    Comment,
    Follow,
    Lesson,
    LessonRevision,
    Notification,
    PostRevision,
    Proposal,
    Question,
    QuestionTag,
    Tag,
    User,
    Vote,
    answer_seconds,
    utcnow,
)
from db.session import run
from db.text import clean, fingerprint

TITLE_MIN, TITLE_MAX = 15, 200
BODY_MIN, BODY_MAX = 20, 20_000
ANSWER_MIN = 10
COMMENT_MIN, COMMENT_MAX = 2, 1_000
MAX_TAGS = 5
SORTS = ("newest", "active", "top", "unanswered")
PAGE_SIZE = 20
ANSWER_PAGE = 10  # answers shown at first on a question page, and added per "more"
_TAG = re.compile(r"^[^\W_](?:[\w.-]{0,38}[^\W_])?$")
_MENTION = re.compile(r"(?<![\w@/.])@([A-Za-z0-9][A-Za-z0-9._-]{1,63})")


# --- plain values handed to pages -----------------------------------------------------------


@dataclass(frozen=True)
class QuestionRow:
    id: int
    title: str
    excerpt: str
    author: str
    created_at: datetime
    last_activity_at: datetime
    score: int
    answer_count: int
    accepted: bool
    tags: tuple[str, ...] = ()
    relevance: float | None = None


@dataclass(frozen=True)
class QuestionPage:
    rows: list[QuestionRow]
    next_cursor: tuple | None  # pass back as `after` for the next page; None on the last page


@dataclass(frozen=True)
class Post:
    kind: str  # "question" or "answer"
    id: int
    body: str
    author_id: int
    author: str
    created_at: datetime
    edited_at: datetime | None
    score: int
    status: str
    my_vote: int = 0
    is_accepted: bool = False


@dataclass(frozen=True)
class CommentView:
    id: int
    entity_type: str
    entity_id: int
    parent_id: int | None
    author_id: int
    author: str
    body: str
    created_at: datetime
    status: str


@dataclass(frozen=True)
class QuestionDetail:
    id: int
    title: str
    question: Post
    tags: tuple[str, ...]
    lesson: tuple[int, str] | None
    answers: list[Post]
    comments: dict[tuple[str, int], list[CommentView]] = field(default_factory=dict)
    following: bool = False
    can_accept: bool = False
    can_edit: bool = False
    accepted_answer_id: int | None = None
    answer_count: int = 0  # answers this person may see in all; `answers` holds a page of them

    @property
    def more_answers(self) -> int:
        """How many answers are not in this page."""
        return max(self.answer_count - len(self.answers), 0)


@dataclass(frozen=True)
class VoteResult:
    score: int
    my_vote: int


@dataclass(frozen=True)
class Revision:
    title: str | None
    body: str
    editor: str
    at: datetime


# --- checks and small helpers -----------------------------------------------------------------


def _member(actor: Actor) -> None:
    require(actor, *ROLES)


def _clip(text: str, n: int = 120) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def clean_tags(tags: Iterable[str] | None) -> list[str]:
    """Tag names as stored: lower case, words joined by hyphens; 1 to 5 of them."""
    names: list[str] = []
    for raw in tags or []:
        name = "-".join(str(raw).strip().lower().split())
        if not name:
            continue
        if not _TAG.match(name):
            raise ValidationError("tags", "A tag may hold letters, digits, hyphens and dots, "
                                  "up to 40 characters, e.g. `variations` or `ich-q9`.")
        if name not in names:
            names.append(name)
    if not names:
        raise ValidationError("tags", "Add at least one tag, so the right people find it.")
    if len(names) > MAX_TAGS:
        raise ValidationError("tags", f"Use at most {MAX_TAGS} tags.")
    return names


def _upsert_tags(session: Session, names: list[str]) -> dict[str, int]:
    """Ids of these tags, creating the new ones (safe when two people add one at once)."""
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Tag)
    session.execute(ins.values([{"name": n, "kind": "topic"} for n in names])
                    .on_conflict_do_nothing(index_elements=["name"]))
    return dict(session.execute(
        select(Tag.name, Tag.id).where(Tag.name.in_(names))).all())


def _set_tags(session: Session, question_id: int, names: list[str]) -> None:
    ids = _upsert_tags(session, names)
    session.execute(delete(QuestionTag).where(QuestionTag.question_id == question_id))
    session.add_all(QuestionTag(question_id=question_id, tag_id=ids[n]) for n in names)


def _tags_of(session: Session, question_ids: list[int]) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[str]] = {}
    if question_ids:
        for qid, name in session.execute(
                select(QuestionTag.question_id, Tag.name).join(Tag, Tag.id == QuestionTag.tag_id)
                .where(QuestionTag.question_id.in_(question_ids)).order_by(Tag.name)):
            out.setdefault(qid, []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def _activity(session: Session, actor: Actor, kind: str, entity_type: str, entity_id: int) -> None:
    activity.log(session, user_id=actor.id, kind=kind, entity_type=entity_type,
                 entity_id=entity_id)


def _question(session: Session, actor: Actor, question_id: int, *, lock: bool = False,
              for_writing: bool = False) -> Question:
    q = session.get(Question, question_id, with_for_update=lock or None)
    _check_question(actor, q, for_writing=for_writing)
    return q


def _check_question(actor: Actor, q, *, for_writing: bool) -> None:
    """Refuse a question (a Question, or a row with its status and author_id) this person may
    not see, or, `for_writing`, one moderators are reviewing."""
    if q is None or not moderation.visible_to(actor, status=q.status, author_id=q.author_id):
        raise NotFound("This question does not exist, or it has been removed.")
    if for_writing and q.status != "visible":
        raise Conflict("This question is hidden while moderators review it; it cannot change "
                       "until then.")


def _answer(session: Session, actor: Actor, answer_id: int, *, lock: bool = False) -> Answer:
    a = session.get(Answer, answer_id, with_for_update=lock or None)
    if a is None or not moderation.visible_to(actor, status=a.status, author_id=a.author_id):
        raise NotFound("This answer does not exist, or it has been removed.")
    return a


_FOLLOWERS = select(Follow.user_id).where(
    Follow.entity_type == bindparam("entity_type", type_=String),
    Follow.entity_id == bindparam("entity_id", type_=Integer))


def _followers(session: Session, entity_type: str, entity_id: int) -> list[int]:
    return list(run(session, _FOLLOWERS, {"entity_type": entity_type,
                                          "entity_id": entity_id}).scalars())


def _follow(session: Session, user_id: int, entity_type: str, entity_id: int) -> None:
    if session.get(Follow, (user_id, entity_type, entity_id)) is None:
        session.add(Follow(user_id=user_id, entity_type=entity_type, entity_id=entity_id))


def mentioned(session: Session, *texts: str) -> list[int]:
    """Ids of the active people named as @username in the texts."""
    names = {m.group(1).lower().rstrip("._-") for t in texts for m in _MENTION.finditer(t or "")}
    if not names:
        return []
    return list(session.scalars(select(User.id).where(User.username.in_(names),
                                                      User.is_active.is_(True))))


def _notify_mentions(session: Session, actor: Actor, texts: list[str], already: set[int],
                     question_title: str, entity_type: str, entity_id: int) -> None:
    people = [u for u in mentioned(session, *texts) if u not in already]
    notify.notify(session, user_ids=people, kind="mention",
                  text=f"{actor.name} mentioned you in “{_clip(question_title)}”.",
                  entity_type=entity_type, entity_id=entity_id, actor_id=actor.id)


# --- asking, answering, commenting ------------------------------------------------------------


def lesson_title(session: Session, lesson_id: int) -> str | None:
    """The published title of a lesson, or None if it has none (or does not exist)."""
    return session.scalar(select(LessonRevision.title).join(
        Lesson, Lesson.published_revision_id == LessonRevision.id).where(Lesson.id == lesson_id))


def lesson_choices(session: Session, *, limit: int = 500) -> list[tuple[int, str]]:
    """Published lessons a question can point to, by title."""
    return [(i, t) for i, t in session.execute(
        select(Lesson.id, LessonRevision.title)
        .join(LessonRevision, Lesson.published_revision_id == LessonRevision.id)
        .order_by(LessonRevision.title, Lesson.id).limit(limit))]


def ask(session: Session, *, actor: Actor, title: str, body: str, tags: Iterable[str],
        lesson_id: int | None = None) -> int:
    """Post a question; returns its id."""
    _member(actor)
    title = clean(title, field="title", label="Title", max_len=TITLE_MAX, min_len=TITLE_MIN,
                  single_line=True)
    body = clean(body, field="body", label="The question", max_len=BODY_MAX, min_len=BODY_MIN)
    names = clean_tags(tags)
    if lesson_id is not None and lesson_title(session, lesson_id) is None:
        raise ValidationError("lesson", "That lesson does not exist or is not published.")
    moderation.check_posting(session, actor=actor, kind="question", text=body, title=title)
    now = utcnow()
    q = Question(title=title, body=body, author_id=actor.id, lesson_id=lesson_id,
                 created_at=now, last_activity_at=now, score=0, answer_count=0,
                 status="visible", flag_count=0)
    session.add(q)
    session.flush()
    _set_tags(session, q.id, names)
    _follow(session, actor.id, "question", q.id)
    points.award(session, user_id=actor.id, action="question.asked", entity_type="question",
                 entity_id=q.id)
    _activity(session, actor, "post", "question", q.id)
    tag_ids = list(session.scalars(select(QuestionTag.tag_id).where(
        QuestionTag.question_id == q.id)))
    watchers = set(session.scalars(select(Follow.user_id).where(
        Follow.entity_type == "tag", Follow.entity_id.in_(tag_ids))))
    notify.notify(session, user_ids=watchers, kind="question",
                  text=f"New question tagged {', '.join(names)}: “{_clip(title)}”.",
                  entity_type="question", entity_id=q.id, actor_id=actor.id)
    _notify_mentions(session, actor, [body], watchers, q.title, "question", q.id)
    audit.record(session, actor=actor, action="question.asked", entity_type="question",
                 entity_id=q.id, after={"title": title, "tags": names, "lesson_id": lesson_id})
    return q.id


def recount_answers(session: Session) -> None:
    """Every question's answer_count and answer_seconds from its visible answers (answers
    written straight into the table: imports, repairs, planted test data)."""
    visible = (Answer.question_id == Question.id) & (Answer.status == "visible")
    first = select(func.min(Answer.created_at)).where(visible).scalar_subquery()
    hours = summaries.hours_between(session, first, Question.created_at)
    session.execute(update(Question).values(
        answer_count=select(func.count()).where(visible).scalar_subquery(),
        answer_seconds=cast(func.round(hours * 3600.0), Integer))
        .execution_options(synchronize_session=False))


# An answer is the most frequent post: its statements are built once and run as Core (the
# ORM's unit of work took half of its time), so it fills in the fingerprint itself.
_ANSWERING = select(Question.id, Question.title, Question.status, Question.author_id,
                    Question.created_at).where(
    Question.id == bindparam("question_id", type_=Integer)).with_for_update()
_NEW_ANSWER = insert(Answer.__table__).returning(Answer.__table__.c.id)
_ANSWERED = update(Question.__table__).where(
    Question.__table__.c.id == bindparam("question_id", type_=Integer)).values(
    answer_count=Question.__table__.c.answer_count + 1,
    answer_seconds=func.coalesce(Question.__table__.c.answer_seconds,
                                 bindparam("seconds", type_=Integer)),
    last_activity_at=bindparam("now", type_=DateTime))
_FOLLOW = insert(Follow.__table__)


def answer(session: Session, *, actor: Actor, question_id: int, body: str) -> int:
    """Post an answer; the asker and everyone following the question are told."""
    _member(actor)
    body = clean(body, field="answer", label="The answer", max_len=BODY_MAX, min_len=ANSWER_MIN)
    q = run(session, _ANSWERING, {"question_id": question_id}).first()
    _check_question(actor, q, for_writing=True)
    moderation.check_posting(session, actor=actor, kind="answer", text=body, field="answer")
    now = utcnow()
    answer_id = run(session, _NEW_ANSWER, {
        "question_id": q.id, "body": body, "fingerprint": fingerprint(body),
        "author_id": actor.id, "created_at": now, "edited_at": None, "score": 0,
        "is_accepted": False, "status": "visible", "flag_count": 0}).scalar_one()
    run(session, _ANSWERED, {"question_id": q.id, "now": now,
                             "seconds": answer_seconds(q.created_at, now)})
    _forget(session, Question, q.id)  # a copy loaded earlier in this session is out of date
    if actor.id != q.author_id:
        points.award(session, user_id=actor.id, action="answer.posted", entity_type="answer",
                     entity_id=answer_id)
    _activity(session, actor, "post", "answer", answer_id)
    followers = set(_followers(session, "question", q.id))
    told = followers | {q.author_id}
    notify.notify(session, user_ids=told, kind="answer",
                  text=f"{actor.name} answered “{_clip(q.title)}”.", entity_type="answer",
                  entity_id=answer_id, actor_id=actor.id)
    _notify_mentions(session, actor, [body], told, q.title, "answer", answer_id)
    if actor.id not in followers:
        run(session, _FOLLOW, {"user_id": actor.id, "entity_type": "question",
                               "entity_id": q.id, "created_at": now})
    audit.record(session, actor=actor, action="answer.posted", entity_type="answer",
                 entity_id=answer_id, after={"question_id": q.id})
    return answer_id


def _forget(session: Session, model, item_id: int) -> None:
    """Expire `model` `item_id` if this session holds it, so it is read again when next used."""
    held = session.identity_map.get(identity_key(model, item_id))
    if held is not None:
        session.expire(held)


def comment(session: Session, *, actor: Actor, entity_type: str, entity_id: int, body: str,
            parent_id: int | None = None) -> int:
    """Comment on a question or an answer."""
    _member(actor)
    if entity_type not in ("question", "answer"):
        raise ValidationError("comment", "Comments here go on questions and answers.")
    body = clean(body, field="comment", label="The comment", max_len=COMMENT_MAX,
                 min_len=COMMENT_MIN)
    if entity_type == "answer":
        target = _answer(session, actor, entity_id)
        q = _question(session, actor, target.question_id, lock=True, for_writing=True)
    else:
        q = target = _question(session, actor, entity_id, lock=True, for_writing=True)
    if target.status != "visible":
        raise Conflict("This post is hidden while moderators review it.")
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or (parent.entity_type, parent.entity_id) != (entity_type, entity_id):
            raise ValidationError("comment", "You can only reply to a comment on the same post.")
    moderation.check_posting(session, actor=actor, kind="comment", text=body, field="comment")
    c = Comment(entity_type=entity_type, entity_id=entity_id, parent_id=parent_id,
                author_id=actor.id, body=body, status="visible", flag_count=0)
    session.add(c)
    q.last_activity_at = utcnow()
    session.flush()
    if target.author_id != actor.id:
        points.award(session, user_id=actor.id, action="comment.posted", entity_type="comment",
                     entity_id=c.id)
    _activity(session, actor, "post", "comment", c.id)
    told = {target.author_id} | set(_followers(session, "question", q.id))
    notify.notify(session, user_ids=told, kind="comment",
                  text=f"{actor.name} commented on “{_clip(q.title)}”.", entity_type="comment",
                  entity_id=c.id, actor_id=actor.id)
    _notify_mentions(session, actor, [body], told, q.title, "comment", c.id)
    audit.record(session, actor=actor, action="comment.posted", entity_type="comment",
                 entity_id=c.id, after={"on": entity_type, "id": entity_id})
    return c.id


# --- votes and acceptance -------------------------------------------------------------------


# Built once: votes are the most frequent write, and building these cost more than running them.
_VOTED_ON = {
    kind: select(model.status, model.author_id, model.score)
    .where(model.id == bindparam("id", type_=Integer)).with_for_update()
    for kind, model in (("question", Question), ("answer", Answer))}
_MY_VOTE = select(Vote.id, Vote.value).where(
    Vote.user_id == bindparam("user_id", type_=Integer),
    Vote.entity_type == bindparam("entity_type", type_=String),
    Vote.entity_id == bindparam("entity_id", type_=Integer))
_TAKE_BACK = delete(Vote).where(Vote.id == bindparam("vote_id", type_=Integer))
# Added in SQL (the row is locked): one statement, and the score it returns is current.
_ADD_TO_SCORE = {
    kind: update(model).where(model.id == bindparam("item_id", type_=Integer))
    .values(score=model.score + bindparam("change", type_=Integer)).returning(model.score)
    for kind, model in (("question", Question), ("answer", Answer))}


@functools.cache
def _cast_vote(dialect: str):
    """Insert a vote or change one's earlier vote on the item, returning its id."""
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Vote)
    return ins.on_conflict_do_update(
        index_elements=["user_id", "entity_type", "entity_id"],
        set_={"value": ins.excluded.value, "created_at": ins.excluded.created_at},
    ).returning(Vote.id)


def vote(session: Session, *, actor: Actor, entity_type: str, entity_id: int,
         value: int) -> VoteResult:
    """Vote +1 or -1 on a question or answer, or 0 to take one's vote back; one per person."""
    _member(actor)
    if entity_type not in ("question", "answer"):
        raise ValidationError("vote", "Only questions and answers take votes here.")
    if value not in (-1, 0, 1):
        raise ValidationError("vote", "A vote is up (+1) or down (-1); 0 takes it back.")
    model = Question if entity_type == "question" else Answer
    # The row lock makes concurrent votes on one item queue up (SQLite: BEGIN IMMEDIATE does).
    # Only the columns the rules need: a post's body can be long.
    item = run(session, _VOTED_ON[entity_type], {"id": entity_id}).first()
    if item is None or item.status != "visible":
        raise NotFound(f"This {entity_type} does not exist, or it is hidden.")
    if item.author_id == actor.id:
        raise PermissionDenied("You cannot vote on your own post.")
    mine = run(session, _MY_VOTE, {"user_id": actor.id, "entity_type": entity_type,
                                   "entity_id": entity_id}).first()
    old = mine.value if mine else 0
    if value == old:
        return VoteResult(item.score, old)
    vote_id = mine.id if mine else None
    # The score first: its trigger updates the author's answer totals, and acceptance and
    # moderation update those before the author's points too (PostgreSQL row locks taken in
    # one order cannot deadlock).
    score = run(session, _ADD_TO_SCORE[entity_type],
                {"item_id": entity_id, "change": value - old}).scalar_one()
    if old == 1 and vote_id is not None:
        points.revoke(session, user_id=item.author_id, action="vote.received",
                      entity_type="vote", entity_id=vote_id,
                      reason="vote taken back" if value == 0 else "vote changed")
    if value == 0:
        run(session, _TAKE_BACK, {"vote_id": vote_id})
    else:
        vote_id = run(session, _cast_vote(session.get_bind().dialect.name), {
            "user_id": actor.id, "entity_type": entity_type, "entity_id": entity_id,
            "recipient_id": item.author_id, "value": value, "created_at": utcnow()}).scalar()
        if value == 1:
            # Points are tied to this vote, so taking it back voids exactly these.
            points.award(session, user_id=item.author_id, action="vote.received",
                         entity_type="vote", entity_id=vote_id, voter_id=actor.id)
        _activity(session, actor, "vote", entity_type, entity_id)
    _forget(session, model, entity_id)  # a copy loaded earlier in this session is out of date
    action = "vote.cast" if old == 0 else "vote.retracted" if value == 0 else "vote.changed"
    audit.record(session, actor=actor, action=action, entity_type=entity_type,
                 entity_id=entity_id, before={"value": old}, after={"value": value})
    return VoteResult(score, value)


def can_accept(actor: Actor, *, asker_id: int) -> bool:
    return actor.id == asker_id or actor.has("trainer")


def accept(session: Session, *, actor: Actor, answer_id: int, accepted: bool = True) -> None:
    """Mark an answer as the accepted one (moving the mark from another), or remove the mark.

    Only the asker, or a trainer, may; nobody accepts their own answer to someone else.
    """
    _member(actor)
    a = _answer(session, actor, answer_id, lock=True)
    q = _question(session, actor, a.question_id, lock=True, for_writing=True)
    if not can_accept(actor, asker_id=q.author_id):
        raise PermissionDenied("Only the person who asked, or a trainer, can accept an answer.")
    if a.author_id == actor.id and actor.id != q.author_id:
        raise PermissionDenied("You cannot accept your own answer to someone else's question.")
    if a.status != "visible":
        raise Conflict("This answer is hidden while moderators review it.")
    before = q.accepted_answer_id
    if accepted == (before == a.id):
        return
    if before is not None:
        prev = session.get(Answer, before, with_for_update=True)
        prev.is_accepted = False
        points.revoke(session, user_id=prev.author_id, action="answer.accepted",
                      entity_type="answer", entity_id=prev.id,
                      reason="acceptance moved" if accepted else "acceptance removed")
    if accepted:
        a.is_accepted = True
        q.accepted_answer_id = a.id
        q.last_activity_at = utcnow()
        if a.author_id != q.author_id:
            points.award(session, user_id=a.author_id, action="answer.accepted",
                         entity_type="answer", entity_id=a.id)
        notify.notify(session, user_ids=[a.author_id], kind="accepted",
                      text=f"{actor.name} accepted your answer to “{_clip(q.title)}”.",
                      entity_type="answer", entity_id=a.id, actor_id=actor.id)
    else:
        q.accepted_answer_id = None
    session.flush()
    audit.record(session, actor=actor, action="answer.accepted" if accepted else
                 "answer.unaccepted", entity_type="question", entity_id=q.id,
                 before={"accepted_answer_id": before},
                 after={"accepted_answer_id": q.accepted_answer_id})


# --- edits and their history ----------------------------------------------------------------


def _may_edit(actor: Actor, author_id: int) -> bool:
    return actor.id == author_id or moderation.is_moderator(actor)


def _keep_original(session: Session, entity_type: str, item, title: str | None) -> None:
    """The first edit also stores the original, so the history starts where the post did."""
    has = session.scalar(select(PostRevision.id).where(
        PostRevision.entity_type == entity_type, PostRevision.entity_id == item.id).limit(1))
    if has is None:
        session.add(PostRevision(entity_type=entity_type, entity_id=item.id,
                                 editor_id=item.author_id, title=title, body=item.body,
                                 created_at=item.created_at))


def edit_question(session: Session, *, actor: Actor, question_id: int, title: str, body: str,
                  tags: Iterable[str]) -> bool:
    """Change a question (its author, or a moderator); returns False when nothing changed."""
    _member(actor)
    q = _question(session, actor, question_id, lock=True)
    if not _may_edit(actor, q.author_id):
        raise PermissionDenied("Only the author (or a moderator) can edit this question.")
    title = clean(title, field="title", label="Title", max_len=TITLE_MAX, min_len=TITLE_MIN,
                  single_line=True)
    body = clean(body, field="body", label="The question", max_len=BODY_MAX, min_len=BODY_MIN)
    names = clean_tags(tags)
    old_tags = list(_tags_of(session, [q.id]).get(q.id, ()))
    if (title, body, sorted(names)) == (q.title, q.body, sorted(old_tags)):
        return False
    before = {"title": q.title, "tags": old_tags}
    old_text = (q.title, q.body)
    _keep_original(session, "question", q, q.title)
    now = utcnow()
    session.add(PostRevision(entity_type="question", entity_id=q.id, editor_id=actor.id,
                             title=title, body=body, created_at=now))
    q.title, q.body, q.edited_at, q.last_activity_at = title, body, now, now
    _set_tags(session, q.id, names)
    session.flush()
    audit.record(session, actor=actor, action="question.edited", entity_type="question",
                 entity_id=q.id, before=before, after={"title": title, "tags": names})
    # Only people the edit names for the first time: the others were told when first named.
    _notify_mentions(session, actor, [title, body], set(mentioned(session, *old_text)),
                     title, "question", q.id)
    return True


def edit_answer(session: Session, *, actor: Actor, answer_id: int, body: str) -> bool:
    """Change an answer (its author, or a moderator); returns False when nothing changed."""
    _member(actor)
    a = _answer(session, actor, answer_id, lock=True)
    if not _may_edit(actor, a.author_id):
        raise PermissionDenied("Only the author (or a moderator) can edit this answer.")
    body = clean(body, field="answer", label="The answer", max_len=BODY_MAX, min_len=ANSWER_MIN)
    if body == a.body:
        return False
    _keep_original(session, "answer", a, None)
    before = {"length": len(a.body)}
    old_body = a.body
    now = utcnow()
    session.add(PostRevision(entity_type="answer", entity_id=a.id, editor_id=actor.id,
                             body=body, created_at=now))
    a.body, a.edited_at = body, now
    q = session.get(Question, a.question_id, with_for_update=True)
    q.last_activity_at = now
    session.flush()
    audit.record(session, actor=actor, action="answer.edited", entity_type="answer",
                 entity_id=a.id, before=before, after={"length": len(body)})
    _notify_mentions(session, actor, [body], set(mentioned(session, old_body)), q.title,
                     "answer", a.id)
    return True


def history(session: Session, *, actor: Actor, entity_type: str, entity_id: int) -> list[Revision]:
    """Every version of a question or answer, newest first (empty if never edited)."""
    _member(actor)
    if entity_type == "question":
        _question(session, actor, entity_id)
    elif entity_type == "answer":
        _answer(session, actor, entity_id)
    else:
        raise ValidationError("entity_type", "Only questions and answers keep a history.")
    rows = session.execute(
        select(PostRevision.title, PostRevision.body, User.name, PostRevision.created_at)
        .join(User, User.id == PostRevision.editor_id)
        .where(PostRevision.entity_type == entity_type, PostRevision.entity_id == entity_id)
        .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())).all()
    return [Revision(*r) for r in rows]


# --- follow and invite ----------------------------------------------------------------------


def follow(session: Session, *, actor: Actor, entity_type: str, entity_id: int,
           following: bool = True) -> None:
    """Follow (or stop following) a question or a tag."""
    _member(actor)
    if entity_type == "question":
        _question(session, actor, entity_id)
    elif entity_type == "tag":
        if session.get(Tag, entity_id) is None:
            raise NotFound("There is no such tag.")
    else:
        raise ValidationError("entity_type", "You can follow questions and tags.")
    existing = session.get(Follow, (actor.id, entity_type, entity_id))
    if following and existing is None:
        session.add(Follow(user_id=actor.id, entity_type=entity_type, entity_id=entity_id))
    elif not following and existing is not None:
        session.delete(existing)
    else:
        return
    session.flush()
    audit.record(session, actor=actor, action="follow.started" if following else
                 "follow.stopped", entity_type=entity_type, entity_id=entity_id)


def is_following(session: Session, *, actor: Actor, entity_type: str, entity_id: int) -> bool:
    return session.get(Follow, (actor.id, entity_type, entity_id)) is not None


def invite(session: Session, *, actor: Actor, question_id: int, user_id: int) -> None:
    """Ask someone to answer a question; they are notified once per question."""
    _member(actor)
    q = _question(session, actor, question_id, for_writing=True)
    person = session.get(User, user_id)
    if person is None or not person.is_active:
        raise NotFound("That person cannot be invited (unknown or deactivated).")
    if user_id == actor.id:
        raise ValidationError("invite", "You cannot invite yourself.")
    if user_id == q.author_id:
        raise ValidationError("invite", "That is the person who asked.")
    already = session.scalar(select(Notification.id).where(
        Notification.user_id == user_id, Notification.kind == "invitation",
        Notification.entity_type == "question", Notification.entity_id == q.id).limit(1))
    if already is not None:
        raise Conflict(f"{person.name} has already been invited to answer this question.")
    notify.notify(session, user_ids=[user_id], kind="invitation",
                  text=f"{actor.name} invited you to answer “{_clip(q.title)}”.",
                  entity_type="question", entity_id=q.id, actor_id=actor.id)
    audit.record(session, actor=actor, action="question.invited", entity_type="question",
                 entity_id=q.id, after={"invited_user_id": user_id})


# --- reading: lists, search, the duplicate hint, one question ---------------------------------


_SORT_COLUMN = {"newest": Question.created_at, "active": Question.last_activity_at,
                "top": Question.score, "unanswered": Question.created_at}


def _rows(session: Session, where, order, limit: int) -> list:
    q = (select(Question.id, Question.title, func.substr(Question.body, 1, 240).label("excerpt"),
                User.name.label("author"), Question.created_at, Question.last_activity_at,
                Question.score, Question.answer_count,
                Question.accepted_answer_id.is_not(None).label("accepted"))
         .join(User, User.id == Question.author_id)
         .where(Question.status == "visible", *where))
    if order is not None:
        q = q.order_by(*order)
    return session.execute(q.limit(limit)).all()


def _to_rows(session: Session, rows: list, relevance: dict[int, float] | None = None
             ) -> list[QuestionRow]:
    tags = _tags_of(session, [r.id for r in rows])
    return [QuestionRow(r.id, r.title, " ".join(r.excerpt.split()), r.author, r.created_at,
                        r.last_activity_at, r.score, r.answer_count, bool(r.accepted),
                        tags.get(r.id, ()), (relevance or {}).get(r.id)) for r in rows]


def list_questions(session: Session, *, actor: Actor, sort: str = "newest",
                   tag: str | None = None, lesson_id: int | None = None,
                   after: tuple | None = None, limit: int = PAGE_SIZE) -> QuestionPage:
    """One page of visible questions, newest/active/top/unanswered first (keyset on sort, id)."""
    _member(actor)
    if sort not in SORTS:
        raise ValidationError("sort", "Sort by newest, active, top or unanswered.")
    key = _SORT_COLUMN[sort]
    where = []
    if sort == "unanswered":
        where.append(Question.answer_count == 0)
    if tag:
        where.append(Question.id.in_(select(QuestionTag.question_id)
                                     .join(Tag, Tag.id == QuestionTag.tag_id)
                                     .where(Tag.name == tag)))
    if lesson_id is not None:
        where.append(Question.lesson_id == lesson_id)
    if after is not None:
        where.append(tuple_(key, Question.id) < tuple_(*after))
    rows = _rows(session, where, (key.desc(), Question.id.desc()), limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = None
    if more:
        last = rows[-1]
        cursor = ({"newest": last.created_at, "unanswered": last.created_at,
                   "active": last.last_activity_at, "top": last.score}[sort], last.id)
    return QuestionPage(_to_rows(session, rows), cursor)


def search_questions(session: Session, *, actor: Actor, query: str, tag: str | None = None,
                     after: tuple[float, int] | None = None,
                     limit: int = PAGE_SIZE) -> QuestionPage:
    """Questions matching a full-text query over titles, bodies and answers, best first."""
    _member(actor)
    tag_id = None
    if tag:
        tag_id = session.scalar(select(Tag.id).where(Tag.name == tag))
        if tag_id is None:
            return QuestionPage([], None)
    hits = search.search(session, query=query, tag_id=tag_id, after=after, limit=limit + 1)
    more = len(hits) > limit
    hits = hits[:limit]
    if not hits:
        return QuestionPage([], None)
    relevance = {h.question_id: h.relevance for h in hits}
    found = {r.id: r for r in _rows(session, [Question.id.in_(list(relevance))], None, limit)}
    rows = [found[h.question_id] for h in hits if h.question_id in found]
    cursor = (hits[-1].relevance, hits[-1].question_id) if more else None
    return QuestionPage(_to_rows(session, rows, relevance), cursor)


def similar_questions(session: Session, *, title: str, limit: int = 5,
                      exclude_id: int | None = None) -> list[QuestionRow]:
    """Existing questions that look like this title: the duplicate hint while someone types."""
    if not search.terms(title, keep_common=False) or len((title or "").strip()) < 6:
        return []
    hits = search.search(session, query=title, any_word=True, limit=limit,
                         exclude_id=exclude_id)
    if not hits:
        return []
    relevance = {h.question_id: h.relevance for h in hits}
    found = {r.id: r for r in _rows(session, [Question.id.in_(list(relevance))], None, limit)}
    return _to_rows(session, [found[h.question_id] for h in hits if h.question_id in found],
                    relevance)


def tags(session: Session) -> list[tuple[str, int]]:
    """Every tag with the number of visible questions carrying it, most used first."""
    # All of a tag's questions, less the few that are not visible: both from indexes. Joining
    # every question row to check its status read 50k question bodies (0.6 s on the medium set).
    # Counted per tag id before the names are joined: joining 140k rows to their tag first
    # took twice as long (SQLite 13 -> 6 ms, PostgreSQL 39 -> 22 on the medium set).
    per_tag = (select(QuestionTag.tag_id, func.count().label("n"))
               .group_by(QuestionTag.tag_id).subquery())
    totals = session.execute(
        select(Tag.name, func.coalesce(per_tag.c.n, 0))
        .outerjoin(per_tag, per_tag.c.tag_id == Tag.id)).all()
    unseen = dict(session.execute(
        select(Tag.name, func.count()).join(QuestionTag, QuestionTag.tag_id == Tag.id)
        .where(QuestionTag.question_id.in_(
            select(Question.id).where(Question.status != "visible")))
        .group_by(Tag.name)).all())
    counted = [(name, n - unseen.get(name, 0)) for name, n in totals]
    return sorted(counted, key=lambda t: (-t[1], t[0]))


def tag_id(session: Session, name: str) -> int | None:
    return session.scalar(select(Tag.id).where(Tag.name == name))


def my_questions(session: Session, *, actor: Actor, limit: int = 20) -> list[tuple[int, str]]:
    """This person's latest visible questions (to invite someone to)."""
    _member(actor)
    return [(i, t) for i, t in session.execute(
        select(Question.id, Question.title).where(Question.author_id == actor.id,
                                                  Question.status == "visible")
        .order_by(Question.created_at.desc(), Question.id.desc()).limit(limit))]


def title_of(session: Session, *, actor: Actor, question_id: int) -> str | None:
    """The title of a question this person may see, or None."""
    _member(actor)
    row = session.execute(select(Question.title, Question.status, Question.author_id)
                          .where(Question.id == question_id)).first()
    if row is None or not moderation.visible_to(actor, status=row.status,
                                                author_id=row.author_id):
        return None
    return row.title


def _seen_by(actor: Actor, model):
    """SQL for "this person may see it" (moderation.visible_to, as a WHERE clause)."""
    if moderation.is_moderator(actor):
        return True
    return or_(model.status == "visible",
               (model.author_id == actor.id)
               & model.status.in_(("hidden_pending_review", "hidden")))


def question_detail(session: Session, *, actor: Actor, question_id: int,
                    limit: int | None = ANSWER_PAGE,
                    pinned_answer_id: int | None = None) -> QuestionDetail:
    """One question with its tags, lesson, a page of answers, their comments and this person's
    votes, in four statements however many answers there are.

    Answers come accepted first, then `pinned_answer_id` (a deep link, or one just posted),
    then by score, oldest first among equals; `limit` of them (None: all).
    `answer_count` is how many answers this person may see in all."""
    _member(actor)
    lesson_t = (select(LessonRevision.title)
                .join(Lesson, Lesson.published_revision_id == LessonRevision.id)
                .where(Lesson.id == Question.lesson_id).scalar_subquery())
    following = exists().where(Follow.user_id == actor.id, Follow.entity_type == "question",
                               Follow.entity_id == Question.id)
    my_vote = (select(Vote.value).where(Vote.user_id == actor.id, Vote.entity_type == "question",
                                        Vote.entity_id == Question.id).scalar_subquery())
    n_answers = (select(func.count()).select_from(Answer)
                 .where(Answer.question_id == Question.id, _seen_by(actor, Answer))
                 .scalar_subquery())
    row = session.execute(
        select(Question, User.name, lesson_t.label("lesson"), following.label("following"),
               my_vote.label("my_vote"), n_answers.label("n_answers"))
        .join(User, User.id == Question.author_id)
        .where(Question.id == question_id)).first()
    if row is None or not moderation.visible_to(actor, status=row[0].status,
                                                author_id=row[0].author_id):
        raise NotFound("This question does not exist, or it has been removed.")
    q, asker = row[0], row[1]
    first = [(Answer.id == i, n) for n, i in enumerate((q.accepted_answer_id, pinned_answer_id))
             if i is not None]
    order = ([case(*first, else_=len(first))] if first else []) + [
        Answer.score.desc(), Answer.created_at, Answer.id]
    answer_vote = (select(Vote.value).where(Vote.user_id == actor.id,
                                            Vote.entity_type == "answer",
                                            Vote.entity_id == Answer.id).scalar_subquery())
    answers_q = (select(Answer, User.name, answer_vote).join(User, User.id == Answer.author_id)
                 .order_by(*order))
    page = select(Answer.id).where(Answer.question_id == q.id, _seen_by(actor, Answer))
    if limit is not None:
        # Rank the question's answers on the narrow columns first, then read the bodies, names
        # and votes of the page only: a question with a thousand answers reads ten of them.
        page = page.order_by(*order).limit(limit)
    answers = session.execute(answers_q.where(Answer.id.in_(page))).all()
    answer_ids = [a.id for a, _, _ in answers]
    on = or_((Comment.entity_type == "question") & (Comment.entity_id == q.id),
             (Comment.entity_type == "answer") & Comment.entity_id.in_(answer_ids))
    comments: dict[tuple[str, int], list[CommentView]] = {}
    for c, name in session.execute(
            select(Comment, User.name).join(User, User.id == Comment.author_id)
            .where(on, _seen_by(actor, Comment)).order_by(Comment.created_at, Comment.id)):
        comments.setdefault((c.entity_type, c.entity_id), []).append(CommentView(
            c.id, c.entity_type, c.entity_id, c.parent_id, c.author_id, name, c.body,
            c.created_at, c.status))
    lesson = (q.lesson_id, row.lesson) if q.lesson_id is not None and row.lesson else None
    return QuestionDetail(
        id=q.id, title=q.title,
        question=Post("question", q.id, q.body, q.author_id, asker, q.created_at, q.edited_at,
                      q.score, q.status, row.my_vote or 0),
        tags=_tags_of(session, [q.id]).get(q.id, ()), lesson=lesson,
        answers=[Post("answer", a.id, a.body, a.author_id, name, a.created_at, a.edited_at,
                      a.score, a.status, vote or 0, a.id == q.accepted_answer_id)
                 for a, name, vote in answers],
        comments=comments, following=bool(row.following),
        can_accept=can_accept(actor, asker_id=q.author_id) and q.status == "visible",
        can_edit=_may_edit(actor, q.author_id), accepted_answer_id=q.accepted_answer_id,
        answer_count=int(row.n_answers or 0))


def record_view(session: Session, *, actor: Actor, question_id: int,
                now: datetime | None = None) -> bool:
    """Note that this person read the question (reader activity for engagement analytics; not
    audited): at most once per person, question and UTC day, so reruns and reloads do not
    inflate it. True when a view was recorded."""
    _member(actor)
    now = now or utcnow()
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    e = ActivityEvent
    seen_today = exists().where(e.user_id == actor.id, e.created_at >= day, e.kind == "view",
                                e.entity_type == "question", e.entity_id == question_id)
    # Read, then write: INSERT ... SELECT's rowcount is not reliable on every driver.
    visible_and_new = session.scalar(select(Question.id).where(
        Question.id == question_id, _seen_by(actor, Question), ~seen_today))
    if visible_and_new is None:
        return False
    activity.log(session, user_id=actor.id, kind="view", entity_type="question",
                 entity_id=question_id, at=now)
    return True


# --- notifications, with where each one leads -------------------------------------------------


@dataclass(frozen=True)
class NotificationRow:
    id: int
    kind: str
    text: str
    at: datetime
    unread: bool
    target: tuple[str, int] | None  # ("question" | "suggestion" | "lesson", id) to open


def notifications(session: Session, *, actor: Actor, before_id: int | None = None,
                  limit: int = 20) -> list[NotificationRow]:
    """A page of this person's notifications, newest first, each with the item it leads to."""
    _member(actor)
    items = notify.recent(session, user_id=actor.id, before_id=before_id, limit=limit)
    by_type: dict[str, set[int]] = {}
    for n in items:
        if n["entity_type"] and n["entity_id"] is not None:
            by_type.setdefault(n["entity_type"], set()).add(n["entity_id"])
    comment_on = {}
    if by_type.get("comment"):
        comment_on = {cid: (t, i) for cid, t, i in session.execute(
            select(Comment.id, Comment.entity_type, Comment.entity_id)
            .where(Comment.id.in_(by_type["comment"])))}
    answer_ids = set(by_type.get("answer", ())) | {i for t, i in comment_on.values()
                                                    if t == "answer"}
    question_of = {}
    if answer_ids:
        question_of = dict(session.execute(select(Answer.id, Answer.question_id)
                                           .where(Answer.id.in_(answer_ids))).all())
    # Lesson work (proposals, revisions to review) is read on the lesson's page.
    lesson_of: dict[tuple[str, int], int] = {}
    for etype, model in (("proposal", Proposal), ("lesson_revision", LessonRevision)):
        if by_type.get(etype):
            lesson_of |= {(etype, i): lid for i, lid in session.execute(
                select(model.id, model.lesson_id).where(model.id.in_(by_type[etype])))}

    def target(etype: str | None, eid: int | None) -> tuple[str, int] | None:
        if etype is None or eid is None:
            return None
        if etype == "comment":
            return target(*comment_on[eid]) if eid in comment_on else None
        if etype == "answer":
            return ("question", question_of[eid]) if eid in question_of else None
        if (etype, eid) in lesson_of:
            return ("lesson", lesson_of[(etype, eid)])
        return (etype, eid)

    return [NotificationRow(n["id"], n["kind"], n["text"], n["at"], n["unread"],
                            target(n["entity_type"], n["entity_id"])) for n in items]
