"""The relay layer: endpoint <-> relay control messages. The relay parses only these."""

# ruff: noqa: F405 - names come from the star imports of limits and base
from __future__ import annotations

import struct
from typing import Annotated

from msgspec import Meta

from common.errors import ErrorCode, ProtocolError, VersionError
from common.messages.base import *  # noqa: F403
from common.messages.limits import *  # noqa: F403 - the constants and enums the layer names

# ---------------------------------------------------------------- relay layer


class Hello(Message):
    """First message of every connection, endpoint -> relay."""

    KIND = Kind.HELLO
    version: UInt16
    role: Role
    client: Name

    def check_version(self) -> None:
        if self.version != PROTOCOL_VERSION:
            raise VersionError(theirs=self.version, ours=PROTOCOL_VERSION)


class Welcome(Message):
    """relay -> endpoint: the hello was accepted."""

    KIND = Kind.WELCOME
    version: UInt16
    relay: Name


class Auth(Message):
    """agent -> relay: the agent's token."""

    KIND = Kind.AUTH
    token: Annotated[str, Meta(max_length=200)]
    #: The agent app's own Ed25519 key (the relay finds its certificate by it).
    public_key: Annotated[bytes, Meta(min_length=32, max_length=32)]

    def __repr__(self) -> str:  # never print a token
        return "Auth(token=<hidden>)"


class AuthOk(Message):
    KIND = Kind.AUTH_OK
    name: Name
    display_name: Name
    org: Name
    #: This key's certificate and its organisation's newest revocation list (empty when
    #: there is none). The agent's app passes both to customers inside the channel; the
    #: relay cannot forge them, only withhold them (then customers who pin refuse).
    certificate: Annotated[bytes, Meta(max_length=MAX_CERTIFICATE_BYTES)] = b""
    revocations: Annotated[bytes, Meta(max_length=MAX_REVOCATIONS_BYTES)] = b""
    #: Protocol 4: this agent may ask to watch colleagues' sessions.
    supervisor: bool = False


class Create(Message):
    """agent -> relay: allocate a nameplate for a new session."""

    KIND = Kind.CREATE


class Created(Message):
    KIND = Kind.CREATED
    nameplate: Nameplate
    expires_s: UInt32


class Join(Message):
    """customer -> relay: claim the nameplate (the first digits of the code)."""

    KIND = Kind.JOIN
    nameplate: Nameplate


class Paired(Message):
    """relay -> both: the other side is here. Names come from the relay's own records."""

    KIND = Kind.PAIRED
    agent_display_name: Name
    agent_org: Name


class Data(RawMessage):
    """Opaque end-to-end bytes. The relay forwards the whole message unchanged."""

    KIND = Kind.DATA
    payload: Annotated[bytes, Meta(min_length=1, max_length=MAX_MESSAGE_BYTES - 1)]

    def raw_body(self) -> bytes:
        return self.payload

    @classmethod
    def parse_body(cls, body: memoryview) -> Data:
        if not body:  # the hot path of the relay: one check, no convert
            raise ProtocolError.because("Data.payload: empty")
        return cls(bytes(body))


class Established(Message):
    """endpoint -> relay after key confirmation: hashes of both sides' resume tokens.

    The relay marks the session established when both sides sent the same pair,
    and later accepts a ``Resume`` whose token hashes to the matching value.
    """

    KIND = Kind.ESTABLISHED
    agent_token_hash: Hash32
    customer_token_hash: Hash32


class PairingFailed(Message):
    """endpoint -> relay: key confirmation failed. The relay burns the nameplate."""

    KIND = Kind.PAIRING_FAILED


class PeerAway(Message):
    """relay -> endpoint: the other side's connection dropped; it may resume."""

    KIND = Kind.PEER_AWAY
    grace_s: UInt32


class PeerBack(Message):
    KIND = Kind.PEER_BACK


class PeerLeft(Message):
    KIND = Kind.PEER_LEFT
    reason: PeerLeftReason


class Resume(Message):
    """endpoint -> relay on a new connection: pick the session up again."""

    KIND = Kind.RESUME
    nameplate: Nameplate
    role: Role
    token: Hash32

    def __repr__(self) -> str:
        return f"Resume(nameplate={self.nameplate!r}, role={self.role!r}, token=<hidden>)"


class Resumed(Message):
    """relay -> endpoint: resume accepted; ``peer_present`` says if the other side is there."""

    KIND = Kind.RESUMED
    peer_present: bool


class Congestion(Message):
    """relay -> endpoint: the other side is reading slowly. Level 0 means clear."""

    KIND = Kind.CONGESTION
    level: Annotated[int, Meta(ge=0, le=3)]
    queued_bytes: UInt32


class Error(Message):
    """relay -> endpoint: a refusal with a stable code and a sentence."""

    KIND = Kind.ERROR
    code: ErrorCode
    text: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]


class Bye(Message):
    """endpoint -> relay: ending the session on purpose, and how."""

    KIND = Kind.BYE
    reason: EndReason


#: Longest address a Redirect may carry (a wss:// URL with host and port).
MAX_URL = 255


class Redirect(Message):
    """relay -> endpoint: this session lives on another node of the cluster, or this node
    is draining; connect to ``url`` and send the same request there. The apps follow it
    only to an address of the same cluster (:func:`common.relay_address.redirect_allowed`)."""

    KIND = Kind.REDIRECT
    url: Annotated[str, Meta(max_length=MAX_URL)]


# ---------------------------------------------------------------- rooms (protocol 4)
# A session is a room: the customer, the lead agent and up to ``max_helpers`` more
# people. The relay routes; it never holds a key (docs/protocol.md, "Rooms").

#: A member's number in its room: the customer is 0, the agent who created it 1,
#: newcomers count up and are never reused.
MemberId = Annotated[int, Meta(ge=0, le=255)]
CUSTOMER_MEMBER = 0
LEAD_MEMBER = 1


class Presence(Message):
    """agent -> relay on a desk connection (signed in, no session): how available I am."""

    KIND = Kind.PRESENCE
    state: PresenceState


class Colleague(Record):
    name: Name
    display_name: Name
    team: Name
    state: PresenceState
    #: In a session right now (the list shows "busy in a session").
    in_room: bool


class Colleagues(Message):
    """relay -> a desk connection: the signed-in agents of the same organisation."""

    KIND = Kind.COLLEAGUES
    colleagues: Annotated[tuple[Colleague, ...], Meta(max_length=1000)]


class Invite(Message):
    """lead -> relay (on its session connection): ask a colleague into this room."""

    KIND = Kind.INVITE
    agent: Name
    kind: InviteKind
    reason: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]


class Invited(Message):
    """relay -> the colleague's desk connection: someone asks you into their room.

    ``lead_key`` (and the certificate naming it) is who signs the greeting the newcomer
    gets once the customer allows them; the newcomer's app checks it against its own
    organisation's key, not the relay's word.
    """

    KIND = Kind.INVITED
    invite_id: UInt32
    nameplate: Nameplate
    kind: InviteKind
    from_name: Name
    from_display_name: Name
    org: Name
    reason: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]
    lead_key: Annotated[bytes, Meta(min_length=KEY_BYTES, max_length=KEY_BYTES)]
    lead_certificate: Annotated[bytes, Meta(max_length=MAX_CERTIFICATE_BYTES)]
    expires_s: UInt32
    #: The lead's seat: where the newcomer's offer goes.
    lead_member: Annotated[int, Meta(ge=1, le=255)] = 1


class InviteAnswer(Message):
    """colleague -> relay: yes (then they open a session connection and Enter) or no."""

    KIND = Kind.INVITE_ANSWER
    invite_id: UInt32
    accept: bool


class InviteStatus(Message):
    """relay -> the inviting lead: how the invitation to ``agent`` is going."""

    KIND = Kind.INVITE_STATUS
    agent: Name
    display_name: Name
    state: InviteState
    member: MemberId


class Enter(Message):
    """newcomer -> relay on a new, signed-in connection: take my place in the room."""

    KIND = Kind.ENTER
    invite_id: UInt32
    nameplate: Nameplate


class Entered(Message):
    """relay -> newcomer: you are member ``member``; nothing reaches you until the
    customer allows you (the relay is told by ``Admit``)."""

    KIND = Kind.ENTERED
    member: MemberId


class Member(Message):
    """relay -> customer and lead: a member connection arrived or went. Names are the
    relay's records (the customer's app shows only names it verified itself)."""

    KIND = Kind.MEMBER
    member: MemberId
    name: Name
    display_name: Name
    org: Name
    role: MemberRole
    present: bool


_MEMBER = struct.Struct(">B")


class Post(RawMessage):
    """To one member (sender -> relay) or from one (relay -> receiver): opaque e2e bytes.
    The relay replaces ``member`` with the sender's number before it forwards."""

    KIND = Kind.POST
    member: MemberId
    payload: Annotated[bytes, Meta(min_length=1, max_length=MAX_MESSAGE_BYTES - 2)]

    def raw_body(self) -> bytes:
        return _MEMBER.pack(self.member) + self.payload

    @classmethod
    def parse_body(cls, body: memoryview) -> Post:
        if len(body) < 2:
            raise ProtocolError.because("Post: no member or no payload")
        return cls(body[0], bytes(body[1:]))


class Cast(RawMessage):
    """customer -> relay -> every admitted member: one record under the epoch key.

    The relay forwards it unchanged, but may skip it for a member whose queue is
    full; then a :class:`Skipped` comes first, so the member knows how many."""

    KIND = Kind.CAST
    payload: Annotated[bytes, Meta(min_length=1, max_length=MAX_MESSAGE_BYTES - 1)]

    def raw_body(self) -> bytes:
        return self.payload

    @classmethod
    def parse_body(cls, body: memoryview) -> Cast:
        if not body:
            raise ProtocolError.because("Cast.payload: empty")
        return cls(bytes(body))


class Skipped(Message):
    """relay -> member: the next ``count`` casts were dropped for you (you read slowly)."""

    KIND = Kind.SKIPPED
    count: Annotated[int, Meta(ge=1, le=U32)]


class Admit(Message):
    """customer -> relay: start casting to ``member`` (the customer allowed them), or,
    with ``admitted`` false, remove them: the relay closes their connection."""

    KIND = Kind.ADMIT
    member: MemberId
    admitted: bool


class Lead(Message):
    """customer -> relay: ``member`` leads the room now (after a hand-over): they may
    invite, and the old lead's leaving no longer ends it."""

    KIND = Kind.LEAD
    member: MemberId


# ---------------------------------------------------------------- the help desk (protocol 5)
# A customer asks from the app and waits in a queue; an agent takes them; the relay
# pairs the two connections into a session with no code. Who answers is proved end
# to end (HelpAnswer, common/help.py), never on the relay's word. docs/protocol.md,
# "The help desk".

QueueId = Annotated[str, Meta(min_length=1, max_length=MAX_QUEUE_ID)]
Ticket = Annotated[str, Meta(min_length=1, max_length=MAX_TICKET)]
#: An organisation's key fingerprint, as the customer's app pinned it.
Fingerprint = Annotated[str, Meta(min_length=1, max_length=128)]
Installation = Annotated[str, Meta(min_length=8, max_length=MAX_INSTALLATION)]
PersonName = Annotated[str, Meta(min_length=1, max_length=MAX_NAME)]
Contact = Annotated[str, Meta(max_length=MAX_CONTACT)]
Description = Annotated[str, Meta(min_length=1, max_length=MAX_SHORT_TEXT)]
SystemInfo = Annotated[str, Meta(max_length=MAX_SYSTEM)]
HelpKey = Annotated[bytes, Meta(min_length=KEY_BYTES, max_length=KEY_BYTES)]
HelpNonce = Annotated[bytes, Meta(min_length=16, max_length=16)]
#: A wait in minutes as people are told it, or -1: nobody serves the queue now.
WaitMinutes = Annotated[int, Meta(ge=-1, le=U32)]
Reason = Annotated[str, Meta(min_length=1, max_length=32)]


class Ask(Message):
    """customer -> relay: put me in ``queue``. ``help_key``/``nonce`` are the public half
    of the key exchange (common/help.py); ``rejoin_hash`` is SHA-256 of the secret that
    gets the place back after a dropped connection (:class:`Back`)."""

    KIND = Kind.ASK
    queue: QueueId
    org: Fingerprint
    installation: Installation
    name: PersonName
    contact: Contact
    description: Description
    system: SystemInfo
    help_key: HelpKey
    nonce: HelpNonce
    rejoin_hash: Hash32
    #: The id of a callback booked "in the app": wait for that agent's call here
    #: instead of a place in the queue (the relay answers position 0).
    callback: Annotated[str, Meta(max_length=32)] = ""


class Standing(Message):
    """relay -> waiting customer: where they stand, sent on joining and whenever the
    position, the wait as shown or the callback offer changes. Position 0: waiting
    for a booked callback (``Ask.callback``), not in line."""

    KIND = Kind.STANDING
    ticket: Ticket
    queue: QueueId
    position: UInt32
    wait_min: WaitMinutes
    offer_callback: bool


class DeskRefused(Message):
    """relay -> customer or agent: the desk could not do that; ``reason`` names a
    :class:`common.errors.DeskError` sentence. The connection stays open."""

    KIND = Kind.DESK_REFUSED
    reason: Reason
    offer_callback: bool = False
    #: When the queue opens next (Unix seconds), or 0.
    opens_at: UInt64 = 0


class Back(Message):
    """customer -> relay on a new connection: I had ``ticket``; here is its secret."""

    KIND = Kind.BACK
    ticket: Ticket
    secret: Hash32

    def __repr__(self) -> str:
        return f"Back(ticket={self.ticket!r}, secret=<hidden>)"


class Leave(Message):
    """customer -> relay: take me out of the queue (the relay then closes)."""

    KIND = Kind.LEAVE


#: ``Take`` of this, then a callback's id: call back the customer whose app waits for it.
CALLBACK_TICKET = "cb:"


class Take(Message):
    """agent -> relay on a signed-in connection: take this customer (``ticket``), or
    the one waiting longest in my queues (empty ticket). Answered by :class:`Took` and
    :class:`Paired`, or :class:`DeskRefused`."""

    KIND = Kind.TAKE
    ticket: Annotated[str, Meta(max_length=MAX_TICKET)] = ""


class Took(Message):
    """relay -> agent: you have this customer; the session is ``nameplate``. The ask
    (``help_key``, ``nonce``, ``org``) is what the agent's answer must sign."""

    KIND = Kind.TOOK
    ticket: Ticket
    nameplate: Nameplate
    queue: QueueId
    waited_s: UInt32
    name: PersonName
    contact: Contact
    description: Description
    system: SystemInfo
    org: Fingerprint
    help_key: HelpKey
    nonce: HelpNonce
    #: How many times this installation contacted the desk before.
    earlier: UInt32 = 0


class Called(Message):
    """relay -> waiting customer: an agent took you; the session is ``nameplate`` (for
    resuming). :class:`Paired` follows; who it is comes end to end."""

    KIND = Kind.CALLED
    nameplate: Nameplate


class ListQueues(Message):
    """anyone -> relay: the desk's queues now (the Get help form, the off-hours screen)."""

    KIND = Kind.LIST_QUEUES


class QueueInfo(Record):
    id: QueueId
    name: Name
    name_ko: Name
    open: bool
    #: Unix seconds: the next opening (when closed) and the closing (when open), or 0.
    opens_at: UInt64
    closes_at: UInt64
    waiting: UInt32
    wait_min: WaitMinutes
    #: Agents serving it now (available or busy).
    serving: UInt16


class Queues(Message):
    KIND = Kind.QUEUES
    queues: Annotated[tuple[QueueInfo, ...], Meta(max_length=MAX_DESK_QUEUES)]


class WaitingItem(Record):
    ticket: Ticket
    queue: QueueId
    waited_s: UInt32
    name: PersonName
    #: The start of the description (the whole of it comes with Took).
    description: Description
    earlier: UInt32
    #: Their connection dropped: they keep their place, nobody can take them now.
    away: bool


class WaitingList(Message):
    """relay -> an agent's desk connection: who waits in the queues the agent serves,
    longest waiting first (sent when it changes, at most once a tick)."""

    KIND = Kind.WAITING_LIST
    items: Annotated[tuple[WaitingItem, ...], Meta(max_length=MAX_DESK_LIST)]
    #: How many wait in all (the list is cut at MAX_DESK_LIST).
    total: UInt32


class ListWindows(Message):
    """customer -> relay: the callback windows ``queue`` offers now."""

    KIND = Kind.LIST_WINDOWS
    queue: QueueId


class Windows(Message):
    KIND = Kind.WINDOWS
    queue: QueueId
    #: Unix seconds; each window is ``minutes`` long.
    starts: Annotated[tuple[UInt64, ...], Meta(max_length=64)]
    minutes: UInt16


class CallMe(Message):
    """customer -> relay: call me back in the window starting at ``window_start``, by
    phone (``in_app`` false) or in the app."""

    KIND = Kind.CALL_ME
    queue: QueueId
    installation: Installation
    name: PersonName
    #: A phone number or e-mail address; required for a call by phone.
    contact: Contact
    description: Description
    window_start: UInt64
    in_app: bool


class CallbackBooked(Message):
    KIND = Kind.CALLBACK_BOOKED
    id: Annotated[str, Meta(min_length=1, max_length=32)]
    window_start: UInt64
    window_end: UInt64


class CallbackItem(Record):
    id: Annotated[str, Meta(min_length=1, max_length=32)]
    queue: QueueId
    window_start: UInt64
    window_end: UInt64
    name: PersonName
    contact: Contact
    description: Description
    in_app: bool
    #: Unix seconds when the customer asked.
    asked: UInt64
    #: In the app, and the customer's app waits for the call now: "Call in app" works.
    app_open: bool = False


class CallbackList(Message):
    """relay -> an agent's desk connection: open callback requests of the agent's
    queues, by window (sent when it changes)."""

    KIND = Kind.CALLBACK_LIST
    items: Annotated[tuple[CallbackItem, ...], Meta(max_length=MAX_DESK_LIST)]


class CallbackOutcome(Message):
    """agent -> relay: what came of a callback (``window_start`` for RESCHEDULED)."""

    KIND = Kind.CALLBACK_OUTCOME
    id: Annotated[str, Meta(min_length=1, max_length=32)]
    outcome: Outcome
    window_start: UInt64 = 0
    note: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)] = ""


class Flag(Message):
    """agent -> relay, in a session with a customer from the queue: flag this contact
    (kept with the customer's installation, who flagged it and why)."""

    KIND = Kind.FLAG
    kind: FlagKind
    reason: Annotated[str, Meta(min_length=1, max_length=MAX_SHORT_TEXT)]


class Block(Message):
    """supervisor -> relay: keep a customer's installation out of the queues for
    ``minutes``, and why (the desk log keeps who and why). On a desk connection
    ``ticket`` names a waiting customer; on a session connection it is empty: this
    session's customer."""

    KIND = Kind.BLOCK
    ticket: Annotated[str, Meta(max_length=MAX_TICKET)]
    minutes: Annotated[int, Meta(ge=1, le=MAX_BLOCK_MINUTES)]
    reason: Annotated[str, Meta(min_length=1, max_length=MAX_SHORT_TEXT)]


class Blocked(Message):
    """relay -> supervisor: the block is in force until ``until`` (Unix seconds)."""

    KIND = Kind.BLOCKED
    until: UInt64


ContactId = Annotated[str, Meta(max_length=32)]
#: The agent's say on a contact: resolved on it (1), not (0), not said (-1).
Resolved = Annotated[int, Meta(ge=-1, le=1)]


#: :class:`Note` to this, then a nameplate: the agent's latest session with it (one
#: started with a code, whose contact id the app is never told).
NAMEPLATE_CONTACT = "np:"


class Note(Message):
    """agent -> relay: the agent's notes on a contact for the desk's records, whether it
    was resolved on it, and its tags. In a session ``contact`` is empty (this one);
    afterwards, on the desk connection, it is the id :class:`History` gave, or
    :data:`NAMEPLATE_CONTACT` and the nameplate of a session started with a code. The
    newest replaces the agent's earlier note on that contact."""

    KIND = Kind.NOTE
    contact: ContactId
    text: Annotated[str, Meta(max_length=MAX_TEXT)]
    resolved: Resolved = -1
    tags: Annotated[str, Meta(max_length=200)] = ""


class HistoryItem(Record):
    """One earlier contact of the customer (newest first in :class:`History`)."""

    asked: UInt64
    queue: Annotated[str, Meta(max_length=MAX_QUEUE_ID)]
    topic: Annotated[str, Meta(max_length=120)]
    state: Annotated[str, Meta(max_length=24)]
    resolved: Resolved
    agents: Annotated[str, Meta(max_length=200)]
    note: Annotated[str, Meta(max_length=300)]


class History(Message):
    """relay -> the agent who leads a session, as it starts: the contact's id (for
    :class:`Note`) and the customer's earlier contacts with this desk, recognised by
    their installation or the phone or e-mail they gave (none for a code session)."""

    KIND = Kind.HISTORY
    contact: ContactId
    items: Annotated[tuple[HistoryItem, ...], Meta(max_length=MAX_HISTORY)]


class Survey(Message):
    """customer -> relay as a session ends: how satisfied they were (1-5) and why, for
    the desk's records. (The agent hears the same from the sealed ``Rating``.)"""

    KIND = Kind.SURVEY
    score: Annotated[int, Meta(ge=1, le=5)]
    comment: Annotated[str, Meta(max_length=1000)] = ""


class Report(Message):
    """customer -> relay (protocol 7): a control or file event for the audit log — who
    (``member``: their seat, 1 the lead) and what (``detail``: a reason, or a file's name,
    size and SHA-256; never its content). The relay records it as the customer's word."""

    KIND = Kind.REPORT
    event: ReportEvent
    member: Annotated[int, Meta(ge=0, le=255)]
    detail: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)] = ""
