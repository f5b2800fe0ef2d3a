"""Headless mode, as a process against a real relay: its lines and its exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from common.messages import Consent, EndReason, Frame, SessionEnd
from tests.helpers.codes import a_guess
from tests.helpers.relay_harness import REPO, RelayProcess, add_agent
from tests.helpers.xvfb import running_xvfb
from tools.scripted_agent import ScriptedAgent

pytestmark = pytest.mark.xvfb


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with running_xvfb("1024x768x24") as d:
        yield d


@pytest.fixture(scope="module")
def relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RelayProcess, str]]:
    data = tmp_path_factory.mktemp("relay")
    token = add_agent(data)
    proc = RelayProcess(data)
    yield proc, token
    proc.stop()


def client(display: str, *args: str, home: Path | None = None) -> subprocess.Popen[str]:
    """The customer's app, headless. Its stderr goes to a file, not a pipe nobody
    reads until the end: a chatty start (warnings on a fresh machine) would fill the
    pipe and stall the app mid-session."""
    env = {**os.environ, "DISPLAY": display, "ASSIST_LANG": "en"}
    env.pop("ASSIST_RELAY_URL", None)
    if home is not None:
        env["XDG_CONFIG_HOME"] = str(home / "config")
        env["XDG_DATA_HOME"] = str(home / "data")
    err = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - read by finish()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assist_client.main", "--headless", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=err,
        text=True,
    )
    _errors[proc.pid] = err
    _started.append(proc)
    return proc


_errors: dict[int, IO[str]] = {}
_started: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_client_left_behind() -> Iterator[None]:
    """A test that fails half-way must not leave the app running into the next ones."""
    yield
    while _started:
        proc = _started.pop()
        running = proc.poll() is None
        if running:
            proc.kill()
            out, _ = proc.communicate(timeout=10)
        err = _errors.pop(proc.pid, None)
        if err is not None:
            if running:  # shown with the failure: what the app said before it was stopped
                err.seek(0)
                print(f"the customer's app was still running; stdout:\n{out}\nstderr:")
                print(err.read()[-4000:])
            err.close()


def finish(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str, str]:
    out, _ = proc.communicate(timeout=timeout)
    err = _errors[proc.pid]
    err.seek(0)
    return proc.returncode, out, err.read()


def test_a_session_that_runs_its_duration_exits_0(display, relay, tmp_path):
    proc_relay, token = relay
    agent = ScriptedAgent(proc_relay.url, token)
    try:
        code = agent.wait_code()
        proc = client(
            display,
            "--relay",
            proc_relay.url,
            "--code",
            str(code),
            "--consent",
            "--duration",
            "1.5",
            home=tmp_path,
        )
        agent.wait_for(lambda m: isinstance(m, Frame), 20)
        rc, out, err = finish(proc)
    finally:
        agent.close()
    assert rc == 0, (out, err)
    lines = out.splitlines()
    assert lines[0] == "state: connecting"
    assert "agent: Alice Agent (Acme)" in lines
    assert "state: sharing" in lines
    assert lines[-1] == "state: ended (duration elapsed)"
    assert isinstance(agent.messages[0], Consent)
    assert SessionEnd(EndReason.DURATION_ELAPSED, "") in agent.messages


def test_the_agent_ending_the_session_exits_0(display, relay, tmp_path):
    proc_relay, token = relay
    agent = ScriptedAgent(proc_relay.url, token)
    try:
        code = agent.wait_code()
        proc = client(
            display, "--relay", proc_relay.url, "--code", str(code), "--consent", home=tmp_path
        )
        agent.wait_for(lambda m: isinstance(m, Frame), 20)
        agent.send(SessionEnd(EndReason.AGENT_ENDED, ""))
        rc, out, err = finish(proc)
    finally:
        agent.close()
    assert rc == 0, err
    assert out.splitlines()[-1] == "state: ended (agent ended)"


def test_without_consent_it_refuses_with_2(display, relay, tmp_path):
    proc_relay, _ = relay
    rc, out, err = finish(
        client(display, "--relay", proc_relay.url, "--code", "482-519-309", home=tmp_path)
    )
    assert rc == 2 and out == ""
    assert "--consent" in err


def test_a_typo_is_caught_before_the_relay_with_2(display, relay, tmp_path):
    proc_relay, _ = relay
    rc, out, err = finish(
        client(
            display, "--relay", proc_relay.url, "--code", "482-591-309", "--consent", home=tmp_path
        )
    )
    assert rc == 2 and out == ""
    assert err.strip() == (
        "assist-client: That code has a typo. Please check it with the agent and type it again."
    )


def test_a_malformed_code_is_a_usage_error(display, relay, tmp_path):
    proc_relay, _ = relay
    rc, _, err = finish(
        client(display, "--relay", proc_relay.url, "--code", "48A", "--consent", home=tmp_path)
    )
    assert rc == 2 and "'A' is not a digit" in err


def test_an_unknown_code_exits_3(display, relay, tmp_path):
    proc_relay, _ = relay
    rc, _, err = finish(
        client(
            display, "--relay", proc_relay.url, "--code", "999-123-459", "--consent", home=tmp_path
        )
    )
    assert rc == 3
    assert err.strip().startswith("No session is waiting for that code.")


def test_a_code_that_does_not_match_exits_3(display, relay, tmp_path):
    proc_relay, token = relay
    agent = ScriptedAgent(proc_relay.url, token)
    try:
        code = agent.wait_code()
        wrong = a_guess(code).digits
        rc, out, err = finish(
            client(display, "--relay", proc_relay.url, "--code", wrong, "--consent", home=tmp_path)
        )
    finally:
        agent.close()
    assert rc == 3, (out, err)
    assert err.strip().startswith("The code did not match")


def test_an_unreachable_relay_exits_4(display, tmp_path):
    rc, _, err = finish(
        client(
            display,
            "--relay",
            "ws://127.0.0.1:9",
            "--code",
            "482-519-309",
            "--consent",
            home=tmp_path,
        )
    )
    assert rc == 4
    assert "Could not reach the relay at ws://127.0.0.1:9" in err


def test_the_agent_vanishing_exits_5(display, relay, tmp_path):
    proc_relay, token = relay
    agent = ScriptedAgent(proc_relay.url, token)
    try:
        code = agent.wait_code()
        proc = client(
            display, "--relay", proc_relay.url, "--code", str(code), "--consent", home=tmp_path
        )
        agent.wait_for(lambda m: isinstance(m, Frame), 20)
        agent.bye(EndReason.ERROR)  # leaves without telling the customer why
        rc, out, err = finish(proc)
    finally:
        agent.close()
    assert rc == 5
    assert out.splitlines()[-1] == "state: ended (error)"
    assert err.strip() == "The other side left the session."
