"""Gamification rules: point values and caps, fair-play limits on upvotes, levels, badges at
their exact thresholds, leaderboards, profiles, and vote-ring detection and voiding."""

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db import gamification, points, suggestions
from db.actors import Actor
from db.errors import NotFound, PermissionDenied, ValidationError
from db.models import (
    AuditRecord,
    BadgeAward,
    Notification,
    PointEvent,
    PointTotal,
    Setting,
    Site,
    User,
    Vote,
    utcnow,
)
from tests.test_suggestions import crowd, submit, vote

NOW = datetime(2026, 3, 4, 12, 0)  # a Wednesday


# --- points -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "each", "cap"), [
    ("vote.received", 2, 40), ("comment.posted", 1, 10), ("suggestion.submitted", 3, 9)])
def test_daily_caps_stop_farming(db, people, action, each, cap):
    uid = people["learner"].id
    with db.write() as s:
        given = [points.award(s, user_id=uid, action=action, now=NOW) for _ in range(cap + 3)]
    assert sum(given) == cap and given[0] == each and given[-1] == 0
    with db.write() as s:  # a new UTC day starts a new allowance
        assert points.award(s, user_id=uid, action=action, now=NOW + timedelta(days=1)) == each


def test_the_last_award_under_a_cap_is_cut_to_what_is_left(db, people):
    uid = people["learner"].id
    with db.write() as s:  # an admin's value that does not divide the cap of 40
        s.add(Setting(key="points", value={"vote.received": 3}))
    with db.write() as s:
        given = [points.award(s, user_id=uid, action="vote.received", now=NOW)
                 for _ in range(15)]
    assert given == [3] * 13 + [1, 0]
    with db.read() as s:
        assert points.total(s, user_id=uid) == 40
        assert s.scalar(select(func.count()).select_from(PointEvent)
                        .where(PointEvent.user_id == uid)) == 14  # nothing written at the cap


def test_unknown_actions_and_mandatory_training_earn_nothing(db, people):
    uid = people["learner"].id
    with db.write() as s:
        assert points.award(s, user_id=uid, action="page.viewed") == 0
        assert points.award(s, user_id=uid, action="lesson.completed", mandatory=True) == 0
        assert points.total(s, user_id=uid) == 0


def test_upvotes_from_one_person_earn_points_only_up_to_the_pair_limit(db, people):
    lena, tomas = people["learner"], people["trainer"]
    with db.write() as s:  # more suggestions in an hour than the posting limit allows
        s.add(Setting(key="moderation", value={"suggestions_per_hour": 20}))
    ids = [submit(db, lena, title=f"Idea number {i} about the packaging line",
                  description=f"Idea {i}: label printers should check the batch number.")
           for i in range(7)]
    with db.read() as s:
        before = points.total(s, user_id=lena.id)
    for sid in ids:
        vote(db, tomas, sid)
    with db.read() as s:
        earned = s.scalars(select(PointEvent.points).where(
            PointEvent.user_id == lena.id, PointEvent.action == "vote.received")).all()
        assert points.total(s, user_id=lena.id) - before == 5 * 2
    assert len(earned) == points.FAIR_PLAY["pair_limit"]


def test_pair_limit_is_configurable(db, people):
    with db.write() as s:
        s.add(Setting(key="fair_play", value={"pair_limit": 1}))
    lena, tomas = people["learner"], people["trainer"]
    a = submit(db, lena)
    b = submit(db, lena, title="Second idea on line clearance",
               description="Print the clearance label from the MES, not by hand.")
    vote(db, tomas, a)
    vote(db, tomas, b)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(PointEvent).where(
            PointEvent.action == "vote.received")) == 1


def _vote_rows(s, voter, recipient, n, *, start=0, at=None, etype="question", points_too=True):
    """n upvotes voter -> recipient on made-up items, with the points they gave."""
    at = at or NOW - timedelta(days=1)
    for i in range(n):
        v = Vote(user_id=voter, entity_type=etype, entity_id=voter * 10_000 + recipient * 100
                 + start + i, recipient_id=recipient, value=1, created_at=at)
        s.add(v)
        s.flush()
        if points_too:
            s.add(PointEvent(user_id=recipient, action="vote.received", points=2,
                             entity_type="vote", entity_id=v.id, created_at=at))


def test_a_reciprocal_pair_earns_nothing_from_each_other(db, people):
    a, b = crowd(db, 2)
    with db.write() as s:
        _vote_rows(s, a.id, b.id, 3, points_too=False)
        _vote_rows(s, b.id, a.id, 3, points_too=False)
        v = Vote(user_id=a.id, entity_type="answer", entity_id=1, recipient_id=b.id, value=1,
                 created_at=NOW)
        s.add(v)
        s.flush()
        assert not points.vote_earns_points(s, vote_id=v.id, now=NOW)
        assert points.award(s, user_id=b.id, action="vote.received", entity_type="vote",
                            entity_id=v.id, now=NOW) == 0
    with db.write() as s:  # someone outside the pair still earns b points
        fair = User(username="fair", name="Fair Voter", password_hash="x")
        s.add(fair)
        s.flush()
        v = Vote(user_id=fair.id, entity_type="answer", entity_id=2, recipient_id=b.id,
                 value=1, created_at=NOW)
        s.add(v)
        s.flush()
        assert points.vote_earns_points(s, vote_id=v.id, now=NOW)


def _upvote_points(db, user_ids) -> int:
    with db.read() as s:
        return s.scalar(select(func.coalesce(func.sum(PointEvent.points), 0)).where(
            PointEvent.user_id.in_(user_ids), PointEvent.action == "vote.received",
            PointEvent.voided_at.is_(None)))


def test_a_small_group_voting_for_each_other_stops_earning_but_others_still_do(db, people):
    """The small-group rule: once voter and recipient have upvoted each other 3 times each
    way (ring_min_votes) in 30 days (pair_days), and at least half (ring_share) of the
    voter's upvotes went to at most 7 such partners, the upvote earns nothing."""
    with db.write() as s:
        s.add(Setting(key="moderation", value={"suggestions_per_hour": 20}))
    ring = crowd(db, 4, prefix="ring")
    ids = [r.id for r in ring]
    ideas = {r.id: [submit(db, r, title=f"Idea {k} of {r.username} for the packing line",
                           description=f"{r.username}, idea {k}: scan the carton labels.")
                    for k in range(4)] for r in ring}
    earned = []
    for k in range(4):  # each round, everyone upvotes one idea of each of the other three
        before = _upvote_points(db, ids)
        for voter in ring:
            for recipient in ring:
                if recipient is not voter:
                    vote(db, voter, ideas[recipient.id][k])
        earned.append(_upvote_points(db, ids) - before)
    # Rounds 1-2 earn in full (12 upvotes, 2 points each); in round 3 the links reach 3 each
    # way, and the later voters' upvotes, by then mostly to partners, stop earning; round 4
    # earns nothing. Without the rule: 96 points, all of them.
    assert earned == [24, 24, 18, 0]

    # Ordinary voting still earns. Ana upvotes nine colleagues, Ben last: Ben and she have
    # upvoted each other 3 times each before, but most of her upvotes go to others.
    team = crowd(db, 10, prefix="colleague")
    ana, ben, cleo = team[0], team[1], team[2]
    mine = {c.id: submit(db, c, title=f"Colleague {c.username} on shift handover",
                         description=f"{c.username}: hand over the shift with a checklist.")
            for c in team}
    with db.write() as s:
        _vote_rows(s, ana.id, ben.id, 3, at=utcnow() - timedelta(days=2), points_too=False)
        _vote_rows(s, ben.id, ana.id, 3, at=utcnow() - timedelta(days=2), points_too=False)
    for c in reversed(team[1:]):
        vote(db, ana, mine[c.id])
    vote(db, cleo, mine[ana.id])  # two colleagues upvoting each other once
    with db.read() as s:
        for c in team:
            assert s.scalar(select(func.sum(PointEvent.points)).where(
                PointEvent.user_id == c.id, PointEvent.action == "vote.received")) == 2, \
                c.username
    before = _upvote_points(db, ids)
    vote(db, cleo, ideas[ids[0]][0])  # an outsider upvoting a member of the group
    assert _upvote_points(db, ids) == before + 2


# --- levels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "number", "name", "to_next"), [
    (0, 1, "Newcomer", 50), (49, 1, "Newcomer", 1), (50, 2, "Contributor", 100),
    (149, 2, "Contributor", 1), (150, 3, "Collaborator", 250), (2500, 6, "Champion", 0),
    (10_000, 6, "Champion", 0)])
def test_levels_start_exactly_at_their_thresholds(total, number, name, to_next):
    level = gamification.level_for(total)
    assert (level.number, level.name, level.to_next) == (number, name, to_next)
    assert 0.0 <= level.progress <= 1.0


def test_level_progress_is_the_part_of_the_way_to_the_next():
    assert gamification.level_for(100).progress == pytest.approx(0.5)  # 50 -> 150


# --- badges -----------------------------------------------------------------------------------


def test_helpful_badge_comes_at_exactly_ten_upvotes_with_a_notice(db, people):
    uid = people["learner"].id
    with db.write() as s:
        for _ in range(9):
            points.award(s, user_id=uid, action="vote.received", now=NOW)
        assert s.get(BadgeAward, (uid, "helpful", "bronze")) is None
        points.award(s, user_id=uid, action="vote.received", now=NOW)
        assert s.get(BadgeAward, (uid, "helpful", "bronze")) is not None
        assert s.get(BadgeAward, (uid, "helpful", "silver")) is None
        texts = s.scalars(select(Notification.text).where(Notification.kind == "badge")).all()
        assert texts == ["You earned the bronze Helpful badge: Receive 10 upvotes."]
    with db.read() as s:
        new = gamification.unseen_badges(s, user_id=uid)
    assert [(b.badge, b.tier, b.name) for b in new] == [("helpful", "bronze", "Helpful")]
    with db.write() as s:
        assert gamification.mark_badges_seen(s, actor=people["learner"]) == 1
    with db.read() as s:
        assert gamification.unseen_badges(s, user_id=uid) == []


def test_idea_giver_silver_at_exactly_five_suggestions(db, people):
    lena = people["learner"]
    for i in range(5):
        submit(db, lena, title=f"Suggestion number {i} about the warehouse",
               description=f"Warehouse idea {i}: label the racks by product family.")
        with db.read() as s:
            tiers = set(s.scalars(select(BadgeAward.tier).where(
                BadgeAward.user_id == lena.id, BadgeAward.badge == "idea_giver")))
        assert tiers == ({"bronze", "silver"} if i == 4 else {"bronze"})


def test_badges_are_awarded_once_and_audited(db, people):
    uid = people["learner"].id
    with db.write() as s:
        for _ in range(12):
            points.award(s, user_id=uid, action="vote.received", now=NOW)
        assert gamification.check_badges(s, user_id=uid) == []  # nothing new the second time
        assert s.scalar(select(func.count()).select_from(BadgeAward)) == 1
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "badge.awarded")) == 1


def test_past_gold_the_badge_holds_and_the_profile_counts_everything(db, people):
    """A badge check counts only up to gold (250 upvotes); the profile counts them all."""
    uid = people["learner"].id
    with db.write() as s:
        for day in range(1, 260):  # one a day: the daily cap stays out of it
            points._add(s, user_id=uid, action="vote.received", entity_type=None,
                        entity_id=None, now=NOW - timedelta(days=day), overrides={})
        points.award(s, user_id=uid, action="vote.received", now=NOW)
        tiers = set(s.scalars(select(BadgeAward.tier).where(
            BadgeAward.user_id == uid, BadgeAward.badge == "helpful")))
        assert tiers == {"bronze", "silver", "gold"}
        assert gamification.check_badges(s, user_id=uid) == []
    with db.read() as s:
        p = gamification.profile(s, actor=people["learner"], username="lena")
    assert p.metrics["upvotes"] == 260
    helpful = next(b for b in p.badges if b.key == "helpful")
    assert (helpful.tier, helpful.next_tier) == ("gold", None)


def test_bridge_builder_counts_other_sites_helped(db, people):
    from db import qa

    with db.write() as s:
        sites = [Site(name=f"Site {i}", region="Europe", country="X") for i in range(4)]
        s.add_all(sites)
        s.flush()
        site_ids = [x.id for x in sites]
        s.get(User, people["trainer"].id).site_id = site_ids[0]
    askers = [crowd(db, 1, prefix=f"asker{i}x", site_id=site_ids[i])[0] for i in range(4)]
    for i, asker in enumerate(askers):
        with db.write() as s:
            qid = qa.ask(s, actor=asker, title=f"How do I file variation type {i} with EMA?",
                         body=f"Question {i} with enough words to be a real question body.",
                         tags=["variations"])
        with db.write() as s:
            qa.answer(s, actor=people["trainer"], question_id=qid,
                      body=f"Answer {i}: follow the variations guideline, section B.")
        with db.read() as s:
            earned = set(s.scalars(select(BadgeAward.tier).where(
                BadgeAward.user_id == people["trainer"].id,
                BadgeAward.badge == "bridge_builder")))
        # Asker 0 is at tomas's own site: helping there does not count.
        assert earned == ({"bronze", "silver"} if i == 3 else {"bronze"} if i else set())


# --- leaderboards -----------------------------------------------------------------------------


def _ledger(db, rows):
    with db.write() as s:
        for uid, pts, at in rows:
            s.add(PointEvent(user_id=uid, action="answer.posted", points=pts, created_at=at))


def test_leaderboard_orders_by_points_then_name_per_period(db, people):
    lena, tomas, mei, lars = (people[k].id for k in ("learner", "trainer", "trainer2", "leader"))
    viewer = people["learner"]
    monday = datetime(2026, 3, 2, 0, 0)
    _ledger(db, [
        (lena, 10, monday + timedelta(hours=1)),
        (tomas, 10, monday + timedelta(days=1)),  # tie with lena: by name, Lena first
        (mei, 30, monday - timedelta(days=1)),  # last week, this month
        (lars, 100, datetime(2026, 2, 10)),  # last month
        (lars, 5, NOW),
    ])
    with db.read() as s:
        def board(period, **kw):
            return [(r.rank, r.username, r.points) for r in gamification.leaderboard(
                s, actor=viewer, period=period, now=NOW, **kw)]

        assert board("week") == [(1, "lena", 10), (1, "tomas", 10), (3, "lars", 5)]
        assert board("month") == [(1, "mei", 30), (2, "lena", 10), (2, "tomas", 10),
                                  (4, "lars", 5)]
        assert board("all")[0] == (1, "lars", 105)
        assert gamification.standing(s, actor=viewer, user_id=lars, period="week",
                                     now=NOW) == (3, 5)
        assert gamification.standing(s, actor=viewer, user_id=people["admin"].id,
                                     period="week", now=NOW) == (None, 0)
        first = gamification.leaderboard(s, actor=viewer, period="month", now=NOW, limit=2)
        rest = gamification.leaderboard(s, actor=viewer, period="month", now=NOW,
                                        after=first[-1].cursor)
        assert [r.username for r in first + rest] == ["mei", "lena", "tomas", "lars"]
        with pytest.raises(ValidationError):
            gamification.leaderboard(s, actor=viewer, period="decade")


def test_leaderboard_by_site_and_function_leaves_out_voided_points(db, people):
    lena, tomas = people["learner"].id, people["trainer"].id
    viewer = people["trainer"]
    with db.write() as s:
        basel = Site(name="Basel", region="Europe", country="Switzerland")
        s.add(basel)
        s.flush()
        s.get(User, lena).site_id = basel.id
        s.get(User, lena).function = "Regulatory Affairs"
        s.get(User, tomas).function = "Quality"
        s.add(PointEvent(user_id=tomas, action="answer.posted", points=50, created_at=NOW,
                         voided_at=NOW, void_reason="test"))
        basel_id = basel.id
    _ledger(db, [(lena, 4, NOW), (tomas, 7, NOW)])
    with db.read() as s:
        assert [r.username for r in gamification.leaderboard(
            s, actor=viewer, period="week", site_id=basel_id, now=NOW)] == ["lena"]
        assert [(r.username, r.points) for r in gamification.leaderboard(
            s, actor=viewer, period="week", function="Quality", now=NOW)] == [("tomas", 7)]
        teams = gamification.team_totals(s, actor=viewer, period="week", by="site", now=NOW)
        assert [(t.name, t.people, t.points) for t in teams] == [("Basel", 1, 4)]
        functions = gamification.team_totals(s, actor=viewer, period="all", by="function",
                                             now=NOW)
        assert [(t.name, t.points) for t in functions] == [("Quality", 7),
                                                           ("Regulatory Affairs", 4)]


# --- totals kept per period (point_totals) ----------------------------------------------------

# Around a Monday that is also the end of a month and a year, to the microsecond.
EDGE = datetime(2026, 12, 28)
LEDGER_OPS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.integers(0, 2), st.integers(1, 30),
              st.integers(-9 * 24, 9 * 24), st.booleans()),
    st.tuples(st.sampled_from(["void", "restore", "delete"]), st.integers(0, 20)),
    st.tuples(st.just("move"), st.integers(0, 20), st.integers(-9 * 24, 9 * 24)),
    st.tuples(st.just("give"), st.integers(0, 20), st.integers(0, 2)),
), min_size=1, max_size=15)


def _when(hours: int) -> datetime:
    # A third of the points fall on the last microsecond of an hour, some just before a day.
    return EDGE + timedelta(hours=hours) - timedelta(microseconds=hours % 3 == 0)


def _totals_by_hand(s) -> dict[tuple[str, int], int]:
    sums: dict[tuple[str, int], int] = {}
    for uid, pts, at in s.execute(select(PointEvent.user_id, PointEvent.points,
                                         PointEvent.created_at)
                                  .where(PointEvent.voided_at.is_(None))):
        monday = (at - timedelta(days=at.weekday())).date()
        for key in ("all", f"month {at.date().replace(day=1)}", f"week {monday}"):
            sums[(key, uid)] = sums.get((key, uid), 0) + pts
    return {k: v for k, v in sums.items() if v}


def _kept_totals(s) -> dict[tuple[str, int], int]:
    return {(p, u): v for p, u, v in s.execute(
        select(PointTotal.period, PointTotal.user_id, PointTotal.points)) if v}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=LEDGER_OPS)
def test_point_totals_follow_every_change_to_the_ledger(db, people, ops):
    """Whatever is added, voided, restored, deleted, moved in time or given to someone else,
    the totals per week, month and all time equal the ledger's, and a recount agrees."""
    uids = [people[k].id for k in ("learner", "trainer", "leader")]
    for op in ops:
        with db.write() as s:
            events = s.scalars(select(PointEvent).order_by(PointEvent.id)).all()
            if op[0] == "add":
                _, who, pts, hours, voided = op
                s.add(PointEvent(user_id=uids[who], action="answer.posted", points=pts,
                                 created_at=_when(hours),
                                 voided_at=_when(hours) if voided else None))
                continue
            if not events:
                continue
            e = events[op[1] % len(events)]
            if op[0] == "void":
                e.voided_at = NOW
            elif op[0] == "restore":
                e.voided_at = None
            elif op[0] == "delete":
                s.delete(e)
            elif op[0] == "move":
                e.created_at = _when(op[2])
            else:
                e.user_id = uids[op[2]]
    with db.read() as s:
        expected = _totals_by_hand(s)
        assert _kept_totals(s) == expected
    with db.write() as s:
        points.recount_totals(s)
    with db.read() as s:
        assert _kept_totals(s) == expected


def test_boards_read_the_week_and_month_a_point_was_earned_in(db, people):
    lena = people["learner"].id
    sunday_night = EDGE - timedelta(microseconds=1)  # week 52, December
    _ledger(db, [(lena, 3, sunday_night), (lena, 5, EDGE)])  # Monday 28 December
    with db.read() as s:
        def mine(period, now):
            return gamification.standing(s, actor=people["learner"], user_id=lena,
                                         period=period, now=now)[1]

        assert mine("week", EDGE + timedelta(days=3)) == 5
        assert mine("week", sunday_night) == 3
        assert mine("month", datetime(2026, 12, 31, 23, 59)) == 8
        assert mine("month", datetime(2027, 1, 1)) == 0
        assert mine("all", datetime(2027, 1, 1)) == 8
        assert points.total(s, user_id=lena) == 8


def test_points_written_before_migration_0022_are_counted_by_it(db, people):
    from alembic import command

    from db import migrate

    lena = people["learner"].id
    db.dispose()  # the migration needs the database to itself
    command.downgrade(migrate.alembic_config(db.url), "0021")
    with db.write() as s:  # the ledger as it stood, written without the triggers
        s.execute(PointEvent.__table__.insert(), [
            {"user_id": lena, "action": "answer.posted", "points": pts, "created_at": at,
             "voided_at": voided}
            for pts, at, voided in ((5, NOW, None), (7, NOW - timedelta(days=40), None),
                                    (50, NOW, NOW))])
    migrate.upgrade(db.url)
    with db.read() as s:
        viewer = people["learner"]
        assert gamification.leaderboard(s, actor=viewer, period="all", now=NOW)[0].points == 12
        assert gamification.standing(s, actor=viewer, user_id=lena, period="month",
                                     now=NOW) == (1, 5)
    with db.write() as s:  # and the triggers keep it from then on
        points.award(s, user_id=lena, action="question.asked", now=NOW)
    with db.read() as s:
        assert points.total(s, user_id=lena) == 14


# --- profiles ---------------------------------------------------------------------------------


def test_profile_shows_level_badges_history_and_contributions(db, people):
    lena = people["learner"]
    sid = submit(db, lena)
    vote(db, people["trainer"], sid)
    with db.read() as s:
        p = gamification.profile(s, actor=people["trainer"], username="LENA")
        assert (p.username, p.total, p.level.name) == ("lena", 5, "Newcomer")
        assert p.metrics["suggestions"] == 1
        giver = next(b for b in p.badges if b.key == "idea_giver")
        assert (giver.tier, giver.next_tier, giver.next_need) == ("bronze", "silver", 5)
        assert not giver.new  # only its owner sees "new"
        assert gamification.profile(s, actor=lena, username="lena").earned[0].new
        history = gamification.points_history(s, actor=lena, user_id=lena.id)
        assert [h.label for h in history] == ["Upvote received", "Submitted a suggestion"]
        assert gamification.daily_points(s, user_id=lena.id)[-1][1] == 5
        with pytest.raises(NotFound):
            gamification.profile(s, actor=lena, username="nobody")


def test_voided_points_are_shown_only_to_their_owner_and_admins(db, people):
    lena = people["learner"]
    with db.write() as s:
        s.add(PointEvent(user_id=lena.id, action="vote.received", points=2, created_at=NOW,
                         voided_at=NOW, void_reason="Vote ring"))
    with db.read() as s:
        for viewer, n in ((lena, 1), (people["admin"], 1), (people["trainer"], 0)):
            assert len(gamification.points_history(s, actor=viewer, user_id=lena.id)) == n


# --- fair play --------------------------------------------------------------------------------


def _planted_rings(db, at=None):
    """A background of ordinary voting, a reciprocal pair and a group of four."""
    import random

    rng = random.Random(7)
    background = crowd(db, 30, prefix="bg")
    pair = crowd(db, 2, prefix="pair")
    group = crowd(db, 4, prefix="ring")
    with db.write() as s:
        ids = [p.id for p in background]
        for voter in ids:
            for k, recipient in enumerate(rng.sample([i for i in ids if i != voter], 12)):
                _vote_rows(s, voter, recipient, 1, start=k, points_too=False, at=at)
        # Ordinary people also like the ring members' posts now and then.
        for k, voter in enumerate(ids[:10]):
            _vote_rows(s, voter, group[k % 4].id, 1, start=90, at=at)
        _vote_rows(s, pair[0].id, pair[1].id, 8, at=at)
        _vote_rows(s, pair[1].id, pair[0].id, 6, at=at)
        _vote_rows(s, pair[0].id, ids[0], 1, start=70, at=at)  # one vote outside the pair
        for a in group:
            for b in group:
                if a is not b:
                    _vote_rows(s, a.id, b.id, 4, at=at)
    return background, pair, group


def test_ring_detection_finds_the_planted_pair_and_group(db, people):
    _, pair, group = _planted_rings(db)
    with db.read() as s:
        rings = gamification.suspected_rings(s, actor=people["admin"], now=NOW)
    found = {frozenset(r.member_ids): r for r in rings}
    assert set(found) == {frozenset(p.id for p in pair), frozenset(g.id for g in group)}
    g = found[frozenset(x.id for x in group)]
    assert (g.kind, g.votes_inside, g.points_at_stake, g.density) == ("group", 48, 96, 1.0)
    p = found[frozenset(x.id for x in pair)]
    assert p.kind == "pair" and p.votes_inside == 14 and p.share >= 0.5


def test_voiding_a_ring_voids_its_points_and_future_votes_inside_it(db, people):
    _, _, group = _planted_rings(db)
    ids = [g.id for g in group]
    with db.read() as s:
        before = {u: points.total(s, user_id=u) for u in ids}
    with pytest.raises(ValidationError) as e, db.write() as s:
        gamification.void_ring_points(s, actor=people["admin"], member_ids=ids, reason="x")
    assert e.value.field == "reason"
    with db.write() as s:
        result = gamification.void_ring_points(
            s, actor=people["admin"], member_ids=ids,
            reason="They upvote each other and almost nobody else.")
    assert (result.events, result.points) == (48, 96)
    with db.read() as s:
        after = {u: points.total(s, user_id=u) for u in ids}
        assert sum(before.values()) - sum(after.values()) == 96
        assert all(a > 0 for a in after.values())  # points from outsiders stay
        assert s.scalar(select(AuditRecord.action).order_by(AuditRecord.id.desc())) == \
            "fair_play.points_voided"
        assert s.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "fair_play")) == 4
        rings = gamification.suspected_rings(s, actor=people["admin"], now=NOW)
        assert next(r for r in rings if set(r.member_ids) == set(ids)).voided
        log = gamification.voided_ring_log(s, actor=people["admin"])
        assert log[0]["by"] == "ada"
    with db.write() as s:
        v = Vote(user_id=ids[0], entity_type="answer", entity_id=99_999, recipient_id=ids[1],
                 value=1, created_at=NOW)
        s.add(v)
        s.flush()
        assert not points.vote_earns_points(s, vote_id=v.id, now=NOW + timedelta(days=400))


@pytest.mark.parametrize("role", ["learner", "trainer", "leader"])
def test_fair_play_not_enough_permissions(db, people, role):
    a, b = crowd(db, 2)
    with pytest.raises(PermissionDenied), db.read() as s:
        gamification.suspected_rings(s, actor=people[role])
    with pytest.raises(PermissionDenied), db.write() as s:
        gamification.void_ring_points(s, actor=people[role], member_ids=[a.id, b.id],
                                      reason="They only vote for each other.")
    with pytest.raises(PermissionDenied), db.read() as s:
        gamification.voided_ring_log(s, actor=people[role])


def test_profile_needs_a_signed_in_role(db, people):
    nobody = Actor(id=None, username="x", roles=frozenset())
    with pytest.raises(PermissionDenied), db.read() as s:
        gamification.profile(s, actor=nobody, username="lena")


@pytest.mark.parametrize("who", ["signed_out", "no_role"])
def test_boards_not_enough_permissions(db, people, who):
    nobody = Actor(id=None if who == "signed_out" else people["learner"].id,
                   username="" if who == "signed_out" else "lena", roles=frozenset(
                       {"learner"} if who == "signed_out" else ()))
    with db.read() as s:
        for board in (lambda: gamification.leaderboard(s, actor=nobody),
                      lambda: gamification.standing(s, actor=nobody, user_id=1),
                      lambda: gamification.team_totals(s, actor=nobody)):
            with pytest.raises(PermissionDenied):
                board()


def test_suggestion_points_flow_through_the_ledger(db, people):
    """The journey in the issue, at service level: submit, votes, implemented."""
    lena, lars = people["learner"], people["leader"]
    sid = submit(db, lena)
    for v in crowd(db, 3):
        vote(db, v, sid)
    for to in ("under_review", "planned", "in_progress", "implemented"):
        with db.write() as s:
            suggestions.change_status(s, actor=lars, suggestion_id=sid, to_status=to)
    with db.read() as s:
        p = gamification.profile(s, actor=lena, username="lena")
    assert p.total == 3 + 3 * 2 + 25
    assert {(b.key, b.tier) for b in p.earned} == {("idea_giver", "bronze"),
                                                   ("idea_maker", "bronze")}

