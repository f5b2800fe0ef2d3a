"""Capture driven by the X server's damage reports, on a real Xvfb: nothing is grabbed
while nothing is drawn, a change after a still spell is sent at once, a change
elsewhere is not grabbed, and a pointer moving over a still screen costs no grab."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import xcffib
import xcffib.xproto

from assist_client.damage import DamageWatcher, open_damage
from assist_client.streamer import MssSource, Streamer
from common.messages import Frame
from common.tiles import FrameDecoder

pytestmark = pytest.mark.xvfb


class Painter:
    """Windows of one colour drawn straight through XCB (no toolkit, no delay)."""

    def __init__(self, display: str) -> None:
        self.conn: Any = xcffib.connect(display=display)
        self.screen = self.conn.get_setup().roots[self.conn.pref_screen]

    def window(self, x: int, y: int, w: int, h: int, rgb: int) -> int:
        wid = self.conn.generate_id()
        self.conn.core.CreateWindow(
            self.screen.root_depth, wid, self.screen.root, x, y, w, h, 0,
            xcffib.xproto.WindowClass.InputOutput, self.screen.root_visual,
            xcffib.xproto.CW.BackPixel | xcffib.xproto.CW.OverrideRedirect, [rgb, 1],
        )  # fmt: skip
        self.conn.core.MapWindow(wid)
        self.conn.flush()
        return wid

    def recolour(self, wid: int, rgb: int) -> None:
        self.conn.core.ChangeWindowAttributes(wid, xcffib.xproto.CW.BackPixel, [rgb])
        self.conn.core.ClearArea(False, wid, 0, 0, 0, 0)
        self.conn.flush()

    def close(self) -> None:
        self.conn.disconnect()


@pytest.fixture
def painter(xvfb_display: str) -> Iterator[Painter]:
    p = Painter(xvfb_display)
    yield p
    p.close()


def test_the_watcher_reports_what_was_drawn_and_where(xvfb_display: str, painter: Painter):
    watcher = open_damage()
    assert isinstance(watcher, DamageWatcher)
    try:
        for _ in range(10):  # whatever the server drew as it started
            watcher.take((0, 0, 1280, 800))
            if not watcher.wait(0.3):  # a still screen: sleeps the whole timeout
                break
        else:
            raise AssertionError("the screen never went still")
        started = time.monotonic()
        painter.window(300, 200, 320, 240, 0xE53935)
        assert watcher.wait(2.0)
        assert time.monotonic() - started < 1.0
        # Clipped to the monitor asked about; nothing there if it is elsewhere.
        assert watcher.take((0, 0, 640, 400)) == [(300, 200, 320, 200)]
        painter.window(900, 600, 50, 50, 0x00FF00)
        assert watcher.wait(2.0)
        assert watcher.take((0, 0, 640, 400)) == []
        assert not watcher.pending
        assert not watcher.composited()  # Xvfb alone: no compositing manager
        # A compositing manager takes its selection: checked more often from then on.
        owner = painter.window(0, 0, 1, 1, 0)
        name = b"_NET_WM_CM_S0"
        atom = painter.conn.core.InternAtom(False, len(name), name).reply().atom
        painter.conn.core.SetSelectionOwner(owner, atom, 0)
        painter.conn.flush()
        assert watcher.composited()
    finally:
        watcher.close()


def test_a_window_moved_by_the_server_is_reported_as_a_move(xvfb_display: str, painter: Painter):
    """Dragged (moved at the same size), a window is a move from where it was first to
    where it is last; resized, it is not."""
    wid = painter.window(100, 100, 300, 200, 0x336699)
    other = painter.window(700, 500, 120, 80, 0x993366)
    watcher = open_damage()
    assert isinstance(watcher, DamageWatcher)
    xy = xcffib.xproto.ConfigWindow.X | xcffib.xproto.ConfigWindow.Y
    size = xcffib.xproto.ConfigWindow.Width | xcffib.xproto.ConfigWindow.Height
    try:
        for _ in range(10):  # whatever the server drew as the windows came up
            watcher.take((0, 0, 1280, 800))
            if not watcher.wait(0.3):
                break
        assert watcher.moves() == []
        for x, y in ((120, 110), (150, 130)):  # two steps of one drag
            painter.conn.core.ConfigureWindow(wid, xy, [x, y])
        painter.conn.core.ConfigureWindow(other, size, [200, 80])  # resized, not moved
        painter.conn.flush()
        assert watcher.wait(2.0)
        time.sleep(0.1)
        watcher.take((0, 0, 1280, 800))
        assert watcher.moves() == [(100, 100, 150, 130, 300, 200)]
        assert watcher.moves() == []  # handed over once
    finally:
        watcher.close()


def test_drawing_again_where_it_was_drawn_is_reported_after_each_take(
    xvfb_display: str, painter: Painter
):
    """The same place drawn after a take comes again (each take empties the server's
    record, which must not silence it), and a place drawn twice before one take
    comes once."""
    wid = painter.window(200, 150, 64, 32, 0x202020)
    watcher = open_damage()
    assert isinstance(watcher, DamageWatcher)
    try:
        for _ in range(10):
            watcher.take((0, 0, 1280, 800))
            if not watcher.wait(0.3):
                break
        for rgb in (0xFF0000, 0x00FF00, 0x0000FF):
            painter.recolour(wid, rgb)
            painter.recolour(wid, rgb ^ 0xFFFFFF)  # twice before the take: one rectangle
            assert watcher.wait(2.0)
            time.sleep(0.05)
            assert watcher.take((0, 0, 1280, 800)) == [(200, 150, 64, 32)]
        assert not watcher.wait(0.3)
    finally:
        watcher.close()


def test_a_flood_of_small_drawings_moves_the_watcher_to_one_event_a_frame(
    xvfb_display: str, painter: Painter
):
    """Thousands of separate points between two takes: the watcher stops asking for a
    rectangle each and reads the server's region instead; nothing drawn is missed on
    the way, and drawing after it is still reported where it was."""
    from assist_client import damage

    canvas = painter.window(0, 0, 1000, 700, 0x000000)
    target = painter.window(1100, 100, 40, 30, 0x303030)
    watcher = open_damage()
    assert isinstance(watcher, DamageWatcher)
    try:
        for _ in range(10):
            watcher.take((0, 0, 1280, 800))
            if not watcher.wait(0.3):
                break
        gc = painter.conn.generate_id()
        painter.conn.core.CreateGC(gc, canvas, xcffib.xproto.GC.Foreground, [0xFFFFFF])
        points = [
            xcffib.xproto.POINT.synthetic(x, y)
            for x in range(2, 1000, 12)
            for y in range(2, 700, 12)
        ]
        assert len(points) > damage.FLOOD_EVENTS
        for point in points:  # one request each: the server reports each place apart
            painter.conn.core.PolyPoint(xcffib.xproto.CoordMode.Origin, canvas, gc, 1, [point])
        painter.conn.flush()
        assert watcher.wait(2.0)
        time.sleep(0.3)
        drawn = watcher.take((0, 0, 1280, 800))
        assert drawn and all(r[0] < 1000 and r[1] < 700 for r in drawn)
        assert watcher._region is not None  # one event a frame from now on
        time.sleep(0.1)
        watcher.take((0, 0, 1280, 800))  # whatever was still on its way
        painter.recolour(target, 0xFF0000)
        assert watcher.wait(2.0)
        assert watcher.take((0, 0, 1280, 800)) == [(1100, 100, 40, 30)]
        painter.recolour(target, 0x00FF00)
        assert watcher.wait(2.0)
        assert watcher.take((0, 0, 1280, 800)) == [(1100, 100, 40, 30)]
    finally:
        watcher.close()


def test_tidy_drops_repeats_and_rectangles_inside_others():
    from assist_client.damage import _tidy

    assert _tidy([]) == []
    assert _tidy([(0, 0, 10, 10), (5, 5, 2, 2), (0, 0, 10, 10), (50, 0, 4, 4)]) == [
        (0, 0, 10, 10),
        (50, 0, 4, 4),
    ]
    # The first order is kept, whatever the sizes.
    assert _tidy([(50, 0, 4, 4), (0, 0, 10, 10)]) == [(50, 0, 4, 4), (0, 0, 10, 10)]
    # Many: their bounding box (the check of each against each would be quadratic).
    many = [(10 * i, 5, 2, 2) for i in range(40)] + [(0, 300, 1, 1)]
    assert _tidy(many) == [(0, 5, 392, 296)]


def test_no_damage_means_polling(monkeypatch: pytest.MonkeyPatch, xvfb_display: str):
    monkeypatch.setenv("ASSIST_NO_DAMAGE", "1")
    assert open_damage() is None
    monkeypatch.delenv("ASSIST_NO_DAMAGE")
    monkeypatch.delenv("DISPLAY")
    assert open_damage() is None


def test_a_still_screen_is_not_grabbed_and_a_change_after_a_pause_goes_at_once(
    xvfb_display: str, painter: Painter
):
    frames: list[tuple[float, Frame]] = []
    lock = threading.Lock()
    decoder = FrameDecoder()
    pointer = [(10, 10)]

    def send(frame: Frame) -> None:
        with lock:
            frames.append((time.monotonic(), frame))

    def settle(streamer: Streamer) -> list[tuple[float, Frame]]:
        with lock:
            got, frames[:] = list(frames), []
        for _, f in got:
            if decoder.apply(f):
                streamer.on_ack(f.frame_id)
        return got

    streamer = Streamer(send, (0, 0, 1280, 800), cursor=lambda: pointer[0])
    streamer.start()
    try:
        time.sleep(0.5)
        settle(streamer)
        assert decoder.pixels is not None  # the first picture arrived
        # Still for 3 s: past the active spell (2 s) into the idle pace.
        grabs = streamer.stats.captures
        time.sleep(3.0)
        assert not settle(streamer)
        # Not one grab of a still screen, but for the first check of the reports.
        assert streamer.stats.captures - grabs <= 1 and streamer.stats.damage_missed == 0
        # Drawn after the pause: on its way within a frame or two, not an idle interval.
        drawn = time.monotonic()
        wid = painter.window(300, 200, 320, 240, 0xE53935)
        deadline = drawn + 2.0
        first: float | None = None
        while time.monotonic() < deadline and first is None:
            for at, f in settle(streamer):
                if f.tiles and first is None:
                    first = at
            time.sleep(0.005)
        assert first is not None and first - drawn < 0.1, first
        time.sleep(0.3)
        settle(streamer)
        assert tuple(decoder.pixels[300, 400, :3]) == (0x35, 0x39, 0xE5)
        # The pointer moves over the still screen: a frame with no tiles, no grab.
        grabs = streamer.stats.captures
        pointer[0] = (640, 400)
        time.sleep(0.5)
        moved = settle(streamer)
        assert moved and all(not f.tiles and f.cursor_x == 640 for _, f in moved)
        assert streamer.stats.captures - grabs <= 1 and streamer.stats.pointer_only >= 1
        # Drawn again: what the agent rebuilds is the screen.
        painter.recolour(wid, 0x1E88E5)
        time.sleep(0.5)
        settle(streamer)
        source = MssSource()
        real, _ = source.grab((0, 0, 1280, 800))
        source.close()
        assert np.array_equal(decoder.pixels[:, :, :3], real[:, :, :3])
    finally:
        streamer.stop()
        streamer.join(5)
