"""Command line: python -m db upgrade | seed | demo-signins | create-user | backup | verify-audit
(run any of them with --help)."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from db import audit, migrate, users
from db.actors import SYSTEM
from db.errors import ServiceError, ValidationError
from db.models import FUNCTIONS, AuditRecord
from db.session import DEFAULT_URL, Database, database_url, make_engine

URL_HELP = (f"database URL (default: $DATABASE_URL, else {DEFAULT_URL}); "
            "may also be given before the command")
URL_EXAMPLES = "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST[:PORT]/NAME"


class CliError(Exception):
    """A failure the person running the command can act on; main() prints it as one line."""


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def _sentence(message: object) -> str:
    """`message` on one line, ending in a full stop unless it ends in punctuation already."""
    line = _one_line(message)
    return line if line.endswith((".", "?", "!")) else line + "."


def _progress(step: str, done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    end = "\n" if done >= total else ""
    print(f"\r  {step:<28} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end,
          file=sys.stderr, flush=True)


def _shown(url: str) -> str:
    """The URL as it may appear in messages: without its password."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _database(args: argparse.Namespace) -> Iterator[Database]:
    """The migrated database the command works on, disposed of afterwards."""
    db = Database(args.url)
    try:
        if migrate.current_revision(db.engine) is None:
            raise CliError(f"the database at {_shown(args.url)} has no tables yet; "
                           "run `python -m db upgrade` first.")
        yield db
    finally:
        db.dispose()


class _MigrationProgress(logging.Handler):
    """Shows each migration as Alembic starts it (it logs 'Running upgrade A -> B, doc')."""

    def __init__(self, total: int) -> None:
        super().__init__(logging.INFO)
        self.total, self.done = total, 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "Running %s":
            self.done += 1
            step = record.getMessage().removeprefix("Running ")
            print(f"  [{self.done}/{self.total}] {step}", file=sys.stderr, flush=True)


def cmd_upgrade(args: argparse.Namespace) -> int:
    engine = make_engine(args.url)  # creates a new SQLite file: upgrade is how one starts
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    head = migrate.head_revision()
    script = ScriptDirectory.from_config(migrate.alembic_config(args.url))
    try:
        pending = len(list(script.iterate_revisions("heads", current or "base")))
    except Exception:  # noqa: BLE001 - an unknown revision; command.upgrade says so below
        pending = 0
    if current == head:
        print(f"Database is at schema {head} (already up to date).")
        return 0
    print(f"Upgrading {_shown(args.url)} from schema {current or '(none)'} to {head} "
          f"({pending} migration{'s' * (pending != 1)}) ...", file=sys.stderr, flush=True)
    log = logging.getLogger("alembic.runtime.migration")
    handler, level = _MigrationProgress(pending), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        migrate.upgrade(args.url)
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    print(f"Database is at schema {head}.")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from db import seed

    if not args.demo:
        print("Nothing to do: pass --demo to load the demo organisation.", file=sys.stderr)
        return 2
    with _database(args) as db:
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
        try:
            password = getpass.getpass("Password: ")
            repeated = getpass.getpass("Repeat password: ")
        except EOFError:
            raise CliError("no password was typed; pass --password or run this in a "
                           "terminal.") from None
        if password != repeated:
            print("The passwords do not match; nothing was created.", file=sys.stderr)
            return 1
    with _database(args) as db, db.write() as s:
        uid = users.create_user(
            s, actor=SYSTEM, username=args.username, password=password,
            name=args.name or args.username, roles=[r.strip() for r in args.roles.split(",")],
            email=args.email, site=args.site, function=args.function,
        )
    print(f"Created {args.username} (id {uid}) with roles {args.roles}.")
    return 0


@contextmanager
def _written_whole(out: Path) -> Iterator[Path]:
    """A temporary file next to `out`, renamed to `out` only when the block succeeds, so a
    failed or interrupted backup never leaves a partial file behind."""
    if out.is_dir():
        raise CliError(f"--output {out} is a folder; give the name of the file to write.")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    except OSError as e:
        raise CliError(f"cannot write the backup to {out}: {e.strerror or e}.") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, out)
    except OSError as e:
        raise CliError(f"cannot write the backup to {out}: {e.strerror or e}; "
                       "nothing was written.") from None
    finally:
        tmp.unlink(missing_ok=True)


def _sqlite_backup(path: str, out: Path) -> None:
    # Read-write but never create: the database was checked to exist, and must stay untouched.
    src = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=rw", uri=True,
                          isolation_level=None)
    dst = sqlite3.connect(out)
    try:
        # The online backup API copies while the app keeps running. Copied in steps, it starts
        # over whenever the app commits, and under steady writes never finishes: a read
        # transaction held across the steps pins one snapshot (WAL lets writers go on).
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(dst, pages=1024, progress=lambda _s, left, total: _progress(
            "copying pages", total - left, total))
        src.execute("COMMIT")
    except sqlite3.Error as e:
        raise CliError(f"cannot back up {path}: {e}; nothing was written.") from None
    finally:
        dst.close()
        src.close()


def _pg_table_count(db: Database) -> int:
    """Tables pg_dump will copy the contents of: the total its progress counts to."""
    with db.read() as s:
        return s.scalar(text("SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname "
                             "NOT IN ('pg_catalog', 'information_schema')"))


def _pg_dump(url: URL, out: Path, tables: int) -> None:
    # The password goes in the environment: a command line is visible to everyone in `ps`.
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    target = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                        database=url.database, query=url.query)
    cmd = ["pg_dump", "--format=custom", "--verbose", f"--file={out}",
           f"--dbname={target.render_as_string(hide_password=False)}"]
    done, failure = 0, []
    _progress("dumping tables", 0, tables)
    with subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, errors="replace") as proc:
        for line in proc.stderr:
            if failure or "error:" in line:  # pg_dump stops at its first error
                failure.append(line)
            elif "dumping contents of table" in line and done < tables:
                done += 1
                _progress("dumping tables", done, tables)
    if proc.returncode != 0:
        if done < tables:
            print(file=sys.stderr)  # end the progress line
        reason = _one_line(" ".join(failure)).removeprefix("pg_dump: error: ")
        raise CliError(f"pg_dump failed ({reason or f'exit status {proc.returncode}'}); "
                       "no backup was written. Check the database URL, and that pg_dump is "
                       "at least the server's version.")
    if done < tables:
        _progress("dumping tables", tables, tables)


def cmd_backup(args: argparse.Namespace) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    url = make_url(args.url)
    if url.get_backend_name() == "sqlite":
        out = Path(args.output or f"backups/app-{stamp}.db")
        with _written_whole(out) as tmp:
            _sqlite_backup(url.database, tmp)
    else:
        if not shutil.which("pg_dump"):
            raise CliError("pg_dump is not installed; install the PostgreSQL client "
                           "(e.g. apt-get install postgresql-client).")
        db = Database(args.url)
        try:
            tables = _pg_table_count(db)  # also: a clear error when the server is unreachable
        finally:
            db.dispose()
        out = Path(args.output or f"backups/app-{stamp}.dump")
        with _written_whole(out) as tmp:
            _pg_dump(url, tmp, tables)
    print(f"Backup written to {out}")
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    with _database(args) as db, db.read() as s:
        total = s.scalar(select(func.count()).select_from(AuditRecord))
        print(f"Checking {total:,} audit records ...", file=sys.stderr, flush=True)
        result = audit.verify(s)
    if result.ok:
        print(f"Audit trail intact: {result.checked:,} records, every link verified.")
        return 0
    print(f"Audit trail BROKEN at record {result.broken_id}: {result.problem} "
          f"({result.checked:,} records before it verified).", file=sys.stderr)
    return 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m db", description=__doc__)
    p.add_argument("--url", default=None, help=URL_HELP.replace("before", "after"))
    # The same --url after the command; SUPPRESS keeps an absent one from hiding the one before.
    with_url = argparse.ArgumentParser(add_help=False)
    with_url.add_argument("--url", default=argparse.SUPPRESS, help=URL_HELP)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func, summary: str, *, database: str | None = "existing"):
        sp = sub.add_parser(name, help=summary, description=summary[0].upper() + summary[1:] + ".",
                            parents=[with_url] if database else [])
        sp.set_defaults(func=func, database=database)
        return sp

    command("upgrade", cmd_upgrade, "apply database migrations, creating a new SQLite "
            "database if there is none", database="new")

    sp = command("seed", cmd_seed, "load the demo organisation into an empty, upgraded database")
    sp.add_argument("--demo", action="store_true", help="load the demo organisation")
    sp.add_argument("--scale", choices=["demo", "small", "medium", "large"], default="demo",
                    help="demo: ~300 people (default); small/medium/large: benchmark data sets")
    sp.add_argument("--if-empty", action="store_true",
                    help="do nothing (and succeed) when the database already holds data")

    command("demo-signins", cmd_demo_signins, "print the demo sign-ins", database=None)

    cu = command("create-user", cmd_create_user, "create a person who can sign in")
    cu.add_argument("--username", required=True,
                    help="sign-in name: 3-64 lowercase letters, digits, dots, dashes or "
                         "underscores")
    cu.add_argument("--password", help=f"at least {users.MIN_PASSWORD} characters; prompted for "
                                       "when left out (which keeps it out of the shell history)")
    cu.add_argument("--roles", required=True, help="comma-separated: learner,trainer,leader,admin")
    cu.add_argument("--name", help="full name shown in the app (default: the username)")
    cu.add_argument("--email", help="e-mail address")
    cu.add_argument("--site", help="name of an existing site")
    cu.add_argument("--function", help=f"job function, one of: {', '.join(FUNCTIONS)}")

    bk = command("backup", cmd_backup, "write a consistent copy of the database (SQLite: online "
                 "backup; PostgreSQL: pg_dump --format=custom)")
    bk.add_argument("--output", help="file to write (default: backups/app-<UTC time>.db|.dump); "
                                     "written whole or not at all")

    command("verify-audit", cmd_verify_audit, "check the audit trail's hash chain; exit 1 at "
            "the first broken link or a cut")
    return p


def _check_url(url: str, source: str, database: str) -> None:
    """Refuse, before anything is created, a URL that cannot work for this command."""
    try:
        parsed = make_url(url)
        parsed.get_dialect().import_dbapi()
    except (ArgumentError, ValueError, ImportError) as e:
        raise CliError(f"{source} is not a usable database URL ({_one_line(e)}); expected "
                       f"{URL_EXAMPLES}.") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise CliError(f"{source} names a {parsed.get_backend_name()} database; only SQLite "
                       f"and PostgreSQL are supported ({URL_EXAMPLES}).")
    if parsed.get_backend_name() != "sqlite" or database != "existing":
        return
    path = parsed.database
    if not path or path == ":memory:":
        raise CliError(f"{source} names an in-memory SQLite database, which starts empty; "
                       "give the path of a database file.")
    if not Path(path).is_file():
        raise CliError(f"there is no database at {path} ({source} {url}); check the path, "
                       "or create the database with `python -m db upgrade`.")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    source = ("--url" if args.url else "DATABASE_URL" if os.environ.get("DATABASE_URL")
              else "the default URL")
    args.url = args.url or database_url()
    try:
        if args.database:
            _check_url(args.url, source, args.database)
        return args.func(args)
    except CliError as e:
        print(f"Error: {e}", file=sys.stderr)
    except ValidationError as e:
        print(f"Error in {e.field}: {e.message}", file=sys.stderr)
    except ServiceError as e:
        print(f"Error: {e}", file=sys.stderr)
    except DBAPIError as e:
        check = ("Check the path in the URL." if args.url.startswith("sqlite")
                 else "Check the URL and that the database server is running.")
        print(f"Error: cannot use the database at {_shown(args.url)}: {_sentence(e.orig)} {check}",
              file=sys.stderr)
    except CommandError as e:
        print(f"Error: cannot upgrade the database: {_sentence(e)}", file=sys.stderr)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - one line, not a traceback, for anything else too
        print(f"Error: {type(e).__name__}: {_one_line(e)}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
