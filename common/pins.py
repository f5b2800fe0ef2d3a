"""Public-key pins: ``sha256/<base64>`` of a certificate's SubjectPublicKeyInfo.

The relay prints its pin at start; an organisation may give it to the apps
(``--pin``) so that they accept only a relay with that key, whichever CA signed
its certificate. The format is the one ``openssl`` pipelines and HPKP use::

    openssl x509 -in relay.pem -pubkey -noout | openssl pkey -pubin -outform der \\
        | openssl dgst -sha256 -binary | base64
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from common.errors import RelayAddressError

__all__ = ["parse_pin", "pin_of_certificate", "pin_of_der"]

PREFIX = "sha256/"


def _pin(cert: x509.Certificate) -> str:
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return PREFIX + base64.b64encode(hashlib.sha256(spki).digest()).decode()


def pin_of_der(der_cert: bytes) -> str:
    """The pin of a DER certificate (what a TLS connection shows of its peer)."""
    return _pin(x509.load_der_x509_certificate(der_cert))


def pin_of_certificate(pem: bytes) -> str:
    """The pin of the first certificate in PEM text (a certificate chain file)."""
    return _pin(x509.load_pem_x509_certificate(pem))


def parse_pin(text: str) -> str:
    """Normalise a pin to ``sha256/<base64>``; hex is accepted too. Raises RelayAddressError."""
    raw = text.strip()
    body = raw[len(PREFIX) :] if raw.lower().startswith(PREFIX) else raw
    digest: bytes | None = None
    try:
        digest = bytes.fromhex(body) if len(body) == 64 else base64.b64decode(body, validate=True)
    except (ValueError, binascii.Error):
        digest = None
    if digest is None or len(digest) != 32:
        raise RelayAddressError(RelayAddressError.BAD_PIN, pin=raw)
    return PREFIX + base64.b64encode(digest).decode()
