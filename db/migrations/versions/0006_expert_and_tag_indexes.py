"""Indexes for the expert finder and tag counts: read from indexes, not from post bodies

- answers by author and by question with status, acceptance and score: the expert finder adds
  them up without reading any answer's text;
- question_tags by (tag, question) instead of by tag alone: a topic's questions from the index;
- the questions that are not visible (a partial index): tag counts subtract them.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_VISIBLE = sa.text("status <> 'visible'")


def upgrade() -> None:
    op.create_index("ix_answers_author_votes", "answers",
                    ["author_id", "status", "is_accepted", "score"])
    op.create_index("ix_answers_question_votes", "answers",
                    ["question_id", "status", "author_id", "is_accepted", "score"])
    op.create_index("ix_question_tags_tag_question", "question_tags", ["tag_id", "question_id"])
    op.drop_index("ix_question_tags_tag_id", table_name="question_tags")
    op.create_index("ix_questions_not_visible", "questions", ["id"],
                    sqlite_where=NOT_VISIBLE, postgresql_where=NOT_VISIBLE)


def downgrade() -> None:
    op.drop_index("ix_questions_not_visible", table_name="questions")
    op.create_index("ix_question_tags_tag_id", "question_tags", ["tag_id"])
    op.drop_index("ix_question_tags_tag_question", table_name="question_tags")
    op.drop_index("ix_answers_question_votes", table_name="answers")
    op.drop_index("ix_answers_author_votes", table_name="answers")
