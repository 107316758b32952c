"""An index holding every column of help_days

The who-helps-whom pairs read every help day of the range (240k rows over two years on the
medium set). Through the primary key alone, SQLite fetched each row's acts from the table; this
index holds all four columns, so the read never leaves it.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_help_days_acts", "help_days", ["day", "helper_id", "helped_id", "acts"])


def downgrade() -> None:
    op.drop_index("ix_help_days_acts", table_name="help_days")
