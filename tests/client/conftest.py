"""Fixtures for the customer's app tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assist_client.session import CustomerSession
from tests.client.fakes import CODE, MONITOR, SECOND, FakeNetworks, FakeSource


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform cannot raise or shape windows; that is not what these tests check.
    for item in items:
        if "tests/client/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support"))


@pytest.fixture(autouse=True)
def _fresh_fakes() -> Iterator[None]:
    FakeSource.reset()
    yield


@pytest.fixture
def networks() -> FakeNetworks:
    """The fake networks this test's code made; ``networks.last`` plays the agent."""
    return FakeNetworks()


@pytest.fixture
def session(qtbot: object, networks: FakeNetworks) -> Iterator[CustomerSession]:
    s = CustomerSession(
        "ws://127.0.0.1:1",
        CODE,
        [MONITOR, SECOND],
        network_factory=networks,
        source_factory=FakeSource,
    )
    s.start()
    yield s
    if s.streamer is not None:
        s.streamer.stop()
        s.streamer.join(2)


from tests.helpers.xvfb import xvfb_display  # noqa: E402, F401 - a fixture for the Xvfb tests
