"""The training content board: courses, lessons, proposals, review with e-signatures, progress.

A lesson is a chain of immutable revisions. `Lesson.published_revision_id` is what learners read;
`Lesson.latest_revision_id` is what trainers work on. The newest revision moves

    draft -> in_review -> approved          (an approval signature publishes it)
    in_review -> draft                      (a reviewer sends it back)
    draft | in_review -> withdrawn          (a trainer discards it; the published one stays)

and every change to the text (an edit, an accepted proposal, a restore) is a new revision; the
one it replaces becomes `superseded`. So is the old published revision once a newer one is
approved. Four-eyes rule: `revision_contributors` lists everyone who wrote part of a revision
since the last approved one, and none of them may sign it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Select,
    and_,
    case,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session, aliased

from db import activity, audit, gamification, moderation, points, summaries
from db.actors import Actor, require
from db.errors import Conflict, NotFound, PermissionDenied, ValidationError
from db.models import (
    FUNCTIONS,
    PROPOSAL_KINDS,
    SIGNATURE_MEANINGS,
    AuditRecord,
    Comment,
    Course,
    CourseOwner,
    CourseTag,
    Lesson,
    LessonProgress,
    LessonRevision,
    Proposal,
    Question,
    RevisionContributor,
    Signature,
    Site,
    Tag,
    User,
    UserRole,
    utcnow,
)
from db.models import CourseProgress as CourseProgressSummary
from db.notify import notify
from db.seed import content_hash
from db.text import clean, fingerprint, like_pattern, search_term
from db.users import check_password

EVERYONE = ("learner", "trainer", "leader", "admin")
PROPOSERS = ("learner", "trainer")
TRAINERS = ("trainer",)
OPEN_STATES = ("draft", "in_review")  # a revision still being worked on
EXAMPLES_HEADING = "## From the team"
# Wrong signing passwords: after this many within the window, signing waits.
SIGNING_FAILURE_LIMIT = 5
SIGNING_FAILURE_WINDOW = timedelta(minutes=15)
LOW_RATING = 3.0
LOW_RATING_MIN_COUNT = 3
STALE_MONTHS = 12
STATUS_FILTERS = {  # browse filter -> label; the last four are for trainers only
    "not_completed": "Not completed by me",
    "completed": "Completed by me",
    "published": "Published",
    "draft": "Draft",
    "in_review": "In review",
    "proposals": "Has proposals waiting",
}
TRAINER_ONLY_FILTERS = ("draft", "in_review", "proposals")


# --- plain values handed to pages ------------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    id: int
    lesson_id: int
    number: int
    title: str
    body: str
    summary: str
    state: str
    author: str
    created_at: datetime
    content_hash: str
    based_on_id: int | None


@dataclass(frozen=True)
class LessonView:
    id: int
    course_id: int
    course_title: str
    position: int
    is_mandatory: bool
    published: Revision | None  # what learners read
    working: Revision | None  # the newer draft or revision in review, for trainers only
    co_authors: tuple[str, ...]
    last_reviewed_at: datetime | None
    prev_id: int | None
    next_id: int | None
    pending_proposals: int
    can_edit: bool
    can_propose: bool

    @property
    def latest(self) -> Revision:
        """The newest revision this person may see (a trainer's working draft, if any)."""
        return self.working or self.published  # type: ignore[return-value]


@dataclass(frozen=True)
class CourseRow:
    id: int
    title: str
    summary: str
    audience_function: str | None
    audience_site: str | None
    is_mandatory: bool
    owners: tuple[str, ...]
    tags: tuple[str, ...]
    lessons: int  # published lessons
    completed: int  # of those, completed by this person
    sort_key: str = ""  # the title as the database sorts it (the keyset for the next page)
    owner_ids: tuple[int, ...] = ()
    tag_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class LessonRow:
    id: int
    course_id: int
    course_title: str
    position: int
    title: str
    state: str  # state of the newest revision this person may see
    published: bool
    avg_rating: float | None
    ratings: int
    completed: bool
    course_key: str = ""  # the course title as the database sorts it (for the keyset)


@dataclass(frozen=True)
class Progress:
    completed_at: datetime | None
    rating: int | None
    liked: bool
    relevant: bool | None
    avg_rating: float | None
    ratings: int
    likes: int
    completions: int
    relevant_yes: int
    relevant_no: int


@dataclass(frozen=True)
class ProposalRow:
    id: int
    lesson_id: int
    kind: str
    summary: str
    body: str
    status: str
    proposer_id: int
    proposer: str
    created_at: datetime
    base_number: int
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    revision_number: int | None


@dataclass(frozen=True)
class ProposalPreview:
    proposal: ProposalRow
    current: Revision  # the version the proposal would change now
    proposed_body: str
    is_stale: bool  # written against an older version than `current`


@dataclass(frozen=True)
class SignatureRow:
    id: int
    revision_id: int
    revision_number: int
    printed_name: str
    meaning: str
    signed_at: datetime
    content_hash: str
    matches: bool  # the signed hash still equals the hash of the revision's text


@dataclass(frozen=True)
class SignOutcome:
    signed: bool
    published: bool = False
    signature_id: int | None = None
    message: str = ""


@dataclass(frozen=True)
class CommentRow:
    id: int
    parent_id: int | None
    author: str
    body: str
    created_at: datetime
    author_id: int | None = None
    status: str = "visible"  # others than "visible" only for their author and moderators


@dataclass(frozen=True)
class QuestionLink:
    id: int
    title: str
    answers: int


@dataclass(frozen=True)
class CourseProgress:
    course_id: int
    title: str
    completed: int
    total: int
    last_worked_at: datetime | None = None


@dataclass(frozen=True)
class InboxRow:
    lesson_id: int
    title: str
    course: str
    who: str
    when: datetime | None
    note: str
    proposal_id: int | None = None
    revision_id: int | None = None


@dataclass(frozen=True)
class Inbox:
    proposals: list[InboxRow]
    proposals_total: int
    to_sign: list[InboxRow]
    mine_in_review: list[InboxRow]
    to_sign_total: int
    mine_in_review_total: int
    low_rated: list[InboxRow]
    low_rated_total: int
    stale: list[InboxRow]
    stale_total: int


@dataclass(frozen=True)
class DiffHunk:
    """One changed stretch of text, old and new side by side; lines start '- ', '+ ' or '  '."""

    old: list[str]
    new: list[str]


# --- small helpers -------------------------------------------------------------------------


def _signed_in(actor: Actor) -> None:
    if actor.id is None:
        raise PermissionDenied("Sign in first.")
    require(actor, *EVERYONE)


def _title(value: str | None) -> str:
    return clean(value, field="title", label="The title", max_len=160, min_len=3,
                 single_line=True)


def _body(value: str | None) -> str:
    return clean(value, field="body", label="The lesson text", max_len=60_000, min_len=20)


def _summary(value: str | None, label: str = "The summary of the change") -> str:
    return clean(value, field="summary", label=label, max_len=300, min_len=3, single_line=True)


def _reason(value: str | None) -> str:
    return clean(value, field="reason", label="The reason", max_len=2000, min_len=5)


def _lesson_for_update(session: Session, lesson_id: int) -> Lesson:
    lesson = session.scalar(select(Lesson).where(Lesson.id == lesson_id).with_for_update())
    if lesson is None:
        raise NotFound("There is no such lesson.")
    return lesson


def _revision(session: Session, revision_id: int | None) -> LessonRevision:
    rev = session.get(LessonRevision, revision_id) if revision_id is not None else None
    if rev is None:
        raise NotFound("There is no such version of the lesson.")
    return rev


def _contributors(session: Session, revision_id: int) -> set[int]:
    return set(session.scalars(select(RevisionContributor.user_id)
                               .where(RevisionContributor.revision_id == revision_id)))


def _carried(session: Session, latest: LessonRevision) -> set[int]:
    """Contributors a new revision inherits: those of an unapproved draft it builds on."""
    return _contributors(session, latest.id) if latest.state in OPEN_STATES else set()


def _new_revision(session: Session, lesson: Lesson, *, title: str, body: str, summary: str,
                  author_id: int, contributors: set[int]) -> LessonRevision:
    """Add the next revision as a draft; the open one it replaces becomes superseded."""
    latest = session.get(LessonRevision, lesson.latest_revision_id) \
        if lesson.latest_revision_id else None
    number = (session.scalar(select(func.max(LessonRevision.number))
                             .where(LessonRevision.lesson_id == lesson.id)) or 0) + 1
    rev = LessonRevision(lesson_id=lesson.id, number=number, title=title, body=body,
                         summary=summary, state="draft", author_id=author_id,
                         based_on_id=latest.id if latest else None,
                         content_hash=content_hash(title, body), created_at=utcnow())
    session.add(rev)
    session.flush()
    session.add_all(RevisionContributor(revision_id=rev.id, user_id=u)
                    for u in sorted(contributors))
    if latest is not None and latest.state in OPEN_STATES:
        latest.state = "superseded"
    lesson.latest_revision_id = rev.id
    return rev


def _course_owner_ids(session: Session, course_id: int) -> list[int]:
    return list(session.scalars(select(CourseOwner.user_id)
                                .where(CourseOwner.course_id == course_id)))


def _as_revision(rev: LessonRevision, author: str) -> Revision:
    return Revision(rev.id, rev.lesson_id, rev.number, rev.title, rev.body, rev.summary,
                    rev.state, author, rev.created_at, rev.content_hash, rev.based_on_id)


def _like(term: str) -> str:
    return like_pattern(search_term(term))


def _visible_revision_column(actor: Actor):
    """Learners read the published revision; trainers work on the latest."""
    return Lesson.latest_revision_id if actor.has(*TRAINERS) else Lesson.published_revision_id


# --- courses --------------------------------------------------------------------------------


def tags(session: Session) -> list[tuple[int, str, str]]:
    """Every tag as (id, name, kind), grouped by kind."""
    rows = session.execute(select(Tag.id, Tag.name, Tag.kind).order_by(Tag.kind, Tag.name))
    return [(r.id, r.name, r.kind) for r in rows]


def trainers(session: Session) -> list[tuple[int, str]]:
    """Active trainers as (id, name), for choosing course owners."""
    rows = session.execute(
        select(User.id, User.name).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "trainer", User.is_active.is_(True)).order_by(User.name))
    return [(r.id, r.name) for r in rows]


@dataclass(frozen=True)
class _CourseInput:
    title: str
    summary: str
    audience_function: str | None
    audience_site: str | None
    site_id: int | None
    tag_ids: list[int]


def _course_input(session: Session, *, title: str, summary: str,
                  audience_function: str | None, audience_site: str | None,
                  tag_ids) -> _CourseInput:
    """A course's fields checked and cleaned; ValidationError on the first bad one."""
    title = _title(title)
    summary = clean(summary, field="summary", label="The course summary", max_len=2000,
                    min_len=10)
    audience_function = audience_function or None
    if audience_function is not None and audience_function not in FUNCTIONS:
        raise ValidationError("audience_function", "Pick a function from the list.")
    site_id = None
    if audience_site:
        site_id = session.scalar(select(Site.id).where(Site.name == audience_site))
        if site_id is None:
            raise ValidationError("audience_site", "Pick a site from the list.")
    tag_set = sorted(set(tag_ids or ()))
    if tag_set and len(session.scalars(select(Tag.id).where(Tag.id.in_(tag_set))).all()) \
            != len(tag_set):
        raise ValidationError("tags", "One of the tags does not exist any more.")
    return _CourseInput(title, summary, audience_function, audience_site or None, site_id,
                        tag_set)


def _check_owners(session: Session, owners: list[int], *, already: set[int] = frozenset()
                  ) -> None:
    """Owners must be trainers (those who already own the course may stay)."""
    if not owners:
        raise ValidationError("owners", "A course needs at least one owner trainer.")
    new = set(owners) - set(already)
    valid = set(session.scalars(select(UserRole.user_id).where(
        UserRole.role == "trainer", UserRole.user_id.in_(new))))
    if valid != new:
        raise ValidationError("owners", "Course owners must be trainers.")


def create_course(session: Session, *, actor: Actor, title: str, summary: str,
                  audience_function: str | None = None, audience_site: str | None = None,
                  tag_ids: list[int] | tuple[int, ...] = (),
                  owner_ids: list[int] | tuple[int, ...] = (),
                  is_mandatory: bool = False) -> int:
    """A new course owned by its creator (and any other trainers named); trainers only."""
    require(actor, *TRAINERS)
    data = _course_input(session, title=title, summary=summary,
                         audience_function=audience_function, audience_site=audience_site,
                         tag_ids=tag_ids)
    owners = sorted(set(owner_ids) | {actor.id})
    _check_owners(session, owners)
    course = Course(title=data.title, summary=data.summary,
                    audience_function=data.audience_function, audience_site_id=data.site_id,
                    is_mandatory=bool(is_mandatory), created_by=actor.id, created_at=utcnow())
    session.add(course)
    session.flush()
    session.add_all(CourseOwner(course_id=course.id, user_id=u) for u in owners)
    session.add_all(CourseTag(course_id=course.id, tag_id=t) for t in data.tag_ids)
    audit.record(session, actor=actor, action="course.created", entity_type="course",
                 entity_id=course.id,
                 after={"title": data.title, "owners": owners, "tags": data.tag_ids,
                        "audience_function": data.audience_function,
                        "audience_site": data.audience_site,
                        "is_mandatory": bool(is_mandatory)})
    return course.id


COURSE_EDITORS = ("trainer", "admin")


def can_edit_course(actor: Actor, owner_ids: tuple[int, ...] | list[int] | set[int]) -> bool:
    """Admins, and the trainers who own the course, may change it."""
    return actor.has("admin") or (actor.has(*TRAINERS) and actor.id in set(owner_ids))


def update_course(session: Session, *, actor: Actor, course_id: int, title: str, summary: str,
                  audience_function: str | None, audience_site: str | None,
                  tag_ids: list[int] | tuple[int, ...],
                  owner_ids: list[int] | tuple[int, ...]) -> bool:
    """Change a course's title, summary, audience, owners and tags (its owner trainers and
    admins). Returns False, storing nothing, when nothing changed."""
    _signed_in(actor)
    require(actor, *COURSE_EDITORS)
    course = session.scalar(select(Course).where(Course.id == course_id).with_for_update())
    if course is None:
        raise NotFound("There is no such course.")
    current_owners = set(_course_owner_ids(session, course_id))
    if not can_edit_course(actor, current_owners):
        raise PermissionDenied("Only the trainers who own this course, and administrators, "
                               "may change it.")
    data = _course_input(session, title=title, summary=summary,
                         audience_function=audience_function, audience_site=audience_site,
                         tag_ids=tag_ids)
    owners = sorted(set(owner_ids or ()))
    _check_owners(session, owners, already=current_owners)
    current_tags = sorted(session.scalars(select(CourseTag.tag_id)
                                          .where(CourseTag.course_id == course_id)))
    site_name = session.scalar(select(Site.name).where(Site.id == course.audience_site_id)) \
        if course.audience_site_id is not None else None
    before = {"title": course.title, "summary": course.summary,
              "audience_function": course.audience_function, "audience_site": site_name,
              "owners": sorted(current_owners), "tags": current_tags}
    after = {"title": data.title, "summary": data.summary,
             "audience_function": data.audience_function, "audience_site": data.audience_site,
             "owners": owners, "tags": data.tag_ids}
    changed = {k for k in after if after[k] != before[k]}
    if not changed:
        return False
    course.title, course.summary = data.title, data.summary
    course.audience_function, course.audience_site_id = data.audience_function, data.site_id
    if "owners" in changed:
        session.execute(delete(CourseOwner).where(CourseOwner.course_id == course_id,
                                                  CourseOwner.user_id.not_in(owners)))
        session.add_all(CourseOwner(course_id=course_id, user_id=u)
                        for u in owners if u not in current_owners)
    if "tags" in changed:
        session.execute(delete(CourseTag).where(CourseTag.course_id == course_id,
                                                CourseTag.tag_id.not_in(data.tag_ids)))
        session.add_all(CourseTag(course_id=course_id, tag_id=t)
                        for t in data.tag_ids if t not in current_tags)
    audit.record(session, actor=actor, action="course.updated", entity_type="course",
                 entity_id=course_id, before={k: before[k] for k in sorted(changed)},
                 after={k: after[k] for k in sorted(changed)})
    session.flush()
    return True


def _course_rows(actor: Actor):
    """Courses with their published-lesson count and this person's completions (a select)."""
    completed = and_(LessonProgress.lesson_id == Lesson.id,
                     LessonProgress.user_id == actor.id,
                     LessonProgress.completed_at.is_not(None))
    q = (select(Course.id, Course.title, Course.summary, Course.audience_function,
                Site.name.label("site"), Course.is_mandatory,
                func.count(Lesson.id).label("lessons"),
                func.count(LessonProgress.lesson_id).label("completed"),
                func.lower(Course.title).label("sort_key"))
         .outerjoin(Site, Site.id == Course.audience_site_id)
         .outerjoin(Lesson, and_(Lesson.course_id == Course.id,
                                 Lesson.published_revision_id.is_not(None)))
         .outerjoin(LessonProgress, completed)
         .group_by(Course.id, Course.title, Course.summary, Course.audience_function,
                   Site.name, Course.is_mandatory))
    if not actor.has(*TRAINERS):  # a course without a published lesson is a trainers' draft
        q = q.having(func.count(Lesson.id) > 0)
    return q


def _as_courses(session: Session, rows) -> list[CourseRow]:
    owners, tag_names = _owners_and_tags(session, [r.id for r in rows])
    return [CourseRow(r.id, r.title, r.summary, r.audience_function, r.site, r.is_mandatory,
                      tuple(n for _, n in owners.get(r.id, ())),
                      tuple(n for _, n in tag_names.get(r.id, ())), int(r.lessons),
                      int(r.completed), r.sort_key,
                      tuple(i for i, _ in owners.get(r.id, ())),
                      tuple(i for i, _ in tag_names.get(r.id, ()))) for r in rows]


def courses(session: Session, *, actor: Actor, search: str = "", tag_id: int | None = None,
            after: tuple[str, int] | None = None, limit: int = 20) -> list[CourseRow]:
    """A page of courses by title (keyset on (sort_key, id)), with this person's progress."""
    _signed_in(actor)
    q = _course_rows(actor)
    term = search.strip()
    if term:
        q = q.where(or_(Course.title.ilike(_like(term), escape="\\"),
                        Course.summary.ilike(_like(term), escape="\\")))
    if tag_id is not None:
        q = q.where(Course.id.in_(select(CourseTag.course_id).where(CourseTag.tag_id == tag_id)))
    key = func.lower(Course.title)
    if after is not None:
        q = q.where(tuple_(key, Course.id) > tuple_(*after))
    return _as_courses(session, session.execute(q.order_by(key, Course.id).limit(limit)).all())


def course(session: Session, *, actor: Actor, course_id: int) -> CourseRow:
    """One course with its owners, tags and this person's progress."""
    _signed_in(actor)
    rows = session.execute(_course_rows(actor).where(Course.id == course_id)).all()
    if not rows:
        raise NotFound("There is no such course, or none of its lessons is published yet.")
    return _as_courses(session, rows)[0]


def _owners_and_tags(session: Session, course_ids: list[int]
                     ) -> tuple[dict[int, list[tuple[int, str]]],
                                dict[int, list[tuple[int, str]]]]:
    """(id, name) of the owners and of the tags of several courses, in one statement."""
    if not course_ids:
        return {}, {}
    owner_q = (select(CourseOwner.course_id, User.id.label("ref"), User.name.label("name"),
                      literal_column("'owner'").label("kind"))
               .join(User, User.id == CourseOwner.user_id)
               .where(CourseOwner.course_id.in_(course_ids)))
    tag_q = (select(CourseTag.course_id, Tag.id.label("ref"), Tag.name.label("name"),
                    Tag.kind.label("kind"))
             .join(Tag, Tag.id == CourseTag.tag_id)
             .where(CourseTag.course_id.in_(course_ids)))
    both = owner_q.union_all(tag_q).subquery()
    rows = session.execute(select(both).order_by(both.c.course_id, both.c.kind, both.c.name))
    owners: dict[int, list[tuple[int, str]]] = {}
    tag_names: dict[int, list[tuple[int, str]]] = {}
    for r in rows:
        (owners if r.kind == "owner" else tag_names).setdefault(r.course_id, []).append(
            (r.ref, r.name))
    return owners, tag_names


def progress_by_course(session: Session, *, actor: Actor, limit: int = 50
                       ) -> list[CourseProgress]:
    """Courses this person has started: lessons completed out of those published."""
    _signed_in(actor)
    mine = and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == actor.id,
                LessonProgress.completed_at.is_not(None))
    done = func.count(LessonProgress.lesson_id)
    rows = session.execute(
        select(Course.id, Course.title, done.label("done"), func.count(Lesson.id).label("total"))
        .join(Lesson, and_(Lesson.course_id == Course.id,
                           Lesson.published_revision_id.is_not(None)))
        .outerjoin(LessonProgress, mine)
        .group_by(Course.id, Course.title).having(done > 0)
        .order_by((done * 1.0 / func.count(Lesson.id)).desc(), Course.title).limit(limit)).all()
    return [CourseProgress(r.id, r.title, int(r.done), int(r.total)) for r in rows]


def courses_under_way(session: Session, *, actor: Actor, limit: int = 3) -> list[CourseProgress]:
    """Courses this person has started and not finished, the most recently worked on first.

    Reads the course_progress summary (one row per person and course they have worked on),
    not every lesson's progress as progress_by_course does for the full list."""
    _signed_in(actor)
    row = CourseProgressSummary
    total = (select(func.count(Lesson.id))
             .where(Lesson.course_id == row.course_id, Lesson.published_revision_id.is_not(None))
             .correlate(row).scalar_subquery())
    rows = session.execute(
        select(Course.id, Course.title, row.completed, total.label("total"), row.last_worked_at)
        .join(Course, Course.id == row.course_id)
        .where(row.user_id == actor.id, row.completed < total)
        .order_by(row.last_worked_at.desc(), Course.id).limit(limit)).all()
    return [CourseProgress(r.id, r.title, int(r.completed), int(r.total), r.last_worked_at)
            for r in rows]


# --- lessons: browse, read -------------------------------------------------------------------


def lessons(session: Session, *, actor: Actor, course_id: int | None = None,
            tag_id: int | None = None, status: str | None = None, search: str = "",
            after: tuple[str, int, int, int] | None = None, limit: int = 25) -> list[LessonRow]:
    """A page of lessons in course order (keyset on (course_key, course, position, lesson)).

    Learners, leaders and admins see published lessons only; trainers see drafts too.
    `search` looks in lesson titles and text and in course titles.
    """
    _signed_in(actor)
    if status is not None and status not in STATUS_FILTERS:
        raise ValidationError("status", "Pick a status from the list.")
    is_trainer = actor.has(*TRAINERS)
    if status in TRAINER_ONLY_FILTERS and not is_trainer:
        raise PermissionDenied("Only trainers see lessons that are not published.")
    rev = aliased(LessonRevision)
    mine = aliased(LessonProgress)
    course_key = func.lower(Course.title)
    q = (select(Lesson.id, Lesson.course_id, Course.title.label("course_title"),
                Lesson.position, rev.title, rev.state,
                Lesson.published_revision_id, mine.completed_at,
                course_key.label("course_key"))
         .join(Course, Course.id == Lesson.course_id)
         .join(rev, rev.id == _visible_revision_column(actor))
         .outerjoin(mine, and_(mine.lesson_id == Lesson.id, mine.user_id == actor.id)))
    if course_id is not None:
        q = q.where(Lesson.course_id == course_id)
    if tag_id is not None:
        q = q.where(Lesson.course_id.in_(
            select(CourseTag.course_id).where(CourseTag.tag_id == tag_id)))
    term = search.strip()
    if term:
        pattern = _like(term)
        q = q.where(or_(rev.title.ilike(pattern, escape="\\"),
                        rev.body.ilike(pattern, escape="\\"),
                        Course.title.ilike(pattern, escape="\\")))
    if status == "completed":
        q = q.where(mine.completed_at.is_not(None))
    elif status == "not_completed":
        q = q.where(mine.completed_at.is_(None))
    elif status == "published":
        q = q.where(Lesson.published_revision_id.is_not(None))
    elif status in ("draft", "in_review"):
        q = q.where(rev.state == status)
    elif status == "proposals":
        q = q.where(exists().where(Proposal.lesson_id == Lesson.id,
                                   Proposal.status == "pending"))
    if after is not None:
        q = q.where(tuple_(course_key, Course.id, Lesson.position, Lesson.id)
                    > tuple_(*after))
    rows = session.execute(
        q.order_by(course_key, Course.id, Lesson.position, Lesson.id).limit(limit)).all()
    # Ratings of this page's lessons only, in a second query: in the first, SQLite would work
    # them out for every lesson before sorting and keeping 25.
    lp = LessonProgress
    ratings = {lid: (avg, n) for lid, avg, n in session.execute(
        select(lp.lesson_id, func.avg(lp.rating), func.count(lp.rating))
        .where(lp.lesson_id.in_([r.id for r in rows])).group_by(lp.lesson_id))} if rows else {}
    out = []
    for r in rows:
        avg, n = ratings.get(r.id, (None, 0))
        out.append(LessonRow(r.id, r.course_id, r.course_title, r.position, r.title,
                             "approved" if r.published_revision_id is not None and not is_trainer
                             else r.state, r.published_revision_id is not None,
                             float(avg) if avg is not None else None, int(n or 0),
                             r.completed_at is not None, r.course_key))
    return out


def lesson_view(session: Session, *, actor: Actor, lesson_id: int) -> LessonView:
    """The lesson as this person may see it: learners the published version only."""
    _signed_in(actor)
    pub, lat = aliased(LessonRevision), aliased(LessonRevision)
    pub_author, lat_author = aliased(User), aliased(User)
    sibling = aliased(Lesson)
    is_trainer = actor.has(*TRAINERS)
    visible = sibling.latest_revision_id if is_trainer else sibling.published_revision_id
    prev_id = (select(sibling.id).where(sibling.course_id == Lesson.course_id,
                                        sibling.position < Lesson.position, visible.is_not(None))
               .order_by(sibling.position.desc()).limit(1).scalar_subquery())
    next_id = (select(sibling.id).where(sibling.course_id == Lesson.course_id,
                                        sibling.position > Lesson.position, visible.is_not(None))
               .order_by(sibling.position).limit(1).scalar_subquery())
    pending = (select(func.count(Proposal.id))
               .where(Proposal.lesson_id == Lesson.id, Proposal.status == "pending")
               .scalar_subquery())
    row = session.execute(
        select(Lesson, Course.title, Course.is_mandatory, pub, pub_author.name, lat,
               lat_author.name, prev_id.label("prev_id"), next_id.label("next_id"),
               pending.label("pending"))
        .join(Course, Course.id == Lesson.course_id)
        .outerjoin(pub, pub.id == Lesson.published_revision_id)
        .outerjoin(pub_author, pub_author.id == pub.author_id)
        .outerjoin(lat, lat.id == Lesson.latest_revision_id)
        .outerjoin(lat_author, lat_author.id == lat.author_id)
        .where(Lesson.id == lesson_id)).first()
    if row is None:
        raise NotFound("There is no such lesson.")
    lesson, course_title, mandatory, p, p_author, latest, l_author, prev, nxt, n_pending = row
    published = _as_revision(p, p_author) if p is not None else None
    working = None
    if is_trainer and latest is not None and (p is None or latest.id != p.id):
        working = _as_revision(latest, l_author)
    if published is None and working is None:
        raise NotFound("This lesson is not published yet.")
    shown = published or working
    # Co-authors are the writers of every approved version up to the shown one, and of the
    # shown one itself: a discarded draft's text never reached learners, so neither do its
    # writers (a restore carries the old writers into the new version, so none is lost).
    approved = exists().where(Signature.revision_id == LessonRevision.id,
                              Signature.meaning == "approved")
    co_authors = tuple(session.scalars(
        select(User.name).join(RevisionContributor, RevisionContributor.user_id == User.id)
        .join(LessonRevision, LessonRevision.id == RevisionContributor.revision_id)
        .where(LessonRevision.lesson_id == lesson_id, LessonRevision.number <= shown.number,
               or_(LessonRevision.id == shown.id, approved))
        .group_by(User.id, User.name).order_by(func.min(LessonRevision.number), User.name)))
    return LessonView(lesson.id, lesson.course_id, course_title, lesson.position,
                      bool(mandatory), published, working, co_authors,
                      lesson.last_reviewed_at, prev, nxt, int(n_pending) if is_trainer else 0,
                      can_edit=is_trainer, can_propose=actor.has(*PROPOSERS))


def record_view(session: Session, *, actor: Actor, lesson_id: int) -> None:
    """Note that this person opened the lesson (engagement analytics; not audited)."""
    _signed_in(actor)
    activity.log(session, user_id=actor.id, kind="view", entity_type="lesson",
                 entity_id=lesson_id)


def course_lessons(session: Session, *, actor: Actor, course_id: int) -> list[LessonRow]:
    """Every lesson of one course in order (a course holds a handful, so no paging)."""
    return lessons(session, actor=actor, course_id=course_id, limit=500)


# --- lessons: writing and the state machine ------------------------------------------------


def create_lesson(session: Session, *, actor: Actor, course_id: int, title: str, body: str,
                  summary: str = "First version") -> int:
    """A new lesson at the end of the course, as a first draft; trainers only."""
    require(actor, *TRAINERS)
    title, body, summary = _title(title), _body(body), _summary(summary)
    course_row = session.get(Course, course_id)
    if course_row is None:
        raise NotFound("There is no such course.")
    position = (session.scalar(select(func.max(Lesson.position))
                               .where(Lesson.course_id == course_id)) or 0) + 1
    lesson = Lesson(course_id=course_id, position=position, created_at=utcnow())
    session.add(lesson)
    session.flush()
    rev = _new_revision(session, lesson, title=title, body=body, summary=summary,
                        author_id=actor.id, contributors={actor.id})
    audit.record(session, actor=actor, action="lesson.created", entity_type="lesson",
                 entity_id=lesson.id, after={"course_id": course_id, "position": position,
                                             "revision": rev.number, "title": title,
                                             "content_hash": rev.content_hash})
    return lesson.id


def move_lesson(session: Session, *, actor: Actor, lesson_id: int, offset: int) -> None:
    """Move a lesson up (-1) or down (+1) in its course by swapping it with its neighbour."""
    require(actor, *TRAINERS)
    if offset not in (-1, 1):
        raise ValidationError("position", "A lesson moves one place up or down.")
    lesson = _lesson_for_update(session, lesson_id)
    nearer = Lesson.position < lesson.position if offset < 0 else Lesson.position > lesson.position
    neighbour = session.scalar(
        select(Lesson).where(Lesson.course_id == lesson.course_id, nearer)
        .order_by(Lesson.position.desc() if offset < 0 else Lesson.position).limit(1)
        .with_for_update())
    if neighbour is None:
        raise Conflict("The lesson is already " + ("first." if offset < 0 else "last."))
    before = lesson.position
    lesson.position, neighbour.position = neighbour.position, lesson.position
    audit.record(session, actor=actor, action="lesson.moved", entity_type="lesson",
                 entity_id=lesson.id, before={"position": before},
                 after={"position": lesson.position, "swapped_with": neighbour.id})


def save_draft(session: Session, *, actor: Actor, lesson_id: int, title: str, body: str,
               summary: str, expected_revision_id: int) -> int:
    """Save an edit as a new draft revision; the published version stays until approved.

    `expected_revision_id` is the version the editor started from: if someone changed the
    lesson since, nothing is saved (their work would otherwise be overwritten unseen).
    """
    require(actor, *TRAINERS)
    title, body, summary = _title(title), _body(body), _summary(summary)
    lesson = _lesson_for_update(session, lesson_id)
    latest = _revision(session, lesson.latest_revision_id)
    _expect_latest(latest, expected_revision_id)
    if latest.title == title and latest.body == body:
        raise ValidationError("body", "Nothing has changed: edit the text before saving.")
    rev = _new_revision(session, lesson, title=title, body=body, summary=summary,
                        author_id=actor.id, contributors=_carried(session, latest) | {actor.id})
    audit.record(session, actor=actor, action="lesson.draft_saved", entity_type="lesson",
                 entity_id=lesson.id,
                 before={"revision": latest.number, "state": latest.state},
                 after={"revision": rev.number, "state": "draft", "summary": summary,
                        "content_hash": rev.content_hash})
    return rev.id


def _expect_latest(latest: LessonRevision, expected_revision_id: int | None) -> None:
    if expected_revision_id is not None and latest.id != expected_revision_id:
        raise Conflict(f"Someone changed this lesson while you were working (it is now at "
                       f"version {latest.number}). Nothing was saved: reload the lesson and "
                       "apply your change again.")


def submit_for_review(session: Session, *, actor: Actor, lesson_id: int,
                      revision_id: int) -> None:
    """Draft -> in review; trainers who wrote none of it are asked to sign it."""
    require(actor, *TRAINERS)
    lesson = _lesson_for_update(session, lesson_id)
    rev = _revision(session, lesson.latest_revision_id)
    _expect_latest(rev, revision_id)
    if rev.state != "draft":
        raise Conflict(f"Only a draft can be sent for review; version {rev.number} is "
                       f"{rev.state.replace('_', ' ')}.")
    rev.state = "in_review"
    writers = _contributors(session, rev.id)
    owners = set(_course_owner_ids(session, lesson.course_id)) - writers
    if not owners:  # nobody on the course may sign it: ask every other trainer
        owners = {u for u, _ in trainers(session)} - writers
    notify(session, user_ids=owners, kind="review_requested",
           text=f"{actor.name or actor.username} asked you to review “{rev.title}” "
                f"(version {rev.number}).",
           entity_type="lesson_revision", entity_id=rev.id, actor_id=actor.id)
    audit.record(session, actor=actor, action="lesson.submitted_for_review",
                 entity_type="lesson", entity_id=lesson.id,
                 before={"revision": rev.number, "state": "draft"},
                 after={"revision": rev.number, "state": "in_review"})


def return_to_draft(session: Session, *, actor: Actor, lesson_id: int, revision_id: int,
                    reason: str) -> None:
    """In review -> draft, with a reason the writers are told."""
    require(actor, *TRAINERS)
    reason = _reason(reason)
    lesson = _lesson_for_update(session, lesson_id)
    rev = _revision(session, lesson.latest_revision_id)
    _expect_latest(rev, revision_id)
    if rev.state != "in_review":
        raise Conflict("Only a version in review can be sent back to draft.")
    rev.state = "draft"
    notify(session, user_ids=_contributors(session, rev.id), kind="review_returned",
           text=f"{actor.name or actor.username} sent “{rev.title}” back to draft: {reason}",
           entity_type="lesson", entity_id=lesson.id, actor_id=actor.id)
    audit.record(session, actor=actor, action="lesson.returned_to_draft", entity_type="lesson",
                 entity_id=lesson.id, before={"revision": rev.number, "state": "in_review"},
                 after={"revision": rev.number, "state": "draft"}, reason=reason)


def discard_draft(session: Session, *, actor: Actor, lesson_id: int, revision_id: int,
                  reason: str) -> None:
    """Withdraw an unpublished draft; learners keep reading the published version."""
    require(actor, *TRAINERS)
    reason = _reason(reason)
    lesson = _lesson_for_update(session, lesson_id)
    rev = _revision(session, lesson.latest_revision_id)
    _expect_latest(rev, revision_id)
    if rev.state not in OPEN_STATES:
        raise Conflict("There is no draft to discard.")
    if lesson.published_revision_id is None:
        raise Conflict("This lesson has never been published, so there is nothing to go back "
                       "to: edit the draft instead.")
    rev.state = "withdrawn"
    lesson.latest_revision_id = lesson.published_revision_id
    audit.record(session, actor=actor, action="lesson.draft_discarded", entity_type="lesson",
                 entity_id=lesson.id, before={"revision": rev.number, "state": "draft"},
                 after={"revision": rev.number, "state": "withdrawn"}, reason=reason)


def restore_revision(session: Session, *, actor: Actor, lesson_id: int, revision_id: int,
                     expected_revision_id: int, summary: str | None = None) -> int:
    """Bring back the text of an earlier revision as a new draft (history is never rewritten)."""
    require(actor, *TRAINERS)
    lesson = _lesson_for_update(session, lesson_id)
    old = _revision(session, revision_id)
    if old.lesson_id != lesson.id:
        raise NotFound("That version belongs to another lesson.")
    latest = _revision(session, lesson.latest_revision_id)
    _expect_latest(latest, expected_revision_id)
    if (old.title, old.body) == (latest.title, latest.body):
        raise Conflict(f"Version {old.number} has the same text as the current version.")
    summary = _summary(summary or f"Restored the text of version {old.number}")
    # The restored text was written by the old version's contributors: they may not sign it.
    writers = _carried(session, latest) | _contributors(session, old.id) | {actor.id}
    rev = _new_revision(session, lesson, title=old.title, body=old.body, summary=summary,
                        author_id=actor.id, contributors=writers)
    audit.record(session, actor=actor, action="lesson.restored", entity_type="lesson",
                 entity_id=lesson.id, before={"revision": latest.number},
                 after={"revision": rev.number, "restored_from": old.number,
                        "content_hash": rev.content_hash})
    return rev.id


def revision_contributors(session: Session, *, revision_id: int) -> list[tuple[int, str]]:
    """(id, name) of everyone who wrote part of a revision: none of them may sign it."""
    rows = session.execute(
        select(User.id, User.name).join(RevisionContributor,
                                        RevisionContributor.user_id == User.id)
        .where(RevisionContributor.revision_id == revision_id).order_by(User.name))
    return [(r.id, r.name) for r in rows]


# --- signatures -----------------------------------------------------------------------------


def failed_signings(session: Session, *, user_id: int, since: datetime) -> int:
    """Wrong signing passwords this person entered since `since` (from the audit trail)."""
    return session.scalar(select(func.count(AuditRecord.id)).where(
        AuditRecord.actor_id == user_id, AuditRecord.at >= since,
        AuditRecord.action == "signature.failed")) or 0


def failed_signatures_query(days: int = 30) -> Select:
    """SQL counting wrong signing passwords by anyone in the last `days` days. No permission
    check: callers show it to admins only."""
    return select(func.count(AuditRecord.id)).where(
        AuditRecord.action == "signature.failed",
        AuditRecord.at >= utcnow() - timedelta(days=days))


def failed_signature_count(session: Session, *, actor: Actor, days: int = 30) -> int:
    """Wrong signing passwords by anyone in the last `days` days; admins only."""
    require(actor, "admin")
    return session.scalar(failed_signatures_query(days)) or 0


def sign_revision(session: Session, *, actor: Actor, revision_id: int, password: str,
                  meaning: str, seen_hash: str) -> SignOutcome:
    """Electronically sign a revision: re-enter the password and pick what the signature means.

    "approved" on a revision in review publishes it. "reviewed" records a review: of a version
    in review, or (a periodic review) of the published version, which resets its review date.
    Nobody who wrote any part of the revision may sign it. `seen_hash` is the hash of the text
    shown to the signer: the signature binds to exactly that text.

    A wrong password is not an exception: the failure must be recorded (and admins told) in
    this transaction, so it returns SignOutcome(signed=False) and the caller commits.
    """
    require(actor, *TRAINERS)
    if meaning not in SIGNATURE_MEANINGS:
        raise ValidationError("meaning", "Pick what your signature means: reviewed or approved.")
    rev = _revision(session, revision_id)
    lesson = _lesson_for_update(session, rev.lesson_id)
    is_published = rev.id == lesson.published_revision_id and rev.state == "approved"
    if rev.state != "in_review" and not (is_published and meaning == "reviewed"):
        if is_published:
            raise Conflict("This version is already approved; you can only sign it as "
                           "reviewed (a periodic review).")
        raise Conflict(f"Version {rev.number} is {rev.state.replace('_', ' ')}: only a version "
                       "in review can be signed.")
    if actor.id in _contributors(session, rev.id):
        raise PermissionDenied("You wrote part of this version, so another trainer must sign "
                               "it (four-eyes rule).")
    text_hash = content_hash(rev.title, rev.body)
    if seen_hash != text_hash:
        raise Conflict("The text changed after you opened it. Nothing was signed: reload and "
                       "read the current text before signing.")
    already = session.scalar(select(Signature.id).where(
        Signature.revision_id == rev.id, Signature.signer_id == actor.id,
        Signature.meaning == meaning))
    if already is not None and not is_published:
        raise Conflict(f"You have already signed version {rev.number} as {meaning}.")
    now = utcnow()
    user = session.get(User, actor.id)
    recent = failed_signings(session, user_id=actor.id, since=now - SIGNING_FAILURE_WINDOW)
    if recent >= SIGNING_FAILURE_LIMIT:
        raise Conflict("Signing is paused after too many wrong passwords; administrators have "
                       "been told. Try again in 15 minutes.")
    if user is None or not user.is_active or not check_password(password or "",
                                                                user.password_hash):
        return _signing_failed(session, actor=actor, rev=rev, meaning=meaning,
                               failures=recent + 1)
    sig = Signature(revision_id=rev.id, signer_id=actor.id, printed_name=user.name,
                    meaning=meaning, content_hash=text_hash, signed_at=now)
    session.add(sig)
    session.flush()
    audit.record(session, actor=actor, action="signature.signed", entity_type="lesson_revision",
                 entity_id=rev.id, after={"signature": sig.id, "printed_name": user.name,
                                          "meaning": meaning, "content_hash": text_hash,
                                          "signed_at": now, "revision": rev.number,
                                          "lesson": lesson.id})
    writers = _contributors(session, rev.id)
    if meaning == "reviewed":
        if is_published:
            lesson.last_reviewed_at = now
        notify(session, user_ids=writers, kind="lesson_reviewed",
               text=f"{user.name} signed “{rev.title}” (version {rev.number}) as reviewed.",
               entity_type="lesson", entity_id=lesson.id, actor_id=actor.id)
        return SignOutcome(True, False, sig.id, f"Signed version {rev.number} as reviewed.")
    before = {"published_revision": lesson.published_revision_id}
    if lesson.published_revision_id is not None:
        session.get(LessonRevision, lesson.published_revision_id).state = "superseded"
    rev.state = "approved"
    lesson.published_revision_id = rev.id
    lesson.latest_revision_id = rev.id
    lesson.last_reviewed_at = now
    audit.record(session, actor=actor, action="lesson.approved", entity_type="lesson",
                 entity_id=lesson.id, before=before,
                 after={"published_revision": rev.id, "revision": rev.number,
                        "content_hash": text_hash})
    notify(session, user_ids=writers, kind="lesson_published",
           text=f"“{rev.title}” (version {rev.number}) is approved and published.",
           entity_type="lesson", entity_id=lesson.id, actor_id=actor.id)
    # Publishing gives no points, so no ledger action checks the co-author badge: check it
    # here, or it would wait until its owner opened their profile.
    for writer in sorted(writers):
        gamification.check_badges(session, user_id=writer, keys=["co_author"], now=now)
    return SignOutcome(True, True, sig.id,
                       f"Signed and published version {rev.number}.")


def _signing_failed(session: Session, *, actor: Actor, rev: LessonRevision, meaning: str,
                    failures: int) -> SignOutcome:
    audit.record(session, actor=actor, action="signature.failed", entity_type="lesson_revision",
                 entity_id=rev.id, after={"meaning": meaning, "revision": rev.number,
                                          "lesson": rev.lesson_id,
                                          "failures_in_15_minutes": failures},
                 reason="wrong password")
    admins = session.scalars(select(User.id).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == "admin", User.is_active.is_(True)))
    notify(session, user_ids=admins, kind="signature_failed",
           text=f"Wrong password when {actor.name or actor.username} tried to sign “{rev.title}” "
                f"(version {rev.number}): {failures} failed signing attempt(s) in 15 minutes. "
                "Filter the audit trail by signature.failed to see them all.",
           entity_type="lesson_revision", entity_id=rev.id, actor_id=actor.id)
    left = SIGNING_FAILURE_LIMIT - failures
    message = "Wrong password: nothing was signed. Failed attempts are reported to administrators."
    if left <= 2:
        message += (f" {left} more wrong attempt(s) pause signing for 15 minutes." if left > 0
                    else " Signing is now paused for 15 minutes.")
    return SignOutcome(False, message=message)


def signatures(session: Session, *, actor: Actor, lesson_id: int) -> list[SignatureRow]:
    """The signature manifest of a lesson, newest first, each checked against its text.

    Learners see the signatures of versions that were published; trainers see them all.
    """
    _signed_in(actor)
    q = (select(Signature, LessonRevision.number, LessonRevision.title, LessonRevision.body)
         .join(LessonRevision, LessonRevision.id == Signature.revision_id)
         .where(LessonRevision.lesson_id == lesson_id))
    if not actor.has(*TRAINERS):
        approval = aliased(Signature)
        q = q.where(LessonRevision.id.in_(
            select(approval.revision_id).where(approval.meaning == "approved")))
    rows = session.execute(q.order_by(Signature.signed_at.desc(), Signature.id.desc())).all()
    return [SignatureRow(sig.id, sig.revision_id, number, sig.printed_name, sig.meaning,
                         sig.signed_at, sig.content_hash,
                         sig.content_hash == content_hash(title, body))
            for sig, number, title, body in rows]


def manifest_rows(rows: list[SignatureRow], *, lesson_title: str) -> list[dict]:
    """Signature manifest rows for CSV export."""
    return [{"lesson": lesson_title, "version": r.revision_number,
             "printed_name": r.printed_name, "meaning": r.meaning,
             "signed_at_utc": r.signed_at.isoformat(timespec="seconds"),
             "content_sha256": r.content_hash,
             "text_matches": "yes" if r.matches else "NO: text changed after signing"}
            for r in rows]


# --- proposals ------------------------------------------------------------------------------


def propose(session: Session, *, actor: Actor, lesson_id: int, kind: str, body: str,
            summary: str, base_revision_id: int) -> int:
    """A learner's (or trainer's) proposed edit or real-life example, for a trainer to decide."""
    require(actor, *PROPOSERS)
    if kind not in PROPOSAL_KINDS:
        raise ValidationError("kind", "Choose an edit or an example.")
    if kind == "edit":
        body = _body(body)
    else:
        body = clean(body, field="body", label="The example", max_len=5000, min_len=20)
    summary = _summary(summary, "Why (a short summary)")
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or (lesson.published_revision_id is None and not actor.has(*TRAINERS)):
        raise NotFound("There is no such published lesson.")
    base = _revision(session, base_revision_id)
    if base.lesson_id != lesson_id or (base.state not in ("approved", "superseded")
                                       and not actor.has(*TRAINERS)):
        raise NotFound("That version of the lesson is not one you can propose changes to.")
    if kind == "edit" and body == base.body:
        raise ValidationError("body", "Your text is the same as the lesson: change something "
                                      "before sending it.")
    mine = session.scalars(select(Proposal.body).where(
        Proposal.lesson_id == lesson_id, Proposal.proposer_id == actor.id,
        Proposal.status == "pending")).all()
    if fingerprint(body) in {fingerprint(b) for b in mine}:
        raise Conflict("You have already proposed this; it is waiting for a trainer.")
    proposal = Proposal(lesson_id=lesson_id, base_revision_id=base.id, proposer_id=actor.id,
                        kind=kind, body=body, summary=summary, status="pending",
                        created_at=utcnow())
    session.add(proposal)
    session.flush()
    owners = _course_owner_ids(session, lesson.course_id)
    notify(session, user_ids=owners, kind="proposal",
           text=f"{actor.name or actor.username} proposed "
                f"{'an example for' if kind == 'example' else 'a change to'} “{base.title}”.",
           entity_type="proposal", entity_id=proposal.id, actor_id=actor.id)
    activity.log(session, user_id=actor.id, kind="post", entity_type="proposal",
                 entity_id=proposal.id, at=proposal.created_at)
    audit.record(session, actor=actor, action="proposal.created", entity_type="proposal",
                 entity_id=proposal.id, after={"lesson": lesson_id, "kind": kind,
                                               "base_revision": base.number, "summary": summary})
    return proposal.id


def proposed_text(kind: str, current_body: str, proposal_body: str) -> str:
    """The lesson text once a proposal is applied: an edit replaces it, an example is added."""
    if kind == "edit":
        return proposal_body
    joiner = "\n\n" if EXAMPLES_HEADING in current_body else f"\n\n{EXAMPLES_HEADING}\n\n"
    return current_body.rstrip() + joiner + proposal_body.strip()


def _proposal_rows(session: Session, q) -> list[ProposalRow]:
    proposer, decider = aliased(User), aliased(User)
    base, made = aliased(LessonRevision), aliased(LessonRevision)
    rows = session.execute(
        q.add_columns(proposer.name, base.number, decider.name, made.number)
        .join(proposer, proposer.id == Proposal.proposer_id)
        .join(base, base.id == Proposal.base_revision_id)
        .outerjoin(decider, decider.id == Proposal.decided_by)
        .outerjoin(made, made.id == Proposal.revision_id)).all()
    return [ProposalRow(p.id, p.lesson_id, p.kind, p.summary, p.body, p.status, p.proposer_id,
                        who, p.created_at, base_n, decided, p.decided_at,
                        p.reason, made_n)
            for p, who, base_n, decided, made_n in rows]


def proposals(session: Session, *, actor: Actor, lesson_id: int, status: str | None = "pending",
              limit: int = 50) -> list[ProposalRow]:
    """Proposals on a lesson: trainers see everyone's, others only their own. Oldest first."""
    _signed_in(actor)
    q = select(Proposal).where(Proposal.lesson_id == lesson_id)
    if status is not None:
        q = q.where(Proposal.status == status)
    if not actor.has(*TRAINERS):
        q = q.where(Proposal.proposer_id == actor.id)
    return _proposal_rows(session, q.order_by(Proposal.created_at, Proposal.id).limit(limit))


def my_proposals(session: Session, *, actor: Actor, lesson_id: int,
                 limit: int = 20) -> list[ProposalRow]:
    """This person's own proposals on a lesson, newest first, with decisions and reasons."""
    _signed_in(actor)
    q = (select(Proposal).where(Proposal.lesson_id == lesson_id,
                                Proposal.proposer_id == actor.id)
         .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(limit))
    return _proposal_rows(session, q)


def proposal_preview(session: Session, *, actor: Actor, proposal_id: int) -> ProposalPreview:
    """A proposal with the current version and the text it would produce, for a diff."""
    require(actor, *TRAINERS)
    rows = _proposal_rows(session, select(Proposal).where(Proposal.id == proposal_id))
    if not rows:
        raise NotFound("There is no such proposal.")
    p = rows[0]
    lesson = session.get(Lesson, p.lesson_id)
    current = _revision(session, lesson.latest_revision_id)
    author = session.scalar(select(User.name).where(User.id == current.author_id)) or ""
    base_id = session.scalar(select(Proposal.base_revision_id).where(Proposal.id == proposal_id))
    return ProposalPreview(p, _as_revision(current, author),
                           proposed_text(p.kind, current.body, p.body),
                           is_stale=base_id != current.id)


def accept_proposal(session: Session, *, actor: Actor, proposal_id: int,
                    expected_revision_id: int) -> int:
    """Apply a proposal as a new draft revision credited to its proposer; returns the revision.

    `expected_revision_id` is the version the trainer compared the proposal with.
    """
    require(actor, *TRAINERS)
    proposal = session.scalar(select(Proposal).where(Proposal.id == proposal_id)
                              .with_for_update())
    if proposal is None:
        raise NotFound("There is no such proposal.")
    if proposal.status != "pending":
        raise Conflict(f"This proposal was already {proposal.status}.")
    if proposal.proposer_id == actor.id:
        raise PermissionDenied("You cannot decide on your own proposal; another trainer must.")
    lesson = _lesson_for_update(session, proposal.lesson_id)
    latest = _revision(session, lesson.latest_revision_id)
    _expect_latest(latest, expected_revision_id)
    body = proposed_text(proposal.kind, latest.body, proposal.body)
    if body == latest.body:
        raise Conflict("The lesson already says exactly this; reject the proposal instead.")
    proposer_name = session.scalar(select(User.name).where(User.id == proposal.proposer_id))
    summary = (f"{'Example' if proposal.kind == 'example' else 'Proposal'} from "
               f"{proposer_name}: {proposal.summary}")[:300]
    rev = _new_revision(session, lesson, title=latest.title, body=body, summary=summary,
                        author_id=proposal.proposer_id,
                        contributors=_carried(session, latest)
                        | {proposal.proposer_id, actor.id})
    proposal.status = "accepted"
    proposal.decided_by = actor.id
    proposal.decided_at = utcnow()
    proposal.revision_id = rev.id
    # Helping write a mandatory course is rewarded: only completing mandatory training is not.
    points.award(session, user_id=proposal.proposer_id, action="proposal.accepted",
                 entity_type="lesson", entity_id=lesson.id)
    notify(session, user_ids=[proposal.proposer_id], kind="proposal_accepted",
           text=f"{actor.name or actor.username} accepted your proposal for “{latest.title}”. "
                f"It is in version {rev.number}, published once another trainer approves it.",
           entity_type="lesson", entity_id=lesson.id, actor_id=actor.id)
    audit.record(session, actor=actor, action="proposal.accepted", entity_type="proposal",
                 entity_id=proposal.id, before={"status": "pending"},
                 after={"status": "accepted", "revision": rev.number,
                        "content_hash": rev.content_hash})
    return rev.id


def reject_proposal(session: Session, *, actor: Actor, proposal_id: int, reason: str) -> None:
    """Decline a proposal with a reason the proposer is told."""
    require(actor, *TRAINERS)
    reason = _reason(reason)
    proposal = session.scalar(select(Proposal).where(Proposal.id == proposal_id)
                              .with_for_update())
    if proposal is None:
        raise NotFound("There is no such proposal.")
    if proposal.status != "pending":
        raise Conflict(f"This proposal was already {proposal.status}.")
    if proposal.proposer_id == actor.id:
        raise PermissionDenied("You cannot decide on your own proposal; another trainer must.")
    proposal.status = "rejected"
    proposal.decided_by = actor.id
    proposal.decided_at = utcnow()
    proposal.reason = reason
    title = session.scalar(select(LessonRevision.title).where(
        LessonRevision.id == proposal.base_revision_id))
    notify(session, user_ids=[proposal.proposer_id], kind="proposal_rejected",
           text=f"{actor.name or actor.username} did not take your proposal for “{title}”: "
                f"{reason}",
           entity_type="lesson", entity_id=proposal.lesson_id, actor_id=actor.id)
    audit.record(session, actor=actor, action="proposal.rejected", entity_type="proposal",
                 entity_id=proposal.id, before={"status": "pending"},
                 after={"status": "rejected"}, reason=reason)


# --- history and diffs ------------------------------------------------------------------------


def history(session: Session, *, actor: Actor, lesson_id: int) -> list[Revision]:
    """Every revision, newest first; learners see only versions that were published."""
    _signed_in(actor)
    q = (select(LessonRevision, User.name).join(User, User.id == LessonRevision.author_id)
         .where(LessonRevision.lesson_id == lesson_id))
    if not actor.has(*TRAINERS):
        q = q.where(LessonRevision.id.in_(
            select(Signature.revision_id).where(Signature.meaning == "approved")))
    rows = session.execute(q.order_by(LessonRevision.number.desc())).all()
    return [_as_revision(r, name) for r, name in rows]


def side_by_side(old: str, new: str, *, context: int = 2) -> list[DiffHunk]:
    """The changed stretches of two texts, line by line, with a little unchanged context."""
    a, b = old.splitlines(), new.splitlines()
    hunks: list[DiffHunk] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        left: list[str] = []
        right: list[str] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                left += [f"  {line}" for line in a[i1:i2]]
                right += [f"  {line}" for line in b[j1:j2]]
            else:
                left += [f"- {line}" for line in a[i1:i2]]
                right += [f"+ {line}" for line in b[j1:j2]]
        hunks.append(DiffHunk(left, right))
    return hunks


def unified(old: str, new: str, *, old_label: str, new_label: str) -> str:
    """A unified diff of two texts (for st.code(..., language="diff"))."""
    return "\n".join(difflib.unified_diff(old.splitlines(), new.splitlines(), old_label,
                                          new_label, lineterm=""))


# --- learners: progress, ratings, likes, relevance ---------------------------------------------


def _readable_lesson(session: Session, actor: Actor, lesson_id: int) -> Lesson:
    _signed_in(actor)
    lesson = session.get(Lesson, lesson_id)
    if lesson is None or lesson.published_revision_id is None:
        raise NotFound("There is no such published lesson.")
    return lesson


def _progress_row(session: Session, actor: Actor, lesson_id: int) -> LessonProgress:
    row = session.get(LessonProgress, (actor.id, lesson_id))
    if row is None:
        row = LessonProgress(user_id=actor.id, lesson_id=lesson_id, liked=False,
                             updated_at=utcnow())
        session.add(row)
    return row


def _worked_on(session: Session, actor: Actor, lesson: Lesson, row: LessonProgress,
               at: datetime | None = None) -> None:
    """The learner changed their progress on the lesson: note it on the course too."""
    row.updated_at = at or utcnow()
    summaries.note_course_progress(session, user_id=actor.id, course_id=lesson.course_id)


def mark_complete(session: Session, *, actor: Actor, lesson_id: int, done: bool = True) -> None:
    """Mark a lesson complete (points unless the course is mandatory) or not complete again."""
    lesson = _readable_lesson(session, actor, lesson_id)
    existing = session.get(LessonProgress, (actor.id, lesson_id))
    was = existing.completed_at if existing is not None else None
    if (was is not None) == done:
        return  # nothing changes: not even a progress row saying they worked on it
    row = existing or _progress_row(session, actor, lesson_id)
    now = utcnow()
    row.completed_at = now if done else None
    _worked_on(session, actor, lesson, row, at=now)
    if done:
        mandatory = session.scalar(select(Course.is_mandatory)
                                   .where(Course.id == lesson.course_id))
        points.award(session, user_id=actor.id, action="lesson.completed", entity_type="lesson",
                     entity_id=lesson_id, mandatory=bool(mandatory))
        activity.log(session, user_id=actor.id, kind="completion", entity_type="lesson",
                     entity_id=lesson_id, at=now)
    else:  # un-completing takes the points back, so completing again cannot farm them
        points.revoke(session, user_id=actor.id, action="lesson.completed",
                      entity_type="lesson", entity_id=lesson_id, reason="marked not complete")
    audit.record(session, actor=actor, action="lesson.completed" if done else
                 "lesson.uncompleted", entity_type="lesson", entity_id=lesson_id,
                 before={"completed_at": was}, after={"completed_at": row.completed_at})


def rate(session: Session, *, actor: Actor, lesson_id: int, stars: int | None) -> None:
    """Rate a lesson 1-5 stars (None takes the rating back)."""
    if stars is not None and (not isinstance(stars, int) or not 1 <= stars <= 5):
        raise ValidationError("rating", "A rating is 1 to 5 stars.")
    lesson = _readable_lesson(session, actor, lesson_id)
    row = _progress_row(session, actor, lesson_id)
    before = row.rating
    row.rating = stars
    _worked_on(session, actor, lesson, row)
    audit.record(session, actor=actor, action="lesson.rated", entity_type="lesson",
                 entity_id=lesson_id, before={"rating": before}, after={"rating": stars})


def like(session: Session, *, actor: Actor, lesson_id: int, liked: bool) -> None:
    """Like a lesson, or take the like back."""
    lesson = _readable_lesson(session, actor, lesson_id)
    row = _progress_row(session, actor, lesson_id)
    before = bool(row.liked)
    row.liked = bool(liked)
    _worked_on(session, actor, lesson, row)
    audit.record(session, actor=actor, action="lesson.liked" if liked else "lesson.unliked",
                 entity_type="lesson", entity_id=lesson_id, before={"liked": before},
                 after={"liked": bool(liked)})


def answer_relevance(session: Session, *, actor: Actor, lesson_id: int,
                     relevant: bool | None) -> None:
    """Answer "was this relevant to your work?" (None takes the answer back)."""
    lesson = _readable_lesson(session, actor, lesson_id)
    row = _progress_row(session, actor, lesson_id)
    before = row.relevant
    row.relevant = relevant
    _worked_on(session, actor, lesson, row)
    audit.record(session, actor=actor, action="lesson.relevance", entity_type="lesson",
                 entity_id=lesson_id, before={"relevant": before}, after={"relevant": relevant})


def progress(session: Session, *, actor: Actor, lesson_id: int) -> Progress:
    """This person's progress on a lesson and everyone's ratings, likes and answers, in SQL."""
    _signed_in(actor)
    lp = LessonProgress
    mine = aliased(LessonProgress)
    yes = func.sum(case((lp.relevant.is_(True), 1), else_=0))
    no = func.sum(case((lp.relevant.is_(False), 1), else_=0))
    likes = func.sum(case((lp.liked.is_(True), 1), else_=0))
    stats = (select(func.avg(lp.rating).label("avg"), func.count(lp.rating).label("n"),
                    likes.label("likes"), func.count(lp.completed_at).label("done"),
                    yes.label("yes"), no.label("no"))
             .where(lp.lesson_id == lesson_id).subquery())
    r = session.execute(
        select(stats, mine.completed_at, mine.rating, mine.liked, mine.relevant)
        .outerjoin(mine, and_(mine.lesson_id == lesson_id, mine.user_id == actor.id))).one()
    return Progress(r.completed_at, r.rating, bool(r.liked), r.relevant,
                    float(r.avg) if r.avg is not None else None, int(r.n or 0),
                    int(r.likes or 0), int(r.done or 0), int(r.yes or 0), int(r.no or 0))


# --- comments and linked questions ----------------------------------------------------------


def comments(session: Session, *, actor: Actor, lesson_id: int, limit: int = 100
             ) -> list[CommentRow]:
    """The newest `limit` comments on a lesson this person may see, oldest first (threads by
    parent_id). Flagged or moderated ones only for their author and moderators."""
    _signed_in(actor)
    rows = session.execute(
        select(Comment, User.name).join(User, User.id == Comment.author_id)
        .where(Comment.entity_type == "lesson", Comment.entity_id == lesson_id,
               moderation.seen_by(actor, Comment))
        .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(limit)).all()
    return [CommentRow(c.id, c.parent_id, name, c.body, c.created_at, c.author_id, c.status)
            for c, name in reversed(rows)]


def add_comment(session: Session, *, actor: Actor, lesson_id: int, body: str,
                parent_id: int | None = None) -> int:
    """Comment on a published lesson, or reply in a thread."""
    lesson = _readable_lesson(session, actor, lesson_id)
    body = clean(body, field="comment", label="The comment", max_len=5000)
    parent = None
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None or (parent.entity_type, parent.entity_id) != ("lesson", lesson_id) \
                or parent.status != "visible":
            raise ValidationError("comment", "The comment you replied to is no longer there.")
        root = session.get(Comment, parent.parent_id) if parent.parent_id else parent
        parent_id = root.id  # threads are one level deep
    moderation.check_posting(session, actor=actor, kind="comment", text=body, field="comment")
    now = utcnow()
    comment = Comment(entity_type="lesson", entity_id=lesson_id, parent_id=parent_id,
                      author_id=actor.id, body=body, created_at=now, status="visible")
    session.add(comment)
    session.flush()
    title = session.scalar(select(LessonRevision.title).where(
        LessonRevision.id == lesson.published_revision_id))
    recipients = set(_course_owner_ids(session, lesson.course_id))
    if parent is not None:  # the person replied to and whoever started the thread
        recipients |= {parent.author_id, root.author_id}
    notify(session, user_ids=recipients, kind="comment",
           text=f"{actor.name or actor.username} commented on “{title}”.",
           entity_type="lesson", entity_id=lesson_id, actor_id=actor.id)
    points.award(session, user_id=actor.id, action="comment.posted", entity_type="comment",
                 entity_id=comment.id)
    activity.log(session, user_id=actor.id, kind="post", entity_type="comment",
                 entity_id=comment.id, at=now)
    audit.record(session, actor=actor, action="comment.posted", entity_type="comment",
                 entity_id=comment.id, after={"on": f"lesson:{lesson_id}",
                                              "parent": parent_id})
    return comment.id


def linked_questions(session: Session, *, actor: Actor, lesson_id: int, limit: int = 10
                     ) -> list[QuestionLink]:
    """Q&A questions linked to this lesson, newest first."""
    _signed_in(actor)
    rows = session.execute(
        select(Question.id, Question.title, Question.answer_count)
        .where(Question.lesson_id == lesson_id, Question.status == "visible")
        .order_by(Question.created_at.desc(), Question.id.desc()).limit(limit)).all()
    return [QuestionLink(r.id, r.title, int(r.answer_count)) for r in rows]


# --- trainer inbox ----------------------------------------------------------------------------


def proposals_waiting_query(trainer_id: int) -> Select:
    """SQL counting the proposals in a trainer's inbox: pending, and not their own. No
    permission check: callers show it to trainers only."""
    return select(func.count(Proposal.id)).where(Proposal.status == "pending",
                                                 Proposal.proposer_id != trainer_id)


def versions_to_sign_query(trainer_id: int) -> Select:
    """SQL counting the lesson versions in review that a trainer may sign: none of the text is
    theirs. No permission check: callers show it to trainers only."""
    wrote = exists().where(RevisionContributor.revision_id == LessonRevision.id,
                           RevisionContributor.user_id == trainer_id)
    return (select(func.count(LessonRevision.id))
            .join(Lesson, Lesson.latest_revision_id == LessonRevision.id)
            .where(LessonRevision.state == "in_review", ~wrote))


def inbox(session: Session, *, actor: Actor, stale_months: int = STALE_MONTHS,
          only_mine: bool = False, limit: int = 50, now: datetime | None = None) -> Inbox:
    """What needs a trainer: proposals, versions to sign, low-rated and stale lessons."""
    require(actor, *TRAINERS)
    if not 1 <= stale_months <= 120:
        raise ValidationError("stale_months", "Pick between 1 and 120 months.")
    now = now or utcnow()
    owned = exists().where(CourseOwner.course_id == Lesson.course_id,
                           CourseOwner.user_id == actor.id)
    mine_only = owned if only_mine else true()
    total = func.count().over().label("total")

    rev = aliased(LessonRevision)
    proposer = aliased(User)
    p_rows = session.execute(
        select(Proposal.id, Proposal.lesson_id, Proposal.kind, Proposal.summary,
               Proposal.created_at, rev.title, Course.title.label("course"),
               proposer.name, total)
        .join(Lesson, Lesson.id == Proposal.lesson_id)
        .join(Course, Course.id == Lesson.course_id)
        .join(rev, rev.id == Lesson.latest_revision_id)
        .join(proposer, proposer.id == Proposal.proposer_id)
        .where(Proposal.status == "pending", Proposal.proposer_id != actor.id, mine_only)
        .order_by(Proposal.created_at, Proposal.id).limit(limit)).all()
    proposals_ = [InboxRow(r.lesson_id, r.title, r.course, r.name, r.created_at,
                           f"{'Example' if r.kind == 'example' else 'Edit'}: {r.summary}",
                           proposal_id=r.id) for r in p_rows]

    author = aliased(User)
    wrote = exists().where(RevisionContributor.revision_id == LessonRevision.id,
                           RevisionContributor.user_id == actor.id)
    r_rows = session.execute(
        select(LessonRevision.id, LessonRevision.lesson_id, LessonRevision.number,
               LessonRevision.title, LessonRevision.summary, LessonRevision.created_at,
               Course.title.label("course"), author.name, wrote.label("wrote"))
        .join(Lesson, Lesson.latest_revision_id == LessonRevision.id)
        .join(Course, Course.id == Lesson.course_id)
        .join(author, author.id == LessonRevision.author_id)
        .where(LessonRevision.state == "in_review")
        .order_by(LessonRevision.created_at, LessonRevision.id).limit(limit * 2)).all()
    to_sign = [InboxRow(r.lesson_id, r.title, r.course, r.name, r.created_at,
                        f"Version {r.number}: {r.summary}", revision_id=r.id)
               for r in r_rows if not r.wrote][:limit]
    mine_in_review = [InboxRow(r.lesson_id, r.title, r.course, r.name, r.created_at,
                               f"Version {r.number}: waiting for another trainer's signature",
                               revision_id=r.id) for r in r_rows if r.wrote][:limit]
    if len(r_rows) < limit * 2:  # every version in review is in hand
        mine_total = sum(1 for r in r_rows if r.wrote)
        to_sign_total = len(r_rows) - mine_total
    else:
        in_review, mine_total = session.execute(
            select(func.count(LessonRevision.id), func.count(case((wrote, 1))))
            .join(Lesson, Lesson.latest_revision_id == LessonRevision.id)
            .where(LessonRevision.state == "in_review")).one()
        to_sign_total = in_review - mine_total

    pub = aliased(LessonRevision)
    avg = func.avg(LessonProgress.rating)
    n = func.count(LessonProgress.rating)
    low_q = (select(Lesson.id, pub.title, Course.title.label("course"), avg.label("avg"),
                    n.label("n"), total)
             .join(pub, pub.id == Lesson.published_revision_id)
             .join(Course, Course.id == Lesson.course_id)
             .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
             .where(mine_only)
             .group_by(Lesson.id, pub.title, Course.title)
             .having(and_(n >= LOW_RATING_MIN_COUNT, avg < LOW_RATING))
             .order_by(avg, Lesson.id).limit(limit))
    low = session.execute(low_q).all()
    low_rated = [InboxRow(r.id, r.title, r.course, "", None,
                          f"{float(r.avg):.1f} stars from {r.n} ratings") for r in low]

    cutoff = now - timedelta(days=round(stale_months * 30.44))
    reviewed = func.coalesce(Lesson.last_reviewed_at, Lesson.created_at)
    s_rows = session.execute(
        select(Lesson.id, pub.title, Course.title.label("course"), reviewed.label("reviewed"),
               total)
        .join(pub, pub.id == Lesson.published_revision_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(reviewed < cutoff, mine_only)
        .order_by(reviewed, Lesson.id).limit(limit)).all()
    stale = [InboxRow(r.id, r.title, r.course, "", r.reviewed,
                      f"Last reviewed {r.reviewed:%d %b %Y}") for r in s_rows]
    return Inbox(proposals_, int(p_rows[0].total) if p_rows else 0, to_sign, mine_in_review,
                 int(to_sign_total), int(mine_total), low_rated,
                 int(low[0].total) if low else 0, stale, int(s_rows[0].total) if s_rows else 0)
