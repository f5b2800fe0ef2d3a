"""A second agent in the session, as processes over wss://: invited, allowed or refused,
removed, and taking over. The lead and the colleague each run in their own home (their
own agent key), as on two desks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import (
    MIN_PSNR_DB,
    SCREEN,
    WAIT_S,
    App,
    Apps,
    Relay,
    command,
    grab,
    psnr,
    showing,
)
from tests.e2e.test_frame_fidelity import text_screen
from tools.throwaway_ca import ThrowawayCA

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]


def add_agent(relay: Relay, name: str, display: str) -> str:
    """Register a colleague on the running relay, as an admin does; returns the token."""
    out = subprocess.run(
        [command("assist-relay"), "agent", "add", name, "--data-dir", str(relay.data_dir)]
        + ["--display-name", display, "--org", "Acme Support", "--team", "Network"],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def colleague(
    relay: Relay, display: str, tmp_path: Path, throwaway_ca: ThrowawayCA
) -> tuple[Apps, Path]:
    """Lee Jisoo's desk: a home of her own and her token file."""
    token = add_agent(relay, "jisoo", "Lee Jisoo")
    desk = Apps(display, tmp_path / "jisoo", throwaway_ca.cert_path)
    token_file = tmp_path / "jisoo-token"
    token_file.write_text(token + "\n")
    return desk, token_file


def start_colleague(relay: Relay, colleague: tuple[Apps, Path], *args: str) -> App:
    desk, token_file = colleague
    app = desk.start(
        "assist-agent",
        "--relay",
        relay.url,
        "--token-file",
        str(token_file),
        "--wait-invite",
        "20",
        *args,
    )
    app.wait_line("desk: signed in")
    return app


def room_events(relay: Relay) -> list[tuple[str, str, str]]:
    out = subprocess.run(
        [command("assist-relay"), "sessions", "--json", "--data-dir", str(relay.data_dir)],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=True,
    )
    rows = json.loads(out.stdout)
    return [(e["event"], e["agent"], e["by"]) for r in rows for e in r["room"]]


def test_an_allowed_helper_sees_the_same_picture_and_their_mark_reaches_the_customer(
    display: str, relay: Relay, apps: Apps, colleague: tuple[Apps, Path], tmp_path: Path
) -> None:
    saved = tmp_path / "helper-frame.png"
    try:
        with showing(display, text_screen(tmp_path / "screen.png", *SCREEN)):
            helper = start_colleague(
                relay, colleague, "--duration", "3", "--save-frame", str(saved), "--draw-test"
            )
            lead, code = apps.agent(
                relay.url,
                relay.token,
                "--duration",
                "9",
                "--invite",
                "jisoo",
                "--reason",
                "Wi-Fi keeps dropping",
            )
            customer = apps.customer(relay.url, code, "--helpers", "allow")
            helper.wait_line(r"invited: by alice \(help\): Wi-Fi keeps dropping")
            customer.wait_line(r"newcomer: Lee Jisoo \(helper, not verified\)")
            customer.wait_line("allowed: Lee Jisoo")
            helper.wait_line(r"joined: member 2")
            customer.wait_line(
                "chat: Lee Jisoo: Draw test: an arrow and step 1 are on your screen."
            )
            customer.wait_line(r"mark: arrow #\d+")
            assert helper.wait_exit() == 0, helper
            screen = grab(display)
            assert lead.wait_exit() == 0, lead
            assert customer.wait_exit() == 0, customer
    finally:
        apps.kill_all()
    lead.wait_line(r"invite: jisoo joined \(member 2\)")
    frame = np.asarray(Image.open(saved).convert("RGB"))
    value = psnr(frame, screen)
    print(f"helper PSNR {value:.2f} dB")
    assert value >= MIN_PSNR_DB
    events = room_events(relay)
    assert ("invited", "jisoo", "alice") in events
    assert ("admitted", "jisoo", "customer") in events
    assert ("left", "jisoo", "jisoo") in events


def test_a_refused_helper_never_receives_a_frame(
    relay: Relay, apps: Apps, colleague: tuple[Apps, Path], tmp_path: Path
) -> None:
    stats = tmp_path / "helper.json"
    helper = start_colleague(relay, colleague, "--stats", str(stats))
    lead, code = apps.agent(relay.url, relay.token, "--duration", "5", "--invite", "jisoo")
    customer = apps.customer(relay.url, code)  # the default answer: no
    customer.wait_line("refused: Lee Jisoo")
    assert helper.wait_exit() != 0, helper
    assert "did not allow you" in helper.reason
    assert json.loads(stats.read_text())["frames"] == 0
    lead.wait_line("invite: jisoo refused .*")
    assert lead.wait_exit() == 0, lead
    assert customer.wait_exit() == 0, customer
    assert ("refused", "jisoo", "customer") in room_events(relay)


def test_the_customer_removes_a_helper_who_then_gets_nothing(
    relay: Relay, apps: Apps, colleague: tuple[Apps, Path], tmp_path: Path
) -> None:
    stats = tmp_path / "helper.json"
    helper = start_colleague(relay, colleague, "--stats", str(stats))
    lead, code = apps.agent(relay.url, relay.token, "--duration", "7", "--invite", "jisoo")
    customer = apps.customer(relay.url, code, "--helpers", "allow", "--remove-helpers-after", "1.5")
    customer.wait_line("removed: Lee Jisoo")
    assert helper.wait_exit() != 0, helper
    assert "removed you from the session" in helper.reason
    assert lead.wait_exit() == 0, lead  # the session went on without them
    assert customer.wait_exit() == 0, customer
    assert customer.out[-1] == "state: ended (agent ended)", customer
    assert ("removed", "jisoo", "customer") in room_events(relay)


def test_hand_over_keeps_the_steps_and_chat_and_the_customer_types_no_new_code(
    relay: Relay, apps: Apps, colleague: tuple[Apps, Path]
) -> None:
    helper = start_colleague(relay, colleague, "--duration", "4")
    lead, code = apps.agent(
        relay.url,
        relay.token,
        "--duration",
        "30",
        "--handover",
        "jisoo",
        "--note",
        "Router reset done",
        "--leave-after",
        "1",
        "--draw-test",
    )
    customer = apps.customer(relay.url, code, "--helpers", "allow")
    customer.wait_line(r"newcomer: Lee Jisoo \(lead, not verified\)")
    helper.wait_line(r"briefing: note 'Router reset done'; \d+ steps; [1-9]\d* chat lines")
    lead.wait_line("handed over: Lee Jisoo leads now")
    assert lead.wait_exit() == 0, lead  # left after introducing; the session goes on
    assert helper.wait_exit() == 0, helper  # the new lead ended it at its --duration
    assert customer.wait_exit() == 0, customer
    assert customer.out[-1] == "state: ended (agent ended)", customer
    assert sum(line.startswith("state: connecting") for line in customer.out) == 1
    events = room_events(relay)
    assert ("lead", "jisoo", "customer") in events and ("left", "alice", "alice") in events
