"""Activity summaries (db.summaries): however the events arrive and whenever the refresh runs,
the engagement figures read from the summaries equal the same figures counted from the raw
events (a pandas reference); the range cover is exact; the engagement page folds new activity
in by itself."""

from __future__ import annotations

import itertools
import threading
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from components import analytics_widgets as aw
from db import analytics, summaries
from db.actors import Actor
from db.analytics import Filters
from db.models import ActivityEvent, Site, User, utcnow
from db.session import Database
from tests.conftest import ROOT, open_session

# A Monday; events fall on the 460 days from here, so ranges hold whole quarters and a year.
DAY0 = date(2025, 12, 29)
LAST_DAY = 459
LEADER = Actor(id=0, username="lead", name="Lead", roles=frozenset({"leader"}))
KINDS = [("view", "lesson"), ("vote", "question"), ("completion", "lesson"),
         *[("post", k) for k in summaries.KIND_COLUMNS]]


def _org(db: Database, people: int = 6) -> tuple[list[int], dict[int, int]]:
    """Two sites, `people` people alternating between them. Returns (ids, id -> site id)."""
    with db.write() as s:
        sites = [Site(name=n, region="Europe", country="-") for n in ("North", "South")]
        s.add_all(sites)
        s.flush()
        users = [User(username=f"p{i}", name=f"P {i}", password_hash="x",
                      site_id=sites[i % 2].id, function="Quality") for i in range(people)]
        s.add_all(users)
        s.flush()
        return [u.id for u in users], {u.id: u.site_id for u in users}


def _add(db: Database, events: list[tuple[int, int, int, int]], ids: list[int]) -> None:
    """(person index, kind index, day, hour) -> activity events."""
    with db.write() as s:
        for who, kind, day, hour in events:
            k, etype = KINDS[kind]
            s.add(ActivityEvent(user_id=ids[who], kind=k, entity_type=etype, entity_id=1,
                                created_at=datetime.combine(DAY0 + timedelta(days=day),
                                                            datetime.min.time())
                                + timedelta(hours=hour)))


def _refresh(db: Database, batch: int = summaries.BATCH) -> int:
    with db.write() as s:
        return summaries.refresh(s, batch=batch)


def _reference(events, ids, site_of, f: Filters) -> dict:
    """The figures counted straight from the events, in pandas."""
    rows = [(ids[w], *KINDS[k], DAY0 + timedelta(days=d)) for w, k, d, _h in events]
    df = pd.DataFrame(rows, columns=["user", "kind", "etype", "day"])
    df = df[(df["day"] >= f.start) & (df["day"] <= f.end)]
    if f.sites:
        df = df[df["user"].map(site_of).isin(f.sites)]
    posts = df[df["kind"] == "post"]
    week = df["day"].map(lambda d: (d - timedelta(days=d.weekday())).isoformat())
    month = df["day"].map(lambda d: d.replace(day=1).isoformat())
    active = {("day", d.isoformat()): n for d, n in df.groupby("day")["user"].nunique().items()}
    active |= {("week", w): n for w, n in df.groupby(week)["user"].nunique().items()}
    active |= {("month", m): n for m, n in df.groupby(month)["user"].nunique().items()}
    pweek = posts["day"].map(lambda d: (d - timedelta(days=d.weekday())).isoformat())
    by_kind = {(w, analytics.POST_KINDS[k]): n
               for (w, k), n in posts.groupby([pweek, "etype"]).size().items()}
    everyone = pd.DataFrame(rows, columns=["user", "kind", "etype", "day"])
    firsts = everyone[everyone["kind"] == "post"].groupby("user")["day"].min()
    mix = {}
    for m, group in df.groupby(month):
        people = group["user"].nunique()
        posted = group[group["kind"] == "post"]["user"].nunique()
        new = sum(1 for u, d in firsts.items() if f.start <= d <= f.end
                  and d.replace(day=1).isoformat() == m and (not f.sites or site_of[u] in f.sites))
        mix |= {(m, "New contributors"): new, (m, "Returning contributors"): posted - new,
                (m, "Readers only"): people - posted}
    return {"summary": {"active": df["user"].nunique(), "contributors": posts["user"].nunique()},
            "active": active, "posts": by_kind, "mix": {k: v for k, v in mix.items() if v},
            "top": dict(posts.groupby("user").size().items())}


def _figures(db: Database, f: Filters) -> dict:
    with db.read() as s:
        summary = analytics.activity_summary(s, actor=LEADER, filters=f)
        active = analytics.active_people(s, actor=LEADER, filters=f)
        posts = analytics.posts_by_kind(s, actor=LEADER, filters=f)
        top = analytics.top_contributors(s, actor=LEADER, filters=f, limit=100)
        mix = analytics.contributor_mix(s, actor=LEADER, filters=f)
        names = {u.name: u.id for u in s.query(User)}
    return {"summary": summary,
            "mix": {(m.date().isoformat(), g): n for m, g, n in
                    zip(mix["month"], mix["group"], mix["people"], strict=True)},
            "active": {(g, p.date().isoformat()): n for g, p, n in
                       zip(active["grain"], active["period"], active["people"], strict=True)},
            "posts": {(w.date().isoformat(), k): n for w, k, n in
                      zip(posts["week"], posts["kind"], posts["posts"], strict=True)},
            "top": {names[n]: t for n, t in zip(top["name"], top["total"], strict=True)}}


EVENTS = st.lists(st.tuples(st.integers(0, 5), st.integers(0, len(KINDS) - 1),
                            st.integers(0, LAST_DAY), st.integers(0, 23)), max_size=60)
# Posts by one person in March, June and the next January: read from a quarter, and a year.
SPREAD = [(0, 3, 70, 9), (0, 4, 160, 9), (1, 5, 370, 9), (0, 0, 3, 9)]


@pytest.fixture(scope="module")
def sqlite_org(tmp_path_factory, sqlite_template):
    """One SQLite database for the property test; each example empties the activity."""
    import shutil

    path = tmp_path_factory.mktemp("summaries") / "app.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    ids, site_of = _org(db)
    yield db, ids, site_of
    db.dispose()


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=EVENTS, later=EVENTS, start=st.integers(0, LAST_DAY),
       length=st.integers(0, LAST_DAY), site=st.sampled_from([None, 0, 1]),
       batch=st.sampled_from([1, 7, summaries.BATCH]))
@example(first=SPREAD, later=SPREAD[1:], start=3, length=LAST_DAY, site=None, batch=1)
@example(first=SPREAD[:2], later=SPREAD, start=0, length=200, site=None,
         batch=summaries.BATCH)
def test_summaries_equal_counting_the_raw_events(sqlite_org, first, later, start, length, site,
                                                 batch):
    db, ids, site_of = sqlite_org
    with db.write() as s:
        for table in ("activity_events", "activity_periods", "activity_counts", "first_posts",
                      "summary_state"):
            s.execute(text(f"DELETE FROM {table}"))
    analytics.forget_shared()  # emptied tables give ids, and data versions, already seen
    # Some events, a refresh, more events (some in periods already summarised), a refresh.
    _add(db, first, ids)
    _refresh(db, batch)
    _add(db, later, ids)
    _refresh(db, batch)
    sites = sorted(set(site_of.values()))
    f = Filters(DAY0 + timedelta(days=start),
                DAY0 + timedelta(days=min(start + length, LAST_DAY)),
                () if site is None else (sites[site],))
    want = _reference(first + later, ids, site_of, f)
    got = _figures(db, f)
    assert got["summary"] == want["summary"]
    assert got["posts"] == want["posts"]
    assert got["top"] == want["top"]
    assert got["mix"] == want["mix"]
    # Weeks and months cut by the range count only the days inside it, as the reference does.
    assert got["active"] == want["active"]


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2024, 1, 1), date(2027, 12, 31)), length=st.integers(0, 900))
def test_the_cover_holds_every_day_of_the_range_once(start, length):
    end = start + timedelta(days=length)
    months, weeks, days = summaries.cover(start, end)
    covered = []
    if months:
        m = date.fromisoformat(months[0])
        assert m.day == 1
        while m <= date.fromisoformat(months[1]):
            last = summaries.last_day("month", m)
            covered += [m + timedelta(days=i) for i in range((last - m).days + 1)]
            m = last + timedelta(days=1)
    for lo, hi in weeks:
        a, b = date.fromisoformat(lo), date.fromisoformat(hi)
        assert a.weekday() == b.weekday() == 0
        assert a.month == (b + timedelta(days=6)).month  # no week crosses a month's end
        covered += [a + timedelta(days=i) for i in range((b - a).days + 7)]
    for lo, hi in days:
        a, b = date.fromisoformat(lo), date.fromisoformat(hi)
        assert a.month == b.month and (b - a).days < 12  # no whole week left inside
        covered += [a + timedelta(days=i) for i in range((b - a).days + 1)]
    assert sorted(covered) == [start + timedelta(days=i) for i in range(length + 1)]
    assert len(days) <= 4


@settings(max_examples=300, deadline=None)
@given(start=st.dates(date(2024, 1, 1), date(2027, 12, 31)), length=st.integers(0, 1500),
       coarse=st.booleans())
@example(start=date(2024, 11, 24), length=729, coarse=True)
def test_the_spans_hold_every_day_once_in_whole_periods(start, length, coarse):
    end = start + timedelta(days=length)
    covered = []
    for grain, lo, hi in summaries.spans(start, end, coarse=coarse):
        assert coarse or grain not in summaries.COARSE
        for period in summaries.periods(grain, lo, hi):
            first = date.fromisoformat(period)
            assert summaries.first_day(grain, first) == first
            last = summaries.last_day(grain, first)
            covered += [first + timedelta(days=i) for i in range((last - first).days + 1)]
    assert sorted(covered) == [start + timedelta(days=i) for i in range(length + 1)]
    if coarse and length >= 729:  # two years: a year, quarters and a few months at most
        months = [s for s in summaries.spans(start, end) if s[0] == "month"]
        assert sum(len(summaries.periods("month", lo, hi)) for _, lo, hi in months) <= 4


def test_quarters_and_years_start_and_end_where_the_calendar_says():
    assert summaries.first_day("qtr", date(2026, 5, 17)) == date(2026, 4, 1)
    assert summaries.last_day("qtr", date(2026, 5, 17)) == date(2026, 6, 30)
    assert summaries.last_day("qtr", date(2026, 12, 1)) == date(2026, 12, 31)
    assert summaries.first_day("year", date(2026, 5, 17)) == date(2026, 1, 1)
    assert summaries.last_day("year", date(2026, 5, 17)) == date(2026, 12, 31)


def test_refresh_folds_only_new_events_and_says_how_many(db):
    ids, _site_of = _org(db)
    _add(db, [(0, 3, 1, 9), (1, 0, 1, 10)], ids)
    assert _refresh(db) == 2
    assert _refresh(db) == 0  # nothing new: nothing counted twice
    _add(db, [(0, 4, 1, 11)], ids)
    assert _refresh(db) == 1
    f = Filters(DAY0, DAY0 + timedelta(days=6))
    got = _figures(db, f)
    assert got["summary"] == {"active": 2, "contributors": 1}
    assert got["top"] == {ids[0]: 2}


def test_a_person_who_moves_site_keeps_their_past_activity_at_the_old_site(db):
    ids, site_of = _org(db)
    _add(db, [(0, 3, 1, 9)], ids)
    _refresh(db)
    with db.write() as s:
        s.get(User, ids[0]).site_id = site_of[ids[1]]
    _add(db, [(0, 3, 20, 9)], ids)
    _refresh(db)
    old, new = site_of[ids[0]], site_of[ids[1]]
    first_week = Filters(DAY0, DAY0 + timedelta(days=6), (old,))
    later_week = Filters(DAY0 + timedelta(days=14), DAY0 + timedelta(days=27), (new,))
    assert _figures(db, first_week)["summary"] == {"active": 1, "contributors": 1}
    assert _figures(db, later_week)["summary"] == {"active": 1, "contributors": 1}


def test_two_servers_refreshing_at_once_count_each_event_once(database_url):
    one, two = Database(database_url), Database(database_url)
    try:
        ids, _site_of = _org(one)
        _add(one, [(w, 3, d, 9) for w in range(6) for d in range(0, 60, 3)], ids)
        done = []
        start = threading.Barrier(2)

        def refresh(db: Database) -> None:
            start.wait()
            done.append(_refresh(db, batch=17))

        threads = [threading.Thread(target=refresh, args=(d,)) for d in (one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(done) == [0, 120]  # one did the work, the other found it done
        f = Filters(DAY0, DAY0 + timedelta(days=69))
        assert sum(_figures(one, f)["top"].values()) == 120
    finally:
        one.dispose()
        two.dispose()


def test_the_engagement_page_counts_activity_written_since_it_last_ran(db, people):
    ids, _site_of = _org(db)
    _add(db, [(0, 3, 1, 9)], ids)
    at = AppTest.from_file(str(ROOT / "pages" / "engagement.py"), default_timeout=60)
    at.session_state["auth_sid"] = open_session(db, "lars")
    at.query_params.update({"from": DAY0.isoformat(),
                            "to": (DAY0 + timedelta(days=27)).isoformat()})
    at.run()
    assert not at.exception
    active = next(m.value for m in at.metric if m.label == "People active")
    assert active == "1"
    _add(db, [(1, 4, 2, 9), (2, 0, 3, 9)], ids)  # two more people, nobody refreshed by hand
    aw.figures_changed()  # as a minute later
    at.run()
    assert next(m.value for m in at.metric if m.label == "People active") == "3"
    with db.read() as s:
        assert summaries.lag(s) == 0


# --- who helps whom (help_days) -----------------------------------------------------------------

HELP_OPS = st.lists(st.one_of(
    st.tuples(st.just("answer"), st.integers(0, 3), st.integers(0, 2), st.integers(0, 100)),
    st.tuples(st.just("comment"), st.integers(0, 3), st.integers(0, 9), st.integers(0, 100)),
    st.tuples(st.just("accept"), st.integers(0, 9)),
    st.tuples(st.just("unaccept"), st.integers(0, 9)),
    st.tuples(st.just("hide"), st.integers(0, 9)),
    st.tuples(st.just("refresh")),
), max_size=25)


def _help_reference(db: Database, f: Filters, people: set[int]) -> dict[tuple[int, int], int]:
    """Help pairs among `people` counted straight from the posts, in pandas: an answer 1 (3 if
    accepted), a comment 1, both only while visible, on the day the post was written."""
    with db.read() as s:
        answers = pd.DataFrame(s.execute(text(
            "SELECT a.author_id, q.author_id, a.is_accepted, a.status, a.created_at "
            "FROM answers a JOIN questions q ON q.id = a.question_id")).all(),
            columns=["helper", "helped", "accepted", "status", "at"])
        comments = pd.DataFrame(s.execute(text(
            "SELECT c.author_id, a.author_id, c.status, c.created_at FROM comments c "
            "JOIN answers a ON c.entity_type = 'answer' AND a.id = c.entity_id")).all(),
            columns=["helper", "helped", "status", "at"])
    answers["acts"] = 1 + 2 * answers["accepted"].astype(bool)
    comments["acts"] = 1
    both = pd.concat([answers, comments])
    both = both[(both["status"] == "visible") & (both["helper"] != both["helped"])
                & both["helper"].isin(people)]
    day = pd.to_datetime(both["at"]).dt.date
    both = both[(day >= f.start) & (day <= f.end)]
    return {(int(a), int(b)): int(n)
            for (a, b), n in both.groupby(["helper", "helped"])["acts"].sum().items()}


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=HELP_OPS, start=st.integers(0, 40), length=st.integers(0, 100))
# Changes to posts already summarised, always tried: accepted, accepted elsewhere, hidden.
# Days 3..95 are 1 January to 3 April 2026: the first quarter and its months are read from
# help_periods, kept up to date as posts change after they were summarised.
@example(ops=[("answer", 0, 0, 4), ("answer", 1, 1, 40), ("comment", 2, 0, 70), ("refresh",),
              ("accept", 1), ("answer", 2, 2, 95), ("refresh",), ("hide", 0),
              ("comment", 3, 1, 41)], start=3, length=92)
@example(ops=[("answer", 0, 0, 40), ("refresh",), ("answer", 1, 0, 41), ("unaccept", 0)],
         start=34, length=28)
@example(ops=[("answer", 0, 0, 3), ("refresh",), ("accept", 0)], start=0, length=20)
@example(ops=[("answer", 0, 0, 3), ("answer", 1, 0, 5), ("accept", 0), ("refresh",),
              ("accept", 1)], start=0, length=20)
@example(ops=[("answer", 0, 0, 3), ("comment", 1, 0, 4), ("refresh",), ("hide", 0)],
         start=3, length=0)
def test_help_summary_equals_the_help_in_the_posts(db, ops, start, length):
    # Posts written through the services, moved back to a chosen day (as the demo seed does);
    # acceptances and moderation after the fact; refreshes at any point in between. Each
    # example has people of its own, on SQLite and PostgreSQL alike.
    import contextlib

    from db import moderation, qa
    from db.errors import ServiceError
    from tests.conftest import add_person

    n = next(_EXAMPLES)
    askers = [add_person(db, f"asker{n}x{i}", "learner") for i in range(3)]
    helpers = [add_person(db, f"helper{n}x{i}", "learner") for i in range(4)]
    mod = add_person(db, f"moderator{n}", "leader")
    with db.write() as s:
        questions = [qa.ask(s, actor=a, title=f"How do we file variation {n}-{i} in time?",
                            body="We keep missing the window; what works at your site?",
                            tags=["variations"]) for i, a in enumerate(askers)]
    answers: list[tuple[int, int]] = []  # (answer id, question index)
    for k, op in zip(itertools.count(), ops):
        with contextlib.suppress(ServiceError), db.write() as s:  # refused: nothing stored
            kind = op[0]
            if kind == "answer":
                _, who, qi, day = op
                aid = qa.answer(s, actor=helpers[who], question_id=questions[qi],
                                body=f"At our site we file it with the cover letter ({n}-{k}).")
                answers.append((aid, qi))
                _backdate(s, "answers", aid, day)
            elif kind == "comment" and answers:
                _, who, ai, day = op
                cid = qa.comment(s, actor=helpers[who], entity_type="answer",
                                 entity_id=answers[ai % len(answers)][0],
                                 body=f"This worked for us too, thanks ({n}-{k}).")
                _backdate(s, "comments", cid, day)
            elif kind in ("accept", "unaccept") and answers:
                aid, qi = answers[op[1] % len(answers)]
                qa.accept(s, actor=askers[qi], answer_id=aid, accepted=kind == "accept")
            elif kind == "hide" and answers:
                moderation.decide(s, actor=mod, entity_type="answer",
                                  entity_id=answers[op[1] % len(answers)][0],
                                  decision="hide", reason="Off topic for this question")
            elif kind == "refresh":
                summaries.refresh(s)
    f = Filters(DAY0 + timedelta(days=start), DAY0 + timedelta(days=min(start + length, 100)))
    with db.read() as s:
        _version, behind = analytics.data_state(s)
    if behind:  # what an analytics page does when it opens
        _refresh(db)
    with db.read() as s:
        assert not analytics.data_state(s)[1]  # the refresh caught up
        mine = {p.id for p in helpers}
        got = {(a, b): acts for a, b, acts in analytics.help_pairs(s, actor=LEADER, filters=f)
               if a in mine}
    assert got == _help_reference(db, f, mine)


_EXAMPLES = itertools.count()


def test_a_database_just_migrated_builds_help_periods_at_its_first_refresh(db):
    # Migration 0019 creates help_periods empty; until a refresh fills it, a range of whole
    # months would read nothing there, so the summaries must count as behind.
    from db import qa
    from tests.conftest import add_person

    asker, helper = add_person(db, "migasker", "learner"), add_person(db, "mighelper", "learner")
    with db.write() as s:
        qid = qa.ask(s, actor=asker, title="Where is the stability protocol template?",
                     body="I need the current one for a variation due next month.",
                     tags=["variations"])
        _backdate(s, "questions", qid, 10)
        _backdate(s, "answers", qa.answer(s, actor=helper, question_id=qid,
                                          body="It is in the QA library, folder 12."), 12)
    _refresh(db)
    january = Filters(date(2026, 1, 1), date(2026, 1, 31))  # one whole month
    with db.write() as s:  # as after the migration: no periods, no mark
        s.execute(text("DELETE FROM help_periods"))
        s.execute(text("DELETE FROM summary_state WHERE name = 'help.periods'"))
    with db.read() as s:
        assert analytics.data_state(s)[1]  # behind: the page refreshes first
    _refresh(db)
    analytics.forget_shared()
    with db.read() as s:
        assert not analytics.data_state(s)[1]
        pairs = analytics.help_pairs(s, actor=LEADER, filters=january)
    assert (helper.id, asker.id, 1) in pairs


def _backdate(s, table: str, row_id: int, day: int) -> None:
    s.flush()
    s.execute(text(f"UPDATE {table} SET created_at = :at WHERE id = :id"),
              {"at": datetime.combine(DAY0 + timedelta(days=day), datetime.min.time())
               + timedelta(hours=10), "id": row_id})



def test_help_is_recounted_only_when_posts_or_their_standing_change(db, monkeypatch):
    """A refresh after sign-ins, views and votes recounts no day's help (the audit log moved
    on, the help did not); a new answer recounts its day, and today and yesterday."""
    from db import qa
    from tests.conftest import add_person

    asker, helper, voter = (add_person(db, n, "learner")
                            for n in ("recasker", "rechelper", "recvoter"))
    with db.write() as s:
        qid = qa.ask(s, actor=asker, title="Who signs the annual product quality review?",
                     body="Our QP left and nobody knows who signs the APQR now.",
                     tags=["quality"])
        _backdate(s, "answers", qa.answer(s, actor=helper, question_id=qid,
                                          body="The deputy QP, until a new one starts."), 20)
    _refresh(db)
    recounted: list[tuple[str, str] | None] = []
    insert_help = summaries._insert_help
    monkeypatch.setattr(summaries, "_insert_help",
                        lambda s, days: recounted.append(days) or insert_help(s, days))
    open_session(db, "recvoter")  # a sign-in
    with db.write() as s:
        qa.vote(s, actor=voter, entity_type="question", entity_id=qid, value=1)
        qa.record_view(s, actor=voter, question_id=qid)
    with db.read() as s:
        assert analytics.data_state(s)[1]  # behind: new activity events and audit records
    assert _refresh(db) > 0
    assert recounted == []
    with db.read() as s:
        assert not analytics.data_state(s)[1]  # caught up all the same

    with db.write() as s:
        _backdate(s, "answers", qa.answer(s, actor=voter, question_id=qid,
                                          body="Ours is signed by the site head of quality."), 30)
    _refresh(db)
    today = utcnow().date()
    days = {d for run in recounted for d in run}
    assert {(DAY0 + timedelta(days=30)).isoformat(), today.isoformat(),
            (today - timedelta(days=1)).isoformat()} <= days
    january = Filters(DAY0, DAY0 + timedelta(days=40))
    analytics.forget_shared()
    with db.read() as s:
        pairs = analytics.help_pairs(s, actor=LEADER, filters=january)
    assert {(helper.id, asker.id, 1), (voter.id, asker.id, 1)} <= set(pairs)
