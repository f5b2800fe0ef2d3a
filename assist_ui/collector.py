"""Python's cycle collector, run on the GUI thread only.

Python collects reference cycles in whichever thread happens to allocate when a
threshold is crossed — in these apps often the network or capture thread. A Qt
object caught in a cycle (a window and a lambda connected to its own signal) is
then destroyed off the thread that owns it, which Qt does not allow: the app can
hang or crash at a random moment later (seen in the tests: a network thread
stuck opening a websocket while it finalized a form window, then a segfault in
the next collection). So the apps turn automatic collection off and run the same
generational passes from a timer on the GUI thread, with Python's own thresholds.
The usual pattern for Qt apps in Python; freeing by reference counts (almost all
objects) is untouched.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

__all__ = ["GuiThreadCollector", "collect_due"]

#: How often the GUI thread checks whether a pass is due (milliseconds).
INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Install once, on the GUI thread, after the QApplication exists."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()
        self.destroyed.connect(gc.enable)

    def check(self) -> int:
        return collect_due()


def collect_due() -> int:
    """One pass of the generation that is due (as Python would choose); returns the
    generation collected, or -1 if none was due."""
    t0, t1, t2 = gc.get_threshold()
    c0, c1, c2 = gc.get_count()
    if c0 <= t0:
        return -1
    generation = 2 if c1 > t1 and c2 > t2 else 1 if c1 > t1 else 0
    gc.collect(generation)
    return generation
