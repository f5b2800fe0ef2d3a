"""A network blip: the session resumes through the relay and sharing goes on (real relay)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from assist_client.monitors import enumerate_monitors
from assist_client.session import CustomerSession, State
from common.messages import Frame, Pause
from tests.helpers.relay_harness import RelayProcess, add_agent
from tools.scripted_agent import ScriptedAgent

pytestmark = pytest.mark.xvfb


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[RelayProcess, str]]:
    token = add_agent(tmp_path / "relay")
    proc = RelayProcess(tmp_path / "relay")
    yield proc, token
    proc.stop()


def test_a_dropped_connection_resumes_and_sharing_goes_on(
    xvfb_display: str, relay: tuple[RelayProcess, str], qtbot: QtBot
):
    proc, token = relay
    agent = ScriptedAgent(proc.url, token)
    session = CustomerSession(proc.url, agent.wait_code(), enumerate_monitors([]))
    states: list[State] = []
    session.state_changed.connect(states.append)
    session.consent_needed.connect(lambda: session.grant(True, 0))
    try:
        session.start()
        qtbot.waitUntil(lambda: bool(agent.of_type(Frame)), timeout=15000)
        net = session._net
        assert net is not None
        with qtbot.wait_signal(session.reconnected, timeout=15000):
            net.call(net.connection.drop_connection)  # type: ignore[attr-defined]
        assert State.RECONNECTING in states and session.state is State.SHARING
        session.pause()  # the resumed channel carries messages on, in order
        agent.wait_for(lambda m: m == Pause(True), 10)
    finally:
        session.stop()
        session.finish()
        agent.close()
