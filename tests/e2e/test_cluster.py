"""Three relay nodes behind HAProxy, on PostgreSQL and Redis, all real processes on loopback:
the agent and the customer reach different nodes and still meet; the node carrying the
session is killed with SIGKILL and the session goes on through another node with no new
code and the picture right; then that node is drained and the customer sees no error."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import (
    MIN_PSNR_DB,
    WAIT_S,
    Apps,
    command,
    grab,
    psnr,
    showing,
    wait_until,
)
from tests.helpers.relay_harness import RelayProcess
from tools.servers import HAProxy, Postgres, Redis, free_port, start_haproxy
from tools.throwaway_ca import ThrowawayCA

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]

GREEN = (0, 200, 80)
#: A node that stops saying it is alive counts as gone after this long (tests: short).
NODE_TTL_S = "1.5"


@dataclass
class Cluster:
    nodes: dict[str, RelayProcess]
    front: HAProxy
    env: dict[str, str]
    data: dict[str, Path]
    token: str

    @property
    def url(self) -> str:
        return f"wss://127.0.0.1:{self.front.port}"

    def sessions(self) -> list[dict[str, object]]:
        out = subprocess.run(
            [command("assist-relay"), "sessions", "--json", "--data-dir", str(self.data["n1"])],
            capture_output=True,
            text=True,
            timeout=WAIT_S,
            check=True,
            env=self.env,
        )
        rows: list[dict[str, object]] = json.loads(out.stdout)
        return rows


@pytest.fixture
def three_nodes(
    tmp_path: Path, throwaway_ca: ThrowawayCA, postgres: Postgres, redis_srv: Redis
) -> Iterator[Cluster]:
    import os

    env = {
        **os.environ,
        "ASSIST_RELAY_DATABASE_URL": postgres.new_database(),
        "ASSIST_RELAY_REDIS_URL": redis_srv.new_database(),
        "ASSIST_RELAY_NODE_TTL_S": NODE_TTL_S,
    }
    data = {f"n{i}": tmp_path / f"n{i}" for i in (1, 2, 3)}
    added = subprocess.run(
        [command("assist-relay"), "agent", "add", "alice", "--data-dir", str(data["n1"])]
        + ["--display-name", "Alice Kim", "--org", "Acme Support"],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=True,
        env=env,
    )
    token = added.stdout.strip().splitlines()[-1]
    nodes: dict[str, RelayProcess] = {}
    front: HAProxy | None = None
    try:
        for name, folder in data.items():
            port = free_port()
            nodes[name] = RelayProcess(
                folder,
                "--port",
                str(port),
                "--node-id",
                name,
                "--public-url",
                f"wss://127.0.0.1:{port}",
                env=env,
                tls=throwaway_ca.issue(f"{name}-{tmp_path.name}"),
            )
        front = start_haproxy([n.port for n in nodes.values()])
        yield Cluster(nodes, front, env, data, token)
    finally:
        for node in nodes.values():
            node.stop(timeout=5)
        if front is not None:
            front.stop()


def test_a_session_survives_its_node_being_killed_and_then_drained(
    display: str, three_nodes: Cluster, apps: Apps, tmp_path: Path
) -> None:
    c = three_nodes
    saved, stats = tmp_path / "agent-frame.png", tmp_path / "agent-stats.json"
    patch = tmp_path / "after-the-moves.png"
    Image.new("RGB", (320, 200), GREEN).save(patch)
    apps.extra_env["ASSIST_RESUME_WINDOW_S"] = "20"

    outputs = ["--save-frame", str(saved), "--stats", str(stats)]
    agent, code = apps.agent(c.url, c.token, "--duration", "40", *outputs)
    # Round robin: the customer's connection lands on another node than the agent's,
    # which redirects it to the node that has the code.
    customer = apps.customer(c.url, code, "--duration", "90")
    customer.wait_line("state: sharing")
    wait_until(lambda: any(row["established"] for row in c.sessions()), "established")
    [row] = c.sessions()
    first = str(row["node"])
    redirected = sum(
        "redirected" in line for n in c.nodes.values() for line in n.logs().splitlines()
    )
    assert redirected >= 1, "the customer reached the agent's node directly"

    # SIGKILL the node that carries the session: no goodbye, its sockets just die.
    killed_at = time.monotonic()
    c.nodes[first].stop(__import__("signal").SIGKILL)
    customer.wait_line("state: reconnecting")
    back = customer.out.index("state: reconnecting")
    customer.wait_line("state: sharing", start=back)
    took = time.monotonic() - killed_at
    print(f"failover: sharing again {took:.1f} s after SIGKILL of {first}")
    assert took < 10, took
    wait_until(lambda: c.sessions()[0]["node"] != first, "the audit row names the new node")
    second = str(c.sessions()[0]["node"])

    # Drain the node that took it over: the session moves on without an error.
    lines_before = len(customer.out)
    drained = subprocess.run(
        [command("assist-relay"), "drain", "--node-id", second]
        + ["--data-dir", str(c.data[second]), "--timeout", "20"],
        capture_output=True,
        text=True,
        timeout=30,
        env=c.env,
    )
    assert drained.returncode == 0, drained.stderr
    assert f"Node {second} has stopped." in drained.stdout
    assert c.nodes[second].wait(5) == 0, c.nodes[second].logs()
    wait_until(lambda: c.sessions()[0]["node"] not in (first, second), "moved to the third")

    # Pixels that only exist after both moves must reach the agent.
    with showing(display, patch, 300, 200):
        assert agent.wait_exit(60) == 0, agent
        assert customer.wait_exit() == 0, customer
        screen = grab(display)
    after_drain = customer.out[lines_before:]
    assert not any("reconnecting" in line or "error" in line for line in after_drain), after_drain
    assert customer.out[-1] == "state: ended (agent ended)", customer
    assert not any(line.startswith("code") for line in customer.out[1:])  # no new code
    frame = np.asarray(Image.open(saved).convert("RGB"))
    seen = frame[200:400, 300:620].astype(int)
    assert np.abs(seen - GREEN).max() <= 16, "the window shown after the moves never arrived"
    assert psnr(frame, screen) >= MIN_PSNR_DB
    [row] = c.sessions()
    assert row["end_reason"] == "agent_ended" and int(str(row["resumes"])) >= 2, row
