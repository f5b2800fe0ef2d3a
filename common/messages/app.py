"""The application layer: the plaintext inside a sealed record (frames, acks, marks,
laser, chat, steps, consent, pause, monitors, rating, session end)."""

# ruff: noqa: F405 - names come from the star imports of limits and base
from __future__ import annotations

from typing import ClassVar

from common.messages.base import *  # noqa: F403
from common.messages.base import _coord, _name, _size, _u32, _u64
from common.messages.limits import *  # noqa: F403 - the constants and enums the layer names

# ---------------------------------------------------------------- app layer


@record
class MonitorInfo(Record):
    """One of the customer's monitors: geometry in physical pixels, scale in percent."""

    SPEC = {
        "index": Int(0, MAX_MONITORS - 1),
        "x": _coord,
        "y": _coord,
        "width": Int(1, MAX_COORD),
        "height": Int(1, MAX_COORD),
        "scale_pct": Int(25, 800),
        "name": _name,
        "primary": Bool(),
    }
    index: int
    x: int
    y: int
    width: int
    height: int
    scale_pct: int
    name: str
    primary: bool


@record
class Tile(Record):
    """A changed rectangle of the shared monitor, in physical pixels."""

    SPEC = {
        "x": _size,
        "y": _size,
        "w": Int(1, 4096),
        "h": Int(1, 4096),
        "codec": Enum(Codec),
        "data": Bytes(MAX_APP_BYTES),
    }
    x: int
    y: int
    w: int
    h: int
    codec: Codec
    data: bytes


@record
class Move(Record):
    """Copy a rectangle of the previous frame to a new place (scrolling), before tiles."""

    SPEC = {"src_x": _size, "src_y": _size, "x": _size, "y": _size, "w": _size, "h": _size}
    src_x: int
    src_y: int
    x: int
    y: int
    w: int
    h: int


@message
class Consent(Message):
    """customer -> agent: the customer's answer, and what they allowed."""

    KIND = Kind.CONSENT
    SPEC = {"state": Enum(ConsentState), "allow_draw": Bool(), "monitor": Int(0, MAX_MONITORS)}
    state: ConsentState
    allow_draw: bool
    monitor: int


@message
class Pause(Message):
    """customer -> agent: sharing paused (no pixels are sent) or resumed."""

    KIND = Kind.PAUSE
    SPEC = {"paused": Bool()}
    paused: bool


@message
class Monitors(Message):
    """customer -> agent: the monitors and which one is shared."""

    KIND = Kind.MONITORS
    SPEC = {"monitors": Seq(Struct(MonitorInfo), MAX_MONITORS), "current": Int(0, MAX_MONITORS)}
    monitors: tuple[MonitorInfo, ...]
    current: int


@message
class MonitorSwitch(Message):
    """agent -> customer: please share this monitor instead (the customer is asked)."""

    KIND = Kind.MONITOR_SWITCH
    SPEC = {"index": Int(0, MAX_MONITORS - 1)}
    index: int


@message
class Frame(Message):
    """customer -> agent: part or all of one screen update.

    A frame may span several messages; ``final`` marks the last. ``capture_ns`` is
    the sender's wall clock at capture, for latency measurement. ``keyframe`` means
    the tiles cover the whole screen and nothing of the previous frame is needed.
    """

    KIND = Kind.FRAME
    SPEC = {
        "frame_id": _u32,
        "capture_ns": _u64,
        "width": Int(1, MAX_COORD),
        "height": Int(1, MAX_COORD),
        "keyframe": Bool(),
        "final": Bool(),
        "moves": Seq(Struct(Move), 64),
        "tiles": Seq(Struct(Tile), MAX_TILES),
        "cursor_x": Int(-1, MAX_COORD),
        "cursor_y": Int(-1, MAX_COORD),
    }
    frame_id: int
    capture_ns: int
    width: int
    height: int
    keyframe: bool
    final: bool
    moves: tuple[Move, ...]
    tiles: tuple[Tile, ...]
    cursor_x: int
    cursor_y: int


@message
class FrameAck(Message):
    """agent -> customer: this frame was displayed. Drives the sender's window."""

    KIND = Kind.FRAME_ACK
    SPEC = {"frame_id": _u32}
    frame_id: int


@message
class Shape(Message):
    """agent -> customer: one annotation, in the shared monitor's physical pixels.

    ``fade_ms`` 0 means pinned (stays until removed). ``number`` is the step
    number for STEP markers; ``text`` is used by TEXT (and optionally STEP).
    """

    KIND = Kind.SHAPE
    SPEC = {
        "shape_id": _u32,
        "tool": Enum(ShapeTool),
        "monitor": Int(0, MAX_MONITORS - 1),
        "color": _u32,
        "width": Int(1, 200),
        "points": Points(),
        "text": Str(MAX_SHORT_TEXT),
        "number": Int(0, 999),
        "fade_ms": Int(0, 3_600_000),
    }
    shape_id: int
    tool: ShapeTool
    monitor: int
    color: int
    width: int
    points: tuple[tuple[int, int], ...]
    text: str
    number: int
    fade_ms: int


@message
class ShapeRemove(Message):
    """agent -> customer: remove these annotations (undo)."""

    KIND = Kind.SHAPE_REMOVE
    SPEC = {"shape_ids": Seq(_u32, 4096)}
    shape_ids: tuple[int, ...]


@message
class ShapesClear(Message):
    KIND = Kind.SHAPES_CLEAR
    SPEC: ClassVar[dict[str, Field]] = {}


@message
class Laser(Message):
    """agent -> customer: where the laser pointer is; it fades on the customer side."""

    KIND = Kind.LASER
    SPEC = {"monitor": Int(0, MAX_MONITORS - 1), "x": _coord, "y": _coord, "visible": Bool()}
    monitor: int
    x: int
    y: int
    visible: bool


@message
class Chat(Message):
    """Either direction: a chat line."""

    KIND = Kind.CHAT
    SPEC = {"msg_id": _u32, "text": Str(MAX_TEXT), "sent_ms": _u64}
    msg_id: int
    text: str
    sent_ms: int


@message
class Step(Message):
    """agent -> customer: a numbered guidance step (re-sending a number replaces it)."""

    KIND = Kind.STEP
    SPEC = {"number": Int(1, 999), "text": Str(MAX_SHORT_TEXT), "done": Bool()}
    number: int
    text: str
    done: bool


@message
class Rating(Message):
    """customer -> agent at the end: 1-5 stars and an optional comment."""

    KIND = Kind.RATING
    SPEC = {"stars": Int(1, 5), "comment": Str(1000)}
    stars: int
    comment: str


@message
class SessionEnd(Message):
    """Either direction: the session is over, and why."""

    KIND = Kind.SESSION_END
    SPEC = {"reason": Enum(EndReason), "detail": Str(MAX_SHORT_TEXT)}
    reason: EndReason
    detail: str


@message
class ChannelAck(Message):
    """Either direction: every sealed record below ``next_seq`` arrived (trims resend buffers)."""

    KIND = Kind.CHANNEL_ACK
    SPEC = {"next_seq": _u64}
    next_seq: int
