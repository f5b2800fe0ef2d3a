"""Fixtures for the agent's app tests: a private home, a real relay on a thread, the window."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from assist_agent import config, gui
from assist_agent.frames import FrameUpdate
from assist_agent.windows.style import STYLE
from assist_agent.windows.viewer import image_from_bgra
from assist_ui import i18n
from tests.helpers.fake_customer import FakeCustomer
from tests.helpers.relay_thread import RelayThread


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform cannot size windows to hints; that is not what these tests check.
    for item in items:
        if "tests/agent/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("This plugin does not support"))


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Config and data folders of our own (platformdirs follows XDG_* on Linux)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for var in ("ASSIST_RELAY_URL", "ASSIST_AGENT_TOKEN", "ASSIST_LANG"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayThread]:
    with RelayThread(tmp_path / "relay") as r:
        yield r


@pytest.fixture
def english(qapp: QApplication) -> Iterator[QApplication]:
    i18n.install(qapp, "en")
    qapp.setStyleSheet(STYLE)
    yield qapp
    qapp.setStyleSheet("")


@pytest.fixture
def make_agent(
    english: QApplication, relay: RelayThread, qtbot: object
) -> Iterator[Callable[..., gui.Agent]]:
    """Build the whole window against the test relay (call again to 'restart' the app)."""
    built: list[gui.Agent] = []

    def make(
        *, rating_wait_s: float = 5.0, token: str | None = None, start: bool = True
    ) -> gui.Agent:
        settings = config.resolve(relay.url, token or relay.token, "en")
        agent = gui.build(settings, rating_wait_s=rating_wait_s)
        agent.window.show()
        built.append(agent)
        if start:
            gui.start(agent, settings)
        return agent

    yield make
    for agent in built:
        agent.window.close()
        agent.window.deleteLater()


@pytest.fixture
def customers() -> Iterator[Callable[..., FakeCustomer]]:
    started: list[FakeCustomer] = []

    def start(url: str, code: str, **kwargs: object) -> FakeCustomer:
        fake = FakeCustomer(url, code, **kwargs)  # type: ignore[arg-type]
        started.append(fake.start())
        return fake

    yield start
    for fake in started:
        fake.close()


def solid_update(
    width: int, height: int, seq: int = 1, bgra: tuple[int, ...] = (90, 60, 30, 255)
) -> FrameUpdate:
    """A whole-screen update of one colour, as the decode thread would hand it over."""
    pixels = np.empty((height, width, 4), np.uint8)
    pixels[...] = bgra
    return FrameUpdate(seq, seq, width, height, True, ((0, 0, image_from_bgra(pixels)),), (-1, -1))


def window_process(
    relay: RelayThread, home: Path, display: str, *args: str
) -> subprocess.Popen[str]:
    """The real ``assist-agent`` window as a process on ``display``, with its own folders."""
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "assist_agent.main", "--relay", relay.url,
         "--token", relay.token, *args],
        cwd=Path(__file__).resolve().parents[2], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
