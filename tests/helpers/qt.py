"""Waiting for a Qt signal without disconnecting inside its emission.

``qtbot.wait_signal`` disconnects its slot from the signal while the signal is
being emitted. For a signal emitted from inside another slot (a session's end,
which runs through several), that once hung a CI run for good inside PySide6's
``disconnect`` (tests/client/test_app.py, 2026-12-01). :func:`emitted` records the
emissions and disconnects after the block, once nothing is being emitted::

    with emitted(qtbot, app.session_finished) as finished:
        ...
    assert finished.args == [3]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pytestqt.qtbot import QtBot


class Emissions:
    """What a signal was emitted with, in order; :attr:`args` is the first (a list,
    as pytest-qt's blocker gives it)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def record(self, *args: Any) -> None:
        self.calls.append(args)

    @property
    def args(self) -> list[Any]:
        return list(self.calls[0])


@contextlib.contextmanager
def emitted(qtbot: QtBot, signal: Any, timeout_ms: int = 5000) -> Iterator[Emissions]:
    """The block must make ``signal`` fire (at once, or within ``timeout_ms``)."""
    seen = Emissions()
    signal.connect(seen.record)
    try:
        yield seen
        qtbot.waitUntil(lambda: bool(seen.calls), timeout=timeout_ms)
    finally:
        signal.disconnect(seen.record)
