"""In Chromium: a learner asks, a trainer answers, the learner accepts, the trainer is told."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import idle, shot, watch
from tests.e2e.test_signin_journeys import cut_labels, sign_in

pytestmark = pytest.mark.browser

TITLE = "How long may an EMA clock stop last for a Type II variation in our region?"
ANSWER = "Up to **3 months** by default; the CHMP can agree a longer one on request."
WAIT = 20000


def open_page(page, title):
    # A run still going (the one after signing in) would take the page back to Home.
    idle(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=WAIT)


def test_ask_answer_accept_notify(page, server, browser):
    sign_in(page, server, "lena")
    expect(page.get_by_role("heading", name="Welcome, Lena")).to_be_visible(timeout=WAIT)
    open_page(page, "Questions")
    expect(page.get_by_text("asked by").first).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("combobox", name="Tag")).to_be_visible(timeout=WAIT)
    shot(page, "qa-list")
    # In a narrow window long titles wrap and buttons keep their whole label (the pager's read
    # "Fir..." and "Ne..." in narrow columns).
    expect(page.get_by_role("button", name="Next page")).to_be_visible()
    assert cut_labels(page) == []

    page.get_by_role("button", name="Ask a question").click()
    expect(page.get_by_role("heading", name="Ask a question")).to_be_visible(timeout=WAIT)
    page.get_by_role("textbox", name="Title", exact=True).fill(TITLE)
    # The duplicate hint appears while typing (the demo data has clock-stop questions).
    expect(page.get_by_text("These look similar")).to_be_visible(timeout=WAIT)
    shot(page, "qa-ask-duplicate-hint")
    page.get_by_label("Your question (Markdown)").fill(
        "Our Type II variation is in a clock stop. How long can it last before we must "
        "respond? @tomas may know.")
    tags = page.get_by_test_id("stMultiSelect").filter(has_text="Tags").locator("input")
    tags.click()
    page.keyboard.type("variations")  # an existing tag, picked from the list
    page.get_by_role("option", name="variations", exact=True).click()
    page.keyboard.type("clock-stop")  # a new one, created on the fly
    page.get_by_role("option", name="Add: clock-stop").click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT)
    expect(page).to_have_url(re.compile(r"/questions\?q=\d+"))
    # The ask form (and its tag picker) fades out only when the run that posted ends.
    expect(page.get_by_role("button", name="Post your question")).to_have_count(0, timeout=WAIT)
    for tag in ("variations", "clock-stop"):
        expect(page.get_by_text(tag, exact=True)).to_be_visible()
    question_url = page.url
    shot(page, "qa-question-asked")

    # A trainer, in another browser, opens the shared link and answers.
    other = browser.new_context(viewport={"width": 1400, "height": 900})
    problems = watch(other, "tomas")  # as closely as the first browser (conftest.page)
    tomas = other.new_page()
    sign_in(tomas, server, "tomas")
    expect(tomas.get_by_role("heading", name="Welcome, Tomás")).to_be_visible(timeout=WAIT)
    tomas.goto(question_url)
    expect(tomas.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT)
    tomas.get_by_placeholder("Share what you know").fill(ANSWER)
    tomas.get_by_role("button", name="Post your answer").click()
    expect(tomas.get_by_text("Answered by Tomás Ribeiro")).to_be_visible(timeout=WAIT)

    # The learner sees the answer and accepts it.
    page.reload()
    expect(page.get_by_text("Answered by Tomás Ribeiro")).to_be_visible(timeout=WAIT)
    page.get_by_role("button", name="Accept this answer").click()
    expect(page.get_by_text("Accepted answer")).to_be_visible(timeout=WAIT)
    shot(page, "qa-question-accepted")

    # The trainer is told: the unread count and the notification itself.
    open_page(tomas, "Notifications")
    expect(tomas.get_by_text(f"Lena Fischer accepted your answer to “{TITLE[:40]}")).to_be_visible(
        timeout=WAIT)
    expect(tomas.get_by_text(re.compile(r"\d+ unread$"))).to_be_visible()  # the page badge
    expect(tomas).to_have_title(re.compile(r"^\(\d+\) Notifications$"))  # count in the tab
    shot(tomas, "qa-notifications")
    other.close()
    assert not problems, problems


def test_moderation_queue_for_a_leader(page, server):
    sign_in(page, server, "lars")
    expect(page.get_by_role("heading", name="Welcome, Lars")).to_be_visible(timeout=WAIT)
    open_page(page, "Moderation")
    expect(page.get_by_text("Why members flagged it").first).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Keep (visible)").first).to_be_visible(timeout=WAIT)
    shot(page, "qa-moderation-queue")


def test_find_an_expert(page, server):
    sign_in(page, server, "lena")
    expect(page.get_by_role("heading", name="Welcome, Lena")).to_be_visible(timeout=WAIT)
    open_page(page, "Find an expert")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("combobox", name="Function")).to_be_visible(timeout=WAIT)
    shot(page, "qa-experts")
