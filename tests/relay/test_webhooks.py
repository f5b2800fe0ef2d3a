"""API tokens and webhooks: the outbox on SQLite and PostgreSQL, and the sender
against a real HTTP receiver on loopback (signatures, retries with back-off, a dead
receiver, nothing lost)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from relay import integrations as integ
from relay.store import Store, StoreError
from relay.webhooks import WebhookSender
from tests.helpers.relay_harness import run

T0 = 1_800_000_000.0


@pytest.fixture
def store(tmp_path: Path, database_url: str) -> Iterator[Store]:
    s = Store.open(tmp_path, database_url)
    s.add_agent("minji", "Kim Minji", "Acme")
    yield s
    s.close()


def _ask(store: Store, ticket: str, at: float) -> None:
    store.contact_asked(
        ticket, queue="billing", installation="inst-0001", name="Hong 홍길동",
        contact="010-1234-5678", topic="Refund", at=at,
    )  # fmt: skip


def test_api_tokens_carry_scopes_and_can_be_revoked(store: Store) -> None:
    ints = store.integrations
    token = ints.add_token("CRM", ["contacts:read", "reports:read"], "ada")
    row = ints.check_token(token)
    assert row is not None and row.scopes == ("contacts:read", "reports:read")
    assert ints.check_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert ints.check_token("at1_nothing.here") is None and ints.check_token("") is None
    with pytest.raises(StoreError, match="scopes are some of"):
        ints.add_token("x", ["everything"], "ada")
    ints.revoke_token(row.id)
    assert ints.check_token(token) is None
    with pytest.raises(StoreError, match="no API token"):
        ints.revoke_token(row.id)


def test_events_are_written_with_the_contact_in_one_transaction(store: Store) -> None:
    ints = store.integrations
    hook = ints.add_hook("https://crm.example.org/hooks", ["contact.ended", "survey.answered"])
    every = ints.add_hook("http://127.0.0.1:9/all", list(integ.EVENTS))
    ints.set_hook_active(every.id, False)  # a paused hook gets nothing
    _ask(store, "t1", T0)
    store.session_started("s1", "minji", "1", T0 + 5, contact="t1")
    store.records.add_note("t1", "minji", "Refunded", T0 + 6)
    store.session_ended("s1", T0 + 65, "agent_left", 0, 0, 0)
    store.session_ended("s1", T0 + 99, "agent_left", 0, 0, 0)  # a repeat: no second event
    store.records.set_survey("t1", 4, "quick", T0 + 100)
    store.add_callback(
        queue="billing",
        installation="inst-0002",
        name="Lee",
        contact="lee@example.org",
        channel="phone",
        description="x",
        window=(T0, T0 + 60),
        asked=T0,
    )  # fmt: skip — no subscriber for callback.requested
    rows, total = ints.deliveries()
    assert total == 2 and {d.hook for d in rows} == {hook.id}
    ended = next(json.loads(d.payload) for d in rows if d.event == "contact.ended")
    data = ended["data"]
    assert ended["event"] == "contact.ended" and data["id"] == "t1" and data["state"] == "ended"
    assert data["customer_name"] == "Hong 홍길동" and data["handle_s"] == 60
    assert data["notes"][0]["text"] == "Refunded" and data["agents"] == ["minji"]
    assert "screen" not in json.dumps(data)  # nothing the session carried
    survey = next(json.loads(d.payload) for d in rows if d.event == "survey.answered")
    assert survey["data"]["satisfaction"] == 4


def test_claims_lease_retry_with_back_off_then_fail_and_can_be_sent_again(store: Store) -> None:
    ints = store.integrations
    ints.add_hook("https://crm.example.org/hooks", ["contact.ended"])
    _ask(store, "t1", T0)
    store.contact_left("t1", "abandoned", T0 + 1)
    [d] = ints.claim(T0 + 2)
    assert ints.claim(T0 + 2) == []  # leased: another node does not take it
    assert len(ints.claim(T0 + 2 + integ.LEASE_S)) == 1  # ... until the lease runs out
    now = T0 + 100
    for wait in integ.BACKOFF_S:
        assert ints.attempted(d.id, 500, "server error", now) == "pending"
        assert ints.claim(now + wait - 1) == []
        assert [x.id for x in ints.claim(now + wait)] == [d.id]
        now += wait
    assert ints.attempted(d.id, None, "ConnectionRefusedError", now) == "failed"
    [logged], _ = ints.deliveries(state="failed")
    assert logged.attempts == len(integ.BACKOFF_S) + 1 and "Refused" in logged.last_error
    ints.send_again(d.id, now)
    assert [x.id for x in ints.claim(now)] == [d.id]
    assert ints.attempted(d.id, 204, "", now) == "delivered" and ints.backlog() == 0


class Receiver:
    """A CRM's webhook endpoint on loopback: checks signatures like docs/integration.md."""

    def __init__(self, secret: str = "", fail_first: int = 0, delay_s: float = 0.0) -> None:
        self.secret = secret
        self.fail_first = fail_first
        self.delay_s = delay_s
        self.got: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.calls = 0
        self.bad_signatures = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        body = await request.read()
        t, v1 = (p.split("=", 1)[1] for p in request.headers["Assist-Signature"].split(","))
        expected = hmac.new(self.secret.encode(), f"{t}.".encode() + body, hashlib.sha256)
        if not hmac.compare_digest(expected.hexdigest(), v1) or abs(time.time() - int(t)) > 300:
            self.bad_signatures += 1
            return web.Response(status=401)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=503, text="busy")
        delivery = request.headers["Assist-Delivery"]
        if delivery not in self.seen:  # a repeat is acknowledged, not processed twice
            self.seen.add(delivery)
            self.got.append(json.loads(body))
        return web.Response(status=204)

    async def start(self) -> tuple[web.AppRunner, str]:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/hook"


def test_the_sender_signs_retries_and_delivers_each_event_once(tmp_path: Path) -> None:
    store = Store.open(tmp_path)

    async def main() -> None:
        receiver = Receiver(fail_first=1)
        runner, url = await receiver.start()
        hook = store.integrations.add_hook(url, ["contact.ended"])
        receiver.secret = hook.secret
        dead = store.integrations.add_hook("http://127.0.0.1:9/nobody", ["contact.ended"])
        for i in range(30):
            _ask(store, f"t{i}", time.time())
            store.contact_left(f"t{i}", "abandoned", time.time())
        sender = WebhookSender(store.integrations)
        task = asyncio.create_task(sender.run())
        try:
            async with asyncio.timeout(20):
                while len(receiver.got) < 29:  # the first was refused once: due in 10 s
                    await asyncio.sleep(0.05)
            assert receiver.bad_signatures == 0
            # The refused one is pending with its back-off; the dead receiver's too.
            pending, _ = store.integrations.deliveries(state="pending")
            assert {d.hook for d in pending} == {hook.id, dead.id}
            assert all(d.last_status in (503, None) for d in pending)
            ours = next(d for d in pending if d.hook == hook.id)
            store.integrations.send_again(ours.id, time.time())
            async with asyncio.timeout(10):
                while len(receiver.got) < 30:
                    await asyncio.sleep(0.05)
            assert sorted(e["data"]["id"] for e in receiver.got) == sorted(
                f"t{i}" for i in range(30)
            )
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await runner.cleanup()

    try:
        run(main())
    finally:
        store.close()


def test_a_slow_receiver_does_not_hold_up_the_event_loop(tmp_path: Path) -> None:
    """Sixty deliveries to a receiver that takes a second each: the loop keeps ticking."""
    store = Store.open(tmp_path)

    async def main() -> None:
        receiver = Receiver(delay_s=1.0)
        runner, url = await receiver.start()
        receiver.secret = store.integrations.add_hook(url, ["contact.ended"]).secret
        for i in range(60):
            _ask(store, f"t{i}", time.time())
            store.contact_left(f"t{i}", "abandoned", time.time())
        sender = WebhookSender(store.integrations)
        task = asyncio.create_task(sender.run())
        worst = 0.0
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(30):
                while len(receiver.got) < 60:
                    before = loop.time()
                    await asyncio.sleep(0.01)
                    worst = max(worst, loop.time() - before - 0.01)
            assert worst < 0.2, worst
        finally:
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await runner.cleanup()

    try:
        run(main())
    finally:
        store.close()
