"""Remote input on the customer's desktop: XTest on X11, pynput elsewhere, or nothing.

:class:`Injector` owns one thread. The app hands it batches of
:class:`~common.messages.InputEvent` already admitted by the
:class:`~common.control.ControlGate`; the thread injects them in order through a
:class:`Backend`. :meth:`Injector.cancel` is the stop: it bumps a generation
number and empties the queue under the lock, so no event queued before it runs
after it returns (at most the one event being injected at that instant finishes),
and the thread then lets go of every key and button it holds down.

While control is held the thread also watches, every ``POLL_S``:

* the customer's own input — the pointer is not where the injector last put it,
  or a key is down that the injector did not press — and reports it
  (``on_local``): the customer's hand comes first;
* the focused window's title and application, matched against the protected
  patterns (``on_focus``). It checks again right before any batch with keys or
  text, so a click that focuses a protected window stops the typing after it.

The customer's own Assist windows are never driven remotely: keys are refused
while one of them has the focus (its window class is ``own_class``), and clicks
inside their rectangles (``set_shields``: the bar, the prompts) are dropped, so a
member in control cannot press Allow on a prompt or Resume on the bar.

Coordinates arrive in the shared monitor's physical pixels; on X11 the root
window is in physical pixels too, so the desktop point is the monitor's origin
plus the point (the same geometry the overlay maps marks with), clamped to the
monitor.
"""

from __future__ import annotations

import collections
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from common.control import char_keysym, protected_match
from common.messages import InputEvent, InputKind

log = logging.getLogger(__name__)

#: How often the injector looks for the customer's own input and the focused window.
POLL_S = 0.05
#: After the keyboard mapping changed, how long clients get to re-read it.
SETTLE_S = 0.03

Rect = tuple[int, int, int, int]

_KEY_PRESS, _KEY_RELEASE, _BUTTON_PRESS, _BUTTON_RELEASE, _MOTION = 2, 3, 4, 5, 6
_SHIFT_KEYSYMS = (0xFFE1, 0xFFE2)


class Backend(Protocol):
    """What the injector needs of a desktop. All calls come from the injector's thread."""

    def move(self, x: int, y: int) -> None: ...
    def button(self, button: int, down: bool) -> None: ...
    def key(self, keysym: int, down: bool) -> None: ...
    def text(self, text: str) -> None: ...
    def pointer(self) -> tuple[int, int]: ...
    def keys_down(self) -> set[int]: ...
    def focused(self) -> tuple[str, str]: ...
    def close(self) -> None: ...


class XTestBackend:
    """XTest through xcffib on its own connection (one thread uses it)."""

    def __init__(self, display: str | None = None) -> None:
        import xcffib as _xcffib
        import xcffib.xproto
        import xcffib.xtest

        xcb: Any = _xcffib
        self._conn: Any = xcb.connect(display=display)
        try:
            self._xtest = self._conn(xcb.xtest.key)
            self._xtest.GetVersion(2, 2).reply()
            setup = self._conn.get_setup()
            self._root = setup.roots[self._conn.pref_screen].root
            self._min, self._max = setup.min_keycode, setup.max_keycode
            self._atoms: dict[str, int] = {}
            self._load_keymap()
        except Exception:
            self._conn.disconnect()
            raise
        #: Keycodes this backend pressed and has not released (never the customer's).
        self.pressed: set[int] = set()
        #: Keycodes with no keysyms, borrowed for keysyms the layout lacks (Korean
        #: syllables, symbols of another layout): keysym -> keycode, least recent first.
        self._spares = [k for k, syms in self._map.items() if not any(syms)]
        self._borrowed: collections.OrderedDict[int, int] = collections.OrderedDict()

    def _load_keymap(self) -> None:
        count = self._max - self._min + 1
        reply = self._conn.core.GetKeyboardMapping(self._min, count).reply()
        per = reply.keysyms_per_keycode
        syms = list(reply.keysyms)
        self._per = per
        self._map = {self._min + i: syms[i * per : (i + 1) * per] for i in range(count)}
        #: keysym -> (keycode, needs shift), the plainest way to type each.
        self._codes: dict[int, tuple[int, bool]] = {}
        for code, ks in self._map.items():
            for level, sym in enumerate(ks[:2]):
                if sym and sym not in self._codes:
                    self._codes[sym] = (code, level == 1)
        modmap = self._conn.core.GetModifierMapping().reply()
        self._shift_codes = set(list(modmap.keycodes)[: modmap.keycodes_per_modifier]) - {0}

    def _fake(self, kind: int, detail: int, x: int = 0, y: int = 0) -> None:
        self._xtest.FakeInput(kind, detail, 0, self._root, x, y, 0)

    def move(self, x: int, y: int) -> None:
        self._fake(_MOTION, 0, x, y)
        self._conn.flush()

    def button(self, button: int, down: bool) -> None:
        self._fake(_BUTTON_PRESS if down else _BUTTON_RELEASE, button)
        self._conn.flush()

    def key(self, keysym: int, down: bool) -> None:
        """A key by keysym. A keysym on the layout's shifted level ("!", ":") gets Shift
        around it when the agent did not hold Shift, so it types what they typed."""
        if self._borrow([keysym]):
            self._settle()
        code, shift = self._code_for(keysym)
        if not code:
            log.info("no key for keysym %#x on this layout", keysym)
            return
        shift_code = self._codes.get(0xFFE1, (0, False))[0]
        wrap = shift and shift_code and not (self.pressed & self._shift_codes)
        if down:
            if wrap:
                self._fake(_KEY_PRESS, shift_code)
            self.pressed.add(code)
            self._fake(_KEY_PRESS, code)
            if wrap:
                self._fake(_KEY_RELEASE, shift_code)
        else:
            self.pressed.discard(code)
            self._fake(_KEY_RELEASE, code)
        self._conn.flush()

    def text(self, text: str) -> None:
        """Type committed text: each character's keysym, with Shift where the layout
        needs it, and the borrowed keycode for characters the layout lacks."""
        keysyms = [char_keysym(ch) for ch in text]
        for start in range(0, len(keysyms), max(1, len(self._spares))):
            part = keysyms[start : start + max(1, len(self._spares))]
            if self._borrow(part):
                self._settle()
            self._type(part)

    def _type(self, keysyms: list[int]) -> None:
        for keysym in keysyms:
            code, shift = self._code_for(keysym)
            if not code:
                continue
            held_shift = bool(self.pressed & self._shift_codes)
            use_shift = shift and not held_shift
            shift_code = self._codes.get(0xFFE1, (0, False))[0]
            if use_shift and shift_code:
                self._fake(_KEY_PRESS, shift_code)
            self._fake(_KEY_PRESS, code)
            self._fake(_KEY_RELEASE, code)
            if use_shift and shift_code:
                self._fake(_KEY_RELEASE, shift_code)
            self._conn.flush()

    def _code_for(self, keysym: int) -> tuple[int, bool]:
        found = self._codes.get(keysym)
        if found is None and 0x61 <= keysym <= 0x7A:  # a layout listing only capitals
            found = self._codes.get(keysym - 0x20)
        if found is not None:
            return found
        code = self._borrowed.get(keysym, 0)
        return code, False

    def _borrow(self, keysyms: list[int]) -> bool:
        """Put keysyms the layout lacks on spare keycodes (each its own, so a client that
        is slow to re-read the mapping never types a neighbour's character); True if the
        mapping changed."""
        changed = False
        needed = [
            k for k in dict.fromkeys(keysyms) if self._code_for(k)[0] == 0 or k in self._borrowed
        ]
        for keysym in needed:
            if keysym in self._borrowed:
                self._borrowed.move_to_end(keysym)
                continue
            if not self._spares:
                return changed
            if len(self._borrowed) < len(self._spares):
                code = self._spares[len(self._borrowed)]
            else:  # all in use: take the least recently used one, unless this text needs it
                old = next((k for k in self._borrowed if k not in needed), None)
                if old is None:
                    continue
                code = self._borrowed.pop(old)
            self._conn.core.ChangeKeyboardMapping(1, code, self._per, [keysym] * self._per)
            self._borrowed[keysym] = code
            changed = True
        return changed

    def _settle(self) -> None:
        """After a mapping change: let clients fetch the new mapping before keys use it."""
        self._conn.core.GetInputFocus().reply()
        time.sleep(SETTLE_S)

    def pointer(self) -> tuple[int, int]:
        r = self._conn.core.QueryPointer(self._root).reply()
        return int(r.root_x), int(r.root_y)

    def keys_down(self) -> set[int]:
        keys = list(self._conn.core.QueryKeymap().reply().keys)
        return {i * 8 + b for i, byte in enumerate(keys) for b in range(8) if byte >> b & 1}

    def _atom(self, name: str) -> int:
        if name not in self._atoms:
            self._atoms[name] = self._conn.core.InternAtom(False, len(name), name).reply().atom
        return self._atoms[name]

    def _prop(self, window: int, name: str) -> bytes:
        r = self._conn.core.GetProperty(False, window, self._atom(name), 0, 0, 4096).reply()
        return bytes(r.value.buf()) if r.value_len else b""

    def focused(self) -> tuple[str, str]:
        """(title, application class) of the window with the keyboard focus."""
        window = 0
        active = self._prop(self._root, "_NET_ACTIVE_WINDOW")
        if len(active) >= 4:
            window = int.from_bytes(active[:4], sys.byteorder)
        if not window:
            window = int(self._conn.core.GetInputFocus().reply().focus)
        for _ in range(8):  # the focus may sit on a child: walk up to a named window
            if window in (0, 1, self._root):
                return "", ""
            title = self._prop(window, "_NET_WM_NAME") or self._prop(window, "WM_NAME")
            klass = self._prop(window, "WM_CLASS")
            if title or klass:
                app = klass.replace(b"\0", b" ").decode("utf-8", "replace").strip()
                return title.decode("utf-8", "replace"), app
            window = int(self._conn.core.QueryTree(window).reply().parent)
        return "", ""

    def release_all(self) -> None:
        for code in sorted(self.pressed):
            self._fake(_KEY_RELEASE, code)
        self.pressed.clear()
        self._conn.flush()

    def close(self) -> None:
        try:  # give the borrowed keycodes back empty
            for code in self._borrowed.values():
                self._conn.core.ChangeKeyboardMapping(1, code, self._per, [0] * self._per)
            self._conn.flush()
        except Exception:  # noqa: BLE001 - the display may be gone
            pass
        self._conn.disconnect()


#: X keysyms of keys that are not characters -> pynput's names for them.
_PYNPUT_KEYS = {
    0xFF08: "backspace", 0xFF09: "tab", 0xFF0D: "enter", 0xFF8D: "enter", 0xFF1B: "esc",
    0xFFFF: "delete", 0xFF50: "home", 0xFF51: "left", 0xFF52: "up", 0xFF53: "right",
    0xFF54: "down", 0xFF55: "page_up", 0xFF56: "page_down", 0xFF57: "end",
    0xFF63: "insert", 0xFF67: "menu", 0xFF13: "pause", 0xFF14: "scroll_lock",
    0xFF61: "print_screen", 0xFF7F: "num_lock", 0xFFE5: "caps_lock",
    0xFFE1: "shift", 0xFFE2: "shift_r", 0xFFE3: "ctrl", 0xFFE4: "ctrl_r",
    0xFFE9: "alt", 0xFFEA: "alt_r", 0xFE03: "alt_gr", 0xFFEB: "cmd", 0xFFEC: "cmd_r",
    0x0020: "space",
    **{0xFFBE + n: f"f{n + 1}" for n in range(20)},
}  # fmt: skip
#: Windows' virtual keys for the Korean keyboard's Hangul/English and Hanja keys.
_WINDOWS_VK = {0xFF31: 0x15, 0xFF34: 0x19}


class PynputBackend:
    """Windows and macOS: pynput's mouse and keyboard controllers (the maintained library
    for both), with the platform's foreground window for the protected-window check.
    The tests run it on X11, where pynput drives the same calls through Xlib.

    pynput cannot ask which keys are down without a listener that would also hear the
    injected ones, so here the customer's own hand is noticed by the pointer alone."""

    def __init__(self, focused: Callable[[], tuple[str, str]]) -> None:
        from pynput import keyboard, mouse

        self._mouse = mouse.Controller()
        self._kb = keyboard.Controller()
        self._buttons = {1: mouse.Button.left, 2: mouse.Button.middle, 3: mouse.Button.right}
        self._keys = keyboard.Key
        self._keycode = keyboard.KeyCode
        self._focused = focused
        self._held: dict[int, object] = {}  # keysym -> the pynput key pressed for it
        self.pressed: set[int] = set()  # what the injector's watch leaves out (nothing here)

    def move(self, x: int, y: int) -> None:
        self._mouse.position = (x, y)

    def button(self, button: int, down: bool) -> None:
        if 4 <= button <= 7:  # a wheel notch, as X11's buttons: press is the notch
            if down:
                dx, dy = {4: (0, 1), 5: (0, -1), 6: (-1, 0), 7: (1, 0)}[button]
                self._mouse.scroll(dx, dy)
            return
        which = self._buttons.get(button)
        if which is not None:
            (self._mouse.press if down else self._mouse.release)(which)

    def _key_for(self, keysym: int) -> Any:
        name = _PYNPUT_KEYS.get(keysym)
        if name is not None:
            return getattr(self._keys, name, None)
        if keysym in _WINDOWS_VK and sys.platform == "win32":
            return self._keycode.from_vk(_WINDOWS_VK[keysym])
        cp = keysym & 0xFFFFFF if keysym & 0xFF000000 == 0x01000000 else keysym
        if 0x20 <= cp <= 0x10FFFF and not 0xFE00 <= keysym <= 0xFFFF:
            return self._keycode.from_char(chr(cp))
        return None

    def key(self, keysym: int, down: bool) -> None:
        if down:
            key = self._key_for(keysym)
            if key is None:
                log.info("no key for keysym %#x here", keysym)
                return
            self._held[keysym] = key
            self._kb.press(key)
        else:
            key = self._held.pop(keysym, None)
            if key is not None:
                self._kb.release(key)

    def text(self, text: str) -> None:
        self._kb.type(text)

    def pointer(self) -> tuple[int, int]:
        x, y = self._mouse.position
        return int(x), int(y)

    def keys_down(self) -> set[int]:
        return set()

    def focused(self) -> tuple[str, str]:
        return self._focused()

    def release_all(self) -> None:
        for key in list(self._held.values()):
            self._kb.release(key)
        self._held.clear()

    def close(self) -> None:
        self.release_all()


def _windows_foreground() -> tuple[str, str]:
    """Windows: the foreground window's title and its program's file name."""
    import ctypes
    from ctypes import wintypes

    user32 = ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    hwnd = user32.GetForegroundWindow()
    if not hwnd:
        return "", ""
    title = ctypes.create_unicode_buffer(512)
    user32.GetWindowTextW(hwnd, title, 512)
    pid = wintypes.DWORD()
    user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
    app = ""
    handle = kernel32.OpenProcess(0x1000, False, pid.value)  # QUERY_LIMITED_INFORMATION
    if handle:
        try:
            size = wintypes.DWORD(1024)
            path = ctypes.create_unicode_buffer(1024)
            if kernel32.QueryFullProcessImageNameW(handle, 0, path, ctypes.byref(size)):
                app = path.value.replace("\\", "/").rsplit("/", 1)[-1]
        finally:
            kernel32.CloseHandle(handle)
    return title.value, app


def _macos_foreground() -> tuple[str, str]:
    """macOS: the frontmost application's name and its front window's title (Quartz's
    window list; titles need the screen-recording permission capture needs anyway)."""
    from AppKit import NSWorkspace  # type: ignore[import-not-found]
    from Quartz import (  # type: ignore[import-not-found]
        CGWindowListCopyWindowInfo,
        kCGNullWindowID,
        kCGWindowListOptionOnScreenOnly,
    )

    front = NSWorkspace.sharedWorkspace().frontmostApplication()
    if front is None:
        return "", ""
    app, pid = str(front.localizedName() or ""), int(front.processIdentifier())
    for info in CGWindowListCopyWindowInfo(kCGWindowListOptionOnScreenOnly, kCGNullWindowID):
        if (
            int(info.get("kCGWindowOwnerPID", -1)) == pid
            and int(info.get("kCGWindowLayer", 1)) == 0
        ):
            return str(info.get("kCGWindowName") or ""), app
    return "", app


def open_backend() -> XTestBackend | PynputBackend | None:
    """The desktop's input backend, or None where remote input is not available (the
    agent is told so). Never one that could not check protected windows."""
    if sys.platform.startswith("linux"):
        if not os.environ.get("DISPLAY") or os.environ.get("XDG_SESSION_TYPE") == "wayland":
            log.info("remote input needs an X11 session (none here)")
            return None
        try:
            return XTestBackend()
        except Exception as exc:  # noqa: BLE001 - no xcffib, no XTest, no display
            log.info("remote input is not available: %s", exc)
            return None
    focus = {"win32": _windows_foreground, "darwin": _macos_foreground}.get(sys.platform)
    if focus is None:
        log.info("remote input is not built for %s", sys.platform)
        return None
    try:
        focus()  # the protected-window check must work, or there is no control
        return PynputBackend(focus)
    except Exception as exc:  # noqa: BLE001 - no pynput, no permission (macOS Accessibility)
        log.info("remote input is not available: %s", exc)
        return None


class Injector:
    """Injects admitted input on its own thread; see the module docstring."""

    def __init__(
        self,
        backend_factory: Callable[[], Any] = open_backend,
        *,
        on_local: Callable[[], None] = lambda: None,
        on_focus: Callable[[str], None] = lambda _pattern: None,
        patterns: Sequence[str] = (),
        own_class: str = "",
        poll_s: float = POLL_S,
    ) -> None:
        self._factory = backend_factory
        self._on_local = on_local
        self._on_focus = on_focus
        self.patterns = tuple(patterns)
        self.own_class = own_class
        self._shields: tuple[Rect, ...] = ()
        self._poll_s = poll_s
        self._lock = threading.Condition()
        self._queue: collections.deque[tuple[int, Rect, tuple[InputEvent, ...]]] = (
            collections.deque()
        )
        self._generation = 0
        self._active = False  # control is held: watch local input and the focus
        self._closing = False
        self._release = False
        self._ready = threading.Event()
        self.available = False
        self.injected = 0  # events injected so far (tests, stats)
        self._thread = threading.Thread(target=self._main, name="assist-input", daemon=True)

    def start(self, timeout: float = 3.0) -> bool:
        """Open the backend on the thread; False if remote input is not available."""
        self._thread.start()
        self._ready.wait(timeout)
        return self.available

    def set_active(self, active: bool) -> None:
        with self._lock:
            self._active = active
            self._lock.notify()

    def set_shields(self, rects: Sequence[Rect]) -> None:
        """The customer's own windows, in desktop pixels: no remote click lands in them."""
        with self._lock:
            self._shields = tuple(rects)

    def submit(self, rect: Rect, events: tuple[InputEvent, ...]) -> None:
        """Queue a batch admitted by the gate, for the monitor at ``rect``."""
        with self._lock:
            self._queue.append((self._generation, rect, events))
            self._lock.notify()

    def cancel(self) -> None:
        """Control ended: nothing queued runs, and every held key and button is let go."""
        with self._lock:
            self._generation += 1
            self._queue.clear()
            self._release = True
            self._lock.notify()

    def stop(self, timeout: float = 2.0) -> None:
        self.cancel()
        with self._lock:
            self._closing = True
            self._lock.notify()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    # ------------------------------------------------------------ the thread

    def _main(self) -> None:
        try:
            backend = self._factory()
        except Exception:  # noqa: BLE001
            log.exception("could not open the input backend")
            backend = None
        self.available = backend is not None
        self._ready.set()
        if backend is None:
            return
        state = _Watch()
        try:
            while True:
                with self._lock:
                    if not self._queue and not self._closing and not self._release:
                        self._lock.wait(self._poll_s if self._active else None)
                    if self._closing:
                        break
                    release, self._release = self._release, False
                    batch = self._queue.popleft() if self._queue else None
                    active = self._active
                if release:
                    self._release_all(backend, state)
                if active:
                    self._watch(backend, state)
                if batch is not None:
                    self._run(backend, state, *batch)
        except Exception:  # noqa: BLE001 - the display went away: report, never crash
            log.exception("remote input stopped")
            self._on_local()
        finally:
            try:
                self._release_all(backend, state)
                backend.close()
            except Exception:  # noqa: BLE001
                pass

    def _release_all(self, backend: Any, state: _Watch) -> None:
        for button in sorted(state.buttons):
            backend.button(button, False)
        state.buttons.clear()
        state.where = None
        if hasattr(backend, "release_all"):
            backend.release_all()

    def _watch(self, backend: Any, state: _Watch) -> None:
        x, y = backend.pointer()
        if state.where is None:  # where the pointer was when control began
            state.where = (x, y)
        ours: set[int] = getattr(backend, "pressed", set())
        theirs = backend.keys_down() - ours
        moved = state.where is not None and (x, y) != state.where
        if moved or (theirs and theirs != state.ignore):
            state.where = (x, y)
            state.ignore = theirs
            self._on_local()
        elif not theirs:
            state.ignore = set()
        self._check_focus(backend, state)

    def _check_focus(self, backend: Any, state: _Watch) -> str:
        title, app = backend.focused()
        if self.own_class and self.own_class in app.split():
            pattern = self.own_class  # the customer's own Assist window
        else:
            pattern = protected_match(title, app, self.patterns)
        if pattern != state.pattern:
            state.pattern = pattern
            self._on_focus(pattern)
        return pattern

    def _run(
        self,
        backend: Any,
        state: _Watch,
        generation: int,
        rect: Rect,
        events: tuple[InputEvent, ...],
    ) -> None:
        if any(e.kind in (InputKind.KEY, InputKind.TEXT) for e in events):
            if self._check_focus(backend, state):
                return  # a protected window has the focus: no typing into it
        left, top, width, height = rect
        for event in events:
            with self._lock:
                if generation != self._generation:
                    return  # control ended since this batch was queued
                shields = self._shields
            x = left + max(0, min(width - 1, event.x))
            y = top + max(0, min(height - 1, event.y))
            match event.kind:
                case InputKind.MOVE:
                    backend.move(x, y)
                    state.where = (x, y)
                case InputKind.BUTTON if 1 <= event.code <= 3 or 8 <= event.code <= 9:
                    if _inside(x, y, shields) and event.code not in state.buttons:
                        continue  # on the customer's own Assist window
                    if (x, y) != state.where:
                        backend.move(x, y)
                        state.where = (x, y)
                    backend.button(event.code, event.down)
                    (state.buttons.add if event.down else state.buttons.discard)(event.code)
                case InputKind.WHEEL if 4 <= event.code <= 7:
                    if (x, y) != state.where:
                        backend.move(x, y)
                        state.where = (x, y)
                    backend.button(event.code, True)
                    backend.button(event.code, False)
                case InputKind.KEY:
                    backend.key(event.code, event.down)
                case InputKind.TEXT:
                    backend.text(event.text)
                case _:
                    continue
            self.injected += 1


def _inside(x: int, y: int, rects: Sequence[Rect]) -> bool:
    return any(rx <= x < rx + rw and ry <= y < ry + rh for rx, ry, rw, rh in rects)


class _Watch:
    """What the injector's thread remembers between polls."""

    def __init__(self) -> None:
        self.where: tuple[int, int] | None = None  # where we last put the pointer
        self.ignore: set[int] = set()  # the customer's keys already reported
        self.pattern = ""
        self.buttons: set[int] = set()
