"""Posts keep their fingerprint; points are indexed by person and action

Every post checks that its author has not posted the same text lately. That read up to 200 of
the author's latest texts and hashed each one (10 microseconds a text, so up to 2 ms on every
answer by someone prolific). Questions, answers, comments and suggestions now keep the
fingerprint of their text (questions of their title too), set by the ORM whenever the text is
set, and the check compares fingerprints in SQL from the (author, created_at) indexes, which
now hold them.

An upvote checks the recipient's "Helpful" badge by counting their upvote points (up to 250).
That read each point's row from the table (0.8 ms of every upvote on a cold cache);
`ix_point_events_user_action` holds every column that count needs.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The app's own fingerprint: what is stored must equal what check_posting computes.
from db.text import fingerprint

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, text column, fingerprint column), and the columns each author index gets.
_TEXTS = (
    ("questions", "body", "fingerprint"),
    ("questions", "title", "title_fingerprint"),
    ("answers", "body", "fingerprint"),
    ("comments", "body", "fingerprint"),
    ("suggestions", "description", "fingerprint"),
)
_AUTHOR_INDEXES = {
    "questions": ("ix_questions_author_created", ["author_id", "created_at"],
                  ["fingerprint", "title_fingerprint"]),
    "answers": ("ix_answers_author_created", ["author_id", "created_at"], ["fingerprint"]),
    "comments": ("ix_comments_author_created", ["author_id", "created_at"], ["fingerprint"]),
    "suggestions": ("ix_suggestions_author", ["author_id"], ["created_at", "fingerprint"]),
}
_BATCH = 5000


def _fill(table: str, text_column: str, fingerprint_column: str) -> None:
    """Fingerprint every existing row, a batch at a time in id order."""
    conn = op.get_bind()
    t = sa.table(table, sa.column("id", sa.Integer), sa.column(text_column, sa.Text),
                 sa.column(fingerprint_column, sa.String))
    fill = sa.update(t).where(t.c.id == sa.bindparam("row_id")).values(
        {fingerprint_column: sa.bindparam("fp")})
    last = 0
    while True:
        rows = conn.execute(sa.select(t.c.id, t.c[text_column]).where(t.c.id > last)
                            .order_by(t.c.id).limit(_BATCH)).all()
        if not rows:
            return
        conn.execute(fill, [{"row_id": i, "fp": None if s is None else fingerprint(s)}
                            for i, s in rows])
        last = rows[-1][0]


def upgrade() -> None:
    # Plain ALTER TABLE ... ADD COLUMN: rebuilding the table (batch mode) would drop the
    # search triggers on questions and answers.
    for table, text_column, fingerprint_column in _TEXTS:
        op.add_column(table, sa.Column(fingerprint_column, sa.String(64), nullable=True))
        _fill(table, text_column, fingerprint_column)
    for table, (name, columns, added) in _AUTHOR_INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns + added)
    op.create_index("ix_point_events_user_action", "point_events",
                    ["user_id", "action", "voided_at"])


def downgrade() -> None:
    op.drop_index("ix_point_events_user_action", table_name="point_events")
    for table, (name, columns, _added) in _AUTHOR_INDEXES.items():
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
    for table, _text_column, fingerprint_column in reversed(_TEXTS):
        op.drop_column(table, fingerprint_column)
