"""Fixtures: a fresh migrated database per test, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

Migrations run once per engine per test session into a template; each test gets a copy (a file
copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL), so tests are isolated and fast.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# Set before the app's modules read them.
os.environ.setdefault("BCRYPT_ROUNDS", "4")
os.environ["AUTH_COOKIE_KEY"] = "test-" + "k3y-Z9qLmN4pRsTuVwXy2AbCdEfGhJ" * 2
os.environ.pop("APP_DEMO", None)

from db import migrate, signin, users  # noqa: E402
from db.actors import SYSTEM, Actor  # noqa: E402
from db.session import Database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"

ENGINES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


def _drop_database(admin, name: str) -> None:
    """Drop a test database, even while an autovacuum worker is still connected to it.

    WITH (FORCE) terminates other sessions, which a non-superuser may only do for its own
    sessions (or with pg_signal_backend, which .ci/run grants); without it, retry the plain
    DROP a few times until the worker has left.
    """
    from sqlalchemy.exc import DBAPIError

    for attempt in range(20):
        try:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError:
            if attempt == 19:
                raise
            time.sleep(0.25)  # teardown only: wait for the autovacuum worker to finish


@pytest.fixture(scope="session")
def pg_template() -> str | None:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return None
    name = f"lcd_tpl_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    migrate.upgrade(make_url(base).set(database=name).render_as_string(hide_password=False))
    yield name
    _drop_database(admin, name)
    admin.dispose()


@pytest.fixture(params=ENGINES)
def database_url(request, tmp_path) -> str:
    """URL of a fresh, migrated, empty database for this test."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "app.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    with pg_copy(request.getfixturevalue("pg_template"), prefix="lcd_t") as url:
        yield url


@contextmanager
def pg_copy(template: str, *, prefix: str) -> Iterator[str]:
    """URL of a new PostgreSQL database copied from `template`, dropped afterwards."""
    base = os.environ["TEST_DATABASE_URL"]
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(admin, name)
        admin.dispose()


@pytest.fixture
def db(database_url, monkeypatch) -> Database:
    """The test's Database; the app (AppTest) is pointed at the same one."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def _navigation_in_steady_state(monkeypatch):
    """Run AppTest like a server on which app.py has called st.navigation before.

    AppTest resets Streamlit's "pages folder" mode before every run, as if each run were the
    first request to a fresh server, where Streamlit runs a page file without app.py. The app
    handles that (components.nav.reroute_if_run_directly, checked in a real browser), but the
    reroute drops widget events, so AppTest's clicks would be lost.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def _fresh_streamlit_caches():
    """st.cache_* survive between AppTest runs in one process: start every test clean."""
    from components import data

    st.cache_data.clear()
    st.cache_resource.clear()
    data._ready.clear()
    yield
    st.cache_resource.clear()


def add_person(db: Database, username: str, roles: list[str] | str,
               password: str = PASSWORD, name: str | None = None) -> Actor:
    """Create a person directly through the service and return them as an Actor."""
    roles = [roles] if isinstance(roles, str) else roles
    with db.write() as s:
        uid = users.create_user(s, actor=SYSTEM, username=username, password=password,
                                name=name or username.title(), roles=roles)
    return Actor(id=uid, username=username, name=name or username.title(),
                 roles=frozenset(roles))


def open_session(db: Database, username: str) -> str:
    """A live server-side sign-in session for `username` (as if they had used the form)."""
    with db.write() as s:
        sid, _ = signin.start(s, username=username, cookie_token=None, ip_address="test",
                              lifetime=timedelta(days=1))
    return sid


@pytest.fixture
def people(db) -> dict[str, Actor]:
    """One person per role, plus a second trainer."""
    return {
        "learner": add_person(db, "lena", "learner", name="Lena Fischer"),
        "trainer": add_person(db, "tomas", "trainer", name="Tomas Ribeiro"),
        "trainer2": add_person(db, "mei", "trainer", name="Mei Chen"),
        "leader": add_person(db, "lars", "leader", name="Lars Andersson"),
        "admin": add_person(db, "ada", "admin", name="Ada Okafor"),
    }


def pytest_sessionfinish(session, exitstatus):
    """With REQUIRE_BROWSER=1 (CI), a skipped browser journey fails the run."""
    if os.environ.get("REQUIRE_BROWSER") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = [r for r in (reporter.stats.get("skipped", []) if reporter else [])
               if "browser" in getattr(r, "keywords", {})]
    if skipped:
        reporter.write_line(f"{len(skipped)} browser test(s) were skipped: failing the run.",
                            red=True)
        session.exitstatus = 1
