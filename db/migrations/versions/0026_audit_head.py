"""The audit chain's head: one row naming the last record, kept by a trigger

Appending to the chain needs the last record's hash, and on PostgreSQL two writers must not
both chain onto the same one. That took an advisory lock and then a read of the last record:
two round trips on every write. Locking the head row (SELECT ... FOR UPDATE) does both in one,
because under READ COMMITTED a writer that waited for the row reads the version committed by
the writer before it. A trigger on audit_log keeps the head, whoever appends.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64  # db.audit.GENESIS, the link of the first record
_FOLLOW = "UPDATE audit_head SET last_id = {t}.id, hash = {t}.hash WHERE id = 1"
SQLITE_UP = [
    "CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_log BEGIN "
    f"{_FOLLOW.format(t='new')}; END",
]
PG_UP = [
    f"""
    CREATE FUNCTION audit_head_follows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {_FOLLOW.format(t='NEW')};
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_follows()",
]


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.execute(
        "INSERT INTO audit_head (id, last_id, hash) "
        f"SELECT 1, max(id), coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), "
        f"'{GENESIS}') FROM audit_log")
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_head_follows ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_head_follows()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_head_follows")
    op.drop_table("audit_head")
