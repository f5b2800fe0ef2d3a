"""The Qt binding we run on does not corrupt the interpreter."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    poked = Signal()
    carried = Signal(object)


def test_emitting_signals_keeps_reference_counts_intact() -> None:
    """PySide6 6.12.0 dropped a reference to True per emit, crashing the apps within
    seconds of streaming (pyproject.toml excludes it). Catch any release that does it again.
    """
    emitter = _Emitter()
    before = sys.getrefcount(True)
    for _ in range(200):
        emitter.poked.emit()
        emitter.carried.emit(1)
    assert sys.getrefcount(True) >= before - 5
