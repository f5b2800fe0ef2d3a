"""A wrong code ends the attempt on both sides, and burns the code for good."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Apps, Relay, audit
from tests.helpers.codes import a_guess

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]


def a_typo(code: str) -> str:
    digits = code.replace("-", "")
    swapped = next(i for i in range(len(digits) - 1) if digits[i] != digits[i + 1])
    d = digits[:swapped] + digits[swapped + 1] + digits[swapped] + digits[swapped + 2 :]
    return f"{d[:3]}-{d[3:6]}-{d[6:]}"


def test_a_typo_is_caught_by_the_app_and_the_code_still_works(relay: Relay, apps: Apps) -> None:
    agent, code = apps.agent(relay.url, relay.token, "--duration", "2")
    typo = apps.customer(relay.url, a_typo(code))
    assert typo.wait_exit() == 2, typo
    assert "That code has a typo. Please check it with the agent" in typo.reason, typo
    assert audit(relay)[0]["paired"] is None  # the relay never heard of the typo

    customer = apps.customer(relay.url, code)
    assert customer.wait_exit() == 0, customer
    assert "agent: Alice Kim (Acme Support)" in customer.out, customer
    assert agent.wait_exit() == 0, agent


def test_a_wrong_code_fails_both_sides_and_burns_the_code(relay: Relay, apps: Apps) -> None:
    agent, code = apps.agent(relay.url, relay.token, "--duration", "30")
    guesser = apps.customer(relay.url, str(a_guess(code)))

    assert guesser.wait_exit() == 3, guesser
    assert guesser.reason.startswith("The code did not match."), guesser
    assert "state: sharing" not in guesser.out
    # The guesser never learns whose session it hit: the name comes after key confirmation.
    assert not any(line.startswith("agent:") for line in guesser.out), guesser
    assert agent.wait_exit() == 3, agent
    assert agent.reason.startswith("assist-agent: The code did not match"), agent

    # The right code is no good any more, and the customer is told why.
    late = apps.customer(relay.url, code)
    assert late.wait_exit() == 3, late
    assert late.reason == (
        "Someone else tried this code, so it was closed to keep you safe. "
        "Ask the agent for a new code."
    )
    assert late.out == ["state: connecting", "state: ended (error)"]
    [row] = audit(relay)
    assert row["end_reason"] == "pairing_failed" and row["established"] is None, row
