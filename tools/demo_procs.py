"""The processes behind ``make demo``: children we can talk to and stop, X servers, screenshots.

Every process here is started by the demo, in a session of its own (so Ctrl+C
reaches the demo, which then stops them in order), and is stopped by its own
:meth:`Child.stop`: closing its stdin first (the autopilot runners then quit),
then SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from tools import xvfb

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class DemoError(Exception):
    """Something the person running the demo should read, in one sentence."""


def command(name: str) -> str:
    """An installed console script (``assist-relay``...), preferably next to this Python."""
    here = BIN / name
    if here.exists():
        return str(here)
    found = shutil.which(name)
    if found is None:
        raise DemoError(f"{name} is not installed; run `make setup` (pip install -e .)")
    return found


class Child:
    """A process we started: its stdout as lines to wait for, its stderr in a log file."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str],
        *,
        log: Path | None = None,
        commands: bool = False,
    ) -> None:
        self.name = name
        self.log = log
        self._lines: queue.Queue[str | None] = queue.Queue()
        err: IO[bytes] | None = open(log, "wb") if log is not None else None
        try:
            self.proc = subprocess.Popen(
                list(args),
                cwd=REPO,
                env=dict(env),
                stdin=subprocess.PIPE if commands else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,  # None: the person's terminal
                text=True,
                encoding="utf-8",
                start_new_session=True,
            )
        finally:
            if err is not None:
                err.close()
        threading.Thread(target=self._read, name=f"{name}-stdout", daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def line(self, timeout: float) -> str:
        """The next line it prints; DemoError if it exits or stays silent."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise DemoError(f"{self.name} said nothing for {timeout:.0f} s") from None
        if line is None:
            self._lines.put(None)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
            raise DemoError(f"{self.name} stopped (exit code {self.proc.returncode})")
        return line

    def ask(self, command: str, timeout: float = 30.0) -> str:
        """Send one command to an autopilot runner; its answer after ``ok``."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise DemoError(f"{self.name} stopped before `{command}`") from None
        answer = self.line(timeout)
        status, _, value = answer.partition(" ")
        if status != "ok":
            raise DemoError(f"{self.name} could not do `{command}`: {value or answer}")
        return value

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise DemoError(f"{self.name} did not finish within {timeout:.0f} s") from None

    def stop(self, grace: float = 5.0) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()  # a runner quits when its commands end
            except OSError:
                pass
            if _exited_within(self.proc, grace):
                return
        stop_process(self.proc, grace)

    def tail(self, lines: int = 15) -> str:
        return log_tail(self.log, lines)


def stop_process(proc: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float) -> None:
    """SIGTERM, and SIGKILL if it is still there after ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        if not _exited_within(proc, grace):
            proc.kill()
            proc.wait()


def _exited_within(proc: subprocess.Popen[bytes] | subprocess.Popen[str], seconds: float) -> bool:
    try:
        proc.wait(seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def log_tail(log: Path | None, lines: int = 15) -> str:
    if log is None or not log.exists():
        return ""
    text = log.read_text(encoding="utf-8", errors="replace").rstrip()
    return "\n".join(text.splitlines()[-lines:])


class Xvfb(xvfb.Xvfb):
    """A virtual X server for one of the demo's screens, with its log kept for errors."""

    def __init__(self, name: str, size: str, log: Path) -> None:
        self.name = name
        try:
            super().__init__(size, log)
        except xvfb.XvfbError as exc:
            hint = "there is no display; run `make setup` as root (or apt-get install xvfb)"
            raise DemoError(f"{exc}: {log_tail(log, 3) or hint}") from None

    def stop(self, grace: float = 5.0) -> None:
        stop_process(self.proc, grace)

    def tail(self, lines: int = 15) -> str:
        # Its log is noisy even when all is well (display numbers in use, keymaps).
        return log_tail(self.log, lines) if self.proc.poll() is not None else ""


def display_reachable(display: str | None) -> bool:
    """Whether an X server answers on ``display`` (xdpyinfo, else its local socket)."""
    if not display:
        return False
    if shutil.which("xdpyinfo"):
        try:
            done = subprocess.run(
                ["xdpyinfo", "-display", display],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
            )
        except subprocess.TimeoutExpired:
            return False
        return done.returncode == 0
    local = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display)
    return local is not None and Path(f"/tmp/.X11-unix/X{local[1]}").exists()


def screenshots(shots: Mapping[str, Path]) -> None:
    """Photograph whole X screens (display -> PNG file), all at the same moment."""
    if shutil.which("import") is None:
        for display, path in shots.items():
            _grab_with_mss(display, path)
        return
    running = [
        (display, subprocess.Popen(
            ["import", "-display", display, "-window", "root", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        ))
        for display, path in shots.items()
    ]  # fmt: skip
    for display, proc in running:
        _, err = proc.communicate(timeout=60)
        if proc.returncode != 0:
            raise DemoError(f"could not photograph {display}: {err.decode(errors='replace')}")


def _grab_with_mss(display: str, path: Path) -> None:
    """Without ImageMagick: mss reads the screen, Pillow writes it."""
    import mss
    from PIL import Image

    with mss.mss(display=display) as sct:
        shot = sct.grab(sct.monitors[0])
        Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX").save(path)
