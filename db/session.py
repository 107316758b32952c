"""Engine and session factories: one `Database` per process, built from a URL.

Reads use `db.read()`; anything that changes state uses `db.write()`, one transaction that the
caller owns. On SQLite a write transaction starts with BEGIN IMMEDIATE: pysqlite otherwise begins
lazily and a read-then-write transaction can fail at once with "database is locked". A process's
writers queue in arrival order for a few write slots (one on SQLite, where every write goes
through one held connection), see `Database.write`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Executable, Result, create_engine, event
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///data/app.db"
POOL_SIZE = 10  # PostgreSQL: connections kept open, plus as many again under bursts
# PostgreSQL: write transactions one process runs at once. Its Python runs on one core at a time
# (the GIL), so more only makes each wait longer for the interpreter between statements while
# holding its row locks, and the audit chain's head, which every other write then waits for:
# with 8 writers, 4 slots cut p95 from 38-57 to 33-44 ms here at the same p50. Even with a
# database 1 ms away, 4 slots pass a few hundred writes a second per app server.
PG_WRITE_SLOTS = 4
WRITE_WAIT_SECONDS = 30  # as long as SQLite's busy timeout and the pool's timeout
PING_AFTER_IDLE_SECONDS = 2.0  # PostgreSQL: a pooled connection idle longer is tested first


def database_url() -> str:
    """The configured database URL (`DATABASE_URL`), SQLite at data/app.db by default."""
    return os.environ.get("DATABASE_URL") or DEFAULT_URL


def make_engine(url: str) -> Engine:
    """An engine with the SQLite settings the app relies on (WAL, foreign keys, busy timeout)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    # Fail fast instead of hanging when the server is unreachable or the network dies mid-query:
    # a bounded connect and TCP keepalives (no statement timeout: seeding runs long statements).
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_SIZE,
                           connect_args={"connect_timeout": 10, "keepalives": 1,
                                         "keepalives_idle": 30, "keepalives_interval": 10,
                                         "keepalives_count": 3})
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Test a pooled connection before use only when it has been idle a while.

    SQLAlchemy's pool_pre_ping tests every checkout: one more round trip on every page run and
    every write (a vote is 14 without it). A connection used moments ago is as good as the last
    statement that ran on it; one idle longer may have outlived a server restart, so it is
    tested and, if dead, replaced before anyone sees an error. A server that dies between two
    busy moments fails the statement instead: the write says it was not saved, and SQLAlchemy
    then discards every pooled connection, so the next attempt connects afresh.
    """
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return  # new, or just used
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as e:  # noqa: BLE001 - any failure means: use another connection
            # The pool discards this connection and checks out a fresh one instead.
            raise DisconnectionError(f"pooled connection failed its ping: {e}") from e


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take over transaction control from pysqlite so BEGIN is ours to issue.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def run(session: Session, statement: Executable, params=None) -> Result:
    """Execute a Core statement in the session's transaction, past the ORM's execute layer.

    Session.execute sends every statement through the ORM's compile and loading steps, which
    doubles the Python time of a small statement (60 against 30 microseconds here). The
    writes people make most (a vote is 11 statements, an answer 14) run theirs through this;
    pending ORM changes are flushed first, as Session.execute's autoflush would.
    """
    session.flush()
    return session.connection().execute(statement, params)


class Database:
    """The process's engine with a reader and a writer sessionmaker."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        path = self.engine.url.database if self.is_sqlite else None
        self._on_file = bool(path) and path != ":memory:"
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite
            else self.engine, expire_on_commit=False)
        # SQLite: every write goes through one connection, opened at the first write and held.
        # Only one write runs at a time anyway (one write slot, below), and a connection keeps
        # its page cache only while no other connection writes: writes taking turns on pooled
        # connections each began with an empty cache and read their pages again (8 writers:
        # 5-15% more answers a second through one connection, on the medium set).
        self._write_connection: Connection | None = None
        # Many writers at once (50 people voting) otherwise wait where it is unfair: in SQLite's
        # busy handler (sleep and retry), in the pool (a woken waiter that loses the race goes
        # to the back) and on PostgreSQL row locks (a newcomer can take a row just freed). Some
        # then wait past 30 s and fail. Here they wait in arrival order, without a connection.
        self._write_slots = _FairSlots(1 if self.is_sqlite else PG_WRITE_SLOTS)
        self._checkpointer = _Checkpointer(path) if self._on_file else None
        if self._checkpointer is not None:
            @event.listens_for(self.engine, "connect")
            def _no_checkpoint_in_commits(dbapi_conn, _record):
                dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

            self._checkpointer.ensure_running()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        if self._checkpointer is not None:
            self._checkpointer.ensure_running()  # after a quiet spell it may have stopped
        with self._one_writer(), self._write_session() as session, session.begin():
            yield session

    def _write_session(self) -> Session:
        """A session for one write; called holding the write slot."""
        if not self._on_file:
            return self._writer()
        if self._write_connection is None or self._write_connection.closed:
            self._write_connection = self.engine.connect().execution_options(
                sqlite_immediate=True)
        return self._writer(bind=self._write_connection)

    @contextmanager
    def _one_writer(self) -> Iterator[None]:
        if not self._write_slots.acquire(WRITE_WAIT_SECONDS):
            # A database error, so that forms say "Not saved" as for any other failed write.
            raise OperationalError("BEGIN", None, TimeoutError(
                f"no write slot free within {WRITE_WAIT_SECONDS} s: the database is too busy"))
        try:
            yield
        finally:
            self._write_slots.release()

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        with self._one_writer():  # not while a write is using it
            if self._write_connection is not None:
                self._write_connection.close()
                self._write_connection = None
        self.engine.dispose()


class _Checkpointer:
    """SQLite: copies the write-ahead log into the database file from a thread of its own.

    Left to itself, SQLite does it inside the commit that takes the log past 1,000 pages: that
    write then waits while pages are copied into the file and synced (5-15 ms on the medium
    database here, far more on a slow disk), and every writer queued behind it waits too. The
    app's connections never checkpoint (wal_autocheckpoint=0); this thread does a passive
    checkpoint every second, which never blocks readers or writers. It ends after a minute
    without new writes (Database.write starts it again) and when the Database is disposed.
    When the last connection to the file closes, SQLite checkpoints whatever is left.
    """

    EVERY_SECONDS = 1.0
    QUIET_CHECKS = 60

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def ensure_running(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint",
                                                daemon=True)
                self._thread.start()

    def checkpoint(self, conn: sqlite3.Connection) -> tuple[int, int]:
        """One passive checkpoint: (frames in the log, frames copied into the file)."""
        _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return frames, copied

    def _run(self) -> None:
        # Its own connection, outside SQLAlchemy: not from the pool, and not counted by the
        # statement logs of whatever is being measured meanwhile. Read-write, never create: a
        # file not made yet is not this thread's to make (a write starts it again later).
        try:
            conn = sqlite3.connect(Path(self.path).resolve().as_uri() + "?mode=rw", uri=True,
                                   timeout=0, check_same_thread=False)
        except sqlite3.Error as e:
            log.debug("No WAL checkpoints for %s: %s", self.path, e)
            return
        try:
            last, quiet = None, 0
            while not self._stop.wait(self.EVERY_SECONDS):
                try:
                    state = self.checkpoint(conn)
                except sqlite3.Error as e:  # e.g. the file was removed; a write restarts us
                    log.warning("WAL checkpoint of %s failed: %s", self.path, e)
                    return
                quiet = quiet + 1 if state == last else 0
                if quiet >= self.QUIET_CHECKS:
                    return
                last = state
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)


class _FairSlots:
    """A semaphore that serves waiters strictly in arrival order: a freed slot is handed to
    the longest waiter, never to a newcomer."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiting: deque[threading.Event] = deque()
        self._lock = threading.Lock()

    def acquire(self, timeout: float) -> bool:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def release(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._free += 1
