"""The organisation at a glance, for the home page: counts aggregated in SQL."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Lesson, Question, Site, Submission, Suggestion, User


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
