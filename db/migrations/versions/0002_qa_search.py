"""question search: full-text index over titles, bodies and answers

SQLite: an FTS5 table `question_search(title, body, answers)` whose rowid is the question id.
PostgreSQL: `question_search(question_id, document tsvector)` with a GIN index; the title is
weighted A, the body B and the visible answers C.
On both, triggers on `questions` and `answers` keep the index in step, so every way of writing
(services, the demo seed's bulk inserts, a manual fix) is indexed. Hidden questions stay in the
index and are filtered out at query time; hidden answers leave it.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ANSWERS_OF = (
    "(SELECT coalesce(group_concat(a.body, char(10)), '') FROM answers a "
    "WHERE a.question_id = {qid} AND a.status = 'visible')"
)

SQLITE_UP = [
    # porter: "submitted" finds "submission"; remove_diacritics: "Tomás" finds "Tomas".
    "CREATE VIRTUAL TABLE question_search USING fts5("
    "title, body, answers, tokenize = 'porter unicode61 remove_diacritics 2')",
    "INSERT INTO question_search (rowid, title, body, answers) "
    f"SELECT q.id, q.title, q.body, {_ANSWERS_OF.format(qid='q.id')} FROM questions q",
    "CREATE TRIGGER question_search_q_insert AFTER INSERT ON questions BEGIN "
    "INSERT INTO question_search (rowid, title, body, answers) "
    f"VALUES (new.id, new.title, new.body, {_ANSWERS_OF.format(qid='new.id')}); END",
    "CREATE TRIGGER question_search_q_update AFTER UPDATE OF title, body ON questions BEGIN "
    "UPDATE question_search SET title = new.title, body = new.body WHERE rowid = new.id; END",
    "CREATE TRIGGER question_search_q_delete AFTER DELETE ON questions BEGIN "
    "DELETE FROM question_search WHERE rowid = old.id; END",
    "CREATE TRIGGER question_search_a_insert AFTER INSERT ON answers BEGIN "
    f"UPDATE question_search SET answers = {_ANSWERS_OF.format(qid='new.question_id')} "
    "WHERE rowid = new.question_id; END",
    "CREATE TRIGGER question_search_a_update AFTER UPDATE OF body, status, question_id "
    "ON answers BEGIN "
    f"UPDATE question_search SET answers = {_ANSWERS_OF.format(qid='old.question_id')} "
    "WHERE rowid = old.question_id; "
    f"UPDATE question_search SET answers = {_ANSWERS_OF.format(qid='new.question_id')} "
    "WHERE rowid = new.question_id; END",
    "CREATE TRIGGER question_search_a_delete AFTER DELETE ON answers BEGIN "
    f"UPDATE question_search SET answers = {_ANSWERS_OF.format(qid='old.question_id')} "
    "WHERE rowid = old.question_id; END",
]
SQLITE_DOWN = [
    *(f"DROP TRIGGER IF EXISTS question_search_{t}" for t in (
        "q_insert", "q_update", "q_delete", "a_insert", "a_update", "a_delete")),
    "DROP TABLE IF EXISTS question_search",
]

PG_UP = [
    "CREATE TABLE question_search ("
    "question_id integer PRIMARY KEY REFERENCES questions (id) ON DELETE CASCADE, "
    "document tsvector NOT NULL)",
    "CREATE INDEX ix_question_search_document ON question_search USING gin (document)",
    """
    CREATE FUNCTION question_search_refresh(qid integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO question_search (question_id, document)
        SELECT q.id,
               setweight(to_tsvector('english', coalesce(q.title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(q.body, '')), 'B')
            || setweight(to_tsvector('english', coalesce(
                   (SELECT string_agg(a.body, E'\\n' ORDER BY a.id) FROM answers a
                     WHERE a.question_id = q.id AND a.status = 'visible'), '')), 'C')
          FROM questions q WHERE q.id = qid
        ON CONFLICT (question_id) DO UPDATE SET document = excluded.document
    $$
    """,
    """
    CREATE FUNCTION question_search_on_question() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM question_search_refresh(NEW.id);
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION question_search_on_answer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM question_search_refresh(OLD.question_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.question_id <> OLD.question_id) THEN
            PERFORM question_search_refresh(NEW.question_id);
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER question_search_question AFTER INSERT OR UPDATE OF title, body "
    "ON questions FOR EACH ROW EXECUTE FUNCTION question_search_on_question()",
    "CREATE TRIGGER question_search_answer AFTER INSERT OR DELETE OR UPDATE OF body, status, "
    "question_id ON answers FOR EACH ROW EXECUTE FUNCTION question_search_on_answer()",
    "SELECT question_search_refresh(id) FROM questions",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS question_search_answer ON answers",
    "DROP TRIGGER IF EXISTS question_search_question ON questions",
    "DROP FUNCTION IF EXISTS question_search_on_answer()",
    "DROP FUNCTION IF EXISTS question_search_on_question()",
    "DROP FUNCTION IF EXISTS question_search_refresh(integer)",
    "DROP TABLE IF EXISTS question_search",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_UP if postgres else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_DOWN if postgres else SQLITE_DOWN:
        op.execute(statement)
