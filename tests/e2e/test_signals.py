"""SIGTERM and SIGINT end either app within 2 s, in every state, and the other side is told.

The apps run as processes, headless and with their windows: while connecting to
a relay that never answers, while the customer's consent prompt is open, and
in the middle of a session. A certificate the app does not trust ends at once
with a sentence and exit 4.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from common.codes import make_code
from tests.e2e.conftest import App, Apps, Relay, audit, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]

#: What the issue promises: ended within this long of the signal.
LIMIT_S = 2.0


@contextlib.contextmanager
def black_hole() -> Iterator[int]:
    """A port that accepts connections and never says a word (a relay stuck or filtered)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()


def end_with(app: App, sig: signal.Signals) -> float:
    """Send ``sig``; return how long the app took to exit (it must not be killed by it)."""
    sent = time.monotonic()
    app.proc.send_signal(sig)
    try:
        app.proc.wait(LIMIT_S + 3)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{app.name} still running {LIMIT_S + 3} s after {sig.name}") from None
    took = time.monotonic() - sent
    assert app.proc.returncode >= 0, f"{app.name} died of the signal itself: {app!r}"
    return took


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
@pytest.mark.parametrize(
    "name, windows",
    [
        ("assist-client", False),
        ("assist-client", True),
        ("assist-agent", False),
        ("assist-agent", True),
    ],
    ids=["client-headless", "client-window", "agent-headless", "agent-window"],
)
def test_a_signal_while_connecting_ends_the_app(
    apps: Apps, name: str, windows: bool, sig: signal.Signals
) -> None:
    code = str(make_code("482", "51930"))
    with black_hole() as port:
        relay = f"wss://127.0.0.1:{port}"
        args = ["--relay", relay]
        if name == "assist-client":
            args += ["--code", code] + ([] if windows else ["--consent"])
        else:
            args += ["--token", "ar1_000000000000.x"]
        app = apps.start_window(name, *args) if windows else apps.start(name, *args)
        time.sleep(2.5)  # started, and stuck in the TLS handshake
        assert app.proc.poll() is None, app
        took = end_with(app, sig)
    print(f"{name} {'window' if windows else 'headless'}: {sig.name} -> exit in {took:.2f} s")
    assert took < LIMIT_S, f"{name} took {took:.2f} s"
    assert not any("Traceback" in line for line in app.err), app


def test_a_signal_during_the_consent_prompt_ends_and_tells_the_agent(
    relay: Relay, apps: Apps
) -> None:
    agent, code = apps.agent(relay.url, relay.token, "--duration", "60")
    customer = apps.start_window("assist-client", "--relay", relay.url, "--code", code)
    # Key confirmation done: the consent prompt is up ("Share your screen?").
    wait_until(lambda: any(row["established"] for row in audit(relay)), "established")
    wait_until(lambda: _window_shown(apps, "Share your screen?"), "the consent prompt")
    took = end_with(customer, signal.SIGTERM)
    assert took < LIMIT_S, f"took {took:.2f} s"
    assert agent.wait_exit() == 0, agent
    assert agent.reason == "assist-agent: The customer stopped sharing and ended the session."


def test_a_signal_mid_session_ends_and_tells_the_other_side(relay: Relay, apps: Apps) -> None:
    agent, code = apps.agent(relay.url, relay.token, "--duration", "60")
    customer = apps.customer(relay.url, code, "--duration", "60")
    customer.wait_line("state: sharing")
    took = end_with(customer, signal.SIGTERM)
    assert took < LIMIT_S, f"customer took {took:.2f} s"
    assert customer.out[-1] == "state: ended (customer stopped)", customer
    assert agent.wait_exit() == 0, agent
    assert agent.reason == "assist-agent: The customer stopped sharing and ended the session."

    agent, code = apps.agent(relay.url, relay.token, "--duration", "60")
    customer = apps.customer(relay.url, code, "--duration", "60")
    customer.wait_line("state: sharing")
    took = end_with(agent, signal.SIGINT)
    assert took < LIMIT_S, f"agent took {took:.2f} s"
    assert customer.wait_exit() == 0, customer
    assert customer.out[-1] == "state: ended (agent ended)", customer


def test_an_untrusted_certificate_is_exit_4_with_a_sentence(relay: Relay, apps: Apps) -> None:
    apps.ca_file = None  # this computer was never given the desk's CA
    customer = apps.customer(relay.url, str(make_code("482", "51930")))
    assert customer.wait_exit() == 4, customer
    assert customer.reason.startswith(
        f"The relay at {relay.url} has a certificate this computer does not trust"
    ), customer
    agent = apps.start("assist-agent", "--relay", relay.url, "--token", relay.token)
    assert agent.wait_exit() == 4, agent
    assert "Ask your admin for the right certificate authority file" in agent.reason


def _window_shown(apps: Apps, title: str) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", title],
        env={"DISPLAY": apps.display},
        capture_output=True,
        text=True,
    )
    return found.returncode == 0 and bool(found.stdout.strip())
