"""Each person's activity per quarter and year

The engagement totals of a range (people active, contributors, top contributors) added up every
person's month rows: two years are 200k rows on the medium set, 70 ms on SQLite before the
weeks and days at the edges. Quarter and year rows, added up from the months, cut that to about
six rows per person. This fills them in for the activity already summarised; db.summaries keeps
them up to date from then on.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("events", "posts", "questions", "answers", "comments", "proposals", "suggestions")


def _period(dialect: str, grain: str) -> str:
    """The first day of the quarter or year holding a month row's period ('YYYY-MM-01')."""
    if dialect == "postgresql":
        unit = "quarter" if grain == "qtr" else "year"
        return f"to_char(date_trunc('{unit}', CAST(period AS date)), 'YYYY-MM-DD')"
    if grain == "year":
        return "substr(period, 1, 4) || '-01-01'"
    return ("substr(period, 1, 5) || CASE WHEN substr(period, 6, 2) <= '03' THEN '01-01' "
            "WHEN substr(period, 6, 2) <= '06' THEN '04-01' "
            "WHEN substr(period, 6, 2) <= '09' THEN '07-01' ELSE '10-01' END")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    sums = ", ".join(f"sum({c})" for c in COLUMNS)
    for grain in ("qtr", "year"):
        op.execute(
            f"INSERT INTO activity_periods (grain, period, user_id, site_id, {', '.join(COLUMNS)}) "
            f"SELECT '{grain}', {_period(dialect, grain)}, user_id, max(site_id), {sums} "
            "FROM activity_periods WHERE grain = 'month' "
            f"GROUP BY {_period(dialect, grain)}, user_id ORDER BY 2, 3")
    if dialect == "postgresql":
        # The new rows are read from the index alone only once VACUUM has marked their pages
        # all-visible, and autovacuum waits for a fifth of the table to change.
        with op.get_context().autocommit_block():
            op.execute("VACUUM ANALYZE activity_periods")


def downgrade() -> None:
    op.execute("DELETE FROM activity_periods WHERE grain IN ('qtr', 'year')")
