"""The suggestion box, prioritise, leaderboard, profile and fair-play pages through AppTest."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from db.models import BadgeAward, PointEvent, Suggestion, utcnow
from db.suggestions import WAITING_VIEW
from tests.conftest import ROOT, open_session
from tests.test_gamification import _planted_rings
from tests.test_suggestions import crowd, submit, vote


def page(db, name: str, username: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, username)
    for k, v in params.items():
        at.query_params[k] = str(v)
    at.run()
    assert not at.exception
    return at


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def count(db, model) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model))


# --- suggestion box ---------------------------------------------------------------------------


def test_list_shows_suggestions_and_votes_from_the_card(db, people):
    sid = submit(db, people["learner"])
    at = page(db, "suggestions", "tomas")
    assert at.title[0].value == "Suggestion box"
    assert at.button(key=f"sg-open-{sid}").label == "**Digital line clearance checklist**"
    at.button(key=f"sg-vote-{sid}").click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(Suggestion, sid).vote_count == 1
    assert at.button(key=f"sg-vote-{sid}").label == "Voted"


def test_own_suggestion_has_no_vote_button(db, people):
    sid = submit(db, people["learner"])
    at = page(db, "suggestions", "lena")
    assert f"sg-vote-{sid}" not in [b.key for b in at.button]
    assert "Your suggestion" in texts(at)


def test_submit_with_bad_input_shows_the_error_at_the_field_and_stores_nothing(db, people):
    at = page(db, "suggestions", "lena")
    at.text_input(key="sg-new-title").input("Short")
    at.button(key="sg-new-submit").click().run()
    assert not at.exception
    assert "The title needs at least 10 characters." in [e.value for e in at.error]
    assert count(db, Suggestion) == 0
    assert at.text_input(key="sg-new-title").value == "Short"  # what was typed is kept


def test_submit_shows_similar_then_opens_the_new_suggestion(db, people):
    existing = submit(db, people["trainer"], title="Electronic checklist for line clearance",
                      description="Replace the paper line clearance form with a tablet app.")
    at = page(db, "suggestions", "lena")
    at.text_input(key="sg-new-title").input("Line clearance checklist on a tablet").run()
    assert at.button(key=f"sg-similar-{existing}")
    at.text_area(key="sg-new-description").input(
        "Paper checklists get lost between shifts; a tablet would keep them.")
    at.selectbox(key="sg-new-category").select("Manufacturing")
    at.button(key="sg-new-submit").click().run()
    assert not at.exception
    with db.read() as s:
        sid = s.scalar(select(Suggestion.id).where(Suggestion.author_id == people["learner"].id))
    assert at.query_params["s"] == str(sid)
    at.run()  # the page reruns on the new address
    assert at.title[0].value == "Line clearance checklist on a tablet"
    assert "submitted it" in texts(at)


def test_deep_link_opens_one_suggestion_with_timeline_and_comments(db, people):
    sid = submit(db, people["learner"])
    vote(db, people["trainer"], sid)
    at = page(db, "suggestions", "mei", s=sid)
    assert at.title[0].value == "Digital line clearance checklist"
    assert at.metric[0].value == "1"
    at.text_area(key=f"sg-comment-{sid}").input("We do this in Shanghai already.")
    submit_comment = next(b for b in at.button if b.label == "Comment")
    submit_comment.click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(Suggestion, sid).comment_count == 1
    assert "We do this in Shanghai already." in texts(at)


def test_members_flag_a_suggestion_and_its_comments_but_not_their_own(db, people):
    from db import moderation
    from db import suggestions as sg
    from db.models import Comment

    sid = submit(db, people["learner"])
    with db.write() as s:
        mine = sg.comment(s, actor=people["trainer"], suggestion_id=sid, body="Tomas's note")
        theirs = sg.comment(s, actor=people["learner"], suggestion_id=sid, body="Lena's note")
    author = page(db, "suggestions", "lena", s=sid)  # no flag on her own suggestion or comment
    keys = [b.key for b in author.button]
    assert f"flag-suggestion-{sid}" not in keys and f"flag-comment-{theirs}" not in keys
    assert f"flag-comment-{mine}" in keys
    at = page(db, "suggestions", "tomas", s=sid)
    assert f"flag-comment-{mine}" not in [b.key for b in at.button]
    at.button(key=f"flag-suggestion-{sid}").click().run()
    assert "After 3 flags it is hidden" in "\n".join(m.value for m in at.markdown)
    at.button(key="flag-send").click().run()  # no reason picked: nothing is stored
    assert "Pick the reason that fits best." in [e.value for e in at.error]
    at.radio(key="flag-reason").set_value(moderation.REASONS[1])
    at.button(key="flag-send").click().run()
    assert not at.exception
    at.button(key=f"flag-comment-{theirs}").click().run()
    at.radio(key="flag-reason").set_value(moderation.REASONS[0])
    at.button(key="flag-send").click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(Suggestion, sid).flag_count == 1
        assert s.get(Comment, theirs).flag_count == 1
        assert s.get(Comment, mine).flag_count == 0


@pytest.mark.parametrize("value", ["999", "abc"])
def test_a_link_to_no_suggestion_says_so(db, people, value):
    at = page(db, "suggestions", "lena", s=value)
    assert "Pick one from the list instead." in at.warning[0].value


def test_decline_without_reason_shows_the_error_and_keeps_the_status(db, people):
    sid = submit(db, people["learner"])
    at = page(db, "suggestions", "lars", s=sid)
    at.selectbox(key=f"sg-to-{sid}-0").select("declined")
    next(b for b in at.button if b.label == "Save decision").click().run()
    assert not at.exception
    assert any("Say why it is declined" in e.value for e in at.error)
    with db.read() as s:
        assert s.get(Suggestion, sid).status == "new"
    at.text_area(key=f"sg-response-{sid}-0").input("Already covered by the MES upgrade.")
    next(b for b in at.button if b.label == "Save decision").click().run()
    assert not at.exception
    with db.read() as s:
        assert s.get(Suggestion, sid).status == "declined"
    assert "Already covered by the MES upgrade." in texts(at)


def test_learners_see_no_decision_panel(db, people):
    sid = submit(db, people["trainer"])
    at = page(db, "suggestions", "lena", s=sid)
    assert "Save decision" not in [b.label for b in at.button]
    assert not at.expander or all("Decide" not in e.label for e in at.expander)


# --- leaders' pages ---------------------------------------------------------------------------


def test_prioritise_shows_scores_and_waiting(db, people):
    a = submit(db, people["learner"])
    for v in crowd(db, 2):
        vote(db, v, a)
    with db.write() as s:
        s.get(Suggestion, a).status_changed_at = utcnow() - timedelta(days=12)
    at = page(db, "prioritise", "lars")
    assert at.title[0].value == "Prioritise ideas"
    assert not at.error
    assert at.slider(key="pr-w-votes").value == 4
    # The waiting list is a tab of its own, with its own address (Home links to it).
    at = page(db, "prioritise", "lars", **{"prioritise-tab": WAITING_VIEW})
    waiting = at.dataframe[-1].value
    assert list(waiting["No."]) == [a] and list(waiting["Waiting (days)"]) == [12]


def test_prioritise_with_an_unknown_tab_in_its_address_opens_the_scores(db, people):
    submit(db, people["learner"])
    at = page(db, "prioritise", "lars", **{"prioritise-tab": "<script>alert(1)</script>"})
    assert not at.exception and not at.error
    assert at.slider(key="pr-w-votes").value == 4  # the first tab, as without the parameter


def test_prioritise_weights_of_zero_warn(db, people):
    submit(db, people["learner"])
    at = page(db, "prioritise", "ada")
    for key in ("pr-w-votes", "pr-w-benefit", "pr-w-effort"):
        at.slider(key=key).set_value(0)
    at.run()
    assert not at.exception
    assert "at least one weight" in at.warning[0].value


# --- leaderboard and profile ------------------------------------------------------------------


def test_leaderboard_lists_people_by_points(db, people):
    with db.write() as s:
        s.add(PointEvent(user_id=people["trainer"].id, action="answer.posted", points=9,
                         created_at=utcnow()))
        s.add(PointEvent(user_id=people["learner"].id, action="answer.posted", points=4,
                         created_at=utcnow()))
    at = page(db, "leaderboard", "lena")
    board = at.dataframe[0].value
    assert list(board["Name"]) == ["Tomas Ribeiro", "Lena Fischer (you)"]
    assert list(board["Points"]) == [9, 4]
    assert at.metric[0].value == "#2"


def test_leaderboard_period_opens_from_a_link(db, people):
    with db.write() as s:
        s.add(PointEvent(user_id=people["trainer"].id, action="answer.posted", points=9,
                         created_at=utcnow() - timedelta(days=400)))
        s.add(PointEvent(user_id=people["learner"].id, action="answer.posted", points=4,
                         created_at=utcnow()))
    at = page(db, "leaderboard", "lena", **{"lb-period": "All time"})  # as the address shows it
    assert list(at.dataframe[0].value["Points"]) == [9, 4]
    assert at.query_params["lb-period"] == "All time"
    at = page(db, "leaderboard", "lena")  # this week by default
    assert list(at.dataframe[0].value["Points"]) == [4]
    for odd in ("decade", "<script>alert(1)</script>", "all" * 100_000, ""):  # not a period
        at = page(db, "leaderboard", "lena", **{"lb-period": odd})
        assert not at.exception and list(at.dataframe[0].value["Points"]) == [4]


def test_leaderboard_without_points_says_how_to_earn_them(db, people):
    at = page(db, "leaderboard", "lena", **{"lb-period": "All time"})
    assert not at.dataframe
    assert at.info[0].value.startswith("Nobody has points here yet.")


def test_profile_shows_level_points_and_badges(db, people):
    submit(db, people["learner"])
    at = page(db, "profile", "tomas", user="lena")
    assert at.subheader[0].value == "Lena Fischer"
    values = {m.label: m.value for m in at.metric}
    assert values["Points"] == "3" and values["Badges"].startswith("1 of")
    assert "Idea giver" in texts(at)


def test_own_profile_without_a_link_and_an_unknown_user(db, people):
    at = page(db, "profile", "lena")
    assert at.subheader[0].value == "Lena Fischer (you)"
    at = page(db, "profile", "lena", user="nobody")
    assert "There is nobody" in at.warning[0].value


def test_board_and_profile_tabs_run_only_when_open_and_open_from_a_link(db, people):
    with db.write() as s:
        s.add(PointEvent(user_id=people["learner"].id, action="answer.posted", points=5,
                         created_at=utcnow()))
    at = page(db, "leaderboard", "lena")
    assert list(at.dataframe[0].value.columns)[:2] == ["Rank", "Name"]
    assert len(at.dataframe) == 1  # the Sites and Functions boards were not built
    at = page(db, "leaderboard", "lena", **{"leaderboard-tab": "Sites"})
    assert not at.dataframe and at.info[0].value == "No sites or functions yet."
    at = page(db, "profile", "lena", **{"profile-tab": "Points history"})
    [history] = at.dataframe
    assert list(history.value["Points"]) == [5]
    assert "Idea giver" not in texts(at)  # the badges tab is closed


# --- fair play --------------------------------------------------------------------------------


def test_fair_play_lists_the_planted_rings(db, people):
    _planted_rings(db, at=utcnow() - timedelta(days=1))
    at = page(db, "fair_play", "ada")
    rings = at.dataframe[0].value
    assert len(rings) == 2
    assert set(rings["Kind"]) == {"pair", "group"}


# --- the badge toast --------------------------------------------------------------------------


def _toast_app():
    from components.auth import require_role
    from components.gamification_widgets import show_new_badges

    show_new_badges(require_role())


def test_new_badges_toast_once(db, people):
    submit(db, people["learner"])  # earns the bronze idea giver badge
    at = AppTest.from_function(_toast_app, default_timeout=30)
    at.session_state["auth_sid"] = open_session(db, "lena")
    at.run()
    assert not at.exception
    assert any("Idea giver" in t.value for t in at.toast)
    with db.read() as s:
        assert s.get(BadgeAward, (people["learner"].id, "idea_giver", "bronze")).seen_at
    at.run()
    assert not at.toast

