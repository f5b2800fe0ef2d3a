"""The customer's monitors: mss's physical pixels matched with Qt's logical screens.

mss reports every monitor in physical pixels (what a capture contains and what
shapes and frames are measured in); Qt reports each screen's logical geometry and
device pixel ratio (where a window must go). :func:`match_monitors` pairs them so
each :class:`Monitor` knows both, which is what the overlay and the sharing bar
need to put things exactly where the agent pointed.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from common.annotations import MonitorMapping
from common.messages import MAX_MONITORS, MAX_NAME, MonitorInfo

log = logging.getLogger(__name__)

PhysRect = tuple[int, int, int, int]


@dataclasses.dataclass(frozen=True)
class ScreenGeometry:
    """What Qt says about one screen: logical geometry and device pixel ratio."""

    name: str
    x: int
    y: int
    width: int
    height: int
    scale: float
    primary: bool = False

    def physical_size(self) -> tuple[int, int]:
        return round(self.width * self.scale), round(self.height * self.scale)


@dataclasses.dataclass(frozen=True)
class Monitor:
    """One monitor: physical pixels (for capture) and logical placement (for windows)."""

    index: int  # 0-based, as in the protocol
    x: int
    y: int
    width: int
    height: int
    scale: float
    logical_x: float
    logical_y: float
    name: str
    primary: bool

    @property
    def rect(self) -> PhysRect:
        return self.x, self.y, self.width, self.height

    def mss_rect(self) -> dict[str, int]:
        return {"left": self.x, "top": self.y, "width": self.width, "height": self.height}

    def mapping(self) -> MonitorMapping:
        return MonitorMapping(self.logical_x, self.logical_y, self.scale)

    def logical_geometry(self) -> tuple[int, int, int, int]:
        """Where the monitor is on the desktop, in logical coordinates (Qt's QRect)."""
        return (
            round(self.logical_x),
            round(self.logical_y),
            round(self.width / self.scale),
            round(self.height / self.scale),
        )

    def info(self) -> MonitorInfo:
        pct = max(25, min(800, round(self.scale * 100)))
        return MonitorInfo(
            self.index,
            self.x,
            self.y,
            self.width,
            self.height,
            pct,
            self.name[:MAX_NAME],
            self.primary,
        )

    def label(self) -> str:
        return (
            f"{self.name} — {self.width} × {self.height}"
            if self.name
            else (f"{self.width} × {self.height}")
        )


def _matches(m: dict[str, Any], s: ScreenGeometry) -> int:
    """How well an mss monitor fits a Qt screen: 0 not at all, higher is better."""
    w, h = s.physical_size()
    if abs(w - m["width"]) > 1 or abs(h - m["height"]) > 1:
        return 0
    score = 1
    if (s.x, s.y) == (m["left"], m["top"]):  # X11 and Windows keep native origins
        score += 2
    elif (round(s.x * s.scale), round(s.y * s.scale)) == (m["left"], m["top"]):
        score += 2  # origins scaled as a whole (macOS points)
    if m.get("output") and m.get("output") == s.name:
        score += 1
    return score


def match_monitors(
    mss_monitors: Sequence[dict[str, Any]], screens: Sequence[ScreenGeometry]
) -> list[Monitor]:
    """Pair mss's ``monitors[1:]`` with Qt screens. Unmatched monitors get scale 1."""
    out: list[Monitor] = []
    free = list(screens)
    for i, m in enumerate(list(mss_monitors)[:MAX_MONITORS]):
        best = max(free, key=lambda s: _matches(m, s), default=None)
        if best is not None and _matches(m, best) > 0:
            free.remove(best)
            scale, lx, ly = best.scale, float(best.x), float(best.y)
            name, primary = best.name, best.primary or bool(m.get("is_primary"))
        else:
            scale, lx, ly = 1.0, float(m["left"]), float(m["top"])
            name = str(m.get("output") or m.get("name") or "")
            primary = bool(m.get("is_primary"))
        out.append(
            Monitor(
                i,
                int(m["left"]),
                int(m["top"]),
                int(m["width"]),
                int(m["height"]),
                scale,
                lx,
                ly,
                name,
                primary,
            )
        )
    if out and not any(m.primary for m in out):
        out[0] = dataclasses.replace(out[0], primary=True)
    return out


def qt_screens() -> list[ScreenGeometry]:
    """The screens Qt knows, or [] without a GUI application (headless mode)."""
    from PySide6.QtGui import QGuiApplication

    if not isinstance(QGuiApplication.instance(), QGuiApplication):
        return []
    primary = QGuiApplication.primaryScreen()
    out = []
    for s in QGuiApplication.screens():
        g = s.geometry()
        out.append(
            ScreenGeometry(
                s.name(), g.x(), g.y(), g.width(), g.height(), s.devicePixelRatio(), s is primary
            )
        )
    return out


def mss_monitors() -> list[dict[str, Any]]:
    """mss's list of monitors (without the "all monitors" entry). Not a capture."""
    import mss

    with mss.MSS() as sct:
        return [dict(m) for m in sct.monitors[1:]]


def enumerate_monitors(screens: Sequence[ScreenGeometry] | None = None) -> list[Monitor]:
    return match_monitors(mss_monitors(), qt_screens() if screens is None else screens)
