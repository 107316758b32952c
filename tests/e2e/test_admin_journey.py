"""An admin's main work in Chromium: add a person, who then signs in with the first password and
sees a learner's pages; the admin gives them the trainer role and later deactivates them, which
ends their session on the next click."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import idle, shot, watch
from tests.e2e.test_signin_journeys import sign_in

pytestmark = pytest.mark.browser

WAIT = 30000
FIRST_PASSWORD = "first-day-at-basel-2026"


def test_admin_adds_promotes_and_deactivates_a_person(page, server, browser):
    sign_in(page, server, "ada")
    page.goto(f"{server}/users")
    expect(page.get_by_role("heading", name="Users and roles")).to_be_visible(timeout=WAIT)
    page.get_by_role("tab", name="Add a person").click()
    page.get_by_role("textbox", name="Full name").fill("Noor Haddad")
    page.get_by_role("textbox", name="Username").fill("noor.haddad")
    page.get_by_role("textbox", name="First password").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_text("Noor Haddad can now sign in as noor.haddad.")).to_be_visible(
        timeout=WAIT)
    shot(page, "admin-person-added")

    # The new person signs in, in their own browser.
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    problems = watch(context, "noor")  # as closely as the admin's browser (conftest.page)
    noor = context.new_page()
    sign_in(noor, server, "noor.haddad", FIRST_PASSWORD)
    expect(noor.get_by_role("heading", name="Welcome, Noor")).to_be_visible(timeout=WAIT)
    nav = noor.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Questions", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Trainer inbox", exact=True)).to_have_count(0)

    # The admin makes them a trainer: their navigation follows on their next click.
    page.goto(f"{server}/users?user=noor.haddad")
    expect(page.get_by_role("heading", name="Noor Haddad (noor.haddad)")).to_be_visible(
        timeout=WAIT)
    roles = page.get_by_test_id("stForm").filter(has_text="Save roles")
    roles.get_by_test_id("stMultiSelect").locator("input").click()
    page.keyboard.type("trainer")
    page.get_by_role("option", name="trainer", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Save roles").click()
    idle(page)
    noor.reload()
    expect(noor.get_by_test_id("stSidebarNav").get_by_role(
        "link", name="Trainer inbox", exact=True)).to_be_visible(timeout=WAIT)

    # Deactivated: the next thing they do shows the sign-in form again.
    page.get_by_role("textbox", name="Reason (kept in the audit trail)").fill("Left the company")
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible(timeout=WAIT)
    shot(page, "admin-person-deactivated")
    noor.get_by_test_id("stSidebarNav").get_by_role("link", name="Home", exact=True).click()
    expect(noor.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT)
    context.close()
    assert not problems, problems
