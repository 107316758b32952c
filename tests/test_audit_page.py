"""The Audit trail page through AppTest: filters, the CSV export that follows them, and the
chain check an admin runs from the page."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from db.models import User
from tests.conftest import ROOT, add_person, open_session
from tests.test_audit import _tamper

PAGE = str(ROOT / "pages" / "audit_trail.py")


@pytest.fixture
def trail(db, people):
    """Records from creating the people, plus three more people created by the system."""
    for name in ("anna", "ben", "cleo"):
        add_person(db, name, "learner")
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, "ada")
    return at.run()


def _id(db, username: str) -> int:
    with db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def _shown(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["action"]) if at.dataframe else []


def test_filters_narrow_the_records_and_say_how_many(db, trail):
    at = trail
    assert not at.exception
    everything = len(_shown(at))
    assert everything >= 9 and "user.created" in _shown(at)
    at.text_input(key="a-entity").input(f"user:{_id(db, 'anna')}").run()
    assert _shown(at) == ["user.created"]
    assert at.caption[1].value.startswith("1 matching records")
    at.text_input(key="a-entity").input("").run()
    at.selectbox(key="a-action").set_value("auth.signed_in").run()
    assert set(_shown(at)) == {"auth.signed_in"}
    at.text_input(key="a-actor").input("nobody-of-that-name").run()
    assert at.info[0].value == "No records match these filters."


def test_the_export_holds_the_filtered_records_and_goes_when_the_filters_change(db, trail):
    at = trail
    at.text_input(key="a-entity").input(f"user:{_id(db, 'ben')}").run()
    at.button(key="a-export").click().run()
    assert not at.exception
    data = at.session_state["a-csv"][1]
    lines = data.strip().splitlines()
    assert len(lines) == 2 and "user.created" in lines[1]
    assert "a-download" in [b.key for b in at.get("download_button")]
    at.text_input(key="a-entity").input(f"user:{_id(db, 'cleo')}").run()  # not ben's file
    assert "a-download" not in [b.key for b in at.get("download_button")]


def test_verify_from_the_page_says_intact_then_finds_a_changed_record(db, trail):
    at = trail
    at.button(key="a-verify").click().run()
    assert at.success[0].value.startswith("Intact: all ")
    _tamper(db, "UPDATE audit_log SET action = 'user.creatdd' WHERE id = 2")
    at.button(key="a-verify").click().run()
    assert at.error[0].value.startswith("Broken at record 2")
