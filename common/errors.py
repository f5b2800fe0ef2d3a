"""The one error tree of Assist.

Every error a person can meet is an :class:`AssistError` whose text says what
happened and what to do. The text is an English *template* with ``{named}``
placeholders; the apps pass the template through Qt's translation system
(context ``"errors"``) and then fill in the parameters, so a Korean speaker
reads the same sentence in Korean. ``str(error)`` is the filled-in English.

The tree::

    AssistError
    ├── CodeError                 a session code as typed is not valid (or has a typo)
    ├── RelayAddressError         the relay address as typed or configured is not usable
    ├── ProtocolError             a message could not be parsed or is not allowed
    │   └── VersionError          the other side speaks a protocol version we don't
    ├── ChannelError              the end-to-end secure channel failed
    │   ├── WrongCodeError        PAKE / key confirmation failed: the code did not match
    │   ├── TamperedError         replay, reorder, gap or a changed byte
    │   ├── ResumeFailedError     a dropped session could not be picked up again
    │   └── ChannelExhaustedError the per-direction message limit was reached
    ├── RelayRefusedError         the relay said no; ``code`` is a stable ErrorCode
    ├── IdentityError             the customer's app refused a helper's identity card
    ├── RoomError                 someone could not be let into a room (rooms: common.room)
    ├── DeskError                 the help desk said no: a queue, a callback time, Take next
    ├── InternalError             a bug stopped the connection (details in the log)
    ├── ConnectionLostError       the connection to the relay went away
    │   └── RelayUnreachableError the relay could not be reached at all
    │       ├── RelayCertificateError  reached, but its certificate could not be trusted
    │       └── RelayRedirectError     a relay node sent the app somewhere it must not go
    └── SessionEndedError         the session ended on an error (peer left, stopped, ...)

Parsers raise :class:`ProtocolError` (never ``assert``) so input from the
network can only ever produce an error of this tree.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, Self

__all__ = [
    "AgentKeyError",
    "AssistError",
    "ChannelError",
    "ChannelExhaustedError",
    "CodeError",
    "DeskError",
    "ConnectionLostError",
    "ErrorCode",
    "INSECURE_WARNING",
    "IdentityError",
    "IdentityRefusedError",
    "InternalError",
    "ProtocolError",
    "RelayAddressError",
    "RelayCertificateError",
    "RelayRefusedError",
    "ReasonedError",
    "RelayUnreachableError",
    "ResumeFailedError",
    "RoomError",
    "SessionEndedError",
    "TamperedError",
    "UnsendableMessageError",
    "VersionError",
    "WrongCodeError",
    "all_templates",
]


class AssistError(Exception):
    """Root of every error Assist raises on purpose.

    Subclasses set :attr:`template`; an instance may override it with a more
    specific sentence. ``params`` fill the template's ``{placeholders}``.
    """

    template: ClassVar[str] = "Something went wrong. Please try again."
    #: Extra sentences a subclass may raise with; listed so translations can be checked.
    templates: ClassVar[tuple[str, ...]] = ()

    def __init__(self, template: str | None = None, /, **params: Any) -> None:
        self.text_template = template if template is not None else type(self).template
        self.params = params
        super().__init__(self.text_template.format(**params))

    #: What exactly was wrong, for logs and tests (people read the template).
    detail: str = ""

    def translated(self, translate: Any) -> str:
        """Return the sentence through *translate* (e.g. a Qt ``tr`` for context "errors")."""
        return str(translate(self.text_template)).format(**self.params)

    @classmethod
    def because(cls, detail: str) -> Self:
        """The standard sentence for people, with ``detail`` kept for the logs."""
        err = cls()
        err.detail = detail
        err.args = (f"{err.args[0]} ({detail})",)
        return err


class CodeError(AssistError):
    template = "That is not a valid code. Check the digits and type it again."
    templates = (
        "Please type the code the agent gave you.",
        "'{char}' is not a digit. A code has digits only, like 482-519-309.",
        "The code is too short: it has {count} digits, a code has at least 9.",
        "The code is too long: it has {count} digits, a code has at most {limit}.",
        "The code has {count} digits, but codes come in groups of three. "
        "Check it and type it again.",
        "That code has a typo. Please check it with the agent and type it again.",
    )


class RelayAddressError(AssistError):
    """The relay address cannot be used as it is; the sentence says what is wrong with it."""

    template = "The relay address is not valid. Ask your support desk for the right address."
    BAD_PIN = (
        "The pinned relay key '{pin}' is not a SHA-256 pin like sha256/ followed by 44 "
        "characters. Check --pin or pin in the settings file."
    )
    templates = (
        "No relay address is set. Ask your support desk for it; it looks like {example}.",
        "The relay address '{address}' has a space in it. Type it again without "
        "spaces, like {example}.",
        "'{address}' is a web address, not a relay address. Relay addresses start "
        "with wss://, like {example}.",
        "The relay address '{address}' starts with '{scheme}://'. Relay addresses start "
        "with wss://, like {example}.",
        "The port in the relay address '{address}' is not a number from 1 to 65535. "
        "Check the address, like {example}.",
        "The relay address '{address}' has a user name in it, which relays do not use. "
        "Type it like {example}.",
        "The relay address '{address}' has no valid server name in it. Type it like {example}.",
        "The relay address '{address}' has extra parts after the server name. Type it "
        "like {example}.",
        "The relay address '{address}' starts with ws://, which is not encrypted. Use "
        "wss:// instead, like {example}.",
        BAD_PIN,
    )


class ProtocolError(AssistError):
    template = (
        "The other side sent a message this version of Assist does not understand. "
        "Make sure both sides run an up-to-date Assist."
    )


class VersionError(ProtocolError):
    template = (
        "The other side uses protocol version {theirs}; this Assist speaks version {ours}. "
        "Update Assist and try again."
    )


class ChannelError(AssistError):
    template = "The secure connection failed. Ask the agent for a new code."


class WrongCodeError(ChannelError):
    template = "The code did not match. Ask the agent to read it again; a new code is needed."


class TamperedError(ChannelError):
    template = (
        "The connection was tampered with or damaged on the way, so it was closed to keep "
        "you safe. Start a new session with a new code."
    )


class ResumeFailedError(ChannelError):
    """A dropped session could not be picked up again. Only the agent can make a new code,
    so each side is told what it can do: :meth:`for_side` picks the sentence."""

    template = (
        "The connection dropped and the session could not be picked up again. "
        "Start a new session and give the customer the new code."
    )
    CUSTOMER = (
        "The connection dropped and the session could not be picked up again. If you "
        "still need help, contact the support desk again and ask the agent for a new code."
    )
    RELAY_GONE_AGENT = (
        "The relay stopped answering, so the session could not be picked up again. When the "
        "relay is back, start a new session and give the customer the new code."
    )
    RELAY_GONE_CUSTOMER = (
        "The relay stopped answering, so the session could not be picked up again. If you "
        "still need help, contact the support desk again and ask the agent for a new code."
    )
    templates = (CUSTOMER, RELAY_GONE_AGENT, RELAY_GONE_CUSTOMER)

    @classmethod
    def for_side(cls, *, customer: bool, relay_gone: bool = False) -> ResumeFailedError:
        if relay_gone:
            return cls(cls.RELAY_GONE_CUSTOMER if customer else cls.RELAY_GONE_AGENT)
        return cls(cls.CUSTOMER if customer else cls.template)


class ChannelExhaustedError(ChannelError):
    template = (
        "This session has run for so long that it must be renewed. Start a new session "
        "with a new code."
    )


class ErrorCode(enum.IntEnum):
    """Stable codes the relay sends in an ``Error`` message. Never renumber."""

    INTERNAL = 1
    PROTOCOL = 2
    VERSION = 3
    BAD_TOKEN = 4
    NOT_AUTHORIZED = 5
    NAMEPLATE_UNKNOWN = 6
    NAMEPLATE_IN_USE = 7
    NAMEPLATE_EXPIRED = 8
    RATE_LIMITED = 9
    TOO_MANY_SESSIONS = 10
    MESSAGE_TOO_BIG = 11
    QUOTA_EXCEEDED = 12
    RESUME_FAILED = 13
    RELAY_SHUTDOWN = 14
    TIMEOUT = 15
    TOO_MANY_CONNECTIONS = 16
    CODE_BURNED = 17
    RELAY_FULL = 18
    CERTIFICATE_MISSING = 19
    CERTIFICATE_EXPIRED = 20
    CERTIFICATE_REVOKED = 21
    UNAVAILABLE = 22
    INVITE_GONE = 23
    ROOM_FULL = 24


#: The sentence a person reads for each relay error code.
RELAY_ERROR_TEXT: dict[ErrorCode, str] = {
    ErrorCode.INTERNAL: "The relay had an internal problem. Try again in a minute.",
    ErrorCode.PROTOCOL: (
        "The relay did not understand this app. Make sure you run an up-to-date Assist."
    ),
    ErrorCode.VERSION: "This Assist is too old or too new for the relay. Update Assist.",
    ErrorCode.BAD_TOKEN: (
        "The relay did not accept your agent token. Check the token, or ask your admin "
        "for a new one."
    ),
    ErrorCode.NOT_AUTHORIZED: "Only a registered agent can do that. Sign in with your token.",
    ErrorCode.NAMEPLATE_UNKNOWN: (
        "No session is waiting for that code. Check the code, or ask the agent for a new one."
    ),
    ErrorCode.NAMEPLATE_IN_USE: (
        "That session is already in use by someone else. Ask the agent for a new code."
    ),
    ErrorCode.NAMEPLATE_EXPIRED: "That code has expired. Ask the agent for a new code.",
    ErrorCode.RATE_LIMITED: "Too many attempts. Wait a minute, then try again.",
    ErrorCode.TOO_MANY_SESSIONS: (
        "The relay is full right now. Try again in a few minutes, or tell your admin."
    ),
    ErrorCode.MESSAGE_TOO_BIG: "A message was too large for the relay. The session was closed.",
    ErrorCode.QUOTA_EXCEEDED: (
        "This session used up the data the relay allows. Start a new session to go on."
    ),
    ErrorCode.RESUME_FAILED: (
        "The connection dropped and the session could not be picked up again. "
        "Start a new session with a new code."
    ),
    ErrorCode.RELAY_SHUTDOWN: (
        "The relay is shutting down for maintenance. Try again in a few minutes."
    ),
    ErrorCode.TIMEOUT: "The relay closed the connection because nothing arrived in time.",
    ErrorCode.TOO_MANY_CONNECTIONS: (
        "Too many connections from your network. Wait a minute, then try again."
    ),
    ErrorCode.CODE_BURNED: (
        "Someone else tried this code, so it was closed to keep you safe. "
        "Ask the agent for a new code."
    ),
    ErrorCode.RELAY_FULL: (
        "The relay has too many connections right now. Try again in a minute; if it keeps "
        "happening, tell the support desk."
    ),
    ErrorCode.CERTIFICATE_MISSING: (
        "Your organisation requires an identity card for every agent, and this computer has "
        "none yet. Ask your admin to issue one (assist-relay org issue), then sign in again."
    ),
    ErrorCode.CERTIFICATE_EXPIRED: (
        "Your identity card has expired. Ask your admin to renew it (assist-relay org "
        "issue), then sign in again."
    ),
    ErrorCode.CERTIFICATE_REVOKED: (
        "Your identity card on this computer was withdrawn, so you cannot sign in. Ask your admin."
    ),
    ErrorCode.UNAVAILABLE: (
        "The relay cannot check sign-ins or codes right now (it cannot reach its database). "
        "Sessions already running go on. Try again in a minute; if it keeps happening, tell "
        "your admin."
    ),
    ErrorCode.INVITE_GONE: (
        "That invitation is no longer valid: the session ended, or it was withdrawn or "
        "timed out. Ask your colleague to invite you again."
    ),
    ErrorCode.ROOM_FULL: (
        "The session already has as many people as your desk allows. Someone must leave "
        "before you can join."
    ),
}


class RelayRefusedError(AssistError):
    """The relay refused a request. ``code`` tells which refusal it was."""

    template = RELAY_ERROR_TEXT[ErrorCode.INTERNAL]

    def __init__(self, code: ErrorCode) -> None:
        self.code = code
        super().__init__(RELAY_ERROR_TEXT[code])


class InternalError(AssistError):
    """Something unexpected (a bug) stopped the session; the log has the traceback."""

    template = (
        "Assist ran into an unexpected problem and had to stop the session. Please start "
        "again; the details were written to the log file."
    )


class UnsendableMessageError(InternalError):
    """This side built a message outside the catalogue's limits: a bug here, not the peer's.

    Checked before anything is sent, so the other side never has to refuse it.
    """


class ConnectionLostError(AssistError):
    template = "The connection to the relay was lost. Check your internet connection and try again."


class RelayUnreachableError(ConnectionLostError):
    template = (
        "Could not reach the relay at {url}. Check your internet connection and the "
        "relay address, then try again."
    )


class RelayCertificateError(RelayUnreachableError):
    """TLS reached the relay, but its certificate could not be trusted: nothing was sent."""

    template = (
        "The relay at {url} could not prove who it is, so Assist did not connect. "
        "Ask your admin to check the relay's certificate."
    )
    UNTRUSTED = (
        "The relay at {url} has a certificate this computer does not trust, so Assist did "
        "not connect. Ask your admin for the right certificate authority file (--ca-file)."
    )
    EXPIRED = (
        "The relay's certificate has expired or is not valid yet, so Assist did not connect. "
        "Check that this computer's date and time are right; if they are, tell your admin."
    )
    WRONG_HOST = (
        "The relay's certificate is for another server name than {host}, so Assist did not "
        "connect. Check the relay address, or tell your admin."
    )
    PIN_MISMATCH = (
        "The relay at {url} is not the one this computer was set up for (its key does not "
        "match the pinned key), so Assist did not connect. Tell your admin at once."
    )
    NOT_TLS = (
        "The relay at {url} does not speak TLS on that port, so Assist did not connect. "
        "Check the address and port with your admin."
    )
    CA_FILE = (
        "The certificate authority file {path} could not be read: {why}. Check the path "
        "given with --ca-file or ca_file."
    )
    templates = (UNTRUSTED, EXPIRED, WRONG_HOST, PIN_MISMATCH, NOT_TLS, CA_FILE)


class RelayRedirectError(RelayUnreachableError):
    """A node of a relay cluster sent the app to another address, and the app did not go:
    not the same service (``common.relay_address.same_cluster``), or round in circles."""

    template = (
        "The relay at {url} tried to send Assist on to {target}, which is not part of the "
        "same service, so Assist did not go there. Tell your admin."
    )
    LOOP = (
        "The relay at {url} kept sending Assist from one server to another. Try again in a "
        "minute; if it keeps happening, tell your admin."
    )
    templates = (LOOP,)


class ReasonedError(AssistError):
    """An error whose ``reason`` code picks its sentence from :attr:`SENTENCES`; an
    unknown code gets :attr:`FALLBACK`'s, and :attr:`DEFAULTS` fill the placeholders a
    caller left out. ``template`` and ``templates`` follow from those (translations)."""

    SENTENCES: ClassVar[dict[str, str]] = {}
    FALLBACK: ClassVar[str] = ""
    DEFAULTS: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.SENTENCES:
            cls.templates = tuple(cls.SENTENCES.values())
            cls.template = cls.SENTENCES[cls.FALLBACK]

    def __init__(self, reason: str = "", /, **params: Any) -> None:
        self.reason = reason if reason in self.SENTENCES else self.FALLBACK
        super().__init__(self.SENTENCES[self.reason], **{**self.DEFAULTS, **params})


class IdentityError(ReasonedError):
    """The customer's app refused the helper's identity; nothing was shared.

    ``reason`` names the refusal (one of :attr:`REASONS`), so the agent's app can
    be told which it was and say it in its own words (:class:`IdentityRefusedError`).
    """

    _STOP = "Assist stopped before sharing anything."
    _CALL = "Do not continue: hang up and call {org} on a number you know."
    MALFORMED = (
        "The helper's identity card could not be read. " + _STOP + " Ask the organisation "
        "to check its Assist set-up."
    )
    FORGED = (
        "The helper's identity card is not signed by the organisation it names. "
        + _STOP
        + " "
        + _CALL
    )
    WRONG_KEY = (
        "The helper says they are from {org}, but their card is not signed with the key "
        "this computer trusts for {org}. " + _STOP + " " + _CALL
    )
    NO_PROOF = (
        "The helper says they are from {org}, which this computer trusts, but could not "
        "prove it. " + _STOP + " " + _CALL
    )
    NOT_THIS_SESSION = (
        "The helper's identity card belongs to someone else or to another session. "
        + _STOP
        + " "
        + _CALL
    )
    EXPIRED = (
        "The helper's identity card has expired or is not valid yet. " + _STOP + " Ask them "
        "to sign in again; if it keeps happening, check this computer's date and time."
    )
    REVOKED = "The organisation has withdrawn this helper's identity card. " + _STOP + " " + _CALL
    STALE_LIST = (
        "Assist could not get a recent list of withdrawn cards from {org}, so it cannot "
        "confirm this helper. " + _STOP + " Try again later, or call {org} on a number "
        "you know."
    )
    #: Each refusal by name (what the agent is told), and its sentence.
    SENTENCES: ClassVar[dict[str, str]] = {
        "MALFORMED": MALFORMED,
        "FORGED": FORGED,
        "WRONG_KEY": WRONG_KEY,
        "NO_PROOF": NO_PROOF,
        "NOT_THIS_SESSION": NOT_THIS_SESSION,
        "EXPIRED": EXPIRED,
        "REVOKED": REVOKED,
        "STALE_LIST": STALE_LIST,
    }
    FALLBACK = "MALFORMED"
    DEFAULTS: ClassVar[dict[str, str]] = {"org": "the organisation"}
    REASONS = tuple(SENTENCES)


class IdentityRefusedError(AssistError):
    """Agent: the customer's app refused this agent's identity card (``reason`` says why)."""

    MALFORMED = (
        "The customer's app could not read your identity card, so the session ended. "
        "Ask your admin to check the organisation's Assist set-up."
    )
    UNTRUSTED = (
        "The customer's app does not accept your identity card (it trusts another key for "
        "your organisation, or you have no card), so the session ended. Ask your admin."
    )
    NOT_THIS_SESSION = (
        "The customer's app found that your identity card does not belong to this computer's "
        "key, so the session ended. Sign out and in again; if it keeps happening, ask your "
        "admin to issue a new card."
    )
    EXPIRED = (
        "The customer's app found your identity card expired, so the session ended. Sign "
        "out and in again to renew it, or ask your admin."
    )
    REVOKED = (
        "The customer's app found your identity card withdrawn, so the session ended. Ask "
        "your admin."
    )
    STALE_LIST = (
        "The customer's app needs a newer list of withdrawn cards than the relay gave you, "
        "so the session ended. Ask your admin to publish one (assist-relay org crl)."
    )
    #: The customer's refusal (IdentityError.REASONS) -> what this agent reads.
    SENTENCES: ClassVar[dict[str, str]] = {
        "MALFORMED": MALFORMED,
        "FORGED": UNTRUSTED,
        "WRONG_KEY": UNTRUSTED,
        "NO_PROOF": UNTRUSTED,
        "NOT_THIS_SESSION": NOT_THIS_SESSION,
        "EXPIRED": EXPIRED,
        "REVOKED": REVOKED,
        "STALE_LIST": STALE_LIST,
    }
    templates = (MALFORMED, UNTRUSTED, NOT_THIS_SESSION, EXPIRED, REVOKED, STALE_LIST)
    template = MALFORMED

    def __init__(self, reason: str = "MALFORMED") -> None:
        self.reason = reason
        super().__init__(self.SENTENCES.get(reason, self.MALFORMED))


class AgentKeyError(AssistError):
    """Agent: this computer's key file exists but cannot be used."""

    template = (
        "This computer's agent key ({path}) cannot be read. Move the file away and sign in "
        "again; then ask your admin to issue a certificate for the new key."
    )


class RoomError(ReasonedError):
    """Someone could not be let into a room; ``reason`` says which check failed."""

    BAD_OFFER = (
        "{name}'s request to join could not be checked (it is not signed by their key, or "
        "it was made for another session), so they were not let in. Ask them to accept "
        "the invitation again."
    )
    OTHER_ORG = (
        "{name}'s identity card is not from your organisation, or is out of date, so they "
        "were not let in. Ask your admin."
    )
    BAD_GREETING = (
        "The answer to your invitation was not signed by the agent who invited you, so "
        "Assist did not join the session. Ask them to invite you again."
    )
    ROOM_FULL = (
        "The session already has as many helpers as your desk allows, so {name} could "
        "not join. Someone must leave first."
    )
    SENTENCES: ClassVar[dict[str, str]] = {
        "BAD_OFFER": BAD_OFFER,
        "OTHER_ORG": OTHER_ORG,
        "BAD_GREETING": BAD_GREETING,
        "ROOM_FULL": ROOM_FULL,
    }
    FALLBACK = "BAD_OFFER"
    DEFAULTS: ClassVar[dict[str, str]] = {"name": "A colleague"}

    @classmethod
    def of(cls, reason: str, detail: str, **params: Any) -> RoomError:
        """The sentence for ``reason``, with ``detail`` kept for the logs."""
        err = cls(reason, **params)
        err.detail = detail
        return err


class DeskError(ReasonedError):
    """The help desk could not do what was asked; ``reason`` is the relay's code for why
    (the names of ``relay.desk`` refusals: a queue, a callback window, Take next)."""

    # The customer's side.
    UNKNOWN_QUEUE = "The desk no longer has that queue. Please choose one from the list again."
    CLOSED = (
        "The desk is closed now and opens {opens}. Leave a request and an agent will "
        "contact you then."
    )
    FULL = (
        "Too many people are waiting in this queue right now. Leave a request and an "
        "agent will contact you."
    )
    BLOCKED = (
        "This computer cannot ask this desk for help at the moment. Please contact the "
        "organisation another way."
    )
    ALREADY_WAITING = (
        "This computer is already waiting for help. Keep that window open: you keep your "
        "place in the queue."
    )
    LOST_PLACE = (
        "You were away too long and lost your place in the queue. Please ask for help again."
    )
    RATE_LIMITED = "Too many requests from this computer. Please wait a minute and try again."
    NO_DESK = "This relay has no help desk. Ask the organisation for a code instead."
    UNAVAILABLE = "The desk cannot keep your request right now. Please try again in a few minutes."
    NEED_CONTACT = "Please give a phone number or an e-mail address to be called on."
    NO_CALLBACK = (
        "That callback request is no longer open (an agent may have called already). "
        "Please ask for help again."
    )
    NOT_OFFERED = "That time can no longer be chosen. Please pick one of the times shown now."
    WINDOW_FULL = "That time is fully booked. Please pick another one."
    # The agent's side.
    AT_LIMIT = (
        "You are already helping as many customers as your desk allows. Finish a session first."
    )
    NOT_AVAILABLE = "You are set to Away. Set yourself Available to take customers."
    NOT_THEIR_QUEUE = "That customer is waiting in a queue your team does not serve."
    GONE = (
        "Nobody is waiting in your queues right now, or that customer was just taken by "
        "someone else or left."
    )
    NOT_FROM_QUEUE = (
        "Only a customer who asked from the queue can be flagged: this session has no "
        "installation to keep the flag with."
    )
    CALLBACK_GONE = "That callback request is no longer open: another agent may have recorded it."
    NOT_SUPERVISOR = "Only a supervisor can block a customer from the queues. Ask your supervisor."
    NOT_BLOCKABLE = (
        "Only a customer who asked from the queue can be blocked: this session has no "
        "installation to block."
    )
    SENTENCES: ClassVar[dict[str, str]] = {
        "UNKNOWN_QUEUE": UNKNOWN_QUEUE,
        "CLOSED": CLOSED,
        "FULL": FULL,
        "BLOCKED": BLOCKED,
        "ALREADY_WAITING": ALREADY_WAITING,
        "LOST_PLACE": LOST_PLACE,
        "RATE_LIMITED": RATE_LIMITED,
        "NO_DESK": NO_DESK,
        "NEED_CONTACT": NEED_CONTACT,
        "NO_CALLBACK": NO_CALLBACK,
        "UNAVAILABLE": UNAVAILABLE,
        "NOT_OFFERED": NOT_OFFERED,
        "WINDOW_FULL": WINDOW_FULL,
        "AT_LIMIT": AT_LIMIT,
        "NOT_AVAILABLE": NOT_AVAILABLE,
        "NOT_THEIR_QUEUE": NOT_THEIR_QUEUE,
        "GONE": GONE,
        "CALLBACK_GONE": CALLBACK_GONE,
        "NOT_FROM_QUEUE": NOT_FROM_QUEUE,
        "NOT_SUPERVISOR": NOT_SUPERVISOR,
        "NOT_BLOCKABLE": NOT_BLOCKABLE,
    }
    FALLBACK = "GONE"
    DEFAULTS: ClassVar[dict[str, str]] = {"opens": "later"}

    #: A callback can be asked for instead; the queue opens at this time (Unix s, or 0).
    offer_callback: bool = False
    opens_at: float = 0.0

    @classmethod
    def refused(cls, reason: str, offer_callback: bool = False, opens_at: float = 0.0) -> DeskError:
        """The error for a relay's ``DeskRefused`` (the app words ``opens`` itself)."""
        err = cls(reason)
        err.offer_callback, err.opens_at = offer_callback, opens_at
        return err


class SessionEndedError(AssistError):
    template = "The session ended unexpectedly. Start a new session if you still need help."
    templates = (
        "The other side left the session.",
        "The other side's connection dropped and did not come back.",
        "The customer removed you from the session. You no longer see their screen.",
        "Your connection to the session dropped. Ask your colleague to invite you again.",
        "The customer did not allow you into the session. Nothing was shared with you.",
        "The session ended.",
        "The customer declined to share their screen.",
        "The customer stopped sharing.",
        "The agent ended the session.",
        "The relay closed the session: {reason}",
        "Someone else tried to join with this code, so the session was closed to keep the "
        "customer safe. Start a new session and read out the new code.",
    )


class FileTransferError(AssistError):
    """A file hand-over that did not complete; what happened and what to do."""

    template = "The file did not arrive. Ask for it to be sent again."
    templates = (
        "The file could not be saved in {folder}. Choose another folder and ask for the "
        "file again.",
        "The file is {size}, more than the {limit} this computer accepts. Ask for a "
        "smaller file, or raise the limit in the settings.",
        "The file arrived damaged (its check did not match) and was not kept. Ask for it again.",
        "The file could not be read: {name}. Check that it still exists and try again.",
        "The transfer was cancelled. Nothing was kept.",
        "The other side did not accept the file.",
        "The connection dropped during the transfer. Nothing was kept; send it again.",
    )


#: What both apps say (the windows translated, in context "errors") while they talk to a
#: relay over ``ws://`` on purpose (``--insecure``). Not an error: a standing warning.
INSECURE_WARNING = (
    "Not encrypted: the connection to the relay is not protected by TLS, so people on "
    "the network can see who connects. Use this only for testing."
)


def all_templates() -> list[str]:
    """Every sentence an error can show, for the translation completeness tests."""
    seen: dict[str, None] = {}
    stack: list[type[AssistError]] = [AssistError]
    while stack:
        cls = stack.pop()
        seen.setdefault(cls.template, None)
        for extra in cls.templates:
            seen.setdefault(extra, None)
        stack.extend(cls.__subclasses__())
    for text in RELAY_ERROR_TEXT.values():
        seen.setdefault(text, None)
    seen.setdefault(INSECURE_WARNING, None)
    return list(seen)
