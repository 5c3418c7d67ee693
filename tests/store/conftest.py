"""The store tests run once per backend: `db` is a fresh SQLite file, or a fresh
database on the session's private PostgreSQL server (tests/support/postgres.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """Where a test opens its store (`Store.open(db)`): a path or a postgresql:// URL."""
    if request.param == "sqlite":
        return tmp_path / "h.sqlite3"
    return request.getfixturevalue("fresh_pg_database")
