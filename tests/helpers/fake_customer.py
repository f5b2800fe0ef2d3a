"""A scripted customer for the agent's tests and demos: real relay, real crypto, fake screen.

It joins with a code through :class:`assist_net.driver.Connection`, grants (or
declines) consent, announces one monitor, and streams a synthetic desktop
encoded by :class:`common.tiles.FrameEncoder`, keeping at most ``window``
frames unacknowledged (as the real customer app does). Everything the agent
sends is kept in :attr:`FakeCustomer.received`.

Also a command, for screenshots and end-to-end runs::

    python -m tests.helpers.fake_customer --relay ws://127.0.0.1:PORT --code 482-519-309
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from assist_net.driver import Connection, NetworkThread
from common.codes import parse_code
from common.endpoint import Closed, Endpoint, Event, Failed, Received, Secured
from common.messages import (
    Chat,
    Consent,
    ConsentState,
    EndReason,
    FrameAck,
    Message,
    MonitorInfo,
    Monitors,
    MonitorSwitch,
    Pause,
    Rating,
    SessionEnd,
)
from common.tiles import FrameEncoder

M = TypeVar("M", bound=Message)
_FONTS = Path("/usr/share/fonts/truetype")


def _font(size: int, bold: bool = False) -> Any:
    for name in (
        "nanum/NanumGothicBold.ttf" if bold else "nanum/NanumGothic.ttf",
        "dejavu/DejaVuSans-Bold.ttf" if bold else "dejavu/DejaVuSans.ttf",
    ):
        path = _FONTS / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


class Desktop:
    """A believable screen: a window with a form, a clock and a progress bar that move."""

    def __init__(
        self, width: int, height: int, title: str = "Network settings", *, video: bool = False
    ) -> None:
        self.width, self.height = width, height
        self.video = video
        s = min(width / 1280, height / 800)
        img = Image.new("RGB", (width, height), (36, 80, 122))
        d = ImageDraw.Draw(img)
        for y in range(0, height, 4):  # a soft vertical gradient
            shade = int(30 * y / height)
            d.rectangle((0, y, width, y + 3), fill=(36 + shade, 80 + shade, 122 + shade))
        bar = int(36 * s)
        d.rectangle((0, height - bar, width, height), fill=(24, 28, 36))
        self.clock_box = (width - int(110 * s), height - bar, width, height)
        wx0, wy0, wx1, wy1 = int(140 * s), int(90 * s), int(1040 * s), int(640 * s)
        d.rectangle((wx0 + 6, wy0 + 6, wx1 + 6, wy1 + 6), fill=(20, 40, 60))
        d.rectangle((wx0, wy0, wx1, wy1), fill=(246, 247, 249))
        d.rectangle((wx0, wy0, wx1, wy0 + int(44 * s)), fill=(225, 229, 235))
        d.text(
            (wx0 + int(18 * s), wy0 + int(11 * s)),
            title,
            fill=(30, 30, 30),
            font=_font(max(8, int(20 * s)), True),
        )
        body = _font(max(8, int(18 * s)))
        rows = ["Wi-Fi", "Ethernet", "VPN", "Proxy", "Airplane mode"]
        for i, label in enumerate(rows):
            y = wy0 + int((80 + 62 * i) * s)
            d.text((wx0 + int(40 * s), y), label, fill=(40, 40, 40), font=body)
            on = i in (0, 2)
            tx = wx1 - int(120 * s)
            d.rounded_rectangle(
                (tx, y, tx + int(56 * s), y + int(28 * s)),
                radius=int(14 * s),
                fill=(52, 120, 246) if on else (190, 195, 202),
            )
            kx = tx + (int(30 * s) if on else int(2 * s))
            d.ellipse((kx, y + int(2 * s), kx + int(24 * s), y + int(26 * s)), fill="white")
        by = wy1 - int(80 * s)
        d.rounded_rectangle(
            (wx1 - int(220 * s), by, wx1 - int(40 * s), by + int(44 * s)),
            radius=int(8 * s),
            fill=(52, 120, 246),
        )
        d.text((wx1 - int(190 * s), by + int(11 * s)), "Apply changes", fill="white", font=body)
        self.progress_box = (
            wx0 + int(40 * s),
            by + int(14 * s),
            wx0 + int(440 * s),
            by + int(30 * s),
        )
        self._small = _font(max(8, int(16 * s)))
        self._rng = np.random.default_rng(7)
        self._base = np.asarray(img.convert("RGBA"))[..., [2, 1, 0, 3]].copy()

    def frame(self, n: int) -> np.ndarray:
        """BGRA pixels of frame ``n``: the clock and the progress bar change."""
        img = Image.fromarray(self._base[..., [2, 1, 0, 3]], "RGBA")
        d = ImageDraw.Draw(img)
        x0, y0, x1, y1 = self.progress_box
        d.rectangle(self.progress_box, fill=(220, 224, 230))
        d.rectangle((x0, y0, x0 + (x1 - x0) * (n % 50) // 49, y1), fill=(67, 160, 71))
        cx0, cy0, _, _ = self.clock_box
        d.text(
            (cx0 + 8, cy0 + 8), f"10:{(n // 10) % 60:02d}:{n % 10}", fill="white", font=self._small
        )
        pixels = np.asarray(img)[..., [2, 1, 0, 3]].copy()
        if self.video:  # a playing video in the lower right: photo-like, changes every frame
            h, w = self.height // 2, self.width // 2
            yy, xx = np.mgrid[0:h, 0:w]
            t = n * 0.15
            pixels[-h:, -w:, 0] = (127 + 127 * np.sin(xx / 23 + t)).astype(np.uint8)
            pixels[-h:, -w:, 1] = (127 + 127 * np.sin(yy / 17 - t)).astype(np.uint8)
            noise = self._rng.integers(0, 40, (h, w), dtype=np.uint8)
            pixels[-h:, -w:, 2] = noise + (100 * (1 + np.sin((xx + yy) / 31 + t))).astype(np.uint8)
        return pixels


class FakeCustomer:
    """See the module docstring. ``start()``, then drive it from the test."""

    def __init__(
        self,
        url: str,
        code: str,
        *,
        width: int = 640,
        height: int = 400,
        fps: float = 10.0,
        allow_draw: bool = True,
        decline: bool = False,
        consent_delay: float = 0.0,
        rating: tuple[int, str] | None = (5, "Thank you, that fixed it."),
        window: int = 3,
        video: bool = False,
    ) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.allow_draw, self.decline, self.consent_delay = allow_draw, decline, consent_delay
        self.rating, self.window = rating, window
        self.received: list[Message] = []
        self.events: list[Event] = []
        self.frames_sent = 0
        self.bytes_sent = 0
        self.secured = threading.Event()
        self.done = threading.Event()
        self.paused = False
        self._cond = threading.Condition()
        self._in_flight: set[int] = set()
        self._stop = threading.Event()
        self._desktop = Desktop(width, height, video=video)
        self._encoder = FrameEncoder()
        self.connection = Connection(url, Endpoint.customer(parse_code(code)), self._on_event)
        self.net = NetworkThread(self.connection)
        self._frames = threading.Thread(target=self._stream, name="fake-customer", daemon=True)

    # ------------------------------------------------------------ driving

    def start(self) -> FakeCustomer:
        self.net.start()
        return self

    def send(self, msg: Message) -> None:
        self.net.send_app(msg)

    def chat(self, text: str) -> None:
        self.send(Chat(int(time.time() * 1000) % 1_000_000, text, int(time.time() * 1000)))

    def pause(self, paused: bool) -> None:
        self.paused = paused
        self.send(Pause(paused))
        if not paused:
            self._encoder.request_keyframe()

    def stop_sharing(self, *, rate: bool = True) -> None:
        """The customer presses Stop: SessionEnd, maybe a rating, then bye."""
        self._stop.set()
        self.send(SessionEnd(EndReason.CUSTOMER_STOPPED, ""))
        if rate and self.rating is not None:
            self.send(Rating(*self.rating))
        self.net.bye(EndReason.CUSTOMER_STOPPED)

    def drop(self) -> None:
        """Lose the network for a moment (the driver resumes)."""
        self.net.call(self.connection.drop_connection)

    def close(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if not self.connection.endpoint.ended:
            self.net.bye(EndReason.CUSTOMER_STOPPED)
        self.net.join(timeout)
        if self._frames.is_alive():
            self._frames.join(timeout)

    def of_type(self, cls: type[M]) -> list[M]:
        return [m for m in list(self.received) if isinstance(m, cls)]

    def wait_for(self, cls: type[M], timeout: float = 10.0, count: int = 1) -> list[M]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of_type(cls)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"no {cls.__name__} arrived (got {self.received!r:.300})")

    # ------------------------------------------------------------ network thread

    def _on_event(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, Secured):
            self.secured.set()
            threading.Thread(target=self._consent, daemon=True).start()
        elif isinstance(event, Received):
            msg = event.message
            self.received.append(msg)
            if isinstance(msg, FrameAck):
                with self._cond:
                    self._in_flight.discard(msg.frame_id)
                    self._cond.notify_all()
            elif isinstance(msg, SessionEnd):
                self._stop.set()
                if self.rating is not None:
                    self.connection.send_app(Rating(*self.rating))
            elif isinstance(msg, MonitorSwitch):
                pass  # one monitor only: the real app would ask the customer
        if isinstance(event, Failed | Closed) or self.connection.final is not None:
            self._stop.set()
            self.done.set()

    def _consent(self) -> None:
        time.sleep(self.consent_delay)
        if self.decline:
            self.send(Consent(ConsentState.DECLINED, False, 0))
            self.send(SessionEnd(EndReason.DECLINED, ""))
            self.net.bye(EndReason.DECLINED)
            return
        self.send(Consent(ConsentState.GRANTED, self.allow_draw, 0))
        info = MonitorInfo(0, 0, 0, self.width, self.height, 100, "Built-in display", True)
        self.send(Monitors((info,), 0))
        self._frames.start()

    def _stream(self) -> None:
        n = 0
        period = 1.0 / self.fps
        next_at = time.monotonic()
        while not self._stop.is_set():
            with self._cond:
                self._cond.wait_for(
                    lambda: len(self._in_flight) < self.window or self._stop.is_set(), 1.0
                )
                if self._stop.is_set():
                    return
                if len(self._in_flight) >= self.window:
                    continue
            if not self.paused:
                pixels = self._desktop.frame(n)
                frames = self._encoder.encode(pixels, time.time_ns(), n)
                if frames:
                    with self._cond:
                        self._in_flight.add(n)
                    for f in frames:
                        self.bytes_sent += len(f.serialize())
                        self.send(f)
                    self.frames_sent += 1
                n += 1
            next_at += period
            time.sleep(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at, time.monotonic() - period)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="A scripted customer for trying the agent's app.")
    p.add_argument("--relay", required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=800)
    p.add_argument("--fps", type=float, default=10.0)
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--no-draw", action="store_true")
    p.add_argument("--decline", action="store_true")
    p.add_argument("--consent-delay", type=float, default=0.0)
    p.add_argument("--video", action="store_true", help="a video plays in a quarter of the screen")
    p.add_argument("--chat", action="append", default=[], help="chat lines to send once sharing")
    args = p.parse_args(argv)
    fake = FakeCustomer(
        args.relay,
        args.code,
        width=args.width,
        height=args.height,
        fps=args.fps,
        allow_draw=not args.no_draw,
        decline=args.decline,
        consent_delay=args.consent_delay,
        video=args.video,
    ).start()
    if fake.secured.wait(30):
        time.sleep(args.consent_delay + 0.5)
        for line in args.chat:
            fake.chat(line)
    fake.done.wait(args.duration)
    if not fake.done.is_set():
        fake.stop_sharing()
    fake.close()
    print(f"fake customer: sent {fake.frames_sent} frames, {fake.bytes_sent} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
