"""help_days: who helped whom each day, so the network page reads a summary, not every post

Also indexes answers and comments by creation time: the refresh recomputes a day's help from
the posts written that day.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "help_days",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("helped_id", sa.Integer(), nullable=False),
        sa.Column("acts", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("day", "helper_id", "helped_id"),
    )
    op.create_index("ix_answers_created", "answers", ["created_at"])
    op.create_index("ix_comments_created", "comments", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_comments_created", table_name="comments")
    op.drop_index("ix_answers_created", table_name="answers")
    op.drop_table("help_days")
