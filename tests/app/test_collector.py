"""Cycles are collected on the GUI thread (assist_ui/collector.py), as Python would choose."""

from __future__ import annotations

import gc

from pytestqt.qtbot import QtBot

from assist_ui.collector import GuiThreadCollector


def test_automatic_collection_is_off_and_the_timer_collects_when_due(qtbot: QtBot) -> None:
    collector = GuiThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()  # no other thread will collect
        gc.collect()
        assert collector.check() == -1  # nothing due
        for _ in range(gc.get_threshold()[0] + 50):
            cycle: list[object] = []
            cycle.append(cycle)
        assert gc.get_count()[0] > gc.get_threshold()[0]
        qtbot.waitUntil(lambda: gc.get_count()[0] <= gc.get_threshold()[0], timeout=2000)
    finally:
        collector.setParent(None)
        del collector
        gc.disable()  # the test session collects between tests (tests/conftest.py)
