"""The relay's address as a person types it, checked and made into a ``wss://`` URL.

People paste what the admin sent them: ``wss://relay.example.org:8765``, a bare
``relay.example.org``, ``relay.example.org:8765``, or a web address by mistake.
:func:`parse_relay_address` accepts the first three (a bare host or
``host:port`` means ``wss://``; no port means :data:`DEFAULT_PORT`) and refuses
anything else with a :class:`~common.errors.RelayAddressError` that says what is
wrong with it.

``ws://`` (no TLS) is accepted only for a loopback host (the local demo and
tests), or when the person asked for it on purpose (``insecure=True``): the
apps then show a warning for as long as they run.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import urllib.parse

from common.errors import RelayAddressError

__all__ = ["DEFAULT_PORT", "RelayAddress", "is_loopback", "parse_relay_address"]

#: The relay's port when the address names none (``assist-relay serve``'s default).
DEFAULT_PORT = 8765

_HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?$")
_EXAMPLE = "wss://relay.example.org:8765"


@dataclasses.dataclass(frozen=True, slots=True)
class RelayAddress:
    host: str
    port: int
    secure: bool
    path: str = ""

    @property
    def url(self) -> str:
        scheme = "wss" if self.secure else "ws"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}{self.path}"

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    def __str__(self) -> str:
        return self.url


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and addresses in 127.0.0.0/8 or ``::1``."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bad(template: str, text: str, **params: object) -> RelayAddressError:
    return RelayAddressError(template, address=text, example=_EXAMPLE, **params)


def parse_relay_address(text: str, *, insecure: bool = False) -> RelayAddress:
    """Check a relay address as typed; see the module docstring."""
    raw = text.strip()
    if not raw:
        raise RelayAddressError(
            "No relay address is set. Ask your support desk for it; it looks like {example}.",
            example=_EXAMPLE,
        )
    if any(ch.isspace() for ch in raw):
        raise _bad(
            "The relay address '{address}' has a space in it. Type it again without "
            "spaces, like {example}.",
            raw,
        )
    scheme, sep, _ = raw.partition("://")
    scheme = scheme.lower() if sep else ""
    if scheme in ("http", "https"):
        raise _bad(
            "'{address}' is a web address, not a relay address. Relay addresses start "
            "with wss://, like {example}.",
            raw,
        )
    if sep and scheme not in ("ws", "wss"):
        raise _bad(
            "The relay address '{address}' starts with '{scheme}://'. Relay addresses start "
            "with wss://, like {example}.",
            raw,
            scheme=scheme,
        )
    if not sep:
        raw_for_parse = "wss://" + raw
        scheme = "wss"
    else:
        raw_for_parse = raw
    try:
        parts = urllib.parse.urlsplit(raw_for_parse)
        port = parts.port
    except ValueError:
        raise _bad(
            "The port in the relay address '{address}' is not a number from 1 to 65535. "
            "Check the address, like {example}.",
            raw,
        ) from None
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None:
        raise _bad(
            "The relay address '{address}' has a user name in it, which relays do not use. "
            "Type it like {example}.",
            raw,
        )
    if not host or not _valid_host(host):
        raise _bad(
            "The relay address '{address}' has no valid server name in it. Type it like {example}.",
            raw,
        )
    if port == 0:
        raise _bad(
            "The port in the relay address '{address}' is not a number from 1 to 65535. "
            "Check the address, like {example}.",
            raw,
        )
    if parts.query or parts.fragment:
        raise _bad(
            "The relay address '{address}' has extra parts after the server name. Type it "
            "like {example}.",
            raw,
        )
    secure = scheme == "wss"
    if not secure and not insecure and not is_loopback(host):
        raise _bad(
            "The relay address '{address}' starts with ws://, which is not encrypted. Use "
            "wss:// instead, like {example}.",
            raw,
        )
    path = parts.path if parts.path not in ("", "/") else ""
    return RelayAddress(host, port if port is not None else DEFAULT_PORT, secure, path)


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOST_RE.match(host)) and len(host) <= 253


def same_cluster(home: RelayAddress, target: RelayAddress) -> bool:
    """May an app that was given ``home`` follow a relay's ``Redirect`` to ``target``?

    A cluster is reached through one address (the load balancer's) and its nodes
    have addresses of their own under the same name, so a redirect is followed only:

    * with the same scheme (never from ``wss://`` down to ``ws://``);
    * to the same host on another port, or for an IP address, the same address;
    * for a DNS name, to the name itself, a name under it (``node-1.relay.example.org``
      for ``relay.example.org``), or a sibling under the same parent of at least two
      labels (``relay-2.example.org`` for ``relay.example.org``, never all of ``.org``).

    The apps then check the node's TLS certificate as they check ``home``'s (same
    trust store, same pin), so a redirect can never reach a relay the person's own
    settings would not have accepted. docs/security.md, "A node sends apps elsewhere".
    """
    if target.secure != home.secure or target.path:
        return False
    a, b = home.host.lower().rstrip("."), target.host.lower().rstrip(".")
    if a == b:
        return True
    try:
        ipaddress.ip_address(a)
        return False  # an IP address has no names under it
    except ValueError:
        pass
    try:
        ipaddress.ip_address(b)
        return False
    except ValueError:
        pass
    if b.endswith("." + a):
        return True
    parent_a, parent_b = a.partition(".")[2], b.partition(".")[2]
    return parent_a == parent_b and parent_a.count(".") >= 1


def parse_redirect(home: RelayAddress, url: str) -> RelayAddress | None:
    """The node a ``Redirect`` names, if it is well formed and :func:`same_cluster` as
    ``home``; else None (the app then refuses the redirect)."""
    if not url.startswith(("wss://", "ws://")):
        return None
    try:
        target = parse_relay_address(url, insecure=not home.secure)
    except RelayAddressError:
        return None
    return target if same_cluster(home, target) else None
