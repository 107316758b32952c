"""Every role x page x action through the UI (issue 8): who is offered each action's widget.

tests/test_pages.py checks which pages each role reaches, tests/test_access_matrix.py which
service calls each role may make; this checks the widgets in between. Each row of ACTIONS names
a page view (script, address, session state), the widget that starts an action (its key, or its
label when it has none) and the people who may use it; every one of the five demo people is
checked against every row, so each "absent" is backed by a "present" on the same view. A
revoked session, on every page file, leaves nothing of the page but the sign-in form.

The world is built once for the module and each (view, person) is rendered once, then looked up
by every row on that view: opening a page changes nothing a row checks, and the whole table
costs about a hundred AppTest runs. Permissions do not depend on the engine (the service layer
is checked on both in tests/test_access_matrix.py), so this runs on SQLite only.
"""

from __future__ import annotations

import shutil
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from components.nav import PAGES
from db import content, moderation, qa, regulatory, signin
from db.models import Lesson, utcnow
from db.session import Database
from tests.conftest import ROOT, add_person, open_session
from tests.test_content import edit, new_course, new_lesson, sign, submit
from tests.test_gamification import _planted_rings
from tests.test_suggestions import submit as submit_suggestion

# Lena learns; Tomas owns the course and wrote the published lesson; Mei is a second trainer
# (she signed Tomas's lesson and wrote the one in review); Lars leads; Ada administers.
PEOPLE = {"lena": "learner", "tomas": "trainer", "mei": "trainer", "lars": "leader",
          "ada": "admin"}
EVERYONE = frozenset(PEOPLE)
TRAINERS = frozenset({"tomas", "mei"})
MODERATORS = frozenset({"lars", "ada"})
ADMINS = frozenset({"ada"})


@dataclass(frozen=True)
class View:
    """A page as one person opens it: the script, its address, any session state, and a
    button to click first if the page offers it."""
    script: str
    params: tuple[tuple[str, str], ...] = ()
    state: tuple[tuple[str, object], ...] = ()
    click: str | None = None


def view(page: str, state: dict | None = None, click: str | None = None,
         **params: str) -> View:
    return View(f"pages/{page}.py", tuple(params.items()), tuple((state or {}).items()), click)


@dataclass(frozen=True)
class UIAction:
    """One action's widget on one view, and who may see it. `{name}` parts of the address
    and of the key are filled in from the world's ids."""
    name: str
    view: View
    allowed: Set[str]
    key: str | None = None  # a widget's, a form's or a keyed container's key
    label: str | None = None  # for widgets without a key (form submit buttons, tabs)
    why: str = field(default="", compare=False)


APP = str(ROOT / "app.py")
LESSON = "lessons"
ACTIONS = [
    # --- Lessons: browsing, a course, and one lesson's tabs ---
    UIAction("lessons: New course tab", view(LESSON, {"browse": "New course"}), TRAINERS,
             label="New course"),
    UIAction("lessons: create course", view(LESSON, {"browse": "New course"}), TRAINERS,
             key="nc-go"),
    UIAction("course: open a lesson", view(LESSON, course="{course}"), EVERYONE,
             key="lesson-{published}"),
    UIAction("course: edit course", view(LESSON, course="{course}"), {"tomas", "ada"},
             key="course-edit-{course}", why="its owner trainers and admins"),
    UIAction("course: move lesson", view(LESSON, course="{course}"), TRAINERS,
             key="move-{published}-1"),
    UIAction("course: add lesson", view(LESSON, course="{course}"), TRAINERS,
             key="new-lesson-{course}-go"),
    UIAction("lesson: mark complete", view(LESSON, lesson="{published}"), EVERYONE,
             key="complete-{published}"),
    UIAction("lesson: Edit tab", view(LESSON, lesson="{published}"), TRAINERS, label="Edit"),
    UIAction("lesson: Suggest a change tab", view(LESSON, lesson="{published}"), {"lena"},
             label="Suggest a change", why="proposers who cannot edit: trainers edit"),
    UIAction("lesson: send proposal", view(LESSON, lesson="{published}", tab="Suggest a change"),
             {"lena"}, key="propose-{published}-send"),
    UIAction("lesson: save draft", view(LESSON, lesson="{published}", tab="Edit"), TRAINERS,
             key="edit-{draft}-save"),
    UIAction("lesson: send for review", view(LESSON, lesson="{published}", tab="Edit"),
             TRAINERS, key="edit-{draft}-submit"),
    UIAction("lesson: discard draft", view(LESSON, lesson="{published}", tab="Edit"), TRAINERS,
             key="edit-{draft}-discard"),
    UIAction("lesson: accept proposal", view(LESSON, lesson="{published}", tab="Proposals"),
             TRAINERS, key="decide-{proposal}-accept"),
    UIAction("lesson: reject proposal", view(LESSON, lesson="{published}", tab="Proposals"),
             TRAINERS, key="decide-{proposal}-reject"),
    UIAction("lesson: restore version", view(LESSON, lesson="{published}", tab="History"),
             TRAINERS, key="restore-{published}-go"),
    UIAction("lesson: download signature manifest",
             view(LESSON, lesson="{published}", tab="History"), EVERYONE,
             key="manifest-csv-{published}"),
    UIAction("lesson: sign as reviewed", view(LESSON, lesson="{published}", tab="Review"),
             {"mei"}, key="sign-{published_rev}-go", why="trainers who did not write it"),
    UIAction("lesson in review: sign", view(LESSON, lesson="{in_review}", tab="Review"),
             {"tomas"}, key="sign-{in_review_rev}-go", why="trainers who did not write it"),
    UIAction("lesson in review: send back", view(LESSON, lesson="{in_review}", tab="Review"),
             TRAINERS, key="return-{in_review_rev}-go"),
    # --- Trainer inbox (trainers only) ---
    UIAction("trainer inbox: only my courses", view("trainer_inbox"), TRAINERS, key="ib-mine"),
    UIAction("trainer inbox: stale after", view("trainer_inbox"), TRAINERS, key="ib-months"),
    # --- Questions: accepting is for the asker or a trainer, never on one's own answer to
    # someone else; editing is for the author and moderators; flagging for everyone else ---
    UIAction("question by Mei: accept Lena's answer", view("questions", q="{q_mei}"),
             {"mei", "tomas"}, key="accept-{a_lena}"),
    UIAction("question by Lena: accept Tomas's answer", view("questions", q="{q_lena}"),
             {"lena", "mei"}, key="accept-{a_tomas}"),
    UIAction("question by Mei: edit", view("questions", q="{q_mei}"), {"mei"} | MODERATORS,
             key="edit-question-{q_mei}"),
    UIAction("question by Lena: edit Tomas's answer", view("questions", q="{q_lena}"),
             {"tomas"} | MODERATORS, key="edit-answer-{a_tomas}"),
    UIAction("question by Mei: flag", view("questions", q="{q_mei}"), EVERYONE - {"mei"},
             key="flag-question-{q_mei}"),
    UIAction("questions: ask", view("questions"), EVERYONE, key="ask-open"),
    # --- Moderation queue (leaders and admins) ---
    UIAction("moderation: decision", view("moderation"), MODERATORS,
             key="decide-question-{q_flagged}-decision"),
    UIAction("moderation: record decision", view("moderation"), MODERATORS,
             label="Record decision"),
    # --- Suggestion box: deciding and merging are for leaders and admins ---
    UIAction("suggestion: new status", view("suggestions", s="{suggestion}"), MODERATORS,
             key="sg-to-{suggestion}-0"),
    UIAction("suggestion: save decision", view("suggestions", s="{suggestion}"), MODERATORS,
             label="Save decision"),
    UIAction("suggestion: merge", view("suggestions", s="{suggestion}"), MODERATORS,
             label="Merge into it"),
    UIAction("suggestion: vote", view("suggestions", s="{suggestion}"), EVERYONE - {"lena"},
             key="sg-vote", why="everyone but its author"),
    UIAction("suggestion: flag", view("suggestions", s="{suggestion}"), EVERYONE - {"lena"},
             key="flag-suggestion-{suggestion}"),
    UIAction("suggestions: submit", view("suggestions"), EVERYONE, key="sg-new-submit"),
    # --- Prioritise (leaders and admins) ---
    UIAction("prioritise: weights", view("prioritise"), MODERATORS, key="pr-w-votes"),
    UIAction("prioritise: edit scores", view("prioritise"), MODERATORS, key="pr-editor-1-0"),
    UIAction("prioritise: save scores", view("prioritise"), MODERATORS, key="pr-save"),
    UIAction("prioritise: export CSV", view("prioritise"), MODERATORS, key="pr-csv"),
    # --- Fair play (admins): the void form shows once a ring is picked ---
    UIAction("fair play: ring settings", view("fair_play"), ADMINS, key="fp-days"),
    UIAction("fair play: void points",
             view("fair_play", {"fp-table": {"selection": {"rows": [0], "columns": []}}}),
             ADMINS, key="fp-void"),
    # --- Users and roles (admins) ---
    UIAction("users: add person", view("users"), ADMINS, label="Add person"),
    UIAction("users: save roles", view("users", user="mei"), ADMINS, key="roles-{id_mei}"),
    UIAction("users: deactivate", view("users", user="mei"), ADMINS, label="Deactivate"),
    UIAction("users: reset password", view("users", user="mei"), ADMINS,
             key="reset-{id_mei}"),
    # --- Audit trail (admins) ---
    UIAction("audit trail: prepare export", view("audit_trail"), ADMINS, key="a-export"),
    UIAction("audit trail: download export", view("audit_trail", click="a-export"), ADMINS,
             key="a-download"),
    UIAction("audit trail: verify chain", view("audit_trail"), ADMINS, key="a-verify"),
    # --- Settings (admins) ---
    UIAction("settings: back to the defaults", view("settings"), ADMINS,
             label="Back to the defaults"),
    # --- Analytics (leaders and admins) ---
    UIAction("engagement: period", view("engagement"), MODERATORS, key="engagement-period"),
    UIAction("engagement: download active people", view("engagement"), MODERATORS,
             key="csv-active-people"),
    UIAction("network: period", view("network"), MODERATORS, key="network-period"),
    # --- Regulatory submissions (leaders and admins) ---
    UIAction("submissions: period", view("submissions"), MODERATORS, key="submissions-period"),
    UIAction("submissions: edit", view("submissions", **{"submissions-tab": "Tracker",
                                                         "submission": "{submission}"}),
             MODERATORS, key="edit-submission-{submission}"),
    UIAction("submissions: add", view("submissions", **{"submissions-tab": "Tracker"}),
             MODERATORS, key="new-submission"),
    UIAction("submissions: CSV template", view("submissions", **{"submissions-tab": "Import CSV"}),
             MODERATORS, key="csv-template"),
    UIAction("submissions: import file", view("submissions", **{"submissions-tab": "Import CSV"}),
             MODERATORS, key="import-file-0"),
]


# --- the world, built once -----------------------------------------------------------------


@pytest.fixture(scope="module")
def world(sqlite_template, tmp_path_factory) -> dict:
    """The five people, a course with a published lesson (with a draft and a proposal) and a
    lesson in review, answered questions, a flagged question, a suggestion, a submission and
    two vote rings; ids by name, and the Database."""
    path = tmp_path_factory.mktemp("ui-actions") / "app.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", url)
        db = Database(url)
        try:
            yield _build(db)
        finally:
            db.dispose()


def _build(db: Database) -> dict:
    p = {name: add_person(db, name, role) for name, role in PEOPLE.items()}
    lena, tomas, mei, lars = p["lena"], p["tomas"], p["mei"], p["lars"]
    course = new_course(db, tomas)
    published = new_lesson(db, tomas, course, title="Module 1")
    submit(db, tomas, published)
    assert sign(db, mei, published).published
    in_review = new_lesson(db, mei, course, title="Module 2")
    submit(db, mei, in_review)
    with db.read() as s:
        published_rev = s.get(Lesson, published).published_revision_id
        in_review_rev = s.get(Lesson, in_review).latest_revision_id
    draft = edit(db, tomas, published, "A clearer text about the regional Module 1 list.")
    with db.write() as s:
        proposal = content.propose(s, actor=lena, lesson_id=published, kind="example",
                                   body="At Basel we add the Swissmedic form.",
                                   summary="An example", base_revision_id=published_rev)
        q_mei = qa.ask(s, actor=mei, title="Who signs the cover letter for Japan?",
                       body="PMDA wants it from the local entity, I think.", tags=["ectd"])
        q_lena = qa.ask(s, actor=lena, title="Where is the Module 1 checklist kept?",
                        body="Looking for the current checklist for Module 1.", tags=["ectd"])
        q_flagged = qa.ask(s, actor=lars, title="Is the canteen open on Saturday?",
                           body="Asking for the weekend shift at Basel.", tags=["ectd"])
    with db.write() as s:
        a_lena = qa.answer(s, actor=lena, question_id=q_mei,
                           body="The local entity signs it; regulatory affairs in Tokyo.")
        a_tomas = qa.answer(s, actor=tomas, question_id=q_lena,
                            body="In the eCTD team space, under checklists/Module 1.")
        moderation.flag(s, actor=lena, entity_type="question", entity_id=q_flagged,
                        reason=moderation.REASONS[0])
        submission = regulatory.create_submission(s, actor=lars, values={
            "product": "Examplumab", "application_number": "BLA761999",
            "submission_type": "BLA", "agency": "FDA", "status": "planned"})
    suggestion = submit_suggestion(db, lena)
    _planted_rings(db, at=utcnow() - timedelta(days=1))
    ids = {"course": course, "published": published, "published_rev": published_rev,
           "draft": draft, "in_review": in_review, "in_review_rev": in_review_rev,
           "proposal": proposal, "q_mei": q_mei, "q_lena": q_lena, "q_flagged": q_flagged,
           "a_lena": a_lena, "a_tomas": a_tomas, "suggestion": suggestion,
           "submission": submission, **{f"id_{name}": a.id for name, a in p.items()}}
    return {"db": db, "ids": ids, "renders": {}}


def _fill(value, ids: dict):
    return value.format(**ids) if isinstance(value, str) else value


def render(world: dict, v: View, username: str) -> AppTest:
    """The view as `username` sees it when they open it (rendered once per module)."""
    renders, seen = world["renders"], (repr(v), username)  # repr: the state may hold dicts
    if seen not in renders:
        at = AppTest.from_file(str(ROOT / v.script), default_timeout=30)
        at.session_state["auth_sid"] = open_session(world["db"], username)
        for name, value in v.state:
            at.session_state[name] = value
        for name, value in v.params:
            at.query_params[name] = _fill(value, world["ids"])
        at.run()
        if v.click and offered(at, key=v.click):
            at.button(key=v.click).click().run()
        renders[seen] = at
    return renders[seen]


def offered(at: AppTest, *, key: str | None, label: str | None = None) -> bool:
    """Whether the page shows a widget (or form, or tab) with this key, or else this label."""
    nodes = [*at.main, *at.sidebar]  # every element and block, however deeply nested
    if key is not None:
        return any(node.key == key for node in nodes)
    return any(getattr(node, "label", None) == label for node in nodes)


@pytest.mark.parametrize("username", list(PEOPLE))
@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.name)
def test_each_role_is_offered_only_its_own_actions(world, action, username):
    at = render(world, action.view, username)
    assert not at.exception, f"{action.view.script} failed for {username}: {at.exception}"
    key = _fill(action.key, world["ids"])
    shown = offered(at, key=key, label=action.label)
    who = f"{username} ({PEOPLE[username]})"
    rule = f" (only {action.why})" if action.why else ""
    if username in action.allowed:
        assert shown, f"{who} should see {key or action.label!r} on {action.view.script}"
    else:
        assert not shown, f"{who} must not see {key or action.label!r}{rule}"


def test_every_restricted_page_has_an_action_in_the_table():
    """A restricted page with no row here would not have its actions checked at all."""
    covered = {a.view.script for a in ACTIONS}
    assert {p.file for p in PAGES if p.roles} <= covered


# --- a revoked session on every page file ---------------------------------------------------


def _someone_allowed(spec) -> str:
    return next(name for name, role in PEOPLE.items() if not spec.roles or role in spec.roles)


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.file)
def test_revoked_session_shows_only_the_sign_in_form_on_every_page(world, spec):
    db = world["db"]
    sid = open_session(db, _someone_allowed(spec))
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["auth_sid"] = sid
    at.run().switch_page(spec.file).run()
    assert not at.exception and not at.error
    assert at.title and "Sign in" not in [b.label for b in at.button], "the page did not show"
    with db.write() as s:
        signin.end(s, session_id=sid)
    at.run()  # the next rerun of the same page, through app.py
    assert not at.exception
    assert [t.value for t in at.title] == ["Learning & Collaboration"]
    assert "Your session has ended" in at.info[0].value
    assert _nothing_but_the_sign_in_form(at)
    assert "auth_sid" not in at.session_state
    # The page file run by itself (as Streamlit may on a fresh server) with the same session.
    direct = AppTest.from_file(str(ROOT / spec.file), default_timeout=30)
    direct.session_state["auth_sid"] = sid
    direct.run()
    assert not direct.exception
    assert "Please sign in" in direct.warning[0].value
    assert not direct.title and _nothing_but_the_sign_in_form(direct)
    assert "auth_sid" not in direct.session_state


def _nothing_but_the_sign_in_form(at: AppTest) -> bool:
    return ([b.label for b in at.button] == ["Sign in"] and not at.tabs and not at.metric
            and len(at.dataframe) == 0 and not at.get("vega_lite_chart") and not at.expander)
