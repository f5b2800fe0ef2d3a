"""The help desk on a real relay (in process, port 0): places kept over a restart,
callbacks booked and recorded in the database, the agents' lists."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from pathlib import Path
from typing import TypeVar

from common.messages import (
    NAMEPLATE_CONTACT,
    Ask,
    Auth,
    AuthOk,
    Back,
    Bye,
    CallbackBooked,
    CallbackList,
    CallbackOutcome,
    CallMe,
    DeskRefused,
    EndReason,
    History,
    Leave,
    ListQueues,
    ListWindows,
    Message,
    Note,
    Outcome,
    Paired,
    Presence,
    PresenceState,
    Queues,
    Role,
    Standing,
    Survey,
    Take,
    Took,
    WaitingList,
    Windows,
)
from relay.store import Store
from tests.helpers.relay_harness import (
    Client,
    add_agent,
    establish,
    pair,
    run,
    running_relay,
)

M = TypeVar("M", bound=Message)

DESK = """
zone = "UTC"
[[queue]]
id = "internet"
name = "Internet"
name_ko = "인터넷"
teams = ["network"]
"""


async def next_of(client: Client, cls: type[M]) -> M:
    """The next message of this kind (a desk also hears who of its colleagues is in)."""
    for _ in range(20):
        msg = await client.recv()
        if isinstance(msg, cls):
            return msg
    raise AssertionError(f"no {cls.__name__}")


def desk_file(tmp_path: Path) -> Path:
    path = tmp_path / "desk.toml"
    path.write_text(DESK, encoding="utf-8")
    return path


def ask(installation: str, secret: bytes) -> Ask:
    return Ask(
        "internet", "fp", installation, "Park Jiwoo 박지우", "010-1234-5678", "끊겨요", "",
        os.urandom(32), os.urandom(16), hashlib.sha256(secret).digest(),
    )  # fmt: skip


def test_a_relay_restart_keeps_the_waiting_customers_places(tmp_path: Path) -> None:
    data, desk = tmp_path / "relay", desk_file(tmp_path)
    first, second = os.urandom(32), os.urandom(32)

    async def before() -> tuple[str, str]:
        async with running_relay(data, desk_file=desk) as relay:
            a = await Client.connect(relay.url, Role.CUSTOMER)
            await a.send(ask("inst-aaaa0001", first))
            ta = (await a.expect(Standing)).ticket
            b = await Client.connect(relay.url, Role.CUSTOMER)
            await b.send(ask("inst-bbbb0002", second))
            stood = await b.expect(Standing)
            assert stood.position == 2
            return ta, stood.ticket

    ta, tb = run(before())

    async def after() -> None:
        async with running_relay(data, desk_file=desk) as relay:
            b = await Client.connect(relay.url, Role.CUSTOMER)
            await b.send(Back(tb, second))
            assert (await b.expect(Standing)).position == 2  # still behind the first
            a = await Client.connect(relay.url, Role.CUSTOMER)
            await a.send(Back(ta, os.urandom(32)))  # someone with the ticket, not the secret
            refused = await a.recv()
            assert getattr(refused, "reason", "") == "LOST_PLACE"
            a2 = await Client.connect(relay.url, Role.CUSTOMER)
            await a2.send(Back(ta, first))
            assert (await a2.expect(Standing)).position == 1

    run(after())


def test_a_callback_booked_in_the_app_reaches_the_agents_list_and_its_outcome_is_kept(
    tmp_path: Path,
) -> None:
    data, desk = tmp_path / "relay", desk_file(tmp_path)
    token = add_agent(data, "minji", "Kim Minji", "Acme")
    store = Store.open(data)
    store.set_team("minji", "network")
    store.close()

    async def main() -> None:
        async with running_relay(data, desk_file=desk) as relay:
            agent = await Client.connect(relay.url, Role.AGENT)
            await agent.send(Auth(token, os.urandom(32)))
            await agent.expect(AuthOk)
            await agent.send(Presence(PresenceState.AVAILABLE))
            assert (await next_of(agent, WaitingList)).items == ()
            assert (await next_of(agent, CallbackList)).items == ()
            form = await Client.connect(relay.url, Role.CUSTOMER)
            await form.send(ListQueues())
            (queue,) = (await form.expect(Queues)).queues
            assert (queue.id, queue.name_ko, queue.open) == ("internet", "인터넷", True)
            await form.send(ListWindows("internet"))
            windows = await form.expect(Windows)
            assert windows.starts and windows.minutes == 30
            await form.send(
                CallMe("internet", "inst-cccc0003", "Park Jiwoo", "010-1234-5678", "요금",
                       windows.starts[0], False)
            )  # fmt: skip
            booked = await form.expect(CallbackBooked)
            assert booked.window_start == windows.starts[0]
            listed = await next_of(agent, CallbackList)
            assert [c.id for c in listed.items] == [booked.id]
            later = windows.starts[1]
            await agent.send(CallbackOutcome(booked.id, Outcome.RESCHEDULED, later, "busy now"))
            moved = await next_of(agent, CallbackList)
            assert [c.window_start for c in moved.items] == [later]
            await agent.send(CallbackOutcome(booked.id, Outcome.RESCHEDULED, later + 7, ""))
            refused = await next_of(agent, DeskRefused)  # not a window the desk offers
            assert refused.reason == "NOT_OFFERED"
            await agent.send(CallbackOutcome(booked.id, Outcome.DONE, 0, "fixed the bill"))
            assert (await next_of(agent, CallbackList)).items == ()

    run(main())
    store = Store.open(data)
    try:
        (row,) = store.callbacks(state=None)
        assert (row.state, row.agent, row.note) == ("done", "minji", "fixed the bill")
    finally:
        store.close()


def test_every_contact_is_on_record_from_ask_to_end(tmp_path: Path) -> None:
    """What the console and the reports read: a customer taken by an agent is one
    contact with its wait and its end; a customer who left the queue is abandoned."""
    data, desk = tmp_path / "relay", desk_file(tmp_path)
    token = add_agent(data, "minji", "Kim Minji", "Acme")
    store = Store.open(data)
    store.set_team("minji", "network")
    store.contact_asked(
        "old", queue="internet", installation="inst-bbbb0002", name="Park", contact="",
        topic="old printer", at=time.time() - 86400,
    )  # fmt: skip
    store.records.add_note("old", "minji", "Swapped it", time.time() - 86000)
    store.records.set_outcome("old", resolved=True, tags="", at=time.time())
    store.close()

    async def main() -> tuple[str, str]:
        async with running_relay(data, desk_file=desk) as relay:
            first = await Client.connect(relay.url, Role.CUSTOMER)
            await first.send(ask("inst-aaaa0001", os.urandom(32)))
            gone = (await first.expect(Standing)).ticket
            second = await Client.connect(relay.url, Role.CUSTOMER)
            await second.send(ask("inst-bbbb0002", os.urandom(32)))
            served = (await second.expect(Standing)).ticket
            await first.send(Leave())
            agent = await Client.connect(relay.url, Role.AGENT)
            await agent.send(Auth(token, os.urandom(32)))
            await agent.expect(AuthOk)
            await agent.send(Presence(PresenceState.AVAILABLE))
            await agent.send(Take())
            took = await next_of(agent, Took)
            assert took.ticket == served
            await next_of(agent, Paired)
            # The customer's earlier contacts, newest first: the one who left a moment
            # ago gave the same phone number; yesterday's has this installation.
            history = await next_of(agent, History)
            assert history.contact == served
            left, earlier = history.items
            assert left.state == "abandoned"
            assert (earlier.topic, earlier.resolved, earlier.note) == (
                "old printer",
                1,
                "Swapped it",
            )
            # Notes in the session, replaced by the newest; a survey from the customer.
            await agent.send(Note("", "Router reset", 1, "router"))
            await agent.send(Note("", "Router reset; line stable", 1, "router"))
            await second.send(Survey(5, "빨랐어요"))
            # A note on a contact the agent had no part in is not kept.
            await agent.send(Note(gone, "not mine", 0, ""))
            await asyncio.sleep(0.3)
            return gone, served

    gone, served = run(main())
    store = Store.open(data)
    try:
        left = store.records.contact(gone)
        assert left is not None and left.state == "abandoned" and left.wait_s is not None
        row = store.records.contact(served)
        assert row is not None
        assert (row.state, row.agent, row.team, row.end_reason) == (
            "ended",
            "minji",
            "network",
            "relay_shutdown",
        )
        assert row.customer_name == "Park Jiwoo 박지우" and row.installation == "inst-bbbb0002"
        assert row.wait_s is not None and row.wait_s >= 0 and row.handle_s is not None
        assert (row.resolved, row.tags, row.satisfaction, row.comment) == (
            True,
            "router",
            5,
            "빨랐어요",
        )
        assert [n.text for n in store.records.notes(served)] == ["Router reset; line stable"]
        assert store.records.notes(gone) == [] and store.records.contact(gone).resolved is None  # type: ignore[union-attr]
        assert store.records.search()[1] == 3
    finally:
        store.close()


def test_a_queue_changed_at_run_time_is_followed_at_once_and_after_a_restart(
    tmp_path: Path,
) -> None:
    """Closing a queue now refuses newcomers (offering a callback when it opens again)
    but keeps whoever waits; teams and limits change who is served and how many may
    wait; all of it is kept in the database and read again at the next start."""
    data, desk = tmp_path / "relay", desk_file(tmp_path)
    token = add_agent(data, "minji", "Kim Minji", "Acme")
    store = Store.open(data)
    store.set_team("minji", "network")
    store.close()

    async def newcomer(url: str, installation: str) -> Standing | DeskRefused:
        c = await Client.connect(url, Role.CUSTOMER)
        await c.send(ask(installation, os.urandom(32)))
        got = await c.recv()
        assert isinstance(got, Standing | DeskRefused), got
        return got

    async def main() -> None:
        async with running_relay(data, desk_file=desk) as relay:
            agent = await Client.connect(relay.url, Role.AGENT)
            await agent.send(Auth(token, os.urandom(32)))
            await agent.expect(AuthOk)
            await agent.send(Presence(PresenceState.AVAILABLE))
            assert isinstance(await newcomer(relay.url, "inst-aaaa0001"), Standing)
            assert len((await next_of(agent, WaitingList)).items) == 1
            before = time.time()
            await relay.change_queue(
                "internet", {"state": "closed", "for_s": 1800}, actor="hana", address="test"
            )
            refused = await newcomer(relay.url, "inst-bbbb0002")
            assert isinstance(refused, DeskRefused) and refused.reason == "CLOSED"
            assert refused.offer_callback and before + 1790 < refused.opens_at < before + 1810
            form = await Client.connect(relay.url, Role.CUSTOMER)
            await form.send(ListQueues())
            (info,) = (await form.expect(Queues)).queues
            assert not info.open and info.opens_at == int(refused.opens_at)
            # Another team serves it now: the agent's list empties; back, it fills.
            await relay.change_queue("internet", {"teams": ["billing"]}, actor="hana", address="t")
            assert (await next_of(agent, WaitingList)).items == ()
            await relay.change_queue(
                "internet", {"teams": None, "state": "hours", "max_waiting": 1}, actor="hana",
                address="t",
            )  # fmt: skip
            assert len((await next_of(agent, WaitingList)).items) == 1
            full = await newcomer(relay.url, "inst-cccc0003")
            assert isinstance(full, DeskRefused) and full.reason == "FULL"

    run(main())

    async def restarted() -> None:
        async with running_relay(data, desk_file=desk) as relay:
            assert relay.core.desk is not None
            assert relay.core.desk.desk.queues[0].max_waiting == 1
            # The place kept over the restart (its customer away) fills the one slot.
            full = await Client.connect(relay.url, Role.CUSTOMER)
            await full.send(ask("inst-eeee0005", os.urandom(32)))
            assert (await full.expect(DeskRefused)).reason == "FULL"

    run(restarted())
    store = Store.open(data)
    try:
        lines = [(r.actor, r.action, r.subject) for r in store.console.admin_log()[0]]
        assert lines == [("hana", "changed queue", "internet")] * 3
    finally:
        store.close()


def test_notes_after_a_code_session_find_it_by_its_nameplate(tmp_path: Path) -> None:
    """The agent app never learns a code session's contact id: after the session it
    names the nameplate, and the relay keeps the note on the agent's latest session
    with it; another agent naming the same nameplate keeps nothing."""
    data = tmp_path / "relay"
    token = add_agent(data, "minji", "Kim Minji", "Acme")
    other = add_agent(data, "jisoo", "Lee Jisoo", "Acme")

    async def desk_connection(url: str, t: str) -> Client:
        c = await Client.connect(url, Role.AGENT)
        await c.send(Auth(t, os.urandom(32)))
        await c.expect(AuthOk)
        return c

    async def main() -> None:
        async with running_relay(data) as relay:
            agent, customer, nameplate = await pair(relay.url, token)
            await establish(agent, customer)
            await agent.send(Note("", "Printer driver", -1, ""))
            await agent.send(Bye(EndReason.AGENT_ENDED))
            await asyncio.sleep(0.2)
            desk = await desk_connection(relay.url, token)
            await desk.send(Note(NAMEPLATE_CONTACT + nameplate, "Printer driver reinstalled", 1,
                                 "printer"))  # fmt: skip
            stranger = await desk_connection(relay.url, other)
            await stranger.send(Note(NAMEPLATE_CONTACT + nameplate, "not mine", 0, ""))
            await stranger.send(Note(NAMEPLATE_CONTACT + "99999", "no such", 0, ""))
            await asyncio.sleep(0.3)

    run(main())
    store = Store.open(data)
    try:
        (row,) = store.sessions()
        contact = store.records.by_session(row.id)
        assert contact is not None and contact.resolved is True and contact.tags == "printer"
        notes = store.records.notes(contact.id)
        assert [(n.author, n.text) for n in notes] == [("minji", "Printer driver reinstalled")]
    finally:
        store.close()
