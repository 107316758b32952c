"""The home page's data: the organisation at a glance, and what needs this person (their level,
the work waiting for their roles, courses under way, questions they could answer). Counts are
aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, exists, func, select, union
from sqlalchemy.orm import Session

from db import content, moderation, suggestions
from db.actors import Actor, require
from db.errors import PermissionDenied
from db.gamification import Level, level_for
from db.models import (
    ROLES,
    Answer,
    Follow,
    Lesson,
    PointTotal,
    Question,
    QuestionTag,
    Site,
    Submission,
    Suggestion,
    Tag,
    User,
)
from db.points import ALL_TIME


def counts(session: Session) -> dict[str, int]:
    """How many people, lessons, questions, suggestions and submissions there are."""
    row = session.execute(select(
        select(func.count(User.id)).where(User.is_active.is_(True)).scalar_subquery(),
        select(func.count(Site.id)).scalar_subquery(),
        select(func.count(Lesson.id)).where(Lesson.published_revision_id.is_not(None))
        .scalar_subquery(),
        select(func.count(Question.id)).where(Question.status == "visible").scalar_subquery(),
        select(func.count(Suggestion.id)).scalar_subquery(),
        select(func.count(Submission.id)).scalar_subquery(),
    )).one()
    keys = ("people", "sites", "published lessons", "questions", "suggestions", "submissions")
    return dict(zip(keys, (int(v or 0) for v in row), strict=True))


def people_by_site(session: Session) -> list[tuple[str, str, int]]:
    """(site, region, active people) for every site, largest first."""
    rows = session.execute(
        select(Site.name, Site.region, func.count(User.id))
        .outerjoin(User, (User.site_id == Site.id) & User.is_active.is_(True))
        .group_by(Site.id, Site.name, Site.region)
        .order_by(func.count(User.id).desc(), Site.name)
    ).all()
    return [(n, r, int(c)) for n, r, c in rows]


# --- what needs this person -----------------------------------------------------------------

QUESTIONS_SHOWN = 5
# Tags of this many of one's latest answers count as one's field (besides the tags one follows).
ANSWERS_FOR_FIELD = 50


@dataclass(frozen=True)
class ToDo:
    """Something waiting for this person's role, with the page where they deal with it."""
    one: str  # "proposal to review"
    many: str  # "proposals to review"
    count: int
    page: str
    since: datetime | None = None  # when the longest-waiting one began to wait
    params: tuple[tuple[str, str], ...] = ()  # the page's address parameters (a tab)

    @property
    def label(self) -> str:
        return f"{self.count:,} {self.one if self.count == 1 else self.many}"


@dataclass(frozen=True)
class OpenQuestion:
    id: int
    title: str
    asked_at: datetime
    tags: str  # comma-separated


@dataclass(frozen=True)
class PersonalOverview:
    level: Level
    to_do: list[ToDo]
    courses: list[content.CourseProgress]
    questions: list[OpenQuestion]
    in_your_field: bool  # the questions carry tags one follows or has answered in


def for_person(session: Session, *, actor: Actor) -> PersonalOverview:
    """The home page's personal part: level, what waits for one's roles, courses under way and
    questions one could answer. Three statements (four when none of the open questions is in
    one's field). Each role sees only the work its pages allow."""
    if actor.id is None:
        raise PermissionDenied("Sign in first.")
    require(actor, *ROLES)
    level, to_do = _numbers(session, actor)
    questions = _open_questions(session, actor, in_field=True)
    in_field = bool(questions)
    if not questions:
        questions = _open_questions(session, actor, in_field=False)
    return PersonalOverview(level, to_do, content.courses_under_way(session, actor=actor),
                            questions, in_field)


def _numbers(session: Session, actor: Actor) -> tuple[Level, list[ToDo]]:
    """One row: this person's points and, for each of their roles, what waits for it."""
    counts: dict[str, ScalarSelect] = {"points": select(PointTotal.points).where(
        PointTotal.period == ALL_TIME, PointTotal.user_id == actor.id).scalar_subquery()}
    if actor.has(*content.TRAINERS):
        counts["proposals"] = content.proposals_waiting_query(actor.id).scalar_subquery()
        counts["to_sign"] = content.versions_to_sign_query(actor.id).scalar_subquery()
    if actor.has(*suggestions.DECIDERS):
        waiting, oldest = suggestions.awaiting_decision_query()
        counts["undecided"] = waiting.scalar_subquery()
        counts["undecided_since"] = oldest.scalar_subquery()
    if actor.has(*moderation.MODERATORS):
        counts["reported"] = moderation.open_items_query().scalar_subquery()
    if actor.has("admin"):
        counts["failed_signing"] = content.failed_signatures_query().scalar_subquery()
    row = session.execute(select(*(c.label(k) for k, c in counts.items()))).one()._mapping
    n = {k: int(row[k] or 0) for k in counts if k != "undecided_since"}
    to_do = [
        ToDo("proposal to review", "proposals to review", n.get("proposals", 0),
             "pages/trainer_inbox.py"),
        ToDo("lesson version to sign", "lesson versions to sign", n.get("to_sign", 0),
             "pages/trainer_inbox.py"),
        ToDo("suggestion waiting for a decision", "suggestions waiting for a decision",
             n.get("undecided", 0), "pages/prioritise.py", row.get("undecided_since"),
             (("prioritise-tab", suggestions.WAITING_VIEW),)),
        ToDo("reported post to review", "reported posts to review", n.get("reported", 0),
             "pages/moderation.py"),
        ToDo("wrong signing password in 30 days", "wrong signing passwords in 30 days",
             n.get("failed_signing", 0), "pages/audit_trail.py"),
    ]
    return level_for(n["points"]), [t for t in to_do if t.count]


def _open_questions(session: Session, actor: Actor, *, in_field: bool) -> list[OpenQuestion]:
    """The newest visible questions without an answer, not one's own; with `in_field`, only
    those tagged with a tag one follows or has answered in lately."""
    tags = (select(func.aggregate_strings(Tag.name, ", "))
            .join(QuestionTag, QuestionTag.tag_id == Tag.id)
            .where(QuestionTag.question_id == Question.id)
            .correlate(Question).scalar_subquery())
    q = select(Question.id, Question.title, Question.created_at, tags.label("tags")).where(
        Question.answer_count == 0, Question.status == "visible", Question.author_id != actor.id)
    if in_field:
        latest = (select(Answer.question_id).where(Answer.author_id == actor.id)
                  .order_by(Answer.created_at.desc()).limit(ANSWERS_FOR_FIELD).subquery())
        field = union(
            select(Follow.entity_id).where(Follow.user_id == actor.id,
                                           Follow.entity_type == "tag"),
            select(QuestionTag.tag_id).join(latest, latest.c.question_id
                                            == QuestionTag.question_id))
        q = q.where(exists().where(QuestionTag.question_id == Question.id,
                                   QuestionTag.tag_id.in_(field)))
    rows = session.execute(
        q.order_by(Question.created_at.desc(), Question.id.desc()).limit(QUESTIONS_SHOWN)).all()
    return [OpenQuestion(r.id, r.title, r.created_at, r.tags or "") for r in rows]
