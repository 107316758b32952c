"""Q&A rules: asking, answering, votes, acceptance, edits, follows, notifications, experts."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import case, func, select, update

from db import analytics, experts, moderation, notify, points, qa, summaries
from db.actors import Actor
from db.errors import Conflict, NotFound, PermissionDenied, ValidationError
from db.models import (
    CONTENT_STATES,
    ActivityEvent,
    Answer,
    AnswerTotal,
    AuditRecord,
    Lesson,
    LessonRevision,
    Notification,
    PointEvent,
    Question,
    Site,
    User,
    Vote,
    utcnow,
)
from db.stats import count_statements
from tests.conftest import add_person

BODY = "How do we handle this in the submission? Some context for the question here."


def ask(db, actor, title="How do I file a Type IB variation with EMA?", body=BODY,
        tags=("variations",), **kw) -> int:
    with db.write() as s:
        return qa.ask(s, actor=actor, title=title, body=body, tags=list(tags), **kw)


def answer(db, actor, qid, body="Use the variations guideline, section B.I.a.") -> int:
    with db.write() as s:
        return qa.answer(s, actor=actor, question_id=qid, body=body)


def vote(db, actor, etype, eid, value):
    with db.write() as s:
        return qa.vote(s, actor=actor, entity_type=etype, entity_id=eid, value=value)


def kinds(s, person) -> list[str]:
    """Kinds of this person's notifications, newest first (badge news aside)."""
    return [n["kind"] for n in notify.recent(s, user_id=person.id) if n["kind"] != "badge"]


def score(db, model, eid):
    with db.read() as s:
        return s.get(model, eid).score


# --- asking -------------------------------------------------------------------------------


def test_ask_stores_question_tags_follow_points_and_audit(db, people):
    lena = people["learner"]
    qid = ask(db, lena, tags=["Variations", "new tag", "variations"])
    with db.read() as s:
        detail = qa.question_detail(s, actor=lena, question_id=qid)
        assert detail.tags == ("new-tag", "variations")
        assert detail.following
        assert points.total(s, user_id=lena.id) == points.POINTS["question.asked"]
        assert s.scalar(select(AuditRecord.action).order_by(AuditRecord.id.desc())) == \
            "question.asked"


@pytest.mark.parametrize(("field", "kwargs"), [
    ("title", {"title": "Too short"}),
    ("title", {"title": "x" * 201}),
    ("body", {"body": "   "}),
    ("tags", {"tags": []}),
    ("tags", {"tags": ["a", "b", "c", "d", "e", "f"]}),
    ("tags", {"tags": ["<script>"]}),
    ("lesson", {"lesson_id": 999}),
])
def test_bad_question_names_the_field_and_stores_nothing(db, people, field, kwargs):
    with pytest.raises(ValidationError) as e:
        ask(db, people["learner"], **kwargs)
    assert e.value.field == field
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Question)) == 0


def test_question_can_link_a_published_lesson(db, people):
    tomas = people["trainer"]
    lesson_id = make_lesson(db, tomas, "Variations 101")
    qid = ask(db, people["learner"], lesson_id=lesson_id)
    with db.read() as s:
        assert qa.question_detail(s, actor=tomas, question_id=qid).lesson == (
            lesson_id, "Variations 101")
        assert (lesson_id, "Variations 101") in qa.lesson_choices(s)


def make_lesson(db, author, title):
    from db.models import Course

    with db.write() as s:
        course = Course(title="Course", created_by=author.id)
        s.add(course)
        s.flush()
        lesson = Lesson(course_id=course.id, position=1)
        s.add(lesson)
        s.flush()
        rev = LessonRevision(lesson_id=lesson.id, number=1, title=title, body="Body",
                             state="approved", author_id=author.id, content_hash="0" * 64)
        s.add(rev)
        s.flush()
        lesson.published_revision_id = rev.id
        return lesson.id


ACTIONS = {
    "ask": lambda s, a, q, x: qa.ask(s, actor=a, title="A question from nobody at all",
                                     body=BODY, tags=["x"]),
    "answer": lambda s, a, q, x: qa.answer(s, actor=a, question_id=q, body="An answer here."),
    "comment": lambda s, a, q, x: qa.comment(s, actor=a, entity_type="question", entity_id=q,
                                             body="A comment"),
    "vote": lambda s, a, q, x: qa.vote(s, actor=a, entity_type="question", entity_id=q,
                                       value=1),
    "accept": lambda s, a, q, x: qa.accept(s, actor=a, answer_id=x),
    "edit": lambda s, a, q, x: qa.edit_question(s, actor=a, question_id=q, title="x" * 20,
                                                body=BODY, tags=["x"]),
    "follow": lambda s, a, q, x: qa.follow(s, actor=a, entity_type="question", entity_id=q),
    "invite": lambda s, a, q, x: qa.invite(s, actor=a, question_id=q, user_id=1),
    "flag": lambda s, a, q, x: moderation.flag(s, actor=a, entity_type="question", entity_id=q,
                                               reason=moderation.REASONS[0]),
    "list": lambda s, a, q, x: qa.list_questions(s, actor=a),
    "read": lambda s, a, q, x: qa.question_detail(s, actor=a, question_id=q),
    "experts": lambda s, a, q, x: experts.find(s, actor=a),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_needs_a_member_role(db, people, action):
    nobody = Actor(id=people["learner"].id, username="lena", roles=frozenset())
    qid = ask(db, people["trainer"])
    aid = answer(db, people["trainer2"], qid)
    with pytest.raises(PermissionDenied), db.write() as s:
        ACTIONS[action](s, nobody, qid, aid)


# --- votes --------------------------------------------------------------------------------


def test_one_vote_per_person_changeable_and_retractable(db, people):
    qid = ask(db, people["learner"])
    tomas, mei = people["trainer"], people["trainer2"]
    assert vote(db, tomas, "question", qid, 1) == qa.VoteResult(1, 1)
    assert vote(db, tomas, "question", qid, 1) == qa.VoteResult(1, 1)  # again: no change
    assert vote(db, mei, "question", qid, 1).score == 2
    assert vote(db, tomas, "question", qid, -1) == qa.VoteResult(0, -1)  # changed
    assert vote(db, tomas, "question", qid, 0) == qa.VoteResult(1, 0)  # taken back
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Vote)) == 1
        assert s.scalar(select(func.sum(Vote.value))) == score(db, Question, qid) == 1


def test_vote_points_follow_each_vote(db, people):
    lena = people["learner"]
    qid = ask(db, lena)
    base = points.POINTS["question.asked"]
    vote(db, people["trainer"], "question", qid, 1)
    vote(db, people["trainer2"], "question", qid, 1)
    with db.read() as s:
        assert points.total(s, user_id=lena.id) == base + 2 * points.POINTS["vote.received"]
    vote(db, people["trainer"], "question", qid, 0)  # only this vote's points go
    with db.read() as s:
        assert points.total(s, user_id=lena.id) == base + points.POINTS["vote.received"]
    vote(db, people["trainer2"], "question", qid, -1)
    with db.read() as s:
        assert points.total(s, user_id=lena.id) == base


def test_no_votes_on_own_posts(db, people):
    lena = people["learner"]
    qid = ask(db, lena)
    aid = answer(db, people["trainer"], qid)
    with pytest.raises(PermissionDenied, match="own post"):
        vote(db, lena, "question", qid, 1)
    with pytest.raises(PermissionDenied, match="own post"):
        vote(db, people["trainer"], "answer", aid, 1)
    assert score(db, Question, qid) == 0


def test_database_refuses_self_vote_and_second_vote(db, people):
    from sqlalchemy.exc import IntegrityError

    lena, tomas = people["learner"], people["trainer"]
    qid = ask(db, lena)
    with pytest.raises(IntegrityError), db.write() as s:
        s.add(Vote(user_id=lena.id, entity_type="question", entity_id=qid,
                   recipient_id=lena.id, value=1))
    vote(db, tomas, "question", qid, 1)
    with pytest.raises(IntegrityError), db.write() as s:
        s.add(Vote(user_id=tomas.id, entity_type="question", entity_id=qid,
                   recipient_id=lena.id, value=1))


@pytest.mark.parametrize("value", [2, -5])
def test_vote_value_is_checked(db, people, value):
    qid = ask(db, people["learner"])
    with pytest.raises(ValidationError):
        vote(db, people["trainer"], "question", qid, value)


def test_answer_votes_update_answer_score(db, people):
    qid = ask(db, people["learner"])
    aid = answer(db, people["trainer"], qid)
    vote(db, people["learner"], "answer", aid, 1)
    vote(db, people["leader"], "answer", aid, -1)
    vote(db, people["admin"], "answer", aid, 1)
    from db.models import Answer

    assert score(db, Answer, aid) == 1


# --- answers, acceptance ------------------------------------------------------------------


def test_answer_counts_and_notifies_asker_and_followers(db, people):
    lena, tomas, lars = people["learner"], people["trainer"], people["leader"]
    qid = ask(db, lena)
    with db.write() as s:
        qa.follow(s, actor=lars, entity_type="question", entity_id=qid)
    answer(db, tomas, qid)
    with db.read() as s:
        assert s.get(Question, qid).answer_count == 1
        for person in (lena, lars):
            assert kinds(s, person) == ["answer"]
        assert kinds(s, tomas) == []  # never told of one's own act


def test_an_answer_costs_the_same_statements_however_many_follow_the_question(db, people):
    lena, tomas = people["learner"], people["trainer"]
    quiet, busy = ask(db, lena), ask(db, lena, title="Which eCTD module holds the QOS for a BLA?",
                                     body="We are assembling our first BLA and need to know.")
    followers = [add_person(db, f"follower{i}", "learner") for i in range(25)]
    with db.write() as s:
        for person in followers:
            qa.follow(s, actor=person, entity_type="question", entity_id=busy)
    answer(db, tomas, ask(db, lena, title="A warm-up question on Type II variations",
                          body="Anything will do here."))  # his first-answer badge comes here
    spent = {}
    for qid, text in ((quiet, "See the variations guideline."), (busy, "Module 2.3, always.")):
        with count_statements(db.engine) as log, db.write() as s:
            qa.answer(s, actor=tomas, question_id=qid, body=text)
        spent[qid] = log.count
        # Posting limits and points both depend on the admins' settings: read once.
        assert sum("FROM settings" in st.sql for st in log.statements) == 1, log.statements
    assert spent[busy] == spent[quiet], "notifying followers must not cost a statement each"
    with db.read() as s:
        assert all(kinds(s, person) == ["answer"] for person in followers)


def test_a_vote_is_written_in_a_handful_of_statements(db, people):
    """Votes are the most frequent write: each statement is a round trip on PostgreSQL."""
    lena, tomas = people["learner"], people["trainer"]
    qid = ask(db, lena)
    with count_statements(db.engine) as log:
        vote(db, tomas, "question", qid, 1)
    assert log.count <= 11, log.statements
    with count_statements(db.engine) as log:
        vote(db, tomas, "question", qid, 0)
    assert log.count <= 7, log.statements
    assert score(db, Question, qid) == 0


def test_asker_accepts_and_can_move_acceptance(db, people):
    lena, tomas, mei = people["learner"], people["trainer"], people["trainer2"]
    qid = ask(db, lena)
    a1, a2 = answer(db, tomas, qid), answer(db, mei, qid, "Another, different answer here.")
    with db.write() as s:
        qa.accept(s, actor=lena, answer_id=a1)
    with db.read() as s:
        assert s.get(Question, qid).accepted_answer_id == a1
        assert points.total(s, user_id=tomas.id) == (points.POINTS["answer.posted"]
                                                      + points.POINTS["answer.accepted"])
        assert kinds(s, tomas)[0] == "accepted"
    with db.write() as s:
        qa.accept(s, actor=lena, answer_id=a2)
    with db.read() as s:
        detail = qa.question_detail(s, actor=lena, question_id=qid)
        assert detail.accepted_answer_id == a2
        assert [a.is_accepted for a in detail.answers] == [True, False]  # accepted first
        assert points.total(s, user_id=tomas.id) == points.POINTS["answer.posted"]
    with db.write() as s:
        qa.accept(s, actor=lena, answer_id=a2, accepted=False)
    with db.read() as s:
        assert s.get(Question, qid).accepted_answer_id is None


def test_trainer_may_accept_but_other_learners_may_not(db, people):
    lena, tomas, mei = people["learner"], people["trainer"], people["trainer2"]
    other = add_person(db, "olga", "learner")
    qid = ask(db, lena)
    aid = answer(db, mei, qid)
    for who in (other, people["leader"], people["admin"]):
        with pytest.raises(PermissionDenied, match="person who asked"), db.write() as s:
            qa.accept(s, actor=who, answer_id=aid)
    with db.write() as s:
        qa.accept(s, actor=tomas, answer_id=aid)
    with db.read() as s:
        assert s.get(Question, qid).accepted_answer_id == aid


def test_trainer_cannot_accept_own_answer_to_someone_else(db, people):
    qid = ask(db, people["learner"])
    aid = answer(db, people["trainer"], qid)
    with pytest.raises(PermissionDenied, match="your own answer"), db.write() as s:
        qa.accept(s, actor=people["trainer"], answer_id=aid)


# --- comments, mentions, edits ------------------------------------------------------------


def test_comment_with_mention_notifies_author_and_mentioned(db, people):
    lena, tomas, lars = people["learner"], people["trainer"], people["leader"]
    qid = ask(db, lena)
    aid = answer(db, tomas, qid)
    with db.write() as s:
        qa.comment(s, actor=lena, entity_type="answer", entity_id=aid,
                   body="Thanks! @lars, is this how Basel does it? (mail me: x@lars.example)")
    with db.read() as s:
        assert kinds(s, tomas)[0] == "comment"
        assert kinds(s, lars) == ["mention"]
        rows = qa.notifications(s, actor=lars)
        assert rows[0].target == ("question", qid)
        detail = qa.question_detail(s, actor=lena, question_id=qid)
        assert [c.body[:7] for c in detail.comments[("answer", aid)]] == ["Thanks!"]


def test_an_edit_that_names_someone_new_tells_only_them(db, people):
    lena, tomas, lars, mei = (people[k] for k in ("learner", "trainer", "leader", "trainer2"))
    qid = ask(db, lena)
    aid = answer(db, tomas, qid)
    with db.write() as s:
        qa.edit_answer(s, actor=tomas, answer_id=aid, body="Ask @lars about the Basel filings.")
    with db.write() as s:  # Lars was named already; Mei is new
        qa.edit_answer(s, actor=tomas, answer_id=aid,
                       body="Ask @lars about the Basel filings, or @mei for Shanghai.")
    with db.write() as s:
        qa.edit_question(s, actor=lena, question_id=qid,
                         title="How do I file a Type IB variation with EMA?",
                         body=BODY + " cc @mei @tomas", tags=["variations"])
    with db.read() as s:
        assert kinds(s, lars) == ["mention"]
        assert kinds(s, mei) == ["mention", "mention"]  # once by the answer, once by the question
        assert kinds(s, tomas).count("mention") == 1  # named by Lena, never by himself
        assert [n.target for n in qa.notifications(s, actor=mei)] == [("question", qid)] * 2


def test_edit_keeps_history_and_only_author_or_moderator_edits(db, people):
    lena = people["learner"]
    qid = ask(db, lena)
    with pytest.raises(PermissionDenied), db.write() as s:
        qa.edit_question(s, actor=people["trainer"], question_id=qid, title="x" * 20,
                         body=BODY, tags=["variations"])
    with db.write() as s:
        assert qa.edit_question(s, actor=lena, question_id=qid,
                                title="How do I file a Type IB variation with the EMA?",
                                body=BODY + " Edited.", tags=["variations", "ema"])
    with db.write() as s:
        assert not qa.edit_question(s, actor=lena, question_id=qid,
                                    title="How do I file a Type IB variation with the EMA?",
                                    body=BODY + " Edited.", tags=["ema", "variations"])
    with db.write() as s:
        qa.edit_question(s, actor=people["leader"], question_id=qid,
                         title="Filing a Type IB variation with the EMA", body=BODY,
                         tags=["variations"])
    with db.read() as s:
        revs = qa.history(s, actor=lena, entity_type="question", entity_id=qid)
        assert [r.title for r in revs] == [
            "Filing a Type IB variation with the EMA",
            "How do I file a Type IB variation with the EMA?",
            "How do I file a Type IB variation with EMA?",  # the original
        ]
        assert [r.editor for r in revs] == ["Lars Andersson", "Lena Fischer", "Lena Fischer"]
        assert qa.question_detail(s, actor=lena, question_id=qid).tags == ("variations",)


def test_answer_edit_history(db, people):
    qid = ask(db, people["learner"])
    aid = answer(db, people["trainer"], qid)
    with db.write() as s:
        qa.edit_answer(s, actor=people["trainer"], answer_id=aid, body="A better answer now.")
    with pytest.raises(PermissionDenied), db.write() as s:
        qa.edit_answer(s, actor=people["learner"], answer_id=aid, body="Hijacked answer text")
    with db.read() as s:
        assert [r.body for r in qa.history(s, actor=people["learner"], entity_type="answer",
                                           entity_id=aid)] == [
            "A better answer now.", "Use the variations guideline, section B.I.a."]


# --- lists --------------------------------------------------------------------------------


def test_lists_sort_filter_and_page_by_keyset(db, people):
    authors = [people[k] for k in ("learner", "trainer", "trainer2", "leader", "admin")]
    ids = []
    for i in range(7):
        ids.append(ask(db, authors[i % 5], title=f"Question number {i} about stability data",
                       body=f"{BODY} ({i})", tags=["stability"] if i % 2 else ["labelling"]))
    answer(db, people["admin"], ids[1])
    vote(db, people["admin"], "question", ids[3], 1)
    lena = people["learner"]
    with db.read() as s:
        first = qa.list_questions(s, actor=lena, sort="newest", limit=3)
        second = qa.list_questions(s, actor=lena, sort="newest", after=first.next_cursor,
                                   limit=3)
        third = qa.list_questions(s, actor=lena, sort="newest", after=second.next_cursor,
                                  limit=3)
        assert [r.id for r in first.rows + second.rows + third.rows] == ids[::-1]
        assert third.next_cursor is None
        assert qa.list_questions(s, actor=lena, sort="top").rows[0].id == ids[3]
        assert qa.list_questions(s, actor=lena, sort="active").rows[0].id == ids[1]
        unanswered = qa.list_questions(s, actor=lena, sort="unanswered").rows
        assert ids[1] not in [r.id for r in unanswered] and len(unanswered) == 6
        tagged = qa.list_questions(s, actor=lena, tag="stability").rows
        assert sorted(r.id for r in tagged) == [ids[1], ids[3], ids[5]]
        row = next(r for r in tagged if r.id == ids[1])
        assert (row.answer_count, row.accepted, row.tags) == (1, False, ("stability",))
        assert ("labelling", 4) in qa.tags(s)


def test_list_shows_accepted_mark(db, people):
    qid = ask(db, people["learner"])
    aid = answer(db, people["trainer"], qid)
    with db.write() as s:
        qa.accept(s, actor=people["learner"], answer_id=aid)
    with db.read() as s:
        assert qa.list_questions(s, actor=people["learner"]).rows[0].accepted


def test_a_page_of_questions_costs_two_statements(db, people):
    from sqlalchemy import event

    for i, who in enumerate(("learner", "trainer", "trainer2")):
        ask(db, people[who], title=f"Counting statements for a list {i}", tags=["gmp", "gcp"])
    statements = []
    event.listen(db.engine, "before_cursor_execute",
                 lambda *a: statements.append(a[2]))
    with db.read() as s:
        page = qa.list_questions(s, actor=people["learner"])
    assert len(page.rows) == 3 and all(r.tags == ("gcp", "gmp") for r in page.rows)
    assert len([x for x in statements if x.lstrip().upper().startswith("SELECT")]) == 2


# --- follow, invite, notifications ----------------------------------------------------------


def test_following_a_tag_brings_new_questions(db, people):
    lars = people["leader"]
    ask(db, people["trainer"], tags=["capa"])
    with db.read() as s:
        capa = qa.tag_id(s, "capa")
    with db.write() as s:
        qa.follow(s, actor=lars, entity_type="tag", entity_id=capa)
    qid = ask(db, people["learner"], title="Who signs off a CAPA effectiveness check?",
              tags=["capa"])
    with db.read() as s:
        rows = [r for r in qa.notifications(s, actor=lars) if r.kind != "badge"]
        assert [(r.kind, r.target) for r in rows] == [("question", ("question", qid))]
    with db.write() as s:
        qa.follow(s, actor=lars, entity_type="tag", entity_id=capa, following=False)
    ask(db, people["trainer2"], title="CAPA trending across sites, who owns it?",
        tags=["capa"])
    with db.read() as s:
        assert len([r for r in qa.notifications(s, actor=lars) if r.kind != "badge"]) == 1


def test_invite_notifies_once(db, people):
    lena, mei = people["learner"], people["trainer2"]
    qid = ask(db, lena)
    with db.write() as s:
        qa.invite(s, actor=lena, question_id=qid, user_id=mei.id)
    with pytest.raises(Conflict, match="already been invited"), db.write() as s:
        qa.invite(s, actor=people["trainer"], question_id=qid, user_id=mei.id)
    with pytest.raises(ValidationError), db.write() as s:
        qa.invite(s, actor=lena, question_id=qid, user_id=lena.id)
    with db.read() as s:
        rows = [r for r in qa.notifications(s, actor=mei) if r.kind != "badge"]
        assert [(r.kind, r.target) for r in rows] == [("invitation", ("question", qid))]
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "invitation")) == 1


def test_hidden_question_is_not_found_for_others(db, people):
    lena = people["learner"]
    qid = ask(db, lena)
    with db.write() as s:
        s.get(Question, qid).status = "hidden"
    with db.read() as s:
        assert qa.question_detail(s, actor=lena, question_id=qid).question.status == "hidden"
        assert qa.question_detail(s, actor=people["admin"], question_id=qid)
        with pytest.raises(NotFound):
            qa.question_detail(s, actor=people["trainer"], question_id=qid)
        assert qa.list_questions(s, actor=lena).rows == []
    with pytest.raises(NotFound), db.write() as s:
        qa.answer(s, actor=people["trainer"], question_id=qid, body="An answer to a ghost.")


# --- experts ------------------------------------------------------------------------------


def test_experts_ranked_by_accepted_answers_then_votes_per_tag(db, people):
    lena, tomas, mei, lars = (people[k] for k in ("learner", "trainer", "trainer2", "leader"))
    q1 = ask(db, lena, tags=["variations"])
    q2 = ask(db, lena, title="Is a Type II variation needed for a new site?",
             body="We add a second fill-finish site next year.", tags=["variations", "gmp"])
    q3 = ask(db, lars, title="Which GMP annex covers sterile products?", tags=["gmp"])
    a_tomas = answer(db, tomas, q1)
    answer(db, mei, q1, "Mei's view on this variation question.")
    a_mei2 = answer(db, mei, q2, "A Type II for a new manufacturing site, yes.")
    answer(db, tomas, q3, "Annex 1 covers sterile products.")
    with db.write() as s:
        qa.accept(s, actor=lena, answer_id=a_tomas)
    vote(db, lars, "answer", a_mei2, 1)
    vote(db, lena, "answer", a_mei2, 1)
    with db.read() as s:
        ranked = experts.find(s, actor=lena, tag="variations")
        assert [(e.username, e.accepted, e.votes, e.answers) for e in ranked] == [
            ("tomas", 1, 0, 1), ("mei", 0, 2, 2)]
        assert [e.username for e in experts.find(s, actor=lena, tag="gmp")] == ["mei", "tomas"]
        assert experts.find(s, actor=lena, tag="variations", function="Quality") == []
        suggested = experts.for_question(s, actor=lars, question_id=q3)
        assert [e.username for e in suggested] == ["mei"]  # tomas already answered
    with db.write() as s:  # the new hire in Shanghai looks for the person in Basel
        basel = Site(name="Basel", region="Europe", country="Switzerland")
        shanghai = Site(name="Shanghai", region="Asia-Pacific", country="China")
        s.add_all([basel, shanghai])
        s.flush()
        s.get(User, tomas.id).site_id, s.get(User, tomas.id).function = basel.id, "Regulatory"
        s.get(User, mei.id).site_id, s.get(User, mei.id).function = shanghai.id, "Quality"
    with db.read() as s:
        by = {(site, fn): [e.username for e in experts.find(s, actor=lena, tag="variations",
                                                            site=site, function=fn)]
              for site in (None, "Basel", "Shanghai") for fn in (None, "Regulatory", "Quality")}
    assert by[("Basel", None)] == ["tomas"] and by[("Shanghai", None)] == ["mei"]
    assert by[(None, "Quality")] == ["mei"] and by[(None, "Regulatory")] == ["tomas"]
    assert by[("Basel", "Quality")] == [] and by[(None, None)] == ["tomas", "mei"]


def test_tag_counts_follow_retagging_and_keep_unused_tags_at_zero(db, people):
    lena = people["learner"]
    qid = ask(db, lena, tags=["stability", "variations"])
    ask(db, lena, title="Which stability zone applies to Brazil?", tags=["stability"],
        body="Zone IVb or IVa for a tablet marketed there next year?")
    with db.write() as s:
        qa.edit_question(s, actor=lena, question_id=qid, title="How do I file a Type IB?",
                         body=BODY, tags=["labelling"])
    with db.read() as s:
        counts = dict(qa.tags(s))
    assert (counts["stability"], counts["labelling"], counts["variations"]) == (1, 1, 0)


def test_hidden_posts_count_neither_for_tags_nor_for_experts(db, people):
    lena, tomas, mei = (people[k] for k in ("learner", "trainer", "trainer2"))
    q1 = ask(db, lena, title="Which sterility test suits a small batch?", tags=["sterility"])
    q2 = ask(db, lena, title="Can sterility testing be done at release only?",
             body="Our site asks whether in-process testing can be skipped.", tags=["sterility"])
    answer(db, tomas, q1, "Membrane filtration, as Ph. Eur. 2.6.1 describes.")
    answer(db, mei, q1, "Direct inoculation works for small volumes too.")
    a_mei2 = answer(db, mei, q2, "Release testing alone is the norm for terminal sterilisation.")
    with db.read() as s:
        assert ("sterility", 2) in qa.tags(s)
        assert {e.username: e.answers for e in experts.find(s, actor=lena, tag="sterility")} \
            == {"tomas": 1, "mei": 2}
    with db.write() as s:
        s.get(Question, q2).status = "hidden"
        s.get(Answer, a_mei2).status = "hidden"
    with db.read() as s:
        assert ("sterility", 1) in qa.tags(s)
        assert {e.username: e.answers for e in experts.find(s, actor=lena, tag="sterility")} \
            == {"tomas": 1, "mei": 1}
        assert {e.username: e.answers for e in experts.find(s, actor=lena)}["mei"] == 1


ANSWER_OPS = st.lists(st.one_of(
    st.tuples(st.just("post"), st.integers(0, 2), st.sampled_from(CONTENT_STATES)),
    st.tuples(st.just("status"), st.integers(0, 9), st.sampled_from(CONTENT_STATES)),
    st.tuples(st.just("accept"), st.integers(0, 9), st.booleans()),
    st.tuples(st.just("score"), st.integers(0, 9), st.integers(-3, 3)),
    st.tuples(st.just("author"), st.integers(0, 9), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.integers(0, 9)),
), min_size=1, max_size=12)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ANSWER_OPS)
def test_answer_totals_follow_every_change_to_answers(db, people, ops):
    """Whatever is posted, hidden, accepted, voted on, moved to someone else or deleted, each
    person's kept totals equal their visible answers added up (what the expert finder ranks
    by over all topics)."""
    authors = [people[k].id for k in ("learner", "trainer", "leader")]
    with db.write() as s:
        q = s.scalar(select(Question.id).limit(1))
        if q is None:
            q = Question(title="Where do the totals come from?", body="From the answers.",
                         author_id=people["admin"].id)
            s.add(q)
            s.flush()
            q = q.id
    for op in ops:
        with db.write() as s:
            if op[0] == "post":
                s.add(Answer(question_id=q, body="An answer.", author_id=authors[op[1]],
                             status=op[2]))
                continue
            rows = s.scalars(select(Answer).order_by(Answer.id)).all()
            if not rows:
                continue
            a = rows[op[1] % len(rows)]
            if op[0] == "status":
                a.status = op[2]
            elif op[0] == "accept":
                a.is_accepted = op[2]
            elif op[0] == "score":
                a.score += op[2]
            elif op[0] == "author":
                a.author_id = authors[op[2]]
            else:
                s.delete(a)
    with db.read() as s:
        by_hand = {r.author_id: (r.n, r.acc, r.votes) for r in s.execute(
            select(Answer.author_id, func.count().label("n"),
                   func.sum(case((Answer.is_accepted.is_(True), 1), else_=0)).label("acc"),
                   func.sum(Answer.score).label("votes"))
            .where(Answer.status == "visible").group_by(Answer.author_id))}
        kept = {t.author_id: (t.answers, t.accepted, t.votes)
                for t in s.scalars(select(AnswerTotal)) if t.answers or t.accepted or t.votes}
        assert kept == by_hand
        ranked = experts.find(s, actor=people["learner"], limit=50)
        assert {e.user_id: (e.answers, e.accepted, e.votes) for e in ranked} == by_hand


def test_answers_written_before_migration_0025_are_counted_by_it(db, people):
    from alembic import command

    from db import migrate

    lena, tomas, mei = people["learner"], people["trainer"], people["trainer2"]
    qid = ask(db, lena)
    aid = answer(db, tomas, qid)
    answer(db, mei, qid, "Mei's view, which a moderator hides.")
    with db.write() as s:
        qa.accept(s, actor=lena, answer_id=aid)
        s.execute(update(Answer).where(Answer.author_id == mei.id).values(status="hidden"))
    vote(db, mei, "answer", aid, 1)
    db.dispose()  # the migration needs the database to itself
    command.downgrade(migrate.alembic_config(db.url), "0024")
    migrate.upgrade(db.url)
    with db.read() as s:
        assert [(e.username, e.answers, e.accepted, e.votes)
                for e in experts.find(s, actor=lena)] == [("tomas", 1, 1, 1)]


def test_vote_and_accept_write_audit_records(db, people):
    qid = ask(db, people["learner"])
    aid = answer(db, people["trainer"], qid)
    vote(db, people["trainer2"], "answer", aid, 1)
    vote(db, people["trainer2"], "answer", aid, 0)
    with db.write() as s:
        qa.accept(s, actor=people["learner"], answer_id=aid)
    with db.read() as s:
        actions = [a for a in s.scalars(select(AuditRecord.action).order_by(AuditRecord.id))
                   if a.startswith(("vote.", "answer."))]
        assert actions[-3:] == ["vote.cast", "vote.retracted", "answer.accepted"]
        assert s.scalar(select(func.count()).select_from(PointEvent).where(
            PointEvent.voided_at.is_not(None))) == 1


def test_notifications_about_lesson_work_lead_to_the_lesson(db, people):
    from db.models import Proposal

    tomas, lena = people["trainer"], people["learner"]
    lesson_id = make_lesson(db, tomas, "Variations 101")
    with db.write() as s:
        rev = s.scalar(select(LessonRevision.id).where(LessonRevision.lesson_id == lesson_id))
        p = Proposal(lesson_id=lesson_id, base_revision_id=rev, proposer_id=lena.id,
                     body="Add an example", summary="Example")
        s.add(p)
        s.flush()
        notify.notify(s, user_ids=[tomas.id], kind="proposal", text="A proposal",
                      entity_type="proposal", entity_id=p.id)
        notify.notify(s, user_ids=[tomas.id], kind="review_requested", text="Review",
                      entity_type="lesson_revision", entity_id=rev)
    with db.read() as s:
        assert [r.target for r in qa.notifications(s, actor=tomas)] == [
            ("lesson", lesson_id), ("lesson", lesson_id)]


# --- reading is activity too --------------------------------------------------------------


def views(db, question_id: int) -> list[tuple[int, str]]:
    with db.read() as s:
        return [(u, f"{at:%Y-%m-%d}") for u, at in s.execute(
            select(ActivityEvent.user_id, ActivityEvent.created_at).where(
                ActivityEvent.kind == "view", ActivityEvent.entity_type == "question",
                ActivityEvent.entity_id == question_id).order_by(ActivityEvent.id))]


def test_reading_a_question_counts_once_a_day_per_person(db, people):
    qid = ask(db, people["learner"])
    mei, lars = people["trainer2"], people["leader"]
    now = utcnow()
    tomorrow = now + timedelta(days=1)
    with db.write() as s:
        assert qa.record_view(s, actor=mei, question_id=qid, now=now)
    for _ in range(3):  # reruns and reloads the same day add nothing
        with db.write() as s:
            assert not qa.record_view(s, actor=mei, question_id=qid, now=now)
    with db.write() as s:
        assert qa.record_view(s, actor=lars, question_id=qid, now=now)
        assert qa.record_view(s, actor=mei, question_id=qid, now=tomorrow)
    assert views(db, qid) == [(mei.id, f"{now:%Y-%m-%d}"), (lars.id, f"{now:%Y-%m-%d}"),
                              (mei.id, f"{tomorrow:%Y-%m-%d}")]


def test_a_reader_counts_as_active_but_not_as_a_contributor(db, people):
    qid = ask(db, people["learner"])
    with db.write() as s:
        qa.record_view(s, actor=people["trainer2"], question_id=qid)
    with db.write() as s:
        summaries.refresh(s)  # as the engagement page does when it finds new activity
    today = utcnow().date()
    with db.read() as s:
        summary = analytics.activity_summary(s, actor=people["leader"],
                                             filters=analytics.Filters(today, today))
    assert summary == {"active": 2, "contributors": 1}  # Lena asked; Mei only read


def test_no_view_is_logged_for_a_question_one_cannot_see(db, people):
    qid = ask(db, people["learner"])
    with db.write() as s:
        s.execute(update(Question).where(Question.id == qid).values(status="hidden"))
    with db.write() as s:
        assert not qa.record_view(s, actor=people["trainer2"], question_id=qid)
        assert not qa.record_view(s, actor=people["trainer2"], question_id=qid + 100)
        assert qa.record_view(s, actor=people["learner"], question_id=qid)  # the author may
    assert views(db, qid) == [(people["learner"].id, f"{utcnow():%Y-%m-%d}")]


def test_record_view_not_enough_permissions(db, people):
    qid = ask(db, people["learner"])
    nobody = Actor(id=None, username="anonymous")
    with db.write() as s, pytest.raises(PermissionDenied):
        qa.record_view(s, actor=nobody, question_id=qid)
    assert views(db, qid) == []
