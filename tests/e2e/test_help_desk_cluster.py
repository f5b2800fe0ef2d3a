"""The help desk on two relay nodes behind HAProxy (PostgreSQL, Redis; real processes,
wss:// with a throwaway CA): two customers wait on one node; two agents, one on each
node, press Take next at the same moment; each customer is taken by exactly one
agent (the one on the other node is sent to the customer's node), and both
customers share with a verified agent. The agents' apps first sign in through HAProxy
(the front door); the customers and the takers then name their node, so that the
cross-node take happens every run rather than when round robin happens to cause it."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import WAIT_S, App, Apps
from tests.helpers.relay_harness import RelayProcess
from tools.procs import admin
from tools.servers import HAProxy, Postgres, Redis, free_port, start_haproxy
from tools.throwaway_ca import ThrowawayCA

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]

DESK_FILE = """
zone = "UTC"
callback_offer_above_s = 3600

[[queue]]
id = "internet"
name = "Internet"
name_ko = "인터넷"
teams = ["Network"]
"""
AGENTS = {"alice": "Alice Kim", "bora": "Bora Lee"}


@dataclass
class Desk:
    nodes: dict[str, RelayProcess]
    front: HAProxy
    env: dict[str, str]
    tokens: dict[str, str]
    key: Path
    fingerprint: str

    @property
    def url(self) -> str:
        return f"wss://127.0.0.1:{self.front.port}"

    def admin(self, *args: str) -> str:
        return admin(self.nodes["n1"].data_dir, *args, env=self.env)


@pytest.fixture
def two_nodes(
    tmp_path: Path, throwaway_ca: ThrowawayCA, postgres: Postgres, redis_srv: Redis
) -> Iterator[Desk]:
    desk_file = tmp_path / "desk.toml"
    desk_file.write_text(DESK_FILE, encoding="utf-8")
    env = {
        **os.environ,
        "ASSIST_RELAY_DATABASE_URL": postgres.new_database(),
        "ASSIST_RELAY_REDIS_URL": redis_srv.new_database(),
        "ASSIST_RELAY_NODE_TTL_S": "1.5",
        "ASSIST_RELAY_DESK_FILE": str(desk_file),
    }
    data = {f"n{i}": tmp_path / f"n{i}" for i in (1, 2)}
    tokens = {}
    for name, display in AGENTS.items():
        out = admin(
            data["n1"], "agent", "add", name, "--display-name", display,
            "--org", "Acme Support", env=env,
        )  # fmt: skip
        tokens[name] = out.strip().splitlines()[-1]
    key = tmp_path / "acme.key"
    out = admin(data["n1"], "org", "init", "--org", "Acme Support", "--key", str(key), env=env)
    found = re.search(r"\d{5}(?: \d{5}){5}", out)
    assert found, out
    admin(data["n1"], "org", "register", "--key", f"{key}.pub", env=env)
    nodes: dict[str, RelayProcess] = {}
    front: HAProxy | None = None
    try:
        for name, folder in data.items():
            port = free_port()
            nodes[name] = RelayProcess(
                folder, "--port", str(port), "--node-id", name,
                "--public-url", f"wss://127.0.0.1:{port}",
                env=env, tls=throwaway_ca.issue(f"{name}-{tmp_path.name}"),
            )  # fmt: skip
        front = start_haproxy([n.port for n in nodes.values()])
        yield Desk(nodes, front, env, tokens, key, found.group(0))
        for node in nodes.values():
            assert "Traceback" not in node.logs(), node.logs()
    finally:
        for node in nodes.values():
            node.stop(timeout=5)
        if front is not None:
            front.stop()


def agent_apps(desk: Desk, apps: Apps, name: str) -> Apps:
    """An agent's own computer (their own key), with their identity card issued."""
    mine = Apps(apps.display, apps.home.parent / f"agent-{name}", apps.ca_file)
    token_file = mine.home / "token"
    token_file.parent.mkdir(parents=True, exist_ok=True)
    token_file.write_text(desk.tokens[name] + "\n")
    first = mine.start("assist-agent", "--relay", desk.url, "--token-file", str(token_file))
    assert first.wait_exit() == 3, first  # makes its key; refused without a card
    desk.admin("org", "issue", "--key", str(desk.key), "--agent", name, "--team", "Network")
    return mine


def test_two_agents_on_two_nodes_pressing_take_next_at_once_get_one_customer_each(
    two_nodes: Desk, apps: Apps
) -> None:
    desk = two_nodes
    agents = {name: agent_apps(desk, apps, name) for name in AGENTS}
    customers: list[App] = []
    homes: list[Apps] = []
    try:
        for i, who in enumerate(("Park Jiwoo 박지우", "Choi Minho 최민호")):
            home = Apps(apps.display, apps.home.parent / f"customer-{i}", apps.ca_file)
            homes.append(home)
            customer = home.start(
                "assist-client", "--relay", desk.nodes["n1"].url,
                "--trust-org", f"Acme Support={desk.fingerprint}", "--get-help",
                "--queue", "internet", "--name", who, "--contact", "010-1234-5678",
                "--description", "인터넷이 자꾸 끊겨요", "--consent", "--duration", "4",
            )  # fmt: skip
            customer.wait_line(rf"queue: position {i + 1}, wait .*")
            customers.append(customer)
        # Both agents press Take next at the same moment, one on each node.
        takers: dict[str, App] = {}
        go = threading.Barrier(len(agents))
        node_of = dict(zip(AGENTS, ("n1", "n2"), strict=True))

        def press(name: str) -> None:
            go.wait()
            takers[name] = agents[name].start(
                "assist-agent", "--relay", desk.nodes[node_of[name]].url,
                "--token-file", str(agents[name].home / "token"), "--take-next",
                "--duration", "3",
            )  # fmt: skip

        threads = [threading.Thread(target=press, args=(n,)) for n in agents]
        for t in threads:
            t.start()
        for t in threads:
            t.join(WAIT_S)
        took = {n: app.wait_line(r"took: (.*?) \(internet.*").group(1) for n, app in takers.items()}
        # Each customer exactly once.
        assert sorted(took.values()) == ["Choi Minho 최민호", "Park Jiwoo 박지우"], took
        for customer in customers:
            assert customer.wait_exit() == 0, customer
            out = customer.out
            assert "state: sharing" in out, customer
            assert any(line.startswith("identity: verified (Acme Support") for line in out)
        for app in takers.values():
            assert app.wait_exit() == 0, app
        # Each was helped by a different agent, named from the agent's verified card.
        helpers = {line for c in customers for line in c.out if line.endswith("(Acme Support)")}
        assert helpers == {f"agent: {d} (Acme Support)" for d in AGENTS.values()}, helpers
        # The agent on the other node was sent to the customers' node, and both
        # sessions run there.
        redirected = [line for line in desk.nodes["n2"].logs().splitlines() if "waits on" in line]
        assert len(redirected) == 1, desk.nodes["n2"].logs()
        took_here = desk.nodes["n1"].logs().count("took a customer from queue")
        assert took_here == 2, desk.nodes["n1"].logs()
    finally:
        for a in (*agents.values(), *homes):
            a.kill_all()
