"""Keys for a customer who asked for help from the app: no code, a verified agent.

When a customer asks for help from the app there is no phone call to carry a
secret, so the code's SPAKE2 cannot authenticate the agent. Instead the agent
proves who it is with its organisation's certificate, and the customer's app
accepts only an organisation it has pinned — the one the customer chose:

1. The customer's app makes a fresh X25519 key and sends its public half with a
   random nonce along with the request (:class:`HelpSeeker.ask` → :class:`HelpAsk`).
   The relay keeps it with the ticket; it is public.
2. The agent who takes the ticket makes its own X25519 key and signs, with the key
   its certificate names, the transcript: a hash of the label, the ticket, the
   customer's key and nonce, the organisation asked, its own key and its
   certificate (:class:`HelpGiver` → :class:`HelpAnswer`).
3. The customer's app checks the certificate against its pin for *that*
   organisation (in date, not revoked: :func:`common.identity.check_card`), the
   signature over the transcript, and derives the session keys from the X25519
   secret salted with the transcript (:class:`common.channel.KeySchedule`), then
   both sides exchange key confirmations as after SPAKE2 and use the same sealed
   channel and resume tokens.

What the relay can and cannot do (docs/security.md, "Help without a code"):

* it cannot slip in an agent of its own: that takes a certificate of the pinned
  organisation and its agent's private key;
* it cannot replay an old answer: the signature covers this request's fresh key
  and nonce;
* it cannot move an answer to another organisation's ticket: the organisation
  asked is in the transcript and the pin is checked for it;
* swapping the customer's key for its own only makes the relay "a customer" to
  the agent — anyone can ask for help — and cuts the real customer off, who then
  sees a refusal, never a session with someone unchecked.

Pure code: no clock (``now`` is passed in), no sockets.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from common import crypto
from common.channel import KeySchedule, SecureChannel
from common.errors import ChannelError, IdentityError, TamperedError
from common.identity import CheckedIdentity, Trust, check_card, verify
from common.messages import Confirm, Established, HelpAnswer, Role

__all__ = ["HelpAnswer", "HelpAsk", "HelpGiver", "HelpRequest", "HelpSeeker", "help_transcript"]

_LABEL = b"assist/help/1"
_SIGN_LABEL = b"assist/help/1 answer\x00"
KEY_BYTES = 32
NONCE_BYTES = 16
MAX_TICKET = 64


@dataclasses.dataclass(frozen=True, slots=True)
class HelpRequest:
    """What the customer filled in on the Get help form (the relay keeps it with the
    ticket; the agent who takes it sees it). ``org`` is the pinned organisation's
    fingerprint; ``system`` is empty unless the customer ticked "attach"."""

    queue: str
    org: str
    installation: str
    name: str
    contact: str
    description: str
    system: str = ""
    #: A callback booked "in the app": wait for that call instead of a queue place.
    callback: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class HelpAsk:
    """What the customer's app sends with its request (public)."""

    public_key: bytes
    nonce: bytes


def help_transcript(
    ticket: str, ask: HelpAsk, org_fingerprint: str, agent_public: bytes, certificate: bytes
) -> bytes:
    """SHA-256 over the label and every length-prefixed part the answer commits to."""
    h = hashlib.sha256(_LABEL)
    parts = (ticket.encode(), ask.public_key, ask.nonce, org_fingerprint.encode(), agent_public)
    for part in (*parts, certificate):
        h.update(len(part).to_bytes(4, "big"))
        h.update(part)
    return h.digest()


def _shared(ours: X25519PrivateKey, theirs: bytes) -> bytes:
    if len(theirs) != KEY_BYTES:
        raise TamperedError()
    try:
        secret = ours.exchange(X25519PublicKey.from_public_bytes(theirs))
    except ValueError:  # a low-order point: the shared secret would be all zeros
        raise TamperedError() from None
    return secret


class _Side:
    def __init__(self, role: Role) -> None:
        self.role = role
        self._keys: KeySchedule | None = None

    def _schedule(self) -> KeySchedule:
        if self._keys is None:
            raise ChannelError()
        return self._keys

    def confirmation(self) -> bytes:
        """Our key confirmation (a ``Confirm`` message's mac)."""
        return self._schedule().confirmation()

    def confirmed(self, mac: bytes) -> SecureChannel:
        """Check the peer's confirmation; the sealed channel. Raises WrongCodeError."""
        return self._schedule().confirmed(mac)

    @property
    def transcript(self) -> bytes:
        return self._schedule().transcript

    def resume_token(self, role: Role | None = None) -> bytes:
        return self._schedule().resume_token(role)

    # The same surface as common.channel.Handshake, so an endpoint drives either.

    def receive_confirm(self, msg: Confirm) -> SecureChannel:
        return self.confirmed(msg.mac)

    def established(self) -> Established:
        """The message that tells the relay pairing succeeded (token hashes only)."""
        return Established(
            crypto.token_hash(self.resume_token(Role.AGENT)),
            crypto.token_hash(self.resume_token(Role.CUSTOMER)),
        )


class HelpSeeker(_Side):
    """The customer's side. Use once: :meth:`ask`, :meth:`answered`, then
    :meth:`confirmation` / :meth:`confirmed`."""

    def __init__(
        self, org_fingerprint: str, *, entropy: Callable[[int], bytes] = os.urandom
    ) -> None:
        super().__init__(Role.CUSTOMER)
        self.org_fingerprint = org_fingerprint
        self._private = X25519PrivateKey.from_private_bytes(entropy(KEY_BYTES))
        self._ask = HelpAsk(self._private.public_key().public_bytes_raw(), entropy(NONCE_BYTES))

    def ask(self) -> HelpAsk:
        return self._ask

    def answered(
        self, ticket: str, answer: HelpAnswer, trust: Trust, now: float
    ) -> CheckedIdentity:
        """Check an agent's answer to our ticket: a verified certificate of the
        organisation we asked, whose key signed this very request. Raises
        IdentityError (who) or TamperedError (the keys)."""
        if self._keys is not None:
            raise ChannelError()
        if not 0 < len(ticket.encode()) <= MAX_TICKET:
            raise TamperedError()
        pin = trust.pinned(self.org_fingerprint)
        if pin is None:
            raise IdentityError("WRONG_KEY", org="")
        transcript = help_transcript(
            ticket, self._ask, self.org_fingerprint, answer.public_key, answer.certificate
        )
        checked = check_card(
            trust,
            certificate=answer.certificate,
            revocations=answer.revocations,
            signed=lambda key: verify(key, answer.signature, _SIGN_LABEL + transcript),
            claimed_name="",
            claimed_org=pin.org,
            now=now,
        )
        if not checked.verified or checked.fingerprint != self.org_fingerprint:
            # A card of another organisation (pinned or not) on this organisation's ticket.
            raise IdentityError("WRONG_KEY", org=checked.org)
        self._keys = KeySchedule(self.role, _shared(self._private, answer.public_key), transcript)
        return checked


class HelpGiver(_Side):
    """The agent's side, for one ticket it took."""

    def __init__(
        self,
        ticket: str,
        ask: HelpAsk,
        org_fingerprint: str,
        *,
        agent_key: Ed25519PrivateKey,
        certificate: bytes,
        revocations: bytes = b"",
        entropy: Callable[[int], bytes] = os.urandom,
    ) -> None:
        super().__init__(Role.AGENT)
        if len(ask.nonce) != NONCE_BYTES or not 0 < len(ticket.encode()) <= MAX_TICKET:
            raise TamperedError()
        private = X25519PrivateKey.from_private_bytes(entropy(KEY_BYTES))
        public = private.public_key().public_bytes_raw()
        transcript = help_transcript(ticket, ask, org_fingerprint, public, certificate)
        self._keys = KeySchedule(self.role, _shared(private, ask.public_key), transcript)
        self.answer = HelpAnswer(
            public, certificate, revocations, agent_key.sign(_SIGN_LABEL + transcript)
        )
