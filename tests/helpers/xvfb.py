"""A real X server for tests that capture the screen or need X11: ``Xvfb`` on a free display.

Use the ``xvfb_display`` fixture (import it into a conftest or test module)::

    from tests.helpers.xvfb import xvfb_display  # noqa: F401

    @pytest.mark.xvfb
    def test_capture(xvfb_display): ...   # "DISPLAY" is set to it for the test

The test is skipped, with the reason, when ``Xvfb`` is not installed.
:func:`show_window` runs a tiny window of one colour in a child process, so a
test can put known pixels on the screen without touching its own Qt platform.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tools import xvfb

SIZE = "1280x800x24"


@contextlib.contextmanager
def running_xvfb(size: str = SIZE) -> Iterator[str]:
    """Start Xvfb on a free display; yields ``":N"``. Skips the test without Xvfb."""
    if not xvfb.available():
        pytest.skip("Xvfb is not installed (Debian: apt-get install xvfb)")
    with xvfb.running_xvfb(size) as display:
        yield display


@pytest.fixture
def xvfb_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with running_xvfb() as display:
        monkeypatch.setenv("DISPLAY", display)
        yield display


_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget()
w.setWindowFlags(w.windowFlags() | 0x00000800)  # frameless
w.setStyleSheet("background: %s;")
w.setGeometry(%d, %d, %d, %d)
w.show()
print("shown", flush=True)
app.exec()
"""


@contextlib.contextmanager
def show_window(
    display: str, colour: str, x: int, y: int, w: int, h: int
) -> Iterator[subprocess.Popen[str]]:
    """A window filled with ``colour`` at (x, y, w, h) on ``display``, while the block runs."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    proc = subprocess.Popen(
        [sys.executable, "-c", _WINDOW % (colour, x, y, w, h)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "shown"
        time.sleep(0.3)  # let the server map and paint it
        yield proc
    finally:
        proc.terminate()
        proc.wait(5)
        if proc.stdout is not None:
            proc.stdout.close()
