"""Rooms: one customer, a lead agent and helpers, with keys the relay never holds.

Sans-I/O, like :mod:`common.channel`. The session code's SPAKE2 channel joins the
customer and the lead; everyone else arrives like this (docs/protocol.md, "Rooms",
has the wire formats; docs/security.md the attackers)::

    newcomer = Newcomer.create(agent_key, nameplate=..., member=m, role=..., ...)
    post(lead, newcomer.offer)                    # signed by the newcomer's agent key
    # lead's app
    checked = check_offer(raw, nameplate=..., member=m, lead_certificate=own_cert, now=...)
    send_sealed(customer, Vouch(m, raw, note))     # inside the code-authenticated channel
    # customer's app
    candidate = room.consider(vouch, trust=..., now=...)   # the prompt shows this
    admission = room.admit(candidate)              # on Allow; room.decline(m) otherwise
    send_sealed(lead, admission.answer)            # with the HPKE welcome box
    for member, msg in admission.epoch_keys: send on that member's pairwise channel
    # lead's app
    post(m, Greeting(answer.welcome, countersign(lead_key, offer_raw, answer.welcome)))
    # newcomer's app
    channel, reader = newcomer.greeted(greeting, lead_key=...)

* The newcomer's offer carries a fresh X25519 key (for HPKE, RFC 9180) and is
  signed by its Ed25519 agent key, whose certificate the customer checks against
  the organisations it pins, exactly as it checks the lead. The offer reaches
  the customer only inside the lead's sealed channel: the relay can neither
  substitute the key nor slip in an offer of its own.
* On Allow the customer seals, to that X25519 key, a welcome: a fresh pairwise
  secret (the newcomer's own sealed channel to the customer, for marks, chat,
  acks: nobody else can forge them) and the key of a new epoch of the shared
  stream. Every other member gets the new epoch key on its pairwise channel.
* The screen is sealed once per record under the epoch key (:meth:`CustomerRoom.
  seal_cast`) and the relay fans it out; when someone leaves or is removed, the
  customer starts the next epoch without them (:meth:`CustomerRoom.remove`).
* A member's :class:`CastReader` accepts strictly increasing sequence numbers,
  with gaps only where the relay announced a skip: never a repeat, never a step
  back, never a record of an epoch it was not given.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from common import crypto, identity
from common.channel import SecureChannel
from common.errors import IdentityError, ProtocolError, RoomError, TamperedError
from common.messages import (
    KEY_BYTES,
    MAX_CERTIFICATE_BYTES,
    MAX_MEMBERS,
    MAX_REVOCATIONS_BYTES,
    Answer,
    CastSealed,
    EpochKey,
    Frame,
    Greeting,
    InviteKind,
    Layer,
    MemberRole,
    Message,
    Name,
    Nameplate,
    Offer,
    Record,
    Role,
    RosterEntry,
    UInt32,
    UInt64,
    Vouch,
    parse,
)

__all__ = [
    "Admission",
    "Candidate",
    "CastReader",
    "CheckedOffer",
    "CustomerRoom",
    "Newcomer",
    "StreamGate",
    "check_offer",
    "color_of",
    "countersign",
    "role_for",
    "roster_entry",
]

OFFER_VERSION = 1
#: An offer older (or newer) than this is refused: it was made for another moment.
OFFER_MAX_AGE_S = identity.CLOCK_SKEW_S
_OFFER_LABEL = b"assist/1 room offer\x00"
_GREETING_LABEL = b"assist/1 room greeting\x00"
_WELCOME_INFO = b"assist/1 room welcome\x00"
_CAST_LABEL = b"assist/1 cast\x00"
_PAIR_LABEL = b"assist/1 pair\x00"
#: RFC 9180 base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305.
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
#: Marks in the customer's screen and bar: one colour per member, by seat.
COLORS = (0xE53935, 0x1E88E5, 0x43A047, 0x8E24AA, 0xF4511E, 0x00897B, 0x6D4C41, 0x3949AB)


def color_of(member: int) -> int:
    """A member's colour (0xRRGGBB), from its seat: seats are never reused, so the
    customer's bar, overlay and every member's roster agree without being told."""
    return COLORS[(member - 1) % len(COLORS)]


def role_for(kind: InviteKind) -> MemberRole:
    """What an invitation makes its newcomer (the relay's seat and the offer agree)."""
    return {
        InviteKind.HELP: MemberRole.HELPER,
        InviteKind.HANDOVER: MemberRole.LEAD,
        InviteKind.SUPERVISE: MemberRole.SUPERVISOR,
    }[kind]


def roster_entry(
    member: int, who: identity.CheckedIdentity, role: MemberRole, *, can_draw: bool
) -> RosterEntry:
    """One line of the roster: who can see the screen, as the customer checked them."""
    return RosterEntry(
        member,
        who.display_name[:64],
        who.org[:64],
        who.team[:64],
        role,
        who.verified,
        color_of(member),
        can_draw,
    )


_Key = Annotated[bytes, msgspec.Meta(min_length=KEY_BYTES, max_length=KEY_BYTES)]
_MemberNo = Annotated[int, msgspec.Meta(ge=1, le=255)]


class OfferBody(Record):
    """What a newcomer signs: who, for which room and seat, and its fresh HPKE key."""

    version: Annotated[int, msgspec.Meta(ge=OFFER_VERSION, le=OFFER_VERSION)]
    nameplate: Nameplate
    member: _MemberNo
    role: MemberRole
    agent: Name
    display_name: Name
    org: Name
    agent_key: _Key
    hpke_key: _Key
    issued_at: UInt64
    certificate: Annotated[bytes, msgspec.Meta(max_length=MAX_CERTIFICATE_BYTES)]
    revocations: Annotated[bytes, msgspec.Meta(max_length=MAX_REVOCATIONS_BYTES)]


class _SignedOffer(Record):
    body: bytes
    signature: Annotated[bytes, msgspec.Meta(min_length=64, max_length=64)]


class WelcomeBody(Record):
    """Inside the HPKE box: the newcomer's pairwise secret and the current epoch."""

    room: Annotated[bytes, msgspec.Meta(min_length=16, max_length=16)]
    member: _MemberNo
    epoch: UInt32
    epoch_key: _Key
    first_seq: UInt64
    pair_secret: _Key


_ENC = msgspec.msgpack.Encoder()
_OFFER_BODY = msgspec.msgpack.Decoder(OfferBody)
_SIGNED_OFFER = msgspec.msgpack.Decoder(_SignedOffer)
_WELCOME_BODY = msgspec.msgpack.Decoder(WelcomeBody)


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# ---------------------------------------------------------------- offers


@dataclasses.dataclass(frozen=True)
class CheckedOffer:
    """An offer whose signature by the key it names verified."""

    body: OfferBody
    raw: bytes


def read_offer(raw: bytes) -> CheckedOffer:
    """Parse a signed offer and check its signature. Raises RoomError("BAD_OFFER")."""
    try:
        signed = _SIGNED_OFFER.decode(raw)
        body = _OFFER_BODY.decode(signed.body)
    except msgspec.MsgspecError as exc:
        raise RoomError.of("BAD_OFFER", f"offer: {exc}") from None
    if not identity.verify(body.agent_key, signed.signature, _OFFER_LABEL + signed.body):
        raise RoomError.of("BAD_OFFER", "offer: not signed by the key it names")
    return CheckedOffer(body, raw)


def check_offer(
    raw: bytes,
    *,
    nameplate: str,
    member: int,
    lead_certificate: bytes,
    now: float,
) -> CheckedOffer:
    """The lead's check before it vouches for a newcomer (RoomError if it must not).

    The offer must be signed by the key it names, be for this room and seat, and be
    fresh. When the lead has a certificate, the newcomer's must be signed by the
    same organisation key and be in date: a colleague, not someone the relay made up.
    """
    offer = read_offer(raw)
    body = offer.body
    if body.nameplate != nameplate or body.member != member:
        raise RoomError.of("BAD_OFFER", "offer: for another room or seat")
    if abs(now - body.issued_at) > OFFER_MAX_AGE_S:
        raise RoomError.of("BAD_OFFER", "offer: too old or from the future")
    if lead_certificate:
        own = identity.load_certificate(lead_certificate).body
        if not body.certificate:
            raise RoomError.of("OTHER_ORG", "offer: no certificate")
        try:
            theirs = identity.load_certificate(body.certificate).body
        except IdentityError:
            raise RoomError.of("OTHER_ORG", "offer: certificate unreadable") from None
        if theirs.org_key != own.org_key or theirs.agent_key != body.agent_key:
            raise RoomError.of("OTHER_ORG", "offer: another organisation or key")
        skew = identity.CLOCK_SKEW_S
        if not theirs.not_before - skew <= now <= theirs.not_after + skew:
            raise RoomError.of("OTHER_ORG", "offer: certificate out of date")
    return offer


def countersign(lead_key: Ed25519PrivateKey, offer_raw: bytes, box: bytes) -> bytes:
    """The lead's signature on a welcome box for the offer it answers."""
    return lead_key.sign(_GREETING_LABEL + _h(offer_raw) + _h(box))


def _pair_channel(role: Role, room: bytes, member: int, secret: bytes) -> SecureChannel:
    """The sealed channel between the customer and one member, from the welcome's secret."""
    context = _PAIR_LABEL + room + bytes((member,))
    keys = {
        p: crypto.derive_key(secret, context, p)
        for p in ("seal agent->customer", "seal customer->agent", "resume sync")
    }
    me, peer = ("agent", "customer") if role is Role.AGENT else ("customer", "agent")
    return SecureChannel(
        role=role,
        session_id=_h(context)[:16],
        send_key=keys[f"seal {me}->{peer}"],
        recv_key=keys[f"seal {peer}->{me}"],
        sync_key=keys["resume sync"],
    )


# ---------------------------------------------------------------- the shared stream


class CastReader:
    """A member's side of the shared stream: epochs it was given, and where it is."""

    def __init__(self, room: bytes, epoch: int, key: bytes, first_seq: int) -> None:
        self.room = room
        self.epoch = epoch
        self._keys: dict[int, tuple[Any, int]] = {epoch: (crypto.aead(key), first_seq)}
        self.next_seq = first_seq
        self._skipped = 0
        self._resync = False
        self.closed = False

    def resync(self) -> None:
        """Our connection was down: casts sent meanwhile never reached us, and the relay
        cannot say how many. Accept a jump forward once (never a step back)."""
        self._resync = True

    def add_key(self, msg: EpochKey) -> None:
        """The next epoch's key (from the pairwise channel). Only ever forward."""
        newest = max(self._keys)
        if msg.epoch <= newest or msg.first_seq < self.next_seq:
            self._fail()
        self._keys[msg.epoch] = (crypto.aead(msg.key), msg.first_seq)

    def skipped(self, count: int) -> None:
        """The relay dropped the next ``count`` records for us (we read too slowly)."""
        self._skipped += count

    def open(self, payload: bytes) -> Message:
        """Open the next record of the stream. TamperedError for a repeat, a step back,
        a gap the relay did not announce, a changed byte, or an epoch we were not given
        (or were given before a later one took over)."""
        if self.closed:
            self._fail()
        msg = parse(payload, Layer.E2E)
        if not isinstance(msg, CastSealed):
            self._fail()
        expected = self.next_seq + self._skipped
        if msg.seq != expected and not (self._resync and msg.seq > expected):
            self._fail()
        entry = self._keys.get(msg.epoch)
        if entry is None or msg.seq < entry[1]:
            self._fail()
        later = [e for e in self._keys if e > msg.epoch]
        if later and msg.seq >= min(self._keys[e][1] for e in later):
            self._fail()  # sealed under an old epoch after the new one began
        plaintext = crypto.decrypt(
            entry[0], msg.seq, _cast_ad(self.room, msg.epoch, msg.seq), msg.ciphertext
        )
        if plaintext is None:
            self._fail()
        self.next_seq = msg.seq + 1
        self._skipped = 0
        self._resync = False
        if msg.epoch != self.epoch:
            self.epoch = msg.epoch
            for old in [e for e in self._keys if e < msg.epoch]:
                del self._keys[old]  # forget keys nobody may use any more
        try:
            return parse(plaintext, Layer.APP)
        except ProtocolError:
            self.closed = True
            raise

    def _fail(self) -> NoReturn:
        self.closed = True
        raise TamperedError()


def _cast_ad(room: bytes, epoch: int, seq: int) -> bytes:
    return _CAST_LABEL + room + epoch.to_bytes(4, "big") + seq.to_bytes(8, "big")


# ---------------------------------------------------------------- the newcomer


class Newcomer:
    """A helper's (or a new lead's, or a supervisor's) side of joining a room."""

    def __init__(self, offer_raw: bytes, hpke_key: X25519PrivateKey, member: int) -> None:
        self.offer_raw = offer_raw
        self._hpke = hpke_key
        self.member = member
        self.greeted_once = False

    @classmethod
    def create(
        cls,
        agent_key: Ed25519PrivateKey,
        *,
        nameplate: str,
        member: int,
        role: MemberRole,
        agent: str,
        display_name: str,
        org: str,
        certificate: bytes,
        revocations: bytes,
        now: float,
    ) -> Newcomer:
        hpke_key = X25519PrivateKey.generate()
        body = OfferBody(
            OFFER_VERSION,
            nameplate,
            member,
            role,
            agent,
            display_name,
            org,
            identity.public_bytes(agent_key),
            hpke_key.public_key().public_bytes_raw(),
            int(now),
            certificate,
            revocations,
        )
        encoded = _ENC.encode(body)
        _OFFER_BODY.decode(encoded)  # hold it to its limits before it leaves
        raw = _ENC.encode(_SignedOffer(encoded, agent_key.sign(_OFFER_LABEL + encoded)))
        return cls(raw, hpke_key, member)

    @property
    def offer(self) -> Offer:
        return Offer(self.offer_raw)

    def greeted(self, msg: Greeting, *, lead_key: bytes) -> tuple[SecureChannel, CastReader]:
        """Open the customer's welcome (countersigned by the lead who invited us):
        our pairwise channel to the customer and the stream's current epoch."""
        if self.greeted_once:
            raise RoomError.of("BAD_GREETING", "a second greeting")
        message = _GREETING_LABEL + _h(self.offer_raw) + _h(msg.box)
        if not identity.verify(lead_key, msg.signature, message):
            raise RoomError.of("BAD_GREETING", "greeting: not signed by the lead")
        try:
            plaintext = _SUITE.decrypt(msg.box, self._hpke, info=self._info())
            body = _WELCOME_BODY.decode(plaintext)
        except (InvalidTag, ValueError, msgspec.MsgspecError) as exc:
            raise RoomError.of("BAD_GREETING", f"welcome: {exc!r}") from None
        if body.member != self.member:
            raise RoomError.of("BAD_GREETING", "welcome: for another seat")
        self.greeted_once = True
        channel = _pair_channel(Role.AGENT, body.room, self.member, body.pair_secret)
        return channel, CastReader(body.room, body.epoch, body.epoch_key, body.first_seq)

    def _info(self) -> bytes:
        return _WELCOME_INFO + bytes((self.member,)) + _h(self.offer_raw)


# ---------------------------------------------------------------- the customer


@dataclasses.dataclass(frozen=True)
class Candidate:
    """Someone the lead vouched for, checked: what the customer's prompt shows."""

    member: int
    who: identity.CheckedIdentity
    role: MemberRole
    offer: CheckedOffer
    note: str
    reason: str = ""


@dataclasses.dataclass
class RoomMember:
    member: int
    who: identity.CheckedIdentity
    role: MemberRole
    #: Its pairwise channel (None for member 1, whose channel is the code's own).
    channel: SecureChannel | None
    can_draw: bool = True


@dataclasses.dataclass(frozen=True)
class Admission:
    """What to send once the customer allowed someone: the answer (with the welcome
    box) to the lead, and the new epoch's key to every member already in."""

    answer: Answer
    channel: SecureChannel
    epoch_keys: tuple[tuple[int, EpochKey], ...]


class CustomerRoom:
    """The customer's side of a room: who is in, the epoch key, the shared stream.

    ``room`` is the code session's id (the first 16 bytes of its transcript hash);
    member 1, the lead who read out the code, is in from the start (``lead``).
    """

    def __init__(
        self,
        room: bytes,
        *,
        nameplate: str,
        lead: identity.CheckedIdentity,
        max_members: int = MAX_MEMBERS,
        entropy: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.room = room
        self.nameplate = nameplate
        self.max_members = max_members
        self._entropy = entropy
        self.members: dict[int, RoomMember] = {1: RoomMember(1, lead, MemberRole.LEAD, None)}
        self.lead = 1
        self.epoch = 0
        self._key = b""
        self._cipher: Any = None
        self.next_seq = 0
        self.pending: dict[int, Candidate] = {}

    # -- the stream

    def start(self) -> EpochKey:
        """Consent given: the first epoch, whose key goes to the lead."""
        return self._next_epoch()

    def _next_epoch(self) -> EpochKey:
        self.epoch += 1
        self._key = self._entropy(KEY_BYTES)
        self._cipher = crypto.aead(self._key)
        return EpochKey(self.epoch, self._key, self.next_seq)

    def seal_cast(self, msg: Message) -> bytes:
        """Seal ``msg`` once for every member: the e2e payload of a Cast."""
        if self._cipher is None:
            raise RuntimeError("seal_cast before start")  # a bug: consent comes first
        seq = self.next_seq
        self.next_seq += 1
        ad = _cast_ad(self.room, self.epoch, seq)
        ciphertext = crypto.encrypt(self._cipher, seq, ad, msg.serialize())
        return CastSealed(self.epoch, seq, ciphertext).serialize()

    # -- newcomers

    def consider(
        self, vouch: Vouch, *, trust: identity.Trust, now: float, relay_member: int
    ) -> Candidate:
        """Check an offer the lead vouched for (it arrived in the lead's sealed channel).

        ``relay_member`` is the seat the relay announced for this connection; the offer
        must be for it. Raises IdentityError (the card, as for the lead) or RoomError.
        """
        offer = read_offer(vouch.offer)
        body = offer.body
        if body.nameplate != self.nameplate or body.member != vouch.member:
            raise RoomError.of("BAD_OFFER", "offer: for another room or seat")
        if vouch.member != relay_member or vouch.member in self.members:
            raise RoomError.of("BAD_OFFER", "offer: a seat already taken or unknown")
        if abs(now - body.issued_at) > OFFER_MAX_AGE_S:
            raise RoomError.of("BAD_OFFER", "offer: too old or from the future")
        if len(self.members) >= self.max_members:
            raise RoomError.of("ROOM_FULL", "room full")
        who = identity.check_card(
            trust,
            certificate=body.certificate,
            revocations=body.revocations,
            signed=lambda key: key == body.agent_key,  # the offer's own signature proved it
            claimed_name=body.display_name,
            claimed_org=body.org,
            now=now,
        )
        candidate = Candidate(vouch.member, who, body.role, offer, vouch.note, vouch.reason)
        self.pending[vouch.member] = candidate
        return candidate

    def admit(self, candidate: Candidate) -> Admission:
        """The customer allowed ``candidate``: a new epoch, and their welcome."""
        if self.pending.pop(candidate.member, None) is not candidate:
            raise RoomError.of("BAD_OFFER", "admit: not a pending candidate")
        if self._cipher is None:
            raise RuntimeError("admit before start")
        others = tuple(self.members)
        epoch = self._next_epoch()
        secret = self._entropy(KEY_BYTES)
        welcome = WelcomeBody(
            self.room, candidate.member, epoch.epoch, epoch.key, epoch.first_seq, secret
        )
        body = candidate.offer.body
        info = _WELCOME_INFO + bytes((candidate.member,)) + _h(candidate.offer.raw)
        box = _SUITE.encrypt(
            _ENC.encode(welcome), X25519PublicKey.from_public_bytes(body.hpke_key), info=info
        )
        channel = _pair_channel(Role.CUSTOMER, self.room, candidate.member, secret)
        self.members[candidate.member] = RoomMember(
            candidate.member,
            candidate.who,
            candidate.role,
            channel,
            can_draw=candidate.role is not MemberRole.SUPERVISOR,
        )
        return Admission(
            Answer(candidate.member, True, box),
            channel,
            tuple((m, epoch) for m in others),
        )

    def decline(self, member: int) -> Answer:
        self.pending.pop(member, None)
        return Answer(member, False, b"")

    def remove(self, member: int) -> tuple[tuple[int, EpochKey], ...]:
        """``member`` left or was removed: the next epoch, for everyone else only."""
        self.pending.pop(member, None)
        if self.members.pop(member, None) is None:
            return ()
        if self.lead == member:
            self.lead = 0
        if self._cipher is None or not self.members:
            return ()
        epoch = self._next_epoch()
        return tuple((m, epoch) for m in self.members)

    def roster(self) -> tuple[RosterEntry, ...]:
        """Who can see the screen now, for every member's list and the sharing bar."""
        return tuple(
            roster_entry(
                m.member,
                m.who,
                _shown_role(m.role, m.member == self.lead),
                can_draw=m.can_draw,
            )
            for m in self.members.values()
        )


def _shown_role(role: MemberRole, leads: bool) -> MemberRole:
    """One lead at a time: after a hand-over the old lead stays on as a helper."""
    if leads:
        return MemberRole.LEAD
    return MemberRole.HELPER if role is MemberRole.LEAD else role


# ---------------------------------------------------------------- a viewer's gate


def _newer(a: int, b: int) -> bool:
    """Frame id ``a`` comes after ``b`` (ids are 32-bit and wrap)."""
    return 0 < (a - b) % (1 << 32) < (1 << 31)


class StreamGate:
    """Keeps a viewer's picture whole across records it never got.

    Frames are deltas, so after a gap (records the relay skipped for us, or cast
    while our connection was down) the next ones would paint on a stale picture.
    The gate drops frames from the gap on until a whole picture arrives: a
    broadcast keyframe, or the one the customer sends this member alone (on its
    pairwise channel) when asked with ``Refresh``; after that one, broadcast frames
    it already covers are dropped too. Everything that is not a frame passes.
    """

    def __init__(self) -> None:
        self.waiting = False
        self._floor: int | None = None
        #: Frames dropped at the gate so far (for tests and the stats line).
        self.dropped = 0

    def gap(self) -> bool:
        """Records were lost: True the first time, when the member should ask for a
        fresh picture (once per gap)."""
        first = not self.waiting
        self.waiting = True
        return first

    def cast(self, msg: Message) -> bool:
        """May this record of the shared stream reach the viewer?"""
        if not isinstance(msg, Frame):
            return True
        if self._floor is not None:
            if not _newer(msg.frame_id, self._floor):
                self.dropped += 1
                return False
            self._floor = None
        if self.waiting:
            if not msg.keyframe:
                self.dropped += 1
                return False
            self.waiting = False
        return True

    def private(self, msg: Message) -> None:
        """A whole picture for us alone arrived on the pairwise channel."""
        if isinstance(msg, Frame) and msg.keyframe:
            self.waiting = False
            self._floor = msg.frame_id
