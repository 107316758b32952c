"""Full-text search over questions: titles, bodies and answers, ranked, on SQLite and PostgreSQL.

Migration 0002 builds the index and the triggers that keep it in step with `questions` and
`answers` (so bulk loads such as the demo seed are indexed too):
- SQLite: an FTS5 table `question_search(title, body, answers)`, rowid = question id, ranked with
  bm25 (title weighs most, then body, then answers);
- PostgreSQL: `question_search(question_id, document tsvector)` with a GIN index, the title
  weighted A, the body B and the answers C, ranked with ts_rank.
Relevance is returned "higher is better" on both engines, so callers can page with a keyset on
(relevance, id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Float, Select, cast, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from db.models import Question, QuestionTag

# Objects migration 0002 creates that are not in the models (FTS5 adds shadow tables named
# question_search_*); the schema comparison leaves exactly these out.
SEARCH_OBJECT_PREFIX = "question_search"
TS_CONFIG = "english"
# bm25 weights for the (title, body, answers) columns on SQLite.
BM25_WEIGHTS = (10.0, 4.0, 1.0)

_WORD = re.compile(r"[^\W_]+")
STOPWORDS = frozenset("""
a about above after again all am an and any are as at be been before being below between both
but by can could did do does doing down during each few for from further had has have having he
her here hers him his how i if in into is it its itself just me more most my no nor not now of
off on once only or other our out over own same she should so some such than that the their
them then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your yours
""".split())


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic filter: leave the search index (not part of the models) out of comparisons."""
    if type_ == "table" and name and name.startswith(SEARCH_OBJECT_PREFIX):
        return False
    return True


def terms(query: str, *, max_terms: int = 12, keep_common: bool = True) -> list[str]:
    """The words of a query, lower-cased, without common English words (unless that is all
    there is and `keep_common` is set)."""
    words = [w.lower() for w in _WORD.findall(query or "")][: max_terms * 3]
    words = list(dict.fromkeys(words))
    significant = [w for w in words if w not in STOPWORDS and len(w) > 1]
    return (significant or (words if keep_common else []))[:max_terms]


def _sqlite_match(words: list[str], *, any_word: bool, prefix_last: bool) -> str:
    # Every word is quoted, so nothing a person types can be read as FTS5 syntax.
    quoted = [f'"{w}"' for w in words]
    if prefix_last:
        quoted[-1] += "*"
    return (" OR " if any_word else " AND ").join(quoted)


def _pg_tsquery(words: list[str], *, any_word: bool, prefix_last: bool) -> str:
    parts = list(words)
    if prefix_last:
        parts[-1] += ":*"
    return (" | " if any_word else " & ").join(parts)


@dataclass(frozen=True)
class Hit:
    question_id: int
    relevance: float


def _ranked(session: Session, words: list[str], *, any_word: bool, prefix_last: bool) -> Select:
    """(id, relevance) of every question matching `words`, as a select to wrap."""
    if session.get_bind().dialect.name == "postgresql":
        doc = table("question_search", column("question_id"), column("document"))
        query = func.to_tsquery(literal_column(f"'{TS_CONFIG}'"),
                                _pg_tsquery(words, any_word=any_word, prefix_last=prefix_last))
        return select(
            doc.c.question_id.label("id"),
            cast(func.ts_rank(doc.c.document, query), Float).label("relevance"),
        ).where(doc.c.document.op("@@")(query))
    fts = table("question_search", column("rowid"))
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    return select(
        fts.c.rowid.label("id"),
        # bm25 is "lower is better"; negate it so both engines sort the same way.
        literal_column(f"-bm25(question_search, {weights})", Float).label("relevance"),
    ).where(literal_column("question_search").op("MATCH")(
        _sqlite_match(words, any_word=any_word, prefix_last=prefix_last)))


def search(session: Session, *, query: str, tag_id: int | None = None,
           after: tuple[float, int] | None = None, limit: int = 20, any_word: bool = False,
           prefix_last: bool = True, exclude_id: int | None = None) -> list[Hit]:
    """Visible questions matching `query`, best first; `after` is the last hit's (relevance, id).

    `any_word` matches questions holding any of the words (the duplicate hint), otherwise all.
    """
    words = terms(query, keep_common=not any_word)
    if not words:
        return []
    # MATERIALIZED keeps SQLite from flattening the FTS query into the outer WHERE, where bm25()
    # may not be called.
    hits = _ranked(session, words, any_word=any_word, prefix_last=prefix_last).cte(
        "hits").prefix_with("MATERIALIZED")
    q = (select(hits.c.id, hits.c.relevance)
         .join(Question, Question.id == hits.c.id)
         .where(Question.status == "visible"))
    if tag_id is not None:
        q = q.where(Question.id.in_(
            select(QuestionTag.question_id).where(QuestionTag.tag_id == tag_id)))
    if exclude_id is not None:
        q = q.where(Question.id != exclude_id)
    if after is not None:
        rel, last_id = after
        q = q.where((hits.c.relevance < rel) | ((hits.c.relevance == rel) & (hits.c.id < last_id)))
    rows = session.execute(
        q.order_by(hits.c.relevance.desc(), hits.c.id.desc()).limit(limit)).all()
    return [Hit(int(r.id), float(r.relevance)) for r in rows]


def rebuild(session: Session) -> int:
    """Rebuild the whole index from the tables (after a restore or a load with triggers off)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DELETE FROM question_search"))
        session.execute(text("SELECT question_search_refresh(id) FROM questions"))
    else:
        session.execute(text("DELETE FROM question_search"))
        session.execute(text(SQLITE_BACKFILL))
    return session.scalar(select(func.count()).select_from(table("question_search"))) or 0


SQLITE_ANSWERS_OF = (
    "(SELECT coalesce(group_concat(a.body, char(10)), '') FROM answers a "
    "WHERE a.question_id = {qid} AND a.status = 'visible')"
)
SQLITE_BACKFILL = (
    "INSERT INTO question_search (rowid, title, body, answers) "
    "SELECT q.id, q.title, q.body, " + SQLITE_ANSWERS_OF.format(qid="q.id") + " FROM questions q"
)
