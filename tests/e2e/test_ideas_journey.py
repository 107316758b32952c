"""The suggestion box in a real browser: a learner submits, colleagues vote, a leader moves the
suggestion to Implemented, and the author's points and badge appear on her profile."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.e2e.conftest import idle, shot

pytestmark = pytest.mark.browser

PASSWORD = "welcome-2026"
WAIT = 20000
TITLE = "Barcode check at every label printer"


def sign_in(page, server, username, first):
    page.goto(server)
    page.get_by_label("Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Welcome, {first}")).to_be_visible(timeout=WAIT)


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT)


def open_suggestion(page, server, sid):
    page.goto(f"{server}/suggestions?s={sid}")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT)


def go(page, server, path, heading):
    """Open a page by its address (the sidebar folds pages away behind "View more")."""
    page.goto(f"{server}/{path}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=WAIT)


def settle(page):
    """Wait until the script run that the last input started has finished."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=WAIT)


def pick(page, label, option):
    # A rerun that ends while the list is open closes it again: then open it once more.
    for attempt in range(3):
        settle(page)
        page.get_by_role("combobox", name=label).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=3000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


def points_on_profile(page, server) -> int:
    go(page, server, "profile", "Profile")
    value = page.get_by_test_id("stMetric").nth(1).get_by_test_id("stMetricValue")
    expect(value).to_be_visible(timeout=WAIT)
    return int(value.inner_text().replace(",", ""))


def test_submit_vote_implement_then_points_and_badge(page, server):
    sign_in(page, server, "lena", "Lena")
    before = points_on_profile(page, server)
    expect(page.get_by_text("Idea maker")).to_be_visible()
    go(page, server, "suggestions", "Suggestion box")
    expect(page.get_by_role("button", name="Next page")).to_be_visible(timeout=WAIT)
    shot(page, "ideas-suggestion-box")

    page.get_by_role("tab", name="Submit a suggestion").click()
    # Too short: the field says so, and nothing is stored.
    page.get_by_role("textbox", name="Title").fill("Label")
    page.get_by_role("button", name="Submit suggestion").click()
    expect(page.get_by_text("The title needs at least 10 characters.")).to_be_visible(
        timeout=WAIT)
    page.get_by_role("tab", name="Submit a suggestion").click()
    page.get_by_role("textbox", name="Title").fill(TITLE)
    page.get_by_role("textbox", name="Description").fill(
        "Wrong labels reach the packaging line about once a month. A barcode check at each "
        "label printer would stop them before they are applied.")
    pick(page, "Category", "Manufacturing")
    page.get_by_role("textbox", name="Expected benefit (optional)").fill(
        "Fewer label deviations and recalls.")
    shot(page, "ideas-submit-form")
    page.get_by_role("button", name="Submit suggestion").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible(timeout=WAIT)
    expect(page).to_have_url(re.compile(r"[?&]s=\d+"), timeout=WAIT)
    sid = int(re.search(r"[?&]s=(\d+)", page.url).group(1))
    expect(page.get_by_text("Your suggestion: others vote on it.")).to_be_visible()
    sign_out(page)

    for username, first in (("tomas", "Tomás"), ("mei", "Mei")):
        sign_in(page, server, username, first)
        open_suggestion(page, server, sid)
        page.get_by_role("button", name="Vote", exact=True).click()
        expect(page.get_by_role("button", name="Voted")).to_be_visible(timeout=WAIT)
        sign_out(page)

    sign_in(page, server, "lars", "Lars")
    open_suggestion(page, server, sid)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("2", timeout=WAIT)
    for status in ("Under review", "Planned", "In progress", "Implemented"):
        pick(page, "New status", status)
        if status == "Implemented":
            page.get_by_role("textbox", name="Response shown to everyone").fill(
                "Scanners are live on all six lines at Basel. Thank you, Lena!")
        page.get_by_role("button", name="Save decision").click()
        expect(page.get_by_text(f"to {status}").last).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Response from the leaders")).to_be_visible()
    shot(page, "ideas-suggestion-implemented")
    go(page, server, "prioritise", "Prioritise ideas")
    expect(page.get_by_role("button", name="Export all as CSV")).to_be_visible(timeout=WAIT)
    shot(page, "ideas-prioritise")
    page.get_by_role("tab", name="Waiting longest for a decision").click()
    idle(page)
    shot(page, "ideas-waiting")
    go(page, server, "leaderboard", "Leaderboard")
    page.get_by_role("radio", name="All time").click()
    expect(page.get_by_text("Pick a row to open that person's profile.")).to_be_visible(
        timeout=WAIT)
    shot(page, "ideas-leaderboard")
    sign_out(page)

    sign_in(page, server, "lena", "Lena")
    # The badge is announced on the first page she opens (app.py calls show_new_badges).
    expect(page.get_by_text("New badge: Idea maker (bronze)")).to_be_visible(timeout=WAIT)
    shot(page, "ideas-badge-toast")
    after = points_on_profile(page, server)
    assert after - before >= 3 + 25  # submitted, implemented (and the votes, within limits)
    idea_maker = page.get_by_test_id("stVerticalBlock").filter(
        has_text="Idea maker").last
    expect(idea_maker).to_contain_text("Bronze", timeout=WAIT)
    expect(idea_maker).to_contain_text("Have a suggestion implemented")
    shot(page, "ideas-profile")
    page.get_by_role("tab", name="Points history").click()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=WAIT)
    shot(page, "ideas-profile-history")
