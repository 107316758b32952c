"""The write measurement of `make bench`: what it times, and that it really writes."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from bench.run import _concurrently, bench_writes
from db import seed
from db.models import Answer, Proposal, Vote


def test_each_writer_warms_up_untimed_and_the_timed_writes_start_together():
    calls: list[tuple[str, int, float]] = []
    lock = threading.Lock()

    def write(actor, k):
        with lock:
            calls.append((threading.current_thread().name, k, time.perf_counter()))

    result = _concurrently(write, people=list(range(8)), writers=4, per_writer=5, first_k=100)

    assert result["n"] == 20 and result["errors"] == {}
    warm_ups = [c for c in calls if c[1] == 105]
    timed = [c for c in calls if 100 <= c[1] < 105]
    assert len(warm_ups) == 4 and len({c[0] for c in warm_ups}) == 4  # one per writer
    assert len(timed) == 20
    assert max(c[2] for c in warm_ups) < min(c[2] for c in timed)


def test_failed_writes_are_counted_by_kind_and_not_timed():
    def write(actor, k):
        if k % 2:
            raise OperationalError("INSERT", None, Exception("database is locked"))

    result = _concurrently(write, people=[1, 2], writers=2, per_writer=4)

    # Per writer: k = 1 and 3 fail, and the warm-up (k = 4) succeeds.
    assert result["n"] == 4
    assert result["errors"] == {"OperationalError (database is locked)": 4}


def test_the_bench_casts_new_votes_and_writes_answers_and_proposals(db):
    seed.seed_demo(db)

    def counts():
        with db.read() as s:
            return [s.scalar(select(func.count()).select_from(m)) for m in (Vote, Answer, Proposal)]

    before = counts()
    result = bench_writes(db, writers=2, per_writer=3)

    for kind in ("vote", "answer", "proposal"):
        assert result[kind]["n"] == 6 and result[kind]["errors"] == {}, result[kind]
        assert result[f"{kind}_alone"]["n"] == 6 and result[f"{kind}_alone"]["errors"] == {}
        assert 0 < result[kind]["p50_ms"] <= result[kind]["p95_ms"] <= result[kind]["max_ms"]
    # Timed writes (2 x 3, then 1 x 6 alone) and one warm-up per writer (2, then 1); every vote
    # is a new one, so each adds a row.
    assert [after - b for after, b in zip(counts(), before, strict=True)] == [15, 15, 15]
