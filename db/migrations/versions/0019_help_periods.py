"""Who helped whom per month, quarter and year

The network page read every help day of its range (240k rows for two years on the medium set,
55-70 ms before any counting). help_periods keeps each helper's help over a whole month,
quarter and year as one row of packed (helper, helped, acts) numbers; a range reads its whole
periods from it and only the loose days at its ends from help_days. This creates the table
empty: the next summary refresh (the first analytics page, or the seed) fills it.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "help_periods",
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("helper_id", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("grain", "period", "helper_id", name=op.f("pk_help_periods")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("help_periods")
    op.execute("DELETE FROM summary_state WHERE name = 'help.periods'")
