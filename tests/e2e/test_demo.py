"""``make demo`` without a display: the autopilot plays a whole session and photographs it.

One run of ``python -m tools.demo --autopilot --out DIR`` (about 15 s; a minute on a
slow machine) is shared by the tests below. They check what a newcomer looks at:
every step photographed on both screens at full size, the agent's arrow really on
the customer's screen (its pixels, not a log line), and nothing left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from assist_agent.drawing import PALETTE
from tools.demo import SCREEN, STEPS

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
#: The agent's pen colour unless they pick another (the demo does not).
RED = np.array([(PALETTE[0] >> s) & 0xFF for s in (24, 16, 8)], np.int16)
RUN_TIMEOUT_S = 150


@dataclass
class DemoRun:
    out: Path
    stdout: str
    tmp: Path
    meta: dict


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (make setup installs it)")
    out = tmp_path_factory.mktemp("demo") / "shots"
    tmp = tmp_path_factory.mktemp("demo-tmp")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["TMPDIR"] = str(tmp)  # the demo's temporary folders go here, so we can see them go
    proc = subprocess.Popen(
        [sys.executable, "-m", "tools.demo", "--autopilot", "--out", str(out)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.terminate()  # the demo stops everything it started on SIGTERM
        stdout, stderr = proc.communicate(timeout=30)
        pytest.fail(f"the demo took over {RUN_TIMEOUT_S} s:\n{stdout}\n{stderr}")
    assert proc.returncode == 0, f"{stdout}\n{stderr}"
    meta = json.loads((out / "demo.json").read_text(encoding="utf-8"))
    return DemoRun(out, stdout, tmp, meta)


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), np.int16)


def red(image: np.ndarray) -> np.ndarray:
    return np.abs(image - RED).max(axis=-1) <= 40


def share_of_line_in_red(image: np.ndarray, start: list[int], end: list[int]) -> float:
    """Of points along the segment (the head left out), how many have red within 3 pixels."""
    mask = red(image)
    hits = 0
    ts = np.linspace(0.05, 0.8, 24)
    for t in ts:
        x = round(start[0] + (end[0] - start[0]) * t)
        y = round(start[1] + (end[1] - start[1]) * t)
        hits += bool(mask[y - 3 : y + 4, x - 3 : x + 4].any())
    return hits / len(ts)


def test_every_step_is_photographed_on_both_screens(demo_run: DemoRun) -> None:
    steps = demo_run.meta["steps"]
    assert [s["name"] for s in steps] == [name for name, _ in STEPS]
    for n, step in enumerate(steps, 1):
        for who in ("agent", "customer"):
            path = demo_run.out / f"{n:02d}-{step['name']}-{who}.png"
            assert step[who] == path.name
            with Image.open(path) as image:
                assert image.size == SCREEN, path.name
    assert (demo_run.out / "index.html").exists()
    assert str(demo_run.out) in demo_run.stdout  # the person is told where to look
    assert "Relay on wss://127.0.0.1:" in demo_run.stdout  # TLS, as a deployed relay


def test_the_agents_arrow_is_on_the_customers_real_screen(demo_run: DemoRun) -> None:
    start, end = demo_run.meta["marks"]["arrow"]
    before = pixels(demo_run.out / "04-sharing-customer.png")
    drawn = pixels(demo_run.out / "05-marks-customer.png")
    assert share_of_line_in_red(before, start, end) < 0.1  # nothing red there to begin with
    assert share_of_line_in_red(drawn, start, end) > 0.9


def test_the_agent_sees_the_marks_in_the_viewer(demo_run: DemoRun) -> None:
    before = red(pixels(demo_run.out / "04-sharing-agent.png"))
    drawn = red(pixels(demo_run.out / "05-marks-agent.png"))
    assert (drawn & ~before).sum() > 1000  # an arrow, a box and two step markers


def test_the_customer_screen_is_theirs_again_at_the_end(demo_run: DemoRun) -> None:
    """No sharing bar, no marks: only what the customer had on their screen."""
    start, end = demo_run.meta["marks"]["arrow"]
    last = pixels(demo_run.out / "08-ended-customer.png")
    assert share_of_line_in_red(last, start, end) < 0.1
    sharing = pixels(demo_run.out / "04-sharing-customer.png")
    first = pixels(demo_run.out / "01-code-customer.png")
    bar = (slice(0, 40), slice(SCREEN[0] // 2 - 300, SCREEN[0] // 2 + 300))
    assert not np.array_equal(sharing[bar], first[bar])  # the bar was there while sharing
    assert np.array_equal(last[bar], first[bar])


def test_nothing_is_left_behind(demo_run: DemoRun) -> None:
    assert list(demo_run.tmp.iterdir()) == []
    leftovers = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes()
        except OSError:
            continue
        if str(demo_run.tmp).encode() in args:  # the relay ran with --data-dir under it
            leftovers.append(args.replace(b"\0", b" ").decode(errors="replace"))
    assert leftovers == []
