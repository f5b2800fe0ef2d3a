"""What the relay's core asks its driver to do: the actions :class:`relay.sessions.Relay`
returns, and the :class:`Route` of one ``Data`` message.

Each is a small frozen dataclass the driver (:mod:`relay.server`) carries out in
order: :class:`Send` and :class:`Close` go to connections, :class:`CheckToken`
and :class:`RecheckAgent` to the database (answers come back through the core),
and the ``Session*`` events to the audit log.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

from common.messages import Message

__all__ = [
    "Action",
    "CheckToken",
    "Close",
    "RecheckAgent",
    "Route",
    "Send",
    "SessionEnded",
    "SessionEstablished",
    "SessionPaired",
    "SessionProgress",
    "SessionStarted",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Send:
    conn: int
    message: Message


@dataclasses.dataclass(frozen=True, slots=True)
class Close:
    conn: int
    code: int
    reason: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class CheckToken:
    """Look the token up; record the app's key and find its certificate."""

    conn: int
    token: str
    public_key: bytes = b""

    def __repr__(self) -> str:
        return f"CheckToken(conn={self.conn}, token=<hidden>)"


@dataclasses.dataclass(frozen=True, slots=True)
class RecheckAgent:
    conn: int
    name: str
    token_id: str


@dataclasses.dataclass(frozen=True, slots=True)
class SessionStarted:
    sid: str
    agent: str
    nameplate: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class SessionPaired:
    sid: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class SessionEstablished:
    sid: str
    at: float


@dataclasses.dataclass(frozen=True, slots=True)
class SessionProgress:
    """Every open session's counts so far, and that it was alive ``at`` (crash safety):
    rows of (sid, bytes agent to customer, bytes customer to agent, resumes)."""

    at: float
    rows: tuple[tuple[str, int, int, int], ...]


@dataclasses.dataclass(frozen=True, slots=True)
class SessionEnded:
    sid: str
    at: float
    reason: str
    bytes_agent_to_customer: int
    bytes_customer_to_agent: int
    resumes: int


Action = (
    Send
    | Close
    | CheckToken
    | RecheckAgent
    | SessionStarted
    | SessionPaired
    | SessionEstablished
    | SessionProgress
    | SessionEnded
)


class Route(NamedTuple):
    """What to do with one ``Data`` message."""

    peer: int | None  # forward the message to this connection (None: drop it)
    wait_s: float  # then pause reading from the sender this long (bandwidth cap)
    actions: list[Action]
