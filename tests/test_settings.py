"""Admins' settings: points per action, community limits and fair play, changed with a reason,
audited, refused when out of range, and in force from the next write on."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db import app_settings, moderation, points
from db.errors import PermissionDenied, ValidationError
from db.models import AuditRecord, Question, Setting
from tests.conftest import ROOT, open_session
from tests.test_qa import answer, ask

PAGE = str(ROOT / "pages" / "settings.py")


def _save(db, actor, area, reason="Answers matter more this quarter", **values):
    with db.write() as s:
        return app_settings.save(s, actor=actor, area=area, values=values, reason=reason)


def test_a_changed_point_value_holds_from_the_next_answer(db, people):
    admin = people["admin"]
    qid = ask(db, people["learner"])
    answer(db, people["trainer"], qid)
    assert _save(db, admin, "points", **{"answer.posted": 8})
    answer(db, people["trainer2"], qid, "Mei's answer, worth more now.")
    with db.read() as s:
        assert points.total(s, user_id=people["trainer"].id) == points.POINTS["answer.posted"]
        assert points.total(s, user_id=people["trainer2"].id) == 8
        assert app_settings.in_force(s, actor=admin)["points"]["answer.posted"] == 8
        # Only what differs from the default is stored.
        assert s.get(Setting, "points").value == {"answer.posted": 8}
        record = s.execute(select(AuditRecord.entity_id, AuditRecord.before, AuditRecord.after,
                                  AuditRecord.reason)
                           .where(AuditRecord.action == "settings.changed")).one()
    assert tuple(record) == ("points", {"answer.posted": 5}, {"answer.posted": 8},
                             "Answers matter more this quarter")


def test_a_lower_daily_cap_stops_points_sooner(db, people):
    assert _save(db, people["admin"], "points.daily_cap", **{"answer.posted": 7})
    qids = [ask(db, people["learner"], title=f"Question {i} on the stability protocol",
                body=f"Context {i}: which template do we use for zone IVb?") for i in range(3)]
    for qid in qids:
        answer(db, people["trainer"], qid, f"Use the zone IVb template, case {qid}.")
    with db.read() as s:  # 5 + 2 (cut to the cap) + 0
        assert points.total(s, user_id=people["trainer"].id) == 7


def test_a_lower_flag_threshold_hides_sooner_and_back_to_defaults(db, people):
    admin = people["admin"]
    _save(db, admin, "moderation", flag_threshold=1)
    qid = ask(db, people["learner"])
    with db.write() as s:
        result = moderation.flag(s, actor=people["trainer"], entity_type="question",
                                 entity_id=qid, reason=moderation.REASONS[0])
    assert result.status == "hidden_pending_review"
    with db.write() as s:
        assert app_settings.reset(s, actor=admin, area="moderation", reason="Trial over")
    with db.read() as s:
        assert s.get(Setting, "moderation") is None
        assert moderation.settings(s)["flag_threshold"] == moderation.DEFAULTS["flag_threshold"]
    with db.write() as s:  # already the defaults: nothing to do, nothing audited
        assert not app_settings.reset(s, actor=admin, area="moderation", reason="Again")


@pytest.mark.parametrize(("area", "values", "field"), [
    ("points", {"answer.posted": -1}, "answer.posted"),
    ("points", {"answer.posted": 2.5}, "answer.posted"),
    ("points", {"answer.posted": "lots"}, "answer.posted"),
    ("points", {"answer.posted": float("nan")}, "answer.posted"),
    ("moderation", {"flag_threshold": 0}, "flag_threshold"),
    ("fair_play", {"ring_share": 1.5}, "ring_share"),
    ("points", {"made.up": 3}, "made.up"),
    ("nowhere", {}, "area"),
])
def test_bad_values_are_refused_and_nothing_is_stored(db, people, area, values, field):
    with pytest.raises(ValidationError) as e:
        _save(db, people["admin"], area, **values)
    assert e.value.field == field and e.value.message
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Setting)) == 0


@pytest.mark.parametrize("reason", [" ", "\u200b\u200b", "ok", "x" * 301])
def test_a_change_needs_a_reason_of_sensible_length(db, people, reason):
    with pytest.raises(ValidationError) as e:
        _save(db, people["admin"], "points", reason=reason, **{"answer.posted": 8})
    assert e.value.field == "reason"
    with db.read() as s:
        assert s.get(Setting, "points") is None


def test_a_reason_with_markup_is_kept_as_written(db, people):
    hostile = "<script>alert(1)</script> [x](javascript:alert(1))"
    assert _save(db, people["admin"], "points", reason=hostile, **{"answer.posted": 8})
    with db.read() as s:
        assert s.scalar(select(AuditRecord.reason).where(
            AuditRecord.action == "settings.changed")) == hostile


@pytest.mark.parametrize("role", ["learner", "trainer", "leader"])
def test_only_admins_read_or_change_settings(db, people, role):
    with pytest.raises(PermissionDenied), db.write() as s:
        app_settings.save(s, actor=people[role], area="points", values={"answer.posted": 50},
                          reason="I would like more points")
    with pytest.raises(PermissionDenied), db.read() as s:
        app_settings.in_force(s, actor=people[role])
    with pytest.raises(PermissionDenied), db.write() as s:
        app_settings.reset(s, actor=people[role], area="points", reason="Undo the admin")


# --- the page ---------------------------------------------------------------------------------


def _page(db, username="ada") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, username)
    return at.run()


def test_admin_changes_a_limit_on_the_page_and_a_missing_reason_is_shown_at_the_field(db,
                                                                                      people):
    at = _page(db)
    assert not at.exception and at.title[0].value == "Settings"
    at.number_input(key="set-moderation-questions_per_hour").set_value(2)
    at.button(key="set-moderation-save").click().run()
    assert "The reason cannot be empty." in [e.value for e in at.error]
    with db.read() as s:
        assert s.get(Setting, "moderation") is None
    at.text_input(key="set-moderation-reason").input("Spam wave from one account")
    at.button(key="set-moderation-save").click().run()
    assert not at.exception and not at.error
    with db.read() as s:
        assert moderation.settings(s)["questions_per_hour"] == 2
    for i in range(2):
        ask(db, people["learner"], title=f"Question number {i} about stability zones",
            body=f"Context number {i}: which zone applies to our next filing?")
    with pytest.raises(moderation.RateLimited, match="the limit is 2"):
        ask(db, people["learner"], title="A third question within the same hour",
            body="More context for a third question, asked too soon.")
    with db.read() as s:
        assert s.scalar(select(func.count(Question.id))) == 2


def test_a_value_set_outside_the_page_and_out_of_range_is_shown_not_a_crash(db, people):
    with db.write() as s:  # as a script or an older release might have left it
        s.merge(Setting(key="moderation", value={"posts_per_hour": 10**6}))
    at = _page(db)
    assert not at.exception
    assert at.number_input(key="set-moderation-posts_per_hour").value == 10**6
    assert any("outside the allowed 1 to 500" in w.value for w in at.warning)
    at.text_input(key="set-moderation-reason").input("Back to a sane limit")
    at.button(key="set-moderation-save").click().run()
    assert any("must be a whole number from 1 to 500" in e.value for e in at.error)
    at.number_input(key="set-moderation-posts_per_hour").set_value(40)
    at.button(key="set-moderation-save").click().run()
    with db.read() as s:
        assert moderation.settings(s)["posts_per_hour"] == 40


def test_the_settings_page_is_for_admins_only(db, people):
    at = _page(db, "lars")
    assert not at.number_input and "Settings" not in [t.value for t in at.title]
