"""The Windows and macOS input backend (pynput), run where pynput drives X11: the same
Injector, a real text window, a click on the exact pixel, typed text and keys."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assist_client.injector import Injector, PynputBackend, XTestBackend
from common.messages import InputEvent, InputKind
from tests.helpers.xvfb import running_xvfb
from tools.procs import Process

pytestmark = pytest.mark.xvfb


@pytest.fixture
def display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with running_xvfb("1280x800x24") as d:
        monkeypatch.setenv("DISPLAY", d)
        yield d


def _entries(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text("utf-8").splitlines() if line]


def _until(check: object, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_pynput_clicks_types_and_presses_keys_through_the_injector(
    display: str, tmp_path: Path
) -> None:
    log = tmp_path / "notes.jsonl"
    window = Process(
        "text-window",
        [sys.executable, "-m", "tools.text_window", "--log", str(log)]
        + ["--geometry", "200,150,700,300"],
        env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
        capture_err=True,
        error=AssertionError,
    )
    xtest = XTestBackend()  # only for the focused window's title, as Windows' call gives
    injector = Injector(lambda: PynputBackend(xtest.focused), patterns=("KeePass",))
    try:
        _until(lambda: any("ready" in e for e in _entries(log)), "the text window")
        assert injector.start()
        rect = (100, 50, 1000, 700)  # a monitor at +100+50: the window's pixel (500, 300)
        click = [InputEvent(InputKind.BUTTON, 400, 250, 1, d, "") for d in (True, False)]
        keys = [
            InputEvent(InputKind.KEY, 0, 0, ord("a"), True, ""),
            InputEvent(InputKind.KEY, 0, 0, ord("a"), False, ""),
            InputEvent(InputKind.TEXT, 0, 0, 0, True, "Hi 한글!"),
            InputEvent(InputKind.KEY, 0, 0, 0xFF08, True, ""),  # BackSpace
            InputEvent(InputKind.KEY, 0, 0, 0xFF08, False, ""),
        ]
        injector.submit(rect, (*click, *keys))
        _until(lambda: any("click" in e for e in _entries(log)), f"a click: {_entries(log)}")
        assert [e["click"] for e in _entries(log) if "click" in e] == [[500, 300]]
        texts = [e["text"] for e in _entries(log) if "text" in e]
        _until(
            lambda: [e["text"] for e in _entries(log) if "text" in e][-1:] == ["aHi 한글"],
            f"the typed text: {texts}",
        )
    finally:
        injector.stop()
        xtest.close()
        window.stop(grace=3)
