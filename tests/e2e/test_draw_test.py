"""The agent's marks and chat reach the customer: ``assist-agent --draw-test``."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Apps, Relay

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]


def test_marks_and_chat_from_the_agent_arrive_at_the_customer(relay: Relay, apps: Apps) -> None:
    agent, code = apps.agent(relay.url, relay.token, "--duration", "3", "--draw-test")
    customer = apps.customer(relay.url, code)

    sharing = customer.out.index(customer.wait_line("state: sharing").group(0))
    customer.wait_line("chat: Draw test: an arrow and step 1 are on your screen.", start=sharing)
    customer.wait_line(r"mark: arrow #1", start=sharing)
    customer.wait_line(r"mark: step 1", start=sharing)

    assert customer.wait_exit() == 0, customer
    assert agent.wait_exit() == 0, agent
    assert "agent: Alice Kim (Acme Support)" in customer.out
    marks = [line for line in customer.out if line.startswith("mark")]
    assert marks == ["mark: arrow #1", "mark: step 1"], customer
    assert customer.out[-1] == "state: ended (agent ended)", customer
