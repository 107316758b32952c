"""Course completion reads learners' progress from the lesson index alone

Course completion per course and site groups every learner's progress by course: through the
index on lesson_id alone, each of the 190k progress rows of the medium set was then fetched
from the table (SQLite, two years: 520 ms). With the person and both times in the index it
reads the index alone (300 ms); lookups by lesson use it as before.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_lesson_progress_lesson", table_name="lesson_progress")
    op.create_index("ix_lesson_progress_lesson", "lesson_progress",
                    ["lesson_id", "user_id", "completed_at", "updated_at"])


def downgrade() -> None:
    op.drop_index("ix_lesson_progress_lesson", table_name="lesson_progress")
    op.create_index("ix_lesson_progress_lesson", "lesson_progress", ["lesson_id"])
