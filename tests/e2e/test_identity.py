"""Verified agent identity, as processes over wss://: the organisation's key ceremony with
the admin commands, a verified prompt for a customer who pins the organisation, and a
refusal before anything is captured for a wrong key, a withdrawn card or a swapped one."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from common import identity
from tests.e2e.conftest import Apps, Relay

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]


class Desk:
    """The organisation Acme Support, registered on the relay, with agent alice's card."""

    def __init__(self, relay: Relay, apps: Apps, tmp_path: Path) -> None:
        self.relay, self.apps = relay, apps
        self.key = tmp_path / "acme.key"
        out = relay.admin("org", "init", "--org", "Acme Support", "--key", str(self.key))
        found = re.search(r"\d{5}(?: \d{5}){5}", out)
        assert found, out
        self.fingerprint = found.group(0)
        self.serials: list[int] = []
        relay.admin("org", "register", "--key", f"{self.key}.pub")

    def first_sign_in(self, home: str = "alice") -> None:
        """The agent's app makes its key; without a card yet the relay refuses, politely."""
        token_file = self.apps.home / f"{home}-token"
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(self.relay.token + "\n")
        agent = self.apps.start(
            "assist-agent", "--relay", self.relay.url, "--token-file", str(token_file)
        )
        assert agent.wait_exit() == 3, agent
        assert "has none yet. Ask your admin to issue one" in agent.reason, agent

    def issue(self, name: str = "alice") -> int:
        out = self.relay.admin(
            "org", "issue", "--key", str(self.key), "--agent", name, "--team", "Network"
        )
        found = re.search(r"certificate (\d+)", out)
        assert found, out
        self.serials.append(int(found.group(1)))
        return self.serials[-1]

    def pin(self, fingerprint: str | None = None) -> str:
        return f"Acme Support={fingerprint or self.fingerprint}"


@pytest.fixture
def desk(relay: Relay, apps: Apps, tmp_path: Path) -> Desk:
    d = Desk(relay, apps, tmp_path)
    d.first_sign_in()
    d.issue()
    return d


def test_a_pinned_organisation_shows_a_verified_agent(desk: Desk, relay: Relay, apps: Apps) -> None:
    agent, code = apps.agent(relay.url, relay.token, "--duration", "2")
    card = agent.wait_line(r"identity card: .*")
    assert card.group(0).startswith("identity card: valid until"), agent
    assert desk.fingerprint in card.group(0)
    customer = apps.customer(relay.url, code, "--trust-org", desk.pin())
    assert customer.wait_exit() == 0, customer
    assert "agent: Alice Kim (Acme Support)" in customer.out, customer
    assert (
        f"identity: verified (Acme Support, team Network; organisation key {desk.fingerprint})"
        in customer.out
    ), customer
    assert "state: sharing" in customer.out
    assert agent.wait_exit() == 0, agent


def test_without_a_pin_the_prompt_says_not_verified(desk: Desk, relay: Relay, apps: Apps) -> None:
    agent, code = apps.agent(relay.url, relay.token, "--duration", "2")
    customer = apps.customer(relay.url, code)
    assert customer.wait_exit() == 0, customer
    assert (
        f"identity: not verified (organisation key {desk.fingerprint} not pinned)" in customer.out
    )
    assert agent.wait_exit() == 0, agent


def refused(apps: Apps, relay: Relay, pin: str, agent_says: str) -> list[str]:
    """The customer refuses before sharing (exit 6, a sentence); the agent hears why."""
    agent, code = apps.agent(relay.url, relay.token, "--duration", "30")
    customer = apps.customer(relay.url, code, "--trust-org", pin)
    assert customer.wait_exit() == 6, customer
    assert "Assist stopped before sharing anything." in customer.reason, customer
    assert "state: sharing" not in customer.out and "state: asking" not in customer.out
    assert not any(line.startswith("agent:") for line in customer.out), customer
    assert agent.wait_exit() == 3, agent
    assert agent_says in agent.reason, agent
    return [customer.reason]


def test_another_key_for_the_pinned_name_is_refused(desk: Desk, relay: Relay, apps: Apps) -> None:
    other = identity.fingerprint(bytes(32))
    (reason,) = refused(apps, relay, desk.pin(other), "does not accept your identity card")
    assert "not signed with the key this computer trusts for Acme Support" in reason


def test_a_withdrawn_card_is_refused(desk: Desk, relay: Relay, apps: Apps, tmp_path: Path) -> None:
    """The organisation withdrew the card in its signed list; a relay that did not act on it
    still cannot make the customer accept the card."""
    crl = tmp_path / "list.crl"
    serials = ",".join(map(str, desk.serials))
    relay.admin("org", "crl", "--key", str(desk.key), "--revoked", serials, "--out", str(crl))
    relay.admin("org", "upload", str(crl))
    (reason,) = refused(apps, relay, desk.pin(), "found your identity card withdrawn")
    assert "The organisation has withdrawn this helper's identity card." in reason


def test_a_relay_that_hands_out_someone_elses_card_is_caught(
    desk: Desk, relay: Relay, apps: Apps
) -> None:
    """A tampered relay gives bob's app alice's card; bob's app cannot sign for alice's key."""
    bob_token = relay.add_agent("bob", "Bob Park", "Acme Support")
    relay.token = bob_token
    apps.extra_env["XDG_DATA_HOME"] = str(apps.home / "bob-data")  # bob's own computer
    desk.first_sign_in("bob")
    db = sqlite3.connect(relay.data_dir / "relay.sqlite3")
    (bob_key,) = db.execute("SELECT public_key FROM agent_keys WHERE agent = 'bob'").fetchone()
    db.execute("UPDATE certificates SET agent = 'bob', public_key = ?", (bob_key,))
    db.commit()
    db.close()
    (reason,) = refused(apps, relay, desk.pin(), "does not belong to this computer's key")
    assert "belongs to someone else or to another session" in reason
