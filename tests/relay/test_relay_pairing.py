"""The relay pairs an agent with a customer, forwards Data unchanged, and audits the session."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection

from common.errors import ErrorCode
from common.messages import (
    Auth,
    Bye,
    Create,
    Data,
    EndReason,
    Join,
    Paired,
    PairingFailed,
    PeerLeft,
    PeerLeftReason,
    Role,
)
from relay.store import Store
from tests.helpers.relay_harness import (
    Client,
    add_agent,
    agent_create,
    customer_join,
    establish,
    pair,
    roundtrip,
    run,
    running_relay,
)


def audit(data_dir: Path) -> list:  # type: ignore[type-arg]
    store = Store.open(data_dir)
    try:
        return store.sessions()
    finally:
        store.close()


def test_pairing_and_forwarding(tmp_path: Path) -> None:
    token = add_agent(tmp_path, "alice", "Alice Agent", "Acme Support")

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, nameplate = await agent_create(relay.url, token)
            assert len(nameplate) == 3 and nameplate.isdigit()
            customer = await customer_join(relay.url, nameplate)
            # The customer learns who is helping from the relay's records.
            assert await customer.expect(Paired) == Paired("Alice Agent", "Acme Support")
            await agent.expect(Paired)

            rng = random.Random(1)
            sizes = [1, 2, 100, 65536, 500_000, 3, 1 << 19] + [
                rng.randrange(1, 4096) for _ in range(60)
            ]
            a2c = [Data(rng.randbytes(n)).serialize() for n in sizes]
            c2a = [Data(rng.randbytes(n)).serialize() for n in reversed(sizes)]

            async def send_all(client: Client, msgs: list[bytes]) -> None:
                for m in msgs:
                    await client.send(m)

            async def recv_all(client: Client, n: int) -> list[bytes]:
                return [await client.recv_raw() for _ in range(n)]

            _, _, got_c, got_a = await asyncio.gather(
                send_all(agent, a2c),
                send_all(customer, c2a),
                recv_all(customer, len(a2c)),
                recv_all(agent, len(c2a)),
            )
            assert got_c == a2c  # same bytes, same order
            assert got_a == c2a
            await establish(agent, customer)
            await roundtrip(agent, customer)

            await agent.send(Bye(EndReason.AGENT_ENDED))
            assert await customer.expect(PeerLeft) == PeerLeft(PeerLeftReason.LEFT)
            assert await customer.expect_closed() == 1000
            assert await agent.expect_closed() == 1000
            assert relay.metrics.sessions_ended_total == 1

        (row,) = audit(tmp_path)
        assert row.agent == "alice" and row.nameplate == nameplate
        assert row.end_reason == "agent_ended"
        assert row.paired is not None and row.established is not None
        assert row.ended is not None and row.duration_s is not None and row.duration_s >= 0
        assert row.bytes_agent_to_customer == sum(map(len, a2c)) + 5
        assert row.bytes_customer_to_agent == sum(map(len, c2a)) + 5

    run(main())


def test_only_an_authenticated_agent_can_create(tmp_path: Path) -> None:
    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent = await Client.connect(relay.url, Role.AGENT)
            await agent.send(Create())
            await agent.expect_error(ErrorCode.NOT_AUTHORIZED)
            assert await agent.expect_closed() == 1008

            customer = await Client.connect(relay.url, Role.CUSTOMER)
            await customer.send(Create())
            await customer.expect_error(ErrorCode.NOT_AUTHORIZED)
            assert await customer.expect_closed() == 1008

            silent = await Client.connect(relay.url)
            await silent.send(Join("123"))  # before Hello
            await silent.expect_error(ErrorCode.PROTOCOL)
            assert await silent.expect_closed() == 1008

    run(main())


def test_bad_or_removed_token_refused(tmp_path: Path) -> None:
    token = add_agent(tmp_path, "alice")
    other = add_agent(tmp_path, "bob")

    async def sign_in(url: str, tok: str) -> Client:
        agent = await Client.connect(url, Role.AGENT)
        await agent.send(Auth(tok, bytes(32)))
        return agent

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            for bad in (
                "",
                "nonsense",
                token[:-1] + ("A" if token[-1] != "A" else "B"),
                other + "x",
            ):
                agent = await sign_in(relay.url, bad)
                err = await agent.expect_error(ErrorCode.BAD_TOKEN)
                assert "token" in err.text
                assert await agent.expect_closed() == 1008

            # Signed in, then removed by the admin: the next Create is refused at once.
            signed_in = await sign_in(relay.url, token)
            await signed_in.expect_kind(4)
            store = Store.open(tmp_path)
            store.remove_agent("alice")
            new_bob = store.reset_token("bob")
            store.close()
            await signed_in.send(Create())
            await signed_in.expect_error(ErrorCode.BAD_TOKEN)

            for stale in (token, other):
                agent = await sign_in(relay.url, stale)
                await agent.expect_error(ErrorCode.BAD_TOKEN)
            agent, _ = await agent_create(relay.url, new_bob)
            await agent.close()
            assert relay.metrics.auth_failures_total == 7

    run(main())


def test_wrong_code_burns_the_nameplate(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer, nameplate = await pair(relay.url, token)
            await customer.send(PairingFailed())  # its key confirmation failed
            assert await agent.expect(PeerLeft) == PeerLeft(PeerLeftReason.PAIRING_FAILED)
            assert await agent.expect_closed() == 1000
            assert await customer.expect_closed() == 1000

            # The nameplate can never be joined again, though it existed.
            again = await customer_join(relay.url, nameplate)
            await again.expect_error(ErrorCode.CODE_BURNED)
            # ... and is not handed out again while remembered.
            fresh = [await agent_create(relay.url, token) for _ in range(20)]
            assert nameplate not in {n for _, n in fresh}
            assert relay.metrics.pairing_failures_total == 1

        assert audit(tmp_path)[0].end_reason == "pairing_failed"

    run(main())


def test_crowded_nameplate_is_refused(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            # Before key confirmation: the intruder is refused and the session is closed,
            # since someone else knows the nameplate.
            agent, customer, nameplate = await pair(relay.url, token)
            intruder = await customer_join(relay.url, nameplate)
            err = await intruder.expect_error(ErrorCode.NAMEPLATE_IN_USE)
            assert "already in use" in err.text
            for side in (agent, customer):
                assert await side.expect(PeerLeft) == PeerLeft(PeerLeftReason.INTRUDER)
                assert await side.expect_closed() == 1000

            # After key confirmation: the intruder is refused, the session carries on.
            agent, customer, nameplate = await pair(relay.url, token)
            await establish(agent, customer)
            await roundtrip(agent, customer)
            intruder = await customer_join(relay.url, nameplate)
            await intruder.expect_error(ErrorCode.NAMEPLATE_IN_USE)
            await roundtrip(agent, customer)
            await agent.expect_silence()
            assert relay.metrics.intruders_total == 2

        reasons = [row.end_reason for row in audit(tmp_path)]
        assert reasons == ["intruder", "relay_shutdown"]

    run(main())


def test_unclaimed_nameplate_expires(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path, nameplate_ttl_s=0.3) as relay:
            agent, nameplate = await agent_create(relay.url, token)
            await agent.expect_error(ErrorCode.NAMEPLATE_EXPIRED)
            assert await agent.expect_closed() == 1000
            late = await customer_join(relay.url, nameplate)
            err = await late.expect_error(ErrorCode.NAMEPLATE_EXPIRED)
            assert "expired" in err.text
            assert relay.metrics.sessions_open == 0

        (row,) = audit(tmp_path)
        assert row.end_reason == "expired" and row.paired is None

    run(main())


def test_bye_from_the_customer(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer, _ = await pair(relay.url, token)
            await establish(agent, customer)
            await customer.send(Bye(EndReason.DECLINED))
            assert await agent.expect(PeerLeft) == PeerLeft(PeerLeftReason.LEFT)
            assert await agent.expect_closed() == 1000

        assert audit(tmp_path)[0].end_reason == "declined"

    run(main())


def test_drop_before_confirmation_ends_the_session(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer, nameplate = await pair(relay.url, token)
            customer.drop()
            assert await agent.expect(PeerLeft) == PeerLeft(PeerLeftReason.TIMED_OUT)
            again = await customer_join(relay.url, nameplate)
            await again.expect_error(ErrorCode.NAMEPLATE_UNKNOWN)

        assert audit(tmp_path)[0].end_reason == "dropped"

    run(main())


def test_max_sessions(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path, max_sessions=2) as relay:
            await agent_create(relay.url, token)
            await agent_create(relay.url, token)
            agent = await Client.connect(relay.url, Role.AGENT)
            await agent.send(Auth(token, bytes(32)))
            await agent.expect_kind(4)
            await agent.send(Create())
            err = await agent.expect_error(ErrorCode.TOO_MANY_SESSIONS)
            assert "full" in err.text

    run(main())


def test_data_is_forwarded_as_the_same_bytes_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No parsing, no re-encoding, no copy: what websockets handed the relay goes out."""
    token = add_agent(tmp_path)
    received: list[bytes] = []
    sent: list[object] = []
    original_aiter = ServerConnection.__aiter__
    original_send = ServerConnection.send

    async def recording_aiter(self: ServerConnection) -> AsyncIterator[bytes | str]:
        async for raw in original_aiter(self):
            received.append(raw)  # type: ignore[arg-type]
            yield raw

    async def recording_send(self: ServerConnection, message: object, *a: object) -> None:
        sent.append(message)
        await original_send(self, message, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(ServerConnection, "__aiter__", recording_aiter)
    monkeypatch.setattr(ServerConnection, "send", recording_send)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer, _ = await pair(relay.url, token)
            payload = Data(b"\x42" * 70_000).serialize()
            await agent.send(payload)
            assert await customer.recv_raw() == payload

    run(main())
    (incoming,) = [r for r in received if isinstance(r, bytes) and len(r) > 60_000]
    assert any(s is incoming for s in sent)
