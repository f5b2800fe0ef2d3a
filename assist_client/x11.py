"""The two X11 facts Qt does not give us: a global stop key, and whether a compositor runs.

* :class:`X11Hotkey` grabs Ctrl+Alt+Shift+S on the root window with ``XGrabKey``
  (through ``ctypes`` and libX11, on its own display connection and its own
  small thread), so the key stops sharing whichever window has the focus. The
  grab is made for every combination of Caps Lock and Num Lock, which X treats
  as modifiers. If another program already holds the key the grab fails
  (``BadAccess``) and :meth:`X11Hotkey.start` returns False.
* :func:`compositing` says whether a compositing manager owns ``_NET_WM_CM_S<n>``;
  without one, X11 windows cannot be translucent and the overlay adapts.

Both fail softly (False) where libX11 or an X display is missing: Wayland,
Windows and macOS use the application-wide shortcut instead (see the app).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import select
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

#: The documented stop key: Ctrl+Alt+Shift+S.
STOP_KEY_SEQUENCE = "Ctrl+Alt+Shift+S"
_KEYSYM_S = 0x0073
_SHIFT, _LOCK, _CONTROL, _MOD1, _MOD2 = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4
_KEY_PRESS = 2
_GRAB_MODE_ASYNC = 1
_BAD_ACCESS = 10


class _XErrorEvent(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("resourceid", ctypes.c_ulong),
        ("serial", ctypes.c_ulong),
        ("error_code", ctypes.c_ubyte),
        ("request_code", ctypes.c_ubyte),
        ("minor_code", ctypes.c_ubyte),
    ]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(_XErrorEvent))
_errors: list[int] = []
_handler_ref: object = None
_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()


def _on_x_error(_display: int, event: ctypes._Pointer[_XErrorEvent]) -> int:
    _errors.append(int(event.contents.error_code))
    return 0


def _xlib() -> ctypes.CDLL | None:
    """libX11 with the signatures we use and a non-fatal error handler; None if absent."""
    global _lib, _handler_ref
    with _lib_lock:
        if _lib is not None:
            return _lib
        name = ctypes.util.find_library("X11")
        if not name:
            return None
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            return None
        vp, c_int, c_ulong = ctypes.c_void_p, ctypes.c_int, ctypes.c_ulong
        lib.XOpenDisplay.argtypes, lib.XOpenDisplay.restype = [ctypes.c_char_p], vp
        lib.XCloseDisplay.argtypes = [vp]
        lib.XDefaultRootWindow.argtypes, lib.XDefaultRootWindow.restype = [vp], c_ulong
        lib.XDefaultScreen.argtypes, lib.XDefaultScreen.restype = [vp], c_int
        lib.XKeysymToKeycode.argtypes, lib.XKeysymToKeycode.restype = [vp, c_ulong], ctypes.c_ubyte
        lib.XGrabKey.argtypes = [vp, c_int, ctypes.c_uint, c_ulong, c_int, c_int, c_int]
        lib.XUngrabKey.argtypes = [vp, c_int, ctypes.c_uint, c_ulong]
        lib.XSync.argtypes = [vp, c_int]
        lib.XPending.argtypes, lib.XPending.restype = [vp], c_int
        lib.XNextEvent.argtypes = [vp, vp]
        lib.XConnectionNumber.argtypes, lib.XConnectionNumber.restype = [vp], c_int
        lib.XInternAtom.argtypes, lib.XInternAtom.restype = [vp, ctypes.c_char_p, c_int], c_ulong
        lib.XGetSelectionOwner.argtypes, lib.XGetSelectionOwner.restype = [vp, c_ulong], c_ulong
        lib.XSetErrorHandler.argtypes = [_ERROR_HANDLER]
        lib.XSetErrorHandler.restype = vp
        _handler_ref = _ERROR_HANDLER(_on_x_error)
        lib.XSetErrorHandler(_handler_ref)
        _lib = lib
        return lib


def _display_name() -> bytes | None:
    name = os.environ.get("DISPLAY")
    return name.encode() if name else None


def compositing() -> bool:
    """True if a compositing manager runs on the default X screen (translucency works)."""
    lib = _xlib()
    name = _display_name()
    if lib is None or name is None:
        return False
    dpy = lib.XOpenDisplay(name)
    if not dpy:
        return False
    try:
        atom = lib.XInternAtom(dpy, f"_NET_WM_CM_S{lib.XDefaultScreen(dpy)}".encode(), 0)
        return bool(lib.XGetSelectionOwner(dpy, atom))
    finally:
        lib.XCloseDisplay(dpy)


class X11Hotkey:
    """Calls ``callback`` (on its own thread) whenever Ctrl+Alt+Shift+S is pressed anywhere."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback = callback
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._ok = False
        self._thread = threading.Thread(target=self._main, name="assist-hotkey", daemon=True)

    def start(self, timeout: float = 2.0) -> bool:
        """Grab the key; False if it could not be grabbed (no X11, or someone else holds it)."""
        if _xlib() is None or _display_name() is None:
            return False
        self._thread.start()
        self._ready.wait(timeout)
        return self._ok

    def stop(self, timeout: float = 2.0) -> None:
        """Release the key and close the display connection (waits for the key thread)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _main(self) -> None:
        lib = _xlib()
        assert lib is not None
        dpy = lib.XOpenDisplay(_display_name())
        if not dpy:
            self._ready.set()
            return
        root = lib.XDefaultRootWindow(dpy)
        keycode = lib.XKeysymToKeycode(dpy, _KEYSYM_S)
        base = _CONTROL | _MOD1 | _SHIFT
        variants = [base, base | _LOCK, base | _MOD2, base | _LOCK | _MOD2]
        try:
            _errors.clear()
            for mods in variants:
                lib.XGrabKey(dpy, keycode, mods, root, 0, _GRAB_MODE_ASYNC, _GRAB_MODE_ASYNC)
            lib.XSync(dpy, 0)
            self._ok = keycode != 0 and _BAD_ACCESS not in _errors
            if not self._ok:
                log.warning("could not grab %s (errors %s)", STOP_KEY_SEQUENCE, _errors)
            self._ready.set()
            if self._ok:
                self._serve(lib, dpy)
        finally:
            self._ready.set()
            for mods in variants:
                lib.XUngrabKey(dpy, keycode, mods, root)
            lib.XSync(dpy, 0)
            lib.XCloseDisplay(dpy)

    def _serve(self, lib: ctypes.CDLL, dpy: int) -> None:
        fd = lib.XConnectionNumber(dpy)
        event = ctypes.create_string_buffer(192)  # sizeof(XEvent)
        while not self._stop.is_set():
            if not lib.XPending(dpy):
                select.select([fd], [], [], 0.25)
                continue
            lib.XNextEvent(dpy, event)
            if int.from_bytes(event.raw[:4], "little", signed=True) == _KEY_PRESS:
                try:
                    self._callback()
                except Exception:  # noqa: BLE001 - never kill the key thread
                    log.exception("stop key handler failed")
