"""The help desk as processes over wss://: a customer asks for help from the app with no
code, waits with a position and an estimate, an agent takes the next customer, the
customer's app checks the agent's certificate against its pin and shares; an agent of
an organisation the customer did not pin cannot answer; a customer may leave the
queue; a closed desk says so and offers a callback."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import WAIT_S, Apps, Relay, command
from tools.throwaway_ca import ThrowawayCA

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]

DESK_FILE = """
zone = "UTC"
callback_offer_above_s = 3600

[[queue]]
id = "internet"
name = "Internet"
name_ko = "인터넷"
teams = ["Network"]

[[queue]]
id = "closed"
name = "Billing"
name_ko = "요금"
teams = ["Network"]
holidays = ["2026-01-01"]
[queue.hours]
mon-sun = "00:00-00:01"
"""


@pytest.fixture
def desk_relay(tmp_path: Path, throwaway_ca: ThrowawayCA) -> Iterator[tuple[Relay, str]]:
    """A wss:// relay with a desk file and Acme Support's key; alice has her card."""
    data = tmp_path / "relay"
    desk_file = tmp_path / "desk.toml"
    desk_file.write_text(DESK_FILE, encoding="utf-8")
    added = subprocess.run(
        [command("assist-relay"), "agent", "add", "alice", "--data-dir", str(data)]
        + ["--display-name", "Alice Kim", "--org", "Acme Support"],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=True,
    )
    proc = Relay(
        data,
        env={"ASSIST_RELAY_DESK_FILE": str(desk_file)},
        tls=throwaway_ca.issue(f"relay-{tmp_path.name}"),
    )
    proc.token = added.stdout.strip().splitlines()[-1]
    key = tmp_path / "acme.key"
    out = proc.admin("org", "init", "--org", "Acme Support", "--key", str(key))
    found = re.search(r"\d{5}(?: \d{5}){5}", out)
    assert found, out
    proc.admin("org", "register", "--key", f"{key}.pub")
    try:
        yield proc, found.group(0)
        assert "Traceback" not in proc.logs(), proc.logs()
    finally:
        proc.stop(timeout=5)


def sign_in_once(relay: Relay, apps: Apps, key: Path, name: str = "alice") -> None:
    """The agent's app makes its key (refused without a card), then the admin issues one."""
    token_file = apps.home / f"{name}-token"
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.write_text(relay.token + "\n")
    first = apps.start("assist-agent", "--relay", relay.url, "--token-file", str(token_file))
    assert first.wait_exit() == 3, first
    relay.admin("org", "issue", "--key", str(key), "--agent", name, "--team", "Network")


def ask(apps: Apps, relay: Relay, pin: str, *args: str) -> object:
    return apps.start(
        "assist-client", "--relay", relay.url, "--trust-org", pin, "--get-help",
        "--name", "Park Jiwoo 박지우", "--contact", "010-1234-5678",
        "--description", "인터넷이 자꾸 끊겨요", "--consent", *args,
    )  # fmt: skip


def take_next(apps: Apps, relay: Relay, *args: str) -> object:
    token_file = apps.home / "alice-token"
    return apps.start(
        "assist-agent", "--relay", relay.url, "--token-file", str(token_file), "--take-next", *args
    )


def test_asked_from_the_app_taken_next_verified_and_shared_with_no_code(
    desk_relay: tuple[Relay, str], apps: Apps, tmp_path: Path
) -> None:
    relay, fingerprint = desk_relay
    sign_in_once(relay, apps, tmp_path / "acme.key")
    customer = ask(
        apps, relay, f"Acme Support={fingerprint}", "--queue", "internet", "--attach-system"
    )
    customer.wait_line(r"queue: position 1, wait .*")  # type: ignore[attr-defined]
    agent = take_next(apps, relay, "--duration", "2")
    took = agent.wait_line(r"took: (.*)")  # type: ignore[attr-defined]
    assert took.group(1).startswith("Park Jiwoo 박지우 (internet, waited "), agent
    assert took.group(1).endswith("인터넷이 자꾸 끊겨요"), agent
    system = agent.wait_line(r"system: (.*)")  # type: ignore[attr-defined]
    assert "Screens: " in system.group(1) and "Assist " in system.group(1)
    assert customer.wait_exit() == 0, customer  # type: ignore[attr-defined]
    out = customer.out  # type: ignore[attr-defined]
    assert "agent: ready (checking who it is)" in out
    assert "agent: Alice Kim (Acme Support)" in out, customer
    assert any(line.startswith("identity: verified (Acme Support") for line in out), customer
    assert "state: sharing" in out
    assert agent.wait_exit() == 0, agent  # type: ignore[attr-defined]
    assert not any(re.fullmatch(r"code: .*", line) for line in agent.out)  # type: ignore[attr-defined]


def test_an_agent_of_an_organisation_not_pinned_cannot_answer(
    desk_relay: tuple[Relay, str], apps: Apps, tmp_path: Path
) -> None:
    relay, _fingerprint = desk_relay
    sign_in_once(relay, apps, tmp_path / "acme.key")
    # The customer pins another key under the same name (as if the relay were Acme's).
    other = "11111 11111 11111 11111 11111 11111"
    customer = ask(apps, relay, f"Acme Support={other}", "--queue", "internet")
    customer.wait_line(r"queue: position 1, wait .*")  # type: ignore[attr-defined]
    agent = take_next(apps, relay, "--duration", "30")
    assert customer.wait_exit() == 6, customer  # type: ignore[attr-defined]
    assert "Assist stopped before sharing anything." in customer.reason  # type: ignore[attr-defined]
    assert "state: sharing" not in customer.out  # type: ignore[attr-defined]
    assert agent.wait_exit() == 3, agent  # type: ignore[attr-defined]
    assert "does not accept your identity card" in agent.reason  # type: ignore[attr-defined]


def test_a_closed_queue_says_when_it_opens_and_offers_a_callback(
    desk_relay: tuple[Relay, str], apps: Apps
) -> None:
    relay, fingerprint = desk_relay
    customer = ask(apps, relay, f"Acme Support={fingerprint}", "--queue", "closed")
    assert customer.wait_exit() == 3, customer  # type: ignore[attr-defined]
    reason = customer.reason  # type: ignore[attr-defined]
    assert "The desk is closed now and opens" in reason and "Leave a request" in reason
