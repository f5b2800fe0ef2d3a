"""One way to run Assist's programs as processes, shared by the tests, the demo and the bench.

* :func:`command` — the installed console script (``.venv/bin/assist-relay``), or
  ``python -m module`` when it is not installed;
* :class:`Process` — a child whose stdout lines are collected on a thread, to
  wait for (:meth:`Process.wait_line`, :meth:`Process.next_line`), write to
  (:meth:`Process.send`) and stop (SIGTERM, then SIGKILL);
* :class:`RelayProcess` — ``assist-relay serve --port 0`` on 127.0.0.1, with TLS
  from :mod:`tools.throwaway_ca` when given a certificate, and its agents added
  with ``assist-relay agent add`` as an admin would.

Each user keeps its own vocabulary on top (the e2e tests' ``App``, the demo's
``Child``, the bench's ``Relay``) but starts, reads and stops processes here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from tools.throwaway_ca import Issued

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

__all__ = ["REPO", "Process", "RelayProcess", "add_agent", "admin", "command", "rss_bytes"]


def command(script: str, module: str | None = None) -> list[str]:
    """The installed console script, preferably next to this Python; else ``python -m``."""
    here = BIN / script
    if here.exists():
        return [str(here)]
    found = shutil.which(script)
    if found is not None:
        return [found]
    if module is None:
        raise FileNotFoundError(f"{script} is not installed; run `make setup`")
    return [sys.executable, "-m", module]


class Process:
    """A child process. Its stdout lines go to :attr:`out` as they arrive; its stderr goes
    to ``log`` (a file), to :attr:`err` (``capture_err``), or is inherited.

    ``error`` is the exception type raised when a wait fails (tests use AssertionError,
    the demo its DemoError).
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        stdin: bool = False,
        log: Path | None = None,
        capture_err: bool = False,
        new_session: bool = False,
        error: type[Exception] = RuntimeError,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.error = error
        self.out: list[str] = []
        self.err: list[str] = []
        self._next = 0  # index of the first line next_line() has not returned
        self._cond = threading.Condition()
        log_file: IO[bytes] | None = open(log, "wb") if log is not None else None  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                self.argv,
                cwd=REPO,
                env=dict(os.environ if env is None else env),
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE if capture_err else log_file,
                text=True,
                encoding="utf-8",
                start_new_session=new_session,
            )
        finally:
            if log_file is not None:
                log_file.close()
        assert self.proc.stdout is not None
        self._readers = [self._reader(self.proc.stdout, self.out)]
        if capture_err:
            assert self.proc.stderr is not None
            self._readers.append(self._reader(self.proc.stderr, self.err))

    def _reader(self, stream: IO[str], into: list[str]) -> threading.Thread:
        def read() -> None:
            with stream:
                for line in stream:
                    with self._cond:
                        into.append(line.rstrip("\n"))
                        self._cond.notify_all()
            with self._cond:
                self._cond.notify_all()

        thread = threading.Thread(target=read, name=f"read-{self.name}", daemon=True)
        thread.start()
        return thread

    # ------------------------------------------------------------ state

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def _reading(self) -> bool:
        return self._readers[0].is_alive()

    def __repr__(self) -> str:
        return (
            f"<{self.name} exit={self.proc.poll()}\n  stdout: {self.out[-20:]!r}\n"
            f"  stderr: {self.err[-20:]!r}>"
        )

    # ------------------------------------------------------------ reading

    def wait_line(
        self, pattern: str, timeout: float, start: int | None = None, *, full: bool = False
    ) -> re.Match[str]:
        """The first stdout line matching ``pattern`` (``re.search``; ``full``: the whole
        line), looking from index ``start`` on, or from the first line no wait has
        returned yet when ``start`` is None."""
        match = re.fullmatch if full else re.search
        deadline = time.monotonic() + timeout
        with self._cond:
            i = self._next if start is None else start
            while True:
                while i < len(self.out):
                    found = match(pattern, self.out[i])
                    i += 1
                    if found is not None:
                        if start is None:
                            self._next = i
                        return found
                left = deadline - time.monotonic()
                if not self._reading():
                    raise self.error(
                        f"{self.name} exited ({self.proc.poll()}) before printing "
                        f"{pattern!r}: {self!r}"
                    )
                if left <= 0:
                    raise self.error(f"{self.name}: no line like {pattern!r} in {timeout:g} s")
                self._cond.wait(min(left, 0.2))

    def next_line(self, timeout: float) -> str:
        """The next stdout line no wait has returned yet."""
        return self.wait_line(r"", timeout).string

    def send(self, line: str) -> None:
        if self.proc.stdin is None:
            raise self.error(f"{self.name} was started without stdin")
        try:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise self.error(f"{self.name} stopped before `{line}`") from None

    def tail(self, lines: int = 15) -> str:
        """The last lines of its log file (or captured stderr)."""
        if self.log is not None and self.log.exists():
            text = self.log.read_text(encoding="utf-8", errors="replace").rstrip()
            return "\n".join(text.splitlines()[-lines:])
        return "\n".join(self.err[-lines:])

    # ------------------------------------------------------------ ending

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it is still running after ``timeout``."""
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for reader in self._readers:
            reader.join(5)
        return code

    def stop(self, sig: int = signal.SIGTERM, grace: float = 10.0) -> int:
        """Send ``sig`` (closing stdin first, which ends a command runner), then SIGKILL
        after ``grace`` seconds; returns the exit code."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.wait(grace)
        if code is None:
            self.proc.kill()
            code = self.proc.wait()
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait(5)


class RelayProcess(Process):
    """``assist-relay serve --port 0`` on 127.0.0.1; stderr (its log) goes to ``log``.

    With ``tls`` it serves ``wss://`` with that certificate; with ``metrics`` it also
    serves ``/metrics`` on a free port (:attr:`metrics_url`).
    """

    def __init__(
        self,
        data_dir: Path,
        *extra: str,
        env: Mapping[str, str] | None = None,
        tls: Issued | None = None,
        metrics: bool = False,
        log: Path | None = None,
        error: type[Exception] = RuntimeError,
    ) -> None:
        self.data_dir = data_dir
        argv = command("assist-relay", "relay.cli") + ["serve", "--host", "127.0.0.1"]
        argv += ["--port", "0", "--data-dir", str(data_dir), *extra]
        if metrics:
            argv += ["--metrics-port", "0"]
        if tls is not None:
            argv += ["--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]
        log = log if log is not None else data_dir.parent / f"{data_dir.name}-relay.log"
        super().__init__("relay", argv, env={**os.environ, **(env or {})}, log=log, error=error)
        try:
            found = self.wait_line(r"listening on (wss?)://127\.0\.0\.1:(\d+)", 30)
        except Exception:
            self.stop(grace=5)
            raise
        self.startup_line = found.string
        self.port = int(found.group(2))
        self.url = f"{found.group(1)}://127.0.0.1:{self.port}"
        metrics_at = re.search(r"metrics: (http://\S+/metrics)", self.startup_line)
        self.metrics_url = metrics_at.group(1) if metrics_at else None

    def admin(self, *args: str) -> str:
        """Run an admin command on this relay's data, as an admin would; its stdout."""
        return admin(self.data_dir, *args)

    def add_agent(self, name: str = "alice", display_name: str = "", org: str = "") -> str:
        """``assist-relay agent add``; returns the token (the last line it prints)."""
        return add_agent(self.data_dir, name, display_name, org)

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def rss_bytes(self) -> int:
        return rss_bytes(self.pid)


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux), in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def admin(data_dir: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """``assist-relay ARGS --data-dir DIR`` (works whether or not the relay runs); ``env``
    for settings such as ``ASSIST_RELAY_DATABASE_URL``."""
    out = subprocess.run(
        [*command("assist-relay", "relay.cli"), *args, "--data-dir", str(data_dir)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=dict(env) if env is not None else None,
    )
    return out.stdout


def add_agent(data_dir: Path, name: str = "alice", display_name: str = "", org: str = "") -> str:
    """Register an agent with the admin command; returns its token."""
    extra = ["--display-name", display_name] if display_name else []
    extra += ["--org", org] if org else []
    return admin(data_dir, "agent", "add", name, *extra).strip().splitlines()[-1]
