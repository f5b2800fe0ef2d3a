"""A crash on any thread becomes the app's sentence on the GUI thread, never a silent stop."""

from __future__ import annotations

import sys
import threading

import pytest
from pytestqt.qtbot import QtBot

from assist_ui.crash import CrashHook


def test_an_exception_on_another_thread_is_logged_and_shown_on_the_gui_thread(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    shown_on: list[threading.Thread] = []
    hook = CrashHook(lambda: shown_on.append(threading.current_thread()), "assist_test")
    hook.install()

    def capture() -> None:
        raise RuntimeError("the capture thread broke")

    worker = threading.Thread(target=capture, name="assist-capture")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(shown_on), timeout=2000)
    assert shown_on == [threading.main_thread()]
    assert "unexpected error in thread assist-capture" in caplog.text
    assert "the capture thread broke" in caplog.text
