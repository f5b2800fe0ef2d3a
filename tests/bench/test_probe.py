"""The benchmark's probe analysis: colours to sequence numbers, events to display latencies."""

from __future__ import annotations

import pytest

from bench import probe
from bench.probe import Event, Observation

MS = 1_000_000


def obs(t_ms: float, seq: int, frames: int, jitter: int = 0) -> Observation:
    r, g, b = probe.colour_for(seq)
    return Observation(round(t_ms * MS), (r + jitter, g - jitter, b), frames)


def test_consecutive_markers_differ_and_read_back_through_codec_noise() -> None:
    colours = [probe.colour_for(s) for s in range(probe.PALETTE_SIZE)]
    assert len(set(colours)) == probe.PALETTE_SIZE
    for seq in range(200):
        r, g, b = probe.colour_for(seq)
        noisy = (min(255, r + 20), max(0, g - 20), b)
        assert probe.read_colour(noisy) == (seq * 29) % probe.PALETTE_SIZE
    assert probe.read_colour((128, 128, 128)) is None  # between palette colours


def test_each_event_is_shown_by_the_first_frame_at_or_beyond_it() -> None:
    events = [Event(s, s * 100 * MS, s * 100 * MS + MS) for s in range(1, 6)]
    # Event 2 is never shown on its own: the frame at 330 ms already shows event 3.
    seen = [obs(115, 1, 10), obs(330, 3, 11), obs(420, 4, 12, jitter=15), obs(530, 5, 13)]
    matched = probe.match(events, seen)
    assert matched.shown == [115 * MS, 330 * MS, 330 * MS, 420 * MS, 530 * MS]
    assert matched.latencies_ms("end") == pytest.approx([14, 129, 29, 19, 29])
    assert matched.missed() == 0 and matched.unreadable == 0
    rate = matched.frame_rate(0, 600 * MS)
    assert rate is not None and rate[1] == 3 and rate[0] == pytest.approx(3 / 0.415)


def test_wrapped_colours_map_to_the_latest_event_that_had_started() -> None:
    n = probe.PALETTE_SIZE
    events = [Event(s, s * 10 * MS, s * 10 * MS) for s in range(1, n + 3)]
    # seq 2 and seq n+2 share a colour; at 25 ms only seq 2 had started.
    early, late = obs(25, 2, 1), obs((n + 2) * 10 + 5, n + 2, 2)
    matched = probe.match(events, [early, late])
    assert [seq for _, seq in matched.observations] == [2, n + 2]
    assert matched.shown[-1] == late.time and matched.shown[1] == early.time


def test_events_after_the_last_frame_are_missed_and_causes_measure_from_the_input() -> None:
    events = [Event(1, 100 * MS, 102 * MS, cause=99 * MS), Event(2, 200 * MS, 201 * MS)]
    matched = probe.match(events, [obs(110, 1, 1)])
    assert matched.shown == [110 * MS, None] and matched.missed() == 1
    assert matched.latencies_ms("cause") == pytest.approx([11])
    assert probe.percentiles([5.0, 1.0, 3.0]) == {"p50": 3.0, "p95": 5.0, "max": 5.0, "n": 3}


def test_motion_fps_counts_the_frames_between_showing_the_first_and_last_change() -> None:
    """30 changes a second, each shown 20 ms later in its own frame, and one more frame
    0.3 s after the motion stopped (the refinement): 30 fps, not 30 frames stretched
    over the extra 0.3 s."""
    from bench.screen_bench import Plan, analyse

    class NoSamples:
        def rate(self, *_: object) -> None:
            return None

        cpu_pct = peak = rate

    period = 1000 / 30
    events = [(s, round(s * period * MS), round(s * period * MS + MS)) for s in range(1, 91)]
    seen = [obs(s * period + 20, s, s) for s in range(1, 91)]
    r, g, b = probe.colour_for(90)
    seen.append(Observation(round((90 * period + 320) * MS), (r, g, b), 91))
    changes = [[o.time, "#{:02x}{:02x}{:02x}".format(*o.colour), o.frames] for o in seen]
    out = analyse(
        "motion",
        Plan(seconds=3.0),
        stats={"probe": {"changes": changes}},
        log={"events": events},
        sends=[],
        sampler=NoSamples(),  # type: ignore[arg-type]
        agent_frame=None,
        truth=None,  # type: ignore[arg-type]
        agent_exit=0,
    )
    assert out["fps"] == pytest.approx(30.0, abs=0.05)
    assert out["states_shown_per_s"] == pytest.approx(30.0, abs=0.6)
