"""The apps' network driver against a real relay: a session, drops, and ending on purpose."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from assist_net.driver import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_UNREACHABLE,
    Connection,
    NetworkThread,
    exit_code_for,
)
from assist_net.target import TargetLike
from common.codes import parse_code
from common.endpoint import (
    Closed,
    CodeReady,
    Endpoint,
    Event,
    Failed,
    Received,
    ResumedSession,
    Secured,
)
from common.errors import InternalError, SessionEndedError
from common.messages import Chat, EndReason, SessionEnd
from tests.helpers.relay_harness import add_agent, run, running_relay
from tests.helpers.relay_thread import RelayThread
from tests.helpers.tcp_proxy import TcpProxy


class Side:
    """One app's Connection, with the events it saw."""

    def __init__(self, url: TargetLike, endpoint: Endpoint) -> None:
        self.events: list[Event] = []
        self.hooks: dict[type, object] = {}
        self.conn = Connection(url, endpoint, self._on_event, resume_window_s=20)
        self.task: asyncio.Task[Event] | None = None

    def _on_event(self, event: Event) -> None:
        self.events.append(event)
        hook = self.hooks.pop(type(event), None)
        if callable(hook):
            hook()

    def start(self) -> Side:
        self.task = asyncio.create_task(self.conn.run())
        return self

    async def wait_for(self, kind: type, timeout: float = 10.0) -> Event:
        async with asyncio.timeout(timeout):
            while True:
                for event in self.events:
                    if isinstance(event, kind):
                        return event
                await asyncio.sleep(0.01)

    async def received(self, kind: type, timeout: float = 10.0) -> object:
        async with asyncio.timeout(timeout):
            while True:
                for event in self.events:
                    if isinstance(event, Received) and isinstance(event.message, kind):
                        return event.message
                await asyncio.sleep(0.01)

    async def final(self, timeout: float = 10.0) -> Event:
        assert self.task is not None
        async with asyncio.timeout(timeout):
            return await self.task


async def session(url: str, token: str, customer_url: str | None = None) -> tuple[Side, Side]:
    agent = Side(url, Endpoint.agent(token)).start()
    ready = await agent.wait_for(CodeReady)
    assert isinstance(ready, CodeReady)
    code = parse_code(ready.code.display())
    customer = Side(customer_url or url, Endpoint.customer(code)).start()
    await agent.wait_for(Secured)
    await customer.wait_for(Secured)
    return agent, customer


def test_a_session_carries_messages_and_ends_cleanly(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            agent, customer = await session(relay.url, token)
            customer.conn.send_app(Chat(1, "hello agent", 0))
            assert await agent.received(Chat) == Chat(1, "hello agent", 0)
            agent.conn.send_app(SessionEnd(EndReason.AGENT_ENDED, ""))
            await customer.received(SessionEnd)
            agent.conn.bye(EndReason.AGENT_ENDED)
            assert await agent.final() == Closed(EndReason.AGENT_ENDED)
            end = await customer.final()
            assert isinstance(end, Failed) and isinstance(end.error, SessionEndedError)

    run(main())


def test_an_unreachable_relay_is_exit_4_with_its_address() -> None:
    async def main() -> None:
        side = Side("ws://127.0.0.1:9", Endpoint.customer(parse_code("482-519-309"))).start()
        final = await side.final()
        assert exit_code_for(final) == EXIT_UNREACHABLE
        assert isinstance(final, Failed) and "ws://127.0.0.1:9" in str(final.error)

    run(main())


def test_ending_while_reconnecting_does_not_wait_out_the_resume_window(tmp_path: Path) -> None:
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            with TcpProxy(relay.port) as proxy:
                _, customer = await session(relay.url, token, customer_url=proxy.url)
                await asyncio.sleep(0.2)  # let the relay see both sides established
                proxy.close()  # the network is gone, and stays gone
                await asyncio.sleep(0.5)  # the customer is retrying now
                started = time.monotonic()
                customer.conn.bye(EndReason.CUSTOMER_STOPPED)
                final = await customer.final(timeout=10)
                assert final == Closed(EndReason.CUSTOMER_STOPPED)
                assert exit_code_for(final) == EXIT_OK
                assert time.monotonic() - started < 5  # not the 20 s resume window

    run(main())


def test_last_words_sent_right_after_a_resume_still_arrive(tmp_path: Path) -> None:
    """Stop pressed while the channel is back but not yet in step: SessionEnd is held
    for the resync, and the bye waits for it instead of dropping it."""
    token = add_agent(tmp_path)

    async def main() -> None:
        async with running_relay(tmp_path) as relay:
            with TcpProxy(relay.port) as proxy:
                agent, customer = await session(relay.url, token, customer_url=proxy.url)
                await asyncio.sleep(0.2)

                def stop_now() -> None:
                    customer.conn.send_app(SessionEnd(EndReason.CUSTOMER_STOPPED, ""))
                    customer.conn.bye(EndReason.CUSTOMER_STOPPED)

                customer.hooks[ResumedSession] = stop_now
                proxy.cut()
                end = await agent.received(SessionEnd)
                assert end == SessionEnd(EndReason.CUSTOMER_STOPPED, "")
                assert await customer.final() == Closed(EndReason.CUSTOMER_STOPPED)

    run(main())


def test_a_failure_on_the_network_thread_reaches_the_app_as_a_sentence(tmp_path: Path) -> None:
    """A bug in the network thread (here: a call that raises on its loop) must not leave
    the app waiting for ever: it hears Failed(InternalError) within moments."""
    heard: list[Event] = []
    done = threading.Event()

    def on_event(event: Event) -> None:
        heard.append(event)
        if isinstance(event, Failed):
            done.set()

    def boom() -> None:
        raise RuntimeError("a bug")

    with RelayThread(tmp_path / "r") as relay:
        net = NetworkThread(Connection(relay.url, Endpoint.agent(relay.token), on_event))
        net.start()
        deadline = time.monotonic() + 10
        while not any(isinstance(e, CodeReady) for e in heard) and time.monotonic() < deadline:
            time.sleep(0.02)
        net.call(boom)
        assert done.wait(5), heard
        net.join(5)
    final = heard[-1]
    assert isinstance(final, Failed) and isinstance(final.error, InternalError), heard
    assert "the details were written to the log file" in str(final.error)
    assert exit_code_for(final) == EXIT_ERROR
    assert not net.alive
