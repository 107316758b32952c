"""The expertise finder: who answers well on a topic, ranked from accepted answers and votes.

"Well" is measured on visible answers to questions carrying the tag: accepted answers first,
then the net votes those answers received, then how many there are. Aggregated in SQL; over
all topics, read from the totals kept per person (answer_totals).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from db.actors import Actor, require
from db.models import ROLES, Answer, AnswerTotal, Question, QuestionTag, Site, Tag, User


@dataclass(frozen=True)
class Expert:
    user_id: int
    name: str
    username: str
    job_title: str | None
    site: str | None
    function: str | None
    accepted: int
    votes: int
    answers: int


def find(session: Session, *, actor: Actor, tag: str | None = None,
         tags: list[str] | None = None, site: str | None = None, function: str | None = None,
         exclude: tuple[int, ...] = (), limit: int = 25) -> list[Expert]:
    """People ranked by accepted answers, then votes received, on `tag` (or any of `tags`, or
    all topics when neither is given), optionally only from one site or function."""
    require(actor, *ROLES)
    wanted = [t for t in ([tag] if tag else []) + list(tags or []) if t]
    if wanted:
        # Added up per author first, from the answers' indexes alone; people, sites and the
        # filters on them are joined to those totals (10k people, not the topic's answers).
        t = (select(Answer.author_id,
                    func.sum(case((Answer.is_accepted.is_(True), 1), else_=0)).label("accepted"),
                    func.sum(Answer.score).label("votes"),
                    func.count().label("answers"))
             .where(Answer.status == "visible", Answer.question_id.in_(
                 select(QuestionTag.question_id).join(Tag, Tag.id == QuestionTag.tag_id)
                 .where(Tag.name.in_(wanted))))
             .group_by(Answer.author_id).subquery())
    else:  # all topics: the totals kept per person
        t = (select(AnswerTotal.author_id, AnswerTotal.accepted, AnswerTotal.votes,
                    AnswerTotal.answers).where(AnswerTotal.answers > 0).subquery())
    q = (select(User.id, User.name, User.username, User.job_title, Site.name.label("site"),
                User.function, t.c.accepted, t.c.votes, t.c.answers)
         .join(User, User.id == t.c.author_id)
         .outerjoin(Site, Site.id == User.site_id)
         .where(User.is_active.is_(True)))
    if site:
        q = q.where(Site.name == site)
    if function:
        q = q.where(User.function == function)
    if exclude:
        q = q.where(User.id.not_in(exclude))
    q = q.order_by(t.c.accepted.desc(), t.c.votes.desc(), t.c.answers.desc(), User.name,
                   User.id).limit(limit)
    return [Expert(r.id, r.name, r.username, r.job_title, r.site, r.function, int(r.accepted),
                   int(r.votes or 0), int(r.answers)) for r in session.execute(q)]


def for_question(session: Session, *, actor: Actor, question_id: int,
                 limit: int = 5) -> list[Expert]:
    """The best people to invite to a question: experts on its tags, not the asker and not
    those who already answered it."""
    require(actor, *ROLES)
    asker = session.scalar(select(Question.author_id).where(Question.id == question_id))
    names = list(session.scalars(select(Tag.name).join(QuestionTag, QuestionTag.tag_id == Tag.id)
                                 .where(QuestionTag.question_id == question_id)))
    answered = tuple(session.scalars(select(Answer.author_id).where(
        Answer.question_id == question_id)))
    if not names:
        return []
    exclude = tuple({*answered, *(x for x in (asker, actor.id) if x is not None)})
    return find(session, actor=actor, tags=names, exclude=exclude, limit=limit)


def sites(session: Session) -> list[str]:
    return list(session.scalars(select(Site.name).order_by(Site.name)))
