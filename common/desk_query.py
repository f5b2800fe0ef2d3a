"""One question to the help desk on a short connection, sans-I/O like the endpoints.

The customer's Get help form asks the relay which queues there are (and how long
each waits), which callback windows a queue offers, and books a callback. Each is
one request and one answer, so :class:`DeskQuery` sends its request after the hello,
reports the answer as :class:`DeskAnswer` and closes; the driver
(:mod:`assist_net.driver`) runs it like any endpoint and never resumes it. A refusal
becomes :class:`~common.endpoint.Failed` with a :class:`~common.errors.DeskError`.
"""

from __future__ import annotations

import dataclasses

from common.endpoint import Closed, Event, Failed
from common.errors import (
    AssistError,
    ConnectionLostError,
    DeskError,
    ProtocolError,
    RelayRefusedError,
)
from common.messages import (
    PROTOCOL_VERSION,
    CallbackBooked,
    CallMe,
    DeskRefused,
    EndReason,
    Error,
    Hello,
    Layer,
    ListQueues,
    ListWindows,
    Message,
    Queues,
    Redirect,
    Role,
    Welcome,
    Windows,
    parse,
)

__all__ = ["DeskAnswer", "DeskQuery"]

Request = ListQueues | ListWindows | CallMe
_ANSWERS = {ListQueues: Queues, ListWindows: Windows, CallMe: CallbackBooked}


@dataclasses.dataclass(frozen=True)
class DeskAnswer(Event):
    """The relay's answer: Queues, Windows or CallbackBooked."""

    message: Message


class DeskQuery:
    """See the module docstring."""

    role = Role.CUSTOMER

    def __init__(self, request: Request, *, client: str = "assist-client") -> None:
        self.request = request
        self._client = client
        self._out: list[bytes] = []
        self._events: list[Event] = []
        self.ended = False
        self.channel = None
        self.redirect_to: str | None = None
        self.answer: Message | None = None

    @property
    def can_resume(self) -> bool:
        return False

    def connected(self) -> None:
        if not self.ended:
            self._out.append(Hello(PROTOCOL_VERSION, Role.CUSTOMER, self._client).serialize())
            self._out.append(self.request.serialize())

    def receive(self, wire: bytes) -> None:
        if self.ended:
            return
        try:
            msg = parse(wire, Layer.RELAY)
            match msg:
                case Welcome():
                    return
                case Redirect(url=url):
                    self.redirect_to = url
                    return
                case DeskRefused(reason=reason, offer_callback=offer, opens_at=opens):
                    raise DeskError.refused(reason, offer, opens)
                case Error(code=code):
                    raise RelayRefusedError(code)
                case _ if isinstance(msg, _ANSWERS[type(self.request)]):
                    self.answer = msg
                    self._events.append(DeskAnswer(msg))
                    self._finish(Closed(EndReason.CUSTOMER_STOPPED))
                case _:
                    raise ProtocolError.because(f"{type(msg).__name__} to a desk question")
        except AssistError as err:
            self._finish(Failed(err))

    def _finish(self, event: Event) -> None:
        if not self.ended:
            self.ended = True
            self._events.append(event)

    def connection_lost(self) -> None:
        if not self.ended and self.redirect_to is None:
            self._finish(Failed(ConnectionLostError()))

    @property
    def has_output(self) -> bool:
        """Is anything waiting in :meth:`data_to_send`?"""
        return bool(self._out)

    def data_to_send(self) -> list[bytes]:
        out, self._out = self._out, []
        return out

    def events(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def take_redirect(self) -> str | None:
        url, self.redirect_to = self.redirect_to, None
        return url

    def idle(self) -> None:
        pass

    def abandon(self) -> None:
        self.ended = True
        self._out.clear()

    def bye(self, reason: EndReason) -> None:
        self._finish(Closed(reason))

    def send_app(self, msg: Message) -> bool:
        return False
