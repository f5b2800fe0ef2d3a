"""Bar charts as SVG, drawn on the server (no chart library, no script, no CDN).

Colours and sizes are SVG presentation attributes, not ``style``: the console's
Content-Security-Policy allows no inline styles. Every chart has a ``<title>`` and
each bar its own, so a screen reader (or a hover) gives the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

__all__ = ["bars"]

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 46
COLOURS = ("#1f5fbf", "#b3261e", "#9aa7b4", "#1d7a46", "#a35b00")


def _nice(top: float) -> tuple[float, float]:
    """A round axis maximum at or above ``top``, and its step (five steps)."""
    if top <= 0:
        return 1.0, 0.2
    raw = top / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * 5, step


def _fmt(value: float) -> str:
    if value >= 10 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.2g}"


def bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    stacked: bool = False,
    unit: str = "",
    floor: float = 1.0,
) -> Markup:
    """A bar chart: one group of bars per label, one bar per series (or one stacked
    bar). ``None`` values are drawn as nothing."""
    n = max(1, len(labels))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if stacked:
        top = max(
            (sum(v or 0 for _, vs in series for v in [vs[i]]) for i in range(len(labels))),
            default=0,
        )
    else:
        top = max((v or 0 for _, vs in series for v in vs), default=0)
    axis_max, step = _nice(max(float(top), floor))  # small values stay small
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' class="chart" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i in range(6):  # the grid and its numbers
        tick = step * i
        y = TOP + plot_h - plot_h * tick / axis_max
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ec"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11"'
            f' fill="#5b6775">{_fmt(tick)}{escape(unit)}</text>'
        )
    slot = plot_w / n
    groups = 1 if stacked else max(1, len(series))
    bar_w = max(2.0, min(40.0, slot * 0.7 / groups))
    for i, label in enumerate(labels):
        x0 = LEFT + slot * i + (slot - bar_w * groups) / 2
        base = float(TOP + plot_h)
        for j, (name, values) in enumerate(series):
            value = values[i]
            if value is None:
                continue
            h = plot_h * value / axis_max
            x = x0 if stacked else x0 + j * bar_w
            y = base - h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}"'
                f' fill="{COLOURS[j % len(COLOURS)]}"><title>{escape(label)} · {escape(name)}:'
                f" {_fmt(value)}{escape(unit)}</title></rect>"
            )
            if stacked:
                base = y
        if n <= 16 or i % math.ceil(n / 16) == 0:  # labels that fit
            cx = LEFT + slot * i + slot / 2
            out.append(
                f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle"'
                f' font-size="11" fill="#1d2733">{escape(label[-10:])}</text>'
            )
    x = LEFT
    for j, (name, _) in enumerate(series):  # the legend
        out.append(
            f'<rect x="{x}" y="{HEIGHT - 16}" width="10" height="10"'
            f' fill="{COLOURS[j % len(COLOURS)]}"/><text x="{x + 14}" y="{HEIGHT - 7}"'
            f' font-size="11" fill="#1d2733">{escape(name)}</text>'
        )
        x += 24 + 7 * len(name) + (7 * sum(1 for c in name if ord(c) > 0x1100))
    out.append("</svg>")
    return Markup("".join(out))
