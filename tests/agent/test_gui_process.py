"""The real ``assist-agent`` window as a process on a real X server (Xvfb)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.agent.conftest import window_process
from tests.helpers.relay_thread import RelayThread
from tests.helpers.xvfb import running_xvfb

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.xvfb
def test_the_window_signs_in_remembers_the_token_and_closes_cleanly_on_sigterm(
    relay: RelayThread, home: Path
) -> None:
    with running_xvfb("1280x800x24") as display:
        proc = window_process(relay, home, display, "--lang", "ko")
        saved = home / "config" / "assist" / "agent.toml"
        deadline = time.monotonic() + 30
        while not saved.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert saved.exists(), proc.communicate(timeout=10)
        assert saved.stat().st_mode & 0o777 == 0o600
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Fatal" not in err and "Traceback" not in err
