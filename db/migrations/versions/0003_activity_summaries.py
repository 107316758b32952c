"""activity summaries: people active per day, week and month, kept by db.summaries.refresh

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = ("posts", "questions", "answers", "comments", "proposals", "suggestions")


def _ints(*names: str) -> list[sa.Column]:
    return [sa.Column(n, sa.Integer(), nullable=False, server_default="0") for n in names]


def upgrade() -> None:
    op.create_table(
        "activity_periods",
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *_ints("site_id", "events", *_COUNTS),
        sa.PrimaryKeyConstraint("grain", "period", "user_id"),
    )
    op.create_table(
        "activity_counts",
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        *_ints("people", "contributors", *_COUNTS),
        sa.PrimaryKeyConstraint("grain", "period", "site_id"),
    )
    op.create_table(
        "first_posts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "summary_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    for table in ("summary_state", "first_posts", "activity_counts", "activity_periods"):
        op.drop_table(table)
