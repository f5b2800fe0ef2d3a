"""Child processes of the benchmarks, and what is measured about them from outside.

* :class:`Child` runs a command with its output read line by line on a thread,
  so the driver can wait for a line (``code: ...``, ``state: sharing``) with a
  timeout and never blocks on a pipe.
* :func:`start_relay` and :func:`add_agent` run the real relay's command line;
  the relay also serves ``/metrics`` on a free loopback port.
* :class:`Sampler` reads, every half second, the CPU time of named processes
  from ``/proc/PID/stat`` and the relay's byte counters from ``/metrics``; a
  share of one core or a byte rate over any span is then read from the samples
  at its two ends.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import ssl
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from tools import procs
from tools.procs import Process, RelayProcess
from tools.throwaway_ca import Issued, ThrowawayCA

CLK_TCK = os.sysconf("SC_CLK_TCK")


class Child(Process):
    """A child process (:class:`tools.procs.Process`); stderr to ``log`` or nowhere."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        stdin: bool = False,
        log: Path | None = None,
    ) -> None:
        super().__init__(
            name,
            argv,
            env={**os.environ, **(env or {})},
            stdin=stdin,
            log=log if log is not None else Path(os.devnull),
        )

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, timeout: float = 10.0) -> int:  # type: ignore[override]
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code."""
        return Process.stop(self, signal.SIGTERM, timeout)


#: The certificate every relay and forwarder of this bench run serves (see :func:`use_tls`).
_TLS: Issued | None = None


def use_tls(work: Path) -> Issued:
    """Make a throwaway CA for this run: relays serve ``wss://`` with its certificate, and
    every client (the apps, the load generators) trusts it through ``ASSIST_CA_FILE``,
    which children inherit. The path measured is the path users take."""
    global _TLS
    ca = ThrowawayCA.create(work / "ca", "Assist bench CA")
    _TLS = ca.issue("relay")
    os.environ["ASSIST_CA_FILE"] = str(ca.cert_path)
    return _TLS


def tls_cert() -> Issued | None:
    """The certificate servers of this run serve (None before :func:`use_tls`)."""
    return _TLS


def tls_args() -> list[str]:
    """``--tls-cert F --tls-key F`` for a server of this run (none before :func:`use_tls`)."""
    if _TLS is None:
        return []
    return ["--tls-cert", str(_TLS.cert), "--tls-key", str(_TLS.key)]


def client_ssl(url: str) -> ssl.SSLContext | None:
    """The TLS context a bench client uses for ``url``: it trusts ``ASSIST_CA_FILE``."""
    if not url.startswith("wss:"):
        return None
    ctx = ssl.create_default_context(cafile=os.environ.get("ASSIST_CA_FILE") or None)
    return ctx


class Relay(RelayProcess):
    """``assist-relay serve --port 0`` on loopback with metrics on a free port (TLS after
    :func:`use_tls`, as every relay of ``make bench``)."""

    def __init__(self, data_dir: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        super().__init__(
            data_dir,
            *extra,
            "--log-level",
            "WARNING",
            env=env,
            tls=_TLS,
            metrics=True,
            log=data_dir.parent / f"{data_dir.name}.log",
        )

    def stop(self, timeout: float = 10.0) -> int:  # type: ignore[override]
        return RelayProcess.stop(self, signal.SIGTERM, timeout)

    def metrics(self) -> dict[str, float]:
        """The relay's counters and gauges, without the ``assist_relay_`` prefix."""
        if self.metrics_url is None:
            return {}
        with urllib.request.urlopen(self.metrics_url, timeout=2) as response:
            text = response.read().decode()
        out = {}
        for line in text.splitlines():
            if line.startswith("assist_relay_") and " " in line:
                name, value = line.rsplit(" ", 1)
                # Every sample has a node="..." label; one relay here, so drop it.
                name = re.sub(r'(,?)node="[^"]*"', "", name).replace("{,", "{")
                out[name.removeprefix("assist_relay_").replace("{}", "")] = float(value)
        return out


def add_agent(data_dir: Path, name: str = "bench") -> str:
    """``assist-relay agent add NAME``; returns the token (the last line it prints)."""
    return procs.add_agent(data_dir, name)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def pin(pid: int, cpus: set[int]) -> None:
    """Keep every thread of a process on these CPUs (threads it starts later inherit
    the set from the thread that starts them)."""
    try:
        tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return
    for tid in tids:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(tid, cpus)


class Counters(Protocol):
    """What the sampler reads counters from: a relay's ``/metrics``, or a viewer's socket."""

    def metrics(self) -> dict[str, float]: ...


class Sampler:
    """Samples CPU time of processes (and the relay's counters) on a thread; see the module."""

    def __init__(
        self, pids: dict[str, int], relay: Counters | None = None, interval: float = 0.5
    ) -> None:
        self.pids = dict(pids)
        self.relay = relay
        self.interval = interval
        self.cpu: dict[str, list[tuple[int, float]]] = {name: [] for name in pids}
        self.counters: list[tuple[int, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="sampler")

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(self.interval):
                self.sample()
                return

    def sample(self) -> None:
        now = time.time_ns()
        for name, pid in self.pids.items():
            seconds = cpu_seconds(pid)
            if seconds is not None:
                self.cpu[name].append((now, seconds))
        if self.relay is not None:
            with contextlib.suppress(OSError):
                self.counters.append((time.time_ns(), self.relay.metrics()))

    @staticmethod
    def _ends(times: list[int], start: int, end: int) -> tuple[int, int] | None:
        inside = [i for i, t in enumerate(times) if start <= t <= end]
        if len(inside) < 2:
            return None
        return inside[0], inside[-1]

    def cpu_pct(self, name: str, start: int, end: int) -> float | None:
        """Share of one core (percent) the process used between two wall-clock ns times."""
        samples = self.cpu.get(name, [])
        ends = self._ends([t for t, _ in samples], start, end)
        if ends is None:
            return None
        (t0, c0), (t1, c1) = samples[ends[0]], samples[ends[1]]
        return 100.0 * (c1 - c0) / ((t1 - t0) / 1e9)

    def rate(self, counter: str, start: int, end: int) -> float | None:
        """Per-second increase of a relay counter between two wall-clock ns times."""
        ends = self._ends([t for t, _ in self.counters], start, end)
        if ends is None:
            return None
        (t0, m0), (t1, m1) = self.counters[ends[0]], self.counters[ends[1]]
        if counter not in m0 or counter not in m1:
            return None
        return (m1[counter] - m0[counter]) / ((t1 - t0) / 1e9)

    def peak(self, gauge: str, start: int, end: int) -> float | None:
        values = [m[gauge] for t, m in self.counters if start <= t <= end and gauge in m]
        return max(values) if values else None


@contextlib.contextmanager
def children() -> Iterator[list[Child]]:
    """A list to put children in; all of them are stopped when the block ends."""
    started: list[Child] = []
    try:
        yield started
    finally:
        for child in reversed(started):
            child.stop(5)
