"""Each demo role signs in through the real form in Chromium and sees its own pages only."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from components.nav import PAGES
from tests.e2e.conftest import idle, shot

pytestmark = pytest.mark.browser

PASSWORD = "welcome-2026"
DEMO = {  # role -> (username, first name)
    "learner": ("lena", "Lena"),
    "trainer": ("tomas", "Tomás"),
    "leader": ("lars", "Lars"),
    "admin": ("ada", "Ada"),
}


def sign_in(page, server, username, password=PASSWORD):
    page.goto(server)
    page.get_by_label("Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if password == PASSWORD:
        # The cookie is what keeps a person signed in across reloads: it must arrive.
        try:
            page.wait_for_function("document.cookie.includes('lcd_signin=')", timeout=20000)
        except PlaywrightTimeout:
            shot(page, f"sign-in-stuck-{username}")
            raise AssertionError("no sign-in cookie after 20 s; the page shows: "
                                 + page.inner_text("body")[:1500]) from None
        idle(page)  # the run that stored the cookie has finished: clicks now land


@pytest.mark.parametrize("role", list(DEMO))
def test_role_signs_in_and_sees_only_its_pages(page, server, role):
    username, first = DEMO[role]
    sign_in(page, server, username)
    expect(page.get_by_role("heading", name=f"Welcome, {first}")).to_be_visible(timeout=20000)
    nav = page.get_by_test_id("stSidebarNav")
    expected = [p.title for p in PAGES if not p.roles or role in p.roles]
    for spec in PAGES:
        link = nav.get_by_role("link", name=spec.title, exact=True)
        if spec.title in expected:
            expect(link).to_be_visible()
        else:
            expect(link).to_have_count(0)
    shot(page, f"{role}-home")
    for spec in PAGES:
        if spec.title in expected and spec.file != "pages/home.py":
            nav.get_by_role("link", name=spec.title, exact=True).click()
            expect(page.get_by_role("heading", name=spec.title, exact=True)).to_be_visible(
                timeout=20000)
            expect(page.get_by_test_id("stException")).to_have_count(0)
            shot(page, f"{role}-{spec.url_path}")
            assert cut_labels(page) == [], spec.title


# Labels a narrow window (a laptop with the sidebar open) must show whole: in-page links,
# buttons, download buttons, tabs, metric and field labels, badges.
_LABELS = ", ".join(f"[data-testid='{box}'] {inner}" for box, inner in (
    ("stPageLink-NavLink", "span"), ("stButton", "[data-testid='stMarkdownContainer']"),
    ("stDownloadButton", "[data-testid='stMarkdownContainer']"), ("stTab", "p"),
    ("stMetricLabel", "p"), ("stWidgetLabel", "p"), ("stMarkdownContainer", ".stMarkdownBadge")))


def cut_labels(page, width: int = 900) -> list[str]:
    """The labels on the page cut off (wider than their box) in a window `width` wide."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": size["height"]})
    try:
        return page.locator(_LABELS).evaluate_all(
            "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
    finally:
        page.set_viewport_size(size)


@pytest.mark.parametrize("role", ["learner", "trainer", "leader"])
def test_pages_of_other_roles_stay_closed_by_url(page, server, role):
    username, first = DEMO[role]
    sign_in(page, server, username)
    expect(page.get_by_role("heading", name=f"Welcome, {first}")).to_be_visible(timeout=20000)
    closed = [p for p in PAGES if p.roles and role not in p.roles]
    assert closed
    for spec in closed:  # typed into the address bar: Home opens instead
        page.goto(f"{server}/{spec.url_path}")
        expect(page.get_by_role("heading", name=f"Welcome, {first}")).to_be_visible(
            timeout=20000)
        idle(page)
        expect(page.get_by_role("heading", name=spec.title, exact=True)).to_have_count(0)
    # Streamlit's own notice that the address is not one of this person's pages: the denial.
    page.problems[:] = [p for p in page.problems if "does not seem to exist" not in p]


def test_wrong_password_then_sign_out(page, server):
    sign_in(page, server, "lena", "not-her-password")
    expect(page.get_by_text("Wrong username or password.")).to_be_visible(timeout=20000)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Lena")).to_be_visible(timeout=20000)
    # A click while the sign-in run is still drawing can be merged into the rerun the cookie
    # component asks for, and lost (once in CI): click when the page has settled, as a person
    # would.
    idle(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible(timeout=20000)
    page.reload()  # the cookie left in the browser must not sign her back in
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=20000)
    expect(page.get_by_role("heading", name="Welcome, Lena")).to_have_count(0)
