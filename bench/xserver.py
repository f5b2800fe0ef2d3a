"""The X side of the benchmarks: an Xvfb screen, XTest keystrokes with their send times, a grab.

* :func:`running_xvfb` (from :mod:`tools.xvfb`) starts ``Xvfb`` on a free display.
* :class:`XTestKeyboard` presses keys through the XTest extension, the way
  ``xdotool type`` does, but from this process, so each key's send time is known
  to the nanosecond: the time is taken just before the press and release are
  queued and flushed to the X server's socket.
* :func:`grab_screen` photographs the screen (mss, as the customer's app does).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from pathlib import Path

import numpy as np

from tools import xvfb
from tools.xvfb import SCREEN, running_xvfb

__all__ = ["SCREEN", "XTestKeyboard", "grab_screen", "running_xvfb", "server_pid"]


#: Keysym names for the characters the typing workload uses (US layout, no Shift).
KEYSYMS = {" ": "space", "\n": "Return", "-": "minus", ".": "period", "/": "slash", "=": "equal"}


def server_pid(display: str) -> int | None:
    """The X server's process id: of one :mod:`tools.xvfb` started, or from the lock
    file the server wrote for ``display``."""
    if display in xvfb.PIDS:
        return xvfb.PIDS[display]
    try:
        return int(Path(f"/tmp/.X{display.lstrip(':')}-lock").read_text().strip())
    except (OSError, ValueError):
        return None


class XTestKeyboard:
    """Key presses through XTest on its own display connection."""

    def __init__(self, display: str) -> None:
        x11 = ctypes.util.find_library("X11")
        xtst = ctypes.util.find_library("Xtst")
        if x11 is None or xtst is None:
            raise RuntimeError("libX11 and libXtst are needed to type (Debian: libxtst6)")
        self._x = ctypes.CDLL(x11)
        self._t = ctypes.CDLL(xtst)
        self._x.XOpenDisplay.restype = ctypes.c_void_p
        self._x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self._x.XStringToKeysym.restype = ctypes.c_ulong
        self._x.XStringToKeysym.argtypes = [ctypes.c_char_p]
        self._x.XKeysymToKeycode.restype = ctypes.c_ubyte
        self._x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self._x.XFlush.argtypes = [ctypes.c_void_p]
        self._x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self._x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        self._t.XTestFakeKeyEvent.argtypes = [
            ctypes.c_void_p,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_ulong,
        ]
        self._t.XTestFakeMotionEvent.argtypes = [
            ctypes.c_void_p,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_ulong,
        ]
        self._dpy = self._x.XOpenDisplay(display.encode())
        if not self._dpy:
            raise RuntimeError(f"cannot open X display {display}")
        self._codes: dict[str, int] = {}

    def keycode(self, char: str) -> int:
        code = self._codes.get(char)
        if code is None:
            name = KEYSYMS.get(char, char)
            keysym = self._x.XStringToKeysym(name.encode())
            code = int(self._x.XKeysymToKeycode(self._dpy, keysym)) if keysym else 0
            if not code:
                raise ValueError(f"no key for {char!r} on this keyboard map")
            self._codes[char] = code
        return code

    def move_pointer(self, x: int, y: int) -> None:
        self._t.XTestFakeMotionEvent(self._dpy, -1, x, y, 0)
        self._x.XSync(self._dpy, 0)

    def press(self, char: str) -> int:
        """Press and release the key for ``char``; returns the wall-clock ns it was sent."""
        code = self.keycode(char)
        sent = time.time_ns()
        self._t.XTestFakeKeyEvent(self._dpy, code, 1, 0)
        self._t.XTestFakeKeyEvent(self._dpy, code, 0, 0)
        self._x.XFlush(self._dpy)
        return sent

    def close(self) -> None:
        if self._dpy:
            self._x.XCloseDisplay(self._dpy)
            self._dpy = None


def grab_screen(display: str) -> np.ndarray:
    """The whole screen as ``(h, w, 3)`` RGB uint8."""
    import mss

    with mss.MSS(display=display) as sct:
        shot = sct.grab(sct.monitors[1])
        bgra = np.frombuffer(shot.raw, np.uint8).reshape(shot.height, shot.width, 4)
        return np.ascontiguousarray(bgra[..., 2::-1])
