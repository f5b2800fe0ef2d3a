"""Fakes for the customer's app tests: a network that records, a screen that counts grabs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from assist_client.monitors import Monitor
from common.codes import SessionCode
from common.endpoint import Closed, Event, PairingStarted, PeerJoined, Received, Secured
from common.messages import EndReason, Frame, Message

MONITOR = Monitor(0, 0, 0, 640, 480, 1.0, 0.0, 0.0, "screen-1", True)
SECOND = Monitor(1, 640, 0, 800, 600, 1.0, 640.0, 0.0, "screen-2", False)
CODE = SessionCode("482", "519307")


class FakeNetwork:
    """Stands in for NetworkThread: records what the session sends; the test plays the agent."""

    def __init__(self, url: object, code: SessionCode, on_event: Callable[[Event], None]) -> None:
        self.url, self.code, self.on_event = url, code, on_event
        self.sent: list[Message] = []
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.byes: list[EndReason] = []
        self.started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        self.started = True

    def send_app(self, msg: Message) -> None:
        with self._lock:
            self.sent.append(msg)

    def call_endpoint(self, name: str, *args: object) -> None:
        """Room calls: what is sent (cast, to all, to one) is recorded like send_app."""
        with self._lock:
            self.calls.append((name, args))
            if name in ("cast", "send_all") or (name == "send_to" and args[0] == 1):
                msg = args[-1]
                assert isinstance(msg, Message)
                self.sent.append(msg)

    def bye(self, reason: EndReason) -> None:
        self.byes.append(reason)
        self.on_event(Closed(reason))

    def join(self, timeout: float | None = None) -> None:
        pass

    # -- the agent's side, for tests

    def secure(self, name: str = "Alice Agent", org: str = "Acme") -> None:
        """What the endpoint reports as the PAKE runs: pairing, then (key confirmed) who."""
        self.on_event(PairingStarted())
        self.on_event(PeerJoined(name, org))
        self.on_event(Secured())

    def deliver(self, msg: Message) -> None:
        self.on_event(Received(msg))

    def of_type(self, kind: type[Message]) -> list[Message]:
        with self._lock:
            return [m for m in self.sent if isinstance(m, kind)]

    def frames(self) -> list[Frame]:
        return [m for m in self.of_type(Frame) if isinstance(m, Frame)]


class FakeSource:
    """A screen of changing (or static) pixels; counts every grab."""

    grabs = 0
    opened = 0
    static = False
    _lock = threading.Lock()

    def __init__(self) -> None:
        with FakeSource._lock:
            FakeSource.opened += 1
        self._n = 0

    @classmethod
    def reset(cls, *, static: bool = False) -> None:
        cls.grabs = cls.opened = 0
        cls.static = static

    def grab(self, rect: tuple[int, int, int, int]) -> tuple[np.ndarray, bytes]:
        with FakeSource._lock:
            FakeSource.grabs += 1
        _, _, w, h = rect
        pixels = np.full((h, w, 4), 200, np.uint8)
        if not FakeSource.static:
            self._n += 1
            pixels[(self._n * 7) % h, :, :3] = self._n % 256  # one changing row
        return pixels, pixels.tobytes()

    def close(self) -> None:
        pass


class FakeNetworks:
    """A network factory for one test: every FakeNetwork it made, newest last."""

    def __init__(self) -> None:
        self.made: list[FakeNetwork] = []

    def __call__(
        self, url: object, code: SessionCode, on_event: Callable[[Event], None]
    ) -> FakeNetwork:
        network = FakeNetwork(url, code, on_event)
        self.made.append(network)
        return network

    @property
    def last(self) -> FakeNetwork:
        return self.made[-1]


class FakeDesktop:
    """Records injected input; ``slow`` makes each event take a while (a burst in flight)."""

    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []
        self.where = (0, 0)
        self.title = ("Mail", "thunderbird")
        self.slow = 0.0
        self.local_keys: set[int] = set()
        self.lock = threading.Lock()

    def _add(self, *event: object) -> None:
        if self.slow:
            time.sleep(self.slow)
        with self.lock:
            self.events.append(event)

    def move(self, x: int, y: int) -> None:
        self.where = (x, y)
        self._add("move", x, y)

    def button(self, button: int, down: bool) -> None:
        self._add("button", button, down, *self.where)

    def key(self, keysym: int, down: bool) -> None:
        self._add("key", keysym, down)

    def text(self, text: str) -> None:
        self._add("text", text)

    def pointer(self) -> tuple[int, int]:
        return self.where

    def keys_down(self) -> set[int]:
        return set(self.local_keys)

    def focused(self) -> tuple[str, str]:
        return self.title

    def close(self) -> None:
        pass

    def injected(self) -> list[tuple[object, ...]]:
        with self.lock:
            return list(self.events)
