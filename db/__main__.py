"""Command line: python -m db upgrade | seed | create-user | backup | verify-audit."""

from __future__ import annotations

import argparse
import getpass
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import OperationalError

from db import audit, migrate, users
from db.actors import SYSTEM
from db.errors import ServiceError, ValidationError
from db.session import Database, database_url


def _progress(step: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    end = "\n" if done >= total else ""
    print(f"\r  {step:<28} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
          file=sys.stderr, flush=True)


def cmd_upgrade(args: argparse.Namespace) -> int:
    migrate.upgrade(args.url)
    print(f"Database is at schema {migrate.head_revision()}.")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from db import seed

    if not args.demo:
        print("Nothing to do: pass --demo to load the demo organisation.", file=sys.stderr)
        return 2
    db = Database(args.url)
    with db.read() as s:
        empty = seed.is_empty(s)
    if not empty:
        if args.if_empty:
            print("The database already holds data; the demo organisation was not loaded.")
            return 0
        print("The database already holds data. Seed only an empty database "
              "(or use --if-empty to skip quietly).", file=sys.stderr)
        return 1
    print(f"Loading the demo organisation (scale {args.scale}) ...", file=sys.stderr)
    counts = seed.seed_demo(db, scale=args.scale, progress=_progress)
    print("Loaded: " + ", ".join(f"{n:,} {t}" for t, n in counts.items() if n))
    return 0


def cmd_demo_signins(_args: argparse.Namespace) -> int:
    from db import seed

    print("Demo sign-ins (password for all: " + seed.DEMO_PASSWORD + "):")
    for d in seed.DEMO_SIGNINS:
        print(f"  {d.username:<8} {'+'.join(d.roles):<10} {d.name}, {d.job_title}, {d.site}")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    password = args.password
    if password is None:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat password: "):
            print("The passwords do not match; nothing was created.", file=sys.stderr)
            return 1
    db = Database(args.url)
    with db.write() as s:
        uid = users.create_user(
            s, actor=SYSTEM, username=args.username, password=password,
            name=args.name or args.username, roles=[r.strip() for r in args.roles.split(",")],
            email=args.email, site=args.site, function=args.function,
        )
    print(f"Created {args.username} (id {uid}) with roles {args.roles}.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    db = Database(args.url)
    if db.is_sqlite:
        out = Path(args.output or f"backups/app-{stamp}.db")
        out.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(db.url.split("///", 1)[1], isolation_level=None)
        dst = sqlite3.connect(out)
        # The online backup API copies while the app keeps running. Copied in steps, it starts
        # over whenever the app commits, and under steady writes never finishes: a read
        # transaction held across the steps pins one snapshot (WAL lets writers go on).
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(dst, pages=1024, progress=lambda _s, left, total: _progress(
            "copying pages", total - left, total))
        src.execute("COMMIT")
        dst.close()
        src.close()
    else:
        if not shutil.which("pg_dump"):
            print("pg_dump is not installed; install the PostgreSQL client.", file=sys.stderr)
            return 1
        out = Path(args.output or f"backups/app-{stamp}.dump")
        out.parent.mkdir(parents=True, exist_ok=True)
        pg_url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(["pg_dump", "--format=custom", f"--file={out}", pg_url], check=True)
    print(f"Backup written to {out}")
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    db = Database(args.url)
    with db.read() as s:
        result = audit.verify(s)
    if result.ok:
        print(f"Audit trail intact: {result.checked:,} records, every link verified.")
        return 0
    print(f"Audit trail BROKEN at record {result.broken_id}: {result.problem} "
          f"({result.checked:,} records before it verified).", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m db", description=__doc__)
    p.add_argument("--url", default=None,
                   help="database URL (default: $DATABASE_URL or sqlite:///data/app.db)")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("upgrade", help="apply database migrations").set_defaults(func=cmd_upgrade)

    sp = sub.add_parser("seed", help="load the demo organisation into an empty database")
    sp.add_argument("--demo", action="store_true", help="load the demo organisation")
    sp.add_argument("--scale", choices=["demo", "small", "medium", "large"], default="demo",
                    help="demo: ~300 people (default); small/medium/large: benchmark data sets")
    sp.add_argument("--if-empty", action="store_true",
                    help="do nothing (and succeed) when the database already holds data")
    sp.set_defaults(func=cmd_seed)

    sub.add_parser("demo-signins", help="print the demo sign-ins").set_defaults(
        func=cmd_demo_signins)

    cu = sub.add_parser("create-user", help="create a person who can sign in")
    cu.add_argument("--username", required=True)
    cu.add_argument("--password", help="prompted for when left out")
    cu.add_argument("--roles", required=True, help="comma-separated: learner,trainer,leader,admin")
    cu.add_argument("--name")
    cu.add_argument("--email")
    cu.add_argument("--site")
    cu.add_argument("--function")
    cu.set_defaults(func=cmd_create_user)

    bk = sub.add_parser("backup", help="write a consistent copy of the database")
    bk.add_argument("--output", help="file to write (default: backups/app-<UTC time>.db|.dump)")
    bk.set_defaults(func=cmd_backup)

    sub.add_parser("verify-audit", help="check the audit trail's hash chain").set_defaults(
        func=cmd_verify_audit)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.url = args.url or database_url()
    try:
        return args.func(args)
    except ValidationError as e:
        print(f"Error in {e.field}: {e.message}", file=sys.stderr)
        return 1
    except ServiceError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except OperationalError as e:
        print(f"Error: cannot use the database at {args.url}: {e.orig}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
