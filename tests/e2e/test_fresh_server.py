"""What only a real server shows: a page address opened before app.py has ever run, and the
address a reverse proxy forwards being the one sign-in throttling counts."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from components.nav import PAGES
from tests.e2e.conftest import idle, running_app, shot, watch

pytestmark = pytest.mark.browser

PASSWORD = "welcome-2026"


@pytest.fixture
def fresh_server(seeded_db, chromium_path):
    """A server no browser has talked to yet: no session has run app.py."""
    with running_app(seeded_db) as url:
        yield url


def _context(browser, **kwargs):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, **kwargs)
    errors = watch(context)
    return context, context.new_page(), errors


def test_a_page_address_on_a_fresh_server_asks_for_sign_in_first(browser, fresh_server):
    """With a pages/ folder Streamlit can run a page file directly before app.py has run once:
    the page's own guard must send a stranger to the sign-in form, for every page."""
    context, page, errors = _context(browser)
    try:
        for spec in (p for p in PAGES if p.file != "pages/home.py"):
            page.goto(f"{fresh_server}/{spec.url_path}")
            expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=30000)
            idle(page)
            expect(page.get_by_role("heading", name=spec.title, exact=True)).to_have_count(0)
            expect(page.get_by_test_id("stException")).to_have_count(0)
        shot(page, "fresh-server-page-address")
        page.get_by_label("Username").fill("lena")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Welcome, Lena")).to_be_visible(timeout=30000)
        expect(page.get_by_role("heading", name="Audit trail")).to_have_count(0)
    finally:
        context.close()
    assert not [e for e in errors if "does not seem to exist" not in e], errors


def _try(page, server: str, username: str, password: str) -> None:
    page.goto(server)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=30000)
    idle(page)  # a form filled while the first run still draws can lose its input
    page.get_by_label("Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_throttling_counts_the_address_the_proxy_forwards(browser, server):
    """Behind a reverse proxy every connection comes from the proxy: throttling must count the
    address it forwards (X-Forwarded-For), or a stranger's guesses would lock a real user out.
    The browser connects from 127.0.0.1, which uvicorn trusts to forward by default
    (FORWARDED_ALLOW_IPS; the README says what to set behind nginx)."""
    stranger, page, errors = _context(
        browser, extra_http_headers={"X-Forwarded-For": "203.0.113.5"})
    colleague, page2, errors2 = _context(
        browser, extra_http_headers={"X-Forwarded-For": "198.51.100.7"})
    try:
        for _ in range(5):
            _try(page, server, "mei", "guessing-her-password")
            expect(page.get_by_role("alert").first).to_be_visible(timeout=20000)
        expect(page.get_by_text("Too many failed sign-ins.", exact=False)).to_be_visible()
        _try(page, server, "mei", PASSWORD)  # even the right password waits, from there
        expect(page.get_by_text("Too many failed sign-ins.", exact=False)).to_be_visible(
            timeout=20000)
        shot(page, "throttled-stranger")
        _try(page2, server, "mei", PASSWORD)  # Mei herself, from her own address
        expect(page2.get_by_role("heading", name="Welcome, Mei")).to_be_visible(timeout=30000)
    finally:
        stranger.close()
        colleague.close()
    assert not errors and not errors2, errors + errors2
