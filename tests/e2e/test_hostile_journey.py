"""Hostile text in a real browser: typed into the ask form, and the whole corpus stored in
questions, answers, suggestions and lesson comments, then read by a colleague. The page fixture
fails the test on any dialog (alert), console error or request to an outside address."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from db import content, qa, suggestions, users
from db.actors import SYSTEM, Actor
from db.models import Lesson, Setting
from db.session import Database
from tests.e2e.conftest import idle, shot
from tests.e2e.test_signin_journeys import sign_in
from tests.hostile import EVENTS, LINKS, SCRIPTS, SVG

pytestmark = pytest.mark.browser

WAIT = 30000
ACTIVE = SCRIPTS + EVENTS + SVG + LINKS
TYPED = ("<script>alert('typed')</script> <img src=x onerror=alert('typed')> "
         "[open](javascript:alert('typed')) ![x](https://evil.example/p.png)")


def _no_active_content(page) -> None:
    """Nothing from user text became an element that runs or loads something."""
    main = page.get_by_test_id("stMain")
    for selector in ("script", "iframe", "object", "embed", "svg[onload]", "img[onerror]",
                     "img[src*='evil']", "a[href^='javascript']", "a[href^='data:']",
                     "[onerror]", "[onload]", "[onmouseover]",
                     "[onfocus]", "form[action]", "base", "meta[http-equiv]"):
        expect(main.locator(selector)).to_have_count(0)


@pytest.fixture(scope="module")
def planted(seeded_db):
    """The corpus stored through the services by a colleague, as the app would store it."""
    db = Database(seeded_db)
    with db.write() as s:
        uid = users.create_user(s, actor=SYSTEM, username="mallory", password="not-used-here-1",
                                name="Mallory <b>Tester</b>", roles=["trainer"])
        s.merge(Setting(key="moderation", value={"posts_per_hour": 10**6,
                                                  "questions_per_hour": 10**6}))
    mallory = Actor(id=uid, username="mallory", name="Mallory", roles=frozenset({"trainer"}))
    body = "\n\n".join(ACTIVE)
    with db.write() as s:
        qid = qa.ask(s, actor=mallory, title="<script>alert(1)</script> Module 1 <img onerror=x>",
                     body=body, tags=["variations"])
    with db.write() as s:
        qa.answer(s, actor=mallory, question_id=qid, body=body)
    with db.write() as s:
        sid = suggestions.submit(s, actor=mallory, title="<svg onload=alert(1)> Label printer",
                                 description=body, category="Manufacturing", kind="idea",
                                 site_id=None, expected_benefit="[x](javascript:alert(1))")
    with db.write() as s:
        suggestions.comment(s, actor=mallory, suggestion_id=sid, body="\n\n".join(SCRIPTS))
    with db.read() as s:
        lesson_id = s.query(Lesson.id).filter(Lesson.published_revision_id.isnot(None)).first()[0]
    with db.write() as s:
        content.add_comment(s, actor=mallory, lesson_id=lesson_id, body=body)
    db.dispose()
    return {"question": qid, "suggestion": sid, "lesson": lesson_id}


def test_typed_payload_is_shown_as_text(page, server):
    sign_in(page, server, "lena")
    page.goto(f"{server}/questions")
    page.get_by_role("button", name="Ask a question").click()
    page.get_by_role("textbox", name="Title", exact=True).fill(
        "<img src=x onerror=alert(1)> How do we sign a cover letter?")
    # The title is live: its fragment reruns to show similar questions above the form. Wait
    # for that hint to be drawn, so the form does not move while the tag is being picked.
    expect(page.get_by_text("These look similar")).to_be_visible(timeout=WAIT)
    idle(page)
    page.get_by_label("Your question (Markdown)").fill(TYPED)
    idle(page)
    picker = page.get_by_test_id("stMultiSelect").filter(has_text="Tags")
    picker.locator("input").click()
    page.keyboard.type("variations")
    page.get_by_role("option", name="variations", exact=True).click()
    page.keyboard.press("Escape")
    expect(picker.get_by_text("variations", exact=True)).to_be_visible(timeout=WAIT)
    idle(page)
    page.get_by_role("button", name="Post your question").click()
    expect(page.get_by_role("heading", name="How do we sign a cover letter?")).to_be_visible(
        timeout=WAIT)
    idle(page)
    # The words are there, as words.
    expect(page.get_by_text("<script>alert('typed')</script>", exact=False)).to_be_visible()
    _no_active_content(page)
    shot(page, "hostile-typed-question")


@pytest.mark.parametrize("where", ["question", "suggestion", "lesson"])
def test_stored_corpus_stays_inert_for_a_reader(page, server, planted, where):
    sign_in(page, server, "tomas")
    address = {"question": f"questions?q={planted['question']}",
               "suggestion": f"suggestions?s={planted['suggestion']}",
               "lesson": f"lessons?lesson={planted['lesson']}"}[where]
    page.goto(f"{server}/{address}")
    expect(page.get_by_text("alert(1)").first).to_be_visible(timeout=WAIT)
    idle(page)
    _no_active_content(page)
    shot(page, f"hostile-{where}")
