"""The states an agent's session goes through, and how it ended — plain data, no Qt.

::

    SIGNING_IN -> READY -> STARTING -> WAITING (code shown) -> DECIDING (customer joined)
        -> SHARING <-> PAUSED
        -> RECONNECTING (our connection dropped) / CUSTOMER_AWAY (theirs did)
        -> WAITING_RATING (someone ended; the customer may still rate) -> ENDED (Outcome)
"""

from __future__ import annotations

import dataclasses
import enum

from assist_net.driver import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)
from common.errors import (
    AssistError,
    ErrorCode,
    IdentityRefusedError,
    RelayAddressError,
    RelayRefusedError,
    RelayUnreachableError,
    SessionEndedError,
    WrongCodeError,
)
from common.messages import EndReason


class State(enum.Enum):
    SIGNING_IN = "signing in"
    READY = "ready"
    STARTING = "starting"
    WAITING = "waiting for the customer"
    JOINING = "waiting for the customer to let you in"
    DECIDING = "customer deciding"
    SHARING = "sharing"
    PAUSED = "paused"
    RECONNECTING = "reconnecting"
    CUSTOMER_AWAY = "customer reconnecting"
    WAITING_RATING = "waiting for the rating"
    ENDED = "ended"


#: States with a customer on the other end of a secure channel.
CONNECTED = frozenset(
    {State.DECIDING, State.SHARING, State.PAUSED, State.RECONNECTING, State.CUSTOMER_AWAY}
)
#: States in which a session is open (so "End session" makes sense).
OPEN = CONNECTED | {State.STARTING, State.WAITING, State.JOINING}


class Ending(enum.Enum):
    AGENT_ENDED = "agent ended"
    CUSTOMER_STOPPED = "customer stopped"
    CUSTOMER_LEFT = "customer left"
    DECLINED = "customer declined"
    CODE_MISMATCH = "code mismatch"
    EXPIRED = "expired"
    BAD_TOKEN = "bad token"
    UNREACHABLE = "relay unreachable"
    BAD_ADDRESS = "relay address not valid"
    NO_CERTIFICATE = "no valid identity card"
    IDENTITY_REFUSED = "customer's app refused the identity card"
    ERROR = "error"


_EXIT = {
    Ending.AGENT_ENDED: EXIT_OK,
    Ending.CUSTOMER_STOPPED: EXIT_OK,
    Ending.CUSTOMER_LEFT: EXIT_OK,
    Ending.DECLINED: EXIT_USAGE,
    Ending.CODE_MISMATCH: EXIT_REFUSED,
    Ending.EXPIRED: EXIT_REFUSED,
    Ending.BAD_TOKEN: EXIT_REFUSED,
    Ending.UNREACHABLE: EXIT_UNREACHABLE,
    Ending.BAD_ADDRESS: EXIT_USAGE,
    Ending.NO_CERTIFICATE: EXIT_REFUSED,
    Ending.IDENTITY_REFUSED: EXIT_REFUSED,
    Ending.ERROR: EXIT_ERROR,
}


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How a session ended. ``error`` carries the sentence for ERROR-like endings."""

    ending: Ending
    error: AssistError | None = None

    @property
    def exit_code(self) -> int:
        return _EXIT[self.ending]

    @property
    def end_reason(self) -> EndReason:
        """What we tell the relay in our Bye."""
        return {
            Ending.AGENT_ENDED: EndReason.AGENT_ENDED,
            Ending.CUSTOMER_STOPPED: EndReason.CUSTOMER_STOPPED,
            Ending.CUSTOMER_LEFT: EndReason.CUSTOMER_STOPPED,
            Ending.DECLINED: EndReason.DECLINED,
        }.get(self.ending, EndReason.ERROR)


def outcome_for_error(err: AssistError) -> Outcome:
    """Classify the error that ended a session nobody had ended on purpose."""
    if isinstance(err, WrongCodeError):
        return Outcome(Ending.CODE_MISMATCH, err)
    if isinstance(err, RelayRefusedError):
        if err.code is ErrorCode.NAMEPLATE_EXPIRED:
            return Outcome(Ending.EXPIRED, err)
        if err.code in (ErrorCode.BAD_TOKEN, ErrorCode.NOT_AUTHORIZED):
            return Outcome(Ending.BAD_TOKEN, err)
        if err.code in (
            ErrorCode.CERTIFICATE_MISSING,
            ErrorCode.CERTIFICATE_EXPIRED,
            ErrorCode.CERTIFICATE_REVOKED,
        ):
            return Outcome(Ending.NO_CERTIFICATE, err)
    if isinstance(err, IdentityRefusedError):
        return Outcome(Ending.IDENTITY_REFUSED, err)
    if isinstance(err, RelayUnreachableError):
        return Outcome(Ending.UNREACHABLE, err)
    if isinstance(err, RelayAddressError):
        return Outcome(Ending.BAD_ADDRESS, err)
    if (
        isinstance(err, SessionEndedError)
        and err.text_template == "The other side left the session."
    ):
        return Outcome(Ending.CUSTOMER_LEFT, err)
    return Outcome(Ending.ERROR, err)


def outcome_for_customer_end(reason: EndReason) -> Outcome:
    """The customer's SessionEnd(reason)."""
    if reason is EndReason.DECLINED:
        return Outcome(Ending.DECLINED)
    if reason is EndReason.ERROR:
        return Outcome(Ending.ERROR, SessionEndedError())
    if reason is EndReason.AGENT_ENDED:  # odd, but it was not the customer's choice
        return Outcome(Ending.AGENT_ENDED)
    return Outcome(Ending.CUSTOMER_STOPPED)
