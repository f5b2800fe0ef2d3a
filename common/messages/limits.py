"""Limits, kinds and enumerations of the wire format: what every layer shares."""

from __future__ import annotations

import enum

#: 2: agents sign in with a public key and prove who they are inside the channel (Identity).
#: 3: relay nodes may redirect. 4: rooms (helpers, hand-over, supervisors; docs/protocol.md).
#: 5: the help desk (customers ask from the app, queues, callbacks; no code).
#: 6: H.264 tiles for the part of the screen in motion (Codec.H264).
#: 7: remote control behind its own consent (ControlRequest, ControlState, Input,
#:    Clipboard) and file hand-over (FileOffer ... FileEnd).
PROTOCOL_VERSION = 7
#: Largest message on the relay websocket (the relay closes with 1009 beyond it).
MAX_MESSAGE_BYTES = 1 << 20
#: Largest application plaintext; leaves room for sealing and framing in MAX_MESSAGE_BYTES.
MAX_APP_BYTES = MAX_MESSAGE_BYTES - 1024
#: Screen coordinates (pixels) are limited to this magnitude.
MAX_COORD = 1 << 16
MAX_NAME = 64
MAX_TEXT = 4000
MAX_SHORT_TEXT = 500
#: The longest block a supervisor can set from the app (minutes: 365 days, as the CLI).
MAX_BLOCK_MINUTES = 365 * 24 * 60
MAX_POINTS = 4096
MAX_TILES = 8192
MAX_MONITORS = 16
NAMEPLATE_MIN_DIGITS = 3
NAMEPLATE_MAX_DIGITS = 12
PAKE_MESSAGE_BYTES = 33  # one side byte + a 32-byte Ed25519 element
MAC_BYTES = 32
TAG_BYTES = 16  # Poly1305 tag at the end of every sealed record
TOKEN_HASH_BYTES = 32
#: An agent certificate (org-signed) and a revocation list, as carried in messages.
MAX_CERTIFICATE_BYTES = 1200
MAX_REVOCATIONS_BYTES = 256 * 1024 + 200
U32 = (1 << 32) - 1
U64 = (1 << 64) - 1
#: Most members a room can have on the wire (lead included); the relay's
#: ``max_helpers`` setting is the limit a desk chooses, at most this.
MAX_MEMBERS = 16
#: An X25519 public key (the newcomer's HPKE key) and an Ed25519 one.
KEY_BYTES = 32
#: A signed offer (certificate, revocation list, keys, signature) as carried in messages.
MAX_OFFER_BYTES = MAX_CERTIFICATE_BYTES + MAX_REVOCATIONS_BYTES + 1024
#: An HPKE welcome box (enc, then the sealed WelcomeBody).
MAX_WELCOME_BYTES = 512
#: The help desk: a queue's id, a ticket, an installation id, a contact, system details.
MAX_QUEUE_ID = 32
MAX_TICKET = 64
MAX_INSTALLATION = 64
MAX_CONTACT = 64  # as the desk tables keep it (relay.store)
MAX_SYSTEM = 2000
#: Most queues a desk has, and most entries in a list a desk connection is sent.
MAX_DESK_QUEUES = 64
MAX_DESK_LIST = 2000
#: Remote input events in one Input message, and the longest text one TEXT event types.
MAX_INPUT_EVENTS = 256
MAX_INPUT_TEXT = 256
#: Clipboard text the member in control may hand to the customer's clipboard.
MAX_CLIPBOARD = 64 * 1024
#: A file transfer's chunk (leaves room in MAX_APP_BYTES), and the largest file size
#: the wire can express (each side's setting is the real limit).
FILE_CHUNK_BYTES = 256 * 1024
MAX_FILE_BYTES = 1 << 40
#: Earlier contacts the agent who takes a customer is shown (the newest).
MAX_HISTORY = 10


class Kind(enum.IntEnum):
    # relay layer: endpoint <-> relay
    HELLO = 0x01
    WELCOME = 0x02
    AUTH = 0x03
    AUTH_OK = 0x04
    CREATE = 0x05
    CREATED = 0x06
    JOIN = 0x07
    PAIRED = 0x08
    DATA = 0x09
    ESTABLISHED = 0x0A
    PAIRING_FAILED = 0x0B
    PEER_AWAY = 0x0C
    PEER_BACK = 0x0D
    PEER_LEFT = 0x0E
    RESUME = 0x0F
    RESUMED = 0x10
    CONGESTION = 0x11
    ERROR = 0x12
    BYE = 0x13
    REDIRECT = 0x14
    # relay layer, rooms (protocol 4)
    PRESENCE = 0x15
    COLLEAGUES = 0x16
    INVITE = 0x17
    INVITED = 0x18
    INVITE_ANSWER = 0x19
    INVITE_STATUS = 0x1A
    ENTER = 0x1B
    ENTERED = 0x1C
    MEMBER = 0x1D
    POST = 0x1E
    CAST = 0x1F
    SKIPPED = 0x20
    ADMIT = 0x21
    LEAD = 0x22
    # relay layer, the help desk (protocol 5)
    ASK = 0x23
    STANDING = 0x24
    DESK_REFUSED = 0x25
    BACK = 0x26
    LEAVE = 0x27
    TAKE = 0x28
    TOOK = 0x29
    CALLED = 0x2A
    LIST_QUEUES = 0x2B
    QUEUES = 0x2C
    WAITING_LIST = 0x2D
    LIST_WINDOWS = 0x2E
    WINDOWS = 0x2F
    CALL_ME = 0x30
    CALLBACK_BOOKED = 0x31
    CALLBACK_LIST = 0x32
    CALLBACK_OUTCOME = 0x33
    FLAG = 0x34
    BLOCK = 0x35
    BLOCKED = 0x36
    NOTE = 0x37
    HISTORY = 0x38
    SURVEY = 0x39
    REPORT = 0x3A  # protocol 7: customer -> relay, control and file events for the audit log
    # e2e layer: endpoint <-> endpoint, inside Data
    PAKE = 0x40
    CONFIRM = 0x41
    SEALED = 0x42
    RESUME_SYNC = 0x43
    OFFER = 0x44  # newcomer -> lead: a signed offer to join (common/room.py)
    GREETING = 0x45  # lead -> newcomer: the customer's welcome box, countersigned
    CAST_SEALED = 0x46  # customer -> every member: a record under the epoch key
    HELP_ANSWER = 0x47  # agent -> customer who asked from the app: who answers, signed
    # app layer: inside a sealed record
    CONSENT = 0x80
    PAUSE = 0x81
    MONITORS = 0x82
    MONITOR_SWITCH = 0x83
    FRAME = 0x84
    FRAME_ACK = 0x85
    SHAPE = 0x86
    SHAPE_REMOVE = 0x87
    SHAPES_CLEAR = 0x88
    LASER = 0x89
    CHAT = 0x8A
    STEP = 0x8B
    RATING = 0x8C
    SESSION_END = 0x8D
    CHANNEL_ACK = 0x8E
    IDENTITY = 0x8F
    VOUCH = 0x90
    ANSWER = 0x91
    EPOCH_KEY = 0x92
    ROSTER = 0x93
    REFRESH = 0x94
    BRIEFING = 0x95
    DRAW_PERMISSION = 0x96
    # protocol 7: remote control and file hand-over
    CONTROL_REQUEST = 0x97
    CONTROL_STATE = 0x98
    INPUT = 0x99
    CLIPBOARD = 0x9A
    CONTROL_RELEASE = 0x9B
    FILE_OFFER = 0x9C
    FILE_ANSWER = 0x9D
    FILE_CHUNK = 0x9E
    FILE_ACK = 0x9F
    FILE_END = 0xA0


class Layer(enum.Enum):
    RELAY = "relay"
    E2E = "e2e"
    APP = "app"


def layer_of(kind: Kind) -> Layer:
    if kind < 0x40:
        return Layer.RELAY
    if kind < 0x80:
        return Layer.E2E
    return Layer.APP


class Role(enum.IntEnum):
    AGENT = 1
    CUSTOMER = 2


class PeerLeftReason(enum.IntEnum):
    LEFT = 1  # said Bye
    TIMED_OUT = 2  # dropped and did not resume within the grace period
    PAIRING_FAILED = 3  # key confirmation failed on one side: the nameplate is burned
    INTRUDER = 4  # a third party tried to claim the nameplate; the session is closed
    RELAY_SHUTDOWN = 5
    REMOVED = 6  # the customer removed this member from the room (rooms only)
    #: Protocol 5: the customer's app refused the agent's identity before any channel
    #: existed (a desk session: nothing sealed could carry the reason).
    IDENTITY_REFUSED = 7


class EndReason(enum.IntEnum):
    AGENT_ENDED = 1
    CUSTOMER_STOPPED = 2
    DECLINED = 3
    ERROR = 4
    DURATION_ELAPSED = 5
    IDENTITY_REFUSED = 6  # the customer's app refused the agent's identity card


class ConsentState(enum.IntEnum):
    GRANTED = 1
    DECLINED = 2
    WITHDRAWN = 3


class Codec(enum.IntEnum):
    """How a tile's bytes are encoded; exact layouts in ``common/tile_codecs.py``."""

    SOLID = 1  # data: 4 bytes B, G, R, A of a single colour
    ZLIB = 2  # data: zlib of the tile's BGRA bytes (lossless)
    PNG = 3  # lossless
    JPEG = 4  # lossy, for photo-like content
    WEBP = 5  # lossless WebP for text and UI (smallest measured), lossy where noted
    PALETTE = 6  # data: zlib of (palette size, BGR palette, packed indices): lossless
    H264 = 7  # data: one H.264 access unit of the region in motion (common/video.py)


class ControlChange(enum.IntEnum):
    """What happened to remote control (customer -> every member, in ControlState)."""

    GRANTED = 1  # the customer allowed the named member to control, for this session only
    DENIED = 2  # the customer said no (or closed the prompt)
    STOPPED = 3  # the customer took control back (Stop control, the stop key, Stop)
    RELEASED = 4  # the member in control gave it back
    PAUSED = 5  # sharing paused: control ends with it
    IDLE = 6  # no input from the member in control for the idle limit
    LEFT = 7  # the member in control left the room or their connection dropped
    ENDED = 8  # the session ended
    BLOCKED = 9  # a protected window has the focus: input is refused while it does
    UNBLOCKED = 10  # the protected window lost the focus: input is accepted again
    UNAVAILABLE = 11  # this system cannot take remote input (no XTest, Wayland, ...)
    BUSY = 12  # someone else asked first, or holds control: one person at a time
    LOCAL_INPUT = 13  # the customer is using their own mouse or keyboard: input waits


class ReportEvent(enum.IntEnum):
    """What the customer's app reports to the relay's audit log (never any content)."""

    CONTROL_GRANTED = 1
    CONTROL_DENIED = 2
    CONTROL_ENDED = 3  # detail: why (stopped, released, paused, idle, left, ended)
    FILE_TO_CUSTOMER = 4  # detail: name, size, SHA-256
    FILE_FROM_CUSTOMER = 5
    FILE_DECLINED = 6
    FILE_CANCELLED = 7
    FILE_FAILED = 8
    CONTROL_BLOCKED = 9  # detail: the protected window's pattern


class InputKind(enum.IntEnum):
    """One remote input event (Input.events); coordinates in the shared monitor's pixels."""

    MOVE = 1  # pointer to (x, y)
    BUTTON = 2  # button ``code`` (1 left, 2 middle, 3 right) pressed or released at (x, y)
    WHEEL = 3  # ``code`` notches: 4 up, 5 down, 6 left, 7 right (X11's buttons) at (x, y)
    KEY = 4  # X keysym ``code`` pressed or released (Hangul, Hangul_Hanja included)
    TEXT = 5  # committed text (an input method's result, e.g. Korean syllables)


class FileDirection(enum.IntEnum):
    TO_CUSTOMER = 1  # the agent offers a file (a log collector, a fix, a document)
    FROM_CUSTOMER = 2  # the customer sends a file (a log, a screenshot)


class FileEndState(enum.IntEnum):
    """How a file transfer ended (either side, in FileEnd)."""

    DONE = 1  # every byte arrived and the SHA-256 matched
    CANCELLED = 2  # the sender or the receiver cancelled
    FAILED = 3  # the receiver could not write it, or the hash did not match
    DECLINED = 4  # the receiver said no
    TOO_LARGE = 5  # above the receiver's size limit


class ShapeTool(enum.IntEnum):
    PEN = 1
    ARROW = 2
    RECT = 3
    ELLIPSE = 4
    TEXT = 5
    HIGHLIGHTER = 6
    STEP = 7


class MemberRole(enum.IntEnum):
    """What a person in a room is there for (what the customer's prompt and bar say)."""

    LEAD = 1  # the agent leading the session (the one who read out the code, or took over)
    HELPER = 2  # a colleague invited to help (a specialist)
    SUPERVISOR = 3  # watches or coaches; draws only if the lead allows


class PresenceState(enum.IntEnum):
    """An agent's availability, as colleagues see it in the invite list."""

    AVAILABLE = 1
    BUSY = 2
    AWAY = 3


class InviteKind(enum.IntEnum):
    HELP = 1  # join this room as a helper
    HANDOVER = 2  # take this room over (warm transfer): the lead leaves after
    SUPERVISE = 3  # a supervisor asks to watch (the lead is told; the customer decides)


class InviteState(enum.IntEnum):
    """How an invitation went (relay -> the agent who sent it)."""

    SENT = 1  # the colleague's app shows it
    ACCEPTED = 2  # they accepted and are joining; the customer is asked next
    DECLINED = 3
    EXPIRED = 4  # no answer in time
    UNAVAILABLE = 5  # not signed in, or the room is full
    JOINED = 6  # the customer allowed them: they are in the room
    REFUSED = 7  # the customer did not allow them
    LEFT = 8


class Outcome(enum.IntEnum):
    """What came of a callback (agent -> relay; kept in the desk log)."""

    DONE = 1
    NO_ANSWER = 2
    RESCHEDULED = 3
    CANCELLED = 4


class FlagKind(enum.IntEnum):
    """Why an agent flags a contact (kept with the installation; supervisors read them)."""

    ABUSIVE = 1
    REPEAT = 2
    SPECIALIST = 3  # needs a specialist
