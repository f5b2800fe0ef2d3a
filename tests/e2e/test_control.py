"""Remote control end to end: the apps as processes on Xvfb, through a ``wss://`` relay,
typing into a real text window on the customer's screen through XTest."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import WAIT_S, Apps, Relay, audit, wait_until
from tools.procs import Process
from tools.throwaway_ca import ThrowawayCA

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]

#: Where the text window sits on the 1280x800 test screen (its text area starts inside).
WINDOW = (200, 150, 700, 300)
INSIDE = (WINDOW[0] + 300, WINDOW[1] + 150)


class TextWindow:
    """``tools.text_window`` on the test's screen; :meth:`entries` reads what reached it."""

    def __init__(self, apps: Apps, log: Path, title: str = "Notes") -> None:
        self.log = log
        x, y, w, h = WINDOW
        env = {**apps.env(), "QT_QPA_PLATFORM": "xcb"}
        self.proc = Process(
            "text-window",
            [sys.executable, "-m", "tools.text_window", "--log", str(log), "--title", title]
            + ["--geometry", f"{x},{y},{w},{h}"],
            env=env,
            capture_err=True,
            error=AssertionError,
        )
        wait_until(lambda: any("ready" in e for e in self.entries()), "the text window")

    def entries(self) -> list[dict[str, object]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text("utf-8").splitlines() if line]

    def text(self) -> str:
        texts = [e["text"] for e in self.entries() if "text" in e]
        return str(texts[-1]) if texts else ""

    def clicks(self) -> list[list[int]]:
        return [e["click"] for e in self.entries() if "click" in e]  # type: ignore[misc]

    def stop(self) -> None:
        self.proc.stop(grace=3)


@pytest.fixture
def notes(apps: Apps, tmp_path: Path) -> Iterator[TextWindow]:
    window = TextWindow(apps, tmp_path / "notes.jsonl")
    try:
        yield window
    finally:
        window.stop()


@pytest.mark.parametrize("layout", ["us", "kr"])
def test_granted_control_types_and_clicks_into_the_customers_window(
    relay: Relay, apps: Apps, notes: TextWindow, display: str, layout: str
) -> None:
    """On a US and on a Korean keyboard layout: Latin letters as keys, Korean syllables
    as the text an input method commits, a click on the exact pixel."""
    import subprocess

    subprocess.run(
        ["setxkbmap", "-layout", layout], env={"DISPLAY": display}, check=True, timeout=WAIT_S
    )
    agent, code = apps.agent(
        relay.url,
        relay.token,
        "--duration",
        "12",
        "--control",
        "to fix your mail settings",
        "--control-click",
        f"{INSIDE[0]},{INSIDE[1]}",
        "--control-type",
        "Hello, 안녕하세요!\\n",
    )
    customer = apps.customer(relay.url, code, "--control", "allow")
    customer.wait_line("control: asked by Alice Kim: to fix your mail settings")
    customer.wait_line("control: allowed Alice Kim")
    agent.wait_line("control: granted")
    agent.wait_line("control: done")
    wait_until(lambda: notes.text() == "Hello, 안녕하세요!\n", f"the typed text ({notes.text()!r})")
    # The click landed on the exact pixel the agent chose on the shared screen.
    assert notes.clicks() == [list(INSIDE)], notes.entries()
    assert customer.wait_exit(WAIT_S + 12) == 0, customer
    assert agent.wait_exit() == 0, agent
    # Control ended with the session, and the agent was told.
    assert "control: ended" in agent.out or "control: stopped" in agent.out, agent.out
    # The audit log says who was given control and when it ended, never what was typed.
    room = audit(relay)[0]["room"]
    events = [(e["event"], e["agent"], e["by"]) for e in room]  # type: ignore[index]
    assert ("control_granted", "alice", "customer") in events, room
    assert any(e[0] == "control_ended" for e in events), room
    assert "Hello" not in json.dumps(room) and "안녕" not in json.dumps(room, ensure_ascii=False)


def test_denied_control_refuses_input_and_types_nothing(
    relay: Relay, apps: Apps, notes: TextWindow
) -> None:
    agent, code = apps.agent(
        relay.url,
        relay.token,
        "--duration",
        "5",
        "--control",
        "please",
        "--control-type",
        "should not appear",
    )
    customer = apps.customer(relay.url, code)  # --control refuse is the default
    customer.wait_line("control: refused Alice Kim")
    agent.wait_line("control: denied")
    assert customer.wait_exit(WAIT_S) == 0, customer
    assert agent.wait_exit() == 0, agent
    assert notes.text() == "", notes.entries()
    assert not notes.clicks()


def test_stop_key_during_a_burst_stops_remote_input_at_once(
    relay: Relay, apps: Apps, notes: TextWindow, display: str
) -> None:
    import subprocess

    agent, code = apps.agent(
        relay.url,
        relay.token,
        "--duration",
        "20",
        "--control",
        "burst",
        "--control-click",
        f"{INSIDE[0]},{INSIDE[1]}",
        "--control-burst",
        "1500",
    )
    customer = apps.customer(relay.url, code, "--control", "allow")
    customer.wait_line("stop key: on")
    wait_until(lambda: len(notes.text()) >= 20, "the burst to start typing")
    subprocess.run(
        ["xdotool", "key", "ctrl+alt+shift+s"],
        env={"DISPLAY": display},
        check=True,
        timeout=WAIT_S,
    )
    stopped_at = time.time_ns()
    customer.wait_line(r"state: ended \(you stopped\)|control: stopped", timeout=WAIT_S)
    time.sleep(1.0)  # the burst goes on at the agent's side for seconds more
    after = [e for e in notes.entries() if "text" in e and int(e["t"]) > stopped_at + 100_000_000]  # type: ignore[call-overload]
    typed = len(notes.text())
    assert typed < 1500, "the burst ran to its end"
    assert not after, f"remote input ran after the stop key: {after[:3]}"
    customer.wait_exit(WAIT_S)
    agent.wait_exit(WAIT_S + 20)


def test_input_sent_without_a_grant_is_refused_by_the_customers_app(
    relay: Relay, apps: Apps, notes: TextWindow, throwaway_ca: ThrowawayCA
) -> None:
    """An agent app that sends input anyway (or anything that could seal it): the
    customer's gate refuses it; once the customer allows, the same input types."""
    from assist_net.target import relay_target
    from common.messages import (
        ControlRequest,
        ControlState,
        Input,
        InputEvent,
        InputKind,
        Monitors,
    )
    from tools.scripted_agent import ScriptedAgent

    target = relay_target(relay.url, throwaway_ca.cert_path, None, False)
    agent = ScriptedAgent(target, relay.token)  # type: ignore[arg-type]
    try:
        code = agent.wait_code()
        customer = apps.customer(relay.url, str(code), "--control", "allow")
        agent.wait_for(lambda m: isinstance(m, Monitors))

        def typing(text: str) -> Input:
            events = [InputEvent(InputKind.BUTTON, *INSIDE, 1, d, "") for d in (True, False)]
            events += [InputEvent(InputKind.TEXT, 0, 0, 0, True, text)]
            return Input(1, 0, tuple(events))

        agent.send(typing("forged"))
        time.sleep(1.0)
        assert notes.text() == "" and not notes.clicks(), notes.entries()
        assert customer.running
        agent.send(ControlRequest("now with a yes"))
        customer.wait_line("control: allowed Alice Kim")
        agent.wait_for(lambda m: isinstance(m, ControlState) and m.holder == 1)
        agent.send(typing("allowed"))
        wait_until(lambda: notes.text() == "allowed", f"the typed text ({notes.text()!r})")
    finally:
        agent.close()
