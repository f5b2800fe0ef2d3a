"""A scripted agent for app tests and the bench: the real endpoint and driver, no window.

It signs in to a real relay, creates a code, and records every application
message the customer sends; the test sends whatever it likes back::

    agent = ScriptedAgent(relay.url, token)
    code = agent.wait_code()
    ... start the customer with code ...
    agent.wait_for(lambda m: isinstance(m, Consent))
    agent.send(Chat(1, "hello", 0))

Frames are acknowledged automatically (as the agent app does once it has
displayed them) unless ``auto_ack=False``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from assist_net.driver import Connection, NetworkThread
from common.codes import SessionCode
from common.endpoint import CodeReady, Endpoint, Event, Received
from common.messages import EndReason, Frame, FrameAck, Message


class ScriptedAgent:
    def __init__(self, url: str, token: str, *, auto_ack: bool = True) -> None:
        self.events: list[Event] = []
        self.messages: list[Message] = []
        self.code: SessionCode | None = None
        self.auto_ack = auto_ack
        self._cond = threading.Condition()
        self.connection = Connection(url, Endpoint.agent(token), self._on_event)
        self.net = NetworkThread(self.connection)
        self.net.start()

    def _on_event(self, event: Event) -> None:
        with self._cond:
            self.events.append(event)
            if isinstance(event, CodeReady):
                self.code = event.code
            if isinstance(event, Received):
                self.messages.append(event.message)
                msg = event.message
                if self.auto_ack and isinstance(msg, Frame) and msg.final:
                    self.connection.send_app(FrameAck(msg.frame_id))
            self._cond.notify_all()

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out; events: {self.events[-10:]!r:.2000}; {self._where()}"
                    )
                self._cond.wait(left)

    def _where(self) -> str:
        """Where the connection stands, for a timeout's message."""
        conn = self.connection
        if not self.net.alive:
            return "the network thread has ended"
        if conn._opening is not None:  # noqa: SLF001 - a test tool's diagnosis
            return f"still opening the websocket to {self.connection.url}"
        if conn._ws is None:  # noqa: SLF001
            return "not connected"
        return "connected, waiting for the relay"

    def wait_code(self, timeout: float = 10.0) -> SessionCode:
        self.wait_until(lambda: self.code is not None, timeout)
        assert self.code is not None
        return self.code

    def wait_for(self, predicate: Callable[[Message], bool], timeout: float = 10.0) -> Message:
        found: list[Message] = []

        def check() -> bool:
            found[:] = [m for m in self.messages if predicate(m)]
            return bool(found)

        self.wait_until(check, timeout)
        return found[0]

    def wait_event(self, kind: type[Event], timeout: float = 10.0) -> Event:
        self.wait_until(lambda: any(isinstance(e, kind) for e in self.events), timeout)
        return next(e for e in self.events if isinstance(e, kind))

    def of_type(self, kind: type[Message]) -> list[Message]:
        with self._cond:
            return [m for m in self.messages if isinstance(m, kind)]

    def send(self, msg: Message) -> None:
        self.net.send_app(msg)

    def bye(self, reason: EndReason = EndReason.AGENT_ENDED) -> None:
        self.net.bye(reason)

    def drop(self) -> None:
        """Drop the agent's websocket as if the network failed (it will resume)."""
        self.net.call(self.connection.drop_connection)

    def close(self) -> None:
        if self.net.alive:
            self.net.bye(EndReason.AGENT_ENDED)
            self.net.join(5)
