"""Counting the SQL statements an engine runs: the no-N+1 budget in tests, and the benchmark.

    with count_statements(db.engine) as log:
        ...
    assert log.count <= 10, log.statements

Transaction control (BEGIN, COMMIT, SAVEPOINT, ...) is kept apart from the count: on SQLite the
app issues its own BEGIN (db.session), on PostgreSQL the driver does it unseen, and a budget
should mean the same on both engines.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event

_CONTROL = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)
_START = "_lcd_stats_started"


@dataclass
class Statement:
    sql: str
    seconds: float = 0.0
    many: bool = False  # executemany: one statement, several parameter sets
    # As the driver got them (the benchmark replays SQLite's statements with them: SQLite's
    # execute returns at the first row, and a streamed GROUP BY does its work while the rows
    # are fetched, outside the time above).
    parameters: object = None


@dataclass
class StatementLog:
    """What ran while the block was open (from any thread using the engine)."""

    statements: list[Statement] = field(default_factory=list)
    transaction_control: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.statements)

    def __repr__(self) -> str:
        return f"<StatementLog: {self.count} statements, {self.seconds * 1000:.1f} ms>"

    def report(self, width: int = 160) -> str:
        """One line per statement, for an assertion message."""
        return "\n".join(f"{n:>3}. {s.seconds * 1000:7.1f} ms  {' '.join(s.sql.split())[:width]}"
                         for n, s in enumerate(self.statements, 1))


@contextmanager
def count_statements(engine: Engine | type[Engine] = Engine) -> Iterator[StatementLog]:
    """Record the statements `engine` runs inside the block (every engine by default).

    Listens to SQLAlchemy's cursor events, so ORM, Core and exec_driver_sql statements all
    count; a statement run with executemany counts once.
    """
    log = StatementLog()

    def before(conn, _cursor, statement, parameters, context, executemany):
        if _CONTROL.match(statement):
            with log._lock:
                log.transaction_control += 1
            return
        entry = Statement(statement, many=executemany, parameters=parameters)
        with log._lock:
            log.statements.append(entry)
        conn.info[_START] = (entry, time.perf_counter())  # one statement at a time per connection

    def after(conn, _cursor, statement, _parameters, _context, _executemany):
        started = conn.info.pop(_START, None)
        if started is not None:
            entry, t0 = started
            entry.seconds = time.perf_counter() - t0

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
