"""A virtual X server (Xvfb) for the demo, the benchmarks and the tests: one way to start one.

Xvfb picks a free display number itself (``-displayfd``) and tells us which, so
two runs never race for the same number. Loopback only (``-nolisten tcp``)::

    with running_xvfb("1920x1080x24") as display:   # ":N"
        ...

:class:`Xvfb` is the same as an object, for callers that manage lifetimes
themselves (the demo keeps two servers and their logs).
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

SCREEN = "1920x1080x24"
#: The process id of every Xvfb started here that still runs, by display (with
#: ``-displayfd`` Xvfb writes no lock file to read it from).
PIDS: dict[str, int] = {}


class XvfbError(RuntimeError):
    """Xvfb is not installed or did not start; the message says which."""


def available() -> bool:
    return shutil.which("Xvfb") is not None


class Xvfb:
    """A running Xvfb; :attr:`display` is ``":N"``. Stop it with :meth:`stop`."""

    def __init__(self, size: str = SCREEN, log: Path | None = None) -> None:
        if not available():
            raise XvfbError("Xvfb is not installed (Debian: apt-get install xvfb)")
        self.log = log
        read_end, write_end = os.pipe()
        try:
            args = ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"]
            with open(log, "wb") if log is not None else open(os.devnull, "wb") as err:
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
            number = _read_line(read_end, timeout=15.0)
        finally:
            os.close(read_end)
            if write_end >= 0:
                os.close(write_end)
        if not number.isdigit():
            self.stop()
            raise XvfbError(f"Xvfb did not start (it said {number or 'nothing'!r})")
        self.display = f":{number}"
        PIDS[self.display] = self.proc.pid

    def stop(self, grace: float = 5.0) -> None:
        if getattr(self, "display", None) is not None:
            PIDS.pop(self.display, None)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def running_xvfb(size: str = SCREEN) -> Iterator[str]:
    """Xvfb for the duration of the block; yields its display, e.g. ``":7"``."""
    server = Xvfb(size)
    try:
        yield server.display
    finally:
        server.stop()


def _read_line(fd: int, timeout: float) -> str:
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
