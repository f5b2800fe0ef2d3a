"""Shared pieces of the end-to-end tests: an X screen, the relay, and the two apps as processes.

* ``display`` — a fresh Xvfb (1280x800) for the test;
* ``relay`` — ``assist-relay serve --port 0`` on a fresh data folder, with one
  agent added by ``assist-relay agent add`` (``relay.token``);
* ``apps`` — starts ``assist-agent --headless`` and ``assist-client --headless``
  with private config and data folders and reads their output line by line;
  every process it started is killed at teardown, pass or fail;
* :func:`showing` — a PNG shown at a place on the screen, returning only once
  the X server really shows it.

Everything listens and connects on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import mss
import numpy as np
import pytest
from PIL import Image

from tests.helpers.relay_harness import RelayProcess
from tests.helpers.xvfb import running_xvfb
from tools import procs
from tools.procs import Process
from tools.throwaway_ca import ThrowawayCA

SCREEN = (1280, 800)
#: Each wait in these tests ends by then at the latest; sessions take a few seconds.
WAIT_S = 20.0
log = logging.getLogger(__name__)
BIN = Path(sys.executable).parent


def command(name: str) -> str:
    """The installed console script (``assist-relay``...); missing is a failure, not a skip."""
    return procs.command(name)[0]


# ------------------------------------------------------------------ the screen


@pytest.fixture
def display() -> Iterator[str]:
    with running_xvfb(f"{SCREEN[0]}x{SCREEN[1]}x24") as d:
        yield d


#: What "the agent sees the customer's screen" means: at least this PSNR, frame vs screen.
MIN_PSNR_DB = 40.0


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two 8-bit images, in dB (inf when identical)."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def grab(display: str) -> np.ndarray:
    """The whole screen as RGB pixels (height, width, 3)."""
    with mss.MSS(display=display) as sct:
        shot = sct.grab(sct.monitors[0])
        return np.asarray(shot)[..., 2::-1].copy()


_SHOW = """
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
label.setWindowFlags(Qt.WindowType.FramelessWindowHint)
label.setPixmap(QPixmap(sys.argv[1]))
label.setGeometry(int(sys.argv[2]), int(sys.argv[3]), label.pixmap().width(),
                  label.pixmap().height())
label.show()
app.exec()
"""


@contextlib.contextmanager
def showing(display: str, png: Path, x: int = 0, y: int = 0) -> Iterator[np.ndarray]:
    """Show ``png`` at (x, y) while the block runs; yields its RGB pixels.

    Returns once a grab of the screen shows exactly those pixels there, so the
    screen is known to be static from then on.
    """
    want = np.asarray(Image.open(png).convert("RGB"))
    h, w = want.shape[:2]
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    errors = png.with_suffix(".window-stderr.txt")

    def start() -> subprocess.Popen[bytes]:
        with errors.open("wb") as err:
            return subprocess.Popen(
                [sys.executable, "-c", _SHOW, str(png), str(x), str(y)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )

    # The window is scaffolding, not the product: one that dies before it shows
    # (seen once in CI: SIGABRT at start on a loaded machine) gets one more try,
    # and a second death fails with what it printed.
    proc = start()
    tries = 1
    try:
        deadline = time.monotonic() + WAIT_S
        while not np.array_equal(grab(display)[y : y + h, x : x + w], want):
            if proc.poll() is not None:
                said = errors.read_text(errors="replace").strip()[-2000:]
                if tries < 2:
                    log.warning("the image window exited with %s: %s", proc.returncode, said)
                    proc, tries = start(), tries + 1
                    continue
                raise AssertionError(
                    f"the image window exited with {proc.returncode}; it said: {said or 'nothing'}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"{png.name} did not appear on {display}")
            time.sleep(0.05)
        yield want
    finally:
        proc.kill()
        proc.wait(5)


# ------------------------------------------------------------------ the relay


class Relay(RelayProcess):
    token: str


@pytest.fixture
def relay(tmp_path: Path, throwaway_ca: ThrowawayCA) -> Iterator[Relay]:
    """A ``wss://`` relay process with one agent, Alice Kim of Acme Support
    (``relay.token``); its certificate is from the run's throwaway CA, which the
    ``apps`` trust through ``ASSIST_CA_FILE``, as a desk with its own CA would set up."""
    data = tmp_path / "relay"
    added = subprocess.run(
        [command("assist-relay"), "agent", "add", "alice", "--data-dir", str(data)]
        + ["--display-name", "Alice Kim", "--org", "Acme Support"],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=True,
    )
    proc = Relay(data, tls=throwaway_ca.issue(f"relay-{tmp_path.name}"))
    proc.token = added.stdout.strip().splitlines()[-1]
    try:
        yield proc
    finally:
        proc.stop(timeout=5)


# ------------------------------------------------------------------ the apps


class App(Process):
    """One app process (:mod:`tools.procs`); its stdout and stderr are read into lists."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        super().__init__(name, args, env=env, capture_err=True, error=AssertionError)
        self.args = args

    def wait_line(  # type: ignore[override]
        self, pattern: str, timeout: float = WAIT_S, start: int = 0
    ) -> re.Match[str]:
        """The first stdout line from index ``start`` on that matches ``pattern`` (re.fullmatch)."""
        return super().wait_line(pattern, timeout, start, full=True)

    def wait_exit(self, timeout: float = WAIT_S) -> int:
        """Wait for the process to exit and its output to be read; returns the exit code."""
        code = self.wait(timeout)
        if code is None:
            raise AssertionError(f"{self.name} still running after {timeout} s: {self!r}")
        return code

    @property
    def reason(self) -> str:
        """What it said on stderr, which must be one line: a sentence, not a traceback."""
        text = "\n".join(self.err).strip()
        assert len(text.splitlines()) == 1 and "Traceback" not in text, self
        return text


class Apps:
    """Starts the apps as an agent and a customer would; :meth:`kill_all` at teardown."""

    def __init__(self, display: str, home: Path, ca_file: Path | None = None) -> None:
        self.display = display
        self.home = home
        self.ca_file = ca_file
        self.started: list[App] = []
        self.extra_env: dict[str, str] = {}

    def env(self) -> dict[str, str]:
        runtime = self.home / "runtime"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("ASSIST_") and not k.startswith("XDG_")
        }
        env.update(
            DISPLAY=self.display,
            ASSIST_LANG="en",
            XDG_CONFIG_HOME=str(self.home / "config"),
            XDG_DATA_HOME=str(self.home / "data"),
            XDG_CACHE_HOME=str(self.home / "cache"),
            XDG_STATE_HOME=str(self.home / "state"),
            XDG_RUNTIME_DIR=str(runtime),
        )
        if self.ca_file is not None:
            env["ASSIST_CA_FILE"] = str(self.ca_file)
        env.update(self.extra_env)
        return env

    def start(self, name: str, *args: str) -> App:
        app = App(name, [command(name), "--headless", *args], self.env())
        self.started.append(app)
        return app

    def start_window(self, name: str, *args: str) -> App:
        """The app with its windows, on the test's X screen, as a person starts it."""
        env = {**self.env(), "QT_QPA_PLATFORM": "xcb"}
        app = App(name, [command(name), *args], env)
        self.started.append(app)
        return app

    def agent(self, relay_url: str, token: str, *args: str) -> tuple[App, str]:
        """``assist-agent --headless``; returns it and the code from its first line."""
        token_file = self.home / "agent-token"
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(token + "\n")
        agent = self.start(
            "assist-agent", "--relay", relay_url, "--token-file", str(token_file), *args
        )
        code = agent.wait_line(r"code: (\d{3}-\d{3}-\d{3})").group(1)
        assert agent.out[0] == f"code: {code}", agent
        return agent, code

    def customer(self, relay_url: str, code: str, *args: str) -> App:
        return self.start("assist-client", "--relay", relay_url, "--code", code, "--consent", *args)

    def kill_all(self) -> None:
        for app in self.started:
            app.kill()


@pytest.fixture
def apps(display: str, tmp_path: Path, throwaway_ca: ThrowawayCA) -> Iterator[Apps]:
    started = Apps(display, tmp_path / "home", throwaway_ca.cert_path)
    try:
        yield started
    finally:
        started.kill_all()


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def audit(relay: RelayProcess) -> list[dict[str, object]]:
    """The relay's audit log, as an admin reads it (``assist-relay sessions --json``)."""
    out = subprocess.run(
        [command("assist-relay"), "sessions", "--json", "--data-dir", str(relay.data_dir)],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=True,
    )
    rows: list[dict[str, object]] = json.loads(out.stdout)
    return rows
