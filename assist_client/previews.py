"""Small pictures of each monitor for the consent prompt, captured off the GUI thread.

They are taken only while the prompt is open and only when there is more than
one monitor to choose from; they stay on this computer (nothing is sent before
the customer presses Share).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from assist_client.monitors import Monitor
from assist_client.streamer import CaptureSource, MssSource

log = logging.getLogger(__name__)

THUMB_WIDTH = 240


def thumbnail(pixels: np.ndarray, width: int = THUMB_WIDTH) -> QImage:
    """A small copy of BGRA ``pixels`` (nearest-neighbour is enough for a preview)."""
    h, w = pixels.shape[:2]
    step = max(1, w // width)
    small = np.ascontiguousarray(pixels[::step, ::step])
    small[..., 3] = 255
    sh, sw = small.shape[:2]
    image = QImage(small.data, sw, sh, sw * 4, QImage.Format.Format_ARGB32)
    return image.copy()  # own the bytes: ``small`` goes away


class PreviewGrabber(QObject):
    """Emits ``thumbnail_ready(index, image)`` for each monitor, from a worker thread."""

    thumbnail_ready = Signal(int, QImage)

    def __init__(
        self,
        monitors: Sequence[Monitor],
        source_factory: Callable[[], CaptureSource] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._monitors = list(monitors)
        #: One picture of each monitor: no need to ask the X server what it draws.
        self._source_factory = source_factory or (lambda: MssSource(watch=False))
        self._thread = threading.Thread(target=self._main, name="assist-preview", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _main(self) -> None:
        try:
            source = self._source_factory()
        except Exception:  # noqa: BLE001 - previews are optional
            log.exception("no previews")
            return
        try:
            for m in self._monitors:
                pixels, _ = source.grab(m.rect)
                self.thumbnail_ready.emit(m.index, thumbnail(pixels))
        except Exception:  # noqa: BLE001
            log.exception("preview failed")
        finally:
            source.close()
