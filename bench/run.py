"""`make bench`: every page x role and the writes, timed on the medium organisation.

    python -m bench.run [--scale medium] [--sqlite data/bench-medium.db] [--reruns 5] ...

Seeds (or reuses) the organisation on SQLite and, when BENCH_DATABASE_URL (a database to use)
or TEST_DATABASE_URL (a server where it may create `lcd_bench_<scale>`) is set, on PostgreSQL.
For each page x role, through AppTest: three cold runs (new sessions, caches cleared), warm
reruns, a new session with warm caches; SQL statements per run and the slowest (its p50 over
the cold runs, SQLite's replayed to the last row, and the worst); the largest chart; the bytes
of the elements sent. Then a vote, an answer and a lesson proposal from 8 concurrent writers
(each writes once untimed first), p50 and p95, and from one writer alone. With duckdb
installed (the `bench` extra), every analytics aggregate against DuckDB's time on the same raw
rows (bench/floor.py). Writes bench/results.json and prints a
Markdown table.

The writes and sign-ins are committed to the benchmark database: rerun on a fresh copy for
figures that compare exactly.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import secrets
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# The app refuses to start without a cookie key; the bench signs in without cookies.
os.environ.setdefault("AUTH_COOKIE_KEY", "bench-" + uuid.uuid4().hex * 2)

import streamlit as st  # noqa: E402
from streamlit import logger as streamlit_logger  # noqa: E402

from bench import apptest, floor  # noqa: E402
from db import migrate, seed  # noqa: E402
from db.session import Database  # noqa: E402
from db.stats import count_statements  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
_NOISY = ("streamlit.runtime.scriptrunner_utils.script_run_context",
          "streamlit.runtime.caching.cache_data_api")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def pct(values: list[float], q: float) -> float | None:
    """The q-quantile (nearest rank) of `values`, or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


# --- the organisation ---------------------------------------------------------------------------

def seeded_scale(db: Database) -> str | None:
    """The scale the organisation in `db` was seeded at (None: empty or not seeded)."""
    from db.models import AuditRecord

    with db.read() as s:
        if seed.is_empty(s):
            return None
        after = s.scalar(select(AuditRecord.after).where(AuditRecord.action == "demo.seeded")
                         .order_by(AuditRecord.id.desc()).limit(1))
    if isinstance(after, str):
        after = json.loads(after)
    return (after or {}).get("scale", "unknown")


def catch_up(db: Database) -> dict:
    """Fold the activity a reused database got since its last refresh (the previous run's
    writes) into the summaries, as the first analytics page after them would, and time it.
    The pages are then measured as people meet them in steady state, where each refresh folds
    at most a minute of activity (components.analytics_widgets.data_version)."""
    from db import summaries

    t0 = time.perf_counter()
    with db.write() as s:
        events = summaries.refresh(s)
    ms = round((time.perf_counter() - t0) * 1000, 1)
    log(f"  summaries caught up: {events:,} new activity events folded in {ms} ms")
    return {"events": events, "ms": ms}


def prepare(url: str, scale: str) -> dict:
    """Migrate and seed `url` at `scale` unless it already holds that organisation."""
    migrate.upgrade(url)
    db = Database(url)
    try:
        found = seeded_scale(db)
        if found == scale:
            log(f"  reusing the {scale} organisation at {_safe(url)}")
            return {"seeded": False, "seed_seconds": None, "catch_up": catch_up(db)}
        if found is not None:
            raise SystemExit(f"{_safe(url)} holds other data (scale {found}); give another "
                             "database or remove it.")
        log(f"  seeding the {scale} organisation into {_safe(url)} ...")
        t0 = time.perf_counter()
        last = [0.0]

        def progress(step: str, done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 10 or done >= total:
                last[0] = time.perf_counter()
                log(f"    {step}: {done:,}/{total:,} ({time.perf_counter() - t0:.0f} s)")

        seed.seed_demo(db, scale=scale, progress=progress)
        seconds = time.perf_counter() - t0
        with db.engine.connect() as c:  # fresh statistics for the planner, as after a restore
            c.execute(text("ANALYZE"))
            c.commit()
        log(f"  seeded in {seconds:.0f} s")
        return {"seeded": True, "seed_seconds": round(seconds, 1)}
    finally:
        db.dispose()


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def postgres_url(scale: str) -> str | None:
    """The PostgreSQL database to benchmark, created on TEST_DATABASE_URL's server if needed."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return None
    name = f"lcd_bench_{scale}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            if not c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


# --- pages --------------------------------------------------------------------------------------

def sent_bytes(at) -> int:
    """Bytes of the elements the run produced (their protobuf messages, as sent)."""
    return sum(node.proto.ByteSize() for node in at._tree
               if getattr(node, "proto", None) is not None and hasattr(node.proto, "ByteSize"))


def _clear_caches() -> None:
    from components import data
    from db import analytics

    st.cache_data.clear()
    data._ready.clear()
    analytics.forget_shared()  # the frames charts share, kept per process


def _timed_run(at) -> tuple[float, object]:
    with count_statements() as stmts:  # every engine: the app's Database is its own (cached)
        t0 = time.perf_counter()
        at.run()
        seconds = time.perf_counter() - t0
    return seconds, stmts


def _slowest(stmts) -> float:
    return max((s.seconds for s in stmts.statements), default=0.0)


def _queries(stmts) -> list[dict]:
    return [{"ms": ms(s.seconds), "sql": " ".join(s.sql.split())[:300]} for s in stmts.statements]


def _query_p50(runs: list) -> float:
    """The slowest query's median over repeated runs: each statement's times (by its SQL) over
    the runs, the median of each, the largest of those."""
    times: dict[str, list[float]] = {}
    for stmts in runs:
        for s in stmts.statements:
            times.setdefault(s.sql, []).append(s.seconds)
    return max((statistics.median(t) for t in times.values()), default=0.0)


def _replayed(db: Database, stmts, repeats: int = 3) -> dict[str, float]:
    """SQLite only: each distinct SELECT of a run, run again to its last row; its median time.

    sqlite3's execute returns at the first row: a statement whose work happens while its
    rows are stepped through (a GROUP BY read in index order, a long list) did most of it
    outside the time the statement log took. PostgreSQL's driver has every row by then.
    """
    if not db.is_sqlite:
        return {}
    out: dict[str, float] = {}
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for s in stmts.statements:
            if s.sql in out or s.many or not s.sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                cur.execute(s.sql, s.parameters if s.parameters is not None else ())
                cur.fetchall()
                times.append(time.perf_counter() - t0)
            out[s.sql] = statistics.median(times)
    finally:
        raw.close()
    return out


def measure_page(db: Database, case: apptest.Case, reruns: int, timeout: float,
                 cold_runs: int = 3) -> dict:
    """Cold runs, warm reruns and a new session for one page x role.

    A cold run is a new session with every cache emptied. One sample says little (the first
    reads the disk, a neighbour's job may hold the CPU), so there are `cold_runs` of them:
    the budget asks for the cold run's p95 and each query's p50.
    """
    colds = []
    for _ in range(max(1, cold_runs)):
        _clear_caches()
        at = apptest.go_to(apptest.new_session(db, case.role, timeout), case)
        colds.append(_timed_run(at))
    cold, cold_stmts = colds[0]
    replayed = _replayed(db, cold_stmts)
    problems = apptest.exceptions(at) + [e.value for e in at.error]
    warm, warm_counts, warm_slowest = [], [], 0.0
    for _ in range(reruns):
        seconds, stmts = _timed_run(at)
        warm.append(seconds)
        warm_counts.append(stmts.count)
        warm_slowest = max(warm_slowest, _slowest(stmts))
    rows = apptest.chart_rows(at)
    size = sent_bytes(at)
    problems += apptest.exceptions(at)
    # A new visitor: caches warm, session state empty (Home first, as app.py opens there).
    fresh = apptest.go_to(apptest.new_session(db, case.role, timeout), case)
    new_session, new_stmts = _timed_run(fresh)
    return {
        "page": case.spec.file, "role": case.role, "case": case.id,
        "query": dict(case.query),
        "cold_ms": ms(cold), "cold_statements": cold_stmts.count,
        "cold_ms_p50": ms(statistics.median(t for t, _ in colds)),
        "cold_ms_max": ms(max(t for t, _ in colds)), "cold_runs": len(colds),
        "cold_sql_ms": ms(cold_stmts.seconds),
        "cold_slowest_query_ms": ms(max(_slowest(st) for _, st in colds)),
        "cold_query_p50_ms": ms(max(_query_p50([st for _, st in colds]),
                                    max(replayed.values(), default=0.0))),
        "replayed_ms": {" ".join(q.split())[:300]: ms(t) for q, t in replayed.items()
                        if t >= 0.005},
        "warm_ms_p50": ms(statistics.median(warm)) if warm else None,
        "warm_ms_max": ms(max(warm)) if warm else None,
        "warm_statements": max(warm_counts, default=0),
        "warm_slowest_query_ms": ms(warm_slowest),
        "new_session_ms": ms(new_session), "new_session_statements": new_stmts.count,
        "chart_rows_max": max(rows, default=0), "charts": len(rows),
        "bytes": size, "problems": problems[:3],
        "cold_queries": _queries(cold_stmts),
    }


def bench_pages(db: Database, reruns: int, cold_runs: int, only: str | None, timeout: float,
                saved: Callable[[list[dict]], None]) -> list[dict]:
    chosen = apptest.cases() + list(apptest.linked_cases(db).values())
    if only:
        chosen = [c for c in chosen if only in c.id]
    results: list[dict] = []
    with apptest.steady_navigation():
        for n, case in enumerate(chosen, 1):
            try:
                r = measure_page(db, case, reruns, timeout, cold_runs)
            except RuntimeError as e:  # AppTest's timeout: note it and go on
                r = {"page": case.spec.file, "role": case.role, "case": case.id,
                     "query": dict(case.query), "failed": str(e)}
                log(f"  [{n}/{len(chosen)}] {case.id}: FAILED {e}")
            else:
                log(f"  [{n}/{len(chosen)}] {case.id}: cold {r['cold_ms']:.0f} ms, warm "
                    f"{r['warm_ms_p50']:.0f} ms, new session {r['new_session_ms']:.0f} ms, "
                    f"{r['warm_statements']} statements, chart rows {r['chart_rows_max']}"
                    + (f"  PROBLEM {r['problems']}" if r["problems"] else ""))
            results.append(r)
            saved(results)
    _clear_caches()
    return results


# --- writes -------------------------------------------------------------------------------------

def _write_targets(db: Database, need: int) -> dict:
    from db.models import Answer, Comment, Lesson, Question, User, UserRole, utcnow

    hour_ago = utcnow() - timedelta(hours=1)
    with db.read() as s:
        # People who posted nothing in the last hour: a run soon after another would otherwise
        # write as the same people and reach the hourly posting limit.
        learners = s.execute(
            select(User.id, User.username, User.name).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == "learner", User.is_active.is_(True),
                   ~select(Answer.id).where(Answer.author_id == User.id,
                                            Answer.created_at >= hour_ago).exists(),
                   ~select(Comment.id).where(Comment.author_id == User.id,
                                             Comment.created_at >= hour_ago).exists())
            .order_by(User.id).limit(need)).all()
        # The newest 2,000 questions: where people vote and answer. Each run adds its answers
        # to them, so after many runs on one database they hold several times the seed's three
        # answers each (and an answer re-indexes its question with all its answers): the
        # published figures come from a freshly seeded database.
        asked = s.execute(select(Question.id, Question.author_id)
                          .where(Question.status == "visible")
                          .order_by(Question.id.desc()).limit(2000)).all()
        lessons = s.execute(select(Lesson.id, Lesson.published_revision_id)
                            .where(Lesson.published_revision_id.is_not(None))).all()
    return {"people": learners, "questions": [q for q, _ in asked], "asked_by": dict(asked),
            "lessons": lessons}


def bench_writes(db: Database, writers: int, per_writer: int) -> dict:
    """p50/p95 of a vote, an answer and a proposal, `writers` threads writing at once."""
    from db import content, qa
    from db.actors import Actor
    from db.models import Vote

    tag = uuid.uuid4().hex[:8]
    targets = _write_targets(db, writers * per_writer)
    people = [Actor(id=i, username=u, name=n, roles=frozenset({"learner"}))
              for i, u, n in targets["people"]]
    questions, lessons = targets["questions"], targets["lessons"]
    if not people or not questions or not lessons:
        return {"skipped": "no learners, questions or lessons to write to"}
    # Every vote is a new upvote, the write people make most. A reused database holds earlier
    # runs' votes (casting one again changes nothing, a fast no-op), so each person takes the
    # next question they have neither voted on nor asked. Read once here, not inside each
    # timed write (the app knows a person's vote from the page).
    asked_by = targets["asked_by"]
    with db.read() as s:
        cast = {(voter, item) for voter, item in s.execute(
            select(Vote.user_id, Vote.entity_id).where(
                Vote.entity_type == "question", Vote.entity_id.in_(questions),
                Vote.user_id.in_([p.id for p in people])))}

    def vote(actor: Actor, k: int):
        for step in range(len(questions)):
            qid = questions[(actor.id * 7 + k + step) % len(questions)]
            if (actor.id, qid) not in cast and asked_by[qid] != actor.id:
                break
        else:  # counted as an error of the run
            raise RuntimeError("this person has voted on every question the bench uses")
        cast.add((actor.id, qid))  # each person writes from one thread only
        with db.write() as s:
            qa.vote(s, actor=actor, entity_type="question", entity_id=qid, value=1)

    def answer(actor: Actor, k: int):
        with db.write() as s:
            qa.answer(s, actor=actor, question_id=questions[(actor.id * 13 + k) % len(questions)],
                      body=f"In our site we file this with the cover letter first ({tag}-{k}); "
                           "the agency then confirms receipt within two working days.")

    def propose(actor: Actor, k: int):
        lesson_id, revision_id = lessons[(actor.id * 17 + k) % len(lessons)]
        with db.write() as s:
            content.propose(s, actor=actor, lesson_id=lesson_id, kind="example",
                            summary=f"A real case from our site ({tag}-{k})",
                            body=f"Last year we had exactly this situation ({tag}-{k}): the "
                                 "variation was filed as Type IB and the agency accepted it.",
                            base_revision_id=revision_id)

    out = {"writers": writers, "per_writer": per_writer}
    for name, write in (("vote", vote), ("answer", answer), ("proposal", propose)):
        out[name] = _concurrently(write, people, writers, per_writer)
        # One writer alone: the time a write takes, without waiting for the others' turns
        # (on SQLite every write waits for the one before it).
        out[f"{name}_alone"] = _concurrently(write, people, 1, per_writer * 2, first_k=10_000)
        for key in (name, f"{name}_alone"):
            log(f"  {key}: p50 {out[key]['p50_ms']} ms, p95 {out[key]['p95_ms']} ms, "
                f"{out[key]['per_second']}/s, errors {out[key]['errors'] or 'none'}")
    return out


def _concurrently(write: Callable, people: list, writers: int, per_writer: int,
                  first_k: int = 0) -> dict:
    """Run `write(actor, k)` from `writers` threads at once, each as its own people; k counts
    from `first_k` (the texts written carry it, so no run repeats another's)."""
    times: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    began: list[float] = []
    start = threading.Barrier(writers, action=lambda: began.append(time.perf_counter()))

    def attempt(actor, k: int) -> bool:
        try:
            write(actor, k)
            return True
        except Exception as e:  # noqa: BLE001 - count it and go on, as a server would
            kind = type(e).__name__ + (" (database is locked)" if "locked" in str(e) else "")
            with lock:
                errors[kind] = errors.get(kind, 0) + 1
            return False

    def worker(w: int) -> None:
        mine = people[w::writers][:per_writer] or people[:1]
        # One write first, not timed: a server that has been up a while has its connections
        # open and its statements prepared, which the first write on each new one does.
        attempt(mine[-1], first_k + per_writer)
        start.wait()
        for k in range(first_k, first_k + per_writer):
            t0 = time.perf_counter()
            if attempt(mine[k % len(mine)], k):
                with lock:
                    times.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(writers)]
    # The bench's own garbage (the pages it ran, the targets it just read) is collected now, not
    # in a full collection in the middle of the timed writes: one took 87 ms, while all eight
    # writers waited (Python runs one thread at a time). Collections the writes cause still count.
    gc.collect()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began[0]  # from when the timed writes began
    return {"n": len(times), "p50_ms": ms(pct(times, 0.5) or 0),
            "p95_ms": ms(pct(times, 0.95) or 0), "max_ms": ms(max(times, default=0)),
            "per_second": round(len(times) / wall, 1) if wall else None, "errors": errors}


# --- report -------------------------------------------------------------------------------------

def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [f"Measured {results['when']} on {m['cpus']} CPUs (load {m['load']:.1f} at the "
             f"start), Python {m['python']}: `python -m bench.run --scale {results['scale']}`.",
             ""]
    for engine, r in results["engines"].items():
        lines += [f"### {engine} ({results['scale']})", ""]
        if r.get("catch_up"):
            lines += [f"Before the pages, the summaries folded in the {r['catch_up']['events']:,} "
                      f"activity events written since the last refresh: "
                      f"{r['catch_up']['ms']:,} ms.", ""]
        lines += ["| page | role | cold p50 / max ms | warm p50 ms | new session ms | "
                  "statements | slowest query p50 / max ms | chart rows | KiB |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
        for p in r.get("pages", []):
            link = p["case"].split("?", 1)[1] if "?" in p["case"] else ""
            if "failed" in p:
                lines.append(f"| {Path(p['page']).stem}{' ?' + link if link else ''} | "
                             f"{p['role']} | {p['failed']} | | | | | | |")
                continue
            lines.append(
                f"| {Path(p['page']).stem}{' ?' + link if link else ''} | {p['role']} | "
                f"{p['cold_ms_p50']:.0f} / {p['cold_ms_max']:.0f} | {p['warm_ms_p50']:.0f} | "
                f"{p['new_session_ms']:.0f} | {p['warm_statements']} | "
                f"{max(p['cold_query_p50_ms'], p['warm_slowest_query_ms']):.1f} / "
                f"{max(p['cold_slowest_query_ms'], p['warm_slowest_query_ms']):.1f} | "
                f"{p['chart_rows_max']} | {p['bytes'] / 1024:.0f} |")
        w = r.get("writes", {})
        if "vote" in w:
            lines += ["", f"Writes, {w['writers']} concurrent writers (after one untimed write "
                      "each):", "",
                      "| write | n | p50 ms | p95 ms | per second | errors |",
                      "|---|---:|---:|---:|---:|---|"]
            for name in ("vote", "answer", "proposal"):
                for key, label in ((name, name), (f"{name}_alone", f"{name}, one writer alone")):
                    if key not in w:
                        continue
                    x = w[key]
                    lines.append(f"| {label} | {x['n']} | {x['p50_ms']} | {x['p95_ms']} | "
                                 f"{x['per_second']} | {x['errors'] or 'none'} |")
        floor = r.get("floor", {})
        if "aggregates" in floor:
            lines += ["", f"Analytics floor, two years ({floor['rows']:,} events; budget: "
                      "within 2x of DuckDB, or 50 ms):", "",
                      "| aggregate | app ms | DuckDB ms | ratio | within budget |",
                      "|---|---:|---:|---:|---|"]
            for name, x in floor["aggregates"].items():
                lines.append(f"| {name} | {x['app_ms']} | {x['duckdb_ms']} | {x['ratio']} | "
                             f"{'yes' if x.get('within_budget') else '**no**'} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", default="medium", choices=list(seed.SCALES))
    p.add_argument("--sqlite", help="SQLite file to seed or reuse (default data/bench-SCALE.db)")
    p.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    p.add_argument("--reruns", type=int, default=5, help="warm reruns per page (default 5)")
    p.add_argument("--cold-runs", type=int, default=3,
                   help="cold runs per page, each a new session with caches emptied (default 3)")
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--writes", type=int, default=25, help="writes of each kind per writer")
    p.add_argument("--only", help="only the page cases whose id contains this")
    p.add_argument("--timeout", type=float, default=900,
                   help="seconds one page run may take before it counts as failed")
    p.add_argument("--skip", action="append", default=[],
                   choices=["pages", "writes", "floor"], help="leave a part out")
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args(argv)
    # Bare-mode warnings ("missing ScriptRunContext", "No runtime found") on every AppTest run
    # would bury the report.
    streamlit_logger.set_log_level("error")
    # The app will not start without a strong sign-in cookie key (on a fresh clone there is no
    # secrets file yet); the bench's sessions are its own, so any random key does.
    os.environ.setdefault("AUTH_COOKIE_KEY", secrets.token_urlsafe(48))
    for name in _NOISY:
        logging.getLogger(name).disabled = True

    engines = {}
    if not args.no_sqlite:
        path = Path(args.sqlite or ROOT / "data" / f"bench-{args.scale}.db").resolve()
        engines["sqlite"] = f"sqlite:///{path}"
    pg = postgres_url(args.scale)
    if pg:
        engines["postgresql"] = pg
    results = {"scale": args.scale, "when": time.strftime("%Y-%m-%d %H:%M:%S"),
               "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "load": os.getloadavg()[0] if hasattr(os, "getloadavg") else None},
               "engines": {}}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)

    def save() -> None:
        out.write_text(json.dumps(results, indent=1, default=str) + "\n")

    for engine, url in engines.items():
        log(f"{engine}:")
        r = results["engines"][engine] = prepare(url, args.scale)
        os.environ["DATABASE_URL"] = url  # the app under AppTest reads it
        db = Database(url)
        try:
            if "pages" not in args.skip:
                def pages_so_far(pages: list[dict], r: dict = r) -> None:
                    r["pages"] = pages
                    save()

                bench_pages(db, args.reruns, args.cold_runs, args.only, args.timeout, pages_so_far)
            if "writes" not in args.skip:
                r["writes"] = bench_writes(db, args.writers, args.writes)
                save()
            if "floor" not in args.skip:
                r["floor"] = floor.bench_floor(db, date.today(), log)
                save()
        finally:
            db.dispose()
            from components import data

            st.cache_resource.clear()
            data._ready.clear()
    save()
    table = markdown(results)
    out.with_suffix(".md").write_text(table)
    print(table)
    log(f"Wrote {out} and {out.with_suffix('.md')}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
