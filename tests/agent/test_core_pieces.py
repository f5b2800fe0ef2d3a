"""The agent's plain pieces: settings, the decode pipeline's hand-off and acks, statistics."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from assist_agent.config import DEFAULT_RELAY, ConfigFile, resolve
from assist_agent.frames import FramePipeline, FrameUpdate, merge_rects
from assist_agent.model import Ending, outcome_for_error
from assist_agent.stats import FrameStats, Quality, judge, percentile
from common.errors import (
    ErrorCode,
    ProtocolError,
    RelayRefusedError,
    RelayUnreachableError,
    SessionEndedError,
    WrongCodeError,
)
from common.tiles import FrameEncoder, Rect


def test_settings_come_from_flags_then_environment_then_the_file(tmp_path: Path) -> None:
    file = ConfigFile(tmp_path / "agent.toml")
    assert resolve(None, None, env={}, file=file).relay == DEFAULT_RELAY
    file.save(relay="ws://127.0.0.1:1111", token='tok"en\\1')
    assert (tmp_path / "agent.toml").stat().st_mode & 0o777 == 0o600
    s = resolve(None, None, env={}, file=file)
    assert (s.relay, s.token) == ("ws://127.0.0.1:1111", 'tok"en\\1')
    assert s.token_source.endswith("agent.toml")
    env = {"ASSIST_RELAY_URL": "ws://127.0.0.1:2222", "ASSIST_AGENT_TOKEN": "envtok"}
    s = resolve(None, None, env=env, file=file)
    assert (s.relay, s.token, s.token_source) == (
        "ws://127.0.0.1:2222",
        "envtok",
        "ASSIST_AGENT_TOKEN",
    )
    s = resolve("ws://127.0.0.1:3333", "flagtok", env=env, file=file)
    assert (s.relay, s.token, s.token_source) == ("ws://127.0.0.1:3333", "flagtok", "--token")


def test_a_loose_or_broken_config_file_is_fixed_or_ignored(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text('token = "old"\n')
    os.chmod(path, 0o644)
    ConfigFile(path).save(token="new")
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text("this is [not toml")
    assert ConfigFile(path).load() == {}


def frames_of(width: int, height: int, count: int) -> list[list[object]]:
    enc = FrameEncoder()
    rng = np.random.default_rng(1)
    screen = np.full((height, width, 4), 200, np.uint8)
    out = []
    for i in range(count):
        y = (i * 7) % (height - 10)
        screen[y : y + 10, 10:60] = rng.integers(0, 255, (10, 50, 4), dtype=np.uint8)
        out.append(list(enc.encode(screen.copy(), time.time_ns(), i)))
    return out


def test_frames_are_acknowledged_only_once_the_window_painted_them() -> None:
    updates: list[FrameUpdate] = []
    acks: list[int] = []
    got = threading.Event()

    def on_update(u: FrameUpdate) -> None:
        updates.append(u)
        got.set()

    pipe = FramePipeline(
        stats=FrameStats(), on_ack=acks.extend, on_error=pytest.fail, on_update=on_update,
        max_rate_hz=1000,
    )  # fmt: skip
    pipe.start()
    try:
        batches = frames_of(320, 200, 6)
        for f in batches[0]:
            pipe.submit(f)  # type: ignore[arg-type]
        assert got.wait(5)
        first = updates[0]
        assert first.full and first.patches[0][2].shape == (200, 320, 4)
        for batch in batches[1:]:  # the window is busy painting: these are folded together
            for f in batch:
                pipe.submit(f)  # type: ignore[arg-type]
        time.sleep(0.3)
        assert len(updates) == 1 and acks == [], "nothing acked or handed over before painting"
        got.clear()
        pipe.displayed(first.seq)
        assert got.wait(5)
        time.sleep(0.1)
        assert acks[:1] == [0]
        second = updates[1]
        assert not second.full and second.frame_id == 5
        assert all(p[2].shape[0] <= 200 for p in second.patches)
        pipe.displayed(second.seq)
        deadline = time.monotonic() + 5
        while acks != [0, 1, 2, 3, 4, 5] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert acks == [0, 1, 2, 3, 4, 5]
        assert pipe.stats.frames == 6
    finally:
        pipe.stop(wait=True)


def test_a_broken_frame_is_reported_not_fatal_to_the_thread() -> None:
    errors: list[object] = []
    pipe = FramePipeline(stats=FrameStats(), on_ack=lambda ids: None, on_error=errors.append)
    pipe.start()
    first = frames_of(64, 64, 2)[1][0]  # not a keyframe: the decoder has no screen yet
    pipe.submit(first)  # type: ignore[arg-type]
    pipe.stop(wait=True)
    assert len(errors) == 1 and isinstance(errors[0], ProtocolError)


def test_merge_rects_drops_contained_and_bounds_many() -> None:
    assert merge_rects([Rect(0, 0, 10, 10), Rect(2, 2, 3, 3)]) == [Rect(0, 0, 10, 10)]
    many = [Rect(i * 20, 0, 5, 5) for i in range(40)]
    assert merge_rects(many, limit=8) == [Rect(0, 0, 785, 5)]


def test_stats_percentiles_and_quality() -> None:
    clock = [100.0]
    stats = FrameStats(wall_ns=lambda: 10_000_000_000, monotonic=lambda: clock[0])
    stats.paired()
    clock[0] = 100.5
    stats.shown([10_000_000_000 - 40_000_000, 10_000_000_000 - 20_000_000])
    clock[0] = 101.5
    summary = stats.summary(5000)
    assert summary["frames"] == 2 and summary["first_frame_ms"] == 500.0
    assert summary["latency_ms_p50"] == 20.0 and summary["latency_ms_p95"] == 40.0
    assert summary["fps"] == 2.0 and summary["duration_s"] == 1.5
    assert percentile([], 50) is None
    assert judge(30, 0, 30, True) is Quality.GOOD
    assert judge(300, 0, 30, True) is Quality.FAIR
    assert judge(30, 2, 30, True) is Quality.POOR


def test_errors_are_sorted_into_endings() -> None:
    assert outcome_for_error(WrongCodeError()).ending is Ending.CODE_MISMATCH
    assert outcome_for_error(RelayRefusedError(ErrorCode.NAMEPLATE_EXPIRED)).ending is (
        Ending.EXPIRED
    )
    assert outcome_for_error(RelayRefusedError(ErrorCode.BAD_TOKEN)).exit_code == 3
    assert outcome_for_error(RelayUnreachableError(url="ws://x")).exit_code == 4
    left = SessionEndedError("The other side left the session.")
    assert outcome_for_error(left).ending is Ending.CUSTOMER_LEFT
    assert outcome_for_error(SessionEndedError()).exit_code == 5


def test_emitting_signals_does_not_wear_down_true() -> None:
    """PySide6 6.12.0 loses a reference to True per emit; importing assist_agent fixes it."""
    import sys

    from PySide6.QtCore import QObject, Signal

    import assist_agent  # noqa: F401 - installs the work-around

    class Source(QObject):
        fired = Signal(object)

    source = Source()
    source.fired.connect(lambda _: None)
    before = sys.getrefcount(True)
    for _ in range(2000):
        source.fired.emit(1)
    assert sys.getrefcount(True) >= before - 5
