"""The relay with the real end-to-end channel: it forwards ciphertext it cannot read.

The relay runs as a process with DEBUG logging; afterwards every byte it logged
and stored is searched for what the endpoints said to each other.
"""

from __future__ import annotations

import contextlib
import signal
import time
from pathlib import Path

from websockets.exceptions import ConnectionClosed

from common.channel import Handshake, SecureChannel
from common.codes import SessionCode, make_code, parse_code
from common.errors import ErrorCode, WrongCodeError
from common.messages import (
    Chat,
    Codec,
    Data,
    Frame,
    Layer,
    Message,
    PairingFailed,
    PeerAway,
    PeerBack,
    PeerLeft,
    PeerLeftReason,
    Resumed,
    ResumeSync,
    Role,
    Tile,
    parse,
)
from tests.helpers.relay_harness import (
    Client,
    RelayProcess,
    agent_create,
    cli,
    customer_join,
    resume,
    run,
)

MARKER = b"MARKER-e2e-7f3a9c-pixels"
CHAT_MARKER = "MARKER-e2e-chat-c0ffee"


async def handshake(client: Client, hs: Handshake) -> SecureChannel:
    """One side of pairing over the relay; on a wrong code, says PairingFailed and raises."""
    await client.send(Data(hs.start().serialize()))
    pake = parse((await client.expect(Data)).payload, Layer.E2E)
    await client.send(Data(hs.receive_pake(pake).serialize()))  # type: ignore[arg-type]
    confirm = parse((await client.expect(Data)).payload, Layer.E2E)
    try:
        channel = hs.receive_confirm(confirm)  # type: ignore[arg-type]
    except WrongCodeError:
        with contextlib.suppress(ConnectionClosed):
            await client.send(PairingFailed())
        raise
    await client.send(hs.established())
    return channel


async def send_sealed(client: Client, channel: SecureChannel, msg: Message) -> bytes:
    payload = channel.seal(msg)
    assert payload is not None
    wire = Data(payload).serialize()
    await client.send(wire)
    return wire


async def open_sealed(client: Client, channel: SecureChannel) -> tuple[bytes, Message]:
    raw = await client.recv_raw()
    msg = channel.open_payload(parse(raw, Layer.RELAY).payload)  # type: ignore[attr-defined]
    assert msg is not None
    return raw, msg


def frame_with(data: bytes) -> Frame:
    tile = Tile(0, 0, 64, 4, Codec.ZLIB, data)
    return Frame(1, time.time_ns(), 1920, 1080, True, True, (), (tile,), 10, 10)


async def start_session(
    url: str, token: str, customer_types: str | None = None
) -> tuple[Client, Client, SessionCode, Handshake, Handshake]:
    agent, nameplate = await agent_create(url, token)
    code = make_code(nameplate)  # the agent's app adds the secret
    typed = parse_code(customer_types or code.display())  # the customer reads it out
    customer = await customer_join(url, typed.nameplate)  # only the nameplate goes to the relay
    await agent.expect_kind(8)  # Paired
    await customer.expect_kind(8)
    return agent, customer, code, Handshake(Role.AGENT, code), Handshake(Role.CUSTOMER, typed)


def test_relay_is_blind(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    relay = RelayProcess(data_dir, "--log-level", "DEBUG")
    secrets_seen: list[bytes] = []
    try:
        token = cli(data_dir, "agent", "add", "alice", "--org", "Acme").splitlines()[-1]

        async def main() -> None:
            agent, customer, code, agent_hs, customer_hs = await start_session(relay.url, token)
            import asyncio

            agent_ch, customer_ch = await asyncio.gather(
                handshake(agent, agent_hs), handshake(customer, customer_hs)
            )
            secrets_seen.extend(
                [agent_hs.resume_token(Role.AGENT), agent_hs.resume_token(Role.CUSTOMER)]
            )

            # Frame bytes, customer -> agent.
            frame = frame_with(b"\x00" * 100 + MARKER + b"\xff" * 100)
            sent = await send_sealed(customer, customer_ch, frame)
            forwarded, opened = await open_sealed(agent, agent_ch)
            assert opened == frame  # the agent sees the pixels ...
            assert forwarded == sent  # ... the relay forwarded the bytes unchanged ...
            assert MARKER not in forwarded  # ... and they were ciphertext all the way
            assert forwarded != Data(frame.serialize()).serialize()

            # A chat line, agent -> customer.
            chat = Chat(1, f"Click the blue button {CHAT_MARKER}", 1234)
            sent = await send_sealed(agent, agent_ch, chat)
            forwarded, opened = await open_sealed(customer, customer_ch)
            assert opened == chat
            assert forwarded == sent
            assert CHAT_MARKER.encode() not in forwarded

        run(main())
    finally:
        exit_code, _ = relay.stop()
    assert exit_code == 0

    stored = b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file())
    logged = relay.logs().encode()
    assert b"session" in logged and b"established" in logged  # DEBUG logs were written
    assert len(stored) > 0
    needles = [MARKER, MARKER.hex().encode(), CHAT_MARKER.encode(), CHAT_MARKER.encode("utf-16-le")]
    for secret in secrets_seen:  # nor the resume tokens, in any common form
        needles += [secret, secret.hex().encode()]
    for needle in needles:
        assert needle not in logged, needle
        assert needle not in stored, needle


def test_wrong_code_fails_on_both_sides_and_burns_the_nameplate(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    relay = RelayProcess(data_dir)
    try:
        token = cli(data_dir, "agent", "add", "alice").splitlines()[-1]

        async def main() -> None:
            import asyncio

            agent, nameplate = await agent_create(relay.url, token)
            right = make_code(nameplate, "51930")
            # Two digits misheard in a way the check digit cannot catch (a different,
            # valid code): the PAKE must still fail and burn the nameplate.
            wrong = make_code(nameplate, "51931")
            customer = await customer_join(relay.url, wrong.nameplate)
            await agent.expect_kind(8)
            await customer.expect_kind(8)
            results = await asyncio.gather(
                handshake(agent, Handshake(Role.AGENT, right)),
                handshake(customer, Handshake(Role.CUSTOMER, wrong)),
                return_exceptions=True,
            )
            assert all(isinstance(r, WrongCodeError) for r in results), results
            # The side whose PairingFailed reached the relay first is simply closed; the
            # other may hear PeerLeft(PAIRING_FAILED) first. Nothing else arrives.
            for side in (agent, customer):
                heard = []
                with contextlib.suppress(ConnectionClosed):
                    while True:
                        heard.append(await side.recv())
                assert heard in ([], [PeerLeft(PeerLeftReason.PAIRING_FAILED)]), heard
                assert side.ws.close_code == 1000

            # Even with the right code now, the nameplate is gone.
            late = await customer_join(relay.url, right.nameplate)
            await late.expect_error(ErrorCode.CODE_BURNED)

        run(main())
        assert '"end_reason": "pairing_failed"' in cli(data_dir, "sessions", "--json")
    finally:
        relay.stop(signal.SIGINT)


def test_session_continues_after_a_drop_without_a_new_code(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    relay = RelayProcess(data_dir)
    try:
        token = cli(data_dir, "agent", "add", "alice").splitlines()[-1]

        async def resync(client: Client, channel: SecureChannel) -> None:
            """Both sides say where they are; each resends what the other missed."""
            await client.send(Data(channel.resume_sync().serialize()))
            theirs = parse((await client.expect(Data)).payload, Layer.E2E)
            assert isinstance(theirs, ResumeSync)
            for payload in channel.receive_resume_sync(theirs):
                await client.send(Data(payload))

        async def main() -> None:
            import asyncio

            agent, customer, code, agent_hs, customer_hs = await start_session(relay.url, token)
            agent_ch, customer_ch = await asyncio.gather(
                handshake(agent, agent_hs), handshake(customer, customer_hs)
            )
            await send_sealed(agent, agent_ch, Chat(1, "before", 1))
            assert (await open_sealed(customer, customer_ch))[1] == Chat(1, "before", 1)

            customer.drop()
            await agent.expect(PeerAway)
            agent_ch.suspend()
            customer_ch.suspend()
            # Sealed while the customer is away: held by the agent's channel, not lost.
            assert agent_ch.seal(Chat(2, "while you were away", 2)) is None

            customer = await resume(
                relay.url, code.nameplate, Role.CUSTOMER, customer_hs.resume_token()
            )
            assert await customer.expect(Resumed) == Resumed(True)
            await agent.expect(PeerBack)
            await asyncio.gather(resync(agent, agent_ch), resync(customer, customer_ch))
            # "before" was acknowledged by nobody, so it is resent too; the channel skips
            # nothing and repeats nothing: the customer's receive counter says where to start.
            _, msg = await open_sealed(customer, customer_ch)
            assert msg == Chat(2, "while you were away", 2)

        run(main())
    finally:
        relay.stop()
