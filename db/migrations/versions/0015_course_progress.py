"""Each learner's progress per course

Course completion grouped every lesson's progress by learner and course on each view: 190k
rows on the medium set, 130-170 ms, against DuckDB's 12-15 ms. course_progress keeps one row per
learner and course (lessons completed, last worked on), updated with their lesson progress; a
range that ends today reads it instead. This creates it and fills it from the progress so far.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_progress",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("last_worked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"],
                                name=op.f("fk_course_progress_course_id_courses")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_course_progress_user_id_users")),
        sa.PrimaryKeyConstraint("course_id", "user_id", name=op.f("pk_course_progress")),
    )
    op.create_index("ix_course_progress_worked", "course_progress", ["last_worked_at"])
    op.execute(
        "INSERT INTO course_progress (course_id, user_id, completed, last_worked_at) "
        "SELECT l.course_id, p.user_id, count(p.completed_at), "
        "max(CASE WHEN p.completed_at > p.updated_at THEN p.completed_at ELSE p.updated_at END) "
        "FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id "
        "WHERE l.published_revision_id IS NOT NULL GROUP BY l.course_id, p.user_id")


def downgrade() -> None:
    op.drop_index("ix_course_progress_worked", table_name="course_progress")
    op.drop_table("course_progress")
