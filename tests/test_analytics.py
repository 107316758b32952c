"""Engagement and network analytics against a small organisation whose numbers are worked out by
hand (in the comments), on SQLite and PostgreSQL; small-group suppression; leaders only."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, literal, select, union_all

from db import analytics, content, qa, summaries
from db.actors import Actor
from db.analytics import Filters, suppress_small_groups
from db.errors import PermissionDenied
from db.models import (
    ActivityEvent,
    Answer,
    Comment,
    Course,
    Lesson,
    LessonProgress,
    LessonRevision,
    Proposal,
    Question,
    RevisionContributor,
    Site,
    Suggestion,
    SuggestionStatusChange,
    User,
    utcnow,
)

MARCH = Filters(date(2026, 3, 1), date(2026, 3, 31))


def at(day: str, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in 2026, e.g. at("03-02", 9) is 2 March 2026 09:00."""
    month, dom = (int(x) for x in day.split("-"))
    return datetime(2026, month, dom, hour, minute)


def build_org(db) -> dict[str, int]:
    """Three sites, ten people, a month of activity. Returns name -> id (people, sites)."""
    ids: dict[str, int] = {}
    with db.write() as s:
        for name, region in (("Alpha", "Europe"), ("Beta", "Asia Pacific"),
                             ("Gamma", "North America")):
            site = Site(name=name, region=region, country="-")
            s.add(site)
            s.flush()
            ids[name] = site.id
        people = [(f"a{i}", "Alpha", "Quality") for i in range(1, 7)] + [
            ("b1", "Beta", "R&D"), ("b2", "Beta", "R&D"), ("t", "Beta", "Quality"),
            ("g1", "Gamma", "Supply Chain")]
        for username, site, function in people:
            u = User(username=username, name=f"Person {username}", password_hash="x",
                     site_id=ids[site], function=function)
            s.add(u)
            s.flush()
            ids[username] = u.id
        p = ids

        def event(user, kind, etype, when):
            s.add(ActivityEvent(user_id=p[user], kind=kind, entity_type=etype, entity_id=1,
                                created_at=when))

        event("a1", "view", "lesson", at("03-02", 10))
        event("a1", "post", "question", at("03-03", 9))
        event("a2", "view", "question", at("03-02", 11))
        event("a2", "view", "lesson", at("03-10", 12))
        event("a3", "post", "answer", at("03-10", 13))
        event("a3", "post", "answer", at("02-10", 9))  # February: before the range
        event("b1", "view", "lesson", at("04-01", 9))  # April: after the range
        event("b2", "post", "answer", at("03-02", 12))

        def question(author, when, title):
            q = Question(title=title, body="?", author_id=p[author], created_at=when,
                         last_activity_at=when)
            s.add(q)
            s.flush()
            return q

        def answer(q, author, when, status="visible"):
            a = Answer(question_id=q.id, body="!", author_id=p[author], created_at=when,
                       status=status)
            s.add(a)
            s.flush()
            return a

        q1 = question("a1", at("03-02", 9), "q1")
        x1 = answer(q1, "a3", at("03-02", 11))  # 2 h, accepted
        answer(q1, "b2", at("03-02", 12))
        x1.is_accepted, q1.accepted_answer_id = True, x1.id
        q2 = question("a2", at("03-03", 9), "q2")
        x3 = answer(q2, "a3", at("03-04", 9))  # 24 h
        q3 = question("a2", at("03-05", 9), "q3")
        answer(q3, "a1", at("03-05", 10))  # 1 h
        q4 = question("a1", at("03-06", 9), "q4")
        answer(q4, "a2", at("03-06", 9, 30), status="hidden")  # q4 counts as unanswered
        question("g1", at("04-02", 9), "q5")  # April
        s.flush()
        qa.recount_answers(s)  # answers written straight in: bring the kept counts along
        s.add(Comment(entity_type="question", entity_id=q1.id, author_id=p["a2"], body="c",
                      created_at=at("03-02", 13)))
        s.add(Comment(entity_type="answer", entity_id=x3.id, author_id=p["g1"], body="c",
                      created_at=at("03-20", 8)))

        course = Course(title="GMP", created_by=p["t"])
        s.add(course)
        s.flush()
        lessons = [Lesson(course_id=course.id, position=i) for i in (1, 2)]
        s.add_all(lessons)
        s.flush()
        r1 = LessonRevision(lesson_id=lessons[0].id, number=1, title="L1", body="b",
                            state="approved", author_id=p["t"], content_hash="h1",
                            created_at=at("03-01", 8))
        r2 = LessonRevision(lesson_id=lessons[1].id, number=1, title="L2", body="b",
                            state="approved", author_id=p["t"], content_hash="h2",
                            created_at=at("02-01", 8))
        s.add_all([r1, r2])
        s.flush()
        s.add_all([RevisionContributor(revision_id=r1.id, user_id=p["a1"]),
                   RevisionContributor(revision_id=r1.id, user_id=p["a2"])])
        lessons[0].published_revision_id, lessons[1].published_revision_id = r1.id, r2.id
        for who, status, day in (("a1", "accepted", "03-04"), ("a2", "accepted", "03-05"),
                                 ("a3", "rejected", "03-06"), ("b1", "pending", "03-07"),
                                 ("a1", "pending", "04-05")):
            s.add(Proposal(lesson_id=lessons[0].id, base_revision_id=r1.id, proposer_id=p[who],
                           body="b", summary="s", status=status, created_at=at(day, 9)))

        def progress(user, lesson, completed=None, updated=None):
            s.add(LessonProgress(user_id=p[user], lesson_id=lessons[lesson].id,
                                 completed_at=completed, updated_at=updated or completed))

        progress("a1", 0, at("03-05"))
        progress("a1", 1, at("03-06"))
        progress("a2", 0, at("03-05"))
        progress("a2", 1, at("03-20"))
        progress("a3", 0, at("02-01"))  # finished lesson 1 before March ...
        progress("a3", 1, at("03-10"))  # ... and lesson 2 in March: done
        progress("a4", 0, at("03-05"))
        progress("a4", 1, at("04-02"))  # lesson 2 only after March: not done by then
        progress("a5", 0, updated=at("03-07"))  # started, not finished
        progress("a6", 0, at("02-01"))  # nothing in March: not counted
        progress("b1", 0, at("03-03"))
        progress("b1", 1, at("03-04"))
        progress("b2", 0, updated=at("03-03"))

        def suggestion(title, site, when, status, steps, first=True):
            sg = Suggestion(title=title, description="d", category="Quality", author_id=p["a1"],
                            site_id=ids[site], status=status, created_at=when,
                            status_changed_at=when)
            s.add(sg)
            s.flush()
            if first:
                s.add(SuggestionStatusChange(suggestion_id=sg.id, from_status=None,
                                             to_status="new", changed_by=p["t"],
                                             changed_at=when))
            for before, after, day in steps:
                s.add(SuggestionStatusChange(suggestion_id=sg.id, from_status=before,
                                             to_status=after, changed_by=p["t"],
                                             changed_at=at(day)))

        suggestion("s1", "Alpha", at("03-01"), "implemented", [
            ("new", "under_review", "03-03"), ("under_review", "planned", "03-08"),
            ("planned", "implemented", "03-18")])
        # No opening "new" record: time in "new" then counts from the suggestion's creation.
        suggestion("s2", "Alpha", at("03-02"), "declined", [
            ("new", "under_review", "03-06"), ("under_review", "declined", "03-07")],
            first=False)
        suggestion("s3", "Alpha", at("03-05"), "new", [], first=False)
        suggestion("s4", "Beta", at("03-10"), "new", [])
    with db.write() as s:
        summaries.refresh(s)  # as an analytics page does when it finds new activity
        summaries.rebuild_course_progress(s)  # the progress above was written straight in
    return ids


@pytest.fixture
def org(db):
    return build_org(db)


@pytest.fixture
def no_suppression(monkeypatch):
    """Show every group, to check the raw numbers of tiny groups."""
    monkeypatch.setattr(analytics, "MIN_GROUP", 1)


def call(db, fn, actor, filters=MARCH, **kw):
    with db.read() as s:
        return fn(s, actor=actor, filters=filters, **kw)


# --- helpers ------------------------------------------------------------------------------------

def test_period_buckets_weeks_from_monday_on_both_engines(db):
    with db.read() as s:
        days = [datetime(2026, 3, 8, 23, 59), datetime(2026, 3, 9, 0, 0),
                datetime(2026, 3, 15, 12, 0), datetime(2026, 2, 28, 5, 0)]
        rows = union_all(*[select(literal(d).label("d")) for d in days]).subquery()
        got = [tuple(r) for r in s.execute(select(
            analytics.period(s, "day", rows.c.d), analytics.period(s, "week", rows.c.d),
            analytics.period(s, "month", rows.c.d)))]
    assert got == [("2026-03-08", "2026-03-02", "2026-03-01"),
                   ("2026-03-09", "2026-03-09", "2026-03-01"),
                   ("2026-03-15", "2026-03-09", "2026-03-01"),
                   ("2026-02-28", "2026-02-23", "2026-02-01")]


def test_nearest_rank_percentiles_in_sql(db):
    with db.read() as s:
        values = union_all(*[select(literal(g).label("g"), literal(v).label("v"))
                             for g, v in [("a", v) for v in range(10, 0, -1)]
                             + [("b", 7), ("b", 3)]]).subquery()
        got = {r["g"]: r for r in analytics.percentiles(s, values, "v", ["g"])}
        overall = analytics.percentiles(s, values, "v", [])
    # a: 1..10 -> rank ceil(0.5*10)=5 -> 5, rank ceil(0.9*10)=9 -> 9. b: 3, 7 -> 3 and 7.
    assert (got["a"]["n"], got["a"]["p50"], got["a"]["p90"]) == (10, 5, 9)
    assert (got["b"]["n"], got["b"]["p50"], got["b"]["p90"]) == (2, 3, 7)
    # all twelve: 1,2,3,3,4,5,6,7,7,8,9,10 -> ranks 6 and 11 -> 5 and 9
    assert (overall[0]["n"], overall[0]["p50"], overall[0]["p90"]) == (12, 5, 9)


# --- small-group suppression ----------------------------------------------------------------

def test_suppress_drops_groups_under_five_people():
    df = pd.DataFrame({"site": ["A", "B", "C"], "people": [5, 4, 12], "posts": [1, 2, 3]})
    out = suppress_small_groups(df)
    assert list(out["site"]) == ["A", "C"]


def test_suppress_merges_small_groups_when_asked():
    df = pd.DataFrame({"site": ["A", "B", "C", "D"], "people": [7, 3, 2, 1],
                       "posts": [10, 4, 5, 6]})
    out = suppress_small_groups(df, merge={"site": "Other sites"}, sums=["posts"])
    assert out.to_dict("records") == [
        {"site": "A", "people": 7, "posts": 10},
        {"site": "Other sites", "people": 6, "posts": 15},
    ]


def test_suppress_drops_a_merged_group_that_is_still_too_small():
    df = pd.DataFrame({"site": ["A", "B", "C"], "people": [9, 2, 2], "posts": [1, 1, 1]})
    out = suppress_small_groups(df, merge={"site": "Other sites"}, sums=["posts"])
    assert list(out["site"]) == ["A"]


def test_suppress_keeps_an_empty_frame_empty():
    df = pd.DataFrame({"site": [], "people": []})
    assert suppress_small_groups(df).empty


# --- engagement -------------------------------------------------------------------------------

def test_active_people_per_day_week_and_month(db, people, org):
    df = call(db, analytics.active_people, people["leader"])
    got = {(g, p.date().isoformat()): n for g, p, n in
           zip(df["grain"], df["period"], df["people"], strict=True)}
    # 2 Mar: a1, a2, b2. 3 Mar: a1. 10 Mar: a2, a3. b1 (April) and a3's February post: out.
    assert got == {("day", "2026-03-02"): 3, ("day", "2026-03-03"): 1,
                   ("day", "2026-03-10"): 2, ("week", "2026-03-02"): 3,
                   ("week", "2026-03-09"): 2, ("month", "2026-03-01"): 4}
    assert not df["partial"].any()  # March 2026 holds both weeks and the month whole


def test_active_people_marks_partial_periods(db, people, org):
    df = call(db, analytics.active_people, people["leader"],
              Filters(date(2026, 3, 3), date(2026, 3, 10)))
    partial = {(g, p.date().isoformat()): x for g, p, x in
               zip(df["grain"], df["period"], df["partial"], strict=True)}
    assert partial[("week", "2026-03-02")] and partial[("week", "2026-03-09")]
    assert partial[("month", "2026-03-01")] and not partial[("day", "2026-03-03")]


def test_activity_summary_and_site_filter(db, people, org):
    assert call(db, analytics.activity_summary, people["leader"]) == {
        "active": 4, "contributors": 3}  # a1, a3, b2 posted; a2 only viewed
    beta = Filters(MARCH.start, MARCH.end, (org["Beta"],))
    assert call(db, analytics.activity_summary, people["leader"], beta) == {
        "active": 1, "contributors": 1}  # b2 (b1 was active in April)


def test_contributor_mix(db, people, org):
    df = call(db, analytics.contributor_mix, people["leader"])
    got = dict(zip(df["group"], df["people"], strict=True))
    # a1 and b2 posted for the first time in March; a3 had posted in February; a2 only read.
    assert got == {"New contributors": 2, "Returning contributors": 1, "Readers only": 1}


def test_posts_by_kind_per_week(db, people, org):
    df = call(db, analytics.posts_by_kind, people["leader"])
    got = {(w.date().isoformat(), k): n for w, k, n in
           zip(df["week"], df["kind"], df["posts"], strict=True)}
    assert got == {("2026-03-02", "Questions"): 1, ("2026-03-02", "Answers"): 1,
                   ("2026-03-09", "Answers"): 1}


def test_participation_hides_groups_under_five(db, people, org):
    df = call(db, analytics.participation, people["leader"])
    # Only Alpha x Quality has 5+ people (six): a1, a2, a3 active; a1 and a3 posted once each.
    assert df.drop(columns="region").to_dict("records") == [{
        "site": "Alpha", "function": "Quality", "people": 6, "active": 3, "contributors": 2,
        "posts": 2, "share_active": 0.5, "share_contributing": 0.333,
        "posts_per_person": 0.33}]


def test_participation_small_groups_when_shown(db, people, org, no_suppression):
    df = call(db, analytics.participation, people["leader"])
    got = {(r["site"], r["function"]): (r["people"], r["active"]) for r in df.to_dict("records")}
    assert got == {("Alpha", "Quality"): (6, 3), ("Beta", "R&D"): (2, 1),
                   ("Beta", "Quality"): (1, 0), ("Gamma", "Supply Chain"): (1, 0)}


def test_answer_times_and_outcomes(db, people, org):
    df = call(db, analytics.answer_times, people["leader"])
    month, whole = df.iloc[0], df.iloc[1]
    assert month["month"] == pd.Timestamp("2026-03-01") and pd.isna(whole["month"])
    for row in (month, whole):
        # q1 2 h (accepted), q2 24 h, q3 1 h, q4 only a hidden answer: unanswered.
        assert (row["questions"], row["answered"], row["accepted"], row["unanswered"]) == (
            4, 3, 1, 1)
        # sorted 1, 2, 24: median rank ceil(1.5)=2 -> 2 h; 90th rank ceil(2.7)=3 -> 24 h
        assert (row["median_hours"], row["p90_hours"]) == (2.0, 24.0)


def test_answer_times_empty_for_a_site_without_questions(db, people, org):
    beta = Filters(MARCH.start, MARCH.end, (org["Beta"],))
    assert call(db, analytics.answer_times, people["leader"], beta).empty


def test_co_creation(db, people, org):
    props, authors = call(db, analytics.co_creation, people["leader"])
    assert dict(zip(props["status"], props["proposals"], strict=True)) == {
        "accepted": 2, "pending": 1, "rejected": 1}  # the April proposal is out
    # Lesson 1 in March: t wrote it with a1 and a2. Lesson 2's revision is from February.
    assert authors.to_dict("records") == [{"coauthors": 3, "lessons": 1}]
    alpha = Filters(MARCH.start, MARCH.end, (org["Alpha"],))
    _props, authors = call(db, analytics.co_creation, people["leader"], alpha)
    assert authors.to_dict("records") == [{"coauthors": 2, "lessons": 1}]


def test_course_completion(db, people, org):
    df = call(db, analytics.course_completion, people["leader"])
    # Alpha: a1-a5 worked on GMP in March (a6 did not); a1, a2, a3 had both lessons done by
    # its end (a4 finished lesson 2 in April). Beta's two learners are hidden.
    assert df.to_dict("records") == [{"course": "GMP", "site": "Alpha", "people": 5,
                                      "completed": 3, "completion_rate": 0.6}]


def test_course_completion_small_group_when_shown(db, people, org, no_suppression):
    df = call(db, analytics.course_completion, people["leader"])
    beta = df[df["site"] == "Beta"].iloc[0]
    assert (beta["people"], beta["completed"]) == (2, 1)


def _completion_by_hand(db, f: Filters) -> dict[tuple[str, str], tuple[int, int]]:
    """Course completion counted from every lesson's progress, in pandas: (course, site) ->
    (people who worked on it in the range, of whom finished every published lesson by then)."""
    with db.read() as s:
        rows = s.execute(select(Course.title, Site.name, LessonProgress.user_id,
                                LessonProgress.lesson_id, LessonProgress.completed_at,
                                LessonProgress.updated_at)
                         .join(Lesson, Lesson.id == LessonProgress.lesson_id)
                         .join(Course, Course.id == Lesson.course_id)
                         .join(User, User.id == LessonProgress.user_id)
                         .join(Site, Site.id == User.site_id)
                         .where(Lesson.published_revision_id.is_not(None))).all()
        n = dict(s.execute(select(Course.title, func.count()).join(Lesson)
                           .where(Lesson.published_revision_id.is_not(None))
                           .group_by(Course.title)).all())
    inside = lambda t: t is not None and f.since <= t < f.until  # noqa: E731
    per: dict[tuple, list] = {}
    for course, site, user, _lesson, completed, updated in rows:
        done, touched = per.setdefault((course, site, user), [0, False])
        per[course, site, user] = [done + (completed is not None and completed < f.until),
                                   touched or inside(completed) or inside(updated)]
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for (course, site, _user), (done, touched) in per.items():
        if touched:
            people, finished = out.get((course, site), (0, 0))
            out[course, site] = (people + 1, finished + (done >= n[course]))
    return out


LESSON_OPS = st.lists(st.tuples(st.sampled_from(["a1", "a2", "a5", "a6", "b1", "g1"]),
                                st.integers(0, 1),
                                st.sampled_from(["complete", "undo", "rate", "like", "relevant"])),
                      min_size=1, max_size=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=LESSON_OPS, days=st.sampled_from([0, 30, 400]))
# Taking back a completion never made once wrote a progress row that counted as work.
@example(ops=[("a6", 1, "undo")], days=30)
def test_course_completion_up_to_today_follows_every_lesson_change(db, people, org,
                                                                   no_suppression, ops, days):
    """A range that ends today reads the rows kept per learner and course; whatever learners
    complete, take back, rate, like or answer, they agree with counting every lesson."""
    with db.read() as s:
        lesson_ids = s.scalars(select(Lesson.id).order_by(Lesson.position)).all()
    for who, lesson, op in ops:
        learner = Actor(id=org[who], username=who, name=who, roles=frozenset({"learner"}))
        with db.write() as s:
            if op in ("complete", "undo"):
                content.mark_complete(s, actor=learner, lesson_id=lesson_ids[lesson],
                                      done=op == "complete")
            elif op == "rate":
                content.rate(s, actor=learner, lesson_id=lesson_ids[lesson], stars=4)
            elif op == "like":
                content.like(s, actor=learner, lesson_id=lesson_ids[lesson], liked=True)
            else:
                content.answer_relevance(s, actor=learner, lesson_id=lesson_ids[lesson],
                                         relevant=True)
    today = utcnow().date()  # the day the app counts as today
    f = Filters(today - timedelta(days=days), today)
    df = call(db, analytics.course_completion, people["leader"], f)
    got = {(r["course"], r["site"]): (r["people"], r["completed"])
           for r in df.to_dict("records")}
    assert got == _completion_by_hand(db, f)


def test_suggestion_funnel(db, people, org):
    df = call(db, analytics.suggestion_funnel, people["leader"])
    assert dict(zip(df["stage"], df["suggestions"], strict=True)) == {
        "Submitted": 4, "Reviewed": 2, "Planned or started": 1, "Implemented": 1}
    assert list(df["share_of_submitted"]) == [1.0, 0.5, 0.25, 0.25]
    alpha = Filters(MARCH.start, MARCH.end, (org["Alpha"],))
    df = call(db, analytics.suggestion_funnel, people["leader"], alpha)
    assert list(df["suggestions"]) == [3, 2, 1, 1]


def test_time_in_status(db, people, org):
    df = call(db, analytics.time_in_status, people["leader"]).set_index("status")
    # new: s1 2 days, s2 4 days (from creation). under review: s1 5, s2 1. planned: s1 10.
    assert df.loc["new"].to_dict() == {"moved_on": 2, "median_days": 2.0, "p90_days": 4.0,
                                       "waiting_now": 2}
    assert df.loc["under review"].to_dict() == {"moved_on": 2, "median_days": 1.0,
                                                "p90_days": 5.0, "waiting_now": 0}
    assert df.loc["planned"].to_dict() == {"moved_on": 1, "median_days": 10.0,
                                           "p90_days": 10.0, "waiting_now": 0}
    assert df.loc["in progress", "moved_on"] == 0
    assert pd.isna(df.loc["in progress", "median_days"])


def test_top_contributors(db, people, org):
    df = call(db, analytics.top_contributors, people["leader"])
    got = {r["name"]: (r["Questions"], r["Answers"], r["Accepted answers"], r["total"])
           for r in df.to_dict("records")}
    assert got == {"Person a1": (1, 0, 0, 1), "Person a3": (0, 1, 1, 1),
                   "Person b2": (0, 1, 0, 1)}


# --- who helps whom -----------------------------------------------------------------------------
# Acts of help in March (helper -> helped): a3->a1 3 (answer + accepted), b2->a1 1, a3->a2 1,
# a1->a2 2 (answer + co-writing), a2->a1 2 (comment + co-writing), g1->a3 1 (comment),
# t<->a1 and t<->a2 1 each way (co-writing lesson 1). a2's hidden answer does not count.

def test_help_matrix_by_site(db, people, org, no_suppression):
    df = call(db, analytics.help_matrix, people["leader"], by="site")
    got = {(h, r): (a, n, m) for h, r, a, n, m in df.itertuples(index=False)}
    # (acts, helpers, people helped): Alpha->Beta is a1 and a2 helping t alone.
    assert got == {("Alpha", "Alpha"): (8, 3, 2), ("Alpha", "Beta"): (2, 2, 1),
                   ("Beta", "Alpha"): (3, 2, 2), ("Gamma", "Alpha"): (1, 1, 1)}


def test_help_pairs_are_the_same_when_too_large_to_pack(db, people, org, monkeypatch):
    # Help days and period totals are added up as packed integers; with acts beyond what the
    # packing holds (a3 gave a1 3 acts on one day) they are read and added up unpacked, and
    # the pairs must not change: for March (a whole month, from help_periods) and for most of
    # it (loose days, from help_days).
    loose = Filters(date(2026, 3, 2), date(2026, 3, 30))
    packed = {f: call(db, analytics.help_pairs, people["leader"], f) for f in (MARCH, loose)}
    assert all((org["a3"], org["a1"], 3) in found for found in packed.values())
    analytics.forget_shared()
    monkeypatch.setattr(analytics, "_ACTS", 2)
    for f, found in packed.items():
        assert call(db, analytics.help_pairs, people["leader"], f) == found


def test_help_matrix_hides_cells_with_few_helpers(db, people, org):
    assert call(db, analytics.help_matrix, people["leader"], by="site").empty


def test_help_matrix_hides_a_cell_that_helped_only_a_few(db, people, org, monkeypatch):
    """Alpha -> Beta has two helpers but one person helped (t): at a group size of 2 the
    helpers may show, the one person helped may not."""
    monkeypatch.setattr(analytics, "MIN_GROUP", 2)
    df = call(db, analytics.help_matrix, people["leader"], by="site")
    assert set(zip(df["helper_group"], df["helped_group"], strict=True)) == {
        ("Alpha", "Alpha"), ("Beta", "Alpha")}


def test_help_matrix_by_function(db, people, org, no_suppression):
    df = call(db, analytics.help_matrix, people["leader"], by="function")
    got = {(h, r): a for h, r, a, _n, _m in df.itertuples(index=False)}
    assert got == {("Quality", "Quality"): 12, ("R&D", "Quality"): 1,
                   ("Supply Chain", "Quality"): 1}


def test_help_matrix_site_filter_keeps_help_to_and_from_the_site(db, people, org,
                                                                 no_suppression):
    gamma = Filters(MARCH.start, MARCH.end, (org["Gamma"],))
    df = call(db, analytics.help_matrix, people["leader"], gamma, by="site")
    assert df.to_dict("records") == [{"helper_group": "Gamma", "helped_group": "Alpha",
                                      "acts": 1, "people": 1, "people_helped": 1}]


def test_never_exchanging(db, people, org):
    assert call(db, analytics.never_exchanging, people["leader"], by="site") == [
        ("Beta", "Gamma")]
    pairs = call(db, analytics.never_exchanging, people["leader"], by="function")
    assert len(pairs) == 13  # 15 pairs of six functions, less Quality-R&D, Quality-Supply
    assert ("R&D", "Supply Chain") in pairs and ("R&D", "Quality") not in pairs
    assert ("Supply Chain", "Quality") not in pairs


def test_help_network_bridges(db, people, org):
    net = call(db, analytics.help_network, people["leader"])
    # Undirected: a1-a3, a1-b2, a1-a2, a1-t, a2-a3, a2-t, a3-g1. Of the 15 pairs, paths run
    # through a1 for 5 (a2-b2, a3-b2, b2-g1, b2-t, half of a3-t and g1-t), a3 for 4, a2 for 1;
    # normalised by the 10 pairs without the node: 0.5, 0.4, 0.1.
    top = net.bridges.head(3)
    assert list(top["name"]) == ["Person a1", "Person a3", "Person a2"]
    assert list(top["bridging"]) == [0.5, 0.4, 0.1]
    a1 = net.bridges.iloc[0]
    assert (a1["helped"], a1["sites_helped"], a1["functions_helped"]) == (2, 1, 0)
    g1 = net.bridges.set_index("name").loc["Person g1"]
    assert (g1["helped"], g1["sites_helped"], g1["functions_helped"]) == (1, 1, 1)
    assert (net.helpers, net.connected) == (6, 6)
    assert call(db, analytics.helpers, people["leader"]) == 6  # the page's KPI, without layout
    assert len(net.nodes) == 6 and net.nodes[["x", "y"]].notna().all().all()
    acts = {frozenset((a, b)): n for a, b, n in
            zip(net.links["source"], net.links["target"], net.links["acts"], strict=True)}
    assert acts[frozenset((org["a1"], org["a2"]))] == 4  # both ways added up
    assert acts[frozenset((org["a1"], org["a3"]))] == 3
    assert len(net.links) == 7


def test_help_network_draws_only_the_most_connected(db, people, org):
    with db.read() as s:
        net = analytics.help_network(s, actor=people["leader"], filters=MARCH, max_people=3,
                                     max_links=2)
    assert len(net.nodes) == 3 and len(net.links) == 2
    assert len(net.bridges) == 6  # bridges are ranked over everyone


def test_help_network_empty(db, people):
    net = call(db, analytics.help_network, people["leader"])
    assert net.nodes.empty and net.links.empty and net.bridges.empty


def test_site_network_from_the_matrix():
    matrix = pd.DataFrame({"helper_group": ["Alpha", "Alpha", "Beta", "Gamma"],
                           "helped_group": ["Alpha", "Beta", "Alpha", "Alpha"],
                           "acts": [8, 2, 3, 1], "people": [3, 2, 2, 1]})
    nodes, links = analytics.site_network(matrix)
    assert nodes[["site", "given", "received", "within"]].to_dict("records") == [
        {"site": "Alpha", "given": 2, "received": 4, "within": 8},
        {"site": "Beta", "given": 3, "received": 2, "within": 0},
        {"site": "Gamma", "given": 1, "received": 0, "within": 0}]
    assert links[["site_a", "site_b", "acts", "a_to_b", "b_to_a"]].to_dict("records") == [
        {"site_a": "Alpha", "site_b": "Beta", "acts": 5, "a_to_b": 2, "b_to_a": 3},
        {"site_a": "Alpha", "site_b": "Gamma", "acts": 1, "a_to_b": 0, "b_to_a": 1}]


def test_data_version_changes_with_writes(db, people, org):
    from db import audit

    with db.read() as s:
        before = analytics.data_version(s)
    with db.write() as s:
        s.add(ActivityEvent(user_id=org["a1"], kind="view", entity_type="lesson", entity_id=1))
    with db.read() as s:
        middle = analytics.data_version(s)
    with db.write() as s:
        audit.record(s, actor=people["leader"], action="test.done", entity_type="test")
    with db.read() as s:
        after = analytics.data_version(s)
    assert len({before, middle, after}) == 3


# --- only leaders and admins ------------------------------------------------------------------

SERVICES = [analytics.active_people, analytics.activity_summary, analytics.contributor_mix,
            analytics.posts_by_kind, analytics.participation, analytics.answer_times,
            analytics.co_creation, analytics.course_completion, analytics.suggestion_funnel,
            analytics.time_in_status, analytics.top_contributors, analytics.help_matrix,
            analytics.never_exchanging, analytics.help_network, analytics.help_pairs,
            analytics.helpers]


@pytest.mark.parametrize("fn", SERVICES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("role", ["learner", "trainer", "trainer2"])
def test_analytics_not_enough_permissions(db, people, fn, role):
    with pytest.raises(PermissionDenied), db.read() as s:
        fn(s, actor=people[role], filters=MARCH)


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_leaders_and_admins_may_read_analytics(db, people, role):
    assert call(db, analytics.activity_summary, people[role]) == {"active": 0,
                                                                   "contributors": 0}


def test_bridging_on_a_large_network_is_sampled_and_still_finds_the_bridges():
    # Two hubs of 700 people each, joined only through one go-between: past EXACT_UP_TO, so
    # betweenness comes from a sample of sources, yet the go-between and the hubs lead, close
    # to their exact scores (each hub lies on every path out of its star).
    import numpy as np

    n = 1403  # 0: go-between, 1 and 2: hubs, then 700 people around each hub
    a = [0, 0] + [1] * 700 + [2] * 700
    b = [1, 2] + list(range(3, 703)) + list(range(703, 1403))
    assert n > analytics.EXACT_UP_TO
    got = analytics._bridging(n, np.array(a), np.array(b))
    top3 = sorted(range(n), key=lambda i: -got[i])[:3]
    assert set(top3) == {0, 1, 2}
    exact_hub = (700 * 702 + 700 * 699 / 2) / ((n - 1) * (n - 2) / 2)
    assert abs(got[1] - exact_hub) < 0.1 and abs(got[2] - exact_hub) < 0.1
    assert all(0.0 <= v <= 1.0 for v in got) and max(got[3:]) == 0.0


def test_shared_frames_are_bounded_per_kind(db, people):
    analytics.forget_shared()
    leader = people["leader"]
    for day in range(1, 13):  # twelve ranges: more than either kind keeps
        f = Filters(date(2026, 3, day), date(2026, 3, 31))
        call(db, analytics.helpers, leader, filters=f)
        call(db, analytics.activity_summary, leader, filters=f)
    kinds = [key[0] for key in analytics._KEPT]
    assert kinds.count("help") == analytics._KEEP["help"] == 8
    assert kinds.count("people_active") == 12  # under its bound of 16: all kept
    assert [key[2].start.day for key in analytics._KEPT if key[0] == "help"] == list(range(5, 13))


def test_integer_rows_reads_every_row_as_integers_on_both_engines(db, people, org):
    """The help pairs and per-person totals come through this (one text on SQLite)."""
    from db.models import User

    with db.read() as s:
        q = select(User.id, User.id * 2 - 1000).where(User.id > 0)
        expected = sorted(tuple(r) for r in s.execute(q))
        got = analytics.integer_rows(s, q, 2)
        assert got.dtype.kind == "i" and got.shape == (len(expected), 2)
        assert sorted(map(tuple, got.tolist())) == expected  # negative numbers too
        assert analytics.integer_rows(s, q.where(User.id < 0), 2).shape == (0, 2)
