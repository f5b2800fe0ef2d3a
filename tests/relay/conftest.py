"""Fixtures of the relay's tests."""

from __future__ import annotations

import pytest

from tools.servers import Postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test runs against SQLite and a real PostgreSQL (its own database)."""
    if request.param == "sqlite":
        return ""
    server: Postgres = request.getfixturevalue("postgres")
    return server.new_database()
