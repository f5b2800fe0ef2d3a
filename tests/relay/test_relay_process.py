"""``assist-relay serve`` as an admin runs it: startup line, admin commands, signals, metrics."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from common.errors import ErrorCode
from common.messages import Data, Error, Layer, Role, parse
from tests.helpers.relay_harness import (
    Client,
    RelayProcess,
    agent_create,
    cli,
    establish,
    pair,
    roundtrip,
    run,
)
from tools.servers import free_port
from tools.throwaway_ca import ThrowawayCA


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_sigterm_mid_session_loses_no_audit_row(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    relay = RelayProcess(data_dir)
    received = 0
    try:
        # Admin commands work on the data dir while the relay runs.
        token = cli(data_dir, "agent", "add", "alice", "--display-name", "Alice").splitlines()[-1]
        assert "alice" in cli(data_dir, "agent", "list")

        async def main() -> None:
            nonlocal received
            agent, customer, _ = await pair(relay.url, token)
            await establish(agent, customer)
            await roundtrip(agent, customer)
            waiting, _ = await agent_create(relay.url, token)  # a second, unclaimed session
            idle = await Client.connect(relay.url, Role.CUSTOMER)

            stop = asyncio.Event()

            async def stream() -> None:  # the agent keeps sending until the relay goes
                chunk = Data(bytes(20_000)).serialize()
                with contextlib.suppress(ConnectionClosed):
                    while not stop.is_set():
                        await agent.send(chunk)
                        await asyncio.sleep(0.002)

            streamer = asyncio.create_task(stream())
            for _ in range(20):
                await customer.recv_raw()
                received += 1
            relay.proc.send_signal(signal.SIGTERM)

            for client in (customer, agent, waiting, idle):
                heard = []
                with contextlib.suppress(ConnectionClosed):
                    while True:
                        raw = await client.recv_raw()
                        if raw[0] == 0x09:
                            received += client is customer
                            continue
                        heard.append(parse(raw, Layer.RELAY))
                assert len(heard) == 1 and isinstance(heard[0], Error), heard
                assert heard[0].code is ErrorCode.RELAY_SHUTDOWN
                assert "shutting down" in heard[0].text
                assert client.ws.close_code == 1001
            stop.set()
            await streamer

        run(main())
        exit_code, took = relay.stop(timeout=10)
        assert exit_code == 0, relay.logs()
        assert took < 5
    finally:
        relay.stop()

    rows = json.loads(cli(data_dir, "sessions", "--json"))
    assert len(rows) == 2
    assert {r["end_reason"] for r in rows} == {"relay_shutdown"}
    assert all(r["ended"] and r["duration_s"] is not None for r in rows)
    busy = next(r for r in rows if r["established"])
    assert busy["bytes_agent_to_customer"] >= received * 20_001
    assert busy["bytes_customer_to_agent"] == 5
    table = cli(data_dir, "sessions")
    assert "relay_shutdown" in table and "alice" in table


def test_health_and_metrics(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    relay = RelayProcess(data_dir, "--metrics-port", "0", "--node-id", "relay-a")
    try:
        line = relay.startup_line
        assert str(data_dir) in line
        found = re.search(r"http://127\.0\.0\.1:(\d+)/metrics", line)
        assert found, line
        base = f"http://127.0.0.1:{found.group(1)}"
        token = cli(data_dir, "agent", "add", "alice").splitlines()[-1]

        async def main() -> None:
            agent, customer, _ = await pair(relay.url, token)
            await establish(agent, customer)
            await roundtrip(agent, customer, bytes(999))

        run(main())
        assert _get(f"{base}/healthz") == (200, "ok\n")
        assert _get(f"http://127.0.0.1:{relay.port}/healthz") == (200, "ok\n")
        status, text = _get(f"{base}/metrics")
        assert status == 200
        for line_ in (
            'assist_relay_sessions_established_total{node="relay-a"} 1.0',
            'assist_relay_bytes_forwarded_total{direction="agent_to_customer",node="relay-a"}'
            " 1000.0",
            'assist_relay_bytes_forwarded_total{direction="customer_to_agent",node="relay-a"}'
            " 1000.0",
            'assist_relay_pairing_failures_total{node="relay-a"} 0.0',
            'assist_relay_rate_limited_total{limit="joins",node="relay-a"} 0.0',
            'assist_relay_congestion_events_total{node="relay-a"} 0.0',
            'assist_relay_pairing_seconds_count{node="relay-a"} 1.0',
        ):
            assert line_ in text.splitlines(), line_
        assert re.search(r'^assist_relay_connections_open\{node="relay-a"\} \d+', text, re.M)
        assert re.search(r'^assist_relay_sessions_open\{node="relay-a"\} \d+', text, re.M)
        assert "# TYPE assist_relay_bytes_forwarded_total counter" in text
        assert "# TYPE assist_relay_added_latency_seconds histogram" in text
        assert _get(f"{base}/readyz") == (200, "ready\n")
        assert _get(f"http://127.0.0.1:{relay.port}/readyz") == (200, "ready\n")
        assert _get(f"{base}/nothing")[0] == 404
    finally:
        relay.stop(signal.SIGINT)


@pytest.mark.parametrize("args", [["--tls-cert", "/nonexistent"], ["--port", "99999"]])
def test_bad_settings_are_refused_with_a_sentence(tmp_path: Path, args: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "relay.cli", "serve", "--data-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.returncode == 1
    assert out.stderr.startswith("assist-relay: "), out.stderr


@pytest.mark.parametrize(
    "setting, value, sentence",
    [
        ("DATABASE_URL", "postgresql://kim:s3cret@127.0.0.1:{port}/assist",
         "assist-relay: database_url: cannot reach PostgreSQL at "
         "postgresql://kim:***@127.0.0.1:{port}/assist"),
        ("DATABASE_URL", "mysql://127.0.0.1/assist",
         "assist-relay: database_url: database_url 'mysql://127.0.0.1/assist' is neither"),
        ("REDIS_URL", "redis://127.0.0.1:{port}/0",
         "assist-relay: redis_url: Redis at redis://127.0.0.1:{port}/0 does not answer"),
    ],
)  # fmt: skip
def test_a_wrong_or_unreachable_server_stops_serve_with_one_sentence(
    tmp_path: Path, setting: str, value: str, sentence: str
) -> None:
    port = free_port()  # nothing listens there
    env = {**os.environ, f"ASSIST_RELAY_{setting}": value.format(port=port)}
    env["ASSIST_RELAY_PUBLIC_URL"] = "wss://127.0.0.1:1"
    out = subprocess.run(
        [sys.executable, "-m", "relay.cli", "serve", "--data-dir", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        env=env,
    )
    assert out.returncode == 1, out.stderr
    # The log may say what it tried; the last line is the one sentence for the admin.
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(sentence.format(port=port)), out.stderr
    assert "s3cret" not in out.stderr and "Traceback" not in out.stderr


def test_a_tls_relay_says_its_address_and_key_pin_at_start(
    tmp_path: Path, throwaway_ca: ThrowawayCA
) -> None:
    issued = throwaway_ca.issue("startup")
    relay = RelayProcess(tmp_path / "data", tls=issued)
    try:
        assert relay.url.startswith("wss://127.0.0.1:")
        assert f"key pin: {issued.spki_sha256}" in relay.startup_line
    finally:
        relay.stop()
