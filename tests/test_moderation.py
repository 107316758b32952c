"""Community rules: flags and the hiding threshold, the moderation queue, rate limits, repeats."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from db import content, moderation, notify, points, qa, suggestions
from db.actors import Actor
from db.errors import Conflict, NotFound, PermissionDenied, ValidationError
from db.models import (
    Answer,
    AuditRecord,
    Comment,
    Flag,
    Question,
    Setting,
    Suggestion,
    utcnow,
)
from tests.conftest import add_person
from tests.test_content import new_course, new_lesson, sign, submit

REASON = moderation.REASONS[0]
BODY = "Background for the question, long enough to be a real question body."


@pytest.fixture
def flaggers(db):
    return [add_person(db, f"flagger{i}", "learner") for i in range(4)]


def ask(db, actor, title="Where is the stability protocol template kept?", body=BODY) -> int:
    with db.write() as s:
        return qa.ask(s, actor=actor, title=title, body=body, tags=["stability"])


def flag(db, actor, etype, eid, reason=REASON, details=""):
    with db.write() as s:
        return moderation.flag(s, actor=actor, entity_type=etype, entity_id=eid, reason=reason,
                               details=details)


def status(db, model, eid, column="status"):
    with db.read() as s:
        return getattr(s.get(model, eid), column)


# --- flags --------------------------------------------------------------------------------


def test_third_flag_hides_pending_review_and_tells_the_author(db, people, flaggers):
    lena = people["learner"]
    qid = ask(db, lena)
    assert flag(db, flaggers[0], "question", qid) == moderation.FlagResult(1, "visible")
    assert flag(db, flaggers[1], "question", qid).status == "visible"
    assert flag(db, flaggers[2], "question", qid) == moderation.FlagResult(
        3, "hidden_pending_review")
    with db.read() as s:
        assert qa.list_questions(s, actor=people["trainer"]).rows == []
        with pytest.raises(NotFound):
            qa.question_detail(s, actor=people["trainer"], question_id=qid)
        assert qa.question_detail(s, actor=lena, question_id=qid)  # the author still sees it
        assert [n["kind"] for n in notify.recent(s, user_id=lena.id)
                if n["kind"] != "badge"][0] == "moderation"


def test_threshold_is_a_setting(db, people, flaggers):
    with db.write() as s:
        s.add(Setting(key="moderation", value={"flag_threshold": 1}))
    qid = ask(db, people["learner"])
    assert flag(db, flaggers[0], "question", qid).status == "hidden_pending_review"


def test_one_flag_per_person_and_never_on_own_post(db, people, flaggers):
    qid = ask(db, people["learner"])
    flag(db, flaggers[0], "question", qid)
    with pytest.raises(Conflict, match="already flagged"):
        flag(db, flaggers[0], "question", qid)
    with pytest.raises(PermissionDenied, match="own post"):
        flag(db, people["learner"], "question", qid)
    assert status(db, Question, qid, "flag_count") == 1


@pytest.mark.parametrize(("reason", "details", "field"), [
    ("Because I say so", "", "reason"),
    (moderation.REASONS[-1], "", "details"),
    (moderation.REASONS[-1], "x" * 241, "details"),
])
def test_flag_needs_a_known_reason(db, people, flaggers, reason, details, field):
    qid = ask(db, people["learner"])
    with pytest.raises(ValidationError) as e:
        flag(db, flaggers[0], "question", qid, reason, details)
    assert e.value.field == field
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Flag)) == 0


def test_details_of_only_invisible_characters_count_as_none(db, people, flaggers):
    qid = ask(db, people["learner"])
    flag(db, flaggers[0], "question", qid, moderation.REASONS[0], "\u200b \u200e")
    with db.read() as s:
        assert s.scalar(select(Flag.reason)) == moderation.REASONS[0]
    with pytest.raises(ValidationError) as e:  # where details are needed, they are still missing
        flag(db, flaggers[1], "question", qid, moderation.REASONS[-1], "\u200b")
    assert e.value.field == "details"


def test_flags_cover_suggestions_and_lesson_comments(db, people, flaggers):
    lena = people["learner"]
    with db.write() as s:
        sug = Suggestion(title="Shared glossary", description="A glossary of terms.",
                         category="Training", author_id=lena.id)
        note = Comment(entity_type="lesson", entity_id=1, author_id=lena.id, body="Nice lesson")
        s.add_all([sug, note])
        s.flush()
        sid, cid = sug.id, note.id
    for f in flaggers[:3]:
        flag(db, f, "suggestion", sid)
        flag(db, f, "comment", cid)
    assert status(db, Suggestion, sid, "visibility") == "hidden_pending_review"
    assert status(db, Comment, cid) == "hidden_pending_review"
    with db.read() as s:
        items = moderation.queue(s, actor=people["leader"]).items
        contexts = {(i.entity_type, i.context) for i in items}
        assert contexts == {("suggestion", ("suggestion", sid)), ("comment", ("lesson", 1))}


def test_hidden_answer_leaves_counts_and_acceptance(db, people, flaggers):
    lena, tomas = people["learner"], people["trainer"]
    qid = ask(db, lena)
    with db.write() as s:
        aid = qa.answer(s, actor=tomas, question_id=qid, body="Use template QA-0042.")
        qa.accept(s, actor=lena, answer_id=aid)
    for f in flaggers[:3]:
        flag(db, f, "answer", aid)
    with db.read() as s:
        assert s.get(Question, qid).answer_count == 0
        assert qa.question_detail(s, actor=people["trainer2"], question_id=qid).answers == []
    with db.write() as s:
        moderation.decide(s, actor=people["admin"], entity_type="answer", entity_id=aid,
                          decision="delete", reason="Points to a withdrawn template")
    with db.read() as s:
        q = s.get(Question, qid)
        assert (q.answer_count, q.accepted_answer_id) == (0, None)
        assert points.total(s, user_id=tomas.id) == 0  # posted and accepted points voided


# --- the queue and decisions --------------------------------------------------------------


@pytest.mark.parametrize("role", ["learner", "trainer"])
def test_queue_and_decisions_are_for_leaders_and_admins(db, people, flaggers, role):
    qid = ask(db, people["trainer2"])
    flag(db, flaggers[0], "question", qid)
    for look in (moderation.queue, moderation.queue_summary, moderation.open_flag_count):
        with db.read() as s, pytest.raises(PermissionDenied):
            look(s, actor=people[role])
    with db.write() as s, pytest.raises(PermissionDenied):
        moderation.decide(s, actor=people[role], entity_type="question", entity_id=qid,
                          decision="delete", reason="Not allowed to do this")
    assert status(db, Question, qid) == "visible"


@pytest.mark.parametrize(("decision", "result"), [
    ("keep", "visible"), ("hide", "hidden"), ("delete", "deleted")])
@pytest.mark.parametrize("role", ["leader", "admin"])
def test_decisions_close_flags_and_are_audited(db, people, flaggers, decision, result, role):
    lena = people["learner"]
    qid = ask(db, lena)
    for f in flaggers[:3]:
        flag(db, f, "question", qid)
    with db.read() as s:
        [item] = moderation.queue(s, actor=people[role]).items
        assert (item.entity_type, item.entity_id, item.status, item.open_flags) == (
            "question", qid, "hidden_pending_review", 3)
        assert item.reasons == (REASON,) * 3 and item.author == "Lena Fischer"
    with db.write() as s:
        moderation.decide(s, actor=people[role], entity_type="question", entity_id=qid,
                          decision=decision, reason="Reviewed against the guidelines")
    with db.read() as s:
        q = s.get(Question, qid)
        assert (q.status, q.flag_count) == (result, 0)
        assert moderation.queue(s, actor=people[role]) == moderation.QueuePage([], None)
        assert s.scalar(select(func.count()).select_from(Flag).where(
            Flag.resolved_at.is_(None))) == 0
        rec = s.scalars(select(AuditRecord).order_by(AuditRecord.id.desc())).first()
        assert (rec.action, rec.reason, rec.actor_username) == (
            f"moderation.{decision}", "Reviewed against the guidelines", people[role].username)
        assert rec.before == {"status": "hidden_pending_review"}
        visible = qa.list_questions(s, actor=people["trainer"]).rows
        assert [r.id for r in visible] == ([qid] if decision == "keep" else [])


def test_decision_needs_a_reason(db, people, flaggers):
    qid = ask(db, people["learner"])
    flag(db, flaggers[0], "question", qid)
    with pytest.raises(ValidationError) as e, db.write() as s:
        moderation.decide(s, actor=people["leader"], entity_type="question", entity_id=qid,
                          decision="hide", reason="  ")
    assert e.value.field == "reason"
    assert status(db, Question, qid) == "visible"


def test_queue_puts_hidden_items_first(db, people, flaggers):
    q1 = ask(db, people["learner"])
    q2 = ask(db, people["trainer"], title="Which form do I use for a deviation report?")
    flag(db, flaggers[0], "question", q1)
    for f in flaggers[:3]:
        flag(db, f, "question", q2)
    with db.read() as s:
        assert [i.entity_id for i in moderation.queue(s, actor=people["admin"]).items] == [q2, q1]
        assert moderation.open_flag_count(s, actor=people["admin"]) == 2
        assert moderation.queue_summary(s, actor=people["admin"]) == (2, 1)


# --- rate limits and repeated text --------------------------------------------------------


def test_sixth_question_in_an_hour_is_refused(db, people):
    lena = people["learner"]
    for i in range(5):
        ask(db, lena, title=f"Question {i} about the stability protocol", body=f"{BODY} {i}")
    with pytest.raises(moderation.RateLimited, match="limit is 5"):
        ask(db, lena, title="One question too many this hour", body=BODY + " more")
    with db.write() as s:  # an hour later it is fine again
        s.execute(update(Question).values(created_at=utcnow() - timedelta(minutes=61)))
    ask(db, lena, title="One question too many this hour", body=BODY + " more")
    ask(db, people["trainer"], title="Somebody else may still ask", body=BODY)


def test_answers_and_comments_share_an_hourly_limit(db, people):
    tomas = people["trainer"]
    qid = ask(db, people["learner"])
    with db.write() as s:
        s.add(Setting(key="moderation", value={"posts_per_hour": 3}))
    with db.write() as s:
        qa.answer(s, actor=tomas, question_id=qid, body="First answer from Tomas.")
        qa.comment(s, actor=tomas, entity_type="question", entity_id=qid, body="A comment.")
        qa.comment(s, actor=tomas, entity_type="question", entity_id=qid, body="Another one.")
    with pytest.raises(moderation.RateLimited, match="answers and comments"), db.write() as s:
        qa.comment(s, actor=tomas, entity_type="question", entity_id=qid, body="Third comment")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 2


def test_default_limits():
    assert moderation.DEFAULTS["questions_per_hour"] == 5
    assert moderation.DEFAULTS["posts_per_hour"] == 20
    assert moderation.DEFAULTS["flag_threshold"] == 3


def test_same_text_twice_is_refused_whatever_the_spacing(db, people):
    lena, tomas = people["learner"], people["trainer"]
    qid = ask(db, lena)
    with db.write() as s:
        qa.answer(s, actor=tomas, question_id=qid, body="Ask **QA** for template 42.")
    with pytest.raises(ValidationError) as e, db.write() as s:
        qa.answer(s, actor=tomas, question_id=qid, body="  ask **qa**   for template 42.\u200b")
    assert e.value.field == "answer"
    with pytest.raises(ValidationError) as e:
        ask(db, lena, title="Where is the stability protocol template kept?",
            body="Different words this time around, honestly.")
    assert e.value.field == "title"
    with db.write() as s:  # somebody else may say the same thing
        qa.answer(s, actor=people["trainer2"], question_id=qid, body="Ask **QA** for template 42.")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Answer)) == 2


def test_check_posting_serves_other_areas(db, people):
    lena = people["learner"]
    with db.write() as s:
        s.add(Suggestion(title="Glossary", description="A shared glossary of terms.",
                         category="Training", author_id=lena.id))
    with pytest.raises(ValidationError) as e, db.read() as s:
        moderation.check_posting(s, actor=lena, kind="suggestion",
                                 text="A shared  glossary of TERMS.", field="description")
    assert e.value.field == "description"



def test_an_edited_answer_is_checked_by_its_new_text(db, people):
    lena, tomas = people["learner"], people["trainer"]
    qid = ask(db, lena)
    with db.write() as s:
        aid = qa.answer(s, actor=tomas, question_id=qid, body="Ask QA for template 42.")
    with db.write() as s:
        qa.edit_answer(s, actor=tomas, answer_id=aid, body="Ask Regulatory for template 7.")
    with pytest.raises(ValidationError), db.write() as s:
        qa.answer(s, actor=tomas, question_id=qid, body="ask regulatory for TEMPLATE 7.")
    with db.write() as s:  # the text it had before the edit is no longer there
        qa.answer(s, actor=tomas, question_id=qid, body="Ask QA for template 42.")


def test_only_the_latest_posts_count_as_repeats(db, people):
    lena, tomas = people["learner"], people["trainer"]
    with db.write() as s:
        s.add(Setting(key="moderation", value={"duplicate_lookback": 2}))
    qid = ask(db, lena)
    for body in ("First reply on this.", "Second reply on this.", "Third reply on this."):
        with db.write() as s:
            qa.answer(s, actor=tomas, question_id=qid, body=body)
    with pytest.raises(ValidationError), db.write() as s:
        qa.answer(s, actor=tomas, question_id=qid, body="Second reply on this.")
    with db.write() as s:  # two posts back is as far as the check looks
        qa.answer(s, actor=tomas, question_id=qid, body="First reply on this.")


def test_posts_written_before_migration_0021_are_fingerprinted_by_it(db, people):
    from alembic import command

    from db import migrate

    lena, tomas = people["learner"], people["trainer"]
    qid = ask(db, lena)
    with db.write() as s:
        qa.answer(s, actor=tomas, question_id=qid, body="Ask QA for template 42.")
        qa.comment(s, actor=lena, entity_type="question", entity_id=qid,
                   body="Thanks, that is where I will look.")
    db.dispose()  # the migration needs the database to itself
    command.downgrade(migrate.alembic_config(db.url), "0020")
    migrate.upgrade(db.url)
    with pytest.raises(ValidationError) as e, db.write() as s:
        qa.answer(s, actor=tomas, question_id=qid, body="ask qa for template 42.")
    assert e.value.field == "answer"
    with pytest.raises(ValidationError), db.write() as s:
        qa.comment(s, actor=lena, entity_type="question", entity_id=qid,
                   body="Thanks,  that is where I will look.")
    with pytest.raises(ValidationError) as e:
        ask(db, lena, body="Different words this time around, honestly.")
    assert e.value.field == "title"

def test_visible_to():
    author = Actor(id=1, username="a", roles=frozenset({"learner"}))
    other = Actor(id=2, username="b", roles=frozenset({"trainer"}))
    lead = Actor(id=3, username="c", roles=frozenset({"leader"}))
    for st, who, ok in [("visible", other, True), ("hidden_pending_review", author, True),
                        ("hidden_pending_review", other, False), ("hidden", lead, True),
                        ("deleted", author, False), ("deleted", lead, True)]:
        assert moderation.visible_to(who, status=st, author_id=1) is ok


# --- the queue comes in pages ---------------------------------------------------------------


def test_queue_pages_by_keyset_without_repeats_or_gaps(db, people, flaggers):
    with db.write() as s:
        s.add(Setting(key="moderation", value={"questions_per_hour": 50, "flag_threshold": 2}))
    counts = [2, 1, 3, 1, 2, 4, 1]
    ids = []
    for i, n in enumerate(counts):
        ids.append(ask(db, people["learner"], title=f"Question number {i:02d} on stability",
                       body=f"{BODY} {i}"))
        for f in flaggers[:n]:
            flag(db, f, "question", ids[-1])
        if i == 0:  # the first one is hidden at 2 flags; the others stay visible
            with db.write() as s:
                s.get(Setting, "moderation").value = {"questions_per_hour": 50,
                                                      "flag_threshold": 5}
    # Hidden pending review first, then the most flagged, the earliest flagged first.
    expected = [ids[0], ids[5], ids[2], ids[4], ids[1], ids[3], ids[6]]
    seen, after, sizes = [], None, []
    with db.read() as s:
        while True:
            page = moderation.queue(s, actor=people["leader"], after=after, limit=3)
            sizes.append(len(page.items))
            seen += [i.entity_id for i in page.items]
            if page.next_cursor is None:
                break
            after = page.next_cursor
    assert seen == expected and sizes == [3, 3, 1]
    # Deciding an item on the first page does not make the second page skip one.
    with db.read() as s:
        first = moderation.queue(s, actor=people["leader"], limit=3)
    with db.write() as s:
        moderation.decide(s, actor=people["leader"], entity_type="question",
                          entity_id=first.items[0].entity_id, decision="keep",
                          reason="Checked: within the guidelines")
    with db.read() as s:
        second = moderation.queue(s, actor=people["leader"], after=first.next_cursor, limit=3)
        assert [i.entity_id for i in second.items] == expected[3:6]
        assert moderation.queue_summary(s, actor=people["leader"]) == (6, 0)


# --- counts that depend on what is visible --------------------------------------------------


def _suggestion_with_comments(db, people) -> tuple[int, int]:
    with db.write() as s:
        sid = suggestions.submit(s, actor=people["learner"], title="Shared glossary of terms",
                                 description="One glossary of regulatory terms for all sites.",
                                 category="Training", kind="idea", site_id=None)
        suggestions.comment(s, actor=people["trainer"], suggestion_id=sid,
                            body="We keep one in Boston already.")
        cid = suggestions.comment(s, actor=people["trainer2"], suggestion_id=sid,
                                  body="Cheap watches at spam.example!")
    return sid, cid


def _shown_count(db, people, sid) -> int:
    """The comment count a member sees on the suggestion's card in the list."""
    with db.read() as s:
        [card] = [c for c in suggestions.listing(s, actor=people["leader"]) if c.id == sid]
        assert s.get(Suggestion, sid).comment_count == card.comment_count
        return card.comment_count


@pytest.mark.parametrize(("decision", "count"), [("keep", 2), ("hide", 1), ("delete", 1)])
def test_moderating_a_suggestion_comment_keeps_its_comment_count(db, people, flaggers,
                                                                 decision, count):
    sid, cid = _suggestion_with_comments(db, people)
    assert _shown_count(db, people, sid) == 2
    for f in flaggers[:3]:
        flag(db, f, "comment", cid)
    assert _shown_count(db, people, sid) == 1  # hidden pending review: not counted
    with db.write() as s:
        moderation.decide(s, actor=people["admin"], entity_type="comment", entity_id=cid,
                          decision=decision, reason="Reviewed against the guidelines")
    assert _shown_count(db, people, sid) == count
    with db.write() as s:  # the next comment counts from the right number
        suggestions.comment(s, actor=people["leader"], suggestion_id=sid, body="Agreed, go.")
    assert _shown_count(db, people, sid) == count + 1


def test_a_moderator_hiding_a_suggestion_comment_directly_lowers_the_count(db, people,
                                                                           flaggers):
    sid, cid = _suggestion_with_comments(db, people)
    flag(db, flaggers[0], "comment", cid)  # one flag: still visible, still counted
    assert _shown_count(db, people, sid) == 2
    with db.write() as s:
        moderation.decide(s, actor=people["leader"], entity_type="comment", entity_id=cid,
                          decision="hide", reason="Advertising")
    assert _shown_count(db, people, sid) == 1


def test_keeping_a_reported_answer_restores_the_answer_count(db, people, flaggers):
    qid = ask(db, people["learner"])
    with db.write() as s:
        aid = qa.answer(s, actor=people["trainer"], question_id=qid, body="Use template 42.")
    for f in flaggers[:3]:
        flag(db, f, "answer", aid)
    with db.read() as s:
        assert s.get(Question, qid).answer_count == 0
    with db.write() as s:
        moderation.decide(s, actor=people["leader"], entity_type="answer", entity_id=aid,
                          decision="keep", reason="The answer is correct")
    with db.read() as s:
        assert s.get(Question, qid).answer_count == 1
        [row] = qa.list_questions(s, actor=people["trainer2"]).rows
        assert row.answer_count == 1


def test_first_answer_time_follows_the_visible_answers(db, people, flaggers):
    # Time to first answer reads the kept seconds: they must follow answers hidden and kept.
    qid = ask(db, people["learner"])
    asked = datetime(2026, 3, 2, 9, 0)
    with db.write() as s:  # asked three hours ago
        s.get(Question, qid).created_at = utcnow() - timedelta(hours=3)

    def waited() -> int | None:
        with db.read() as s:
            return s.get(Question, qid).answer_seconds

    assert waited() is None
    with db.write() as s:
        early = qa.answer(s, actor=people["trainer"], question_id=qid, body="Use template 42.")
    first = waited()
    assert 3 * 3600 - 60 < first <= 3 * 3600  # answered now
    with db.write() as s:
        later = qa.answer(s, actor=people["trainer2"], question_id=qid, body="Template 42, B.")
    assert waited() == first  # a second answer leaves it alone
    with db.write() as s:  # from here on: asked 09:00, answered 10:00 and then 11:00
        s.get(Question, qid).created_at = asked
        s.get(Answer, early).created_at = asked + timedelta(hours=1)
        s.get(Answer, later).created_at = asked + timedelta(hours=2)
        s.get(Question, qid).answer_seconds = 3600
    for f in flaggers[:3]:
        flag(db, f, "answer", early)
    assert waited() == 7200  # the first one is hidden pending review
    with db.write() as s:
        moderation.decide(s, actor=people["leader"], entity_type="answer", entity_id=later,
                          decision="delete", reason="Wrong revision")
    assert waited() is None  # no visible answer left: unanswered again
    with db.write() as s:
        moderation.decide(s, actor=people["leader"], entity_type="answer", entity_id=early,
                          decision="keep", reason="The answer is correct")
    assert waited() == 3600
    with db.write() as s:  # a repair from the answers gives the same
        s.execute(update(Question).values(answer_seconds=None, answer_count=0))
        qa.recount_answers(s)
    assert waited() == 3600


# --- lesson comments follow the same rules ------------------------------------------------


@pytest.fixture
def lesson(db, people) -> int:
    lid = new_lesson(db, people["trainer"], new_course(db, people["trainer"]))
    submit(db, people["trainer"], lid)
    assert sign(db, people["trainer2"], lid).published
    return lid


def lesson_comment(db, actor, lesson_id, body, parent_id=None) -> int:
    with db.write() as s:
        return content.add_comment(s, actor=actor, lesson_id=lesson_id, body=body,
                                   parent_id=parent_id)


def lesson_comment_count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Comment).where(
            Comment.entity_type == "lesson"))


def test_lesson_comments_share_the_hourly_limit(db, people, lesson):
    lena = people["learner"]
    with db.write() as s:
        s.add(Setting(key="moderation", value={"posts_per_hour": 2}))
    lesson_comment(db, lena, lesson, "Does this apply to Swissmedic?")
    qid = ask(db, people["trainer"])
    with db.write() as s:
        qa.comment(s, actor=lena, entity_type="question", entity_id=qid, body="Same here.")
    with pytest.raises(moderation.RateLimited, match="answers and comments"):
        lesson_comment(db, lena, lesson, "And to the MHRA?")
    assert lesson_comment_count(db) == 1
    lesson_comment(db, people["trainer2"], lesson, "Somebody else may still comment.")


def test_the_same_lesson_comment_twice_is_refused(db, people, lesson):
    lena = people["learner"]
    first = lesson_comment(db, lena, lesson, "Does this apply to **Swissmedic**?")
    with pytest.raises(ValidationError) as e:
        lesson_comment(db, lena, lesson, "does this apply to  **swissmedic**?", parent_id=first)
    assert e.value.field == "comment"
    assert lesson_comment_count(db) == 1


def test_a_flagged_lesson_comment_is_hidden_queued_and_decided(db, people, flaggers, lesson):
    lena, mei = people["learner"], people["trainer2"]
    cid = lesson_comment(db, lena, lesson, "Ignore section 2, nobody checks it.")

    def authors(actor):
        with db.read() as s:
            return [(c.author, c.status) for c in content.comments(s, actor=actor,
                                                                   lesson_id=lesson)]

    for f in flaggers[:2]:
        flag(db, f, "comment", cid)
    assert authors(mei) == [("Lena Fischer", "visible")]
    flag(db, flaggers[2], "comment", cid)
    assert authors(mei) == []  # hidden from others pending review
    assert authors(lena) == [("Lena Fischer", "hidden_pending_review")]  # the author sees why
    assert authors(people["leader"]) == [("Lena Fischer", "hidden_pending_review")]
    with pytest.raises(ValidationError, match="no longer there"):
        lesson_comment(db, mei, lesson, "Replying to a hidden comment", parent_id=cid)
    with db.read() as s:
        [item] = moderation.queue(s, actor=people["leader"]).items
        assert (item.entity_type, item.entity_id, item.context) == ("comment", cid,
                                                                    ("lesson", lesson))
        assert item.body == "Ignore section 2, nobody checks it."
    with db.write() as s:
        moderation.decide(s, actor=people["leader"], entity_type="comment", entity_id=cid,
                          decision="delete", reason="Tells people to skip a control")
    assert authors(mei) == [] and authors(lena) == []
    with db.read() as s:
        assert points.total(s, user_id=lena.id) == 0  # the comment's points are voided
        told = [n["text"] for n in notify.recent(s, user_id=lena.id) if n["kind"] == "moderation"]
        assert told[0].startswith("A moderator removed your comment")


def test_a_kept_lesson_comment_is_back_for_everyone(db, people, flaggers, lesson):
    cid = lesson_comment(db, people["learner"], lesson, "Section 2 could use an example.")
    for f in flaggers[:3]:
        flag(db, f, "comment", cid)
    with db.write() as s:
        moderation.decide(s, actor=people["admin"], entity_type="comment", entity_id=cid,
                          decision="keep", reason="A fair remark")
    with db.read() as s:
        rows = content.comments(s, actor=people["trainer2"], lesson_id=lesson)
    assert [(c.id, c.status) for c in rows] == [(cid, "visible")]


def test_a_hidden_answer_brought_back_gets_its_points_back(db, people):
    qid = ask(db, people["learner"])
    with db.write() as s:
        aid = qa.answer(s, actor=people["trainer"], question_id=qid, body="Use template 42.")
    earned = _points(db, people["trainer"])
    for decision, expected in (("hide", earned - points.POINTS["answer.posted"]),
                               ("keep", earned)):
        with db.write() as s:
            moderation.decide(s, actor=people["leader"], entity_type="answer", entity_id=aid,
                              decision=decision, reason="Second look at the answer")
        assert _points(db, people["trainer"]) == expected


def _points(db, actor) -> int:
    with db.read() as s:
        return points.total(s, user_id=actor.id)
