"""Votes by time, with who voted for whom

Fair play looks for vote rings among the upvotes of the last 90 days. It grouped them in the
order of the (voter, recipient) index, which meant reading every vote ever cast (1.1M on the
medium set: 120 ms, and 90 more for each voter's total). The index on created_at now also
holds the value, the voter and the recipient, so the window is one range read of that index.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_votes_created_pair", "votes",
                    ["created_at", "value", "user_id", "recipient_id"])
    op.drop_index("ix_votes_created", table_name="votes")


def downgrade() -> None:
    op.create_index("ix_votes_created", "votes", ["created_at"])
    op.drop_index("ix_votes_created_pair", table_name="votes")
