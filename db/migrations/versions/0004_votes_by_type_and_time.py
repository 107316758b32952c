"""votes: an index on (entity_type, created_at, entity_id, value) for trending suggestions

Trending sums the recent up-votes per suggestion; this index holds everything that reads,
in the order it reads it, so the sum never touches the table or the older votes.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_votes_type_created", "votes",
                    ["entity_type", "created_at", "entity_id", "value"])


def downgrade() -> None:
    op.drop_index("ix_votes_type_created", table_name="votes")
