"""The workload windows of the screen benchmarks, each a full-screen Qt window in its own process.

``python -m bench.workloads KIND --log FILE [--seconds S] ...`` on the Xvfb
display (``QT_QPA_PLATFORM=xcb``). KIND is one of:

* ``static``: a document window that does not change, except the probe marker:
  one flip at "go", one after ``--seconds``, then ``--probes`` flips
  ``--probe-gap`` seconds apart (each after an idle spell, so they measure
  how fast an idle customer notices the first change);
* ``typing``: a terminal-like window (black, DejaVu Sans Mono 14 px) that
  echoes the keys the driver types through XTest; the marker flips with
  every key handled;
* ``scrolling``: a long text page in a document window, scrolled by a timer
  ``--step-px`` pixels ``--step-hz`` times a second; the marker flips with
  every step;
* ``windowmove``: a 760x520 dialog dragged across the document window,
  ``--step-px`` pixels (and 0.6 of that down) ``--step-hz`` times a second,
  bouncing at the edges; the marker flips with every step;
* ``motion``: a full-screen video-like animation at ``--fps`` (a photo-like
  picture panning diagonally, with moving discs); the marker flips with every
  frame.

Protocol with the driver: the window prints ``ready`` once shown and painted,
starts its script on ``go`` (a line on stdin), freezes after ``--seconds`` or
on ``stop``, writes its event log to ``--log`` (JSON) and prints ``frozen``.
It exits when stdin closes or on SIGTERM.

**What an event's times mean.** Each marker flip is painted with a
synchronous ``QWidget.repaint`` (paint into the backing store and flush it to
the X server), followed by a round trip on Qt's own xcb connection
(``xcb_get_input_focus``): when the reply arrives, the X server has executed
every earlier request on that connection, so the new pixels are in the
framebuffer. ``start`` is taken just before the repaint, ``end`` just after
the round trip. A capture can see the change from ``end`` on at the latest.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, QSocketNotifier, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QRegion,
)
from PySide6.QtWidgets import QApplication, QWidget

from bench.probe import MARKER, colour_for

WORDS = (
    "the quick brown fox jumps over lazy dog remote assistance screen tile codec relay "
    "agent customer frame keyframe palette printer driver settings network update "
    "account password billing invoice support ticket install restart window folder"
).split()


class XcbRoundTrip:
    """A round trip on Qt's own X connection: afterwards the server has done all we asked."""

    def __init__(self, app: QApplication) -> None:
        connection = getattr(app.nativeInterface(), "connection", None)  # QX11Application
        self._conn = int(connection()) if connection is not None else 0
        name = ctypes.util.find_library("xcb") or "libxcb.so.1"
        self._xcb = ctypes.CDLL(name)
        self._xcb.xcb_get_input_focus.restype = ctypes.c_uint  # the cookie: one uint
        self._xcb.xcb_get_input_focus.argtypes = [ctypes.c_void_p]
        self._xcb.xcb_get_input_focus_reply.restype = ctypes.c_void_p
        self._xcb.xcb_get_input_focus_reply.argtypes = [
            ctypes.c_void_p,
            ctypes.c_uint,
            ctypes.c_void_p,
        ]
        self._libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        self._libc.free.argtypes = [ctypes.c_void_p]

    def __call__(self) -> None:
        if not self._conn:
            QApplication.sync()
            return
        cookie = self._xcb.xcb_get_input_focus(self._conn)
        reply = self._xcb.xcb_get_input_focus_reply(self._conn, cookie, None)
        if reply:
            self._libc.free(reply)


class Workload(QWidget):
    """A full-screen window with the probe marker; subclasses paint the rest and script it."""

    def __init__(self, app: QApplication, args: argparse.Namespace) -> None:
        super().__init__()
        self.args = args
        self.seq = 0
        self.events: list[tuple[int, int, int]] = []
        self.extra: dict[str, object] = {}
        self.running = False
        self.frozen = False
        self._round_trip = XcbRoundTrip(app)
        self.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setGeometry(app.primaryScreen().geometry())
        self._marker = QRect(*MARKER)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self.freeze)

    # ------------------------------------------------------------ probe

    def flip(self, region: QRegion | QRect | None = None) -> None:
        """Show the next marker colour (and repaint ``region`` with it), log when."""
        start = time.time_ns()
        self.seq += 1
        dirty = QRegion(self._marker)
        if region is not None:
            dirty = dirty.united(region)
        self.repaint(dirty)
        self._round_trip()
        self.events.append((self.seq, start, time.time_ns()))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        self.paint(painter, event.rect())
        painter.fillRect(self._marker, QColor(*colour_for(self.seq)))
        painter.end()

    def paint(self, painter: QPainter, rect: QRect) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ script

    def shown(self) -> None:
        self.repaint()
        self._round_trip()
        now = time.time_ns()
        self.events.append((0, now, now))
        print("ready", flush=True)

    def go(self) -> None:
        if self.running or self.frozen:
            return
        self.running = True
        print("started", flush=True)
        if self.args.seconds > 0:
            self._deadline.start(round(self.args.seconds * 1000))
        self.begin()

    def begin(self) -> None:
        """Start the script (timers); the deadline freezes it."""

    def halt(self) -> None:
        """Stop the script's timers."""

    def freeze(self) -> None:
        if self.frozen:
            return
        self.frozen = True
        self.running = False
        self._deadline.stop()
        self.halt()
        log = {"kind": self.args.kind, "events": self.events, **self.extra}
        Path(self.args.log).write_text(json.dumps(log), encoding="utf-8")
        print("frozen", flush=True)


# ---------------------------------------------------------------- document windows


class Document(Workload):
    """A document viewer: title bar, a sidebar, a text pane and its scroll bar."""

    TITLE_H = 32
    SIDEBAR_W = 220
    SCROLLBAR_W = 14
    LINE_H = 20

    def __init__(self, app: QApplication, args: argparse.Namespace) -> None:
        super().__init__(app, args)
        rng = random.Random(7)
        self.lines = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 24))) for _ in range(3000)
        ]
        self.text_font = QFont("DejaVu Sans")
        self.text_font.setPixelSize(14)
        self.top = 0  # scroll offset of the pane, pixels
        w, h = self.width(), self.height()
        self.pane = QRect(
            self.SIDEBAR_W, self.TITLE_H, w - self.SIDEBAR_W - self.SCROLLBAR_W, h - self.TITLE_H
        )
        self.scrollbar = QRect(
            w - self.SCROLLBAR_W, self.TITLE_H, self.SCROLLBAR_W, self.pane.height()
        )

    def paint(self, painter: QPainter, rect: QRect) -> None:
        painter.setFont(self.text_font)
        w = self.width()
        if rect.intersects(QRect(0, 0, w, self.TITLE_H)):
            painter.fillRect(0, 0, w, self.TITLE_H, QColor(40, 44, 52))
            painter.setPen(QColor(230, 230, 230))
            painter.drawText(48, 21, "Printer setup guide.txt - Viewer")
        side = QRect(0, self.TITLE_H, self.SIDEBAR_W, self.height() - self.TITLE_H)
        if rect.intersects(side):
            painter.fillRect(side, QColor(238, 238, 242))
            painter.setPen(QColor(60, 60, 60))
            for i in range(40):
                painter.drawText(
                    14, self.TITLE_H + 28 + 24 * i, f"Chapter {i + 1}: {WORDS[i % len(WORDS)]}"
                )
        if rect.intersects(self.pane):
            painter.save()
            painter.setClipRect(self.pane)
            painter.fillRect(self.pane, QColor(255, 255, 255))
            first = self.top // self.LINE_H
            y = self.pane.top() + first * self.LINE_H - self.top + 15
            for line in self.lines[first : first + self.pane.height() // self.LINE_H + 2]:
                painter.setPen(QColor(20, 20, 20) if hash(line) % 5 else QColor(0, 90, 200))
                painter.drawText(self.pane.left() + 12, y, line)
                y += self.LINE_H
            painter.restore()
        if rect.intersects(self.scrollbar):
            painter.fillRect(self.scrollbar, QColor(225, 225, 225))
            total = len(self.lines) * self.LINE_H
            thumb = self.scrollbar.top() + self.top * self.scrollbar.height() // total
            painter.fillRect(
                self.scrollbar.left() + 2, thumb, self.SCROLLBAR_W - 4, 80, QColor(150, 150, 150)
            )


class Static(Document):
    """Nothing changes but the marker: at go, after ``seconds``, then the idle probes."""

    def begin(self) -> None:
        self._deadline.stop()  # the script below ends it
        self.flip()
        self._flips = 0
        QTimer.singleShot(round(self.args.seconds * 1000), self._probe)

    def _probe(self) -> None:
        if self.frozen:
            return
        self.flip()
        self._flips += 1
        if self._flips > self.args.probes:
            QTimer.singleShot(300, self.freeze)
        else:
            QTimer.singleShot(round(self.args.probe_gap * 1000), self._probe)


class Scrolling(Document):
    """The text pane scrolls by a timer; every step flips the marker."""

    def begin(self) -> None:
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._step)
        self._timer.start(round(1000 / self.args.step_hz))

    def halt(self) -> None:
        self._timer.stop()

    def _step(self) -> None:
        self.top += self.args.step_px
        self.flip(QRegion(self.pane).united(self.scrollbar))


class Dialog(QWidget):
    """A 760x520 top-level window of text and buttons, moved by :class:`WindowMove`."""

    def __init__(self, font: QFont) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint | Qt.WindowType.Tool)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.text_font = font
        self.resize(760, 520)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setFont(self.text_font)
        w, h = self.width(), self.height()
        painter.fillRect(0, 0, w, h, QColor(248, 248, 250))
        painter.fillRect(0, 0, w, 30, QColor(52, 101, 164))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(12, 20, "Printer properties - Office LaserJet 4th floor")
        painter.setPen(QColor(30, 30, 30))
        for i in range(20):
            painter.drawText(
                20, 60 + 20 * i, " ".join(WORDS[(i * 7 + j) % len(WORDS)] for j in range(9))
            )
        for i, label in enumerate(("Print test page", "Apply", "Cancel")):
            painter.fillRect(w - 160 * (3 - i) - 10, h - 50, 150, 34, QColor(225, 228, 235))
            painter.drawText(w - 160 * (3 - i) + 4, h - 28, label)
        painter.setPen(QColor(120, 120, 120))
        painter.drawRect(0, 0, w - 1, h - 1)
        painter.end()


class WindowMove(Document):
    """A dialog dragged across the document: ``--step-px`` a step, ``--step-hz`` steps a
    second, bouncing inside the screen below the marker. The X server moves the dialog's
    pixels itself; the document repaints what the dialog uncovers. Every step flips the
    marker once the uncovered parts are painted."""

    def __init__(self, app: QApplication, args: argparse.Namespace) -> None:
        super().__init__(app, args)
        self.app = app
        self.dialog = Dialog(self.text_font)
        self.at = [300.0, 200.0]
        self.velocity = [args.step_px * 1.0, args.step_px * 0.6]

    def shown(self) -> None:
        self.dialog.move(int(self.at[0]), int(self.at[1]))
        self.dialog.show()
        QTimer.singleShot(300, super().shown)

    def begin(self) -> None:
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._step)
        self._timer.start(round(1000 / self.args.step_hz))

    def halt(self) -> None:
        self._timer.stop()

    def _step(self) -> None:
        bounds = (self.width() - self.dialog.width(), self.height() - self.dialog.height())
        for axis in (0, 1):
            self.at[axis] += self.velocity[axis]
            if not 60 <= self.at[axis] <= bounds[axis]:
                self.velocity[axis] = -self.velocity[axis]
                self.at[axis] = min(max(self.at[axis], 60), bounds[axis])
        self.dialog.move(int(self.at[0]), int(self.at[1]))
        self._round_trip()  # the server has moved it and sent the exposures
        self.app.processEvents()  # the document paints what was uncovered
        self.flip()


# ---------------------------------------------------------------- terminal


class Typing(Workload):
    """A terminal: black, 14 px monospace; echoes keys at the prompt, flips per key."""

    def __init__(self, app: QApplication, args: argparse.Namespace) -> None:
        super().__init__(app, args)
        self.text_font = QFont("DejaVu Sans Mono")
        self.text_font.setPixelSize(14)
        self.text_font.setStyleHint(QFont.StyleHint.Monospace)
        self.metrics = fm = QFontMetrics(self.text_font)
        self.cell_w, self.line_h, self.ascent = fm.horizontalAdvance("M"), fm.height(), fm.ascent()
        rng = random.Random(3)
        self.lines = [f"user@desk:~$ ls -l /var/log/{WORDS[i % len(WORDS)]}" for i in range(3)]
        for _ in range(36):
            size = rng.randint(100, 999999)
            name = "-".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
            self.lines.append(
                f"-rw-r--r-- 1 user user {size:>7} Mar 14 09:{rng.randint(10, 59)} {name}.log"
            )
        self.lines.append("user@desk:~$ ")
        self.prompt_row = len(self.lines) - 1
        self.keys = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _line_rect(self, row: int) -> QRect:
        return QRect(0, 40 + row * self.line_h, self.width(), self.line_h)

    def paint(self, painter: QPainter, rect: QRect) -> None:
        painter.fillRect(rect, QColor(0, 0, 0))
        painter.setFont(self.text_font)
        painter.setPen(QColor(208, 208, 208))
        first = max(0, (rect.top() - 40) // self.line_h)
        last = min(len(self.lines), (rect.bottom() - 40) // self.line_h + 1)
        for row in range(first, last):
            painter.drawText(8, 40 + row * self.line_h + self.ascent, self.lines[row])
        # The caret: a steady block after the last character.
        row = len(self.lines) - 1
        x = 8 + self.metrics.horizontalAdvance(self.lines[-1])
        caret = QRect(x, 40 + row * self.line_h, self.cell_w, self.line_h)
        if rect.intersects(caret):
            painter.fillRect(caret, QColor(208, 208, 208))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if not self.running:
            return
        row = len(self.lines) - 1
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.lines.append("user@desk:~$ ")
            region = QRegion(self._line_rect(row)).united(self._line_rect(row + 1))
        elif event.text() and event.text().isprintable():
            self.lines[-1] += event.text()
            region = QRegion(self._line_rect(row))
        else:
            return
        self.keys += 1
        self.flip(region)

    def freeze(self) -> None:
        self.extra["keys"] = self.keys
        self.extra["typed"] = "\n".join(self.lines[self.prompt_row :])
        super().freeze()


# ---------------------------------------------------------------- motion


class Motion(Workload):
    """A video-like animation: a photo-like picture panning diagonally, with moving discs."""

    PAN = (3, 2)  # pixels per frame; diagonal, so it is no vertical scroll

    def __init__(self, app: QApplication, args: argparse.Namespace) -> None:
        super().__init__(app, args)
        from bench.codec_bench import photo

        w, h = self.width(), self.height()
        bgra = photo(w + 480, h + 320, seed=5)
        self._pixels = np.ascontiguousarray(bgra)
        self._image = QImage(
            self._pixels.data, w + 480, h + 320, (w + 480) * 4, QImage.Format.Format_RGB32
        )
        self.frame = 0
        rng = random.Random(11)
        self.discs = [
            (rng.uniform(0, w), rng.uniform(0, h), rng.uniform(-9, 9), rng.uniform(-7, 7),
             rng.randint(40, 140), QColor.fromHsv(rng.randint(0, 359), 200, 230))
            for _ in range(12)
        ]  # fmt: skip

    def paint(self, painter: QPainter, rect: QRect) -> None:
        w, h = self.width(), self.height()
        dx = (self.frame * self.PAN[0]) % 480
        dy = (self.frame * self.PAN[1]) % 320
        painter.drawImage(rect, self._image, rect.translated(dx, dy))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        for x, y, vx, vy, r, colour in self.discs:
            cx = (x + vx * self.frame) % (w + 2 * r) - r
            cy = (y + vy * self.frame) % (h + 2 * r) - r
            painter.setBrush(colour)
            painter.drawEllipse(int(cx - r / 2), int(cy - r / 2), r, r)

    def begin(self) -> None:
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._step)
        self._timer.start(round(1000 / self.args.fps))

    def halt(self) -> None:
        self._timer.stop()

    def _step(self) -> None:
        self.frame += 1
        self.flip(self.rect())


KINDS: dict[str, type[Workload]] = {
    "static": Static,
    "typing": Typing,
    "scrolling": Scrolling,
    "windowmove": WindowMove,
    "motion": Motion,
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("--log", required=True, type=Path, help="where to write the event log (JSON)")
    p.add_argument("--seconds", type=float, default=20.0, help="how long the script runs")
    p.add_argument("--probes", type=int, default=4, help="static: marker flips after the idle")
    p.add_argument("--probe-gap", type=float, default=4.5, help="static: seconds between them")
    p.add_argument("--step-px", type=int, default=4, help="scrolling: pixels per step")
    p.add_argument("--step-hz", type=float, default=40.0, help="scrolling: steps per second")
    p.add_argument("--fps", type=float, default=30.0, help="motion: frames per second")
    args = p.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    app = QApplication([sys.argv[0]])
    window = KINDS[args.kind](app, args)
    window.show()
    window.activateWindow()
    window.setFocus()

    buffer = bytearray()

    def read_stdin() -> None:
        chunk = os.read(0, 4096)
        if not chunk:
            window.freeze()
            app.quit()
            return
        buffer.extend(chunk)
        while b"\n" in buffer:
            line, _, rest = bytes(buffer).partition(b"\n")
            buffer[:] = rest
            command = line.decode().strip()
            if command == "go":
                window.go()
            elif command == "stop":
                window.freeze()

    notifier = QSocketNotifier(0, QSocketNotifier.Type.Read, app)
    notifier.activated.connect(read_stdin)
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    wake = QTimer()  # lets Python run its signal handler while Qt waits
    wake.start(200)
    QTimer.singleShot(300, window.shown)  # after the window is mapped
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
