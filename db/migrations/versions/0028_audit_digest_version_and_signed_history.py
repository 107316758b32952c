"""Audit records seal who acted; signed lesson history cannot be rewritten

The audit hash left out actor_id, so who acted could be changed unnoticed. New records are
hashed over every column (db.audit._digest version 2). The table refuses UPDATE, so the records
already written keep their version 1 hashes: digest_version says which digest each record was
written with, and the server default marks the existing ones (and any written by older code) 1.

Only the audit table refused changes: a signed revision's text, or the signature itself, could
be changed or removed in the database and only the signature manifest would notice. Now the
database refuses to delete revisions and signatures, to change a signature, and to change
anything of a revision but its state (the app moves revisions through review).

The downgrade leaves digest_version in place: without it the version 2 records could never be
verified again, and older code still writes version 1 records (through the server default).

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEPT = "a lesson revision is kept as written: only its state can change"
NOT_REMOVED = "lesson revisions cannot be removed"
SIGNED = "signatures cannot be changed or removed"
# Every column of lesson_revisions but state.
FROZEN = ("id", "lesson_id", "number", "title", "body", "summary", "author_id", "based_on_id",
          "content_hash", "created_at")


def _changed(distinct: str) -> str:
    return " OR ".join(f"NEW.{c} {distinct} OLD.{c}" for c in FROZEN)


def _refuse(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


SQLITE_UP = [
    f"CREATE TRIGGER lesson_revisions_no_rewrite BEFORE UPDATE ON lesson_revisions "
    f"WHEN {_changed('IS NOT')} {_refuse(KEPT)}",
    f"CREATE TRIGGER lesson_revisions_no_delete BEFORE DELETE ON lesson_revisions "
    f"{_refuse(NOT_REMOVED)}",
    f"CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures {_refuse(SIGNED)}",
    f"CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures {_refuse(SIGNED)}",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS lesson_revisions_no_rewrite",
    "DROP TRIGGER IF EXISTS lesson_revisions_no_delete",
    "DROP TRIGGER IF EXISTS signatures_no_update",
    "DROP TRIGGER IF EXISTS signatures_no_delete",
]
PG_UP = [
    "CREATE FUNCTION signed_history_refuses() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$",
    "CREATE TRIGGER lesson_revisions_no_rewrite BEFORE UPDATE ON lesson_revisions "
    f"FOR EACH ROW WHEN ({_changed('IS DISTINCT FROM')}) "
    f"EXECUTE FUNCTION signed_history_refuses('{KEPT}')",
    "CREATE TRIGGER lesson_revisions_no_delete BEFORE DELETE ON lesson_revisions "
    f"FOR EACH ROW EXECUTE FUNCTION signed_history_refuses('{NOT_REMOVED}')",
    "CREATE TRIGGER lesson_revisions_no_truncate BEFORE TRUNCATE ON lesson_revisions "
    f"FOR EACH STATEMENT EXECUTE FUNCTION signed_history_refuses('{NOT_REMOVED}')",
    "CREATE TRIGGER signatures_no_change BEFORE UPDATE OR DELETE ON signatures "
    f"FOR EACH ROW EXECUTE FUNCTION signed_history_refuses('{SIGNED}')",
    "CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON signatures "
    f"FOR EACH STATEMENT EXECUTE FUNCTION signed_history_refuses('{SIGNED}')",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS lesson_revisions_no_rewrite ON lesson_revisions",
    "DROP TRIGGER IF EXISTS lesson_revisions_no_delete ON lesson_revisions",
    "DROP TRIGGER IF EXISTS lesson_revisions_no_truncate ON lesson_revisions",
    "DROP TRIGGER IF EXISTS signatures_no_change ON signatures",
    "DROP TRIGGER IF EXISTS signatures_no_truncate ON signatures",
    "DROP FUNCTION IF EXISTS signed_history_refuses()",
]


def upgrade() -> None:
    bind = op.get_bind()
    # Present already when the database was downgraded past here and upgraded again.
    if "digest_version" not in {c["name"] for c in sa.inspect(bind).get_columns("audit_log")}:
        # Adding a column with a default rewrites no rows (and fires no audit_log trigger).
        op.add_column("audit_log", sa.Column("digest_version", sa.SmallInteger(),
                                             server_default=sa.text("1"), nullable=False))
    for statement in PG_UP if bind.dialect.name == "postgresql" else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
