"""A real Streamlit server over a seeded SQLite file, and headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from db import migrate

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
LOGS = ROOT / "test-artifacts" / "servers"
# Streamlit's frontend probes these under a deep link's path to find its base URL; a 404 there
# is how it learns the app is served from the root.
BENIGN_404 = ("/_stcore/health", "/_stcore/host-config")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60,
                  log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = log.read_text() if log else (proc.stdout.read() if proc.stdout else "")
            raise RuntimeError(f"streamlit exited early:\n{said}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling a server that is starting, not waiting for app behaviour
    raise RuntimeError("streamlit did not become healthy in time")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if not path:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    return path


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'app.db'}"
    migrate.upgrade(url)
    subprocess.run([sys.executable, "-m", "db", "--url", url, "seed", "--demo"], cwd=ROOT,
                   check=True, capture_output=True, env={**os.environ, "BCRYPT_ROUNDS": "4"})
    return url


@contextmanager
def running_app(database_url: str, env: dict[str, str | None] | None = None) -> Iterator[str]:
    """The app served by Streamlit on a free port over `database_url`; yields its address.
    `env` adds to the environment (None removes a variable).

    The server's log goes to test-artifacts/ (a page that says "This app has encountered an
    error" hides the details from the browser; they are there), not to a pipe nobody reads,
    which would stall the server once full."""
    port = _free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"server-{port}.log"
    environ = {**os.environ, "DATABASE_URL": database_url, **(env or {})}
    environ = {k: v for k, v in environ.items() if v is not None}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT, text=True)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, log=log)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def server(seeded_db, chromium_path) -> Iterator[str]:
    with running_app(seeded_db) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def watch(target, who: str = "") -> list[str]:
    """Collect, from a page or a whole browser context, what must never happen in a journey:
    console errors, page errors, error responses, dialogs and requests to outside addresses.

    Returns the list they go into: the test asserts it is empty once the journey is over.
    A context is watched as a whole (every page opened in it); watch a page or its context,
    not both, or a dialog would be dismissed twice.
    """
    from playwright.sync_api import BrowserContext

    problems: list[str] = []
    prefix = f"{who}: " if who else ""

    def note(text: str) -> None:
        problems.append(prefix + text)

    def on_console(m):
        # A failed resource is judged by the response listener below, which sees its URL.
        if m.type == "error" and not m.text.startswith("Failed to load resource"):
            note(f"console {m.type}: {m.text}")

    def on_response(r):
        if r.status >= 400 and not r.url.endswith(BENIGN_404):
            note(f"HTTP {r.status}: {r.url}")

    def on_request(r):
        if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            note(f"request to an outside address: {r.url}")

    def on_dialog(d):
        note(f"dialog: {d.message}")
        d.dismiss()

    target.on("console", on_console)
    target.on("response", on_response)
    target.on("request", on_request)
    target.on("dialog", on_dialog)
    if isinstance(target, BrowserContext):
        target.on("weberror", lambda e: note(f"page error: {e.error}"))
    else:
        target.on("pageerror", lambda e: note(f"page error: {e}"))
    return problems


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; console errors and page errors fail the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.problems = watch(pg)
    yield pg
    context.close()
    assert not pg.problems, pg.problems


def idle(page, timeout: float = 60000) -> None:
    """Wait until the app has finished its run and drawn every element: no status widget
    (the running indicator), and nothing left over from the previous run (data-stale)."""
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=timeout)
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=timeout)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)


def shot(page, name: str) -> None:
    """A full-page screenshot for CI to keep, once the page has finished drawing."""
    idle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
