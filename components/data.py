"""The one seam between Streamlit and the database: a cached `Database` per process."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import DBAPIError

from db import migrate
from db.session import Database, database_url


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message tells the user what to do."""


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    return Database(url)


_ready: set[str] = set()


def database() -> Database:
    """The process's Database, after checking once that its schema is current."""
    url = database_url()
    db = _database(url)
    if url not in _ready:
        try:
            current = migrate.current_revision(db.engine)
        except DBAPIError as e:
            raise DatabaseUnavailable(
                "The app cannot reach its database. Check that the database server is running "
                "and that DATABASE_URL is right, then reload this page."
            ) from e
        if current != migrate.head_revision():
            raise DatabaseUnavailable(
                "The database schema is not up to date (it is at "
                f"{current or 'no version'}, the app needs {migrate.head_revision()}). "
                "Run `python -m db upgrade` (or `make run`), then reload this page."
            )
        _ready.add(url)
    return db
