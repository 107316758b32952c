"""Suggestions keep their trending key with their vote count

"Trending" summed every recent vote's weight on each request (a read of up to 280 days of
votes). Each vote halves on the same clock, so one number per suggestion orders them the same
at any moment: `trend`, the day (counted from 2000-01-01) on which one fresh vote would weigh
as much as all of its votes. It is kept on every vote, retraction and merge.

Revision ID: 0007
Revises: 0006
"""

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EPOCH = datetime(2000, 1, 1)
HALF_LIFE_DAYS = 14  # as db/suggestions.py, when this migration was written

votes = sa.table("votes", sa.column("entity_type", sa.String), sa.column("entity_id", sa.Integer),
                 sa.column("created_at", sa.DateTime))
suggestions = sa.table("suggestions", sa.column("id", sa.Integer), sa.column("trend", sa.Float))


def _days(at: datetime) -> float:
    return (at - EPOCH).total_seconds() / 86400.0


def upgrade() -> None:
    with op.batch_alter_table("suggestions") as batch:
        batch.add_column(sa.Column("trend", sa.Float(), nullable=False, server_default="0"))
    bind = op.get_bind()
    now = _days(datetime.now(UTC).replace(tzinfo=None))
    weight: dict[int, float] = defaultdict(float)
    rows = bind.execute(sa.select(votes.c.entity_id, votes.c.created_at)
                        .where(votes.c.entity_type == "suggestion"))
    for sid, at in rows:
        weight[sid] += 0.5 ** ((now - _days(at)) / HALF_LIFE_DAYS)
    keys = [{"sid": sid, "t": now + HALF_LIFE_DAYS * math.log2(w)}
            for sid, w in weight.items() if w > 0]
    if keys:
        bind.execute(suggestions.update().where(suggestions.c.id == sa.bindparam("sid"))
                     .values(trend=sa.bindparam("t")), keys)
    op.create_index("ix_suggestions_trend", "suggestions", ["trend", "id"])


def downgrade() -> None:
    op.drop_index("ix_suggestions_trend", table_name="suggestions")
    with op.batch_alter_table("suggestions") as batch:
        batch.drop_column("trend")
