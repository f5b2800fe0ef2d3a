"""The application layer: the plaintext inside a sealed record (frames, acks, marks,
laser, chat, steps, consent, pause, monitors, rating, session end)."""

# ruff: noqa: F405 - names come from the star imports of limits and base
from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from common.messages.base import *  # noqa: F403
from common.messages.limits import *  # noqa: F403 - the constants and enums the layer names

# ---------------------------------------------------------------- app layer


class MonitorInfo(Record):
    """One of the customer's monitors: geometry in physical pixels, scale in percent."""

    index: Annotated[int, Meta(ge=0, le=MAX_MONITORS - 1)]
    x: Coord
    y: Coord
    width: Annotated[int, Meta(ge=1, le=MAX_COORD)]
    height: Annotated[int, Meta(ge=1, le=MAX_COORD)]
    scale_pct: Annotated[int, Meta(ge=25, le=800)]
    name: Name
    primary: bool


class Tile(Record):
    """A changed rectangle of the shared monitor, in physical pixels."""

    x: Size
    y: Size
    w: Annotated[int, Meta(ge=1, le=4096)]
    h: Annotated[int, Meta(ge=1, le=4096)]
    codec: Codec
    data: Annotated[bytes, Meta(max_length=MAX_APP_BYTES)]


class Move(Record):
    """Copy a rectangle of the previous frame to a new place (scrolling), before tiles."""

    src_x: Size
    src_y: Size
    x: Size
    y: Size
    w: Size
    h: Size


class Consent(Message):
    """customer -> agent: the customer's answer, and what they allowed."""

    KIND = Kind.CONSENT
    state: ConsentState
    allow_draw: bool
    monitor: Annotated[int, Meta(ge=0, le=MAX_MONITORS)]


class Pause(Message):
    """customer -> agent: sharing paused (no pixels are sent) or resumed."""

    KIND = Kind.PAUSE
    paused: bool


class Monitors(Message):
    """customer -> agent: the monitors and which one is shared."""

    KIND = Kind.MONITORS
    monitors: Annotated[tuple[MonitorInfo, ...], Meta(max_length=MAX_MONITORS)]
    current: Annotated[int, Meta(ge=0, le=MAX_MONITORS)]


class MonitorSwitch(Message):
    """agent -> customer: please share this monitor instead (the customer is asked)."""

    KIND = Kind.MONITOR_SWITCH
    index: Annotated[int, Meta(ge=0, le=MAX_MONITORS - 1)]


class Frame(Message):
    """customer -> agent: part or all of one screen update.

    A frame may span several messages; ``final`` marks the last. ``capture_ns`` is
    the sender's wall clock at capture, for latency measurement. ``keyframe`` means
    the tiles cover the whole screen and nothing of the previous frame is needed.
    """

    KIND = Kind.FRAME
    frame_id: UInt32
    capture_ns: UInt64
    width: Annotated[int, Meta(ge=1, le=MAX_COORD)]
    height: Annotated[int, Meta(ge=1, le=MAX_COORD)]
    keyframe: bool
    final: bool
    moves: Annotated[tuple[Move, ...], Meta(max_length=64)]
    tiles: Annotated[tuple[Tile, ...], Meta(max_length=MAX_TILES)]
    cursor_x: Annotated[int, Meta(ge=-1, le=MAX_COORD)]
    cursor_y: Annotated[int, Meta(ge=-1, le=MAX_COORD)]


class FrameAck(Message):
    """agent -> customer: this frame was displayed. Drives the sender's window."""

    KIND = Kind.FRAME_ACK
    frame_id: UInt32


class Shape(Message):
    """agent -> customer: one annotation, in the shared monitor's physical pixels.

    ``fade_ms`` 0 means pinned (stays until removed). ``number`` is the step
    number for STEP markers; ``text`` is used by TEXT (and optionally STEP).
    """

    KIND = Kind.SHAPE
    shape_id: UInt32
    tool: ShapeTool
    monitor: Annotated[int, Meta(ge=0, le=MAX_MONITORS - 1)]
    color: UInt32
    width: Annotated[int, Meta(ge=1, le=200)]
    points: Points
    text: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]
    number: Annotated[int, Meta(ge=0, le=999)]
    fade_ms: Annotated[int, Meta(ge=0, le=3_600_000)]

    def __post_init__(self) -> None:
        if not isinstance(self.points, Points):  # built from plain (x, y) pairs
            msgspec.structs.force_setattr(self, "points", Points(self.points))


class ShapeRemove(Message):
    """agent -> customer: remove these annotations (undo)."""

    KIND = Kind.SHAPE_REMOVE
    shape_ids: Annotated[tuple[UInt32, ...], Meta(max_length=4096)]


class ShapesClear(Message):
    KIND = Kind.SHAPES_CLEAR


class Laser(Message):
    """agent -> customer: where the laser pointer is; it fades on the customer side."""

    KIND = Kind.LASER
    monitor: Annotated[int, Meta(ge=0, le=MAX_MONITORS - 1)]
    x: Coord
    y: Coord
    visible: bool


class Chat(Message):
    """Either direction: a chat line."""

    KIND = Kind.CHAT
    msg_id: UInt32
    text: Annotated[str, Meta(max_length=MAX_TEXT)]
    sent_ms: UInt64


class Step(Message):
    """agent -> customer: a numbered guidance step (re-sending a number replaces it)."""

    KIND = Kind.STEP
    number: Annotated[int, Meta(ge=1, le=999)]
    text: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]
    done: bool


class Rating(Message):
    """customer -> agent at the end: 1-5 stars and an optional comment."""

    KIND = Kind.RATING
    stars: Annotated[int, Meta(ge=1, le=5)]
    comment: Annotated[str, Meta(max_length=1000)]


class SessionEnd(Message):
    """Either direction: the session is over, and why."""

    KIND = Kind.SESSION_END
    reason: EndReason
    detail: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]


class ChannelAck(Message):
    """Either direction: every sealed record below ``next_seq`` arrived (trims resend buffers)."""

    KIND = Kind.CHANNEL_ACK
    next_seq: UInt64


class Identity(Message):
    """agent -> customer, the first record after key confirmation: who is asking.

    ``certificate`` (empty without one) and ``revocations`` are the organisation's
    signed statements (``common/identity.py``); ``signature`` is the agent key's
    signature over this session's transcript hash. The customer's app checks all
    three before it shows the consent prompt.
    """

    KIND = Kind.IDENTITY
    certificate: Annotated[bytes, Meta(max_length=MAX_CERTIFICATE_BYTES)]
    revocations: Annotated[bytes, Meta(max_length=MAX_REVOCATIONS_BYTES)]
    signature: Annotated[bytes, Meta(min_length=64, max_length=64)]


# ---------------------------------------------------------------- rooms (protocol 4)


class Vouch(Message):
    """lead -> customer: a colleague's signed offer to join, which the lead's app
    checked. ``reason`` is why (the customer's prompt shows it); ``note`` is for the
    newcomer (hand-over notes), passed on in the briefing, not shown to the customer."""

    KIND = Kind.VOUCH
    member: Annotated[int, Meta(ge=1, le=255)]
    offer: Annotated[bytes, Meta(min_length=1, max_length=MAX_OFFER_BYTES)]
    reason: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]
    note: Annotated[str, Meta(max_length=MAX_TEXT)]


class Answer(Message):
    """customer -> lead: the customer's answer about ``member``; when allowed,
    ``welcome`` is the HPKE box for the newcomer (the lead countersigns and passes it)."""

    KIND = Kind.ANSWER
    member: Annotated[int, Meta(ge=1, le=255)]
    allowed: bool
    welcome: Annotated[bytes, Meta(max_length=MAX_WELCOME_BYTES)]


class EpochKey(Message):
    """customer -> one member, on its pairwise channel: the key of the next epoch of the
    shared stream, and the first sequence number sealed under it."""

    KIND = Kind.EPOCH_KEY
    epoch: UInt32
    key: Annotated[bytes, Meta(min_length=KEY_BYTES, max_length=KEY_BYTES)]
    first_seq: UInt64


class RosterEntry(Record):
    member: Annotated[int, Meta(ge=1, le=255)]
    display_name: Name
    org: Name
    team: Name
    role: MemberRole
    verified: bool
    #: The colour the customer's screen draws this member's marks in (0xRRGGBB).
    color: UInt32
    can_draw: bool


class Roster(Message):
    """customer -> every member: who can see the screen now (the sharing bar's list)."""

    KIND = Kind.ROSTER
    members: Annotated[tuple[RosterEntry, ...], Meta(max_length=MAX_MEMBERS)]


class Refresh(Message):
    """member -> customer: I missed part of the stream; send me a whole picture."""

    KIND = Kind.REFRESH


class DrawPermission(Message):
    """lead -> customer: may this member (a supervisor) draw on the customer's screen?
    Only the member who leads may say; the customer's app applies it to that member's
    marks and tells everyone in the next roster."""

    KIND = Kind.DRAW_PERMISSION
    member: Annotated[int, Meta(ge=1, le=255)]
    allowed: bool


class BriefStep(Record):
    number: Annotated[int, Meta(ge=1, le=999)]
    text: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]
    done: bool


class BriefLine(Record):
    author: Name
    text: Annotated[str, Meta(max_length=MAX_TEXT)]
    sent_ms: UInt64


class Briefing(Message):
    """customer -> a new lead after a hand-over: the lead's note, the guidance steps
    and the chat so far, so the newcomer does not start from a blank screen."""

    KIND = Kind.BRIEFING
    note: Annotated[str, Meta(max_length=MAX_TEXT)]
    steps: Annotated[tuple[BriefStep, ...], Meta(max_length=999)]
    chat: Annotated[tuple[BriefLine, ...], Meta(max_length=500)]


# ---------------------------------------------------------------- control and files (protocol 7)


class ControlRequest(Message):
    """member -> customer: may I use your mouse and keyboard? The customer's app asks
    with its own prompt; nothing is remembered beyond this session."""

    KIND = Kind.CONTROL_REQUEST
    reason: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]


class ControlRelease(Message):
    """member in control -> customer: I give control back."""

    KIND = Kind.CONTROL_RELEASE


class ControlState(Message):
    """customer -> every member: who is in control now (``holder`` 0: nobody) and what
    changed. ``blocked`` is true while a protected window has the focus (input refused);
    ``detail`` says which protected window, as the customer's app matched it."""

    KIND = Kind.CONTROL_STATE
    holder: Annotated[int, Meta(ge=0, le=255)]
    change: ControlChange
    member: Annotated[int, Meta(ge=0, le=255)]  # whom the change is about (who asked)
    blocked: bool
    detail: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]


class InputEvent(Record):
    kind: InputKind
    x: Coord
    y: Coord
    code: UInt32
    down: bool
    text: Annotated[str, Meta(max_length=MAX_INPUT_TEXT)]


class Input(Message):
    """member in control -> customer: remote input, in order. Coordinates are the shared
    monitor's physical pixels (as marks); ``monitor`` says which monitor the agent saw.
    The customer's app injects it only while this member holds control."""

    KIND = Kind.INPUT
    seq: UInt32
    monitor: Annotated[int, Meta(ge=0, le=MAX_MONITORS - 1)]
    events: Annotated[tuple[InputEvent, ...], Meta(min_length=1, max_length=MAX_INPUT_EVENTS)]


class Clipboard(Message):
    """member in control -> customer: put this text on the customer's clipboard."""

    KIND = Kind.CLIPBOARD
    text: Annotated[str, Meta(max_length=MAX_CLIPBOARD)]


class FileOffer(Message):
    """sender -> receiver: may I send you this file? The receiving customer is asked with
    the name and size; nothing arrives before the yes, and nothing runs by itself."""

    KIND = Kind.FILE_OFFER
    transfer: UInt32
    direction: FileDirection
    name: Annotated[str, Meta(min_length=1, max_length=255)]
    size: Annotated[int, Meta(ge=0, le=MAX_FILE_BYTES)]
    sha256: Annotated[bytes, Meta(min_length=32, max_length=32)]


class FileAnswer(Message):
    """receiver -> sender: yes (send the chunks) or no (``FileEnd`` follows)."""

    KIND = Kind.FILE_ANSWER
    transfer: UInt32
    accepted: bool


class FileChunk(Message):
    """sender -> receiver: the bytes at ``offset``; at most ``FILE_CHUNK_BYTES``."""

    KIND = Kind.FILE_CHUNK
    transfer: UInt32
    offset: Annotated[int, Meta(ge=0, le=MAX_FILE_BYTES)]
    data: Annotated[bytes, Meta(max_length=FILE_CHUNK_BYTES)]


class FileAck(Message):
    """receiver -> sender: every byte below ``received`` is written (back-pressure: the
    sender keeps at most a window of unacknowledged chunks in flight)."""

    KIND = Kind.FILE_ACK
    transfer: UInt32
    received: Annotated[int, Meta(ge=0, le=MAX_FILE_BYTES)]


class FileEnd(Message):
    """either side: the transfer is over (done, cancelled, failed, declined, too large)."""

    KIND = Kind.FILE_END
    transfer: UInt32
    state: FileEndState
    detail: Annotated[str, Meta(max_length=MAX_SHORT_TEXT)]
