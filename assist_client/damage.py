"""Which parts of the X screen changed, from the X server itself (the DAMAGE extension).

Polling a screen means grabbing and comparing all of it many times a second, even
when nothing moves; the X server already knows what it drew. :class:`DamageWatcher`
asks it: a Damage object on the root window at the *raw-rectangles* report level
sends an event with a rectangle for every drawing request; :meth:`DamageWatcher.take`
hands over the rectangles collected from those events and empties the server's
record (``DamageSubtract``, a request with no reply, so the region it keeps stays
small). A keystroke costs two small events and one request, with no round trip to
the server. (The *non-empty* level plus ``FetchRegion``, the first version, cost a
round trip per frame: a tenth of a keystroke's CPU.) Not the *delta* level, which
reports only drawing where nothing was drawn since the last subtract: the capture
grabs on mss's own connection, the server may serve that grab before this
connection's subtract, and drawing in between, over a place already reported,
would then never be reported at all. An application that draws thousands of
small things between two frames (a plot drawn point by point, one request each)
would flood the connection with events: after :data:`FLOOD_EVENTS` of them before
one ``take``, the watcher goes to the *non-empty* level, one event per frame and a
``FetchRegion`` round trip (whose reply also orders it before the grab). So:

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
import struct
import sys
import time
from typing import Any

log = logging.getLogger(__name__)

Rect = tuple[int, int, int, int]

#: Where the fields are in the 32 bytes of an X event (see the X and DAMAGE protocols).
_DAMAGE_AREA = struct.Struct("=hhHH")  # DamageNotify's area: x, y, width, height at 16
_CONFIGURE_NOTIFY = 22
_CONFIGURE = struct.Struct("=I4xhhHHH")  # window at 8, then x, y, width, height, border

#: Events between two takes beyond which the watcher stops asking for each rectangle
#: (see the module docstring): a keystroke sends 2, a full redraw of a text window ~100.
FLOOD_EVENTS = 1000
#: More rectangles than this in one take are handed over as their bounding box (the
#: streamer grabs that box for more than a few anyway).
MAX_RECTS = 32

__all__ = ["DamageWatcher", "open_damage"]


class DamageWatcher:
    """See the module docstring. Not thread-safe: one thread uses it."""

    def __init__(self, display: str | None = None) -> None:
        import xcffib as _xcffib
        import xcffib.damage
        import xcffib.xfixes
        import xcffib.xproto

        xcb: Any = _xcffib  # untyped
        self._lib, self._ffi = xcb.lib, xcb.ffi
        #: Top-level windows' outer geometry (x, y, w, h with borders), as last known.
        self._windows: dict[int, Rect] = {}
        #: Windows moved since the last :meth:`moves`: where they were, where they are.
        self._moved: dict[int, tuple[Rect, Rect]] = {}
        #: Rectangles drawn since the last :meth:`take` (root coordinates, from events);
        #: FLOOD_EVENTS of them bring the non-empty level.
        self._drawn: list[Rect] = []
        #: xcb may hold events it read while it waited for a reply or wrote a request;
        #: until they are drained, the descriptor alone does not tell.
        self._queued = True
        self._conn: Any = xcb.connect(display=display)
        try:
            self._damage = self._conn(xcb.damage.key)
            self._xfixes = self._conn(xcb.xfixes.key)
            self._damage.QueryVersion(1, 1).reply()
            name = "DAMAGE"
            self._notify_code = self._conn.core.QueryExtension(len(name), name).reply().first_event
            self._xfixes.QueryVersion(5, 0).reply()
            root = self._conn.get_setup().roots[self._conn.pref_screen].root
            self._cm_name = f"_NET_WM_CM_S{self._conn.pref_screen}"
            self._id = self._conn.generate_id()
            self._levels = xcb.damage.ReportLevel
            self._root = root
            self._damage.Create(self._id, root, self._levels.RawRectangles)
            #: The XFixes region the non-empty level reads the damage into (made if a
            #: flood of events brings the watcher to that level).
            self._region: int | None = None
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
        self._raw = getattr(self._conn, "_conn", None)  # the xcb_connection_t * under it
        if self._raw is None:
            self.close()
            raise RuntimeError("xcffib's Connection no longer exposes its xcb connection")
        #: The next take reports the whole area asked about (the levels changed over).
        self._everything = False
        #: The screen was drawn on since the last :meth:`take` (an event came).
        self._pending = True  # whatever happened before we watched

    def composited(self) -> bool:
        """A compositing manager runs (owns ``_NET_WM_CM_S<screen>``): windows are
        painted off screen and copied by it, where some compositors' drawing escapes
        DAMAGE on the root window, so the streamer checks more often."""
        self._queued = True  # replies were waited for: xcb may have read events meanwhile
        atom = self._conn.core.InternAtom(False, len(self._cm_name), self._cm_name).reply().atom
        return bool(self._conn.core.GetSelectionOwner(atom).reply().owner)

    @property
    def pending(self) -> bool:
        """Something was drawn since the last :meth:`take` (events read so far)."""
        self._drain()
        return self._pending

    def _drain(self) -> None:
        """Read the events that came. xcb reads ahead while it waits for a reply or
        writes a request, so after those the queue is drained whatever the descriptor
        says; else a zero-timeout ``select`` skips the (Python-heavy) polling when
        nothing came."""
        if not self._queued and not select.select([self._fd], [], [], 0)[0]:
            return
        # Straight from libxcb, 32 bytes an event, unpacked with struct: xcffib's own
        # poll_for_event builds event objects in Python at ~40 µs each, which was a
        # tenth of what a keystroke cost the capture thread.
        lib, ffi, raw = self._lib, self._ffi, self._raw
        while (e := lib.xcb_poll_for_event(raw)) != ffi.NULL:
            try:
                data = bytes(ffi.buffer(e, 32))
            finally:
                lib.free(e)
            kind = data[0] & 0x7F
            if kind == self._notify_code:  # DamageNotify: its area
                self._pending = True
                if self._region is None:
                    self._drawn.append(_DAMAGE_AREA.unpack_from(data, 16))
            elif kind == _CONFIGURE_NOTIFY:
                window, x, y, w, h, border = _CONFIGURE.unpack_from(data, 8)
                self._configured(window, _outer(x, y, w, h, border))
            elif kind == 0:  # an error for an unchecked request: nothing here depends on it
                log.debug("X error %d on the damage connection", data[1])
        self._queued = False
        if lib.xcb_connection_has_error(raw):
            raise OSError("the X server closed the connection")
        if len(self._drawn) >= FLOOD_EVENTS and self._region is None:
            self._to_non_empty()

    def _to_non_empty(self) -> None:
        """Too many events: one per frame from now on, and the rectangles read from
        the server's region at each take (what was drawn so far is in it too)."""
        log.info("%d damage events before one frame: asking for one a frame", len(self._drawn))
        self._region = self._conn.generate_id()
        self._xfixes.CreateRegion(self._region, 0, [])
        old, self._id = self._id, self._conn.generate_id()
        self._damage.Create(self._id, self._root, self._levels.NonEmpty)
        self._damage.Destroy(old)
        self._conn.flush()
        self._queued = True
        self._drawn = []
        self._pending = True
        self._everything = True  # what the old object had collected is not in the new one

    def _configured(self, window: int, new: Rect) -> None:
        old = self._windows.get(window)
        self._windows[window] = new
        if old is None or old[2:] != new[2:]:
            self._moved.pop(window, None)  # new, or resized: no longer a plain move
            return
        if old[:2] != new[:2]:
            first = self._moved.get(window, (old, new))[0]
            self._moved[window] = (first, new)

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
        drawn, self._drawn = self._drawn, []
        if self._region is None:
            # Every drawing request sends its event whatever the server's record holds;
            # emptying it only keeps it small. Events already on their way come with the
            # next take, whose grab then finds nothing new there.
            self._damage.Subtract(self._id, 0, 0)
            self._conn.flush()
        else:
            self._damage.Subtract(self._id, 0, self._region)
            reply = self._xfixes.FetchRegion(self._region).reply()
            drawn = [(r.x, r.y, r.width, r.height) for r in reply.rectangles]
            if self._everything:  # drawn while the levels changed over: all of it
                self._everything = False
                drawn = [within]
        self._queued = True
        x0, y0, w, h = within
        out: list[Rect] = []
        for rx, ry, rw, rh in drawn:
            left, top = max(rx, x0), max(ry, y0)
            right, bottom = min(rx + rw, x0 + w), min(ry + rh, y0 + h)
            if right > left and bottom > top:
                out.append((left, top, right - left, bottom - top))
        return _tidy(out)

    def close(self) -> None:
        try:
            self._damage.Destroy(self._id)
            if self._region is not None:
                self._xfixes.DestroyRegion(self._region)
            self._conn.flush()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            pass
        self._conn.disconnect()


def _tidy(rects: list[Rect]) -> list[Rect]:
    """``rects`` without repeats and without those inside another (a place drawn on
    twice reported twice), in their first order; more than :data:`MAX_RECTS` become
    their bounding box (the check is quadratic)."""
    if len(rects) > MAX_RECTS:
        x0, y0 = min(r[0] for r in rects), min(r[1] for r in rects)
        x1, y1 = max(r[0] + r[2] for r in rects), max(r[1] + r[3] for r in rects)
        return [(x0, y0, x1 - x0, y1 - y0)]
    out: list[Rect] = []
    for r in sorted(set(rects), key=lambda r: -(r[2] * r[3])):
        x, y, w, h = r
        if not any(
            o[0] <= x and o[1] <= y and x + w <= o[0] + o[2] and y + h <= o[1] + o[3] for o in out
        ):
            out.append(r)
    if len(out) > 1:
        order = {r: i for i, r in reversed(list(enumerate(rects)))}
        out.sort(key=order.__getitem__)
    return out


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
