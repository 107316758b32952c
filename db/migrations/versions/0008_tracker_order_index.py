"""The submissions tracker reads its pages from an index of its own order

The tracker lists submissions latest first (by submission date, or target date while planned),
which no index held: every page sorted the whole range (20-50 ms on the medium set). The
expression below is the one db/regulatory.py orders by, to the letter.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_submissions_tracker", "submissions",
                    [sa.text("coalesce(submitted_on, target_on, '9999-12-31')"), "id"])


def downgrade() -> None:
    op.drop_index("ix_submissions_tracker", table_name="submissions")
