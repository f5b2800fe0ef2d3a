"""File hand-over between two apps' Transfers, wired back to back as the channel would:
a big file arrives whole and checked, each side can cancel, and nothing is left behind."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from assist_ui.transfers import Offer, Transfers
from common.files import WINDOW_BYTES
from common.messages import FileChunk, FileDirection, FileEndState, Message


class Pair:
    """The agent's Transfers (member 1 to the customer) and the customer's, linked."""

    made: list[Pair] = []

    def __init__(self, limit: int = 1 << 40, tamper: bool = False) -> None:
        Pair.made.append(self)
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        self.tamper = tamper
        self.agent = Transfers(self._to_customer, direction=FileDirection.TO_CUSTOMER, first_id=2)
        self.customer = Transfers(
            self._to_agent, direction=FileDirection.FROM_CUSTOMER, first_id=1, limit=limit
        )

    def _to_customer(self, _member: int, msg: Message) -> None:
        if isinstance(msg, FileChunk):
            with self.lock:
                self.in_flight = msg.offset + len(msg.data) - self.acked()
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
            if self.tamper and msg.offset == 0:
                msg = FileChunk(msg.transfer, 0, b"X" + msg.data[1:])
        self.customer.on_message(1, msg)

    def acked(self) -> int:
        outs = list(self.agent._out.values())
        return outs[0].state.acked if outs else 0

    def _to_agent(self, _member: int, msg: Message) -> None:
        self.agent.on_message(1, msg)


@pytest.fixture(autouse=True)
def _no_thread_outlives_its_test() -> Iterator[None]:
    yield
    for pair in Pair.made:
        pair.agent.shutdown()
        pair.customer.shutdown()
    Pair.made.clear()


def _file(tmp_path: Path, size: int, name: str = "로그 수집기.bin") -> Path:
    path = tmp_path / "out" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    return path


def test_a_file_arrives_whole_within_the_window_and_lands_in_the_chosen_folder(
    qtbot: QtBot, tmp_path: Path
) -> None:
    pair = Pair()
    src = _file(tmp_path, 12 * 1024 * 1024 + 17)
    with qtbot.wait_signal(pair.customer.offered) as offered:
        pair.agent.offer(src, 1)
    offer: Offer = offered.args[0]
    assert (offer.name, offer.size) == (src.name, src.stat().st_size)
    folder = tmp_path / "Downloads"
    with qtbot.wait_signal(pair.customer.finished, timeout=20_000) as done:
        pair.customer.accept(offer.transfer, folder)
    tid, state, saved = done.args
    assert state is FileEndState.DONE, saved
    assert Path(saved) == folder / src.name
    assert (
        hashlib.sha256(Path(saved).read_bytes()).digest()
        == hashlib.sha256(src.read_bytes()).digest()
    )
    assert not list(folder.glob("*.part"))
    assert pair.most_in_flight <= WINDOW_BYTES
    qtbot.waitUntil(lambda: not pair.agent.active, timeout=5000)
    entry = pair.customer.log[-1]
    assert entry["state"] == "done" and entry["size"] == src.stat().st_size
    assert entry["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()


def test_a_name_already_there_is_not_overwritten(qtbot: QtBot, tmp_path: Path) -> None:
    pair = Pair()
    folder = tmp_path / "Downloads"
    folder.mkdir()
    (folder / "fix.sh").write_text("mine")
    src = _file(tmp_path, 1000, "fix.sh")
    with qtbot.wait_signal(pair.customer.offered) as offered:
        pair.agent.offer(src, 1)
    with qtbot.wait_signal(pair.customer.finished, timeout=10_000) as done:
        pair.customer.accept(offered.args[0].transfer, folder)
    assert Path(done.args[2]).name == "fix (1).sh"
    assert (folder / "fix.sh").read_text() == "mine"
    assert not os.access(done.args[2], os.X_OK)  # nothing arrives ready to run


def test_declined_and_too_large_send_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    pair = Pair(limit=1000)
    src = _file(tmp_path, 5000)
    with qtbot.wait_signal(pair.agent.finished, timeout=10_000) as too_big:
        pair.agent.offer(src, 1)
    assert too_big.args[1] is FileEndState.TOO_LARGE
    assert "more than the 1.0 KB" in too_big.args[2]
    pair.customer.limit = 1 << 30
    with qtbot.wait_signal(pair.customer.offered) as offered:
        pair.agent.offer(src, 1)
    with qtbot.wait_signal(pair.agent.finished, timeout=10_000) as declined:
        pair.customer.decline(offered.args[0].transfer)
    assert declined.args[1] is FileEndState.DECLINED


def test_cancelling_midway_removes_the_partial_file(qtbot: QtBot, tmp_path: Path) -> None:
    pair = Pair()
    src = _file(tmp_path, 40 * 1024 * 1024)
    folder = tmp_path / "Downloads"
    with qtbot.wait_signal(pair.customer.offered) as offered:
        pair.agent.offer(src, 1)
    tid = offered.args[0].transfer
    with qtbot.wait_signal(pair.customer.progress, timeout=10_000):
        pair.customer.accept(tid, folder)
    with qtbot.wait_signal(pair.agent.finished, timeout=10_000) as ended:
        pair.customer.cancel(tid)
    assert ended.args[1] is FileEndState.CANCELLED
    qtbot.waitUntil(lambda: not pair.agent.active, timeout=5000)
    qtbot.waitUntil(lambda: list(folder.iterdir()) == [], timeout=5000)  # .part removed


def test_a_damaged_file_is_not_kept(qtbot: QtBot, tmp_path: Path) -> None:
    pair = Pair(tamper=True)
    src = _file(tmp_path, 300_000)
    folder = tmp_path / "Downloads"
    with qtbot.wait_signal(pair.customer.offered) as offered:
        pair.agent.offer(src, 1)
    with qtbot.wait_signal(pair.customer.finished, timeout=10_000) as done:
        pair.customer.accept(offered.args[0].transfer, folder)
    assert done.args[1] is FileEndState.FAILED
    assert "damaged" in done.args[2]
    qtbot.waitUntil(lambda: list(folder.iterdir()) == [], timeout=5000)


def test_two_agents_numbering_their_files_alike_are_kept_apart(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """In a room the lead (seat 1) and a helper (seat 2) both send their transfer 2."""
    sent: list[tuple[int, Message]] = []
    customer = Transfers(
        lambda m, msg: sent.append((m, msg)), direction=FileDirection.FROM_CUSTOMER
    )
    offers: list[Offer] = []
    customer.offered.connect(offers.append)
    from common.messages import FileOffer

    digest = hashlib.sha256(b"").digest()
    customer.on_message(1, FileOffer(2, FileDirection.TO_CUSTOMER, "a.txt", 0, digest))
    customer.on_message(2, FileOffer(2, FileDirection.TO_CUSTOMER, "b.txt", 0, digest))
    qtbot.waitUntil(lambda: len(offers) == 2, timeout=2000)
    assert offers[0].transfer != offers[1].transfer
    customer.decline(offers[1].transfer)
    assert [(m, type(msg).__name__, msg.transfer) for m, msg in sent][:1] == [  # type: ignore[attr-defined]
        (2, "FileAnswer", 2)
    ]
