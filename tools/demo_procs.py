"""The processes behind ``make demo``: children we can talk to and stop, X servers, screenshots.

Every process here is started by the demo, in a session of its own (so Ctrl+C
reaches the demo, which then stops them in order), and is stopped by its own
:meth:`Child.stop`: closing its stdin first (the autopilot runners then quit),
then SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import select
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

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


class Xvfb:
    """A virtual X server on a display number it picks itself (``-displayfd``)."""

    def __init__(self, name: str, size: str, log: Path) -> None:
        if shutil.which("Xvfb") is None:
            raise DemoError(
                "there is no display and Xvfb is not installed; run `make setup` as root "
                "(or apt-get install xvfb)"
            )
        self.name, self.log = name, log
        read_end, write_end = os.pipe()
        try:
            args = ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"]
            with open(log, "wb") as err:
                self.proc = subprocess.Popen(
                    args,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                    pass_fds=(write_end,),
                    start_new_session=True,
                )
            os.close(write_end)
            write_end = -1
            number = _read_until_newline(read_end, timeout=15.0)
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        if not number.isdigit():
            self.stop()
            raise DemoError(f"Xvfb did not start: {log_tail(log, 3) or 'no display number'}")
        self.display = f":{number}"

    def stop(self, grace: float = 5.0) -> None:
        stop_process(self.proc, grace)

    def tail(self, lines: int = 15) -> str:
        # Its log is noisy even when all is well (display numbers in use, keymaps).
        return log_tail(self.log, lines) if self.proc.poll() is not None else ""


def _read_until_newline(fd: int, timeout: float) -> str:
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    return data.decode("ascii", "replace").strip()


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
