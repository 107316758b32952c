"""Points per person per leaderboard period, kept by triggers

The all-time leaderboard added up the whole points ledger on every view: 2.4 s on SQLite and
0.22 s on PostgreSQL at 1.4M points (this month's board 85 ms). point_totals holds each
person's live points for all time, each month and each week. Triggers on point_events keep it
in step with every insert, void, restore and delete, whoever writes: the services, the seed, a
test or a manual fix. The backfill adds up the ledger once.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The period keys of a point written at {t}.created_at: its month and its week's Monday.
# On SQLite from the stored text's date: its date functions round to the millisecond, which
# would move 23:59:59.9999 on a Sunday into the next week.
_SQLITE_KEYS = ("'month ' || substr({t}.created_at, 1, 7) || '-01'",
                "'week ' || date(substr({t}.created_at, 1, 10), 'weekday 0', '-6 days')")
_PG_KEYS = ("'month ' || to_char({t}.created_at, 'YYYY-MM-01')",
            "'week ' || to_char(date_trunc('week', {t}.created_at), 'YYYY-MM-DD')")


def _periods(keys: tuple[str, str], t: str) -> str:
    return f"'all', {keys[0].format(t=t)}, {keys[1].format(t=t)}"


def _add(keys: tuple[str, str], t: str, when: str = "true") -> str:
    # A SELECT, not VALUES, so that SQLite's update trigger can add a condition.
    rows = " UNION ALL ".join(f"SELECT {p} AS period, {t}.user_id AS user_id, {t}.points AS points"
                              for p in ("'all'", keys[0].format(t=t), keys[1].format(t=t)))
    return (f"INSERT INTO point_totals (period, user_id, points) SELECT * FROM ({rows}) AS p "
            f"WHERE {when} ON CONFLICT (period, user_id) DO UPDATE "
            "SET points = point_totals.points + excluded.points")


def _subtract(keys: tuple[str, str], t: str) -> str:
    return (f"UPDATE point_totals SET points = points - {t}.points "
            f"WHERE user_id = {t}.user_id AND period IN ({_periods(keys, t)})")


def _backfill(keys: tuple[str, str]) -> str:
    grouped = " UNION ALL ".join(
        f"SELECT {p} AS period, user_id, SUM(points) AS points FROM point_events e "
        f"WHERE voided_at IS NULL GROUP BY 1, 2"
        for p in ("'all'", keys[0].format(t="e"), keys[1].format(t="e")))
    return f"INSERT INTO point_totals (period, user_id, points) {grouped}"


SQLITE_UP = [
    "CREATE TRIGGER point_totals_insert AFTER INSERT ON point_events "
    f"WHEN new.voided_at IS NULL BEGIN {_add(_SQLITE_KEYS, 'new')}; END",
    # Any change that moves a live point: take the old one off, put the new one on.
    "CREATE TRIGGER point_totals_update AFTER UPDATE OF user_id, points, created_at, voided_at "
    "ON point_events BEGIN "
    f"{_subtract(_SQLITE_KEYS, 'old')} AND old.voided_at IS NULL; "
    f"{_add(_SQLITE_KEYS, 'new', when='new.voided_at IS NULL')}; END",
    "CREATE TRIGGER point_totals_delete AFTER DELETE ON point_events "
    f"WHEN old.voided_at IS NULL BEGIN {_subtract(_SQLITE_KEYS, 'old')}; END",
]
PG_UP = [
    f"""
    CREATE FUNCTION point_totals_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.voided_at IS NULL THEN
            {_subtract(_PG_KEYS, 'OLD')};
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.voided_at IS NULL THEN
            {_add(_PG_KEYS, 'NEW')};
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER point_totals_change AFTER INSERT OR DELETE OR UPDATE OF user_id, points, "
    "created_at, voided_at ON point_events FOR EACH ROW EXECUTE FUNCTION point_totals_change()",
]


def upgrade() -> None:
    op.create_table(
        "point_totals",
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_point_totals_user_id_users")),
        sa.PrimaryKeyConstraint("period", "user_id", name=op.f("pk_point_totals")),
        sqlite_with_rowid=False,
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(_backfill(_PG_KEYS if postgres else _SQLITE_KEYS))
    for statement in PG_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS point_totals_change ON point_events")
        op.execute("DROP FUNCTION IF EXISTS point_totals_change()")
    else:
        for verb in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS point_totals_{verb}")
    op.drop_table("point_totals")
