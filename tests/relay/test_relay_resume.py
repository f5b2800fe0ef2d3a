"""A dropped connection can pick an established session up again within the grace period."""

from __future__ import annotations

from pathlib import Path

from common.errors import ErrorCode
from common.messages import (
    Data,
    Note,
    PeerAway,
    PeerBack,
    PeerLeft,
    PeerLeftReason,
    Resumed,
    Role,
)
from relay.store import Store
from tests.helpers.relay_harness import (
    add_agent,
    establish,
    pair,
    resume,
    roundtrip,
    run,
    running_relay,
)


def test_resume_after_a_dropped_connection(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer, nameplate = await pair(relay.url, token)
            agent_token, customer_token = await establish(agent, customer)
            await roundtrip(agent, customer)

            customer.drop()
            assert await agent.expect(PeerAway) == PeerAway(30)
            # Data for a side that is away is dropped: the end-to-end layer resends it.
            await agent.send(Data(b"lost while away"))

            customer = await resume(relay.url, nameplate, Role.CUSTOMER, customer_token)
            assert await customer.expect(Resumed) == Resumed(True)
            await agent.expect(PeerBack)
            await roundtrip(agent, customer, b"after the resume")

            # The agent's side can drop and come back the same way.
            agent.drop()
            await customer.expect(PeerAway)
            agent = await resume(relay.url, nameplate, Role.AGENT, agent_token)
            assert await agent.expect(Resumed) == Resumed(True)
            await customer.expect(PeerBack)
            await roundtrip(agent, customer)
            assert relay.metrics.resumes_total == 2
            # A connection that resumed never signed in again: its notes still count as
            # the session's agent's (and the session goes on).
            await agent.send(Note("", "Wi-Fi driver reinstalled", 1, "wifi"))
            await roundtrip(agent, customer)

        store = Store.open(tmp_path)
        (row,) = store.sessions()
        contact = store.records.by_session(row.id)
        assert contact is not None and contact.resolved is True and contact.tags == "wifi"
        assert [n.text for n in store.records.notes(contact.id)] == ["Wi-Fi driver reinstalled"]
        store.close()
        assert row.resumes == 2 and row.end_reason == "relay_shutdown"

    run(main())


def test_resume_replaces_a_silently_dead_connection(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer, nameplate = await pair(relay.url, token)
            _, customer_token = await establish(agent, customer)
            await roundtrip(agent, customer)
            # The customer's network changed; the relay has not noticed the old socket die.
            fresh = await resume(relay.url, nameplate, Role.CUSTOMER, customer_token)
            assert await fresh.expect(Resumed) == Resumed(True)
            await agent.expect(PeerAway)  # always before PeerBack, so the agent resyncs
            await agent.expect(PeerBack)
            assert await customer.expect_closed() == 1000
            await roundtrip(agent, fresh)

    run(main())


def test_resume_refused(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer, nameplate = await pair(relay.url, token)
            # Not established yet: there is nothing to resume.
            early = await resume(relay.url, nameplate, Role.CUSTOMER, bytes(32))
            await early.expect_error(ErrorCode.RESUME_FAILED)
            agent_token, customer_token = await establish(agent, customer)
            await roundtrip(agent, customer)
            attempts = [
                (nameplate, Role.CUSTOMER, bytes(32)),  # a guess
                (nameplate, Role.CUSTOMER, agent_token),  # the other side's token
                (nameplate, Role.AGENT, customer_token),
                ("999999", Role.CUSTOMER, customer_token),  # no such session
            ]
            for plate, role, tok in attempts:
                client = await resume(relay.url, plate, role, tok)
                err = await client.expect_error(ErrorCode.RESUME_FAILED)
                assert "new code" in err.text
                assert await client.expect_closed() == 1008
            # None of that disturbed the session.
            await roundtrip(agent, customer)
            await agent.expect_silence()
            assert relay.metrics.resume_failures_total == 5

    run(main())


def test_grace_period_runs_out(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path, grace_s=0.3) as relay:
            agent, customer, nameplate = await pair(relay.url, token)
            _, customer_token = await establish(agent, customer)
            customer.drop()
            assert await agent.expect(PeerAway) == PeerAway(1)
            assert await agent.expect(PeerLeft) == PeerLeft(PeerLeftReason.TIMED_OUT)
            assert await agent.expect_closed() == 1000
            late = await resume(relay.url, nameplate, Role.CUSTOMER, customer_token)
            await late.expect_error(ErrorCode.RESUME_FAILED)

        store = Store.open(tmp_path)
        (row,) = store.sessions()
        store.close()
        assert row.end_reason == "timed_out"

    run(main())


def test_both_sides_drop_and_come_back(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer, nameplate = await pair(relay.url, token)
            agent_token, customer_token = await establish(agent, customer)
            customer.drop()
            await agent.expect(PeerAway)
            agent.drop()
            customer = await resume(relay.url, nameplate, Role.CUSTOMER, customer_token)
            assert await customer.expect(Resumed) == Resumed(False)
            agent = await resume(relay.url, nameplate, Role.AGENT, agent_token)
            assert await agent.expect(Resumed) == Resumed(True)
            await customer.expect(PeerBack)
            await roundtrip(agent, customer)

    run(main())
