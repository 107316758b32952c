"""Suggestion box rules: submitting, votes, comments, follows, ranking, the status machine,
decline reasons, duplicate merges, waiting times, prioritising and who may do what."""

import itertools
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as hst
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from db import gamification, points, suggestions
from db.actors import Actor
from db.errors import Conflict, NotFound, PermissionDenied, ValidationError
from db.models import (
    AuditRecord,
    BadgeAward,
    Follow,
    Notification,
    PointEvent,
    Site,
    Suggestion,
    SuggestionStatusChange,
    User,
    UserRole,
    Vote,
)
from db.suggestions import Weights

DESCRIPTION = "The line clearance checklist is on paper and gets lost between shifts."


def crowd(db, n: int, *, prefix: str = "voter", role: str = "learner",
          site_id: int | None = None) -> list[Actor]:
    """n people created straight in the database (fast: no password hashing)."""
    out = []
    with db.write() as s:
        for i in range(n):
            u = User(username=f"{prefix}{i}", name=f"{prefix.title()} {i:02d}",
                     password_hash="x", site_id=site_id)
            s.add(u)
            s.flush()
            s.add(UserRole(user_id=u.id, role=role))
            out.append(Actor(u.id, u.username, u.name, frozenset({role})))
    return out


def submit(db, actor, title="Digital line clearance checklist", description=DESCRIPTION,
           category="Manufacturing", kind="idea", site_id=None, **kw) -> int:
    with db.write() as s:
        return suggestions.submit(s, actor=actor, title=title, description=description,
                                  category=category, kind=kind, site_id=site_id, **kw)


def vote(db, actor, sid, on=True) -> int:
    with db.write() as s:
        return suggestions.vote(s, actor=actor, suggestion_id=sid, on=on)


def move(db, actor, sid, to, response=None):
    with db.write() as s:
        suggestions.change_status(s, actor=actor, suggestion_id=sid, to_status=to,
                                  response=response)


def get(db, sid) -> Suggestion:
    with db.read() as s:
        row = s.get(Suggestion, sid)
        s.expunge(row)  # keep the loaded values readable after the session ends
        return row


def voters(db, sid) -> set[int]:
    with db.read() as s:
        return set(s.scalars(select(Vote.user_id).where(Vote.entity_type == "suggestion",
                                                        Vote.entity_id == sid)))


# --- submitting -------------------------------------------------------------------------------


def test_submit_stores_timeline_follow_points_badge_and_audit(db, people):
    lena = people["learner"]
    sid = submit(db, lena, expected_benefit="Fewer lost records.")
    with db.read() as s:
        d = suggestions.detail(s, actor=lena, suggestion_id=sid)
        assert (d.status, d.category, d.kind, d.expected_benefit) == (
            "new", "Manufacturing", "idea", "Fewer lost records.")
        assert d.mine and d.following and not d.can_vote
        line = suggestions.timeline(s, actor=lena, suggestion_id=sid)
        assert [(e.from_status, e.to_status, e.by_username) for e in line] == [
            (None, "new", "lena")]
        assert points.total(s, user_id=lena.id) == points.POINTS["suggestion.submitted"]
        assert s.get(BadgeAward, (lena.id, "idea_giver", "bronze")) is not None
        assert s.scalar(select(AuditRecord.action).where(
            AuditRecord.entity_type == "suggestion")) == "suggestion.submitted"


@pytest.mark.parametrize(("field", "kwargs"), [
    ("title", {"title": "Short"}),
    ("title", {"title": "   "}),
    ("description", {"description": "Too short"}),
    ("category", {"category": "Gardening"}),
    ("kind", {"kind": "wish"}),
    ("site", {"site_id": 999}),
    ("benefit", {"expected_benefit": "x" * 1001}),
])
def test_submit_bad_input_names_the_field_and_stores_nothing(db, people, field, kwargs):
    with pytest.raises(ValidationError) as e:
        submit(db, people["learner"], **kwargs)
    assert e.value.field == field
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Suggestion)) == 0
        assert s.scalar(select(func.count()).select_from(PointEvent)) == 0


def test_submitting_the_same_text_twice_is_refused(db, people):
    lena = people["learner"]
    submit(db, lena)
    with pytest.raises(ValidationError) as e:
        submit(db, lena, title="Another title for the same idea")
    assert e.value.field == "description"
    with pytest.raises(ValidationError) as e:
        submit(db, lena, description=DESCRIPTION + " Also at night.")
    assert e.value.field == "title"


def test_similar_suggestions_share_title_words(db, people):
    lena = people["learner"]
    a = submit(db, lena, title="Digital line clearance checklist")
    submit(db, lena, title="Shared glossary for EMA and FDA terms",
           description="New starters confuse variation and supplement all the time.")
    with db.read() as s:
        found = suggestions.similar(s, actor=people["trainer"],
                                    title="Checklist for line clearance on tablets")
        assert [x.id for x in found] == [a]
        assert suggestions.similar(s, actor=lena, title="the and of") == []


# --- votes ------------------------------------------------------------------------------------


def test_one_vote_per_person_retractable_with_count_and_points_in_step(db, people):
    lena, tomas = people["learner"], people["trainer"]
    sid = submit(db, lena)
    assert vote(db, tomas, sid) == 1
    assert vote(db, tomas, sid) == 1  # a second click changes nothing
    assert vote(db, people["trainer2"], sid) == 2
    with db.read() as s:
        assert points.total(s, user_id=lena.id) == 3 + 2 * points.POINTS["vote.received"]
    assert vote(db, tomas, sid, on=False) == 1
    assert voters(db, sid) == {people["trainer2"].id}
    with db.read() as s:
        assert points.total(s, user_id=lena.id) == 3 + points.POINTS["vote.received"]
        assert get(db, sid).vote_count == 1


def test_nobody_votes_on_their_own_suggestion(db, people):
    lena = people["learner"]
    sid = submit(db, lena)
    with pytest.raises(PermissionDenied):
        vote(db, lena, sid)
    assert get(db, sid).vote_count == 0


def test_the_database_refuses_double_and_self_votes(db, people):
    lena, tomas = people["learner"], people["trainer"]
    sid = submit(db, lena)
    vote(db, tomas, sid)
    with pytest.raises(IntegrityError), db.write() as s:
        s.add(Vote(user_id=tomas.id, entity_type="suggestion", entity_id=sid,
                   recipient_id=lena.id, value=1))
    with pytest.raises(IntegrityError), db.write() as s:
        s.add(Vote(user_id=lena.id, entity_type="suggestion", entity_id=sid,
                   recipient_id=lena.id, value=1))


def test_voting_closes_with_a_decision(db, people):
    lena, lars = people["learner"], people["leader"]
    sid = submit(db, lena)
    move(db, lars, sid, "declined", "Not feasible with our current MES.")
    with pytest.raises(Conflict, match="Voting has closed"):
        vote(db, people["trainer"], sid)


# --- comments and follows ---------------------------------------------------------------------


def test_comments_keep_the_count_follow_and_notify(db, people):
    lena, tomas, mei = people["learner"], people["trainer"], people["trainer2"]
    sid = submit(db, lena)
    with db.write() as s:
        suggestions.follow(s, actor=mei, suggestion_id=sid)
        suggestions.comment(s, actor=tomas, suggestion_id=sid, body="We tried this in Boston.")
    with db.read() as s:
        assert get(db, sid).comment_count == 1
        assert s.get(Follow, (tomas.id, "suggestion", sid)) is not None  # commenter follows
        told = set(s.scalars(select(Notification.user_id).where(Notification.kind == "comment")))
        assert told == {lena.id, mei.id}
        rows = suggestions.comments(s, actor=lena, suggestion_id=sid)
        assert [(c.author_username, c.body) for c in rows] == [("tomas",
                                                                "We tried this in Boston.")]
    with pytest.raises(ValidationError) as e, db.write() as s:
        suggestions.comment(s, actor=tomas, suggestion_id=sid, body=" ")
    assert e.value.field == "comment"
    with db.write() as s:
        assert suggestions.follow(s, actor=mei, suggestion_id=sid, on=False) is False
        assert s.get(Follow, (mei.id, "suggestion", sid)) is None


# --- ranking ----------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 12, 0)


def _planted(db, people):
    """Three suggestions with known votes: old and popular, fresh, and two weeks old."""
    lena = people["learner"]
    old = submit(db, lena, title="Old but popular idea for the warehouse",
                 description="Scan pallets at the door to save a lot of walking.")
    fresh = submit(db, lena, title="Fresh idea about batch record review",
                   description="Review exceptions first, then the rest of the batch record.",
                   category="Quality")
    mid = submit(db, lena, title="Two weeks old idea on training",
                 description="Short videos for every SOP change, made by the SOP owner.",
                 category="Training")
    people_ = crowd(db, 10)
    with db.write() as s:
        for sid, n, age in ((old, 10, 60), (fresh, 3, 0), (mid, 5, 14)):
            for v in people_[:n]:
                s.add(Vote(user_id=v.id, entity_type="suggestion", entity_id=sid,
                           recipient_id=lena.id, value=1, created_at=NOW - timedelta(days=age)))
            s.get(Suggestion, sid).vote_count = n
            s.get(Suggestion, sid).created_at = NOW - timedelta(days=age)
        s.get(Suggestion, mid).comment_count = 4
        s.flush()
        suggestions.refresh_trends(s)  # votes written directly: bring the trend keys along
    return old, fresh, mid


def test_trending_weights_votes_by_recency(db, people):
    old, fresh, mid = _planted(db, people)
    lena = people["learner"]
    with db.read() as s:
        trending = suggestions.listing(s, actor=lena, sort="trending", now=NOW)
        top = suggestions.listing(s, actor=lena, sort="top", now=NOW)
        newest = suggestions.listing(s, actor=lena, sort="newest", now=NOW)
        discussed = suggestions.listing(s, actor=lena, sort="discussed", now=NOW)
    assert [c.id for c in trending] == [fresh, mid, old]
    scores = {c.id: c.trend for c in trending}
    assert scores[fresh] == pytest.approx(3.0)
    assert scores[mid] == pytest.approx(2.5)  # 5 votes, one half-life old
    assert scores[old] == pytest.approx(10 * 0.5 ** (60 / 14))
    assert [c.id for c in top] == [old, mid, fresh]
    assert [c.id for c in newest] == [fresh, mid, old]
    assert discussed[0].id == mid


def _trend_from_scratch(db, sid) -> float:
    now = datetime(2030, 1, 1)  # any moment gives the same key
    with db.read() as s:
        times = s.scalars(select(Vote.created_at).where(Vote.entity_type == "suggestion",
                                                         Vote.entity_id == sid)).all()
    weight = sum(0.5 ** ((now - t).total_seconds() / 86400 / suggestions.HALF_LIFE_DAYS)
                 for t in times)
    return suggestions.trend_key(weight, now)


def test_trend_key_is_kept_through_votes_retractions_and_merges(db, people):
    lena, tomas, lars = people["learner"], people["trainer"], people["leader"]
    a_id = submit(db, tomas, title="Electronic checklist for line clearance",
                  description="Replace the paper line clearance form with a tablet app.")
    b_id = submit(db, lena)
    crowd_ = crowd(db, 5)
    assert get(db, a_id).trend == 0.0  # no votes yet: below every suggestion with votes
    for v in crowd_[:3]:
        vote(db, v, b_id)
    vote(db, crowd_[3], a_id)
    vote(db, crowd_[4], b_id)
    vote(db, crowd_[4], b_id, on=False)
    for sid in (a_id, b_id):
        assert get(db, sid).trend == pytest.approx(_trend_from_scratch(db, sid), abs=1e-6)
    assert get(db, b_id).trend > get(db, a_id).trend > 0  # three recent votes beat one
    with db.write() as s:
        suggestions.merge_duplicate(s, actor=lars, suggestion_id=b_id, original_id=a_id)
    assert get(db, a_id).trend == pytest.approx(_trend_from_scratch(db, a_id), abs=1e-6)
    assert get(db, b_id).trend == 0.0
    with db.read() as s:
        first = suggestions.listing(s, actor=lena, sort="trending")[0]
    assert (first.id, first.vote_count) == (a_id, 4)
    assert first.trend == pytest.approx(4.0, rel=1e-3)  # four votes cast moments ago


@given(ages=hst.lists(hst.lists(hst.floats(0, 400), max_size=6), min_size=2, max_size=6),
       later=hst.floats(0, 100))
def test_trend_keys_order_suggestions_as_their_weights_do_at_any_moment(ages, later):
    now = datetime(2026, 6, 1)
    half = suggestions.HALF_LIFE_DAYS
    weights = [sum(0.5 ** (a / half) for a in votes) for votes in ages]
    keys = [suggestions.trend_key(w, now) for w in weights]
    then = now + timedelta(days=later)
    for w, k in zip(weights, keys, strict=True):
        # Read back later, a key gives the same votes' weight then: each halved on schedule.
        assert suggestions.trend_weight(k, then) == pytest.approx(w * 0.5 ** (later / half))
    for (w1, k1), (w2, k2) in itertools.combinations(zip(weights, keys, strict=True), 2):
        if abs(w1 - w2) > 1e-9 * max(w1, w2, 1e-300):
            assert (w1 < w2) == (k1 < k2)


@pytest.mark.parametrize("sort", list(suggestions.SORTS))
def test_keyset_pages_cover_everything_once(db, people, sort):
    lena = people["learner"]
    ids = [submit(db, lena, title=f"Idea number {i} for the site",
                  description=f"Description of idea number {i}, long enough.")
           for i in range(5)]
    seen, after = [], None
    with db.read() as s:
        while True:
            page = suggestions.listing(s, actor=lena, sort=sort, after=after, limit=2, now=NOW)
            if not page:
                break
            seen += [c.id for c in page]
            after = page[-1].cursor
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)


def test_filters_by_status_category_and_site(db, people):
    lena, lars = people["learner"], people["leader"]
    with db.write() as s:
        basel = Site(name="Basel", region="Europe", country="Switzerland")
        s.add(basel)
        s.flush()
        basel_id = basel.id
    a = submit(db, lena, site_id=basel_id)
    b = submit(db, lena, title="Quality idea about deviations",
               description="Trend deviations weekly, not only at the annual review.",
               category="Quality")
    move(db, lars, b, "under_review")
    with db.read() as s:
        def ids(**kw):
            return {c.id for c in suggestions.listing(s, actor=lena, **kw)}

        assert ids(site_id=basel_id) == {a}
        assert ids(category="Quality") == {b}
        assert ids(status="under_review") == {b}
        assert ids(status="open") == {a, b}
        with pytest.raises(ValidationError):
            ids(status="sideways")


# --- deciding ---------------------------------------------------------------------------------


def test_status_moves_only_along_the_allowed_transitions(db, people):
    lena, lars = people["learner"], people["leader"]
    sid = submit(db, lena)
    with pytest.raises(Conflict, match="It can move to: Under review, Declined, Duplicate"):
        move(db, lars, sid, "implemented")
    for to in ("under_review", "planned", "in_progress", "implemented"):
        move(db, lars, sid, to)
    with pytest.raises(Conflict, match="It can move to: nothing"):
        move(db, lars, sid, "planned")
    with pytest.raises(ValidationError) as e:
        move(db, lars, sid, "duplicate")
    assert e.value.field == "status"
    with db.read() as s:
        line = suggestions.timeline(s, actor=lena, suggestion_id=sid)
    assert [e.to_status for e in line] == ["new", "under_review", "planned", "in_progress",
                                           "implemented"]
    assert all(e.by_username == "lars" and e.at for e in line[1:])


def test_every_transition_in_the_table_is_reachable_and_others_refused():
    states = set(suggestions.STATUS_LABEL)
    assert set(suggestions.TRANSITIONS) == states
    assert all(set(v) <= states for v in suggestions.TRANSITIONS.values())
    assert suggestions.TRANSITIONS["implemented"] == ()
    assert suggestions.TRANSITIONS["duplicate"] == ()


def test_declining_needs_a_reason_that_everyone_sees(db, people):
    lena, lars = people["learner"], people["leader"]
    sid = submit(db, lena)
    for empty in (None, "", "   "):
        with pytest.raises(ValidationError) as e:
            move(db, lars, sid, "declined", empty)
        assert e.value.field == "response"
    assert get(db, sid).status == "new"
    move(db, lars, sid, "declined", "The MES upgrade next year covers this.")
    with db.read() as s:
        d = suggestions.detail(s, actor=people["trainer"], suggestion_id=sid)
        assert (d.status, d.response) == ("declined", "The MES upgrade next year covers this.")
        last = suggestions.timeline(s, actor=people["trainer"], suggestion_id=sid)[-1]
        assert (last.to_status, last.reason, last.by_username) == (
            "declined", "The MES upgrade next year covers this.", "lars")
    move(db, lars, sid, "under_review")  # a declined idea can be reopened


def test_a_reopened_suggestion_no_longer_shows_its_decline_reason(db, people):
    lena, lars = people["learner"], people["leader"]
    sid = submit(db, lena)
    move(db, lars, sid, "declined", "The MES upgrade next year covers this.")
    move(db, lars, sid, "under_review")
    with db.read() as s:
        d = suggestions.detail(s, actor=lena, suggestion_id=sid)
        assert (d.status, d.response) == ("under_review", None)
        line = suggestions.timeline(s, actor=lena, suggestion_id=sid)
        assert [(e.to_status, e.reason) for e in line[-2:]] == [
            ("declined", "The MES upgrade next year covers this."), ("under_review", None)]
    move(db, lars, sid, "declined", "Still covered by the MES upgrade.")
    move(db, lars, sid, "under_review", "The upgrade slipped a year: we look again.")
    assert get(db, sid).response == "The upgrade slipped a year: we look again."
    move(db, lars, sid, "planned")  # a response given on reopening stays
    assert get(db, sid).response == "The upgrade slipped a year: we look again."


def test_implemented_pays_the_author_and_tells_author_and_followers(db, people):
    lena, lars, mei = people["learner"], people["leader"], people["trainer2"]
    sid = submit(db, lena)
    with db.write() as s:
        suggestions.follow(s, actor=mei, suggestion_id=sid)
    for to in ("under_review", "planned", "in_progress"):
        move(db, lars, sid, to)
    move(db, lars, sid, "implemented", "Live on all lines since Monday.")
    with db.read() as s:
        assert points.total(s, user_id=lena.id) == 3 + points.POINTS["suggestion.implemented"]
        assert s.get(BadgeAward, (lena.id, "idea_maker", "bronze")) is not None
        texts = s.scalars(select(Notification.text).where(
            Notification.kind == "suggestion_status",
            Notification.user_id.in_((lena.id, mei.id)))).all()
        assert sum("is now implemented" in t for t in texts) == 2
        assert not s.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == lars.id))


def test_leaders_do_not_decide_on_their_own_suggestions(db, people):
    lars = people["leader"]
    sid = submit(db, lars)
    with pytest.raises(PermissionDenied, match="another leader"):
        move(db, lars, sid, "under_review")
    move(db, people["admin"], sid, "under_review")


def test_respond_without_a_status_change_goes_on_the_timeline(db, people):
    lena, lars = people["learner"], people["leader"]
    sid = submit(db, lena)
    with db.write() as s:
        suggestions.respond(s, actor=lars, suggestion_id=sid,
                            response="Thanks: we look at this in the March review.")
    with db.read() as s:
        last = suggestions.timeline(s, actor=lena, suggestion_id=sid)[-1]
        assert (last.from_status, last.to_status) == ("new", "new")
        assert get(db, sid).response.startswith("Thanks")


# --- duplicates -------------------------------------------------------------------------------


def test_merge_moves_votes_without_counting_anyone_twice(db, people):
    lena, tomas, lars = people["learner"], people["trainer"], people["leader"]
    original = submit(db, tomas, title="Electronic checklist for line clearance",
                      description="Replace the paper line clearance form with a tablet app.")
    dup = submit(db, lena)
    a, b, c, d = crowd(db, 4)
    for v in (a, b, c, tomas):  # tomas, the original's author, voted for the duplicate
        vote(db, v, dup)
    for v in (b, d):  # b voted for both
        vote(db, v, original)
    with db.write() as s:
        suggestions.follow(s, actor=c, suggestion_id=dup)
    with db.read() as s:
        lena_before = points.total(s, user_id=lena.id)
    with db.write() as s:
        result = suggestions.merge_duplicate(s, actor=lars, suggestion_id=dup,
                                             original_id=original)
    assert (result.moved, result.dropped, result.original_votes) == (2, 2, 4)
    assert voters(db, original) == {a.id, b.id, c.id, d.id}  # b once, tomas not at all
    assert voters(db, dup) == set()
    o, du = get(db, original), get(db, dup)
    assert (o.vote_count, du.vote_count) == (4, 0)
    assert (du.status, du.duplicate_of_id) == ("duplicate", original)
    with db.read() as s:
        # Points follow the votes: the dropped ones are taken back from the duplicate's author.
        assert points.total(s, user_id=lena.id) == lena_before - 2 * 2
        assert s.get(Follow, (c.id, "suggestion", original)) is not None
        d_detail = suggestions.detail(s, actor=c, suggestion_id=dup)
        assert d_detail.duplicate_of == (original, "Electronic checklist for line clearance")
        assert suggestions.detail(s, actor=c, suggestion_id=original).merged_here == [
            (dup, "Digital line clearance checklist")]
        assert suggestions.timeline(s, actor=c, suggestion_id=dup)[-1].to_status == "duplicate"
    with pytest.raises(Conflict):
        vote(db, a, dup, on=True)


def test_merge_refuses_itself_a_cycle_and_decided_suggestions(db, people):
    lena, tomas, lars = people["learner"], people["trainer"], people["leader"]
    a = submit(db, lena)
    b = submit(db, tomas, title="Electronic checklist for line clearance",
               description="Replace the paper line clearance form with a tablet app.")
    with pytest.raises(ValidationError), db.write() as s:
        suggestions.merge_duplicate(s, actor=lars, suggestion_id=a, original_id=a)
    with db.write() as s:
        suggestions.merge_duplicate(s, actor=lars, suggestion_id=a, original_id=b)
    with pytest.raises((ValidationError, Conflict)), db.write() as s:
        suggestions.merge_duplicate(s, actor=lars, suggestion_id=b, original_id=a)
    c = submit(db, people["trainer2"], title="Paperless line clearance please",
               description="Paper forms get lost; a tablet form would not.")
    for to in ("under_review", "planned"):
        move(db, lars, c, to)
    with pytest.raises(Conflict), db.write() as s:
        suggestions.merge_duplicate(s, actor=lars, suggestion_id=c, original_id=b)


def test_a_bad_merge_note_is_named_as_the_note(db, people):
    a = submit(db, people["learner"])
    b = submit(db, people["trainer"], title="Electronic checklist for line clearance",
               description="Replace the paper line clearance form with a tablet app.")
    with pytest.raises(ValidationError) as e, db.write() as s:
        suggestions.merge_duplicate(s, actor=people["leader"], suggestion_id=a, original_id=b,
                                    note="x")
    assert (e.value.field, e.value.message) == ("note", "The note needs at least 2 characters.")
    with db.read() as s:
        assert s.get(Suggestion, a).status == "new"


def test_merging_into_a_duplicate_follows_the_chain(db, people):
    lena, tomas, mei, lars = (people[k] for k in ("learner", "trainer", "trainer2", "leader"))
    root = submit(db, tomas, title="Electronic checklist for line clearance",
                  description="Replace the paper line clearance form with a tablet app.")
    mid = submit(db, lena)
    leaf = submit(db, mei, title="Paperless line clearance please",
                  description="Paper forms get lost; a tablet form would not.")
    with db.write() as s:
        suggestions.merge_duplicate(s, actor=lars, suggestion_id=mid, original_id=root)
    with db.write() as s:
        result = suggestions.merge_duplicate(s, actor=lars, suggestion_id=leaf, original_id=mid)
    assert result.original_id == root


# --- waiting and prioritising -----------------------------------------------------------------


def test_leaders_see_the_longest_waiting_first(db, people):
    lena, lars = people["learner"], people["leader"]
    a = submit(db, lena)
    b = submit(db, lena, title="Quality idea about deviations",
               description="Trend deviations weekly, not only at the annual review.")
    c = submit(db, lena, title="Warehouse idea about pallets",
               description="Scan pallets at the door to save walking.")
    with db.write() as s:
        s.get(Suggestion, a).status_changed_at = NOW - timedelta(days=3)
        s.get(Suggestion, b).status_changed_at = NOW - timedelta(days=30)
    move(db, lars, c, "under_review")
    move(db, lars, c, "planned")  # decided: no longer waiting
    with db.read() as s:
        rows = suggestions.waiting(s, actor=lars, now=NOW)
    assert [(r.id, r.days) for r in rows] == [(b, 30), (a, 3)]


def test_priorities_follow_the_weights_and_export(db, people):
    lena, lars = people["learner"], people["leader"]
    popular = submit(db, lena)
    valuable = submit(db, lena, title="Quality idea about deviations",
                      description="Trend deviations weekly, not only at the annual review.")
    for v in crowd(db, 3):
        vote(db, v, popular)
    with db.write() as s:
        suggestions.set_scores(s, actor=lars, suggestion_id=popular, benefit_score=1,
                               effort_score=5)
        suggestions.set_scores(s, actor=lars, suggestion_id=valuable, benefit_score=5,
                               effort_score=1)
    with db.read() as s:
        by_votes = suggestions.priorities(s, actor=lars, weights=Weights(10, 0, 0))
        by_value = suggestions.priorities(s, actor=lars, weights=Weights(0, 5, 5))
        rows = list(suggestions.priority_export(s, actor=lars, weights=Weights(10, 0, 0)))
    assert [(p.id, p.score) for p in by_votes] == [(popular, 100.0), (valuable, 0.0)]
    assert [(p.id, p.score) for p in by_value] == [(valuable, 100.0), (popular, 0.0)]
    assert [r["id"] for r in rows] == [popular, valuable]
    assert rows[0]["benefit (1-5)"] == 1 and rows[0]["weights (votes/benefit/effort)"] == "10/0/0"
    with db.read() as s:
        page1 = suggestions.priorities(s, actor=lars, limit=1)
        page2 = suggestions.priorities(s, actor=lars, after=page1[0].cursor, limit=5)
    assert {page1[0].id, *(p.id for p in page2)} == {popular, valuable}


@pytest.mark.parametrize(("benefit", "effort"), [(0, 3), (6, 3), (3, 0), (3, 9)])
def test_scores_go_from_one_to_five(db, people, benefit, effort):
    sid = submit(db, people["learner"])
    with pytest.raises(ValidationError), db.write() as s:
        suggestions.set_scores(s, actor=people["leader"], suggestion_id=sid,
                               benefit_score=benefit, effort_score=effort)


@pytest.mark.parametrize("weights", [Weights(0, 0, 0), Weights(11, 1, 1), Weights(-1, 2, 2)])
def test_weights_are_checked(db, people, weights):
    with pytest.raises(ValidationError), db.read() as s:
        suggestions.priorities(s, actor=people["leader"], weights=weights)


# --- who may do what --------------------------------------------------------------------------

DECISIONS = {
    "change_status": lambda s, a, sid: suggestions.change_status(
        s, actor=a, suggestion_id=sid, to_status="under_review"),
    "respond": lambda s, a, sid: suggestions.respond(
        s, actor=a, suggestion_id=sid, response="We will look at this soon."),
    "merge_duplicate": lambda s, a, sid: suggestions.merge_duplicate(
        s, actor=a, suggestion_id=sid, original_id=sid + 1),
    "set_scores": lambda s, a, sid: suggestions.set_scores(
        s, actor=a, suggestion_id=sid, benefit_score=3, effort_score=3),
    "waiting": lambda s, a, sid: suggestions.waiting(s, actor=a),
    "priorities": lambda s, a, sid: suggestions.priorities(s, actor=a),
    "priority_export": lambda s, a, sid: list(suggestions.priority_export(s, actor=a)),
}


@pytest.mark.parametrize("role", ["learner", "trainer"])
@pytest.mark.parametrize("action", list(DECISIONS))
def test_deciding_not_enough_permissions(db, people, role, action):
    sid = submit(db, people["trainer2"])
    submit(db, people["admin"], title="Electronic checklist for line clearance",
           description="Replace the paper line clearance form with a tablet app.")
    with pytest.raises(PermissionDenied), db.write() as s:
        DECISIONS[action](s, people[role], sid)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SuggestionStatusChange)) == 2


def test_signed_out_or_roleless_cannot_submit_or_vote(db, people):
    nobody = Actor(id=people["learner"].id, username="lena", roles=frozenset())
    with pytest.raises(PermissionDenied):
        submit(db, nobody)
    sid = submit(db, people["trainer"])
    with pytest.raises(PermissionDenied):
        vote(db, nobody, sid)


def test_hidden_suggestions_are_not_found_by_others(db, people):
    lena = people["learner"]
    sid = submit(db, lena)
    with db.write() as s:
        s.get(Suggestion, sid).visibility = "hidden"
    with pytest.raises(NotFound), db.read() as s:
        suggestions.detail(s, actor=people["trainer"], suggestion_id=sid)
    with db.read() as s:
        assert suggestions.detail(s, actor=lena, suggestion_id=sid).id == sid
        assert suggestions.listing(s, actor=people["trainer"]) == []


def test_badges_and_levels_module_is_consistent():
    assert {b.key for b in gamification.BADGES} >= {"answerer", "idea_maker", "co_author"}
