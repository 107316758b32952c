"""Questions keep the time of their first visible answer

Time to first answer looked up each question's first visible answer with a subquery: 0.4-0.7 s
over two years of the medium set on PostgreSQL. The time is now kept with answer_count, by the
same writes (a new answer, a moderator hiding, deleting or restoring one).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("first_answer_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE questions SET first_answer_at = (SELECT min(answers.created_at) "
               "FROM answers WHERE answers.question_id = questions.id "
               "AND answers.status = 'visible')")


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("first_answer_at")
