"""Where the apps connect and whom they trust: the relay address, TLS, an optional pin.

A :class:`RelayTarget` is what both apps build from their flags and config files::

    target = RelayTarget.parse("relay.example.org", ca_file=None, pin=None)
    target.url            # 'wss://relay.example.org:8765'
    target.ssl_context()  # the system's trust store (plus ca_file, if given)

* ``wss://`` is checked against the system's trust store, or against
  ``ca_file`` as well when an organisation runs its own CA. Host names are
  always checked; TLS 1.2 is the least accepted.
* ``pin`` (``sha256/<base64>``, the SHA-256 of the relay certificate's
  SubjectPublicKeyInfo, as ``openssl`` and HPKP write it) is checked after the
  TLS handshake and before anything of the session is sent: a relay with
  another key is refused even if a trusted CA signed it.
* ``ws://`` is allowed for loopback only, or with ``insecure=True``; then
  :attr:`RelayTarget.warning` is true and the apps show that the link to the
  relay is not encrypted.

:func:`certificate_error` turns what :mod:`ssl` raises into a sentence a person
understands (untrusted, expired, wrong host name, not TLS at all).
"""

from __future__ import annotations

import dataclasses
import ssl
from pathlib import Path

from common.errors import INSECURE_WARNING, RelayAddressError, RelayCertificateError
from common.pins import parse_pin, pin_of_der
from common.relay_address import RelayAddress, parse_relay_address

__all__ = [
    "ENV_CA_FILE",
    "ENV_INSECURE",
    "ENV_PIN",
    "INSECURE_WARNING",
    "RelayTarget",
    "TargetLike",
    "certificate_error",
    "checked",
    "parse_pin",
    "pin_of_der",
    "relay_target",
    "shown",
]

#: Environment variables both apps read (after their flags, before their config files).
ENV_CA_FILE = "ASSIST_CA_FILE"
ENV_PIN = "ASSIST_RELAY_PIN"
ENV_INSECURE = "ASSIST_INSECURE"

# OpenSSL's verify codes (X509_V_ERR_*) that mean "the certificate is out of date".
_EXPIRED = {9, 10}  # not yet valid, has expired
_HOSTNAME = {62, 64}  # host name mismatch, IP address mismatch


@dataclasses.dataclass(frozen=True)
class RelayTarget:
    address: RelayAddress
    ca_file: Path | None = None
    pin: str | None = None
    insecure: bool = False

    @classmethod
    def parse(
        cls,
        text: str,
        *,
        ca_file: Path | str | None = None,
        pin: str | None = None,
        insecure: bool = False,
    ) -> RelayTarget:
        """Check the address and the pin; raises :class:`RelayAddressError` saying what is wrong."""
        address = parse_relay_address(text, insecure=insecure)
        return cls(
            address,
            Path(ca_file).expanduser() if ca_file else None,
            parse_pin(pin) if pin else None,
            insecure,
        )

    @property
    def url(self) -> str:
        return self.address.url

    @property
    def warning(self) -> bool:
        """True when the link to the relay is not encrypted and this is not a loopback test."""
        return not self.address.secure and not self.address.loopback

    def ssl_context(self) -> ssl.SSLContext | None:
        """The client TLS context for ``wss://`` (None for ``ws://``)."""
        if not self.address.secure:
            return None
        ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if self.ca_file is not None:
            try:
                ctx.load_verify_locations(cafile=str(self.ca_file))
            except (OSError, ValueError) as exc:
                why = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
                raise RelayCertificateError(
                    RelayCertificateError.CA_FILE,
                    url=self.url,
                    path=str(self.ca_file),
                    why=why,
                ) from None
        return ctx


def certificate_error(exc: ssl.SSLError, target: RelayTarget) -> RelayCertificateError:
    """The sentence for a TLS failure while connecting to ``target``."""
    E = RelayCertificateError  # noqa: N806 - a short name for the class
    url, host = target.url, target.address.host
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_code", 0)
        if code in _EXPIRED:
            return E(E.EXPIRED, url=url)
        if code in _HOSTNAME:
            return E(E.WRONG_HOST, url=url, host=host)
        return E(E.UNTRUSTED, url=url)
    reason = (getattr(exc, "reason", "") or "").upper()
    if "WRONG_VERSION_NUMBER" in reason or "HTTP_REQUEST" in reason or "RECORD_LAYER" in reason:
        return E(E.NOT_TLS, url=url)
    return E(url=url)


def pin_mismatch(target: RelayTarget) -> RelayCertificateError:
    return RelayCertificateError(RelayCertificateError.PIN_MISMATCH, url=target.url)


#: What a connection may be given: a checked target, the error that checking it
#: raised (the connection then fails at once with that sentence), or a plain address.
TargetLike = RelayTarget | RelayAddressError | str


def relay_target(
    relay: str, ca_file: str | Path | None, pin: str | None, insecure: bool
) -> RelayTarget | RelayAddressError:
    """A :class:`RelayTarget`, or the error saying what is wrong with the settings."""
    try:
        return RelayTarget.parse(relay, ca_file=ca_file, pin=pin, insecure=insecure)
    except RelayAddressError as err:
        return err


def checked(target: TargetLike) -> RelayTarget | RelayAddressError:
    """A plain address parsed as a target (system trust store, no pin), or its error."""
    if isinstance(target, str):
        try:
            return RelayTarget.parse(target)
        except RelayAddressError as err:
            return err
    return target


def shown(target: TargetLike) -> str:
    """The relay's address as a person would recognise it, even when it is not valid."""
    if isinstance(target, RelayTarget):
        return target.url
    if isinstance(target, RelayAddressError):
        return str(target.params.get("address") or "?")
    return target
