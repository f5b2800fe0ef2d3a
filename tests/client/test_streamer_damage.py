"""The streamer's damage path with a scripted X server: it grabs only the rectangles
reported drawn, a member who fell behind gets the whole picture even when the last
frame was made of patches, and nothing drawn means nothing grabbed."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from assist_client import streamer as streamer_module
from assist_client.streamer import Streamer, _grab_rects
from common.messages import Codec, Frame
from common.tiles import FrameDecoder

Rect = tuple[int, int, int, int]
W, H = 320, 200


class Screen:
    """A screen the test draws on, a damage watcher that reports those drawings, and a
    capture source that records what was grabbed (monitor at x=100 on the root)."""

    LEFT = 100

    def __init__(self) -> None:
        self.pixels = np.full((H, W, 4), 255, np.uint8)
        self.grabs: list[Rect] = []
        self._drawn: list[Rect] = []
        self._lock = threading.Lock()
        self.damage = self  # the source carries its watcher, as MssSource does
        self.silent = False  # draws without reporting it

    def draw(self, x: int, y: int, w: int, h: int, bgr: tuple[int, int, int]) -> None:
        with self._lock:
            self.pixels[y : y + h, x : x + w, :3] = bgr
            if not self.silent:
                self._drawn.append((x + self.LEFT, y, w, h))

    # the watcher
    @property
    def pending(self) -> bool:
        with self._lock:
            return bool(self._drawn)

    def wait(self, timeout: float, wake_fd: int | None = None) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end and not self.pending:
            time.sleep(0.002)
        return self.pending

    def composited(self) -> bool:
        return False

    def moves(self) -> list[tuple[int, int, int, int, int, int]]:
        return []  # windows are not moved here

    def take(self, within: Rect) -> list[Rect]:
        with self._lock:
            drawn, self._drawn = self._drawn, []
        return drawn

    # the source
    def grab(self, rect: Rect) -> tuple[np.ndarray, bytes]:
        x, y, w, h = rect
        with self._lock:
            self.grabs.append(rect)
            part = self.pixels[y : y + h, x - self.LEFT : x - self.LEFT + w].copy()
        return part, part.tobytes()

    def close(self) -> None:
        pass


def test_only_what_was_drawn_is_grabbed_and_a_refresh_is_still_whole() -> None:
    screen = Screen()
    shared: list[Frame] = []
    private: list[tuple[int, Frame]] = []
    lock = threading.Lock()
    decoder = FrameDecoder()

    def send(frame: Frame) -> None:
        with lock:
            shared.append(frame)

    def send_private(member: int, frame: Frame) -> None:
        with lock:
            private.append((member, frame))

    def settle(streamer: Streamer, seconds: float = 0.3) -> None:
        time.sleep(seconds)
        with lock:
            got, shared[:] = list(shared), []
        for f in got:
            if decoder.apply(f):
                streamer.on_ack(f.frame_id)

    streamer = Streamer(
        send, (Screen.LEFT, 0, W, H), source_factory=lambda: screen, send_private=send_private
    )
    streamer.start()
    try:
        settle(streamer)
        assert screen.grabs == [(Screen.LEFT, 0, W, H)]  # the first picture, whole
        screen.grabs.clear()
        settle(streamer, 0.5)
        assert screen.grabs == []  # nothing drawn: nothing grabbed
        # A caret and a clock far apart: each grabbed alone.
        screen.draw(10, 10, 2, 12, (0, 0, 0))
        screen.draw(300, 190, 16, 8, (200, 0, 0))
        settle(streamer)
        assert sorted(screen.grabs) == [(110, 10, 2, 12), (400, 190, 16, 8)]
        assert np.array_equal(decoder.pixels[:, :, :3], screen.pixels[:, :, :3])
        # A member who fell behind gets the whole picture of the last frame.
        streamer.refresh(7)
        settle(streamer)
        member = FrameDecoder()
        with lock:
            mine = [f for m, f in private if m == 7]
        assert mine and mine[0].keyframe
        for f in mine:
            member.apply(f)
        assert np.array_equal(member.pixels[:, :, :3], screen.pixels[:, :, :3])
    finally:
        streamer.stop()
        streamer.join(5)


def test_rectangles_that_fill_their_box_are_grabbed_as_one() -> None:
    assert _grab_rects([(0, 0, 10, 10), (10, 0, 10, 10)]) == [(0, 0, 20, 10)]
    far = [(0, 0, 4, 4), (500, 300, 4, 4)]
    assert _grab_rects(far) == far
    many = [(i * 20, 0, 4, 4) for i in range(9)]  # more than MAX_SEPARATE: one box
    assert _grab_rects(many) == [(0, 0, 164, 4)]


def test_a_server_that_draws_without_saying_so_is_polled_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Some compositors paint where DAMAGE does not look: the regular whole grab
    finds what was not reported, and after the second time the streamer polls."""
    monkeypatch.setattr(streamer_module, "CHECK_DAMAGE_S", 0.2)
    monkeypatch.setattr(streamer_module, "CHECK_COMPOSITED_S", 0.2)
    screen = Screen()
    screen.silent = True
    frames: list[Frame] = []
    decoder = FrameDecoder()
    streamer = Streamer(frames.append, (Screen.LEFT, 0, W, H), source_factory=lambda: screen)
    streamer.start()
    try:

        def settle() -> None:
            time.sleep(0.5)
            while frames:
                f = frames.pop(0)
                if decoder.apply(f):
                    streamer.on_ack(f.frame_id)

        for i in range(4):
            settle()
            screen.draw(20 * i, 20, 10, 10, (0, 0, 200))
        settle()
        settle()
        assert streamer.stats.damage_missed == 2
        assert np.array_equal(decoder.pixels[:, :, :3], screen.pixels[:, :, :3])
    finally:
        streamer.stop()
        streamer.join(5)


@pytest.mark.skipif(not streamer_module.video_available(), reason="PyAV without libx264")
def test_motion_goes_as_video_and_is_sent_again_without_loss_when_it_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A region redrawn frame after frame goes as H.264; once it stays still, the thread
    wakes by itself (nothing is drawn) and sends it again, and the agent's picture is the
    screen's."""
    monkeypatch.delenv("ASSIST_NO_VIDEO", raising=False)
    screen = Screen()
    screen.pixels = np.full((448, 640, 4), 255, np.uint8)
    frames: list[Frame] = []
    lock = threading.Lock()
    decoder = FrameDecoder()

    def send(frame: Frame) -> None:
        with lock:
            frames.append(frame)

    def drain(streamer: Streamer) -> list[Frame]:
        with lock:
            got, frames[:] = list(frames), []
        for f in got:
            if decoder.apply(f):
                streamer.on_ack(f.frame_id)
        return got

    streamer = Streamer(send, (Screen.LEFT, 0, 640, 448), source_factory=lambda: screen)
    streamer.start()
    try:
        time.sleep(0.3)
        drain(streamer)
        rng = np.random.default_rng(5)
        for _ in range(30):  # a 320x256 "video" at about 30 frames a second
            block = rng.integers(0, 255, (8, 10, 3), dtype=np.uint8).repeat(32, 0).repeat(32, 1)
            with screen._lock:
                screen.pixels[64:320, 128:448, :3] = block
                screen._drawn.append((Screen.LEFT + 128, 64, 320, 256))
            time.sleep(0.033)
            drain(streamer)
        assert streamer.stats.video_pictures >= 10 and streamer.stats.video_streams >= 1
        assert streamer.stats.refinements == 0
        deadline = time.monotonic() + 2.0
        while streamer.stats.refinements == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
            drain(streamer)
        time.sleep(0.2)
        last = drain(streamer)
        assert streamer.stats.refinements == 1
        assert all(t.codec != Codec.H264 for f in last for t in f.tiles)
        assert np.array_equal(decoder.pixels[:, :, :3], screen.pixels[:, :, :3])
    finally:
        streamer.stop()
        streamer.join(5)


def test_a_moved_window_becomes_a_move_on_the_shared_monitor_only() -> None:
    """Root coordinates to the monitor's, clipped so that both ends lie on it."""
    from assist_client.streamer import _move_hints
    from common.messages import Move

    monitor = (1920, 0, 1280, 800)  # the second monitor
    assert _move_hints([(2000, 100, 2050, 120, 400, 300)], monitor) == [
        Move(80, 100, 130, 120, 400, 300)
    ]
    # 120 px of it on the first monitor at the source: the 280 px on this one at both ends.
    assert _move_hints([(1800, 100, 2000, 100, 400, 300)], monitor) == [
        Move(0, 100, 200, 100, 280, 300)
    ]
    # Dragged off the monitor's right edge: what stays on it.
    assert _move_hints([(2900, 0, 3000, 0, 300, 200)], monitor) == [Move(980, 0, 1080, 0, 200, 200)]
    assert _move_hints([(0, 0, 50, 0, 300, 200)], monitor) == []  # another monitor
    assert _move_hints([(2000, 0, 2010, 0, 20, 200)], monitor) == []  # too small to bother
