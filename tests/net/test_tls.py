"""The apps against a ``wss://`` relay: what trusts it, and what each refusal says.

A relay serves a certificate from the run's throwaway CA (or an expired one, or
one for another host name); the apps' network driver connects as the apps do.
Every certificate problem must end at once (no 30 s of retries) with a sentence
that names what to do, and the headless exit code for "relay unreachable" (4).
"""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import pytest

from assist_agent.token_check import check_token
from assist_net.driver import EXIT_UNREACHABLE, EXIT_USAGE, exit_code_for
from assist_net.target import RelayTarget, parse_pin
from common.endpoint import CodeReady, Endpoint, Failed, Secured
from common.errors import RelayAddressError, RelayCertificateError
from tests.helpers.relay_harness import add_agent, run, running_relay
from tests.net.test_driver import Side
from tools.throwaway_ca import Issued, ThrowawayCA


def tls_relay(data_dir: Path, issued: Issued):  # type: ignore[no-untyped-def]
    return running_relay(data_dir, tls_cert=issued.cert, tls_key=issued.key)


def test_a_relay_signed_by_the_given_ca_is_trusted_end_to_end(
    tmp_path: Path, throwaway_ca: ThrowawayCA
) -> None:
    token = add_agent(tmp_path)
    issued = throwaway_ca.issue("trusted")

    async def main() -> None:
        async with tls_relay(tmp_path, issued) as relay:
            assert relay.url.startswith("wss://")
            target = RelayTarget.parse(relay.url, ca_file=throwaway_ca.cert_path)
            agent = Side(target, Endpoint.agent(token)).start()
            ready = await agent.wait_for(CodeReady)
            assert isinstance(ready, CodeReady)
            customer = Side(target, Endpoint.customer(ready.code)).start()
            await agent.wait_for(Secured)
            await customer.wait_for(Secured)
            # The agent's sign-in check takes the same path.
            who = await check_token(target, token)
            assert who.display_name == "Alice Agent"

    run(main())


@pytest.mark.parametrize(
    "case, sentence",
    [
        ("untrusted", "has a certificate this computer does not trust"),
        ("expired", "has expired or is not valid yet"),
        ("wrong host", "is for another server name than 127.0.0.1"),
        ("pin mismatch", "does not match the pinned key"),
    ],
)
def test_certificate_problems_end_at_once_with_a_sentence_and_exit_4(
    tmp_path: Path, throwaway_ca: ThrowawayCA, case: str, sentence: str
) -> None:
    token = add_agent(tmp_path)
    if case == "expired":
        issued = throwaway_ca.issue("expired", expired=True)
    elif case == "wrong host":
        issued = throwaway_ca.issue("other", hosts=["relay.example.org"])
    else:
        issued = throwaway_ca.issue(case.replace(" ", "-"))
    ca_file = None if case == "untrusted" else throwaway_ca.cert_path
    pin = "sha256/" + "A" * 43 + "=" if case == "pin mismatch" else None

    async def main() -> None:
        async with tls_relay(tmp_path, issued) as relay:
            target = RelayTarget.parse(relay.url, ca_file=ca_file, pin=pin)
            side = Side(target, Endpoint.agent(token)).start()
            started = time.monotonic()
            final = await side.final(timeout=10)
            took = time.monotonic() - started
            assert isinstance(final, Failed), final
            assert isinstance(final.error, RelayCertificateError), final.error
            assert sentence in str(final.error), final.error
            assert exit_code_for(final) == EXIT_UNREACHABLE
            assert took < 3, f"{case}: took {took:.1f} s; certificates are not retried"
            # The sign-in page says the same.
            with pytest.raises(RelayCertificateError, match=sentence.split(" than")[0]):
                await check_token(target, token)

    run(main())


def test_the_right_pin_is_accepted(tmp_path: Path, throwaway_ca: ThrowawayCA) -> None:
    token = add_agent(tmp_path)
    issued = throwaway_ca.issue("pinned")

    async def main() -> None:
        async with tls_relay(tmp_path, issued) as relay:
            target = RelayTarget.parse(
                relay.url, ca_file=throwaway_ca.cert_path, pin=issued.spki_sha256
            )
            who = await check_token(target, token)
            assert who.name == "alice"

    run(main())


def test_wss_to_a_plain_http_port_says_it_does_not_speak_tls() -> None:
    """A web server without TLS on that port (a typo in the port, a proxy's plain side)."""

    async def plain_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(plain_http, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            target = RelayTarget.parse(f"wss://127.0.0.1:{port}")
            side = Side(target, Endpoint.agent("t")).start()
            final = await side.final(timeout=10)
            assert isinstance(final, Failed)
            assert "does not speak TLS on that port" in str(final.error), final.error
            assert exit_code_for(final) == EXIT_UNREACHABLE

    run(main())


def test_an_unreadable_ca_file_is_named(tmp_path: Path) -> None:
    async def main() -> None:
        target = RelayTarget.parse("wss://127.0.0.1:9", ca_file=tmp_path / "missing.pem")
        side = Side(target, Endpoint.agent("t")).start()
        final = await side.final(timeout=10)
        assert isinstance(final, Failed)
        assert "missing.pem could not be read" in str(final.error), final.error

    run(main())


def test_a_bad_address_fails_at_once_as_a_usage_error() -> None:
    async def main() -> None:
        side = Side("http://relay.example.org", Endpoint.agent("t")).start()
        final = await side.final(timeout=5)
        assert isinstance(final, Failed) and isinstance(final.error, RelayAddressError)
        assert "is a web address, not a relay address" in str(final.error)
        assert exit_code_for(final) == EXIT_USAGE

    run(main())


def test_pins_are_normalised_and_bad_ones_refused() -> None:
    pin = "sha256/" + "ClCUArT7+EQmUpfPOUnXr7l+k221rF4nEqeR87B4hZg="
    assert parse_pin(pin) == pin
    assert parse_pin(pin.removeprefix("sha256/")) == pin
    hexed = base64.b64decode(pin.removeprefix("sha256/")).hex()
    assert parse_pin(hexed) == pin
    with pytest.raises(RelayAddressError, match="is not a SHA-256 pin"):
        parse_pin("sha256/short")
