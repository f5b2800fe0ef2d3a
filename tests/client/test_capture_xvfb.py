"""Real capture under Xvfb: what mss grabs is what the agent's decoder rebuilds; the stop key."""

from __future__ import annotations

import subprocess
import threading
import time

import numpy as np
import pytest

from assist_client.monitors import enumerate_monitors
from assist_client.streamer import MssSource, Streamer
from assist_client.x11 import X11Hotkey, compositing
from common.messages import Frame
from common.tiles import NEUTRAL, FrameDecoder
from tests.helpers.xvfb import show_window

pytestmark = pytest.mark.xvfb


def test_monitors_of_the_x_server(xvfb_display: str):
    monitors = enumerate_monitors([])
    assert len(monitors) == 1
    m = monitors[0]
    assert (m.x, m.y, m.width, m.height, m.scale, m.primary) == (0, 0, 1280, 800, 1.0, True)


def test_real_capture_is_rebuilt_exactly_by_the_agent(xvfb_display: str):
    frames: list[Frame] = []
    lock = threading.Lock()
    decoder = FrameDecoder()

    def send(frame: Frame) -> None:
        with lock:
            frames.append(frame)

    streamer = Streamer(send, (0, 0, 1280, 800))
    streamer.set_masks([(0, 0, 200, 40)])  # where the sharing bar would be
    with show_window(xvfb_display, "#e53935", 300, 200, 320, 240):
        streamer.start()
        try:
            deadline = time.monotonic() + 10
            red = (0x35, 0x39, 0xE5)  # BGR of #e53935
            while time.monotonic() < deadline:
                with lock:
                    pending, frames[:] = list(frames), []
                done = [f for f in pending if decoder.apply(f)]
                if done:
                    streamer.on_ack(done[-1].frame_id)
                    if tuple(decoder.pixels[300, 400, :3]) == red:
                        break
                time.sleep(0.02)
            time.sleep(0.3)  # the screen is static now: nothing more may arrive
            with lock:
                assert not frames
            screen = decoder.pixels
            assert screen.shape == (800, 1280, 4)
            # The red window is where it is on the real screen ...
            assert tuple(screen[300, 400, :3]) == red
            assert tuple(screen[100, 100, :3]) != red
            # ... exactly as captured (lossless for flat content), except the masked bar area.
            source = MssSource()
            real, _ = source.grab((0, 0, 1280, 800))
            source.close()
            assert np.array_equal(screen[40:, :, :3], real[40:, :, :3])
            assert (screen[:40, :200].view(np.uint32) == NEUTRAL).all()
        finally:
            streamer.stop()
            streamer.join(5)


def test_a_grab_without_a_copy_is_the_same_picture(xvfb_display: str):
    """Drawn areas are grabbed as views of mss's shared segment: the pixels are those
    of a copying grab, at any place and size, and the copy-free path stays in use."""
    with show_window(xvfb_display, "#1e88e5", 100, 120, 300, 200):
        time.sleep(0.3)
        source = MssSource(watch=False)
        try:
            for rect in ((0, 0, 1280, 800), (90, 110, 40, 30), (350, 300, 17, 9)):
                copied = source.grab(rect)[0].copy()
                view = source.grab_view(rect)
                assert view.shape == copied.shape
                assert np.array_equal(view, copied)
            del view  # (a view held open would keep mss from closing its segment)
            assert source._shm  # not fallen back to copying
            blue = (0xE5, 0x88, 0x1E)  # BGR of #1e88e5
            assert tuple(source.grab_view((200, 200, 1, 1))[0, 0, :3]) == blue
        finally:
            source.close()


def test_the_stop_key_works_from_anywhere(xvfb_display: str):
    pressed = threading.Event()
    hotkey = X11Hotkey(pressed.set)
    try:
        assert hotkey.start()
        subprocess.run(["xdotool", "key", "ctrl+alt+shift+s"], check=True, timeout=10)
        assert pressed.wait(5)
        pressed.clear()
        subprocess.run(["xdotool", "key", "ctrl+s"], check=True, timeout=10)
        assert not pressed.wait(0.5)  # other keys are left alone
    finally:
        hotkey.stop()


def test_a_second_grab_of_the_key_fails_softly(xvfb_display: str):
    first, second = X11Hotkey(lambda: None), X11Hotkey(lambda: None)
    try:
        assert first.start()
        assert not second.start()
    finally:
        first.stop()
        second.stop()


def test_plain_xvfb_has_no_compositor(xvfb_display: str):
    assert compositing() is False
