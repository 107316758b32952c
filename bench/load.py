"""Drive a running app server with N concurrent sessions over Streamlit's websocket.

    python -m bench.load --url http://127.0.0.1:8501 --sessions 100 --think 10 --duration 120
    python -m bench.load --url http://127.0.0.1:8501 --sessions 8 --think 0 --duration 60

Each session is what a browser tab does, minus the drawing: it opens the websocket, signs in
through the real form (the widget values a browser would send), then moves between the pages its
role sees, waiting `think` seconds (+/-50%) between clicks. An interaction is timed from the
rerun request to the server's "script finished" message. Reports p50/p95 interaction time,
reruns per second, errors (an exception element, a failed or dropped run) and, with --pid,
the server's resident memory at the start and end. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

PASSWORD = "welcome-2026"
USERS = {"learner": "lena", "trainer": "tomas", "leader": "lars", "admin": "ada"}


@dataclass
class Run:
    """What one script run sent back."""

    seconds: float
    widgets: dict[str, str] = field(default_factory=dict)  # label -> widget id
    pages: dict[str, str] = field(default_factory=dict)  # url path -> page script hash
    exception: str | None = None
    status: str = ""
    nbytes: int = 0


@dataclass
class Stats:
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sign_ins: int = 0


class Session:
    """One browser tab's conversation with the server."""

    def __init__(self, url: str) -> None:
        parts = urlparse(url)
        self.ws_url = f"ws://{parts.netloc}/_stcore/stream"
        self.ws = None
        self.pages: dict[str, str] = {}
        self.page_hash = ""

    async def open(self) -> Run:
        # No client keepalive pings: a saturated server answers them late and the client would
        # drop the session itself (the 1011 errors of the first PostgreSQL soak).
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"],
                                           max_size=64 * 2**20, ping_interval=None)
        return await self.rerun()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self, *, page_hash: str | None = None, widgets: list | None = None) -> Run:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = page_hash if page_hash is not None else self.page_hash
        for w in widgets or []:
            state.widget_states.widgets.append(w)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        run = Run(0.0)
        while True:
            raw = await self.ws.recv()
            run.nbytes += len(raw)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                which = el.WhichOneof("type")
                if which == "exception":
                    run.exception = el.exception.message or el.exception.type
                elif which in ("text_input", "button"):
                    w = getattr(el, which)
                    run.widgets[w.label] = w.id
            elif kind == "navigation":
                run.pages = {p.url_pathname or "": p.page_script_hash
                             for p in fwd.navigation.app_pages}
                self.pages = run.pages or self.pages
                self.page_hash = fwd.navigation.page_script_hash or self.page_hash
            elif kind == "script_finished":
                run.status = ForwardMsg.ScriptFinishedStatus.Name(fwd.script_finished)
                if fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    break
        run.seconds = time.perf_counter() - start
        return run

    async def sign_in(self, username: str) -> Run:
        form = await self.open()
        if "Username" not in form.widgets:
            raise RuntimeError(f"no sign-in form (got {sorted(form.widgets)})")
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        values = [WidgetState(id=form.widgets["Username"], string_value=username),
                  WidgetState(id=form.widgets["Password"], string_value=PASSWORD),
                  WidgetState(id=form.widgets["Sign in"], trigger_value=True)]
        await self.rerun(widgets=values)
        # A browser's cookie component reruns the app once the cookie is stored; do the same.
        return await self.rerun()


async def user(url: str, role: str, think: float, window: dict, stats: Stats,
               rng: random.Random) -> None:
    session = Session(url)
    try:
        home = await session.sign_in(USERS[role])
        if home.exception or not session.pages:
            stats.errors.append(f"{role}: sign-in failed ({home.exception or 'no pages'})")
            return
        stats.sign_ins += 1
        paths = sorted(session.pages)
        await window["open"].wait()  # everyone signed in: the measured window starts
        while time.perf_counter() < window["until"]:
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            path = rng.choice(paths)
            if path not in session.pages:  # the server signed this session out
                stats.errors.append(f"{role}: {path} is no longer offered (signed out?)")
                break
            run = await session.rerun(page_hash=session.pages[path])
            session.page_hash = session.pages[path]
            stats.times.append(run.seconds)
            if run.exception:
                stats.errors.append(f"{role} {path}: {run.exception[:120]}")
    except (OSError, websockets.WebSocketException, RuntimeError) as e:
        stats.errors.append(f"{role}: {type(e).__name__}: {e}"[:200])
    finally:
        await session.close()


def rss_mib(pid: int | None) -> float | None:
    if not pid:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def main_async(args) -> dict:
    rng = random.Random(args.seed)
    roles = list(USERS)
    stats = Stats()
    memory_before = rss_mib(args.pid)
    window = {"open": asyncio.Event(), "until": 0.0}
    tasks = []
    signing_in = time.perf_counter()
    for i in range(args.sessions):
        tasks.append(asyncio.create_task(user(args.url, roles[i % len(roles)], args.think,
                                              window, stats, random.Random(rng.random()))))
        if args.ramp:
            await asyncio.sleep(args.ramp / args.sessions)
    while stats.sign_ins + len(stats.errors) < args.sessions:
        await asyncio.sleep(0.05)
    sign_in_s = time.perf_counter() - signing_in
    memory_signed_in = rss_mib(args.pid)
    start = time.perf_counter()
    window["until"] = start + args.duration
    window["open"].set()
    memory = [] if args.pid else None
    sampler = asyncio.create_task(_sample_memory(args.pid, memory, start)) if args.pid else None
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    if sampler:
        sampler.cancel()
    ms = [t * 1000 for t in stats.times]
    return {
        "sessions": args.sessions, "think_s": args.think, "duration_s": round(elapsed, 1),
        "sign_in_all_s": round(sign_in_s, 1),
        "signed_in": stats.sign_ins, "interactions": len(ms),
        "p50_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(pct(ms, 0.95), 1) if ms else None,
        "reruns_per_s": round(len(ms) / elapsed, 1),
        "errors": len(stats.errors), "first_errors": stats.errors[:5],
        "rss_mib_start": memory_before, "rss_mib_signed_in": memory_signed_in,
        "rss_mib_end": rss_mib(args.pid),
        # (seconds into the window, MiB) once a minute: growth shows as a rising series
        "rss_mib_by_minute": memory,
    }


async def _sample_memory(pid: int, into: list, start: float) -> None:
    while True:
        into.append((round(time.perf_counter() - start), rss_mib(pid)))
        await asyncio.sleep(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--think", type=float, default=10.0, help="seconds between clicks")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--ramp", type=float, default=5.0, help="seconds to open all sessions")
    parser.add_argument("--pid", type=int, help="server process, for its memory")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main_async(args)), indent=2))


if __name__ == "__main__":
    main()
