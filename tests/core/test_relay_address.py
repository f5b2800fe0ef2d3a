"""Relay addresses as people type them: accepted, or refused with what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import RelayAddressError
from common.relay_address import (
    DEFAULT_PORT,
    is_loopback,
    parse_redirect,
    parse_relay_address,
    same_cluster,
)


@pytest.mark.parametrize(
    "typed, url",
    [
        ("wss://relay.example.org:8765", "wss://relay.example.org:8765"),
        ("relay.example.org", f"wss://relay.example.org:{DEFAULT_PORT}"),
        ("relay.example.org:443", "wss://relay.example.org:443"),
        ("  WSS://Relay.Example.org:9000/  ", "wss://relay.example.org:9000"),
        ("wss://relay.example.org/assist", f"wss://relay.example.org:{DEFAULT_PORT}/assist"),
        ("ws://127.0.0.1:8765", "ws://127.0.0.1:8765"),
        ("ws://localhost:8765", "ws://localhost:8765"),
        ("ws://[::1]:8765", "ws://[::1]:8765"),
        ("wss://[2001:db8::5]:8765", "wss://[2001:db8::5]:8765"),
        ("10.0.0.5:8765", "wss://10.0.0.5:8765"),
    ],
)
def test_what_admins_send_is_accepted(typed: str, url: str) -> None:
    assert parse_relay_address(typed).url == url


@pytest.mark.parametrize(
    "typed, says",
    [
        ("", "No relay address is set"),
        ("http://relay.example.org", "is a web address, not a relay address"),
        ("https://relay.example.org", "is a web address, not a relay address"),
        ("ftp://relay.example.org", "starts with 'ftp://'"),
        ("relay.example.org:80a", "is not a number from 1 to 65535"),
        ("relay.example.org:70000", "is not a number from 1 to 65535"),
        ("relay.example.org:0", "is not a number from 1 to 65535"),
        ("relay example.org", "has a space in it"),
        ("wss://kim:secret@relay.example.org", "has a user name in it"),
        ("wss://", "has no valid server name"),
        ("wss://relay_example!.org", "has no valid server name"),
        ("wss://relay.example.org/?x=1", "has extra parts"),
        ("ws://relay.example.org:8765", "starts with ws://, which is not encrypted"),
    ],
)
def test_a_wrong_address_says_what_is_wrong(typed: str, says: str) -> None:
    with pytest.raises(RelayAddressError) as info:
        parse_relay_address(typed)
    assert says in str(info.value)
    assert "wss://relay.example.org:8765" in str(info.value)  # shows what one looks like


def test_ws_to_another_host_only_when_asked_for_on_purpose() -> None:
    address = parse_relay_address("ws://relay.example.org:8765", insecure=True)
    assert address.url == "ws://relay.example.org:8765"
    assert not address.secure and not address.loopback


@pytest.mark.parametrize(
    "host, loop",
    [("127.0.0.1", True), ("127.9.9.9", True), ("::1", True), ("localhost", True),
     ("LOCALHOST.", True), ("10.0.0.1", False), ("example.org", False), ("::2", False)],
)  # fmt: skip
def test_loopback(host: str, loop: bool) -> None:
    assert is_loopback(host) is loop


@given(st.text(max_size=80))
def test_any_text_parses_or_says_what_is_wrong(text: str) -> None:
    try:
        address = parse_relay_address(text)
    except RelayAddressError as err:
        assert str(err)
        return
    assert 1 <= address.port <= 65535
    assert address.secure or address.loopback
    assert parse_relay_address(address.url) == address


@pytest.mark.parametrize(
    "home, target, ok",
    [
        ("wss://relay.example.org:8765", "wss://relay.example.org:8766", True),
        ("wss://relay.example.org:8765", "wss://node-2.relay.example.org:8765", True),
        ("wss://relay.example.org:8765", "wss://relay-2.example.org:443", True),
        ("wss://relay.example.org:8765", "wss://evil.example.com:8765", False),
        ("wss://relay.example.org:8765", "ws://relay.example.org:8765", False),  # downgrade
        ("wss://relay.example.org:8765", "wss://relay.example.org:8765/x", False),
        ("wss://relay.example.org", "wss://other.org", False),  # sibling under a TLD: no
        ("wss://example.org", "wss://attacker.org", False),
        ("wss://10.0.0.1:8765", "wss://10.0.0.1:9000", True),
        ("wss://10.0.0.1:8765", "wss://10.0.0.2:8765", False),
        ("wss://relay.example.org", "wss://10.0.0.2:8765", False),
        ("ws://127.0.0.1:8765", "ws://127.0.0.1:9000", True),
        ("ws://127.0.0.1:8765", "ws://localhost:9000", False),
    ],
)  # fmt: skip
def test_a_redirect_is_followed_only_within_the_same_cluster(
    home: str, target: str, ok: bool
) -> None:
    origin = parse_relay_address(home)
    assert same_cluster(origin, parse_relay_address(target, insecure=True)) is ok
    assert (parse_redirect(origin, target) is not None) is ok


@given(st.text(max_size=120))
def test_any_redirect_text_is_followed_or_refused_never_raises(url: str) -> None:
    home = parse_relay_address("wss://relay.example.org:8765")
    node = parse_redirect(home, url)
    assert node is None or (node.secure and node.host.endswith("example.org"))
