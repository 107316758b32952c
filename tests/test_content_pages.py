"""The lessons page and the trainer inbox through AppTest: deep links, empty states, the
propose -> accept -> sign path, errors next to fields, and a budget of SQL statements per run."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, func, select
from streamlit.testing.v1 import AppTest

from db import content, moderation
from db.models import (
    AuditRecord,
    Comment,
    Course,
    Flag,
    Lesson,
    LessonProgress,
    LessonRevision,
    Proposal,
    Signature,
)
from tests.conftest import PASSWORD, ROOT, add_person, open_session
from tests.test_content import BODY, edit, new_course, new_lesson, propose, sign, submit

LESSONS = str(ROOT / "pages/lessons.py")
INBOX = str(ROOT / "pages/trainer_inbox.py")


def page(db, username: str, script: str = LESSONS, **params) -> AppTest:
    at = AppTest.from_file(script, default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, username)
    for key, value in params.items():
        at.query_params[key] = str(value)
    return at.run()


def texts(at: AppTest) -> str:
    """Everything the page wrote as text, in one string to search."""
    parts = [e.value for kind in ("title", "markdown", "caption", "info", "warning", "error",
                                  "success", "subheader")
             for e in getattr(at, kind)]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))  # drop Markdown escapes


@contextmanager
def counted():
    """Count the SQL statements sent while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT"):
            seen.append(" ".join(statement.split())[:150])

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


@pytest.fixture
def lesson(db, people) -> int:
    cid = new_course(db, people["trainer"])
    lid = new_lesson(db, people["trainer"], cid, title="Module 1 for the EU")
    submit(db, people["trainer"], lid)
    assert sign(db, people["trainer2"], lid).published
    return lid


# --- browsing and deep links ------------------------------------------------------------------


@pytest.mark.parametrize(("username", "hint"), [
    ("lena", "No lessons are published yet"), ("tomas", "Create a course in the New course tab"),
    ("lars", "No lessons are published yet")])
def test_empty_board_tells_a_new_user_what_to_do(db, people, username, hint):
    at = page(db, username)
    assert not at.exception
    assert [t.value for t in at.title] == ["Lessons"]
    assert hint in texts(at)


def test_browse_lists_published_lessons_and_searches(db, people, lesson):
    cid = new_course(db, people["trainer"], title="Draft course")
    new_lesson(db, people["trainer"], cid, title="Not yet published")
    at = page(db, "lena")
    assert not at.exception
    assert list(at.dataframe[0].value["Lesson"]) == ["Module 1 for the EU"]
    at.text_input(key="l-search").input("nothing like this").run()
    assert "No lessons match" in texts(at)
    trainer = page(db, "tomas")
    assert sorted(trainer.dataframe[0].value["Lesson"]) == ["Module 1 for the EU",
                                                            "Not yet published"]


def test_courses_tab_and_course_deep_link(db, people, lesson):
    at = AppTest.from_file(LESSONS, default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, "lena")
    at.session_state["browse"] = "Courses"
    at.run()
    assert not at.exception
    at.button(key=f"course-{_course_of(db, lesson)}").click().run()
    assert at.query_params["course"] == str(_course_of(db, lesson))
    assert [t.value for t in at.title] == ["eCTD basics"]
    at.button(key=f"lesson-{lesson}").click().run()
    assert at.query_params["lesson"] == str(lesson)
    assert [t.value for t in at.title] == ["Module 1 for the EU"]


def test_trainer_reorders_lessons_on_the_course_page(db, people, lesson):
    course_id = _course_of(db, lesson)
    second = new_lesson(db, people["trainer"], course_id, title="Second lesson")
    at = page(db, "tomas", course=course_id)
    assert not at.exception
    at.button(key=f"move-{second}--1").click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(Lesson, second).position == 1
    assert at.button(key=f"lesson-{second}").label.startswith("1. Second lesson")


@pytest.mark.parametrize("username", ["tomas", "ada"])
def test_course_owner_or_admin_edits_the_course(db, people, lesson, username):
    course_id = _course_of(db, lesson)
    at = page(db, username, course=course_id)
    assert not at.exception
    at.button(key=f"course-edit-{course_id}").click().run()
    form = f"edit-course-{course_id}"
    at.text_input(key=f"{form}-title-0").input("eCTD basics for the EU")
    at.selectbox(key=f"{form}-function-0").set_value("Regulatory Affairs")
    at.button(key=f"{form}-save-0").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["eCTD basics for the EU"]
    assert "For Regulatory Affairs" in texts(at)
    assert at.button(key=f"course-edit-{course_id}")  # the form is closed again
    with db.read() as s:
        assert s.get(Course, course_id).title == "eCTD basics for the EU"
        assert s.scalar(select(AuditRecord.actor_username).where(
            AuditRecord.action == "course.updated")) == username


def test_bad_course_edit_shows_the_error_next_to_the_field(db, people, lesson):
    course_id = _course_of(db, lesson)
    at = page(db, "tomas", course=course_id)
    at.button(key=f"course-edit-{course_id}").click().run()
    form = f"edit-course-{course_id}"
    at.text_area(key=f"{form}-summary-0").input("Short")
    at.multiselect(key=f"{form}-owners-0").set_value([])
    at.button(key=f"{form}-save-0").click().run()
    assert not at.exception
    assert "summary" in at.error[0].value.lower()
    with db.read() as s:
        assert s.get(Course, course_id).summary == ("Everything a new starter needs about "
                                                    "the eCTD.")
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "course.updated")) == 0
    at.button(key=f"{form}-cancel-0").click().run()
    assert not at.exception and at.button(key=f"course-edit-{course_id}")


@pytest.mark.parametrize("username", ["lena", "mei", "lars"])
def test_course_edit_is_not_offered_to_others(db, people, lesson, username):
    """Learners, leaders and trainers who do not own the course see no edit button."""
    course_id = _course_of(db, lesson)
    at = page(db, username, course=course_id)
    assert not at.exception
    assert not [b for b in at.button if (b.key or "").startswith("course-edit-")]
    assert not [b for b in at.button if (b.key or "").startswith("edit-course-")]


def _course_of(db, lesson_id: int) -> int:
    with db.read() as s:
        return s.get(Lesson, lesson_id).course_id


def test_lesson_deep_link_shows_the_published_text_with_its_signature(db, people, lesson):
    at = page(db, "lena", lesson=lesson)
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Module 1 for the EU"]
    shown = texts(at)
    assert "A submission that misses a Module 1 document" in shown
    assert "Approved by Mei Chen" in shown and "signature matches this text" in shown
    assert "co-authors: Tomas Ribeiro" in shown
    assert "No comments yet" in shown and "No questions are linked" in shown
    assert [t.label for t in at.tabs] == ["Lesson", "Suggest a change", "History"]


@pytest.mark.parametrize("params", [{"lesson": "abc"}, {"lesson": "999"}, {"course": "999"}])
def test_broken_deep_links_say_so(db, people, params):
    at = page(db, "lena", **params)
    assert not at.exception
    assert at.warning and "Pick a lesson from the list" in at.warning[0].value


def test_learner_cannot_open_an_unpublished_lesson(db, people):
    lid = new_lesson(db, people["trainer"], new_course(db, people["trainer"]))
    at = page(db, "lena", lesson=lid)
    assert not at.exception
    assert "not published yet" in at.warning[0].value
    assert not any("A submission that misses" in m.value for m in at.markdown)


def test_learner_marks_a_lesson_complete_and_comments(db, people, lesson):
    at = page(db, "lena", lesson=lesson)
    at.button(key=f"complete-{lesson}").click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(LessonProgress, (people["learner"].id, lesson)).completed_at is not None
    assert at.button(key=f"complete-{lesson}").label == "Completed: undo"
    at.text_area(key=f"comment-{lesson}-body-0").input("Does this apply to Swissmedic?")
    at.button(key=f"comment-{lesson}-post-0").click().run()
    assert not at.exception
    assert "Does this apply to Swissmedic?" in texts(at)


def lesson_comment(db, actor, lesson_id: int, body: str) -> int:
    with db.write() as s:
        return content.add_comment(s, actor=actor, lesson_id=lesson_id, body=body)


def test_a_member_flags_a_lesson_comment_with_a_reason(db, people, lesson):
    theirs = lesson_comment(db, people["trainer2"], lesson, "Buy cheap audits at spam.example")
    mine = lesson_comment(db, people["learner"], lesson, "Does this apply to Swissmedic?")
    at = page(db, "lena", lesson=lesson)
    assert not at.exception
    flag_keys = {b.key for b in at.button if (b.key or "").startswith("flag-comment-")}
    assert flag_keys == {f"flag-comment-{theirs}"}  # nobody flags their own comment
    at.button(key=f"flag-comment-{theirs}").click().run()
    assert not at.exception
    at.button(key="flag-send").click().run()  # no reason picked yet
    assert "Pick the reason" in " ".join(e.value for e in at.error)
    with db.read() as s:
        assert s.get(Comment, theirs).flag_count == 0
    at.radio(key="flag-reason").set_value(moderation.REASONS[0])
    at.button(key="flag-send").click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(Comment, theirs).flag_count == 1
        assert s.get(Flag, 1).reason == moderation.REASONS[0]
    assert "Moderators will review it" in " ".join(t.value for t in at.toast)
    assert mine


def test_a_lesson_comment_hidden_by_flags_shows_only_to_its_author(db, people, lesson):
    cid = lesson_comment(db, people["learner"], lesson, "Section 2 is nonsense, skip it.")
    for i in range(3):
        who = add_person(db, f"flagger{i}", "learner")
        with db.write() as s:
            moderation.flag(s, actor=who, entity_type="comment", entity_id=cid,
                            reason=moderation.REASONS[1])
    other = page(db, "mei", lesson=lesson)
    assert "Section 2 is nonsense" not in texts(other) and "No comments yet" in texts(other)
    author = page(db, "lena", lesson=lesson)
    assert "Section 2 is nonsense" in texts(author)
    assert "hidden from others until a moderator reviews" in texts(author)
    assert not [b for b in author.button if b.key == f"flag-comment-{cid}"]


def test_posting_the_same_lesson_comment_twice_says_so_next_to_the_field(db, people, lesson):
    lesson_comment(db, people["learner"], lesson, "Does this apply to Swissmedic?")
    at = page(db, "lena", lesson=lesson)
    at.text_area(key=f"comment-{lesson}-body-0").input("Does this apply to  swissmedic?")
    at.button(key=f"comment-{lesson}-post-0").click().run()
    assert not at.exception
    assert "already posted exactly this text" in at.error[0].value
    assert at.text_area(key=f"comment-{lesson}-body-0").value == \
        "Does this apply to  swissmedic?"  # the text is kept to change it
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 1


# --- propose, decide, sign ----------------------------------------------------------------------


def test_learner_proposal_needs_a_reason_then_is_sent(db, people, lesson):
    at = page(db, "lena", lesson=lesson, tab="Suggest a change")
    assert not at.exception
    form = f"propose-{lesson}"
    at.text_area(key=f"{form}-edit-0").input(BODY + "\n\nSwissmedic accepts the EU Module 1.")
    at.button(key=f"{form}-send").click().run()
    assert "Why (a short summary) cannot be empty." in [e.value for e in at.error]
    with db.read() as s:
        assert s.scalar(select(func.count(Proposal.id))) == 0
    at.text_input(key=f"{form}-why-0").input("Basel does it this way")
    at.button(key=f"{form}-send").click().run()
    assert not at.exception and not at.error
    with db.read() as s:
        assert s.scalar(select(Proposal.summary)) == "Basel does it this way"
    assert "waiting for a trainer" in texts(at)
    assert at.text_input(key=f"{form}-why-1").value == ""  # a fresh form for the next one


def test_trainer_sees_the_diff_and_accepts(db, people, lesson):
    pid = propose(db, people["learner"], lesson, BODY + "\n\nSwissmedic accepts it too.")
    at = page(db, "tomas", lesson=lesson, tab="Proposals")
    assert not at.exception
    diff = "\n".join(c.value for c in at.code)
    assert "+ Swissmedic accepts it too." in diff
    at.button(key=f"decide-{pid}-accept").click().run()
    assert not at.exception and not at.error
    with db.read() as s:
        assert s.get(Proposal, pid).status == "accepted"
    assert "Version 2 is a draft" in texts(at)


def test_a_link_from_the_inbox_opens_that_proposal(db, people, lesson):
    propose(db, people["learner"], lesson, BODY + "\n\nFirst idea.")
    second = propose(db, people["trainer2"], lesson, BODY + "\n\nSecond idea.")
    at = page(db, "tomas", lesson=lesson, tab="Proposals", proposal=second)
    assert not at.exception
    assert at.selectbox(key=f"pick-proposal-{lesson}").value == second
    assert "+ Second idea." in "\n".join(c.value for c in at.code)


def test_rejecting_without_a_reason_shows_the_error_next_to_the_field(db, people, lesson):
    pid = propose(db, people["learner"], lesson, BODY + "\n\nAlways on Fridays.")
    at = page(db, "tomas", lesson=lesson, tab="Proposals")
    at.button(key=f"decide-{pid}-reject").click().run()
    assert "The reason cannot be empty." in [e.value for e in at.error]
    at.text_area(key=f"decide-{pid}-reason").input("Depends on the agency calendar.")
    at.button(key=f"decide-{pid}-reject").click().run()
    with db.read() as s:
        assert s.get(Proposal, pid).reason == "Depends on the agency calendar."


def test_signing_with_a_wrong_password_then_the_right_one(db, people, lesson):
    edit(db, people["trainer"], lesson, BODY + "\n\nNew EU rules from March.")
    submit(db, people["trainer"], lesson)
    with db.read() as s:
        rev_id = s.get(Lesson, lesson).latest_revision_id
    at = page(db, "mei", lesson=lesson, tab="Review")
    assert not at.exception
    assert "+ New EU rules from March." in "\n".join(c.value for c in at.code)
    at.text_input(key=f"sign-{rev_id}-password").input("not-my-password")
    at.button(key=f"sign-{rev_id}-go").click().run()
    assert any(e.value.startswith("Wrong password") for e in at.error)
    with db.read() as s:
        assert s.scalar(select(func.count(AuditRecord.id)).where(
            AuditRecord.action == "signature.failed")) == 1
        assert s.scalar(select(func.count(Signature.id)).where(
            Signature.revision_id == rev_id)) == 0
    at.text_input(key=f"sign-{rev_id}-password").input(PASSWORD)
    at.button(key=f"sign-{rev_id}-go").click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(LessonRevision, rev_id).state == "approved"
    learner = page(db, "lena", lesson=lesson)
    assert "New EU rules from March." in texts(learner)


def test_the_author_is_told_another_trainer_must_sign(db, people, lesson):
    edit(db, people["trainer"], lesson, BODY + "\n\nTomas changed this.")
    submit(db, people["trainer"], lesson)
    at = page(db, "tomas", lesson=lesson, tab="Review")
    assert not at.exception
    assert "another trainer must sign it" in texts(at)
    assert not [b for b in at.button if b.key and b.key.startswith("sign-")]


def test_trainer_saves_a_draft_from_the_editor(db, people, lesson):
    at = page(db, "tomas", lesson=lesson, tab="Edit")
    with db.read() as s:
        rev_id = s.get(Lesson, lesson).latest_revision_id
    form = f"edit-{rev_id}"
    at.text_area(key=f"{form}-body").input(BODY + "\n\nA clearer ending.")
    at.button(key=f"{form}-save").click().run()
    assert "The summary of the change cannot be empty." in [e.value for e in at.error]
    at.text_input(key=f"{form}-summary").input("Clearer ending")
    at.button(key=f"{form}-save").click().run()
    assert not at.exception and not at.error
    with db.read() as s:
        assert s.scalar(select(func.count(LessonRevision.id))) == 2
    assert page(db, "lena", lesson=lesson).markdown  # learners still read version 1
    assert "A clearer ending." not in texts(page(db, "lena", lesson=lesson))


def test_history_tab_shows_a_manifest_that_flags_changed_text(db, people, lesson):
    from sqlalchemy import update

    at = page(db, "lena", lesson=lesson, tab="History")
    assert not at.exception
    manifest = at.dataframe[1].value
    assert list(manifest["Printed name"]) == ["Mei Chen"]
    assert list(manifest["Matches the text"]) == ["yes"]
    with db.write() as s:  # someone with rights over the database, around the trigger (0028)
        s.connection().exec_driver_sql(
            "DROP TRIGGER lesson_revisions_no_rewrite" if db.is_sqlite else
            "ALTER TABLE lesson_revisions DISABLE TRIGGER lesson_revisions_no_rewrite")
        s.execute(update(LessonRevision).values(body=BODY + " tampered"))
    at = page(db, "lena", lesson=lesson, tab="History")
    assert list(at.dataframe[1].value["Matches the text"]) == ["NO: text changed after signing"]
    assert "Signature does not match this text" in texts(at)


def test_a_discarded_draft_can_be_restored_from_the_history_tab(db, people, lesson):
    edit(db, people["trainer"], lesson, BODY + "\n\nA paragraph worth keeping.")
    with db.read() as s:
        draft = s.get(Lesson, lesson).latest_revision_id
    with db.write() as s:
        content.discard_draft(s, actor=people["trainer"], lesson_id=lesson, revision_id=draft,
                              reason="Not now")
    at = page(db, "tomas", lesson=lesson, tab="History")
    choice = at.selectbox(key=f"restore-{lesson}-n")
    assert choice.options == ["2"]  # version 1 is the current text, so it is not offered
    at.button(key=f"restore-{lesson}-go").click().run()
    assert not at.exception and not at.error
    with db.read() as s:
        latest = s.get(LessonRevision, s.get(Lesson, lesson).latest_revision_id)
        assert (latest.number, latest.state) == (3, "draft")
        assert latest.body.endswith("A paragraph worth keeping.")


# --- trainer inbox ---------------------------------------------------------------------------


def test_inbox_empty_states(db, people):
    at = page(db, "tomas", INBOX)
    assert not at.exception and not at.error
    assert "No proposals are waiting" in texts(at)
    assert [m.value for m in at.metric] == ["0", "0", "0", "0", "0"]


def test_inbox_lists_proposals_and_versions_to_sign(db, people, lesson):
    propose(db, people["learner"], lesson, BODY + "\n\nLena's line.")
    edit(db, people["trainer"], lesson, BODY + "\n\nTomas's line.")
    submit(db, people["trainer"], lesson)
    tomas = page(db, "tomas", INBOX)
    assert [m.value for m in tomas.metric][:3] == ["1", "0", "1"]
    mei = page(db, "mei", INBOX)  # Mei owns no course: by default only her courses' proposals
    assert [m.value for m in mei.metric][:3] == ["0", "1", "0"]
    assert list(mei.dataframe[0].value["Lesson"]) == ["Module 1 for the EU"]
    mei.toggle(key="ib-mine").set_value(False).run()
    assert [m.value for m in mei.metric][0] == "1"


def test_inbox_counts_every_version_in_review_not_only_the_rows_shown(db, people, lesson):
    others = [new_lesson(db, people["trainer"], _course_of(db, lesson), title=f"Extra {i}")
              for i in range(2)]
    for lid in [lesson, *others]:
        if lid == lesson:
            edit(db, people["trainer"], lid, BODY + "\n\nUpdate.")
        submit(db, people["trainer"], lid)
    with db.read() as s:
        mei = content.inbox(s, actor=people["trainer2"], limit=1)
        tomas = content.inbox(s, actor=people["trainer"], limit=1)
    assert (len(mei.to_sign), mei.to_sign_total) == (1, 3)
    assert (len(tomas.mine_in_review), tomas.mine_in_review_total) == (1, 3)
    assert tomas.to_sign_total == 0


# --- cost of a page run -----------------------------------------------------------------------


@pytest.mark.parametrize(("username", "script", "params"), [
    ("lena", LESSONS, {}), ("lena", LESSONS, {"lesson": None}), ("tomas", LESSONS, {}),
    ("tomas", LESSONS, {"lesson": None, "tab": "History"}), ("tomas", INBOX, {}),
    ("lena", LESSONS, {"course": "course"})])
def test_a_page_run_sends_few_sql_statements(db, people, lesson, username, script, params):
    for i in range(5):  # more data must not mean more statements
        lid = new_lesson(db, people["trainer"], _course_of(db, lesson), title=f"Lesson {i}")
        submit(db, people["trainer"], lid)
        sign(db, people["trainer2"], lid)
        with db.write() as s:
            content.add_comment(s, actor=people["learner"], lesson_id=lesson, body=f"Note {i}")
    values = {"lesson": lesson, "course": _course_of(db, lesson)}
    at = page(db, username, script, **{k: v or values[k] for k, v in params.items()})
    with counted() as statements:
        at.run()
    assert not at.exception
    assert len(statements) <= 10, statements
