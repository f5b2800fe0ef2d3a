"""Building and parsing messages, against the bare msgpack codec in the same run.

Every update, mark, chat line and acknowledgement goes through
:mod:`common.messages` twice (build and serialize on one side, parse and check
on the other), and the relay parses every message it forwards. This part
measures what that layer costs per message for the shapes the apps really send,
next to a yardstick: ``msgpack.packb``/``unpackb`` of the same body as plain
lists, with no classes and no checks — what any msgpack-based wire format has
to pay. The ratio says how much the typed, checked catalogue adds.

Run alone: ``.venv/bin/python -m bench.message_bench [--rounds N]``. It uses only
the catalogue's public surface (constructors, ``serialize``, ``parse``), so the
same file measures an older checkout too (``PYTHONPATH=that/checkout``).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable
from functools import partial
from typing import Any

import msgpack

from bench.timing import calls_per_round, us_per_call
from common import messages as m

#: Each round runs a case for about this long.
ROUND_S = 0.15


def _tiles(count: int, size: int) -> tuple[Any, ...]:
    payload = bytes(range(256)) * (size // 256 + 1)
    return tuple(
        m.Tile((i % 30) * 64, (i // 30) * 64, 64, 64, m.Codec.WEBP, payload[:size])
        for i in range(count)
    )


def _frame(tiles: tuple[Any, ...], moves: tuple[Any, ...] = ()) -> Any:
    return m.Frame(1234, 1_764_500_000_123_456_789, 1920, 1080, False, True, moves, tiles, 960, 540)


def cases() -> dict[str, tuple[Callable[[], Any], m.Layer]]:
    """name -> (a builder of the message, the layer it is parsed in)."""
    typing_tiles = _tiles(3, 1800)
    motion_tiles = _tiles(120, 2000)
    stroke = tuple((100 + i, 200 + (i * 7) % 300) for i in range(400))
    payload = b"\x42" * 20_000
    return {
        "typing frame (3 tiles, 5 KB)": (lambda: _frame(typing_tiles), m.Layer.APP),
        "motion frame (120 tiles, 240 KB)": (
            lambda: _frame(motion_tiles, (m.Move(0, 64, 0, 0, 1920, 900),)),
            m.Layer.APP,
        ),
        "pen stroke (400 points)": (
            lambda: m.Shape(7, m.ShapeTool.PEN, 0, 0xFF3B30FF, 4, stroke, "", 0, 0),
            m.Layer.APP,
        ),
        "chat line (120 characters)": (
            lambda: m.Chat(3, "프린터 설정을 열어 주세요. " * 8, 1_764_500_000_000),
            m.Layer.APP,
        ),
        "frame ack": (lambda: m.FrameAck(1234), m.Layer.APP),
        "relay Data (20 KB)": (lambda: m.Data(payload), m.Layer.RELAY),
    }


def _serialize(build: Callable[[], Any]) -> bytes:
    wire: bytes = build().serialize()
    return wire


def _bare(wire: bytes) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The yardstick: the same body as plain msgpack lists (or raw bytes), no classes."""
    kind, body = wire[:1], wire[1:]
    try:
        lists = msgpack.unpackb(body, raw=False)
    except Exception:  # noqa: BLE001 - a raw layout (Data, Sealed): slicing is the codec
        return (lambda: kind + body), (lambda: wire[1:])
    return (
        lambda: kind + msgpack.packb(lists, use_bin_type=True),
        lambda: msgpack.unpackb(wire[1:], raw=False),
    )


def run(rounds: int = 5) -> dict[str, Any]:
    """Per case: µs per build+serialize and per parse (medians, rounds), and the bare codec's."""
    results: dict[str, Any] = {"rounds": rounds, "cases": {}}
    for name, (build, layer) in cases().items():
        wire = build().serialize()
        assert m.parse(wire, layer) == build(), name
        bare_build, bare_parse = _bare(wire)
        fns: dict[str, Callable[[], Any]] = {
            "build": partial(_serialize, build),
            "bare_build": bare_build,
            "parse": partial(m.parse, wire, layer),
            "bare_parse": bare_parse,
        }
        calls = {key: calls_per_round(fn, ROUND_S) for key, fn in fns.items()}
        # Alternate ours and the yardstick, round by round, so drift hits both alike.
        times: dict[str, list[float]] = {key: [] for key in fns}
        for _ in range(rounds):
            for key, fn in fns.items():
                times[key].append(us_per_call(fn, calls[key]))
        ours_b, ours_p, bare_b, bare_p = (
            times["build"],
            times["parse"],
            times["bare_build"],
            times["bare_parse"],
        )
        med = statistics.median
        results["cases"][name] = {
            "bytes": len(wire),
            "build_us": round(med(ours_b), 2),
            "build_us_rounds": [round(x, 2) for x in ours_b],
            "parse_us": round(med(ours_p), 2),
            "parse_us_rounds": [round(x, 2) for x in ours_p],
            "bare_build_us": round(med(bare_b), 2),
            "bare_parse_us": round(med(bare_p), 2),
            "build_ratio": round(med(ours_b) / med(bare_b), 2),
            "parse_ratio": round(med(ours_p) / med(bare_p), 2),
        }
    motion = results["cases"]["motion frame (120 tiles, 240 KB)"]
    results["motion_frame_build_ratio"] = motion["build_ratio"]
    results["motion_frame_parse_ratio"] = motion["parse_ratio"]
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.message_bench", description=__doc__)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)
    results = run(args.rounds)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'case':36} {'bytes':>7} {'build µs':>10} {'×bare':>6} {'parse µs':>10} {'×bare':>6}")
    for name, c in results["cases"].items():
        print(
            f"{name:36} {c['bytes']:>7} {c['build_us']:>10.2f} {c['build_ratio']:>6.2f}"
            f" {c['parse_us']:>10.2f} {c['parse_ratio']:>6.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
