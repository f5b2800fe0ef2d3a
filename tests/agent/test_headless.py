"""``assist-agent --headless`` as a process: the code line, the outputs and the exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from common.messages import Chat, Shape, ShapeTool
from tests.helpers.fake_customer import Desktop, FakeCustomer
from tests.helpers.relay_thread import RelayThread

REPO = Path(__file__).resolve().parents[2]


def agent(*args: str, home: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "ASSIST_LANG": "en",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "assist_agent.main", "--headless", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_session_end_to_end_writes_frame_and_stats(relay: RelayThread, home: Path) -> None:
    frame_png, stats_json = home / "last.png", home / "stats.json"
    proc = agent(
        "--relay", relay.url, "--token", relay.token, "--duration", "2",
        "--save-frame", str(frame_png), "--stats", str(stats_json), "--draw-test",
        home=home,
    )  # fmt: skip
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    assert first.startswith("code: "), (first, proc.stderr.read() if proc.poll() else "")
    code = first.removeprefix("code: ")
    groups = code.split("-")
    assert len(groups) == 3 and all(len(g) == 3 and g.isdigit() for g in groups)
    fake = FakeCustomer(relay.url, code, width=800, height=500, fps=20).start()
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        fake.close()
    assert proc.returncode == 0, err
    assert err.strip().count("\n") == 0 and "You ended the session" in err

    shapes = fake.of_type(Shape)
    assert [s.tool for s in shapes] == [ShapeTool.ARROW, ShapeTool.STEP]
    assert shapes[0].points == ((200, 125), (400, 250)) and shapes[1].number == 1
    assert len(fake.of_type(Chat)) == 1

    stats = json.loads(stats_json.read_text())
    for key in ("frames", "bytes_received", "duration_s", "fps", "latency_ms_p50",
                "latency_ms_p95", "first_frame_ms"):  # fmt: skip
        assert key in stats, key
    assert stats["frames"] >= 20 and 10 <= stats["fps"] <= 30
    assert 1.9 <= stats["duration_s"] <= 6
    assert 0 < stats["latency_ms_p50"] <= stats["latency_ms_p95"] < 1000
    assert stats["bytes_received"] > 10_000 and 0 < stats["first_frame_ms"] < 5000

    with Image.open(frame_png) as img:
        assert img.size == (800, 500)
        saved = np.asarray(img.convert("RGB")).astype(int)
    # the background and the window of the fake desktop (the clock and bar move)
    truth = Desktop(800, 500).frame(0)[..., 2::-1].astype(int)
    assert np.abs(saved[:300] - truth[:300]).mean() < 2.0


def test_the_probe_notes_when_and_to_what_colour_a_region_changed(
    relay: RelayThread, home: Path
) -> None:
    # The fake desktop's progress bar (800x500: x 112..362, y 358..368) fills green from
    # grey frame by frame; the probe watches a patch of it that turns green near frame 22.
    stats_json = home / "stats.json"
    proc = agent(
        "--relay", relay.url, "--token", relay.token, "--duration", "2.5",
        "--stats", str(stats_json), "--probe", "214,360,8,6",
        home=home,
    )  # fmt: skip
    assert proc.stdout is not None
    code = proc.stdout.readline().strip().removeprefix("code: ")
    fake = FakeCustomer(relay.url, code, width=800, height=500, fps=20).start()
    started = time.time_ns()
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        fake.close()
    assert proc.returncode == 0, err

    stats = json.loads(stats_json.read_text())
    probe = stats["probe"]
    assert probe["rect"] == [214, 360, 8, 6] and probe["frames"] == stats["frames"]
    changes = probe["changes"]
    colours = [c for _, c, _ in changes]
    assert colours[0] == "#dce0e6"  # the empty bar
    assert "#43a047" in colours  # filled
    assert all(a != b for a, b in zip(colours, colours[1:], strict=False))
    times = [t for t, _, _ in changes]
    assert started - 5e9 < times[0] and times == sorted(times) and times[-1] < time.time_ns()
    frames = [n for _, _, n in changes]
    assert frames[0] == 1 and frames == sorted(set(frames)) and frames[-1] <= stats["frames"]
    assert len(changes) < stats["frames"] / 2  # only changes, not every frame


def test_a_bad_token_is_exit_3_with_a_sentence_naming_the_token(
    relay: RelayThread, home: Path
) -> None:
    proc = agent("--relay", relay.url, "--token", "ar1_nope.nope", home=home)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 3
    assert out == ""
    assert err.count("\n") == 1 and "agent token" in err and "--token" in err


def test_an_unreachable_relay_is_exit_4(home: Path) -> None:
    proc = agent("--relay", "ws://127.0.0.1:9", "--token", "x", home=home)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 4 and out == ""
    assert "Could not reach the relay at ws://127.0.0.1:9" in err


def test_no_token_is_a_usage_error(home: Path) -> None:
    proc = agent("--relay", "ws://127.0.0.1:9", home=home)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "no agent token" in err


def test_a_declining_customer_is_exit_2(relay: RelayThread, home: Path) -> None:
    proc = agent("--relay", relay.url, "--token", relay.token, "--duration", "5", home=home)
    assert proc.stdout is not None
    code = proc.stdout.readline().strip().removeprefix("code: ")
    fake = FakeCustomer(relay.url, code, decline=True).start()
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        fake.close()
    assert proc.returncode == 2 and "declined" in err


@pytest.mark.parametrize("flag", ["--duration=3", "--draw-test", "--probe=0,0,8,8"])
def test_headless_flags_need_headless(flag: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "assist_agent.main", flag],
        cwd=REPO, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert out.returncode == 2 and "only work with --headless" in out.stderr


@pytest.mark.parametrize("value", ["1,2,3", "a,b,c,d", "0,0,0,4", "-1,0,4,4"])
def test_a_probe_that_is_not_a_rectangle_is_a_usage_error(value: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "assist_agent.main", "--headless", f"--probe={value}"],
        cwd=REPO, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert out.returncode == 2
    assert "X,Y,W,H" in out.stderr or "above 0" in out.stderr
