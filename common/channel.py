"""The end-to-end secure channel: SPAKE2 pairing, key confirmation, sealed records.

Sans-I/O. A :class:`Handshake` takes the session code and hands out the
messages to send; when the peer's key confirmation verifies it returns a
:class:`SecureChannel`, which turns application messages into sealed
end-to-end payloads and back. Nothing here touches a socket or a clock: the
apps' network drivers carry the bytes (inside relay ``Data`` messages).

Typical use (agent side; the customer is the mirror image)::

    hs = Handshake(Role.AGENT, code)
    send(Data(hs.start().serialize()))
    confirm = hs.receive_pake(peer_pake)        # -> our Confirm, send it
    channel = hs.receive_confirm(peer_confirm)   # WrongCodeError if the code differs
    send(hs.established())                       # to the relay
    send(Data(channel.seal(Chat(...))))
    msg = channel.open(sealed)                   # TamperedError on replay/reorder/gap/flip

The key schedule and record format are in docs/protocol.md.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable
from typing import NoReturn

from common import crypto
from common.codes import SessionCode
from common.errors import (
    ChannelError,
    ChannelExhaustedError,
    ProtocolError,
    ResumeFailedError,
    TamperedError,
    WrongCodeError,
)
from common.messages import (
    PAKE_MESSAGE_BYTES,
    ChannelAck,
    Confirm,
    Established,
    Layer,
    Message,
    Pake,
    ResumeSync,
    Role,
    Sealed,
    parse,
)

__all__ = ["KEY_PURPOSES", "Handshake", "KeySchedule", "SecureChannel"]

_SIDE_BYTE = {Role.AGENT: b"A", Role.CUSTOMER: b"B"}
_ID_PREFIX = {Role.AGENT: b"assist/1 agent ", Role.CUSTOMER: b"assist/1 customer "}
_ROLE_WORD = {Role.AGENT: "agent", Role.CUSTOMER: "customer"}


def _peer(role: Role) -> Role:
    return Role.CUSTOMER if role is Role.AGENT else Role.AGENT


#: Every key a session derives from its shared secret, by purpose.
KEY_PURPOSES = (
    "confirm agent",
    "confirm customer",
    "seal agent->customer",
    "seal customer->agent",
    "resume agent",
    "resume customer",
    "resume sync",
)


class KeySchedule:
    """One side's session keys, from a shared secret (SPAKE2's, or an X25519 one for a
    help request: :mod:`common.help`) salted with the session's transcript, and what
    they give: key confirmation, the sealed channel, resume tokens."""

    def __init__(self, role: Role, secret: bytes, transcript: bytes) -> None:
        self.role = role
        self.transcript = transcript
        self._keys = {p: crypto.derive_key(secret, transcript, p) for p in KEY_PURPOSES}
        self._channel: SecureChannel | None = None

    def confirmation(self, role: Role | None = None) -> bytes:
        """``role``'s (default: our) key confirmation: proof it derived the same keys
        from this transcript."""
        word = _ROLE_WORD[role or self.role]
        return crypto.mac(self._keys[f"confirm {word}"], b"assist/1 confirm", self.transcript)

    def confirmed(self, mac: bytes) -> SecureChannel:
        """Check the peer's confirmation; our end of the sealed channel. Raises
        WrongCodeError if it does not match (a wrong code, or a man in the middle)."""
        if self._channel is not None:
            raise ChannelError()
        if not crypto.mac_matches(self.confirmation(_peer(self.role)), mac):
            raise WrongCodeError()
        me, peer = _ROLE_WORD[self.role], _ROLE_WORD[_peer(self.role)]
        self._channel = SecureChannel(
            role=self.role,
            session_id=self.transcript[:16],
            send_key=self._keys[f"seal {me}->{peer}"],
            recv_key=self._keys[f"seal {peer}->{me}"],
            sync_key=self._keys["resume sync"],
        )
        return self._channel

    def resume_token(self, role: Role | None = None) -> bytes:
        """The token that lets *role* (default: us) resume this session at the relay."""
        return self._keys[f"resume {_ROLE_WORD[role or self.role]}"]


class Handshake:
    """One side's SPAKE2 exchange and key confirmation. Use once."""

    def __init__(
        self,
        role: Role,
        code: SessionCode,
        *,
        entropy: Callable[[int], bytes] = os.urandom,
    ) -> None:
        # Imported here: spake2 is slow to import and only endpoints need it.
        from spake2 import SPAKE2_A, SPAKE2_B

        self.role = Role(role)
        self.nameplate = code.nameplate
        id_a = _ID_PREFIX[Role.AGENT] + code.nameplate.encode("ascii")
        id_b = _ID_PREFIX[Role.CUSTOMER] + code.nameplate.encode("ascii")
        cls = SPAKE2_A if self.role is Role.AGENT else SPAKE2_B
        self._spake = cls(code.secret.encode("ascii"), idA=id_a, idB=id_b, entropy_f=entropy)
        self._ours: bytes | None = None
        self._keys: KeySchedule | None = None

    def start(self) -> Pake:
        if self._ours is not None:
            raise ChannelError()
        self._ours = self._spake.start()
        return Pake(self._ours)

    def receive_pake(self, msg: Pake) -> Confirm:
        """Check the peer's PAKE message, derive the keys, and return our Confirm."""
        if self._ours is None or self._keys is not None:
            raise ChannelError()
        body = msg.body
        # spake2 asserts on its input; everything it could assert on is checked here.
        if len(body) != PAKE_MESSAGE_BYTES or body[:1] != _SIDE_BYTE[_peer(self.role)]:
            raise TamperedError()
        if body[1:] == self._ours[1:]:
            raise TamperedError()  # reflected back at us
        try:
            key: bytes = self._spake.finish(body)
        except Exception:  # spake2 raises ValueError and friends on a bad point
            raise TamperedError() from None
        if self.role is Role.AGENT:
            pake_agent, pake_customer = self._ours, body
        else:
            pake_agent, pake_customer = body, self._ours
        transcript = crypto.transcript_hash(self.nameplate, pake_agent, pake_customer)
        self._keys = KeySchedule(self.role, key, transcript)
        return Confirm(self._keys.confirmation())

    def _schedule(self) -> KeySchedule:
        if self._keys is None:
            raise ChannelError()
        return self._keys

    @property
    def transcript(self) -> bytes:
        """The session's transcript hash (what the agent's identity signature covers)."""
        return self._schedule().transcript

    def receive_confirm(self, msg: Confirm) -> SecureChannel:
        """Verify the peer's key confirmation. Raises WrongCodeError if the codes differ."""
        return self._schedule().confirmed(msg.mac)

    def resume_token(self, role: Role | None = None) -> bytes:
        """The token that lets *role* (default: us) resume this session at the relay."""
        return self._schedule().resume_token(role)

    def established(self) -> Established:
        """The message that tells the relay pairing succeeded (token hashes only)."""
        return Established(
            crypto.token_hash(self.resume_token(Role.AGENT)),
            crypto.token_hash(self.resume_token(Role.CUSTOMER)),
        )


class SecureChannel:
    """Seals and opens application messages in one session, both directions.

    Every sealed record stays in a bounded resend buffer until the peer acknowledges
    it with a ChannelAck, so a dropped connection can be resumed without loss.
    """

    MAX_RECORDS = 1 << 32
    RESEND_LIMIT_BYTES = 16 << 20
    ACK_EVERY_RECORDS = 64
    ACK_EVERY_BYTES = 256 << 10

    def __init__(
        self,
        *,
        role: Role,
        session_id: bytes,
        send_key: bytes,
        recv_key: bytes,
        sync_key: bytes,
    ) -> None:
        self.role = role
        self._session_id = session_id
        self._send = crypto.aead(send_key)
        self._recv = crypto.aead(recv_key)
        self._sync_key = sync_key
        self._send_dir = int(role)
        self._recv_dir = int(_peer(role))
        self.send_next = 0
        self.recv_next = 0
        self.suspended = False
        self.closed = False
        self._resend: collections.deque[tuple[int, bytes]] = collections.deque()
        self._resend_bytes = 0
        self._resend_floor = 0  # lowest sequence number we can still resend
        self._unacked_records = 0
        self._unacked_bytes = 0

    # -- sending

    def seal(self, msg: Message) -> bytes | None:
        """Seal *msg*. Returns the e2e payload to send, or None while suspended (held)."""
        self._check_open()
        if self.send_next >= self.MAX_RECORDS:
            self.closed = True
            raise ChannelExhaustedError()
        seq = self.send_next
        plaintext = msg.serialize()
        ad = crypto.associated_data(self._session_id, self._send_dir, seq)
        payload = Sealed(seq, crypto.encrypt(self._send, seq, ad, plaintext)).serialize()
        self.send_next += 1
        self._hold(seq, payload)
        return None if self.suspended else payload

    def _hold(self, seq: int, payload: bytes) -> None:
        self._resend.append((seq, payload))
        self._resend_bytes += len(payload)
        while self._resend_bytes > self.RESEND_LIMIT_BYTES and len(self._resend) > 1:
            old_seq, old = self._resend.popleft()
            self._resend_bytes -= len(old)
            self._resend_floor = old_seq + 1

    def _trim(self, next_seq: int) -> None:
        if next_seq > self.send_next:
            self._fail(TamperedError())
        while self._resend and self._resend[0][0] < next_seq:
            self._resend_bytes -= len(self._resend.popleft()[1])
        self._resend_floor = max(self._resend_floor, next_seq)

    # -- receiving

    def open(self, sealed: Sealed) -> Message | None:
        """Open the next record. Returns the application message, or None when the
        record was channel bookkeeping or arrived while suspended (it will be resent).
        """
        self._check_open()
        if self.suspended:
            return None
        if sealed.seq != self.recv_next:
            self._fail(TamperedError())  # replay, reorder or gap
        ad = crypto.associated_data(self._session_id, self._recv_dir, sealed.seq)
        plaintext = crypto.decrypt(self._recv, sealed.seq, ad, sealed.ciphertext)
        if plaintext is None:
            self._fail(TamperedError())
        self.recv_next += 1
        try:
            msg = parse(plaintext, Layer.APP)
        except ProtocolError:
            self.closed = True
            raise
        if isinstance(msg, ChannelAck):
            self._trim(msg.next_seq)
            return None
        self._unacked_records += 1
        self._unacked_bytes += len(sealed.ciphertext)
        return msg

    def open_payload(self, payload: bytes) -> Message | None:
        """Parse an e2e payload that must be a sealed record, and open it."""
        msg = parse(payload, Layer.E2E)
        if not isinstance(msg, Sealed):
            self._fail(TamperedError())
        return self.open(msg)

    def pending_ack(self, *, idle: bool = False) -> bytes | None:
        """A sealed ChannelAck when one is due (or, when *idle*, when anything is unacked)."""
        due = (
            self._unacked_records >= self.ACK_EVERY_RECORDS
            or self._unacked_bytes >= self.ACK_EVERY_BYTES
            or (idle and self._unacked_records > 0)
        )
        if not due or self.closed:
            return None
        self._unacked_records = self._unacked_bytes = 0
        return self.seal(ChannelAck(self.recv_next))

    # -- resume

    def suspend(self) -> None:
        """The connection dropped: hold what we seal, discard what arrives, until resync."""
        self.suspended = True

    def resume_sync(self) -> ResumeSync:
        """What to send once back in touch with the peer: where we want it to resume."""
        return ResumeSync(self.recv_next, self._sync_mac(self.role, self.recv_next))

    def receive_resume_sync(self, msg: ResumeSync) -> list[bytes]:
        """The peer told us where to resume: return the records to resend, in order."""
        self._check_open()
        if not crypto.mac_matches(self._sync_mac(_peer(self.role), msg.next_seq), msg.mac):
            self._fail(TamperedError())
        if msg.next_seq > self.send_next:
            self._fail(TamperedError())
        if msg.next_seq < self._resend_floor:
            self._fail(ResumeFailedError())
        self._trim(msg.next_seq)
        self.suspended = False
        return [payload for _, payload in self._resend]

    def _sync_mac(self, role: Role, next_seq: int) -> bytes:
        return crypto.mac(
            self._sync_key,
            b"assist/1 resume sync",
            self._session_id,
            bytes((int(role),)),
            next_seq.to_bytes(8, "big"),
        )

    # -- state

    def _check_open(self) -> None:
        if self.closed:
            raise ChannelError()

    def _fail(self, error: ChannelError) -> NoReturn:
        self.closed = True
        raise error
