"""The analytics floor: every aggregate the analytics pages show, the app's way against DuckDB's
on the raw rows (the budget: within 2x of DuckDB, or 50 ms).

The app reads summary tables kept up to date (db.summaries) where the raw rows are many;
DuckDB gets the raw rows, loaded into memory beforehand (loading is not timed), and computes
the same figures in one columnar query. Its semantics are the plain ones (a person's activity
counted wherever they are now, no small-group suppression): it is the floor, not a second
implementation to agree with.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd

from db import analytics, regulatory
from db.actors import Actor
from db.analytics import _PLANNED, _REVIEWED, POST_KINDS, Filters
from db.session import Database

# The raw rows DuckDB works on: name -> (SQL, date-time columns, yes/no columns). Events are
# the range's (two years: about 2M on medium), posts every post ever (first posts need them).
TABLES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "events": ("SELECT user_id, kind, entity_type, created_at FROM activity_events "
               "WHERE created_at >= :since", ("created_at",), ()),
    "posts": ("SELECT user_id, created_at FROM activity_events WHERE kind = 'post'",
              ("created_at",), ()),
    "users": ("SELECT id, site_id, function, is_active FROM users", (), ("is_active",)),
    "questions": ("SELECT id, author_id, created_at, status, accepted_answer_id FROM questions",
                  ("created_at",), ()),
    "answers": ("SELECT id, question_id, author_id, created_at, status, is_accepted "
                "FROM answers", ("created_at",), ("is_accepted",)),
    "comments": ("SELECT entity_type, entity_id, author_id, created_at, status FROM comments",
                 ("created_at",), ()),
    "suggestions": ("SELECT id, author_id, created_at, status, visibility, site_id "
                    "FROM suggestions", ("created_at",), ()),
    "changes": ("SELECT id, suggestion_id, from_status, to_status, changed_at "
                "FROM suggestion_status_changes", ("changed_at",), ()),
    "revisions": ("SELECT id, lesson_id, author_id, created_at FROM lesson_revisions",
                  ("created_at",), ()),
    "contributors": ("SELECT revision_id, user_id FROM revision_contributors", (), ()),
    "lessons": ("SELECT id, course_id, published_revision_id FROM lessons", (), ()),
    "progress": ("SELECT user_id, lesson_id, completed_at, updated_at FROM lesson_progress",
                 ("completed_at", "updated_at"), ()),
    "proposals": ("SELECT proposer_id, created_at, status FROM proposals", ("created_at",), ()),
    "submissions": ("SELECT agency, submission_type, site_id, submitted_on, decided_on, "
                    "target_on, outcome, question_rounds FROM submissions",
                    ("submitted_on", "decided_on", "target_on"), ()),
}


def _load(db: Database, since: datetime) -> dict[str, pd.DataFrame]:
    from sqlalchemy import text

    frames = {}
    with db.engine.connect() as c:
        for name, (sql, times, flags) in TABLES.items():
            result = c.execute(text(sql), {"since": since})
            df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
            for col in times:
                df[col] = pd.to_datetime(df[col], format="ISO8601")
            for col in flags:
                df[col] = df[col].astype(bool)
            frames[name] = df
    return frames


def _q(states: tuple[str, ...]) -> str:
    return ", ".join(f"'{s}'" for s in states)


def checks(f: Filters, leader: Actor) -> dict[str, tuple[Callable, list[str]]]:
    """name -> (the app's call on a session, DuckDB's statements on the raw rows)."""
    lo, hi = f"TIMESTAMP '{f.since}'", f"TIMESTAMP '{f.until}'"
    day_lo, day_hi = f"DATE '{f.start}'", f"DATE '{f.end}'"
    kinds = ", ".join(f"count(*) FILTER (entity_type = '{k}')" for k in POST_KINDS)
    answered = ("SELECT a.author_id AS helper, q.author_id AS helped, {w} AS acts "
                "FROM answers a JOIN questions q ON q.id = a.question_id "
                f"WHERE a.status = 'visible' AND a.created_at >= {lo} AND a.created_at < {hi}")
    commented = ("SELECT c.author_id, t.author_id, 1 FROM comments c JOIN {table} t "
                 "ON c.entity_type = '{kind}' AND c.entity_id = t.id "
                 f"WHERE c.status = 'visible' AND c.created_at >= {lo} AND c.created_at < {hi}")
    help_pairs = (
        "WITH w AS (SELECT id AS rid, date_trunc('day', created_at) AS day, author_id AS uid "
        f"FROM revisions WHERE created_at >= {lo} AND created_at < {hi} UNION ALL "
        "SELECT r.id, date_trunc('day', r.created_at), c.user_id FROM revisions r "
        f"JOIN contributors c ON c.revision_id = r.id WHERE r.created_at >= {lo} "
        f"AND r.created_at < {hi}), "
        "edges AS (" + " UNION ALL ".join([
            answered.format(w=1), answered.format(w=2) + " AND a.is_accepted",
            commented.format(table="questions", kind="question"),
            commented.format(table="answers", kind="answer"),
            commented.format(table="suggestions", kind="suggestion"),
            "SELECT helper, helped, 1 FROM (SELECT DISTINCT w1.day, w1.uid AS helper, "
            "w2.uid AS helped FROM w w1 JOIN w w2 ON w2.rid = w1.rid AND w2.uid <> w1.uid)",
        ]) + ") SELECT helper, helped, sum(acts) AS acts FROM edges WHERE helper <> helped "
        "GROUP BY ALL")
    def call(aggregate: Callable, **options) -> Callable:
        return lambda s: aggregate(s, actor=leader, filters=f, **options)

    posts_per_person = ("SELECT user_id, count(*) FILTER (kind = 'post') AS posts "
                        "FROM events GROUP BY user_id")
    return {
        "active_people (day, week, month)": (
            call(analytics.active_people),
            ["SELECT g, date_trunc(g, created_at) AS p, count(DISTINCT user_id) FROM events, "
             "(VALUES ('day'), ('week'), ('month')) t(g) GROUP BY ALL"]),
        "activity_summary": (
            call(analytics.activity_summary),
            ["SELECT count(DISTINCT user_id), count(DISTINCT user_id) FILTER (kind = 'post') "
             "FROM events"]),
        "contributor_mix": (
            call(analytics.contributor_mix),
            ["WITH m AS (SELECT date_trunc('month', created_at) AS month, user_id, "
             "max(CASE WHEN kind = 'post' THEN 1 ELSE 0 END) AS posted FROM events "
             "GROUP BY ALL), first AS (SELECT user_id, date_trunc('month', min(created_at)) "
             "AS month FROM posts GROUP BY user_id) SELECT m.month, count(*), sum(posted), "
             "count(first.user_id) FROM m LEFT JOIN first USING (user_id, month) "
             "GROUP BY m.month"]),
        "posts_by_kind": (
            call(analytics.posts_by_kind),
            ["SELECT date_trunc('week', created_at), entity_type, count(*) FROM events "
             "WHERE kind = 'post' GROUP BY ALL"]),
        "participation": (
            call(analytics.participation),
            ["SELECT u.site_id, u.function, count(*), count(p.user_id), "
             "count(*) FILTER (p.posts > 0), coalesce(sum(p.posts), 0) FROM users u "
             f"LEFT JOIN ({posts_per_person}) p ON p.user_id = u.id WHERE u.is_active "
             "AND u.site_id IS NOT NULL AND u.function IS NOT NULL GROUP BY ALL"]),
        "answer_times": (
            call(analytics.answer_times),
            ["WITH fa AS (SELECT question_id, min(created_at) AS first FROM answers "
             "WHERE status = 'visible' GROUP BY 1), t AS (SELECT date_trunc('month', "
             "q.created_at) AS month, epoch(fa.first - q.created_at) / 3600.0 AS hours, "
             "q.accepted_answer_id FROM questions q LEFT JOIN fa ON fa.question_id = q.id "
             f"WHERE q.status = 'visible' AND q.created_at >= {lo} AND q.created_at < {hi}) "
             "SELECT month, count(*), count(hours), count(accepted_answer_id), "
             "quantile_disc(hours, 0.5), quantile_disc(hours, 0.9) FROM t "
             "GROUP BY ROLLUP (month)"]),
        "co_creation": (
            call(analytics.co_creation),
            ["SELECT date_trunc('month', created_at), status, count(*) FROM proposals "
             f"WHERE created_at >= {lo} AND created_at < {hi} GROUP BY ALL",
             "WITH w AS (SELECT lesson_id, author_id AS uid FROM revisions "
             f"WHERE created_at >= {lo} AND created_at < {hi} UNION ALL "
             "SELECT r.lesson_id, c.user_id FROM revisions r JOIN contributors c "
             f"ON c.revision_id = r.id WHERE r.created_at >= {lo} AND r.created_at < {hi}) "
             "SELECT n, count(*) FROM (SELECT lesson_id, count(DISTINCT uid) AS n FROM w "
             "GROUP BY 1) GROUP BY n"]),
        "course_completion": (
            call(analytics.course_completion),
            ["WITH n AS (SELECT course_id, count(*) AS n FROM lessons "
             "WHERE published_revision_id IS NOT NULL GROUP BY 1), "
             "per AS (SELECT l.course_id, p.user_id, "
             f"count(*) FILTER (p.completed_at < {hi}) AS done, "
             f"bool_or(p.updated_at >= {lo} AND p.updated_at < {hi} OR "
             f"p.completed_at >= {lo} AND p.completed_at < {hi}) AS touched "
             "FROM progress p JOIN lessons l ON l.id = p.lesson_id "
             "WHERE l.published_revision_id IS NOT NULL GROUP BY ALL) "
             "SELECT per.course_id, u.site_id, count(*), count(*) FILTER (done >= n.n) "
             "FROM per JOIN n USING (course_id) JOIN users u ON u.id = per.user_id "
             "WHERE touched GROUP BY ALL"]),
        "suggestion_funnel": (
            call(analytics.suggestion_funnel),
            ["SELECT count(*), sum(r), sum(p), sum(i) FROM (SELECT s.id, "
             f"max(s.status IN ({_q(_REVIEWED)}) OR c.to_status IN ({_q(_REVIEWED)}))::int r, "
             f"max(s.status IN ({_q(_PLANNED)}) OR c.to_status IN ({_q(_PLANNED)}))::int p, "
             "max(s.status = 'implemented' OR c.to_status = 'implemented')::int i "
             "FROM suggestions s LEFT JOIN changes c ON c.suggestion_id = s.id "
             f"WHERE s.created_at >= {lo} AND s.created_at < {hi} "
             "AND s.visibility <> 'deleted' GROUP BY s.id)"]),
        "time_in_status": (
            call(analytics.time_in_status),
            ["WITH st AS (SELECT c.from_status AS status, c.changed_at, coalesce(lag("
             "c.changed_at) OVER (PARTITION BY c.suggestion_id ORDER BY c.changed_at, c.id), "
             "s.created_at) AS entered FROM changes c JOIN suggestions s "
             f"ON s.id = c.suggestion_id WHERE s.created_at >= {lo} AND s.created_at < {hi} "
             "AND s.visibility <> 'deleted') SELECT status, count(*), "
             "quantile_cont(epoch(changed_at - entered) / 86400, 0.5), "
             "quantile_cont(epoch(changed_at - entered) / 86400, 0.9) FROM st "
             "WHERE status IS NOT NULL GROUP BY status",
             "SELECT status, count(*) FROM suggestions "
             f"WHERE created_at >= {lo} AND created_at < {hi} AND visibility <> 'deleted' "
             "GROUP BY status"]),
        "top_contributors": (
            call(analytics.top_contributors),
            [f"WITH p AS (SELECT user_id, count(*) AS total, {kinds} FROM events "
             "WHERE kind = 'post' GROUP BY user_id ORDER BY total DESC, user_id LIMIT 15) "
             "SELECT p.*, (SELECT count(*) FROM answers a WHERE a.author_id = p.user_id "
             f"AND a.is_accepted AND a.created_at >= {lo} AND a.created_at < {hi}) FROM p"]),
        "helpers (the help pairs)": (
            call(analytics.helpers),
            [f"SELECT count(DISTINCT helper) FROM ({help_pairs})"]),
        "help_matrix (site)": (
            call(analytics.help_matrix, by="site"),
            [f"WITH pairs AS ({help_pairs}) SELECT a.site_id, b.site_id, sum(p.acts), "
             "count(DISTINCT p.helper) FROM pairs p JOIN users a ON a.id = p.helper "
             "JOIN users b ON b.id = p.helped GROUP BY ALL"]),
        "monthly_throughput": (
            call(regulatory.monthly_throughput),
            ["SELECT date_trunc('month', submitted_on), agency, count(*) FROM submissions "
             f"WHERE submitted_on BETWEEN {day_lo} AND {day_hi} GROUP BY ALL",
             "SELECT date_trunc('month', decided_on), agency, count(*) FROM submissions "
             f"WHERE decided_on BETWEEN {day_lo} AND {day_hi} AND outcome = 'approved' "
             "GROUP BY ALL"]),
        "time_to_approval (grouped days)": (
            call(regulatory.time_to_approval, on=f.end),
            ["SELECT agency, submission_type, CASE WHEN decided_on <= "
             f"{day_hi} THEN decided_on ELSE {day_hi} END - submitted_on AS days, "
             f"CASE WHEN decided_on <= {day_hi} AND outcome = 'approved' THEN 'approved' "
             f"WHEN decided_on <= {day_hi} THEN 'closed' ELSE 'pending' END, count(*) "
             f"FROM submissions WHERE submitted_on BETWEEN {day_lo} AND {day_hi} "
             "GROUP BY ALL"]),
        "decision_quality": (
            call(regulatory.decision_quality),
            ["SELECT agency, count(*), count(*) FILTER (outcome = 'approved' AND "
             "question_rounds = 0), count(target_on), count(*) FILTER (decided_on <= target_on) "
             "FROM submissions WHERE outcome IN ('approved', 'rejected') "
             f"AND decided_on BETWEEN {day_lo} AND {day_hi} GROUP BY ALL"]),
        "backlog": (
            call(regulatory.backlog, on=f.end),
            ["SELECT agency, CASE WHEN age <= 30 THEN 0 WHEN age <= 90 THEN 1 "
             "WHEN age <= 180 THEN 2 WHEN age <= 365 THEN 3 ELSE 4 END, count(*) FROM ("
             f"SELECT agency, date_diff('day', submitted_on, {day_hi}) AS age FROM submissions "
             f"WHERE submitted_on <= {day_hi} AND (decided_on IS NULL "
             f"OR decided_on > {day_hi})) GROUP BY ALL"]),
    }


def bench_floor(db: Database, today: date, log: Callable[[str], None] = print,
                repeats: int = 3) -> dict:
    """Each aggregate over two years: the app's best of `repeats` (its shared frames dropped
    first, so it does its own work) against DuckDB's best on the raw rows."""
    try:
        import duckdb
    except ImportError:
        return {"skipped": "duckdb is not installed (pip install -e '.[bench]')"}
    leader = Actor(id=0, username="bench", name="Bench", roles=frozenset({"leader"}))
    f = Filters(today - timedelta(days=729), today, ())
    t0 = time.perf_counter()
    frames = _load(db, f.since)
    duck = duckdb.connect()
    for name, frame in frames.items():
        duck.register(name, frame)
    out = {"rows": len(frames["events"]), "load_s": round(time.perf_counter() - t0, 1),
           "aggregates": {}}
    for name, (app, statements) in checks(f, leader).items():
        app_times, duck_times = [], []
        for _ in range(repeats):
            analytics.forget_shared()
            with db.read() as s:
                t0 = time.perf_counter()
                app(s)
                app_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            for sql in statements:
                duck.execute(sql).fetchall()
            duck_times.append(time.perf_counter() - t0)
        a, d = min(app_times), min(duck_times)
        out["aggregates"][name] = {"app_ms": round(a * 1000, 1), "duckdb_ms": round(d * 1000, 1),
                                   "ratio": round(a / d, 1) if d else None,
                                   "within_budget": a <= max(0.050, 2 * d)}
        log(f"  {name}: app {a * 1000:.1f} ms, DuckDB {d * 1000:.1f} ms")
    duck.close()
    return out
