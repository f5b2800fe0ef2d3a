"""The customer's capture pace, frame window and adaptation, with plain numbers."""

from __future__ import annotations

import pytest

from common.pacing import (
    ACTIVE_S,
    DRAW_SETTLE_S,
    IDLE_BACKOFF,
    IDLE_INTERVAL_S,
    MIN_FPS,
    STALL_S,
    Adaptation,
    CapturePace,
    FrameWindow,
)


def test_the_pace_is_the_frame_rate_while_active_and_backs_off_when_static() -> None:
    pace = CapturePace(60.0, now=0.0)
    assert pace.wait(0.0) == 0.0  # the first capture is at once
    pace.captured(0.0, sent=True, keyframe=False, fps_cap=60.0)
    assert pace.wait(0.0) == pytest.approx(1 / 60)
    # Nothing changes, but within ACTIVE_S of the last change: keep polling fast (typing).
    t = ACTIVE_S - 0.1
    pace.captured(t, sent=False, keyframe=False, fps_cap=60.0)
    assert pace.interval == pytest.approx(1 / 60)
    # Past it, every unchanged capture waits IDLE_BACKOFF times longer, up to the idle pace.
    t = ACTIVE_S
    intervals = []
    for _ in range(20):
        t += pace.interval
        pace.captured(t, sent=False, keyframe=False, fps_cap=60.0)
        intervals.append(pace.interval)
    assert intervals[0] == pytest.approx(IDLE_BACKOFF / 60)
    assert intervals == sorted(intervals) and intervals[-1] == IDLE_INTERVAL_S
    # A change brings the frame rate back at once.
    pace.captured(t + 1, sent=True, keyframe=False, fps_cap=60.0)
    assert pace.interval == pytest.approx(1 / 60)


def test_drawing_reported_by_the_server_is_due_at_the_frame_rate_cap_not_the_idle_pace() -> None:
    pace = CapturePace(30.0, now=0.0)
    t = 0.0
    for _ in range(40):  # long still: the idle pace
        pace.captured(t, sent=False, keyframe=False, fps_cap=30.0)
        t += pace.interval
    assert pace.interval == IDLE_INTERVAL_S
    last = t - pace.interval
    assert pace.wait(last + 0.01) == pytest.approx(IDLE_INTERVAL_S - 0.01)
    # Something was drawn: only the cap (1/30 s after the last capture) holds it back.
    assert pace.wait(last + 0.01, drawn=True) == pytest.approx(1 / 30 - 0.01)
    assert pace.wait(last + 0.05, drawn=True) == 0.0


def test_a_burst_of_drawing_after_a_pause_is_caught_whole() -> None:
    """After a pause the first report of drawing waits DRAW_SETTLE_S for the rest of
    the burst (one frame, not two); during steady drawing the cap is later anyway."""
    pace = CapturePace(60.0, now=0.0)
    pace.captured(0.0, sent=True, keyframe=False, fps_cap=60.0)
    assert pace.wait(0.001) > 0  # nothing drawn: it sleeps
    first = 1.0  # long after the last capture
    assert pace.wait(first, drawn=True) == pytest.approx(DRAW_SETTLE_S)
    assert pace.wait(first + 0.001, drawn=True) == pytest.approx(DRAW_SETTLE_S - 0.001)
    assert pace.wait(first + DRAW_SETTLE_S, drawn=True) == 0.0
    pace.captured(first + DRAW_SETTLE_S, sent=True, keyframe=False, fps_cap=60.0)
    # Drawn again 5 ms later: the cap (1/60 s after that capture) is what holds it.
    later = first + DRAW_SETTLE_S + 0.005
    assert pace.wait(later, drawn=True) == pytest.approx(1 / 60 - 0.005)
    assert DRAW_SETTLE_S <= 0.005  # never slower to react than x11vnc tuned for latency


def test_drawing_that_came_during_the_last_frame_is_not_held_back() -> None:
    """Steady motion: the next picture was drawn while the last frame was encoded (30
    ms here); it is captured at once, the settling wait would only cost frame rate."""
    pace = CapturePace(60.0, now=0.0)
    pace.captured(0.0, sent=True, keyframe=False, fps_cap=60.0)
    assert pace.wait(0.030, drawn=True) == 0.0
    pace.captured(0.030, sent=True, keyframe=False, fps_cap=60.0)
    assert pace.wait(0.035, drawn=True) == pytest.approx(1 / 60 - 0.005)  # the cap alone


def test_a_keyframe_is_not_activity() -> None:
    pace = CapturePace(60.0, now=0.0)
    pace.captured(10.0, sent=True, keyframe=True, fps_cap=60.0)
    pace.captured(10.1, sent=False, keyframe=False, fps_cap=60.0)
    assert pace.interval == pytest.approx(IDLE_BACKOFF / 60)  # already backing off


def test_the_window_bounds_frames_in_flight_and_acks_are_cumulative() -> None:
    window = FrameWindow(3, now=0.0)
    for fid in (1, 2, 3):
        window.sent(fid, now=fid * 0.01)
    assert window.full and not window.stalled(1.0)
    window.acked(2, now=0.11)  # settles 1 and 2
    assert list(window.in_flight) == [3] and not window.full
    assert window.rtt_ms == pytest.approx(90.0)
    window.sent(4, now=0.2)
    window.sent(5, now=0.2)
    window.acked(3, now=0.23)
    assert window.rtt_ms == pytest.approx(0.8 * 90 + 0.2 * 200)  # smoothed


def test_a_full_window_with_no_ack_for_long_is_a_stall() -> None:
    window = FrameWindow(2, now=0.0)
    window.sent(1, now=0.0)
    window.sent(2, now=0.0)
    assert not window.stalled(STALL_S)
    assert window.stalled(STALL_S + 0.1)
    window.clear()
    assert not window.full


def test_adaptation_steps_down_on_trouble_and_back_up_when_clear() -> None:
    a = Adaptation(60.0, 3)
    a.tick(rtt_ms=500.0)
    assert (a.quality, a.fps_cap) == (2, pytest.approx(36.0))
    a.congested(3)  # heavy congestion acts at once
    assert (a.quality, a.fps_cap) == (1, pytest.approx(21.6))
    for _ in range(20):
        a.tick(rtt_ms=900.0)
    assert a.quality == 0 and a.fps_cap == MIN_FPS
    a.congested(0)
    for _ in range(40):
        a.tick(rtt_ms=50.0)
    assert (a.quality, a.fps_cap) == (3, 60.0)
    a.congested(1)
    a.tick(rtt_ms=200.0)  # neither trouble nor all clear: hold
    assert (a.quality, a.fps_cap) == (3, 60.0)


def test_watched_by_damage_only_pointer_moves_keep_the_frame_rate() -> None:
    """Typing with the pointer at rest: every key is a frame, but the X server wakes the
    thread for those, so between keys the pace backs off as if nothing happened; a
    pointer that moves brings the frame rate back."""
    pace = CapturePace(60.0, 0.0)
    t = 0.0
    for _ in range(30):  # frames of drawing, the pointer still
        pace.captured(t, sent=True, keyframe=False, fps_cap=60.0, active=False)
        t += 0.1
    assert pace.interval == pytest.approx(IDLE_INTERVAL_S)
    assert pace.wait(t, drawn=True) == 0.0  # drawing is still captured at once
    pace.captured(t, sent=True, keyframe=False, fps_cap=60.0, active=True)  # it moved
    assert pace.interval == pytest.approx(1 / 60)
    # Polling (no DAMAGE): a frame is activity, as before.
    polled = CapturePace(60.0, 0.0)
    for i in range(30):
        polled.captured(i * 0.1, sent=True, keyframe=False, fps_cap=60.0)
    assert polled.interval == pytest.approx(1 / 60)
