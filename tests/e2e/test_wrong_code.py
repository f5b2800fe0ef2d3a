"""A wrong code ends the attempt on both sides, and burns the code for good."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Apps, Relay, audit

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]


def wrong_secret(code: str) -> str:
    nameplate, secret = code[:3], code.replace("-", "")[3:]
    other = "000000" if secret != "000000" else "111111"
    return f"{nameplate}-{other[:3]}-{other[3:]}"


def test_a_wrong_code_fails_both_sides_and_burns_the_code(relay: Relay, apps: Apps) -> None:
    agent, code = apps.agent(relay.url, relay.token, "--duration", "30")
    guesser = apps.customer(relay.url, wrong_secret(code))

    assert guesser.wait_exit() == 3, guesser
    assert guesser.reason.startswith("The code did not match."), guesser
    assert "state: sharing" not in guesser.out
    assert agent.wait_exit() == 3, agent
    assert agent.reason.startswith("assist-agent: The code did not match"), agent

    # The right code is no good any more: the relay refuses the nameplate.
    late = apps.customer(relay.url, code)
    assert late.wait_exit() == 3, late
    assert late.reason == (
        "No session is waiting for that code. Check the code, or ask the agent for a new one."
    )
    assert late.out == ["state: connecting", "state: ended (error)"]
    [row] = audit(relay)
    assert row["end_reason"] == "pairing_failed" and row["established"] is None, row
