"""Engine and session factories: one `Database` per process, built from a URL.

Reads use `db.read()`; anything that changes state uses `db.write()`, one transaction that the
caller owns. On SQLite a write transaction starts with BEGIN IMMEDIATE: pysqlite otherwise begins
lazily and a read-then-write transaction can fail at once with "database is locked". SQLite takes
one writer at a time, so one process's writers also queue on a lock (see `Database.write`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///data/app.db"
WRITE_WAIT_SECONDS = 30  # as long as SQLite's busy timeout


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
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


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


class Database:
    """The process's engine with a reader and a writer sessionmaker."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer_bind = (
            self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        )
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(writer_bind, expire_on_commit=False)
        # SQLite's busy handler sleeps and retries, so with many waiting writers some starve
        # past the busy timeout ("database is locked") while each holds a pooled connection.
        # Queued on a lock, they wait without a connection and are woken as soon as it is free.
        self._write_lock = threading.RLock() if self.is_sqlite else None

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
        with self._one_writer(), self._writer.begin() as session:
            yield session

    @contextmanager
    def _one_writer(self) -> Iterator[None]:
        lock = self._write_lock
        if lock is None:
            yield
            return
        if not lock.acquire(timeout=WRITE_WAIT_SECONDS):
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked"))
        try:
            yield
        finally:
            lock.release()

    def dispose(self) -> None:
        self.engine.dispose()
