"""Real PostgreSQL, Redis and HAProxy servers for the tests and the bench, each in its own
temporary folder on loopback, started and stopped by them (no Docker, no set-up).

``make test`` installs Debian's ``postgresql``, ``redis-server`` and ``haproxy``; a
missing one raises :class:`MissingServer`, a test *failure* that says so, never a skip.

PostgreSQL's ``initdb`` refuses to run as root: as root, the cluster folder is made
for the ``postgres`` user (which the Debian package creates) and the server runs
as that user (the child drops to it before it starts, so the test holds the server
process itself and can ask it for a fast shutdown).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

INSTALL_HINT = "run `make test`, which installs it from Debian (postgresql, redis-server, haproxy)"


class MissingServer(RuntimeError):
    """A server program is not installed; the message says how to get it."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str, *globs: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for pattern in globs:
        hits = sorted(glob.glob(pattern))
        if hits:
            return hits[-1]
    raise MissingServer(f"{name} is not installed: {INSTALL_HINT}")


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}: {log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# ---------------------------------------------------------------- PostgreSQL


class Postgres:
    """One PostgreSQL server; :meth:`new_database` gives each test a database of its own."""

    def __init__(
        self,
        port: int,
        proc: subprocess.Popen[bytes],
        folder: Path,
        cmd: list[str],
        as_user: Callable[[], None] | None,
    ) -> None:
        self.port = port
        self.proc = proc
        self.folder = folder
        self.cmd = cmd
        self._as_user = as_user
        self._count = 0

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def new_database(self) -> str:
        import psycopg

        self._count += 1
        name = f"assist_{os.getpid()}_{self._count}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def pause(self) -> None:
        """Stop the server (the database stays) as an outage would look to the relay."""
        _stop(self.proc, signal.SIGINT)  # fast shutdown: clients cut, postmaster.pid gone

    def resume(self) -> None:
        with open(self.folder / "log.txt", "ab") as out:
            self.proc = subprocess.Popen(
                self.cmd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=self._as_user
            )
        self.wait_ready()

    def wait_ready(self) -> None:
        import psycopg

        _wait_port(self.port, self.proc, "PostgreSQL", self.folder / "log.txt")
        deadline = time.monotonic() + 20
        while True:  # listening is not yet accepting
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        _stop(self.proc, signal.SIGINT)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    initdb = _binary("initdb", "/usr/lib/postgresql/*/bin/initdb")
    postgres = _binary("postgres", "/usr/lib/postgresql/*/bin/postgres")
    folder = Path(tempfile.mkdtemp(prefix="assist-pg-"))
    data = folder / "data"
    as_user: Callable[[], None] | None = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            raise MissingServer(f"there is no postgres user: {INSTALL_HINT}") from None
        os.chown(folder, user.pw_uid, user.pw_gid)
        uid, gid = user.pw_uid, user.pw_gid

        def as_user() -> None:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)

    log = folder / "log.txt"
    subprocess.run(
        [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        preexec_fn=as_user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    port = free_port()
    cmd = [
        postgres,
        "-D",
        str(data),
        "-p",
        str(port),
        "-k",
        str(folder),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "max_connections=200",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=as_user)
    server = Postgres(port, proc, folder, cmd, as_user)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- Redis


class Redis:
    def __init__(self, port: int, proc: subprocess.Popen[bytes], folder: Path) -> None:
        self.port = port
        self.proc = proc
        self.folder = folder
        self._db = 0

    def new_database(self) -> str:
        """A URL of an empty Redis database (16 of them, flushed in turn)."""
        import redis

        db = self._db % 16
        self._db += 1
        client = redis.Redis(host="127.0.0.1", port=self.port, db=db)
        try:
            client.flushdb()
        finally:
            client.close()
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        _stop(self.proc)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_redis(port: int | None = None, folder: Path | None = None) -> Redis:
    exe = _binary("redis-server")
    folder = folder or Path(tempfile.mkdtemp(prefix="assist-redis-"))
    port = port or free_port()
    log = folder / "log.txt"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
                "--databases",
                "16",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    _wait_port(port, proc, "Redis", log)
    return Redis(port, proc, folder)


@contextlib.contextmanager
def redis_server() -> Iterator[Redis]:
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- HAProxy


class HAProxy:
    def __init__(self, port: int, proc: subprocess.Popen[bytes], folder: Path) -> None:
        self.port = port
        self.proc = proc
        self.folder = folder

    def stop(self) -> None:
        _stop(self.proc)
        shutil.rmtree(self.folder, ignore_errors=True)


def haproxy_config(port: int, backends: list[int], *, tls: bool, check: str = "/readyz") -> str:
    """TLS passes through to the nodes (they terminate it); each node's ``/readyz``
    decides whether it gets new connections (``check``: another page, such as the
    console's ``/signin``). The same text is in docs/cluster.md."""
    how = "check check-ssl verify none" if tls else "check"
    servers = "\n".join(
        f"    server node{i + 1} 127.0.0.1:{p} {how} inter 500 fall 2 rise 1"
        for i, p in enumerate(backends)
    )
    return f"""global
    maxconn 4096

defaults
    mode tcp
    timeout connect 2s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    retries 2
    option redispatch

frontend assist
    bind 127.0.0.1:{port}
    default_backend relays

backend relays
    balance roundrobin
    option httpchk GET {check}
    http-check expect status 200
{servers}
"""


def start_haproxy(backends: list[int], *, tls: bool = True, check: str = "/readyz") -> HAProxy:
    exe = _binary("haproxy", "/usr/sbin/haproxy")
    folder = Path(tempfile.mkdtemp(prefix="assist-haproxy-"))
    port = free_port()
    cfg = folder / "haproxy.cfg"
    cfg.write_text(haproxy_config(port, backends, tls=tls, check=check))
    log = folder / "log.txt"
    with open(log, "wb") as out:
        proc = subprocess.Popen([exe, "-db", "-f", str(cfg)], stdout=out, stderr=subprocess.STDOUT)
    _wait_port(port, proc, "HAProxy", log)
    return HAProxy(port, proc, folder)
