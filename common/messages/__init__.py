"""The typed catalogue of every message Assist sends, with one place for limits.

There are three layers, each a set of :class:`Kind` values:

* ``RELAY`` — endpoint <-> relay control messages (hello, auth, create, join,
  paired, data, resume, congestion, error, ...). The relay parses only these.
* ``E2E`` — what travels inside a ``Data`` message between the two endpoints:
  the PAKE message, key confirmation, sealed records and resume sync. The
  relay forwards these as opaque bytes and never parses them.
* ``APP`` — the plaintext inside a sealed record: frames, acks, annotations,
  laser, chat, steps, consent, pause, monitors, rating, session end.

Wire form: one kind byte, then the body. Most bodies are a msgpack array of the
fields in declaration order (compact, schema-less, fast C codec, native binary
type so tile bytes are not re-encoded). ``Data``, ``Pake``, ``Confirm``,
``Sealed`` and ``ResumeSync`` have fixed raw layouts instead, so the relay can
forward ``Data`` without decoding and a sealed record costs 9 bytes of framing.

Every message is a msgspec struct whose annotations carry its limits; they are
checked when a message is parsed *and* before one is sent, so a message that
parses is a message we could have sent, and nothing invalid is sent. Parsing
raises only :class:`~common.errors.ProtocolError`; sending something invalid
raises :class:`~common.errors.UnsendableMessageError`.

The package keeps one import surface: ``from common.messages import Frame``.
``limits`` (constants, kinds, enums), ``base`` (checked types, records, the
registry, :func:`parse`), then one module per layer: ``relay``, ``e2e``, ``app``.
"""

from __future__ import annotations

from common.messages.app import *  # noqa: F403
from common.messages.base import *  # noqa: F403
from common.messages.base import _REGISTRY, Message
from common.messages.e2e import *  # noqa: F403
from common.messages.limits import *  # noqa: F403
from common.messages.limits import Kind
from common.messages.relay import *  # noqa: F403


def message_classes() -> dict[Kind, type[Message]]:
    """Every message class by kind (for tests and docs)."""
    return dict(_REGISTRY)


_missing = set(Kind) - set(_REGISTRY)
if _missing:  # pragma: no cover - caught at import in development
    raise TypeError(f"kinds without a message class: {sorted(_missing)}")
