"""Every page for every role through AppTest, and the rules every page file must follow."""

import ast

import pytest
from streamlit.testing.v1 import AppTest

from components.nav import PAGES
from tests.conftest import ROOT, open_session

APP = str(ROOT / "app.py")
ROLES = ["learner", "trainer", "leader", "admin"]
USERNAME = {"learner": "lena", "trainer": "tomas", "leader": "lars", "admin": "ada"}


def signed_in(script: str, db, username: str) -> AppTest:
    at = AppTest.from_file(script, default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, username)
    return at


def allowed(spec, role: str) -> bool:
    return not spec.roles or role in spec.roles


# --- project rules, checked on the files themselves ----------------------------------------

PAGE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


def test_every_page_file_is_in_the_navigation_map():
    assert sorted(p.file for p in PAGES) == PAGE_FILES


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_guards_itself_first(page):
    tree = ast.parse((ROOT / page).read_text())
    body = [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom)
            and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    first = body[0]
    call = first.value if isinstance(first, ast.Assign | ast.Expr) else None
    assert isinstance(call, ast.Call) and getattr(call.func, "id", "") == "require_role", (
        f"{page} must call require_role(...) before anything else")
    spec = next(p for p in PAGES if p.file == page)
    assert {a.value for a in call.args} == set(spec.roles), "guard and navigation map disagree"


@pytest.mark.parametrize("page", PAGE_FILES)
def test_pages_stay_thin_and_build_no_sql(page):
    source = (ROOT / page).read_text()
    assert "sqlalchemy" not in source and "session.execute" not in source
    assert "unsafe_allow_html" not in source and "st.html" not in source


# --- every page x role ---------------------------------------------------------------------

@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.file)
@pytest.mark.parametrize("role", ROLES)
def test_navigation_offers_each_role_its_own_pages(db, people, role, spec):
    at = signed_in(APP, db, USERNAME[role])
    at.run()
    assert not at.exception
    if allowed(spec, role):
        at.switch_page(spec.file)
        at.run()
        assert not at.exception, f"{spec.file} failed for {role}"
        assert not at.error, f"{spec.file} showed an error for {role}: {at.error}"
    else:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(spec.file)


@pytest.mark.parametrize("spec", [p for p in PAGES if p.roles], ids=lambda p: p.file)
@pytest.mark.parametrize("role", ROLES)
def test_restricted_page_run_directly_denies_other_roles(db, people, spec, role):
    # With a pages/ folder Streamlit can run a page file without app.py: the page must refuse.
    at = signed_in(str(ROOT / spec.file), db, USERNAME[role])
    at.run()
    assert not at.exception
    if allowed(spec, role):
        assert not at.error
    else:
        assert "You do not have access" in at.error[0].value
        assert len(at.dataframe) == 0 and len(at.button) == 0


@pytest.mark.parametrize("page", PAGE_FILES)
def test_signed_out_reaches_no_page(db, page):
    at = AppTest.from_file(str(ROOT / page), default_timeout=30)
    at.run()
    assert not at.exception
    assert "Please sign in" in at.warning[0].value
    assert not at.title and len(at.dataframe) == 0
    assert [b.label for b in at.button] == ["Sign in"]  # only the sign-in form


def test_revoked_session_is_signed_out_on_next_rerun(db, people):
    at = signed_in(APP, db, "ada")
    at.run()
    assert at.sidebar.button(key="sign-out")
    from db import signin

    with db.write() as s:
        signin.end(s, session_id=at.session_state["auth_sid"])
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]  # the sign-in form is back
    assert [t.value for t in at.title] == ["Learning & Collaboration"]
    assert "Your session has ended" in at.info[0].value
    assert "auth_sid" not in at.session_state
