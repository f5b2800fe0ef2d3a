"""Limits protect the relay and the other sessions: size, garbage, rates, quota, memory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import time
import urllib.request
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from common.errors import ErrorCode
from common.messages import (
    PROTOCOL_VERSION,
    Congestion,
    Data,
    Hello,
    Join,
    Kind,
    Layer,
    Message,
    PeerAway,
    Resumed,
    Role,
    parse,
)
from tests.helpers.relay_harness import (
    Client,
    RelayProcess,
    add_agent,
    customer_join,
    establish,
    pair,
    resume,
    roundtrip,
    run,
    running_relay,
)


def test_oversized_message_closes_only_that_connection(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            a1, c1, _ = await pair(relay.url, token)
            a2, c2, _ = await pair(relay.url, token)
            await establish(a1, c1)
            await establish(a2, c2)
            await c1.send(bytes([Kind.DATA]) + b"x" * (1 << 20))  # 1 MiB + the kind byte
            assert await c1.expect_closed() == 1009
            await a1.expect(PeerAway)  # it may resume with a sane message size
            for _ in range(3):
                await roundtrip(a2, c2, b"y" * 100_000)
            assert relay.metrics.oversize_messages_total == 1

    run(main())


def _garbage(rng: random.Random) -> list[bytes | str]:
    corpus: list[bytes | str] = [
        b"",
        b"\x00",
        b"\xff" * 64,
        "a text frame",
        b"\x01",  # Hello without a body
        b"\x01\x93\x01\x01",  # truncated msgpack
        b"\x01" + bytes([0x93, 0x01, 0x09, 0xA1, 0x78]),  # role 9
        b"\x09",  # Data with no payload, before Hello
        b"\x09abc",  # Data before Hello
        b"\x02\x92\x01\xa1x",  # Welcome, which only the relay sends
        b"\x40" + bytes(33),  # an end-to-end kind at the relay layer
        b"\x8a" + bytes(10),  # an application kind
        b"\x0f" + bytes(200),  # Resume full of zeros
    ]
    corpus += [rng.randbytes(rng.randrange(1, 2000)) for _ in range(30)]
    corpus += [bytes([k]) + rng.randbytes(rng.randrange(0, 64)) for k in range(1, 0x14)]
    return corpus


def test_garbage_never_disturbs_another_session(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path, connections_per_minute=0) as relay:
            agent, customer, _ = await pair(relay.url, token)
            await establish(agent, customer)
            stop = asyncio.Event()
            rounds = 0

            async def keep_talking() -> None:
                nonlocal rounds
                while not stop.is_set():
                    await roundtrip(agent, customer, random.randbytes(3000))
                    rounds += 1

            talker = asyncio.create_task(keep_talking())
            rng = random.Random(7)
            for junk in _garbage(rng):
                bad = await Client.connect(relay.url)
                await bad.send(junk)
                code = await bad.expect_closed()
                assert code == 1008, (junk, code)
            # The same, after a valid Hello.
            for junk in _garbage(rng)[:20]:
                bad = await Client.connect(relay.url, Role.CUSTOMER)
                await bad.send(junk)
                assert await bad.expect_closed() in (1008, None)
            # Not even websocket: raw bytes on the TCP port.
            for _ in range(5):
                reader, writer = await asyncio.open_connection("127.0.0.1", relay.port)
                writer.write(rng.randbytes(500) + b"\r\n\r\n")
                await writer.drain()
                await reader.read()
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            stop.set()
            await talker
            assert rounds > 0
            await roundtrip(agent, customer)
            assert relay.metrics.protocol_errors_total >= 60

    run(main())


def test_protocol_error_sends_error_before_closing(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            client = await Client.connect(relay.url)
            await client.send(b"\x07garbage")
            err = await client.expect_error(ErrorCode.PROTOCOL)
            assert "up-to-date" in err.text
            assert await client.expect_closed() == 1008
            old = await Client.connect(relay.url)
            await old.send(Hello(PROTOCOL_VERSION + 1, Role.CUSTOMER, "future"))
            await old.expect_error(ErrorCode.VERSION)

    run(main())


def test_join_attempts_are_rate_limited(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    token = add_agent(tmp_path)
    caplog.set_level(logging.INFO, logger="relay")

    async def main() -> None:
        async with running_relay(tmp_path, failed_joins_per_minute=3) as relay:
            _, _, real = await pair(relay.url, token)
            scanner = await Client.connect(relay.url, Role.CUSTOMER)
            for n in range(3):
                await scanner.send(Join(f"{n:03d}" if f"{n:03d}" != real else "999999"))
                await scanner.expect_error(ErrorCode.NAMEPLATE_UNKNOWN)
            await scanner.send(Join("555"))
            err = await scanner.expect_error(ErrorCode.RATE_LIMITED)
            assert "Wait a minute" in err.text
            assert await scanner.expect_closed() == 1008
            # A fresh connection from the same address is still throttled.
            again = await customer_join(relay.url, "777")
            await again.expect_error(ErrorCode.RATE_LIMITED)
            assert relay.metrics.rate_limited_joins_total == 2
            assert relay.metrics.join_failures_total == 3
            text = relay.metrics.render()
            assert 'assist_relay_rate_limited_total{limit="joins",node=' in text
            assert re.search(r'rate_limited_total\{limit="joins",node="[^"]+"\} 2\.0', text)

    run(main())
    throttled = [r.getMessage() for r in caplog.records if "rate limit" in r.getMessage()]
    assert throttled and all("127.0.0.1" in m for m in throttled)


def test_connections_are_rate_limited(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_relay(tmp_path, connections_per_minute=3) as relay:
            for _ in range(3):
                await Client.connect(relay.url, Role.CUSTOMER)
            extra = await Client.connect(relay.url)
            await extra.expect_error(ErrorCode.TOO_MANY_CONNECTIONS)
            assert await extra.expect_closed() == 1008
            assert relay.metrics.rate_limited_connections_total == 1

    run(main())


def test_session_quota(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path, session_quota_bytes=10_000) as relay:
            agent, customer, _ = await pair(relay.url, token)
            await roundtrip(agent, customer, bytes(4000))
            await customer.send(Data(bytes(4000)))
            for side in (agent, customer):
                err = await side.expect_error(ErrorCode.QUOTA_EXCEEDED)
                assert "new session" in err.text
                assert await side.expect_closed() == 1008

    run(main())


def test_bandwidth_cap_slows_a_session(tmp_path: Path) -> None:
    token = add_agent(tmp_path)
    rate = 1_000_000

    async def main() -> None:
        async with running_relay(
            tmp_path, session_bandwidth_bytes_per_s=rate, max_message_bytes=65536
        ) as relay:
            agent, customer, _ = await pair(relay.url, token)
            msg = Data(bytes(60_000)).serialize()
            count = 40  # 2.4 MB: the first 1 MB is the burst, the rest at 1 MB/s
            start = time.monotonic()

            async def receive() -> None:
                for _ in range(count):
                    assert await agent.recv_raw() == msg

            receiver = asyncio.create_task(receive())
            for _ in range(count):
                await customer.send(msg)
            await receiver
            elapsed = time.monotonic() - start
            assert elapsed >= (count * len(msg) - rate) / rate * 0.8, elapsed

    run(main())


def _metric(url: str, name: str) -> float:
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    m = re.search(rf"^{re.escape(name)}\{{node=\"[^\"]+\"\}} (\S+)$", text, re.M)
    assert m, text
    return float(m.group(1))


def test_a_reader_that_stops_cannot_grow_relay_memory(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    token = add_agent(data_dir)
    # No bandwidth cap here: this is about a reader that stops, not a fast sender.
    env = {"ASSIST_RELAY_SESSION_BANDWIDTH_BYTES_PER_S": "0"}
    relay = RelayProcess(data_dir, "--metrics-port", "0", env=env)
    try:
        found = re.search(r"http://\S+/metrics", relay.startup_line)
        assert found, relay.startup_line
        run(_flood(relay, token, found.group(0)))
    finally:
        relay.stop()


async def _flood(relay: RelayProcess, token: str, metrics_url: str) -> None:
    # max_queue=1: the agent's own websocket library must not soak up the flood either.
    agent, customer, _ = await pair(relay.url, token, agent_options={"max_queue": 1})
    await establish(agent, customer)
    await roundtrip(agent, customer)
    baseline = peak = relay.rss_bytes()
    congestion: list[Congestion] = []

    async def watch() -> None:  # what the relay tells the sender
        while True:
            msg = parse(await customer.recv_raw(timeout=60), Layer.RELAY)
            assert isinstance(msg, Congestion), msg
            congestion.append(msg)

    async def sample() -> None:
        nonlocal peak
        while True:
            peak = max(peak, relay.rss_bytes())
            await asyncio.sleep(0.02)

    total, chunk = 96, (1 << 20) - 16  # 96 messages of ~1 MiB
    sent = 0

    async def flood() -> None:
        nonlocal sent
        for i in range(total):
            await customer.send(bytes([Kind.DATA]) + i.to_bytes(4, "big") + bytes(chunk))
            sent += 1

    watcher = asyncio.create_task(watch())
    sampler = asyncio.create_task(sample())
    flooder = asyncio.create_task(flood())
    await asyncio.sleep(2.0)
    # The sender is held back by TCP: it could not push everything at a reader that stopped.
    held_at = sent
    assert not flooder.done() and held_at < total * 2 // 3, held_at
    assert any(c.level == 3 for c in congestion), congestion
    await asyncio.sleep(0.6)  # the queued-bytes gauge is refreshed on the relay's tick
    queued = _metric(metrics_url, "assist_relay_queued_bytes")
    assert 0 < queued <= (4 << 20) + (1 << 20), queued
    grown = peak - baseline
    assert grown < 48 << 20, f"relay grew by {grown / (1 << 20):.1f} MiB"

    # The reader comes back: everything arrives, in order, and the congestion clears.
    start = time.monotonic()
    for i in range(total):
        raw = await agent.recv_raw(timeout=30)
        assert raw[1:5] == i.to_bytes(4, "big")
    await flooder
    elapsed = time.monotonic() - start
    async with asyncio.timeout(5):
        while congestion[-1].level != 0:
            await asyncio.sleep(0.01)
    sampler.cancel()
    watcher.cancel()
    assert _metric(metrics_url, "assist_relay_congestion_events_total") >= 2
    print(
        f"relay RSS grew {grown / (1 << 20):.1f} MiB while the reader stopped "
        f"(sender held at {held_at} MiB); drained {total} MiB in {elapsed:.2f} s"
    )


def test_a_reader_that_never_reads_again_is_dropped(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(
            tmp_path, write_timeout_s=0.5, session_bandwidth_bytes_per_s=0
        ) as relay:
            agent, customer, nameplate = await pair(
                relay.url, token, agent_options={"max_queue": 1}
            )
            agent_token, _ = await establish(agent, customer)
            chunk = bytes([Kind.DATA]) + bytes((1 << 20) - 16)

            async def flood() -> None:
                with contextlib.suppress(ConnectionClosed):
                    while True:
                        await customer.send(chunk)

            flooder = asyncio.create_task(flood())
            # The sender hears Congestion, then PeerAway once the stuck reader is dropped;
            # it is not blocked for good, and its Bye would be read again.
            heard: list[Message] = []
            while not heard or not isinstance(heard[-1], PeerAway):
                heard.append(await customer.recv(timeout=10))
            flooder.cancel()
            assert all(isinstance(m, Congestion) for m in heard[:-1]) and len(heard) > 1
            assert relay.metrics.stalled_connections_total == 1
            # The dropped side can still resume, as after any drop.
            back = await resume(relay.url, nameplate, Role.AGENT, agent_token)
            assert await back.expect(Resumed) == Resumed(True)

    run(main())
