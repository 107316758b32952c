"""The Q&A pages through AppTest: list, question page, ask form, votes, acceptance, moderation,
notifications, experts; hostile text shown inert; a bounded number of SQL statements per run."""

import re

import pytest
from sqlalchemy import Engine, event, func, select
from streamlit.testing.v1 import AppTest

from db import moderation, notify, qa
from db.models import ActivityEvent, Answer, Comment, Question, Vote
from tests.conftest import ROOT, add_person, open_session

BODY = "We file next month and nobody here has done it before. What should we expect?"


def page(db, name: str, username: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / f"pages/{name}.py"), default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, username)
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption", "header", "title")
                     for e in getattr(at, kind))


@pytest.fixture
def thread(db, people):
    """Lena's question with Tomás's answer."""
    with db.write() as s:
        qid = qa.ask(s, actor=people["learner"], title="How long is an EMA clock stop?",
                     body=BODY, tags=["ema", "variations"])
        aid = qa.answer(s, actor=people["trainer"], question_id=qid,
                        body="Three months by default; longer on request.")
    return qid, aid


# --- the list -------------------------------------------------------------------------------


def test_empty_list_invites_the_first_question(db, people):
    at = page(db, "questions", "lena")
    assert at.title[0].value == "Questions"
    assert "No questions yet" in at.info[0].value
    assert at.button(key="ask-open")


def test_list_shows_counts_accepted_mark_and_tags(db, people, thread):
    qid, aid = thread
    with db.write() as s:
        qa.accept(s, actor=people["learner"], answer_id=aid)
    at = page(db, "questions", "mei")
    shown = texts(at)
    assert "How long is an EMA clock stop?" in shown
    assert ":green-badge[:material/check: 1 answer]" in shown.replace("  ", " ") or \
        "1 answer" in shown
    assert ":blue-badge[ema]" in shown and "asked by Lena Fischer" in shown
    assert f"q={qid}" in shown or at.get("page_link")


def test_search_and_unanswered_views(db, people, thread):
    with db.write() as s:
        qa.ask(s, actor=people["trainer2"], title="Cleaning validation limits for shared lines",
               body=BODY + " (cleaning)", tags=["gmp"])
    at = page(db, "questions", "lars")
    at.text_input(key="search").input("clock stop").run()
    assert not at.exception
    shown = texts(at)
    assert "clock stop" in shown and "Cleaning validation" not in shown
    at.text_input(key="search").input("no such words anywhere").run()
    assert "No question matches" in at.info[0].value
    at.text_input(key="search").input("").run()
    at.button_group(key="sort").set_value("unanswered").run()
    shown = texts(at)
    assert "Cleaning validation" in shown and "EMA clock stop" not in shown


def test_keyset_pages_in_the_list(db, people):
    crowd = [add_person(db, f"asker{i}", "learner") for i in range(5)]
    for i in range(25):
        with db.write() as s:
            qa.ask(s, actor=crowd[i % 5], title=f"Numbered question {i:02d} about stability",
                   body=f"{BODY} {i}", tags=["stability"])
    at = page(db, "questions", "lena")
    assert "Numbered question 24" in texts(at) and "Numbered question 04" not in texts(at)
    at.button(key="qa-next").click().run()
    assert "Numbered question 04" in texts(at) and "Numbered question 24" not in texts(at)
    assert at.button(key="qa-next").disabled


# --- asking ---------------------------------------------------------------------------------


def test_ask_shows_duplicate_hint_then_posts(db, people, thread):
    at = page(db, "questions", "mei", ask=1)
    at.text_input(key="ask-title").input("EMA clock stop duration for a variation").run()
    assert "These look similar" in texts(at)
    assert "How long is an EMA clock stop?" in texts(at)
    at.text_area(key="ask-body").input("We need to plan the response time for a Type II.")
    at.multiselect(key="ask-tags").select("ema")
    at.button(key="FormSubmitter:ask-form-Post your question").click().run()
    assert not at.exception
    with db.read() as s:
        new = s.scalar(select(Question.id).order_by(Question.id.desc()))
        assert s.get(Question, new).title == "EMA clock stop duration for a variation"
    assert at.query_params["q"] == [str(new)] or at.query_params["q"] == str(new)
    assert at.header[0].value == "EMA clock stop duration for a variation"


def test_bad_question_shows_errors_next_to_fields_and_stores_nothing(db, people):
    at = page(db, "questions", "lena", ask=1)
    at.text_input(key="ask-title").input("Short").run()
    at.button(key="FormSubmitter:ask-form-Post your question").click().run()
    assert not at.exception
    assert "at least 15 characters" in at.error[0].value
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Question)) == 0


# --- one question ---------------------------------------------------------------------------


def test_deep_link_opens_the_question(db, people, thread):
    qid, _ = thread
    at = page(db, "questions", "lars", q=qid)
    assert at.header[0].value == "How long is an EMA clock stop?"
    assert "1 answer" in [s.value for s in at.subheader]


def question_views(db, qid: int) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(ActivityEvent).where(
            ActivityEvent.kind == "view", ActivityEvent.entity_type == "question",
            ActivityEvent.entity_id == qid))


def test_opening_a_question_counts_one_view_however_often_it_reruns(db, people, thread):
    qid, aid = thread
    at = page(db, "questions", "mei", q=qid)
    assert question_views(db, qid) == 1
    at.run()
    at.button(key=f"up-answer-{aid}").click().run()  # voting reruns the page
    assert not at.exception
    assert question_views(db, qid) == 1
    page(db, "questions", "mei", q=qid)  # a second browser session the same day
    assert question_views(db, qid) == 1
    page(db, "questions", "lars", q=qid)
    assert question_views(db, qid) == 2
    page(db, "questions", "lars")  # the list is not a read of any one question
    assert question_views(db, qid) == 2


def test_missing_question_says_so(db, people):
    at = page(db, "questions", "lena", q=999)
    assert "does not exist" in at.warning[0].value


def test_vote_up_then_take_back(db, people, thread):
    qid, aid = thread
    at = page(db, "questions", "mei", q=qid)
    at.button(key=f"up-answer-{aid}").click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(Answer, aid).score == 1
    assert at.button(key=f"up-answer-{aid}").proto.type == "primary"  # shows my vote
    at.button(key=f"up-answer-{aid}").click().run()
    with db.read() as s:
        assert s.get(Answer, aid).score == 0
        assert s.scalar(select(func.count()).select_from(Vote)) == 0


def test_own_post_cannot_be_voted_on(db, people, thread):
    qid, aid = thread
    at = page(db, "questions", "tomas", q=qid)
    assert at.button(key=f"up-answer-{aid}").disabled
    assert not at.button(key=f"up-question-{qid}").disabled


def test_asker_accepts_and_answerer_is_notified(db, people, thread):
    qid, aid = thread
    at = page(db, "questions", "lena", q=qid)
    at.button(key=f"accept-{aid}").click().run()
    assert not at.exception
    assert "Accepted answer" in texts(at)
    with db.read() as s:
        assert s.get(Question, qid).accepted_answer_id == aid
        assert [n["kind"] for n in notify.recent(s, user_id=people["trainer"].id)
                if n["kind"] != "badge"][0] == "accepted"


@pytest.mark.parametrize("username", ["lars", "ada"])
def test_no_accept_button_for_people_who_may_not_accept(db, people, thread, username):
    qid, aid = thread
    at = page(db, "questions", username, q=qid)
    assert not [b for b in at.button if b.key == f"accept-{aid}"]


def test_trainer_sees_accept_on_others_answers(db, people, thread):
    qid, aid = thread
    with db.write() as s:
        other = qa.answer(s, actor=people["leader"], question_id=qid, body="Ask the EMA PM.")
    at = page(db, "questions", "tomas", q=qid)
    keys = {b.key for b in at.button}
    assert f"accept-{other}" in keys and f"accept-{aid}" not in keys  # not his own


def test_answer_form_posts_and_rejects_empty(db, people, thread):
    qid, _ = thread
    at = page(db, "questions", "mei", q=qid)
    at.button(key="FormSubmitter:answer-form-Post your answer").click().run()
    assert "cannot be empty" in at.error[0].value
    at.text_area(key="answer-body").input("Check the CHMP timetable for your procedure.")
    at.button(key="FormSubmitter:answer-form-Post your answer").click().run()
    assert not at.exception
    assert "Check the CHMP timetable" in texts(at)
    assert at.text_area(key="answer-body").value == ""  # the form is cleared for the next one


def test_comment_and_edit_with_history(db, people, thread):
    qid, aid = thread
    at = page(db, "questions", "lena", q=qid)
    at.button(key=f"comment-open-answer-{aid}").click().run()
    at.text_area(key=f"comment-answer-{aid}-body").input("Thanks, @tomas!")
    at.button(key=f"FormSubmitter:comment-answer-{aid}-Add comment").click().run()
    assert not at.exception and "Thanks, @tomas!" in texts(at)
    at.button(key=f"edit-question-{qid}").click().run()
    at.text_input(key="edit-title").input("How long may an EMA clock stop last?")
    at.button(key="FormSubmitter:edit-question-Save edit").click().run()
    assert not at.exception
    assert at.header[0].value == "How long may an EMA clock stop last?"
    with db.read() as s:
        assert len(qa.history(s, actor=people["learner"], entity_type="question",
                              entity_id=qid)) == 2


def test_flag_dialog_records_a_flag(db, people, thread):
    qid, aid = thread
    at = page(db, "questions", "mei", q=qid)
    at.button(key=f"flag-answer-{aid}").click().run()
    assert not at.exception
    at.radio(key="flag-reason").set_value(moderation.REASONS[1])
    at.button(key="flag-send").click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(Answer, aid).flag_count == 1


HOSTILE_TITLE = "<img src=x onerror=alert(1)> ![t](http://evil.example/t.png) :red[$x$]"
HOSTILE_BODY = """<script>alert(1)</script>
[click](javascript:alert(1)) ![pixel](https://tracker.example/p.png)
[data](data:text/html;base64,PHNjcmlwdD4=) $\\\\frac{1}{2}$ <iframe src="//evil.example">
[ref]: javascript:alert(2)
"""


def test_hostile_text_is_shown_inert(db, people):
    with db.write() as s:
        qid = qa.ask(s, actor=people["learner"], title=HOSTILE_TITLE, body=HOSTILE_BODY,
                     tags=["security"])
        aid = qa.answer(s, actor=people["trainer"], question_id=qid, body=HOSTILE_BODY + " A")
        qa.comment(s, actor=people["trainer2"], entity_type="answer", entity_id=aid,
                   body=HOSTILE_BODY + " C")
    for at in (page(db, "questions", "lars", q=qid), page(db, "questions", "lars")):
        values = [str(e.value) for kind in ("markdown", "caption", "header")
                  for e in getattr(at, kind)] + [b.label for b in at.button]
        assert values
        for v in values:
            assert not re.search(r"(?<!\\)<[A-Za-z/!?]", v), v  # no live HTML tags
            assert not re.search(r"(?<!\\)!\[", v), v  # no images fetched
            assert not re.search(r"(?<!\\)\$", v), v  # no LaTeX
            for target in re.findall(r"(?<!\\)\]\(\s*<?([^)\s>]*)", v):
                assert target.startswith(("http://", "https://", "mailto:", "/")), v
            assert "javascript:alert(2)" not in v or "\\[ref]:" in v, v


# --- the other Q&A pages --------------------------------------------------------------------


def test_moderation_queue_decision(db, people, thread):
    qid, aid = thread
    flaggers = [add_person(db, f"flagger{i}", "learner") for i in range(3)]
    for f in flaggers:
        with db.write() as s:
            moderation.flag(s, actor=f, entity_type="answer", entity_id=aid,
                            reason=moderation.REASONS[2])
    at = page(db, "moderation", "lars")
    assert "hidden pending review" in texts(at)
    form = f"decide-answer-{aid}"
    at.button(key=f"FormSubmitter:{form}-Record decision").click().run()
    assert "keep, hide or delete" in at.error[0].value  # a decision is required
    at.radio(key=f"{form}-decision").set_value("delete")
    at.button(key=f"FormSubmitter:{form}-Record decision").click().run()
    assert "Reason cannot be empty" in at.error[0].value  # and a reason
    at.text_input(key=f"{form}-reason").input("Wrong and unsafe advice")
    at.button(key=f"FormSubmitter:{form}-Record decision").click().run()
    assert not at.exception
    assert "Nothing to review" in at.success[0].value
    with db.read() as s:
        assert s.get(Answer, aid).status == "deleted"


def test_moderation_queue_reads_every_kind_at_once_with_its_totals(db, people, thread):
    qid, aid = thread
    with db.write() as s:
        on_answer = qa.comment(s, actor=people["learner"], entity_type="answer", entity_id=aid,
                               body="Is that calendar days?")
        on_question = qa.comment(s, actor=people["trainer"], entity_type="question",
                                 entity_id=qid, body="Which procedure type?")
    flaggers = [add_person(db, f"flagger{i}", "learner") for i in range(3)]
    for etype, eid, who in [("question", qid, flaggers), ("answer", aid, flaggers[:1]),
                            ("comment", on_answer, flaggers[:1]),
                            ("comment", on_question, flaggers[:2])]:
        for f in who:
            with db.write() as s:
                moderation.flag(s, actor=f, entity_type=etype, entity_id=eid,
                                reason=moderation.REASONS[3])
    with db.read() as s:
        got = moderation.queue(s, actor=people["leader"])
        assert (got.total, got.waiting) == moderation.queue_summary(s, actor=people["leader"])
    assert (got.total, got.waiting) == (4, 1)
    assert [(i.entity_type, i.entity_id, i.context) for i in got.items] == [
        ("question", qid, ("question", qid)), ("comment", on_question, ("question", qid)),
        ("answer", aid, ("question", qid)), ("comment", on_answer, ("question", qid))]
    assert got.items[0].title == "How long is an EMA clock stop?"
    assert got.items[3].body == "Is that calendar days?" and got.items[3].author == "Lena Fischer"


def test_moderation_queue_comes_in_pages(db, people):
    askers = [add_person(db, f"asker{i}", "learner") for i in range(5)]
    flagger = add_person(db, "flagger", "learner")
    qids = []
    for i in range(25):
        with db.write() as s:
            qids.append(qa.ask(s, actor=askers[i % 5], title=f"Numbered question {i:02d} here",
                               body=f"{BODY} {i}", tags=["ema"]))
            moderation.flag(s, actor=flagger, entity_type="question", entity_id=qids[-1],
                            reason=moderation.REASONS[0])
    at = page(db, "moderation", "ada")
    assert "25 items" in texts(at)
    shown = [q for q in qids if f"Numbered question {q - qids[0]:02d} here" in texts(at)]
    assert shown == qids[:10]  # the earliest flagged first, 10 to a page
    for expected in (qids[10:20], qids[20:]):
        at.button(key="mod-next").click().run()
        assert not at.exception
        shown = [q for q in qids if f"Numbered question {q - qids[0]:02d} here" in texts(at)]
        assert shown == expected
    assert at.button(key="mod-next").disabled
    at.button(key="mod-first").click().run()
    assert "Numbered question 00 here" in texts(at)


def test_a_flagged_lesson_comment_is_decided_in_the_queue(db, people):
    from db import content
    from tests.test_content import new_course, new_lesson, sign, submit

    lid = new_lesson(db, people["trainer"], new_course(db, people["trainer"]))
    submit(db, people["trainer"], lid)
    sign(db, people["trainer2"], lid)
    with db.write() as s:
        cid = content.add_comment(s, actor=people["learner"], lesson_id=lid,
                                  body="Skip the checklist, nobody reads it.")
    for i in range(3):
        who = add_person(db, f"flagger{i}", "learner")
        with db.write() as s:
            moderation.flag(s, actor=who, entity_type="comment", entity_id=cid,
                            reason=moderation.REASONS[1])
    at = page(db, "moderation", "lars")
    assert "Skip the checklist, nobody reads it." in texts(at)
    assert ":blue-badge[Comment on a lesson]" in texts(at)
    assert f"/lessons?lesson={lid}" in texts(at)  # read it in context
    form = f"decide-comment-{cid}"
    at.radio(key=f"{form}-decision").set_value("hide")
    at.text_input(key=f"{form}-reason").input("Tells people to skip a control")
    at.button(key=f"FormSubmitter:{form}-Record decision").click().run()
    assert not at.exception
    assert "Nothing to review" in at.success[0].value
    with db.read() as s:
        assert s.get(Comment, cid).status == "hidden"


@pytest.mark.parametrize("username", ["lena", "tomas"])
def test_moderation_page_denied_to_learners_and_trainers(db, people, username):
    at = page(db, "moderation", username)
    assert "You do not have access" in at.error[0].value
    assert not at.title


def test_notifications_unread_badge_and_mark_read(db, people, thread):
    with db.read() as s:
        unread = notify.unread_count(s, user_id=people["learner"].id)  # badges notify too
    at = page(db, "notifications", "lena")
    assert at.title[0].value == "Notifications"
    assert unread >= 1 and f"{unread} unread" in texts(at)
    assert "Tomas Ribeiro answered" in texts(at)
    at.button(key="read-all").click().run()
    assert not at.exception and "0 unread" in texts(at)
    with db.read() as s:
        assert notify.unread_count(s, user_id=people["learner"].id) == 0


def test_notifications_empty_state(db, people):
    at = page(db, "notifications", "ada")
    assert "Nothing yet" in at.info[0].value


def test_experts_page_ranks_and_invites(db, people, thread):
    qid, aid = thread
    with db.write() as s:
        qa.accept(s, actor=people["learner"], answer_id=aid)
        other = qa.ask(s, actor=people["learner"], title="Who reviews EMA variation packs?",
                       body=BODY + " (2)", tags=["ema"])
    at = page(db, "experts", "lena", q=other)
    table = at.dataframe[0].value
    assert list(table["Name"]) == ["Tomas Ribeiro"] and list(table["Accepted answers"]) == [1]
    assert at.selectbox(key="invite-question").value == other


def test_guidelines_page(db, people):
    at = page(db, "guidelines", "lena")
    assert at.title[0].value == "Community guidelines"
    assert "3 open flags" in texts(at)


# --- cost of a page run ---------------------------------------------------------------------


@pytest.mark.parametrize("view", ["list", "question", "search"])
def test_a_page_run_costs_at_most_ten_statements(db, people, thread, view):
    qid, aid = thread
    crowd = [add_person(db, f"voter{i}", "learner") for i in range(4)]
    for i, who in enumerate(crowd):
        with db.write() as s:
            q = qa.ask(s, actor=who, title=f"Extra question {i} about EMA variations",
                       body=f"{BODY} {i}", tags=["ema", f"tag{i}"])
            qa.answer(s, actor=people["trainer"], question_id=q, body=f"Answer {i} here.")
            qa.comment(s, actor=who, entity_type="answer", entity_id=aid, body=f"Note {i}")
            qa.vote(s, actor=who, entity_type="answer", entity_id=aid, value=1)
    at = AppTest.from_file(str(ROOT / "pages/questions.py"), default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, "lena")
    if view == "question":
        at.query_params["q"] = str(qid)
    if view == "search":
        at.query_params["search"] = "EMA variations"
    at.run()  # warm: caches and the schema check
    statements = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        at.run()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert not at.exception
    assert 0 < len(statements) <= 10, statements


def test_question_links_its_lesson_and_ask_form_prefills_it(db, people):
    from tests.test_qa import make_lesson

    lesson_id = make_lesson(db, people["trainer"], "Variations *101*")
    at = page(db, "questions", "lena", ask=1, lesson=lesson_id)
    assert at.selectbox(key="ask-lesson").value == lesson_id
    with db.write() as s:
        qid = qa.ask(s, actor=people["learner"], title="Which variation category applies here?",
                     body=BODY, tags=["variations"], lesson_id=lesson_id)
    at = page(db, "questions", "tomas", q=qid)
    assert f"[Variations \\*101\\*](/lessons?lesson={lesson_id})" in texts(at)


# --- a busy question: answers in pages ------------------------------------------------------


def shown_answers(at) -> list[int]:
    """The numbers of the "Answer number NN" bodies on the page, in the order shown."""
    return [int(m) for e in at.markdown for m in re.findall(r"Answer number (\d\d)", e.value)]


@pytest.fixture
def busy(db, people, monkeypatch):
    """Lena's question with 12 answers, pages of 5: two voted up, the last one accepted."""
    monkeypatch.setattr(qa, "ANSWER_PAGE", 5)
    crowd = [add_person(db, f"helper{i}", "learner") for i in range(4)]
    with db.write() as s:
        qid = qa.ask(s, actor=people["learner"], title="Which stability zones apply to us?",
                     body=BODY, tags=["stability"])
    ids = []
    for i in range(12):
        with db.write() as s:
            ids.append(qa.answer(s, actor=crowd[i % 4], question_id=qid,
                                 body=f"Answer number {i:02d}: climatic zone {i}."))
    with db.write() as s:
        for i in (3, 7):
            qa.vote(s, actor=people["trainer"], entity_type="answer", entity_id=ids[i], value=1)
        qa.accept(s, actor=people["learner"], answer_id=ids[11])
    return qid, ids


def test_answers_come_in_pages_accepted_first_then_by_score(db, people, busy):
    qid, ids = busy
    at = page(db, "questions", "mei", q=qid)
    assert shown_answers(at) == [11, 3, 7, 0, 1]  # accepted, then by score, oldest first
    assert "12 answers" in [s.value for s in at.subheader]
    assert "Showing 5 of 12 answers." in [c.value for c in at.caption]
    assert "Accepted answer" in texts(at)
    at.button(key="qa-more-answers").click().run()
    assert not at.exception
    assert shown_answers(at) == [11, 3, 7, 0, 1, 2, 4, 5, 6, 8]
    at.button(key=f"up-answer-{ids[8]}").click().run()  # acting on a later answer keeps the page
    assert not at.exception and len(shown_answers(at)) == 10
    with db.read() as s:
        assert s.get(Answer, ids[8]).score == 1
    at.button(key="qa-more-answers").click().run()
    assert sorted(shown_answers(at)) == list(range(12))
    assert shown_answers(at)[0] == 11
    assert not [b for b in at.button if b.key == "qa-more-answers"]
    assert not [c for c in at.caption if c.value.startswith("Showing")]


def test_a_new_answer_shows_even_beyond_the_first_page(db, people, busy):
    qid, _ = busy
    at = page(db, "questions", "mei", q=qid)
    at.text_area(key="answer-body").input("Answer number 99: zone IVb for hot, humid sites.")
    at.button(key="FormSubmitter:answer-form-Post your answer").click().run()
    assert not at.exception
    assert shown_answers(at)[:2] == [11, 99]  # after the accepted one
    assert "13 answers" in [s.value for s in at.subheader]


def test_the_accepted_answer_leads_even_with_the_lowest_score(db, people, busy):
    qid, ids = busy
    with db.write() as s:
        qa.vote(s, actor=people["trainer"], entity_type="answer", entity_id=ids[11], value=-1)
        detail = qa.question_detail(s, actor=people["trainer2"], question_id=qid, limit=3)
    assert [a.id for a in detail.answers] == [ids[11], ids[3], ids[7]]
    assert detail.answers[0].is_accepted and detail.answer_count == 12
    assert detail.more_answers == 9
