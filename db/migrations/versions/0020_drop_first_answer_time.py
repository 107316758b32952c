"""Questions no longer keep the time of their first answer

Migration 0016 gave questions `answer_seconds`, the same fact the time to first answer charts
read, and nothing reads `first_answer_at` any more: two columns kept in step by every answer
and moderation decision are one too many.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): rebuilding the table, as batch mode
    # would, drops the search triggers on it.
    op.drop_column("questions", "first_answer_at")


def downgrade() -> None:
    op.add_column("questions", sa.Column("first_answer_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE questions SET first_answer_at = (SELECT min(answers.created_at) "
               "FROM answers WHERE answers.question_id = questions.id "
               "AND answers.status = 'visible')")
