"""The co-creation journey in Chromium: a learner proposes an edit, a trainer accepts it and sends
it for review, another trainer signs it, and the learner reads the published lesson with its
signature. Screenshots of the lessons page and the trainer inbox go to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from db.models import Course, CourseOwner, Lesson, Proposal, User
from db.session import Database
from tests.e2e.conftest import idle, shot, watch
from tests.e2e.test_signin_journeys import cut_labels, sign_in

pytestmark = pytest.mark.browser
WAIT = 40000  # generous: CI machines are shared and a click can wait behind a rerun
ADDED = "At Basel we confirm the Swissmedic Module 1 checklist before every filing."


def _lesson_for_journey(url: str) -> int:
    """A published lesson of one of Tomas's courses with no open draft and nothing waiting."""
    db = Database(url)
    try:
        with db.read() as s:
            waiting = (select(func.count(Proposal.id))
                       .where(Proposal.lesson_id == Lesson.id, Proposal.status == "pending")
                       .scalar_subquery())
            return s.scalar(
                select(Lesson.id)
                .join(CourseOwner, CourseOwner.course_id == Lesson.course_id)
                .join(User, User.id == CourseOwner.user_id)
                .join(Course, Course.id == Lesson.course_id)
                .where(User.username == "tomas", Course.is_mandatory.is_(False),
                       Lesson.published_revision_id == Lesson.latest_revision_id,
                       waiting == 0)
                .order_by(Lesson.id).limit(1))
    finally:
        db.dispose()


def _as(page, server, username: str) -> None:
    sign_in(page, server, username)
    expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_be_visible(timeout=WAIT)
    idle(page, WAIT)


def _person(browser, server, username: str):
    """Another person in their own browser: their own cookies and Streamlit session, watched
    as the first person's is (see conftest.watch); returns the context, its page and the
    problems seen in it."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    problems = watch(context, username)
    other = context.new_page()
    _as(other, server, username)
    return context, other, problems


def _shot(page, name: str) -> None:
    idle(page, WAIT)
    page.wait_for_timeout(300)  # a picture only: let data frames paint their canvas
    shot(page, name)


def _tab(page, name: str, shows: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()
    expect(page.get_by_text(shows).first).to_be_visible(timeout=WAIT)
    idle(page, WAIT)


def _open(page, server, lesson_id: int, tab: str | None = None) -> None:
    page.goto(f"{server}/lessons?lesson={lesson_id}" + (f"&tab={tab}" if tab else ""))
    expect(page.get_by_role("tab", name="History")).to_be_visible(timeout=WAIT)
    idle(page, WAIT)


def test_learner_proposes_trainer_accepts_another_signs_learner_reads(page, server, browser,
                                                                      seeded_db):
    lesson_id = _lesson_for_journey(seeded_db)
    assert lesson_id, "the demo seed has no suitable lesson"

    # Lena browses, opens the lesson and proposes an edit.
    _as(page, server, "lena")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Lessons").click()
    expect(page.get_by_role("heading", name="Lessons", exact=True)).to_be_visible(timeout=WAIT)
    idle(page, WAIT)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=WAIT)
    _shot(page, "content-learner-lessons")
    _open(page, server, lesson_id)
    expect(page.get_by_text(re.compile("signature matches this text"))).to_be_visible(
        timeout=WAIT)
    _shot(page, "content-learner-lesson")
    _tab(page, "Suggest a change", "What would you like to do?")
    editor = page.get_by_label("The lesson text, as you would have it")
    editor.fill(editor.input_value() + "\n\n" + ADDED)
    why = page.get_by_label("Why? (a short summary for the trainer)")
    why.fill("Basel files with Swissmedic every month")
    why.press("Enter")
    page.get_by_role("button", name="Send proposal").click()
    expect(page.get_by_text("waiting for a trainer")).to_be_visible(timeout=WAIT)
    _shot(page, "content-learner-proposed")

    # Tomas sees it in his inbox, compares it side by side and accepts it, then sends it
    # for review.
    context, tomas, problems = _person(browser, server, "tomas")
    tomas.get_by_test_id("stSidebarNav").get_by_role("link", name="Trainer inbox").click()
    expect(tomas.get_by_role("heading", name="Trainer inbox")).to_be_visible(timeout=WAIT)
    expect(tomas.get_by_text("Proposals waiting").first).to_be_visible(timeout=WAIT)
    _shot(tomas, "content-trainer-inbox")
    tomas.get_by_test_id("stSidebarNav").get_by_role("link", name="Lessons").click()
    # The inbox's tables stay on screen until the Lessons run has replaced them.
    expect(tomas.get_by_role("heading", name="Lessons", exact=True)).to_be_visible(timeout=WAIT)
    idle(tomas, WAIT)
    expect(tomas.get_by_test_id("stDataFrame").first).to_be_visible(timeout=WAIT)
    _shot(tomas, "content-trainer-lessons")
    _open(tomas, server, lesson_id, "Proposals")
    expect(tomas.get_by_text("+ " + ADDED).first).to_be_visible(timeout=WAIT)
    _shot(tomas, "content-trainer-proposal-diff")
    tomas.get_by_role("button", name="Accept as a new draft").click()
    expect(tomas.get_by_text(re.compile(r"Version \d+ is a draft"))).to_be_visible(timeout=WAIT)
    idle(tomas, WAIT)
    _tab(tomas, "Edit", "You are editing version")
    tomas.get_by_role("button", name="Send for review").click()
    expect(tomas.get_by_text(re.compile(r"Version \d+ is in review"))).to_be_visible(
        timeout=WAIT)
    idle(tomas, WAIT)
    _tab(tomas, "Review", "another trainer must sign it")
    context.close()
    assert not problems, problems

    # Mei, who wrote none of it, signs it with her password: it is published.
    context, mei, problems = _person(browser, server, "mei")
    _open(mei, server, lesson_id, "Review")
    expect(mei.get_by_text("Electronic signature")).to_be_visible(timeout=WAIT)
    mei.get_by_label("Re-enter your password").fill("welcome-2026")
    _shot(mei, "content-trainer-sign")
    mei.get_by_role("button", name="Sign", exact=True).click()
    expect(mei.get_by_text(re.compile(r"Approved by Mei Chen on"))).to_be_visible(timeout=WAIT)
    context.close()
    assert not problems, problems

    # Lena reads the published lesson with her text and Mei's signature.
    _open(page, server, lesson_id)
    expect(page.get_by_text(ADDED)).to_be_visible(timeout=WAIT)
    badge = page.get_by_text(re.compile("Approved by Mei Chen on"))
    expect(badge).to_be_visible(timeout=WAIT)
    expect(badge).to_contain_text("signature matches this text")
    expect(page.get_by_text(re.compile("co-authors: .*Lena Fischer"))).to_be_visible()
    assert cut_labels(page) == []  # the approval and the lesson's buttons, in a narrow window
    _shot(page, "content-learner-published")
    _tab(page, "History", "Signature manifest")
    expect(page.get_by_test_id("stCode").last).to_contain_text(ADDED)
    _shot(page, "content-learner-history")
