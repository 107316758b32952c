"""The points an action gave, found by what gave them

Taking back a vote on a suggestion voids the points that vote gave, whoever received them:
with no index on what gave the points, SQLite read the whole ledger inside the write (1.4M
rows on the medium set: 145 ms, with every other writer waiting). Taking back a vote on a post
read every point its author ever earned. Both now look the vote up by index.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_point_events_entity", "point_events", ["entity_type", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_point_events_entity", table_name="point_events")
