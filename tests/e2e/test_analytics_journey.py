"""A leader opens each analytics page, changes the period, and downloads a chart's numbers."""

import csv
import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from db.models import utcnow
from tests.e2e.conftest import idle, shot
from tests.e2e.test_signin_journeys import sign_in

pytestmark = pytest.mark.browser

PAGES = [  # nav title, a chart's CSV file, its date column (if it has one)
    ("Engagement", "active-people.csv", "period"),
    ("Who helps whom", "help-site-by-site.csv", None),
    ("Regulatory submissions", "submissions-and-approvals.csv", "month"),
]


def _open(page, title: str) -> None:
    """Click the page's link in the sidebar, expanding a collapsed ("View N more") list first.

    The Home run must have finished first: right after sign-in the app reruns once more to
    store the cookie, and a click that lands in that rerun can be dropped.
    """
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link", name="Home", exact=True)).to_be_visible(timeout=20000)
    idle(page)
    link = nav.get_by_role("link", name=title, exact=True)
    more = nav.get_by_text(re.compile(r"^View \d+ more$"))
    if not link.is_visible() and more.count():
        more.click()
    expect(link).to_be_visible(timeout=10000)
    link.click()


def _choose_period(page, label: str) -> None:
    page.get_by_role("combobox", name="Period").click()
    page.get_by_role("option", name=label, exact=True).click()


@pytest.mark.parametrize(("title", "file", "dates"), PAGES, ids=[p[0] for p in PAGES])
def test_leader_changes_period_and_downloads_numbers(page, server, title, file, dates):
    sign_in(page, server, "lars")
    expect(page.get_by_role("heading", name="Welcome, Lars")).to_be_visible(timeout=20000)
    _open(page, title)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=30000)
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts.first).to_be_visible(timeout=60000)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    shot(page, f"leader-{title.lower().replace(' ', '-')}-12-months")

    _choose_period(page, "Last 90 days")
    today = utcnow().date()
    start = today - timedelta(days=89)
    expect(page).to_have_url(re.compile(f"from={start}"), timeout=20000)  # shareable view
    expect(page.get_by_role("combobox", name="Period")).to_have_value("Last 90 days")
    # The new run has drawn the filter; let it finish drawing the charts.
    expect(page.get_by_role("textbox", name="From - to")).to_have_value(f"{start} - {today}")
    idle(page)
    expect(charts.first).to_be_visible(timeout=60000)
    expect(page.get_by_test_id("stException")).to_have_count(0)

    button = page.get_by_test_id("stDownloadButton").filter(has_text="Download the numbers")
    with page.expect_download(timeout=20000) as info:
        button.first.click()
    download = info.value
    assert download.suggested_filename == file
    with open(download.path(), encoding="utf-8") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    assert rows
    if dates:  # the numbers follow the new period (a month or week may start a little before)
        assert min(r[dates] for r in rows) >= (start - timedelta(days=31)).isoformat()
    shot(page, f"leader-{title.lower().replace(' ', '-')}-90-days")
