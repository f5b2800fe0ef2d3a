"""A throwaway certificate authority for tests, the demo and the benchmarks.

Every relay that the end-to-end tests, ``make demo`` and ``make bench`` start
serves ``wss://`` with a certificate from a CA made for that run, so the path
users take (TLS, certificate checks, host names) is the path tested. Nothing
here is meant for production: the keys are written unencrypted to a temporary
folder and the CA lives for one run.

::

    ca = ThrowawayCA.create(folder)
    good = ca.issue("relay")                       # valid for 127.0.0.1, ::1 and localhost
    wrong_host = ca.issue("other", hosts=["relay.example.org"])
    expired = ca.issue("old", expired=True)
    # relay: --tls-cert good.cert --tls-key good.key
    # apps:  --ca-file ca.cert_path

``python -m tools.throwaway_ca FOLDER`` writes a CA and a loopback certificate
into FOLDER for trying a ``wss://`` relay by hand (docs/admin.md shows how).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from common.pins import pin_of_der

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclasses.dataclass(frozen=True)
class Issued:
    """A certificate and its key on disk, and the pin of its public key (common.pins)."""

    cert: Path
    key: Path
    spki_sha256: str


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Assist throwaway CA"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


@dataclasses.dataclass
class ThrowawayCA:
    folder: Path
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def cert_path(self) -> Path:
        return self.folder / "ca.pem"

    @classmethod
    def create(cls, folder: Path, name: str = "Assist throwaway CA") -> ThrowawayCA:
        folder.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        ca = cls(folder, key, cert)
        ca.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return ca

    def issue(
        self, stem: str, *, hosts: tuple[str, ...] | list[str] = LOOPBACK, expired: bool = False
    ) -> Issued:
        """A server certificate for ``hosts`` (IP addresses or DNS names)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        if expired:
            start, end = now - dt.timedelta(days=30), now - dt.timedelta(days=1)
        else:
            start, end = now - dt.timedelta(hours=1), now + dt.timedelta(days=1)
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(hosts[0]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        cert_path, key_path = self.folder / f"{stem}.pem", self.folder / f"{stem}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, key_path)
        return Issued(
            cert_path, key_path, pin_of_der(cert.public_bytes(serialization.Encoding.DER))
        )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tools.throwaway_ca FOLDER", file=sys.stderr)
        return 2
    ca = ThrowawayCA.create(Path(args[0]))
    relay = ca.issue("relay")
    print(f"CA certificate (give to the apps with --ca-file): {ca.cert_path}")
    print(f"relay certificate: {relay.cert}\nrelay key:         {relay.key}")
    print(f"relay key pin:     {relay.spki_sha256}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
