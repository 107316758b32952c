"""Full-text search: ranking on known data, the index kept in step, the duplicate hint."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text, update

from db import qa, search
from db.models import Answer, Base, Question
from tests.conftest import add_person

BODY = "Some background so the question makes sense to colleagues at other sites."


@pytest.fixture
def crowd(db, people):
    """Extra people, so rate limits never get in the way of setting up data."""
    return list(people.values()) + [add_person(db, f"user{i}", "learner") for i in range(6)]


def ask(db, actor, title, body=BODY, tags=("general",)) -> int:
    with db.write() as s:
        return qa.ask(s, actor=actor, title=title, body=body, tags=list(tags))


def answer(db, actor, qid, body) -> int:
    with db.write() as s:
        return qa.answer(s, actor=actor, question_id=qid, body=body)


def found(db, actor, query, **kw) -> list[int]:
    with db.read() as s:
        return [r.id for r in qa.search_questions(s, actor=actor, query=query, **kw).rows]


def test_title_match_ranks_above_body_above_answer(db, crowd):
    a, b, c, d = crowd[:4]
    in_answer = ask(db, a, "Who approves the annual report for a licence?")
    answer(db, b, in_answer, "The pharmacovigilance lead signs it off.")
    in_body = ask(db, c, "Signing off the periodic safety report",
                  body="Our pharmacovigilance team asks who signs the PSUR. " + BODY)
    in_title = ask(db, d, "Pharmacovigilance system master file: who owns it?")
    ask(db, crowd[4], "Unrelated question about cleaning validation limits")
    assert found(db, a, "pharmacovigilance") == [in_title, in_body, in_answer]


def test_more_matching_words_rank_higher_and_words_are_stemmed(db, crowd):
    both = ask(db, crowd[0], "Stability data requirements for variations")
    one = ask(db, crowd[1], "Stability chambers mapping frequency question")
    assert found(db, crowd[2], "variation stability") == [both]  # every word must match
    with db.read() as s:
        hits = qa.similar_questions(s, title="stability of variations")
    assert [h.id for h in hits] == [both, one]


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR NOT", "NEAR(a b)", "title:x*",
                                   "'; DROP TABLE questions; --", "^*()", "ü-ß-é", ""])
def test_hostile_or_odd_queries_do_not_fail(db, crowd, query):
    ask(db, crowd[0], "A perfectly ordinary question about labelling")
    found(db, crowd[1], query)  # no error


def test_prefix_of_last_word_matches_while_typing(db, crowd):
    qid = ask(db, crowd[0], "Serialisation rules for the Russian market")
    assert found(db, crowd[1], "serialis") == [qid]


def test_index_follows_edits_answers_and_moderation(db, crowd):
    qid = ask(db, crowd[0], "Question about tablet coating defects")
    assert found(db, crowd[1], "coating") == [qid]
    with db.write() as s:
        qa.edit_question(s, actor=crowd[0], question_id=qid,
                         title="Question about tablet friability limits", body=BODY,
                         tags=["general"])
    assert found(db, crowd[1], "coating") == []
    assert found(db, crowd[1], "friability") == [qid]
    aid = answer(db, crowd[2], qid, "Check the pharmacopoeia monograph for friability.")
    assert found(db, crowd[1], "monograph") == [qid]
    with db.write() as s:
        s.execute(update(Answer).where(Answer.id == aid).values(status="hidden"))
    assert found(db, crowd[1], "monograph") == []
    with db.write() as s:
        s.execute(update(Question).where(Question.id == qid).values(status="hidden"))
    assert found(db, crowd[1], "friability") == []


def test_search_pages_by_keyset_and_filters_by_tag(db, crowd):
    ids = [ask(db, crowd[i], f"Deviation report number {i} needs a root cause",
               tags=["deviations"] if i % 2 else ["general"]) for i in range(7)]
    seen = []
    after = None
    with db.read() as s:
        while True:
            page = qa.search_questions(s, actor=crowd[0], query="deviation", after=after,
                                       limit=3)
            seen += [r.id for r in page.rows]
            assert all(r.relevance is not None for r in page.rows)
            if page.next_cursor is None:
                break
            after = page.next_cursor
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert sorted(found(db, crowd[0], "deviation", tag="deviations")) == ids[1::2]
    assert found(db, crowd[0], "deviation", tag="no-such-tag") == []


def test_duplicate_hint_finds_the_near_duplicate_first(db, crowd):
    dup = ask(db, crowd[0], "How long is the clock stop for an EMA Type II variation?",
              tags=["variations"])
    ask(db, crowd[1], "Clock stop rules for FDA complete response letters", tags=["nda"])
    ask(db, crowd[2], "Cleaning validation limits for shared equipment", tags=["gmp"])
    with db.read() as s:
        hint = qa.similar_questions(s, title="EMA type II variation clock stop length")
        assert hint[0].id == dup
        assert "Cleaning" not in " ".join(h.title for h in hint)
        assert qa.similar_questions(s, title="How") == []  # too little to go on
        assert qa.similar_questions(s, title="the and of") == []
        assert qa.similar_questions(s, title="EMA type II variation clock stop",
                                    exclude_id=dup)[0].id != dup


def test_rebuild_restores_the_index(db, crowd):
    qid = ask(db, crowd[0], "Batch record review before QP certification")
    answer(db, crowd[1], qid, "Use the electronic batch record checklist.")
    with db.write() as s:
        assert search.rebuild(s) == 1
    assert found(db, crowd[2], "checklist") == [qid]


def _entries(db) -> dict:
    """What the index holds per question: the words (PostgreSQL, without positions) or the
    texts (SQLite)."""
    sql = ("SELECT question_id, strip(document)::text FROM question_search"
           if not db.is_sqlite else
           "SELECT rowid, title || '|' || body || '|' || answers FROM question_search")
    with db.read() as s:
        return dict(s.execute(text(sql)).all())


def test_answers_appended_to_the_index_equal_a_rebuild(db, crowd):
    """A new answer is added to the end of its question's entry (migration 0024): the entry is
    what indexing the question and its visible answers afresh gives."""
    busy = ask(db, crowd[0], "Annual product quality review timelines")
    quiet = ask(db, crowd[1], "Who signs the site master file?")
    first = answer(db, crowd[2], busy, "Ours is due 60 days after the period ends.")
    answer(db, crowd[3], busy, "We align it with the management review, quarterly.")
    with db.write() as s:  # a hidden answer stays out, and one posted after it goes in
        s.execute(update(Answer).where(Answer.id == first).values(status="hidden"))
    answer(db, crowd[4], busy, "Trending charts come from the LIMS export.")
    answer(db, crowd[0], quiet, "The head of quality does, with the site head.")
    kept = _entries(db)
    with db.write() as s:
        search.rebuild(s)
    assert _entries(db) == kept
    assert found(db, crowd[5], "lims trending") == [busy]
    assert found(db, crowd[5], "quarterly") == [busy]
    assert found(db, crowd[5], "period ends") == []


def test_schema_comparison_leaves_out_only_the_search_index(db):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    # Without the filter, the search objects (and nothing else) show up as "not in the models".
    names = {d[1].name if d[0] == "remove_table" else d[1].table.name for d in diff}
    assert {d[0] for d in diff} <= {"remove_table", "remove_index"}
    assert names and all(n.startswith(search.SEARCH_OBJECT_PREFIX) for n in names)
