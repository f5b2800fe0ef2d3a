"""The processes behind ``make demo``: children we can talk to and stop, X servers, screenshots.

Every process here is started by the demo, in a session of its own (so Ctrl+C
reaches the demo, which then stops them in order), and is stopped by its own
:meth:`Child.stop`: closing its stdin first (the autopilot runners then quit),
then SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools import procs, xvfb
from tools.procs import Process


class DemoError(Exception):
    """Something the person running the demo should read, in one sentence."""


def command(name: str) -> str:
    """An installed console script (``assist-relay``...), preferably next to this Python."""
    try:
        return procs.command(name)[0]
    except FileNotFoundError:
        raise DemoError(f"{name} is not installed; run `make setup` (pip install -e .)") from None


class Child(Process):
    """A process we started (:class:`tools.procs.Process`): its stdout as lines to wait
    for, its stderr in a log file (or the person's terminal), commands on stdin."""

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str],
        *,
        log: Path | None = None,
        commands: bool = False,
    ) -> None:
        super().__init__(
            name, args, env=env, stdin=commands, log=log, new_session=True, error=DemoError
        )

    def line(self, timeout: float) -> str:
        """The next line it prints; DemoError if it exits or stays silent."""
        try:
            return self.next_line(timeout)
        except DemoError:
            if not self.running or not self._reading():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(5)
                raise DemoError(f"{self.name} stopped (exit code {self.proc.returncode})") from None
            raise DemoError(f"{self.name} said nothing for {timeout:.0f} s") from None

    def ask(self, command: str, timeout: float = 30.0) -> str:
        """Send one command to an autopilot runner; its answer after ``ok``."""
        self.send(command)
        answer = self.line(timeout)
        status, _, value = answer.partition(" ")
        if status != "ok":
            raise DemoError(f"{self.name} could not do `{command}`: {value or answer}")
        return value

    def wait(self, timeout: float) -> int:  # type: ignore[override]
        code = super().wait(timeout)
        if code is None:
            raise DemoError(f"{self.name} did not finish within {timeout:.0f} s")
        return code

    def stop(self, grace: float = 5.0) -> None:  # type: ignore[override]
        """Close its commands (a runner quits when they end), then SIGTERM, then SIGKILL."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            if _exited_within(self.proc, grace):
                return
        Process.stop(self, grace=grace)


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
