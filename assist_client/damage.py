"""Which parts of the X screen changed, from the X server itself (the DAMAGE extension).

Polling a screen means grabbing and comparing all of it many times a second, even
when nothing moves; the X server already knows what it drew. :class:`DamageWatcher`
asks it: a Damage object on the root window at the *non-empty* report level sends
one event when the screen goes from unchanged to changed; :meth:`DamageWatcher.take`
then moves everything damaged since into an XFixes region and reads its rectangles
(``DamageSubtract`` + ``FetchRegion``: one round trip), which re-arms the event. So:

* the capture thread sleeps on the connection's file descriptor while nothing is
  drawn (:meth:`DamageWatcher.wait`), and wakes the moment something is;
* it grabs only when the shared monitor's rectangle was touched;
* it learns which top-level windows *moved* (``ConfigureNotify`` on the root's
  children, at an unchanged size): :meth:`DamageWatcher.moves` hands them to the
  encoder as move hints, so a dragged window costs a copy on the agent's side plus
  what it uncovered, not its pixels (the encoder keeps a hint only if the pixels
  agree).

It is reached through xcffib (the XCB binding) on its own connection, made on the
capture thread. Where there is no X display, no xcffib or no DAMAGE/XFixes (Wayland,
Windows, macOS, an X server without them), :func:`open_damage` returns None and the
streamer polls as before.
"""

from __future__ import annotations

import logging
import os
import select
import sys
import time
from typing import Any

log = logging.getLogger(__name__)

Rect = tuple[int, int, int, int]

__all__ = ["DamageWatcher", "open_damage"]


class DamageWatcher:
    """See the module docstring. Not thread-safe: one thread uses it."""

    def __init__(self, display: str | None = None) -> None:
        import xcffib as _xcffib
        import xcffib.damage
        import xcffib.xfixes
        import xcffib.xproto

        xcb: Any = _xcffib  # untyped
        self._notify = xcb.damage.NotifyEvent
        self._configure = xcb.xproto.ConfigureNotifyEvent
        #: Top-level windows' outer geometry (x, y, w, h with borders), as last known.
        self._windows: dict[int, Rect] = {}
        #: Windows moved since the last :meth:`moves`: where they were, where they are.
        self._moved: dict[int, tuple[Rect, Rect]] = {}
        self._conn: Any = xcb.connect(display=display)
        try:
            self._damage = self._conn(xcb.damage.key)
            self._xfixes = self._conn(xcb.xfixes.key)
            self._damage.QueryVersion(1, 1).reply()
            self._xfixes.QueryVersion(5, 0).reply()
            root = self._conn.get_setup().roots[self._conn.pref_screen].root
            self._cm_name = f"_NET_WM_CM_S{self._conn.pref_screen}"
            self._id = self._conn.generate_id()
            self._damage.Create(self._id, root, xcb.damage.ReportLevel.NonEmpty)
            self._region = self._conn.generate_id()
            self._xfixes.CreateRegion(self._region, 0, [])
            # Told when a top-level window is configured (moved, resized, restacked).
            self._conn.core.ChangeWindowAttributes(
                root, xcb.xproto.CW.EventMask, [xcb.xproto.EventMask.SubstructureNotify]
            )
            children = self._conn.core.QueryTree(root).reply().children
            cookies = [(w, self._conn.core.GetGeometry(w)) for w in children]
            for window, cookie in cookies:
                try:
                    g = cookie.reply()
                except Exception:  # noqa: BLE001 - the window went away meanwhile
                    continue
                self._windows[window] = _outer(g.x, g.y, g.width, g.height, g.border_width)
            self._conn.flush()
        except Exception:
            self._conn.disconnect()
            raise
        self._fd = self._conn.get_file_descriptor()
        #: The screen was drawn on since the last :meth:`take` (an event came).
        self._pending = True  # whatever happened before we watched

    def composited(self) -> bool:
        """A compositing manager runs (owns ``_NET_WM_CM_S<screen>``): windows are
        painted off screen and copied by it, where some compositors' drawing escapes
        DAMAGE on the root window, so the streamer checks more often."""
        atom = self._conn.core.InternAtom(False, len(self._cm_name), self._cm_name).reply().atom
        return bool(self._conn.core.GetSelectionOwner(atom).reply().owner)

    @property
    def pending(self) -> bool:
        """Something was drawn since the last :meth:`take` (events read so far)."""
        self._drain()
        return self._pending

    def _drain(self) -> None:
        """Read the events xcffib holds (it reads ahead while waiting for replies, so
        the descriptor alone does not say whether one came)."""
        conn = self._conn
        while (event := conn.poll_for_event()) is not None:
            if isinstance(event, self._notify):
                self._pending = True
            elif isinstance(event, self._configure):
                self._configured(event)
        if conn.has_error():
            raise OSError("the X server closed the connection")

    def _configured(self, event: Any) -> None:
        new = _outer(event.x, event.y, event.width, event.height, event.border_width)
        old = self._windows.get(event.window)
        self._windows[event.window] = new
        if old is None or old[2:] != new[2:]:
            self._moved.pop(event.window, None)  # new, or resized: no longer a plain move
            return
        if old[:2] != new[:2]:
            first = self._moved.get(event.window, (old, new))[0]
            self._moved[event.window] = (first, new)

    def moves(self) -> list[tuple[int, int, int, int, int, int]]:
        """Top-level windows moved (same size) since the last call, as (from x, from y,
        to x, to y, w, h) in root coordinates; read events first with :meth:`take`."""
        out = [(a[0], a[1], b[0], b[1], b[2], b[3]) for a, b in self._moved.values() if a != b]
        self._moved.clear()
        return out

    def wait(self, timeout: float, wake_fd: int | None = None) -> bool:
        """Sleep until something is drawn, ``wake_fd`` is readable or ``timeout``
        seconds pass; returns :attr:`pending`."""
        fds = [self._fd] if wake_fd is None else [self._fd, wake_fd]
        end = time.monotonic() + timeout
        while True:
            self._drain()
            left = end - time.monotonic()
            if self._pending or left <= 0:
                return self._pending
            # Other events (a window configured) wake it too: sleep again unless woken.
            ready, _, _ = select.select(fds, [], [], left)
            if wake_fd is not None and wake_fd in ready:
                self._drain()
                return self._pending

    def take(self, within: Rect) -> list[Rect]:
        """The rectangles drawn on since the last call that meet ``within`` (root
        coordinates, clipped to it); [] if nothing was. Re-arms the event."""
        self._drain()
        if not self._pending:
            return []
        self._pending = False
        self._damage.Subtract(self._id, 0, self._region)
        rects = self._xfixes.FetchRegion(self._region).reply().rectangles
        x0, y0, w, h = within
        out: list[Rect] = []
        for r in rects:
            left, top = max(r.x, x0), max(r.y, y0)
            right, bottom = min(r.x + r.width, x0 + w), min(r.y + r.height, y0 + h)
            if right > left and bottom > top:
                out.append((left, top, right - left, bottom - top))
        return out

    def close(self) -> None:
        try:
            self._damage.Destroy(self._id)
            self._xfixes.DestroyRegion(self._region)
            self._conn.flush()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            pass
        self._conn.disconnect()


def _outer(x: int, y: int, w: int, h: int, border: int) -> Rect:
    """A window's rectangle on the root, its border included."""
    return x, y, w + 2 * border, h + 2 * border


def open_damage(display: str | None = None) -> DamageWatcher | None:
    """A watcher for this X display, or None where the server cannot tell (then the
    streamer polls)."""
    if not sys.platform.startswith("linux") or not (display or os.environ.get("DISPLAY")):
        return None
    if os.environ.get("ASSIST_NO_DAMAGE"):  # to compare with polling (bench, tests)
        return None
    try:
        return DamageWatcher(display)
    except ImportError:
        log.info("xcffib is not installed: the screen is polled")
    except Exception as exc:  # noqa: BLE001 - no DAMAGE or XFixes: poll
        log.info("the X server does not report damage (%s): the screen is polled", exc)
    return None
