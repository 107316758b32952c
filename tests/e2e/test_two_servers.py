"""Two app servers behind one address, one PostgreSQL database: a sign-in made on one server
holds on the other, and what someone writes on one is on the other after a reload."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from db import migrate
from db.models import Question, User, Vote
from tests.conftest import _drop_database
from tests.e2e.conftest import ROOT, idle, running_app, shot
from tests.e2e.test_signin_journeys import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                       reason="needs PostgreSQL (TEST_DATABASE_URL)"),
]

WAIT = 20000
# The setting every server behind the address must share (besides DATABASE_URL).
COOKIE_KEY = "two-servers-" + "Qm7vX2pL9sRt4WzYb8Nc" * 2
ANSWER = "Both sites file it through the same portal; ask RA Ops for the login. (two servers)"


@pytest.fixture(scope="module")
def shared_db() -> str:
    """A fresh, migrated PostgreSQL database."""
    base = os.environ["TEST_DATABASE_URL"]
    name = f"lcd_two_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        _drop_database(admin, name)
        admin.dispose()


@pytest.fixture(scope="module")
def servers(shared_db, chromium_path) -> tuple[str, str]:
    """Two `streamlit run app.py` processes on their own ports, same database, same key,
    over the demo organisation."""
    subprocess.run([sys.executable, "-m", "db", "--url", shared_db, "seed", "--demo"],
                   cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "BCRYPT_ROUNDS": "4"})
    # One shared cookie key and no demo mode (its key is per process), as in production.
    env = {"AUTH_COOKIE_KEY": COOKIE_KEY, "APP_DEMO": None}
    with running_app(shared_db, env) as one, running_app(shared_db, env) as two:
        yield one, two


def _question_for(url: str, username: str) -> tuple[int, str, int]:
    """(id, title, score) of a visible question someone else asked and `username` never
    voted on."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            me = c.scalar(select(User.id).where(User.username == username))
            voted = select(Vote.entity_id).where(Vote.user_id == me,
                                                 Vote.entity_type == "question")
            row = c.execute(select(Question.id, Question.title, Question.score).where(
                Question.status == "visible", Question.author_id != me,
                Question.id.not_in(voted)).order_by(Question.id).limit(1)).one()
            assert c.scalar(select(func.count()).select_from(Question)) > 1
        return row.id, row.title, row.score
    finally:
        engine.dispose()


def test_sign_in_on_one_server_holds_on_the_other_and_writes_show_on_both(page, servers,
                                                                          shared_db):
    a, b = servers
    qid, title, score = _question_for(shared_db, "lena")

    sign_in(page, a, "lena")
    expect(page.get_by_role("heading", name="Welcome, Lena")).to_be_visible(timeout=WAIT)
    # Server B has never seen this browser: the cookie (same key) and the sign-in session in
    # the shared database are enough.
    page.goto(b)
    expect(page.get_by_role("heading", name="Welcome, Lena")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    shot(page, "two-servers-signed-in-on-b")

    # On A: an upvote and an answer.
    page.goto(f"{a}/questions?q={qid}")
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=WAIT)
    idle(page)
    post = page.locator(f".st-key-post-question-{qid}")
    post.get_by_role("button", name="▲").click()
    expect(post.get_by_text(str(score + 1), exact=True)).to_be_visible(timeout=WAIT)
    idle(page)
    page.get_by_placeholder("Share what you know").fill(ANSWER)
    page.get_by_role("button", name="Post your answer").click()
    expect(page.get_by_text("Answered by Lena Fischer")).to_be_visible(timeout=WAIT)

    # On B, after a reload: both are there, and the vote is hers.
    page.goto(f"{b}/questions?q={qid}")
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=WAIT)
    post = page.locator(f".st-key-post-question-{qid}")
    expect(post.get_by_text(str(score + 1), exact=True)).to_be_visible(timeout=WAIT)
    expect(post.get_by_role("button", name="▲")).to_have_attribute("kind", "primary")
    expect(page.get_by_text(ANSWER)).to_be_visible(timeout=WAIT)
    expect(page.get_by_text("Answered by Lena Fischer")).to_be_visible()
    shot(page, "two-servers-written-on-a-seen-on-b")

    # Signing out on B ends the session everywhere: even a copy of the old cookie put back
    # into the browser does not open A.
    cookie = next(c for c in page.context.cookies() if c["name"] == "lcd_signin")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible(timeout=WAIT)
    page.context.add_cookies([cookie])
    page.goto(a)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=WAIT)
    expect(page.get_by_role("heading", name="Welcome, Lena")).to_have_count(0)
