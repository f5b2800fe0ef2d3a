"""File hand-over end to end: the apps as processes through a ``wss://`` relay; each file
is the receiving customer's own yes, lands whole in the chosen folder, and is audited
by name, size and hash only."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Apps, Relay, audit

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]


def _file(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    return path


def test_a_file_from_the_agent_lands_whole_where_the_customer_said(
    relay: Relay, apps: Apps, tmp_path: Path
) -> None:
    src = _file(tmp_path / "agent" / "로그 수집기.zip", 6 * 1024 * 1024 + 5)
    inbox = tmp_path / "customer-downloads"
    agent, code = apps.agent(relay.url, relay.token, "--duration", "8", "--send-file", str(src))
    customer = apps.customer(relay.url, code, "--files", "accept", "--files-dir", str(inbox))
    customer.wait_line(r"file: offered 로그 수집기\.zip \(6\.3 MB\) by Alice Kim")
    saved = Path(customer.wait_line(r"file: saved (.*)").group(1))
    agent.wait_line("file: sent 로그 수집기.zip")
    assert saved == inbox / src.name
    assert hashlib.sha256(saved.read_bytes()).digest() == hashlib.sha256(src.read_bytes()).digest()
    assert not list(inbox.glob("*.part"))
    assert customer.wait_exit() == 0, customer
    assert agent.wait_exit() == 0, agent
    room = audit(relay)[0]["room"]
    files = [e for e in room if e["event"] == "file_to_customer"]  # type: ignore[index]
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    assert len(files) == 1 and digest in str(files[0]["detail"]), room  # type: ignore[index]
    assert str(src.stat().st_size) in str(files[0]["detail"])  # type: ignore[index]


def test_a_refused_file_never_lands_and_the_agent_is_told(
    relay: Relay, apps: Apps, tmp_path: Path
) -> None:
    src = _file(tmp_path / "agent" / "fix.sh", 4000)
    inbox = tmp_path / "customer-downloads"
    agent, code = apps.agent(relay.url, relay.token, "--duration", "5", "--send-file", str(src))
    customer = apps.customer(relay.url, code, "--files-dir", str(inbox))  # refuse: default
    customer.wait_line("file: refused fix.sh")
    agent.wait_line(r"file: declined fix\.sh: .*")
    assert customer.wait_exit() == 0 and agent.wait_exit() == 0
    assert not inbox.exists() or not list(inbox.iterdir())
    events = [e["event"] for e in audit(relay)[0]["room"]]  # type: ignore[index]
    assert "file_declined" in events


def test_the_customer_sends_a_file_to_the_agent(relay: Relay, apps: Apps, tmp_path: Path) -> None:
    src = _file(tmp_path / "customer" / "screenshot.png", 700_000)
    inbox = tmp_path / "agent-inbox"
    agent, code = apps.agent(relay.url, relay.token, "--duration", "6", "--files-dir", str(inbox))
    customer = apps.customer(relay.url, code, "--send-file", str(src))
    customer.wait_line("file: sent screenshot.png")
    saved = Path(agent.wait_line(r"file: saved (.*)").group(1))
    assert saved.read_bytes() == src.read_bytes()
    assert customer.wait_exit() == 0 and agent.wait_exit() == 0
    room = json.dumps(audit(relay)[0]["room"])
    assert "file_from_customer" in room and "screenshot.png" in room
