"""The data model for every area of the app, in SQLAlchemy 2.x typed declarative style.

All times are naive UTC datetimes (see `utcnow`), stored the same way on SQLite and PostgreSQL.
Items people can vote on, follow, flag or comment on are addressed as (entity_type, entity_id),
so one table serves questions, answers, suggestions and lessons alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.text import fingerprint

ROLES = ("learner", "trainer", "leader", "admin")
FUNCTIONS = (
    "Regulatory Affairs",
    "R&D",
    "Manufacturing",
    "Supply Chain",
    "Quality",
    "Medical Affairs",
)
REVISION_STATES = ("draft", "in_review", "approved", "superseded", "withdrawn")
PROPOSAL_KINDS = ("edit", "example")
PROPOSAL_STATES = ("pending", "accepted", "rejected")
SIGNATURE_MEANINGS = ("reviewed", "approved")
CONTENT_STATES = ("visible", "hidden_pending_review", "hidden", "deleted")
VOTABLE = ("question", "answer", "suggestion")
SUGGESTION_CATEGORIES = (
    "Manufacturing",
    "Supply Chain",
    "Regulatory",
    "R&D",
    "Quality",
    "Training",
    "IT",
    "Other",
)
SUGGESTION_KINDS = ("idea", "problem")
SUGGESTION_STATES = (
    "new",
    "under_review",
    "planned",
    "in_progress",
    "implemented",
    "declined",
    "duplicate",
)
BADGE_TIERS = ("bronze", "silver", "gold")


def utcnow() -> datetime:
    """The current UTC time, without tzinfo, as every column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- people, sign-in, audit ---------------------------------------------------------------


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    region: Mapped[str] = mapped_column(String(40), index=True)
    country: Mapped[str] = mapped_column(String(60))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    function: Mapped[str | None] = mapped_column(String(40), index=True)
    job_title: Mapped[str | None] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Sessions that began before this moment are no longer valid (password change/reset).
    password_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class AuthSession(Base):
    """A server-side sign-in session; the browser's cookie is only a pointer to one of these."""

    __tablename__ = "auth_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # sha256 of the sign-in cookie, so a cookie can be matched without storing it.
    cookie_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_user_ip_time", "username", "ip_address", "created_at"),
        Index("ix_login_attempts_ip_time", "ip_address", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditRecord(Base):
    """Append-only: database triggers refuse UPDATE and DELETE; `hash` chains to the row before
    and seals the record's content the way its `digest_version` says (db.audit._digest)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
        Index("ix_audit_log_actor_at", "actor_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # New records are hashed by version 2 (db.audit.DIGEST_VERSION); records written before
    # migration 0028 were hashed by version 1 and are marked so by the server default.
    digest_version: Mapped[int] = mapped_column(SmallInteger, default=2,
                                                server_default=text("1"))


class AuditHead(Base):
    """The chain's last record (one row, id 1), kept by a trigger on audit_log. Writers lock it
    to append in turn (db.audit.record)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int | None] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Setting(Base):
    """Admin-adjustable values (point values, thresholds); the code holds the defaults."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[dict | list | int | float | str] = mapped_column(JSON)


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (
        CheckConstraint(_in("kind", ("topic", "agency", "ectd_module", "process_area")), "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="topic")


# --- training content board ----------------------------------------------------------------


class Course(Base):
    __tablename__ = "courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(Text, default="")
    audience_function: Mapped[str | None] = mapped_column(String(40), index=True)
    audience_site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    # Mandatory training earns no points (gamification must not reward compliance clicks).
    is_mandatory: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CourseOwner(Base):
    __tablename__ = "course_owners"
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class CourseTag(Base):
    __tablename__ = "course_tags"
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True, index=True)


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (Index("ix_lessons_course_position", "course_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    position: Mapped[int] = mapped_column(Integer)
    # What learners see; stays in place while a newer draft is written and reviewed.
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson_revisions.id", use_alter=True)
    )
    # The newest revision of any state: what trainers work on.
    latest_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson_revisions.id", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class LessonRevision(Base):
    __tablename__ = "lesson_revisions"
    __table_args__ = (
        UniqueConstraint("lesson_id", "number"),
        CheckConstraint(_in("state", REVISION_STATES), "state"),
        Index("ix_lesson_revisions_state", "state"),
        Index("ix_lesson_revisions_created", "created_at"),  # help and co-creation by date
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_revisions.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RevisionContributor(Base):
    """Everyone who wrote part of a revision since the last approved one (four-eyes rule)."""

    __tablename__ = "revision_contributors"
    revision_id: Mapped[int] = mapped_column(ForeignKey("lesson_revisions.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(_in("kind", PROPOSAL_KINDS), "kind"),
        CheckConstraint(_in("status", PROPOSAL_STATES), "status"),
        Index("ix_proposals_lesson_status", "lesson_id", "status"),
        Index("ix_proposals_status_created", "status", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    base_revision_id: Mapped[int] = mapped_column(ForeignKey("lesson_revisions.id"))
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="edit")
    body: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("lesson_revisions.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Signature(Base):
    __tablename__ = "signatures"
    __table_args__ = (CheckConstraint(_in("meaning", SIGNATURE_MEANINGS), "meaning"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("lesson_revisions.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    printed_name: Mapped[str] = mapped_column(String(120))
    meaning: Mapped[str] = mapped_column(String(16))
    # sha256 of the exact title and body signed: binds the signature to that text.
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LessonProgress(Base):
    """One row per learner and lesson: completion, rating, like and relevance together."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", "rating"),
        # Course completion groups progress by course from this index alone (migration 0012).
        Index("ix_lesson_progress_lesson", "lesson_id", "user_id", "completed_at", "updated_at"),
        Index("ix_lesson_progress_completed", "completed_at"),
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), primary_key=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    liked: Mapped[bool] = mapped_column(Boolean, default=False)
    relevant: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CourseProgress(Base):
    """One row per learner and course they have worked on: published lessons completed, and
    when they last worked on any of its lessons.

    Kept by db.summaries.note_course_progress on every change to their progress in the
    course, so course completion over a range that ends today reads one row per learner and
    course (38k on the medium set) rather than every lesson's progress (190k).
    """

    __tablename__ = "course_progress"
    __table_args__ = (Index("ix_course_progress_worked", "last_worked_at"),)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    last_worked_at: Mapped[datetime] = mapped_column(DateTime)


# --- community Q&A, comments, votes, moderation --------------------------------------------


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint(_in("status", CONTENT_STATES), "status"),
        Index("ix_questions_created", "created_at", "id"),
        Index("ix_questions_activity", "last_activity_at", "id"),
        Index("ix_questions_score", "score", "id"),
        Index("ix_questions_unanswered", "answer_count", "created_at"),
        # The duplicate check reads one's latest posts' fingerprints from here alone.
        Index("ix_questions_author_created", "author_id", "created_at", "fingerprint",
              "title_fingerprint"),
        # Every column time to first answer reads, so it never touches the table.
        Index("ix_questions_answer_times", "status", "created_at", "answer_seconds",
              "accepted_answer_id", "author_id"),
        # A question's asker without reading the question (the "helped other sites" badge),
        # on PostgreSQL; SQLite goes to the row by its rowid all the same.
        Index("ix_questions_asker", "id", "author_id"),
        # The few questions that are not visible: tag counts subtract them from the totals.
        Index("ix_questions_not_visible", "id", sqlite_where=text("status <> 'visible'"),
              postgresql_where=text("status <> 'visible'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Kept in step with votes/answers in the same transaction, so lists need no aggregation.
    score: Mapped[int] = mapped_column(Integer, default=0)
    answer_count: Mapped[int] = mapped_column(Integer, default=0)
    # Seconds from asking to the first visible answer (None: unanswered), kept with
    # answer_count (db/qa.py, db/moderation.py): time to first answer over two years with
    # neither a subquery nor date arithmetic per question.
    answer_seconds: Mapped[int | None] = mapped_column(Integer)
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", use_alter=True)
    )
    status: Mapped[str] = mapped_column(String(24), default="visible")
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    # db.text.fingerprint of the body and the title, kept by the ORM (see _FINGERPRINTED).
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    title_fingerprint: Mapped[str | None] = mapped_column(String(64))


def answer_seconds(asked: datetime, first_answer: datetime | None) -> int | None:
    """Question.answer_seconds: whole seconds from asking to the first visible answer."""
    return None if first_answer is None else round((first_answer - asked).total_seconds())


class QuestionTag(Base):
    __tablename__ = "question_tags"
    # Questions by tag, answered from the index alone (counts, the expert finder's filter).
    __table_args__ = (Index("ix_question_tags_tag_question", "tag_id", "question_id"),)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True)


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (
        CheckConstraint(_in("status", CONTENT_STATES), "status"),
        Index("ix_answers_question_created", "question_id", "created_at"),
        Index("ix_answers_author_created", "author_id", "created_at", "fingerprint"),
        Index("ix_answers_created", "created_at"),
        # The expert finder adds up accepted answers and votes per author, over all answers
        # or the answers to one topic's questions, from these indexes without reading bodies;
        # an answer's badge check counts the sites its author has helped (with the question).
        Index("ix_answers_author_votes", "author_id", "status", "is_accepted", "score",
              "question_id"),
        Index("ix_answers_question_votes", "question_id", "status", "author_id", "is_accepted",
              "score"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    score: Mapped[int] = mapped_column(Integer, default=0)
    is_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(24), default="visible")
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # of the body


class AnswerTotal(Base):
    """Each person's visible answers, accepted answers and net votes on them: the expertise
    finder's ranking over all topics reads it instead of adding up every answer (150k on the
    medium set). Kept by triggers on answers (migration 0025)."""

    __tablename__ = "answer_totals"
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    answers: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    votes: Mapped[int] = mapped_column(Integer)


class Comment(Base):
    """Threaded comments on questions, answers, suggestions and lessons."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(_in("status", CONTENT_STATES), "status"),
        Index("ix_comments_entity", "entity_type", "entity_id", "created_at"),
        Index("ix_comments_author_created", "author_id", "created_at", "fingerprint"),
        Index("ix_comments_created", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(24), default="visible")
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # of the body


class PostRevision(Base):
    """Edit history of questions, answers and comments."""

    __tablename__ = "post_revisions"
    __table_args__ = (Index("ix_post_revisions_entity", "entity_type", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Vote(Base):
    """One vote per person per item (unique); `recipient_id` is the item's author."""

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("user_id", "entity_type", "entity_id"),
        CheckConstraint(_in("entity_type", VOTABLE), "entity_type"),
        CheckConstraint("value IN (-1, 1)", "value"),
        CheckConstraint("user_id <> recipient_id", "not_own"),
        Index("ix_votes_entity", "entity_type", "entity_id"),
        Index("ix_votes_recipient_created", "recipient_id", "created_at"),
        # Fair play reads the upvotes of a window (voter, recipient) from this index alone.
        Index("ix_votes_created_pair", "created_at", "value", "user_id", "recipient_id"),
        Index("ix_votes_type_created", "entity_type", "created_at", "entity_id", "value"),
        # The fair-play counts of each new upvote: this voter to this recipient.
        Index("ix_votes_voter_recipient", "user_id", "recipient_id", "value", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    value: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Follow(Base):
    __tablename__ = "follows"
    __table_args__ = (Index("ix_follows_entity", "entity_type", "entity_id"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(300))
    entity_type: Mapped[str | None] = mapped_column(String(16))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class Flag(Base):
    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("user_id", "entity_type", "entity_id"),
        Index("ix_flags_entity", "entity_type", "entity_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entity_type: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)


# --- suggestion box -------------------------------------------------------------------------


class Suggestion(Base):
    __tablename__ = "suggestions"
    __table_args__ = (
        CheckConstraint(_in("category", SUGGESTION_CATEGORIES), "category"),
        CheckConstraint(_in("kind", SUGGESTION_KINDS), "kind"),
        CheckConstraint(_in("status", SUGGESTION_STATES), "status"),
        CheckConstraint(_in("visibility", CONTENT_STATES), "visibility"),
        Index("ix_suggestions_status_changed", "status", "status_changed_at"),
        Index("ix_suggestions_votes", "vote_count", "id"),
        Index("ix_suggestions_trend", "trend", "id"),
        Index("ix_suggestions_created", "created_at", "id"),
        Index("ix_suggestions_category", "category"),
        Index("ix_suggestions_site", "site_id"),
        Index("ix_suggestions_author", "author_id", "created_at", "fingerprint"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="idea")
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    expected_benefit: Mapped[str | None] = mapped_column(Text)
    benefit_score: Mapped[int | None] = mapped_column(SmallInteger)  # 1-5, set by leaders
    effort_score: Mapped[int | None] = mapped_column(SmallInteger)  # 1-5, set by leaders
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="new")
    status_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    response: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("suggestions.id"))
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    # Kept with vote_count (db/suggestions.py): the day, counted from 2000-01-01, on which one
    # fresh vote would weigh what all of its votes weigh now; 0 with no votes. Every vote
    # halves on the same clock, so this orders "trending" without reading any vote.
    trend: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    visibility: Mapped[str] = mapped_column(String(24), default="visible")
    flag_count: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str | None] = mapped_column(String(64))  # of the description
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# The duplicate check (db.moderation.check_posting) compares a new post's fingerprint with the
# poster's latest ones in SQL, instead of reading and hashing up to 200 earlier texts on every
# post. The ORM keeps each fingerprint whenever its text is set, on create and on edit; rows
# written without the ORM (db.qa.answer, the seed, migration 0021) fill them themselves.
_FINGERPRINTED = (
    (Question.body, "fingerprint"), (Question.title, "title_fingerprint"),
    (Answer.body, "fingerprint"), (Comment.body, "fingerprint"),
    (Suggestion.description, "fingerprint"),
)


def _keep_fingerprint(text_attribute, fingerprint_attribute: str) -> None:
    @event.listens_for(text_attribute, "set")
    def _set(target, value, _old, _initiator):
        setattr(target, fingerprint_attribute, None if value is None else fingerprint(value))


for _text, _fingerprint in _FINGERPRINTED:
    _keep_fingerprint(_text, _fingerprint)


class SuggestionStatusChange(Base):
    __tablename__ = "suggestion_status_changes"
    __table_args__ = (Index("ix_suggestion_status_changes_s", "suggestion_id", "changed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)


# --- gamification ---------------------------------------------------------------------------


class PointEvent(Base):
    """The points ledger: totals, levels and leaderboards are sums over it."""

    __tablename__ = "point_events"
    __table_args__ = (
        Index("ix_point_events_user_created", "user_id", "created_at"),
        Index("ix_point_events_created", "created_at"),
        # The upvotes the Helpful badge counts, from the index alone. Not also created_at and
        # points: SQLite's planner then read a whole week's board through it, person by
        # person (157 ms instead of 30 on the medium set).
        Index("ix_point_events_user_action", "user_id", "action", "voided_at"),
        # Taking back a vote voids the points that vote gave (db.points.revoke_for).
        Index("ix_point_events_entity", "entity_type", "entity_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    entity_type: Mapped[str | None] = mapped_column(String(16))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)
    void_reason: Mapped[str | None] = mapped_column(Text)


class PointTotal(Base):
    """Each person's live points per leaderboard period, so a board reads one row a person
    instead of adding up the ledger (all time was 2.4 s on SQLite at 1.4M points). `period` is
    "all", "month YYYY-MM-01" or "week YYYY-MM-DD" (the Monday). Kept by triggers on
    point_events (migration 0022), so every way of writing the ledger counts; see
    db.points.recount_totals for the repair."""

    __tablename__ = "point_totals"
    __table_args__ = {"sqlite_with_rowid": False}
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    points: Mapped[int] = mapped_column(Integer)


class BadgeAward(Base):
    __tablename__ = "badge_awards"
    __table_args__ = (CheckConstraint(_in("tier", BADGE_TIERS), "tier"),)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    badge: Mapped[str] = mapped_column(String(40), primary_key=True)
    tier: Mapped[str] = mapped_column(String(8), primary_key=True)
    awarded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(DateTime)


# --- analytics and regulatory -------------------------------------------------------------


class ActivityEvent(Base):
    """What people did, for engagement analytics (views, posts, votes, completions)."""

    __tablename__ = "activity_events"
    __table_args__ = (
        Index("ix_activity_events_created", "created_at"),
        Index("ix_activity_events_user_created", "user_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(24))
    entity_type: Mapped[str | None] = mapped_column(String(16))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class _PostCounts:
    """Posts in all, and by kind: the columns both activity summaries add up."""

    posts: Mapped[int] = mapped_column(Integer, default=0)
    questions: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    proposals: Mapped[int] = mapped_column(Integer, default=0)
    suggestions: Mapped[int] = mapped_column(Integer, default=0)


class ActivityPeriod(_PostCounts, Base):
    """A person active in one day, week, month, quarter ("qtr") or year: how many things they
    did, and posts by kind.

    A summary of activity_events kept by db.summaries.refresh, so analytics never scan the
    whole event history. `period` is the first day ('YYYY-MM-DD', weeks start on Monday);
    `site_id` is the person's site when the activity was summarised (0: none).
    """

    __tablename__ = "activity_periods"
    # Per-person totals of a range read from the index alone (migration 0011).
    __table_args__ = (Index("ix_activity_periods_posts", "grain", "period", "user_id", "posts"),)
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[int] = mapped_column(Integer, default=0)


class ActivityCount(_PostCounts, Base):
    """People active, contributors and posts by kind per day, week or month and site: the
    activity_periods rows of one period and site added up (db.summaries.refresh)."""

    __tablename__ = "activity_counts"
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    people: Mapped[int] = mapped_column(Integer, default=0)
    contributors: Mapped[int] = mapped_column(Integer, default=0)


class FirstPost(Base):
    """The day of each person's first post ever (for new contributors per month)."""

    __tablename__ = "first_posts"
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10))


class HelpDay(Base):
    """Acts of help one person gave another on one day (an answer, an accepted answer three
    times, a comment on their post, a lesson written together): the who-helps-whom network's
    summary, kept by db.summaries.refresh. `day` is 'YYYY-MM-DD' of the post helped with."""

    __tablename__ = "help_days"
    # Every column, so the network's read of a range never touches the table.
    __table_args__ = (Index("ix_help_days_acts", "day", "helper_id", "helped_id", "acts"),)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    helper_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    helped_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    acts: Mapped[int] = mapped_column(Integer, default=0)


class HelpPeriod(Base):
    """Who one person helped over a whole month, quarter or year, added up from help_days:
    `pairs` holds (helper, helped, acts) as little-endian int64 triples, so two years of help
    are some 20k rows read as one byte string instead of 240k day rows. Kept by
    db.summaries.refresh_help (without a rowid on SQLite, so a period's rows lie together)."""

    __tablename__ = "help_periods"
    __table_args__ = {"sqlite_with_rowid": False}
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)  # month, qtr or year
    period: Mapped[str] = mapped_column(String(10), primary_key=True)  # its first day
    helper_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pairs: Mapped[bytes] = mapped_column(LargeBinary)


class SummaryState(Base):
    """How far a summary has read its sources: the last id of each source table folded in."""

    __tablename__ = "summary_state"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)


class Submission(Base):
    """A regulatory submission to a health authority, and how long it took."""

    __tablename__ = "submissions"
    __table_args__ = (
        # Every column time to approval reads, so it never touches the table (it replaced
        # one on submitted_on and one on agency and submitted_on, which SQLite's planner
        # would skip-scan and then fetch every row at random).
        Index("ix_submissions_approval", "submitted_on", "agency", "submission_type",
              "decided_on", "outcome", "site_id"),
        Index("ix_submissions_status", "status"),
        Index("ix_submissions_site", "site_id"),
        # The tracker's order (db/regulatory.py TRACKER_ORDER, the same expression to the
        # letter, so both engines read its pages from this index).
        Index("ix_submissions_tracker",
              text("coalesce(submitted_on, target_on, '9999-12-31')"), "id"),
        UniqueConstraint("agency", "application_number", "sequence"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(120))
    application_number: Mapped[str] = mapped_column(String(40))
    sequence: Mapped[str] = mapped_column(String(20), default="0000")
    submission_type: Mapped[str] = mapped_column(String(24))
    agency: Mapped[str] = mapped_column(String(24))
    region: Mapped[str] = mapped_column(String(40))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    submitted_on: Mapped[date | None] = mapped_column(Date)
    validated_on: Mapped[date | None] = mapped_column(Date)
    target_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    # approved | rejected | withdrawn; NULL while pending.
    outcome: Mapped[str | None] = mapped_column(String(16))
    question_rounds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(24), default="planned")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
