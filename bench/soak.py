"""`make soak`: the parts of issue 8 too slow for every CI run, against a real server.

    python -m bench.soak [--url DATABASE_URL] [--sessions 100] [--duration 120]

Starts `streamlit run app.py` on a free port over a demo organisation (SQLite file
data/soak.db unless --url names another database, e.g. PostgreSQL), then drives it with
bench.load: N sessions with 10 s (+/-50%) think time, and a closed loop of 8 sessions with no
pauses. Writes bench/soak-results.json and prints it. The full-size vote race (50 voters x 200
operations) is `VOTE_OPERATIONS=200 pytest tests/test_concurrency.py`, which `make soak` runs too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "soak-results.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(url: str) -> None:
    env = {**os.environ, "BCRYPT_ROUNDS": os.environ.get("BCRYPT_ROUNDS", "4")}
    for args in (["upgrade"], ["seed", "--demo", "--if-empty"]):
        subprocess.run([sys.executable, "-m", "db", "--url", url, *args], cwd=ROOT, check=True,
                       env=env, stdout=subprocess.DEVNULL)


def _serve(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url,
           "AUTH_COOKIE_KEY": os.environ.get("AUTH_COOKIE_KEY", "soak-" + uuid.uuid4().hex * 2)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("the server did not answer within 60 s")


async def _first_page(port: int, started: float) -> float:
    """Seconds from starting the server to a browser session's first page (the sign-in form)."""
    from bench import load

    session = load.Session(f"http://127.0.0.1:{port}")
    try:
        form = await session.open()
    finally:
        await session.close()
    if "Username" not in form.widgets:
        raise RuntimeError("the first page is not the sign-in form")
    return round(time.perf_counter() - started, 2)


def main() -> None:
    from bench import load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=f"sqlite:///{ROOT / 'data' / 'soak.db'}")
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--duration", type=float, default=120.0,
                        help="seconds of the think-time run (1800 for the memory soak)")
    parser.add_argument("--crowd", type=int, default=500,
                        help="sessions signed in at once for the memory ceiling (0: skip)")
    args = parser.parse_args()
    _prepare(args.url)
    port = _free_port()
    started = time.perf_counter()
    server = _serve(args.url, port)
    engine = args.url.split(":", 1)[0].split("+")[0]
    results = {"engine": engine, "runs": []}
    try:
        results["startup_s"] = asyncio.run(_first_page(port, started))
        phases = [(args.sessions, 10.0, args.duration), (8, 0.0, min(args.duration, 120.0))]
        if args.crowd:
            phases.append((args.crowd, 10.0, 120.0))
        for sessions, think, duration in phases:
            run = SimpleNamespace(url=f"http://127.0.0.1:{port}", sessions=sessions,
                                  think=think, duration=duration,
                                  ramp=min(60.0, sessions / 5), pid=server.pid, seed=7)
            print(f"{sessions} sessions, think {think:g} s, {duration:g} s ...",
                  file=sys.stderr)
            results["runs"].append(asyncio.run(load.main_async(run)))
    finally:
        server.terminate()
        server.wait(timeout=20)
    # One file per engine run; keep the other engine's last results.
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous = previous if "runs" not in previous else {}
    previous[engine] = results
    RESULTS.write_text(json.dumps(previous, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
