"""The customer's network fails mid-session: the session picks up again, with the same code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.conftest import (
    MIN_PSNR_DB,
    Apps,
    Relay,
    audit,
    grab,
    psnr,
    showing,
    wait_until,
)
from tests.helpers.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.e2e, pytest.mark.xvfb]

MAGENTA = (255, 0, 255)


def test_a_cut_connection_resumes_and_sharing_goes_on(
    display: str, relay: Relay, apps: Apps, tmp_path: Path
) -> None:
    saved, stats = tmp_path / "agent-frame.png", tmp_path / "agent-stats.json"
    patch = tmp_path / "after-the-cut.png"
    Image.new("RGB", (320, 200), MAGENTA).save(patch)
    with TcpProxy(relay.port, tls=relay.url.startswith("wss:")) as proxy:
        outputs = ["--save-frame", str(saved), "--stats", str(stats)]
        agent, code = apps.agent(relay.url, relay.token, "--duration", "8", *outputs)
        customer = apps.customer(proxy.url, code, "--duration", "60")
        customer.wait_line("state: sharing")
        # A session can be resumed once the relay holds it as established (both sides'
        # key confirmations in); the customer may be sharing a moment before that.
        wait_until(lambda: any(row["established"] for row in audit(relay)), "established")
        proxy.wait_accepted(1)

        assert proxy.cut() == 1
        customer.wait_line("state: reconnecting")
        back = customer.out.index("state: reconnecting")
        customer.wait_line("state: sharing", start=back)
        proxy.wait_accepted(2)

        # Pixels that only exist after the cut must reach the agent.
        with showing(display, patch, 200, 150):
            assert agent.wait_exit() == 0, agent
            assert customer.wait_exit() == 0, customer
            screen = grab(display)

    assert customer.out[-1] == "state: ended (agent ended)", customer
    assert not any(line.startswith("code") for line in customer.out[1:])
    assert saved.exists(), agent
    frame = np.asarray(Image.open(saved).convert("RGB"))
    seen = frame[150:350, 200:520].astype(int)
    assert np.abs(seen - MAGENTA).max() <= 16, "the window shown after the cut never arrived"
    assert psnr(frame, screen) >= MIN_PSNR_DB
    summary = json.loads(stats.read_text())
    assert summary["frames"] >= 2 and summary["exit_code"] == 0, summary
    [row] = audit(relay)
    assert row["resumes"] == 1 and row["end_reason"] == "agent_ended", row
