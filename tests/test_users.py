"""People and roles: admins manage them; nobody else can; bad input stores nothing."""

import pytest
from sqlalchemy import func, select

from db import audit, users
from db.actors import SYSTEM
from db.errors import Conflict, PermissionDenied, ValidationError
from db.models import User
from tests.conftest import PASSWORD, add_person


def _count(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(User.id)))


def test_admin_creates_a_person_with_several_roles(db, people):
    with db.write() as s:
        uid = users.create_user(s, actor=people["admin"], username="Noor.Haddad",
                                password="a-long-passphrase", name="Noor Haddad",
                                roles=["learner", "trainer"])
    with db.read() as s:
        row = users.get_user(s, actor=people["admin"], username="noor.haddad")
        last = audit.trail(s, actor=SYSTEM, filters=audit.TrailFilter(action="user.created"),
                           limit=1)[0]
    assert row.id == uid and row.roles == ("learner", "trainer")
    assert last["actor"] == "ada" and "a-long-passphrase" not in last["after"]


@pytest.mark.parametrize(("field", "kwargs"), [
    ("username", {"username": "x"}),
    ("username", {"username": "bad name!"}),
    ("name", {"name": "  "}),
    ("password", {"password": "short"}),
    ("password", {"password": "noor.haddad-123"}),
    ("password", {"password": "a" * 80}),
    ("roles", {"roles": []}),
    ("roles", {"roles": ["superuser"]}),
    ("email", {"email": "not-an-address"}),
    ("email", {"email": "ada@example.com\nbcc: x@y.org"}),  # a header smuggled on a new line
    ("email", {"email": "ada\x00@example.com"}),  # a NUL breaks PostgreSQL
    ("email", {"email": "a" * 250 + "@example.com"}),  # longer than the column
    ("site", {"site": "Atlantis"}),
    ("function", {"function": "Sales"}),
])
def test_create_user_bad_input_stores_nothing(db, people, field, kwargs):
    args = {"username": "noor.haddad", "password": "a-long-passphrase", "name": "Noor Haddad",
            "roles": ["learner"]} | kwargs
    before = _count(db)
    with pytest.raises(ValidationError) as err, db.write() as s:
        users.create_user(s, actor=people["admin"], **args)
    assert err.value.field == field
    assert _count(db) == before


def test_an_e_mail_with_spaces_around_it_is_kept_tidy(db, people):
    with db.write() as s:
        uid = users.create_user(s, actor=people["admin"], username="noor.haddad",
                                password="a-long-passphrase", name="Noor Haddad",
                                roles=["learner"], email="  noor@example.com ")
    with db.read() as s:
        assert s.get(User, uid).email == "noor@example.com"


def test_a_deactivation_reason_is_checked_like_any_text(db, people):
    with pytest.raises(ValidationError) as err, db.write() as s:
        users.set_active(s, actor=people["admin"], user_id=people["learner"].id, active=False,
                         reason="x" * 600)
    assert err.value.field == "reason"
    with db.read() as s:
        assert s.get(User, people["learner"].id).is_active


def test_create_user_taken_username(db, people):
    with pytest.raises(Conflict), db.write() as s:
        users.create_user(s, actor=people["admin"], username="lena", password=PASSWORD,
                          name="Another Lena", roles=["learner"])


@pytest.mark.parametrize("role", ["learner", "trainer", "leader"])
def test_user_management_not_enough_permissions(db, people, role):
    actor = people[role]
    target = people["learner"].id
    calls = [
        lambda s: users.create_user(s, actor=actor, username="newbie", password=PASSWORD,
                                    name="New", roles=["admin"]),
        lambda s: users.set_roles(s, actor=actor, user_id=target, roles=["admin"]),
        lambda s: users.set_active(s, actor=actor, user_id=target, active=False),
        lambda s: users.reset_password(s, actor=actor, user_id=target, new_password=PASSWORD),
        lambda s: users.list_users(s, actor=actor),
        lambda s: users.get_user(s, actor=actor, username="lena"),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied), db.write() as s:
            call(s)
    with db.read() as s:
        assert users.roles_of(s, target) == ["learner"]


def test_set_roles_and_deactivate(db, people):
    admin, lena = people["admin"], people["learner"]
    with db.write() as s:
        users.set_roles(s, actor=admin, user_id=lena.id, roles=["learner", "trainer"])
        users.set_active(s, actor=admin, user_id=lena.id, active=False, reason="left")
    with db.read() as s:
        row = users.get_user(s, actor=admin, username="lena")
        account = users.login_account(s, "lena")
    assert row.roles == ("learner", "trainer") and not row.is_active
    assert account is None  # deactivated people cannot sign in


def test_admin_cannot_lock_themselves_out(db, people):
    admin = people["admin"]
    with pytest.raises(Conflict), db.write() as s:
        users.set_roles(s, actor=admin, user_id=admin.id, roles=["learner"])
    with pytest.raises(Conflict), db.write() as s:
        users.set_active(s, actor=admin, user_id=admin.id, active=False)


def test_change_password_needs_the_current_one(db, people):
    lena = people["learner"]
    with pytest.raises(ValidationError) as err, db.write() as s:
        users.change_password(s, actor=lena, current="wrong-password", new_password="new-pass-2026")
    assert err.value.field == "current"
    with db.write() as s:
        users.change_password(s, actor=lena, current=PASSWORD, new_password="new-pass-2026")
    with db.read() as s:
        stored = users.login_account(s, "lena")["password"]
    assert users.check_password("new-pass-2026", stored)
    assert not users.check_password(PASSWORD, stored)


def test_list_users_filters_and_pages(db, people):
    admin = people["admin"]
    with db.read() as s:
        trainers = users.list_users(s, actor=admin, role="trainer")
        page1 = users.list_users(s, actor=admin, limit=2)
        page2 = users.list_users(s, actor=admin, after=(page1[-1].name, page1[-1].username),
                                 limit=2)
        found = users.list_users(s, actor=admin, search="CHEN")
    assert [u.username for u in trainers] == ["mei", "tomas"]
    assert [u.name for u in page1 + page2] == ["Ada Okafor", "Lars Andersson", "Lena Fischer",
                                              "Mei Chen"]
    assert [u.username for u in found] == ["mei"]


def test_paging_reaches_everyone_who_shares_a_name(db, people):
    for i in range(7):  # seven colleagues called Chris Moore, as in any large company
        add_person(db, f"chris.moore{i}", "learner", name="Chris Moore")
    seen, after = [], None
    with db.read() as s:
        while page := users.list_users(s, actor=people["admin"], search="moore", after=after,
                                       limit=3):
            seen += [u.username for u in page]
            after = (page[-1].name, page[-1].username)
    assert seen == [f"chris.moore{i}" for i in range(7)]


# --- the page ------------------------------------------------------------------------------


def _users_page(db):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT, open_session

    at = AppTest.from_file(str(ROOT / "pages" / "users.py"), default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, "ada")
    at.run()
    assert not at.exception
    return at


def _fill_new_person(at, *, name: str, username: str, password: str):
    at.text_input(key="new-name").input(name)
    at.text_input(key="new-username").input(username)
    at.text_input(key="new-password").input(password)
    next(b for b in at.button if b.label == "Add person").click()
    return at.run()


def test_adding_a_person_confirms_and_empties_the_form_for_the_next(db, people):
    at = _fill_new_person(_users_page(db), name="Noor Haddad", username="Noor.Haddad",
                          password="a-long-passphrase")
    assert not at.exception
    assert "Noor Haddad can now sign in as noor.haddad." in [m.value for m in at.success]
    assert at.text_input(key="new-name").value == ""
    assert at.text_input(key="new-username").value == ""
    assert at.text_input(key="new-password").value == ""
    with db.read() as s:
        assert users.get_user(s, actor=people["admin"], username="noor.haddad").name \
            == "Noor Haddad"


def test_refused_new_person_keeps_what_was_typed(db, people):
    before = _count(db)
    at = _fill_new_person(_users_page(db), name="Noor Haddad", username="noor.haddad",
                          password="short")
    assert _count(db) == before
    assert at.text_input(key="new-name").value == "Noor Haddad"
    assert at.text_input(key="new-username").value == "noor.haddad"
    assert any("characters" in e.value for e in at.error)
    assert not at.success
