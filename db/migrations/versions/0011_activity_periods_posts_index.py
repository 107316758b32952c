"""Each person's posts in a range, read from an index alone

The engagement totals (people active in a range, and how many of them posted) add up every
person's month, week and day rows of the range. Through the primary key each row was then
fetched from the table: SQLite 240-290 ms over two years on the medium set (DuckDB on the raw
events: 111 ms), and PostgreSQL scanned the whole table on the large set (2.4 s). With the posts
in the index: 195 ms and 0.7 s.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_activity_periods_posts", "activity_periods",
                    ["grain", "period", "user_id", "posts"])


def downgrade() -> None:
    op.drop_index("ix_activity_periods_posts", table_name="activity_periods")
