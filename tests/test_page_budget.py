"""The budget every page meets on the small benchmark organisation (issue 7): a warm rerun issues
at most 10 SQL statements (no N+1), shows no exception, and sends at most 5,000 rows to any chart.

Every page for every role that sees it, then the object pages through their links at their
busiest object and every analytics tab over two years. Timings are measured by `make bench`, not
here: this machine is shared and noisy; statement counts and row counts are not.
"""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from bench.apptest import (
    LINKS,
    Case,
    cases,
    chart_rows,
    linked_cases,
    new_session,
    open_page,
    sign_in,
)
from db import analytics, migrate, seed
from db.session import Database
from db.stats import count_statements
from tests.conftest import ENGINES, pg_copy

STATEMENTS = 10
CHART_ROWS = 5_000
SCALE = "small"  # a tenth of the medium reference set; seeds in about 20-50 s on SQLite

# Over budget in code another change is reworking; strict, so a fix shows up as XPASS.
OVER_BUDGET: dict[str, str] = {}


@pytest.fixture(scope="module", params=ENGINES)
def organisation(request, tmp_path_factory) -> str:
    """URL of one seeded organisation per engine, shared by every test in this module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('budget') / 'small.db'}"
        migrate.upgrade(url)
        yield _seeded(url)
        return
    with pg_copy(request.getfixturevalue("pg_template"), prefix="lcd_budget") as url:
        yield _seeded(url)


def _seeded(url: str) -> str:
    db = Database(url)
    try:
        seed.seed_demo(db, scale=SCALE)
    finally:
        db.dispose()
    return url


@pytest.fixture
def org_db(organisation, monkeypatch) -> Database:
    """The seeded organisation; the app (AppTest) is pointed at it too."""
    monkeypatch.setenv("DATABASE_URL", organisation)
    database = Database(organisation)
    yield database
    database.dispose()


def _marked(value: object, name: str):
    reason = OVER_BUDGET.get(name)
    return pytest.param(value, id=name, marks=[pytest.mark.xfail(strict=True, reason=reason)]
                        if reason else [])


def check_budget(db: Database, case: Case) -> None:
    at = new_session(db, case.role)
    open_page(at, case)
    assert not at.exception, [e.message for e in at.exception]
    with count_statements() as log:  # every engine: the app's own Database is cached inside it
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert not [w for w in at.warning if "Please sign in" in w.value], "not signed in"
    assert log.count <= STATEMENTS, (
        f"{case.id}: {log.count} statements on a warm rerun\n{log.report()}")
    rows = chart_rows(at)
    assert max(rows, default=0) <= CHART_ROWS, f"{case.id}: chart rows {rows}"


@pytest.mark.parametrize("case", [_marked(c, c.id) for c in cases()])
def test_page_meets_the_budget(org_db, case):
    check_budget(org_db, case)


@pytest.fixture(scope="module")
def links(organisation) -> dict[str, Case]:
    db = Database(organisation)
    try:
        return linked_cases(db)
    finally:
        db.dispose()


@pytest.mark.parametrize("name", [_marked(n, n) for n in LINKS])
def test_linked_page_meets_the_budget(org_db, links, name):
    if name not in links:
        pytest.skip("the organisation has no such object")
    check_budget(org_db, links[name])


def test_signing_in_keeps_the_analytics_caches(org_db):
    # Analytics caches are keyed on analytics.data_version: were sign-ins part of it, every
    # sign-in anywhere would send the next leader to a cold page.
    with org_db.read() as s:
        before = analytics.data_version(s)
    sign_in(org_db, "lena")
    with org_db.read() as s:
        assert analytics.data_version(s) == before


def test_statement_counter_counts_statements_not_transactions(db):
    with count_statements(db.engine) as log:
        with db.write() as s:
            s.execute(select(literal(1)))
            s.execute(select(literal(2)))
        with db.read() as s:
            s.execute(select(literal(3)))
    with db.read() as s:
        s.execute(select(literal(4)))  # after the block: not counted
    assert log.count == 3
    assert all("BEGIN" not in st.sql.upper() for st in log.statements)
