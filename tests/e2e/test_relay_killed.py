"""The relay dies mid-session: both apps end with exit 5 and one sentence a person can act on."""

from __future__ import annotations

import signal
import time

import pytest

from tests.e2e.conftest import Apps, Relay

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]

#: The apps try to resume this long (instead of 30 s) before giving up on a relay that is gone.
RESUME_WINDOW_S = 2.0

REASONS = {
    # The relay said goodbye first (Error(RELAY_SHUTDOWN)): no point in trying to resume.
    signal.SIGTERM: (
        "The relay is shutting down for maintenance. Try again in a few minutes.",
        "The relay is shutting down for maintenance. Try again in a few minutes.",
    ),
    # The relay vanished: the apps tried to resume for the window, then gave up, each
    # saying what that person can do (only the agent can make a new code).
    signal.SIGKILL: (
        "The relay stopped answering, so the session could not be picked up again. If you "
        "still need help, contact the support desk again and ask the agent for a new code.",
        "The relay stopped answering, so the session could not be picked up again. When the "
        "relay is back, start a new session and give the customer the new code.",
    ),
}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_relay_dying_ends_both_sides_with_a_reason(
    relay: Relay, apps: Apps, sig: signal.Signals
) -> None:
    apps.extra_env["ASSIST_RESUME_WINDOW_S"] = str(RESUME_WINDOW_S)
    agent, code = apps.agent(relay.url, relay.token, "--duration", "60")
    customer = apps.customer(relay.url, code, "--duration", "60")
    customer.wait_line("state: sharing")

    killed_at = time.monotonic()
    relay_exit, _ = relay.stop(sig)
    assert customer.wait_exit() == 5, customer
    assert agent.wait_exit() == 5, agent
    took = time.monotonic() - killed_at
    print(f"{sig.name}: both apps ended {took:.1f} s after the relay died")

    to_customer, to_agent = REASONS[sig]
    assert customer.reason == to_customer, customer
    assert agent.reason == "assist-agent: " + to_agent, agent
    assert customer.out[-1] == "state: ended (error)", customer
    if sig is signal.SIGTERM:
        assert relay_exit == 0, relay.logs()
        assert "state: reconnecting" not in customer.out, customer
    else:
        assert "state: reconnecting" in customer.out, customer
    assert took < RESUME_WINDOW_S + 10, f"the apps took {took:.1f} s to give up"
