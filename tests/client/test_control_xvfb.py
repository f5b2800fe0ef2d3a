"""Remote input through the real XTest on Xvfb: a click the agent aims at a pixel of the
second, 200 % monitor lands on that pixel of the desktop, and a protected window in
front stops the typing."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from assist_client.injector import XTestBackend
from assist_client.monitors import Monitor
from assist_client.session import CustomerSession
from common.messages import (
    ControlChange,
    ControlRequest,
    ControlState,
    Input,
    InputEvent,
    InputKind,
)
from tests.client.fakes import CODE, FakeNetworks, FakeSource
from tests.helpers.xvfb import running_xvfb
from tools.procs import Process

pytestmark = pytest.mark.xvfb

#: One 2560×800 X screen laid out as two monitors: 1280 px at 100 % on the left, and on
#: the right 1280 px at 200 % (a HiDPI panel: 640×400 logical pixels for windows).
LEFT = Monitor(0, 0, 0, 1280, 800, 1.0, 0.0, 0.0, "left", True)
RIGHT = Monitor(1, 1280, 0, 1280, 800, 2.0, 1280.0, 0.0, "right", False)


@pytest.fixture
def wide_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with running_xvfb("2560x800x24") as display:
        monkeypatch.setenv("DISPLAY", display)
        yield display


def _window(display: str, log: Path, title: str, geometry: str) -> Process:
    proc = Process(
        "text-window",
        [sys.executable, "-m", "tools.text_window", "--log", str(log), "--title", title]
        + ["--geometry", geometry],
        env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
        capture_err=True,
        error=AssertionError,
    )
    deadline = time.monotonic() + 20
    while not (log.exists() and '"ready"' in log.read_text("utf-8")):
        assert time.monotonic() < deadline, "the text window did not come up"
        time.sleep(0.05)
    return proc


def _entries(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text("utf-8").splitlines() if line]


@pytest.fixture
def session(qtbot: QtBot, networks: FakeNetworks, wide_display: str) -> Iterator[CustomerSession]:
    s = CustomerSession(
        "ws://127.0.0.1:1",
        CODE,
        [LEFT, RIGHT],
        network_factory=networks,
        source_factory=FakeSource,
        input_factory=XTestBackend,
        protected=("KeePass",),
    )
    s.start()
    networks.last.secure()
    s.grant(True, 1)  # the right-hand, 200 % monitor
    with qtbot.wait_signal(s.control.asked):
        networks.last.deliver(ControlRequest(""))
    s.control.allow()
    yield s
    s.shutdown(1.0)


def test_a_click_on_the_hidpi_monitor_lands_on_the_pixel_the_agent_chose(
    session: CustomerSession, networks: FakeNetworks, wide_display: str, tmp_path: Path
) -> None:
    log = tmp_path / "right.jsonl"
    window = _window(wide_display, log, "Notes", "1400,100,900,500")
    try:
        # Pixel (400, 300) of the right monitor is desktop pixel (1680, 300).
        click = [InputEvent(InputKind.BUTTON, 400, 300, 1, d, "") for d in (True, False)]
        networks.last.deliver(
            Input(1, 1, (*click, InputEvent(InputKind.TEXT, 0, 0, 0, True, "ok")))
        )
        deadline = time.monotonic() + 10
        while not any("click" in e for e in _entries(log)):
            assert time.monotonic() < deadline, _entries(log)
            time.sleep(0.05)
        clicks = [e["click"] for e in _entries(log) if "click" in e]
        assert clicks == [[1680, 300]]
        while not any(e.get("text") == "ok" for e in _entries(log)):
            assert time.monotonic() < deadline, _entries(log)
            time.sleep(0.05)
    finally:
        window.stop(grace=3)


def test_typing_stops_while_a_protected_window_is_in_front(
    session: CustomerSession,
    networks: FakeNetworks,
    wide_display: str,
    tmp_path: Path,
    qtbot: QtBot,
) -> None:
    log = tmp_path / "vault.jsonl"
    window = _window(wide_display, log, "KeePassXC - passwords.kdbx", "1400,100,900,500")
    try:
        click = [InputEvent(InputKind.BUTTON, 400, 300, 1, d, "") for d in (True, False)]
        networks.last.deliver(Input(1, 1, tuple(click)))
        qtbot.waitUntil(
            lambda: any(
                isinstance(m, ControlState) and m.change is ControlChange.BLOCKED
                for m in networks.last.sent
            ),
            timeout=5000,
        )
        networks.last.deliver(Input(2, 1, (InputEvent(InputKind.TEXT, 0, 0, 0, True, "secret"),)))
        qtbot.wait(500)
        assert not any("text" in e and e["text"] for e in _entries(log)), _entries(log)
    finally:
        window.stop(grace=3)


def test_a_drag_selects_text_in_the_customers_window(
    session: CustomerSession, networks: FakeNetworks, wide_display: str, tmp_path: Path
) -> None:
    """Button down, moves, button up: the agent selects what was typed, and typing over
    the selection replaces it (the window's first line starts at its top left)."""
    log = tmp_path / "drag.jsonl"
    window = _window(wide_display, log, "Notes", "1400,100,900,500")
    try:

        def text() -> str:
            texts = [e["text"] for e in _entries(log) if "text" in e]
            return str(texts[-1]) if texts else ""

        click = [InputEvent(InputKind.BUTTON, 400, 300, 1, d, "") for d in (True, False)]
        typed = InputEvent(InputKind.TEXT, 0, 0, 0, True, "hello world")
        networks.last.deliver(Input(1, 1, (*click, typed)))
        deadline = time.monotonic() + 10
        while text() != "hello world":
            assert time.monotonic() < deadline, _entries(log)
            time.sleep(0.05)
        # From past the end of the line back to its start (monitor pixels: the window's
        # left edge is desktop x 1400, i.e. 120 on the right monitor).
        drag = [
            InputEvent(InputKind.BUTTON, 700, 125, 1, True, ""),
            *(InputEvent(InputKind.MOVE, x, 125, 0, False, "") for x in (600, 400, 200, 125)),
            InputEvent(InputKind.BUTTON, 122, 125, 1, False, ""),
            InputEvent(InputKind.TEXT, 0, 0, 0, True, "X"),
        ]
        networks.last.deliver(Input(2, 1, tuple(drag)))
        while text() != "X":
            assert time.monotonic() < deadline, text()
            time.sleep(0.05)
    finally:
        window.stop(grace=3)
