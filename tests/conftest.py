"""Test-wide settings: Qt draws offscreen unless a test starts its own X server."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assist_ui.collector import collect_due
from tools.servers import Postgres, Redis, postgres_server, redis_server
from tools.throwaway_ca import ThrowawayCA

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session", autouse=True)
def _collect_on_the_main_thread() -> Iterator[None]:
    """As in the apps (assist_ui/collector.py): cycles are collected on the main thread
    only, between tests — never by a test's network thread finalizing the Qt windows an
    earlier test left in a cycle (which hung that thread, then crashed the run)."""
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test() -> Iterator[None]:
    yield
    collect_due()


@pytest.fixture(scope="session")
def throwaway_ca(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThrowawayCA]:
    """A CA made for this test run; relays in end-to-end tests serve certificates from it."""
    yield ThrowawayCA.create(Path(tmp_path_factory.mktemp("ca")))


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server for this test run (tests/helpers/servers.py)."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def redis_srv() -> Iterator[Redis]:
    """A Redis server for this test run (tests/helpers/servers.py)."""
    with redis_server() as server:
        yield server
