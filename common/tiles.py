"""Screen updates as :class:`~common.messages.Frame` messages, without any I/O.

:class:`FrameEncoder` (customer side) turns successive screenshots into the
Frame messages to send; :class:`FrameDecoder` (agent side) applies them to a
reconstructed screen. Both take and give numpy arrays shaped ``(H, W, 4)``
uint8 in B, G, R, A order, as mss captures them. Tile data layouts are in
:mod:`common.tile_codecs`.

How the encoder builds one update (the numbers are medians from
``bench/codec_bench.py`` on a 2-core machine; see ``docs/performance.md``):

1. The screenshot is copied into the encoder's own buffer with alpha forced to
   255, the masked rectangles replaced by what the agent already has there, or
   :data:`NEUTRAL` where nothing was sent yet (so the customer's own control bar
   and overlay never leave the machine), and the edges padded to the 64-pixel
   tile grid by repeating the last row and column.
2. Change detection compares the buffer with the reference (what the agent
   has) as uint64 words into a scratch bool array, reads that array as uint64
   again and ORs it down per tile row: about 0.3 ms for 1920x1080, against
   0.9 ms for a plain ``!=`` and ``any`` per tile and 6 ms for memoryview rows.
3. Scroll detection, when several tiles changed: hash every row of the
   changed area in both frames; each row whose hash is unique in the reference
   votes for a vertical offset. For the winning offset, the move keeps the
   longest run of rows where most pixels follow it, and within those rows the
   columns that follow it on nearly every row (so a title bar, status line,
   scroll bar or fixed sidebar is left out). The move is applied to the
   reference, changes are detected again, and it is kept only if fewer tiles
   remain; then the same is tried on what is left, up to :data:`MAX_MOVES`
   scrolls a frame (two panes scrolled apart). The receiver applies moves before
   tiles, in order, exactly like the reference.
3b. Motion (``video=True``, :mod:`common.video`): the tiles that changed frame
   after frame form a region sent as one H.264 picture; the rest goes on below.
   Moves that would copy into or out of that region are not used (the agent's
   pixels there are lossy). :meth:`FrameEncoder.refine` sends the region again
   without loss once it is still.
4. Each changed tile is classified: *solid* (one colour), *photo-like* (fewer
   than :data:`PHOTO_FLAT` of its pixels equal their left or upper neighbour:
   photos are noisy, text and UI have flat runs) or *lossless*.
5. In each tile row, runs of photo tiles and runs of the others are formed; a
   run that is all one solid colour stays ``SOLID``, otherwise it is lossless
   as a whole (WebP spends almost nothing on flat areas and a wide run
   compresses better). Runs with the same span in consecutive tile rows are
   merged, up to :data:`MAX_RECT_PIXELS`. Outside keyframes each rectangle is
   then cropped to the pixels that really changed (a blinking caret costs a
   2x17 tile, a 10-pixel scroll step a 10-pixel strip), and a sizeable crop of
   a lossless run is classified again (the changed part of a tile that is half
   UI, half video is video).
6. Codecs, chosen by measurement on anti-aliased text: ``SOLID`` for flat runs;
   ``WEBP`` lossless (effort 30, method 1) for text and UI: per 64x64 tile
   about half of zlib or PNG and 40% less than PALETTE, for 1.6-2.8x the
   encode time of zlib level 6; on 1920x128 bands 0.26 bit/pixel against 0.83
   for zlib. ``JPEG`` for photos: WebP lossy was 25-40% smaller at equal PSNR
   but 6-8x slower to encode (5 ms against 30-45 ms for a 1080p photo).
7. The tiles are packed into messages whose serialized size stays under the
   byte budget; ``final`` is set on the last one, ``keyframe`` on all parts of
   a keyframe, and the moves travel in the first part.

If the messages returned by :meth:`FrameEncoder.encode` are not all delivered,
the reference no longer matches the agent's screen: call
:meth:`FrameEncoder.request_keyframe`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor

import numpy as np
import numpy.typing as npt

from common.frame_decoder import FrameDecoder
from common.messages import MAX_APP_BYTES, MAX_TILES, Codec, Frame, Move, Tile
from common.scroll import RowHashes, apply_move, find_scroll
from common.tile_codecs import (
    OPAQUE,
    Pixels,
    Rect,
    encode_jpeg,
    encode_solid,
    encode_webp,
    u32,
)
from common.video import CRF_FOR_QUALITY, MotionTracker, VideoEncoder, VideoRegion

__all__ = [
    "DEFAULT_MESSAGE_BYTES",
    "DEFAULT_QUALITY",
    "JPEG_QUALITIES",
    "NEUTRAL",
    "TILE",
    "FrameDecoder",
    "FrameEncoder",
    "Rect",
]

TILE = 64
#: Masked areas are painted this colour (BGRA read as a little-endian uint32).
NEUTRAL = 0xFF808080
#: JPEG quality for each level of :meth:`FrameEncoder.set_quality`.
JPEG_QUALITIES = (30, 45, 60, 75, 88)
DEFAULT_QUALITY = 3
LOSSLESS_EFFORT = 30
LOSSLESS_METHOD = 1
#: Rectangles narrower than this and 4 times as tall are encoded with WebP method 0
#: (see _encode_rect).
NARROW_STRIP = 32
PHOTO_FLAT = 0.4
#: A cropped lossless rectangle at least this tall and wide is classified again.
RECHECK_MIN_SIDE = 16
MAX_RECT_PIXELS = 1 << 19
DEFAULT_MESSAGE_BYTES = 256 * 1024
MIN_MESSAGE_BYTES = 16 * 1024
SCROLL_MIN_TILES = 4
#: Below this many changed pixels a frame's rectangles are encoded on one thread.
PARALLEL_MIN_PIXELS = 64 * 64 * 8
#: Scrolls found in one frame at most (the Frame message carries up to 64 moves).
MAX_MOVES = 4
#: Grabs up to this many pixels in all (a line of text at 1920 px is 30 K) are first
#: tried as a small change; on a bigger grab the tile compare finds the change faster.
SMALL_GRAB_PIXELS = 1 << 17
#: After a scroll, another is looked for only if this many changed tiles are left.
MORE_MOVES_MIN_TILES = 24
#: Largest screen a decoder accepts (an 8K monitor is 33.2 million pixels).
MAX_TILE_SIDE = 4096
#: A region in motion that stayed still this long is sent again without loss.
REFINE_AFTER_NS = 300_000_000
#: JPEG quality (4:4:4) for photo-like tiles of such a refinement: 45 dB on a noisy photo.
REFINE_JPEG_QUALITY = 97
#: Tiles added on each side where a region in motion starts or grows.
GROW_TILES = 1
#: After a picture too big for a message, the encoder keeps to tiles this long.
VIDEO_BACKOFF_NS = 10_000_000_000

# Upper bounds of msgpack framing, so a packed message never exceeds the budget.
_FRAME_OVERHEAD = 64
_MOVE_OVERHEAD = 24
_TILE_OVERHEAD = 24

_SOLID, _LOSSLESS, _PHOTO = 0, 1, 2


class FrameEncoder:
    """Turns screenshots into Frame messages. Not thread-safe; one per shared monitor."""

    def __init__(
        self,
        *,
        max_message_bytes: int = DEFAULT_MESSAGE_BYTES,
        quality: int = DEFAULT_QUALITY,
        video: bool = False,
        pool: Executor | None = None,
    ) -> None:
        if not MIN_MESSAGE_BYTES <= max_message_bytes <= MAX_APP_BYTES:
            raise ValueError(f"max_message_bytes must be {MIN_MESSAGE_BYTES}..{MAX_APP_BYTES}")
        self._max_bytes = max_message_bytes
        self._quality = DEFAULT_QUALITY
        self.set_quality(quality)
        self._masks: tuple[Rect, ...] = ()
        self._size = (0, 0)
        self._cur: Pixels = np.zeros((0, 0, 4), np.uint8)
        self._ref: Pixels = np.zeros((0, 0, 4), np.uint8)
        self._ref_valid = False  # does _ref hold what the agent has?
        #: Does _cur hold the whole screen as last encoded? (After :meth:`encode` it
        #: holds an older one: the buffers swap; :meth:`encode_patches` needs it.)
        self._cur_is_screen = False
        self._ne: npt.NDArray[np.bool_] = np.zeros((0, 0), bool)
        self._keyframe_due = True
        self._cursor = (-1, -1)
        #: Workers for the codecs (they release the GIL): rectangles of one frame, and
        #: the picture of the region in motion beside them. None: all on this thread.
        self._pool = pool
        #: H.264 for a region in motion (see common/video.py); off: tiles everywhere.
        self._video_on = video
        self._motion = MotionTracker()
        #: Row hashes of the last scroll search (the reference's, once a frame is done).
        self._hashes = RowHashes()
        self._video: VideoRegion | None = None
        self._refining = False
        self._video_off_until_ns = 0
        self.video_pictures = 0
        self.video_streams = 0

    @property
    def quality(self) -> int:
        return self._quality

    def set_quality(self, level: int) -> None:
        """Pick a JPEG quality step for photo-like areas: 0 (smallest) to 4 (best)."""
        if not 0 <= level < len(JPEG_QUALITIES):
            raise ValueError(f"quality level must be 0..{len(JPEG_QUALITIES) - 1}")
        self._quality = level

    def request_keyframe(self) -> None:
        """Send the whole screen next time (after a resume, a drop or a new viewer)."""
        self._keyframe_due = True

    def set_masks(self, rects: Iterable[tuple[int, int, int, int]]) -> None:
        """Screen rectangles ``(x, y, w, h)`` whose pixels are never sent.

        The agent keeps seeing what was there before the mask appeared (or NEUTRAL
        grey where nothing was ever sent, e.g. under the sharing bar).
        """
        masks = tuple(Rect(*map(int, r)) for r in rects)
        if any(r.w < 0 or r.h < 0 for r in masks):
            raise ValueError("a mask has a negative size")
        self._masks = masks

    def encode(
        self,
        pixels: Pixels,
        capture_ns: int,
        frame_id: int,
        *,
        force_keyframe: bool = False,
        cursor: tuple[int, int] | None = None,
    ) -> list[Frame]:
        """The messages that bring the agent's screen up to ``pixels``; [] if nothing changed."""
        if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8:
            raise ValueError(f"expected (H, W, 4) uint8 BGRA pixels, got {pixels.shape}")
        h, w = pixels.shape[:2]
        if not (0 < w <= 1 << 16 and 0 < h <= 1 << 16):
            raise ValueError(f"screen size {w}x{h} is out of range")
        keyframe = force_keyframe or self._keyframe_due or (w, h) != self._size
        if (w, h) != self._size:
            self._allocate(w, h)
        self._load(pixels)
        cursor_xy = cursor if cursor is not None else (-1, -1)
        moves: list[Move] = []
        video = None
        if keyframe:
            dirty = np.ones(self._grid, bool)
            self._end_video()
        else:
            dirty = self._changed_tiles()
            dirty, moves = self._find_moves(dirty)
            if not moves and not dirty.any() and cursor_xy == self._cursor:
                return []
            dirty, video = self._video_step(dirty, capture_ns, scrolled=bool(moves))
        tiles = self._encode_all(dirty, video, crop=not keyframe)
        frames = self._pack(tiles, moves, keyframe, frame_id, capture_ns, cursor_xy)
        self._cur, self._ref = self._ref, self._cur
        self._ref_valid = True
        self._cur_is_screen = False
        self._keyframe_due = False
        self._cursor = cursor_xy
        self._hashes.settle()
        return frames

    def encode_patches(
        self,
        patches: Iterable[tuple[int, int, Pixels]],
        capture_ns: int,
        frame_id: int,
        *,
        cursor: tuple[int, int] | None = None,
        hints: Iterable[Move] = (),
    ) -> list[Frame] | None:
        """Like :meth:`encode`, when only parts of the screen can have changed (the X
        server said where it drew): ``patches`` are ``(x, y, pixels)`` of those parts,
        the rest is as last encoded. Only the tile rows they touch are loaded and
        compared. ``hints``: moves the server reported (a window dragged), each tried
        like a scroll and kept only if the pixels agree. None if a whole picture is
        due (call :meth:`encode`)."""
        if self._keyframe_due or not self._ref_valid:
            return None
        w, h = self._size
        cur = u32(self._cur)
        if not self._cur_is_screen:
            np.copyto(self._cur, self._ref)
            self._cur_is_screen = True
        loaded: list[Rect] = []
        for x, y, pixels in patches:
            ph, pw = pixels.shape[:2]
            x1, y1 = min(x + pw, w), min(y + ph, h)
            if x < 0 or y < 0 or x1 <= x or y1 <= y:
                raise ValueError(f"patch at {x},{y} of {pw}x{ph} is outside the {w}x{h} screen")
            np.bitwise_or(
                u32(np.ascontiguousarray(pixels))[: y1 - y, : x1 - x], OPAQUE, out=cur[y:y1, x:x1]
            )
            loaded.append(Rect(x, y, x1 - x, y1 - y))
        cursor_xy = cursor if cursor is not None else (-1, -1)
        if not loaded:
            return self.move_cursor(capture_ns, frame_id, cursor)
        self._mask_and_pad()
        if not hints and sum(r.w * r.h for r in loaded) <= SMALL_GRAB_PIXELS:
            small = self._small_change(loaded, capture_ns, frame_id, cursor_xy)
            if small is not None:
                return small
        dirty = np.zeros(self._grid, bool)
        for r in loaded:  # only the tiles under what was grabbed (not their bounding box)
            under = (
                slice(r.y // TILE, -(-(r.y + r.h) // TILE)),
                slice(r.x // TILE, -(-(r.x + r.w) // TILE)),
            )
            dirty[under] |= self._changed_tiles(*under)
        moves: list[Move] = []
        for hint in hints:
            # Only where both ends were grabbed: elsewhere the buffer is not the screen.
            ends = (
                Rect(hint.src_x, hint.src_y, hint.w, hint.h),
                Rect(hint.x, hint.y, hint.w, hint.h),
            )
            if len(moves) >= MAX_MOVES or not all(_within(e, loaded) for e in ends):
                continue
            if not self._touches_video(hint) and int(dirty.sum()) >= SCROLL_MIN_TILES:
                dirty, kept = self._try_move(hint, dirty, local=True)
                moves += kept
        if not moves:  # a dragged window explains the frame; no scroll search besides
            dirty, moves = self._find_moves(dirty, local=True)
        if not moves and not dirty.any() and cursor_xy == self._cursor:
            return []
        changed = dirty
        dirty, video = self._video_step(dirty, capture_ns, scrolled=bool(moves))
        tiles = self._encode_all(dirty, video, crop=True)
        frames = self._pack(tiles, moves, False, frame_id, capture_ns, cursor_xy)
        # The agent now has the screen: the buffers differ only in the tiles that
        # changed (a move was applied to the reference already).
        for row, c0, c1 in _tile_runs(changed):
            band, xs = slice(row * TILE, (row + 1) * TILE), slice(c0 * TILE, c1 * TILE)
            self._ref[band, xs] = self._cur[band, xs]
        self._cursor = cursor_xy
        self._hashes.settle()
        return frames

    def _small_change(
        self, loaded: list[Rect], capture_ns: int, frame_id: int, cursor_xy: tuple[int, int]
    ) -> list[Frame] | None:
        """A keystroke, a caret, a clock: the frame for a change of less than a tile's
        pixels, straight from the pixels that differ in what was grabbed, with no tile
        grid, no scroll search and no merging (a fraction of the numpy calls of the
        general path, which is what such a frame costs). None: not small, or a region
        in motion is about; the general path takes it."""
        if self._video is not None:
            return None
        cur, ref = u32(self._cur), u32(self._ref)
        boxes: list[Rect] = []
        area = 0
        for r in loaded:
            diff = cur[r.y : r.y + r.h, r.x : r.x + r.w] != ref[r.y : r.y + r.h, r.x : r.x + r.w]
            cols = np.flatnonzero(diff.any(axis=0))
            if not len(cols):
                continue
            # Changes far apart on one grabbed line (a glyph here, the caret there)
            # are boxes of their own.
            cuts = np.flatnonzero(np.diff(cols) > TILE) + 1
            for part in np.split(cols, cuts) if len(cuts) else (cols,):
                c0, c1 = int(part[0]), int(part[-1]) + 1
                rows = np.flatnonzero(diff[:, c0:c1].any(axis=1))
                box = Rect(r.x + c0, r.y + int(rows[0]), c1 - c0, int(rows[-1]) + 1 - int(rows[0]))
                boxes.append(box)
                area += box.w * box.h
                if area > TILE * TILE:
                    return None
        if not boxes and cursor_xy == self._cursor:
            return []  # (as the general path: a frame with nothing in it is no frame)
        dirty = np.zeros(self._grid, bool)
        for b in boxes:
            band = slice(b.y // TILE, -(-(b.y + b.h) // TILE))
            dirty[band, b.x // TILE : -(-(b.x + b.w) // TILE)] = True
        if self._video_on:
            if self._motion.could_move(dirty):
                return None
            self._motion.note(dirty)
        tiles: list[Tile] = []
        for b in boxes:
            pixels = cur[b.y : b.y + b.h, b.x : b.x + b.w]
            if min(b.w, b.h) >= RECHECK_MIN_SIDE and _flat_fraction(pixels) < PHOTO_FLAT:
                tiles += self._encode_rect(b, _PHOTO)
            else:
                tiles += self._encode_rect(b, _LOSSLESS)
            ref[b.y : b.y + b.h, b.x : b.x + b.w] = pixels
        self._cursor = cursor_xy
        self._hashes.settle()
        return self._pack(tiles, [], False, frame_id, capture_ns, cursor_xy)

    def picture(self) -> Pixels:
        """The screen as the agent has it now (a copy), for a whole picture elsewhere."""
        w, h = self._size
        return self._ref[:h, :w].copy()

    def move_cursor(
        self, capture_ns: int, frame_id: int, cursor: tuple[int, int] | None
    ) -> list[Frame] | None:
        """Only the pointer moved (the screen is known to be as last encoded, e.g. the
        X server reported no drawing): a frame with no tiles, [] if the pointer did
        not move either; None if a whole picture is due (call :meth:`encode`)."""
        if self._keyframe_due or not self._ref_valid:
            return None
        cursor_xy = cursor if cursor is not None else (-1, -1)
        if cursor_xy == self._cursor:
            return []
        self._cursor = cursor_xy
        return self._pack([], [], False, frame_id, capture_ns, cursor_xy)

    # ------------------------------------------------------------ video

    @property
    def video_active(self) -> bool:
        """Is a region of the screen going as H.264 (so its pixels are not exact yet)?"""
        return self._video is not None

    def refine_due_ns(self) -> int | None:
        """When the region in motion, still since, is due to go again without loss (wall
        clock ns, as ``capture_ns``); None when no region is in motion."""
        if self._video is None:
            return None
        return self._video.changed_ns + REFINE_AFTER_NS

    def refine(
        self, capture_ns: int, frame_id: int, *, cursor: tuple[int, int] | None = None
    ) -> list[Frame]:
        """End the region in motion: its tiles as they are now, text and UI lossless and
        photo-like parts at :data:`REFINE_JPEG_QUALITY`. [] when there is none."""
        video = self._video
        if video is None or self._keyframe_due or not self._ref_valid:
            return []
        if not self._cur_is_screen:
            np.copyto(self._cur, self._ref)
            self._cur_is_screen = True
        dirty = video.tiles(self._grid)
        self._end_video()
        self._refining = True
        try:
            tiles = self._encode_changes(dirty, crop=False)
        finally:
            self._refining = False
        cursor_xy = cursor if cursor is not None else (-1, -1)
        self._cursor = cursor_xy
        return self._pack(tiles, [], False, frame_id, capture_ns, cursor_xy)

    def restart_video(self) -> None:
        """A viewer joins or catches up: the region in motion starts a new stream (its
        first picture is an IDR), so that viewer can decode it too."""
        if self._video is not None and self._video.encoder is not None:
            self._video.encoder.close()
            self._video.encoder = None

    def _end_video(self) -> None:
        if self._video is not None and self._video.encoder is not None:
            self._video.encoder.close()
        self._video = None
        self._motion.reset(self._grid)

    def _outside_video(self, dirty: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """The changed tiles a scroll could explain: those outside the region in motion."""
        if self._video is None:
            return dirty
        return dirty & ~self._video.tiles(self._grid)

    def _touches_video(self, move: Move) -> bool:
        """Would this move copy pixels into or out of the region in motion? (The agent
        has lossy pixels there, so it must not spread them, nor cover them.)"""
        v = self._video
        if v is None:
            return False
        x0, x1 = v.cols[0] * TILE, v.cols[1] * TILE
        y0, y1 = v.rows[0] * TILE, v.rows[1] * TILE
        return any(
            x < x1 and x0 < x + move.w and y < y1 and y0 < y + move.h
            for x, y in ((move.src_x, move.src_y), (move.x, move.y))
        )

    def _video_step(
        self, dirty: npt.NDArray[np.bool_], capture_ns: int, *, scrolled: bool = False
    ) -> tuple[npt.NDArray[np.bool_], Callable[[], list[Tile]] | None]:
        """Note what changed; while a region moves, its tiles go as one H.264 picture:
        returns the tiles left for the tile codecs and the job that encodes the picture.
        A frame with a scroll is no motion: moves carry it, and the strips they uncover
        change frame after frame without being video."""
        if not self._video_on:
            return dirty, None
        self._motion.note(np.zeros_like(dirty) if scrolled else dirty)
        region = self._motion.region() if capture_ns >= self._video_off_until_ns else None
        v = self._video
        if v is not None and not v.dead:
            # What moved just past its edge (the leading edge of a dragged window)
            # joins it now rather than going as tiles until it turns hot.
            c0, r0, c1, r1 = v.cols[0], v.rows[0], v.cols[1], v.rows[1]
            near = dirty[max(r0 - 1, 0) : r1 + 1, max(c0 - 1, 0) : c1 + 1]
            if near.sum() > dirty[r0:r1, c0:c1].sum():
                rows, cols = np.flatnonzero(near.any(axis=1)), np.flatnonzero(near.any(axis=0))
                edge = (
                    max(c0 - 1, 0) + int(cols[0]), max(r0 - 1, 0) + int(rows[0]),
                    max(c0 - 1, 0) + int(cols[-1]) + 1, max(r0 - 1, 0) + int(rows[-1]) + 1,
                )  # fmt: skip
                region = edge if region is None else _union(region, edge)
        if region is not None and (v is None or not v.dead):
            c0, r0, c1, r1 = region
            if v is not None:  # a stream only grows: a smaller region would mean refining
                c0, r0, c1, r1 = _union(
                    (c0, r0, c1, r1), (v.cols[0], v.rows[0], *v.cols[1:], v.rows[1])
                )
            if v is None or (c0, c1, r0, r1) != (*v.cols, *v.rows):
                # A margin where it grows, so that a region in motion restarts its
                # stream (an IDR) a few times, not on every frame.
                old = (
                    (c0, r0, c1, r1) if v is None else (v.cols[0], v.rows[0], v.cols[1], v.rows[1])
                )
                rows_n, cols_n = self._grid
                c0 = max(c0 - GROW_TILES, 0) if v is None or c0 < old[0] else c0
                r0 = max(r0 - GROW_TILES, 0) if v is None or r0 < old[1] else r0
                c1 = min(c1 + GROW_TILES, cols_n) if v is None or c1 > old[2] else c1
                r1 = min(r1 + GROW_TILES, rows_n) if v is None or r1 > old[3] else r1
            fits = max(c1 - c0, r1 - r0) * TILE <= MAX_TILE_SIDE
            if fits and (v is None or (c0, c1, r0, r1) != (*v.cols, *v.rows)):
                if v is not None and v.encoder is not None:
                    v.encoder.close()
                v = self._video = VideoRegion((c0, c1), (r0, r1), None, capture_ns)
        if v is None or v.dead:
            return dirty, None
        inside = v.tiles(self._grid)
        if v.encoder is not None and not (dirty & inside).any():
            return dirty, None  # the agent's picture of the region stands
        x0, y0 = v.cols[0] * TILE, v.rows[0] * TILE
        x1, y1 = v.cols[1] * TILE, v.rows[1] * TILE
        changed: list[Rect] | None = None  # all of it, for a new stream
        if v.encoder is None:
            v.encoder = VideoEncoder(x1 - x0, y1 - y0, CRF_FOR_QUALITY[self._quality])
            self.video_streams += 1
        else:
            changed = [
                Rect((c0 - v.cols[0]) * TILE, (r - v.rows[0]) * TILE, (c1 - c0) * TILE, TILE)
                for r, c0, c1 in _tile_runs(dirty & inside)
            ]
        encoder, picture = v.encoder, self._cur[y0:y1, x0:x1]
        w, h = self._size

        def job() -> list[Tile]:  # may run on a worker while the tiles are encoded
            assert v is not None
            data = encoder.encode(picture, changed)
            if len(data) > MAX_APP_BYTES - _FRAME_OVERHEAD - 64 * _MOVE_OVERHEAD - _TILE_OVERHEAD:
                # Too big for a message (a huge, noisy screen): tiles it is, for a while.
                # The region is refined at once (what the agent has there is lossy).
                encoder.close()
                v.encoder, v.dead, v.changed_ns = None, True, capture_ns - REFINE_AFTER_NS
                self._video_off_until_ns = capture_ns + VIDEO_BACKOFF_NS
                return []
            self.video_pictures += 1
            return [Tile(x0, y0, min(x1, w) - x0, min(y1, h) - y0, Codec.H264, data)]

        v.changed_ns = capture_ns
        return dirty & ~inside, job

    # ------------------------------------------------------------ buffers

    @property
    def _grid(self) -> tuple[int, int]:
        return self._cur.shape[0] // TILE, self._cur.shape[1] // TILE

    def _allocate(self, w: int, h: int) -> None:
        hp, wp = -(-h // TILE) * TILE, -(-w // TILE) * TILE
        self._size = (w, h)
        self._cur = np.zeros((hp, wp, 4), np.uint8)
        self._ref = np.zeros((hp, wp, 4), np.uint8)
        self._ref_valid = False
        self._ne = np.zeros((hp, wp // 2), bool)
        self._end_video()

    def _load(self, pixels: Pixels) -> None:
        w, h = self._size
        cur = u32(self._cur)
        np.bitwise_or(u32(np.ascontiguousarray(pixels)), OPAQUE, out=cur[:h, :w])
        self._mask_and_pad()

    def _mask_and_pad(self) -> None:
        """The masks over the new screenshot, then the padding."""
        cur, ref = u32(self._cur), u32(self._ref)
        for m in self._masks:
            x0, y0 = max(m.x, 0), max(m.y, 0)
            x1, y1 = max(x0, m.x + m.w), max(y0, m.y + m.h)
            # What was sent there before stays (so the agent sees what is under the
            # customer's overlay); only never-sent pixels become NEUTRAL.
            cur[y0:y1, x0:x1] = ref[y0:y1, x0:x1] if self._ref_valid else NEUTRAL
        self._pad(self._cur)

    def _pad(self, buffer: Pixels) -> None:
        """Repeat the last column and row into the padding, so edge tiles can be solid."""
        w, h = self._size
        pixels = u32(buffer)
        pixels[:h, w:] = pixels[:h, w - 1 : w]
        pixels[h:] = pixels[h - 1 : h]

    def _changed_tiles(
        self, rows: slice | None = None, cols: slice | None = None
    ) -> npt.NDArray[np.bool_]:
        """Which tiles differ between the new screenshot and the reference: (rows, cols);
        with ``rows`` and ``cols`` (of tiles), only those are compared and returned."""
        hp, wp = self._cur.shape[:2]
        if rows is None:
            rows = slice(0, hp // TILE)
        if cols is None:
            cols = slice(0, wp // TILE)
        band = slice(rows.start * TILE, rows.stop * TILE)
        xs = slice(cols.start * TILE, cols.stop * TILE)
        n, width = rows.stop - rows.start, (cols.stop - cols.start) * TILE
        ne = self._ne[band, xs.start // 2 : xs.stop // 2]  # two pixels per uint64
        np.not_equal(
            self._cur[band, xs].reshape(n * TILE, width * 4).view(np.uint64),
            self._ref[band, xs].reshape(n * TILE, width * 4).view(np.uint64),
            out=ne,
        )
        # 8 bools per uint64: TILE pixels = TILE/2 words = TILE/16 uint64 of bools per row.
        flags = ne.view(np.uint64).reshape(n, TILE, width // 16)
        per_row = np.bitwise_or.reduce(flags, axis=1)
        return np.asarray(per_row.reshape(n, width // TILE, TILE // 16).any(axis=2))

    # ------------------------------------------------------------ scrolling

    def _find_moves(
        self, dirty: npt.NDArray[np.bool_], *, local: bool = False
    ) -> tuple[npt.NDArray[np.bool_], list[Move]]:
        """Scrolls that explain changed tiles: up to :data:`MAX_MOVES` (two panes
        scrolled apart, a list beside a document), each kept only if it leaves fewer
        changed tiles; applied to the reference in order, as the agent applies them."""
        moves: list[Move] = []
        while len(moves) < MAX_MOVES:
            candidates = self._outside_video(dirty)
            if int(candidates.sum()) < SCROLL_MIN_TILES:
                break
            # All of it first; failing that, each group of changed columns apart
            # (panes side by side: on a row, half the pixels follow each offset).
            groups = _column_groups(candidates)
            kept: list[Move] = []
            for part in [candidates] + (groups if len(groups) > 1 else []):
                if int(part.sum()) < SCROLL_MIN_TILES:
                    continue
                move = self._find_scroll(part)
                if move is None or self._touches_video(move):
                    continue
                dirty, kept = self._try_move(move, dirty, local=local)
                if kept:
                    break
            if not kept:
                break
            moves += kept
            # What a scroll leaves (the uncovered strip, a scroll bar) is not worth
            # another search; a second pane scrolled apart is.
            if int(self._outside_video(dirty).sum()) < MORE_MOVES_MIN_TILES:
                break
        return dirty, moves

    def _find_scroll(self, dirty: npt.NDArray[np.bool_]) -> Move | None:
        """A vertical move of the reference that explains many changed pixels, if any."""
        return find_scroll(self._cur, self._ref, self._ne, self._size, dirty, TILE, self._hashes)

    def _try_move(
        self, move: Move, dirty: npt.NDArray[np.bool_], *, local: bool = False
    ) -> tuple[npt.NDArray[np.bool_], list[Move]]:
        """Apply ``move`` to the reference; keep it if fewer tiles differ then. ``local``:
        only the tiles under its destination are compared again (the reference changed
        nowhere else; for patch frames, where the rest was compared already)."""
        cols = slice(move.x, move.x + move.w)
        shift = move.y - move.src_y
        if move.src_x == move.x and 0 < abs(shift) < move.h:
            # A scroll: only the rows of the destination outside the source are lost
            # (the rest comes back by moving back), so only they are saved, not the
            # whole area: one pass over it fewer per frame of a scroll.
            lost = (
                slice(move.src_y + move.h, move.y + move.h)
                if shift > 0
                else slice(move.y, move.src_y)
            )
        else:
            lost = slice(move.y, move.y + move.h)
        saved = self._ref[lost, cols].copy()
        apply_move(self._ref, move)
        self._pad(self._ref)
        if local:
            under = (
                slice(move.y // TILE, -(-(move.y + move.h) // TILE)),
                slice(move.x // TILE, -(-(move.x + move.w) // TILE)),
            )
            after = dirty.copy()
            after[under] = self._changed_tiles(*under)
        else:
            after = self._changed_tiles()
        if int(after.sum()) < int(dirty.sum()):
            return after, [move]
        if lost.stop - lost.start < move.h:  # undo a scroll: move back, then the lost rows
            back = Move(move.x, move.y, move.src_x, move.src_y, move.w, move.h)
            apply_move(self._ref, back)
        self._ref[lost, cols] = saved
        self._pad(self._ref)
        return dirty, []

    # ------------------------------------------------------------ tiles

    def _classify(
        self, row: int, c0: int = 0, c1: int | None = None
    ) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.uint32]]:
        """Class (solid, lossless, photo) and first colour of the tiles ``c0:c1`` of one
        tile row (all of it by default)."""
        band = u32(self._cur)[
            row * TILE : (row + 1) * TILE, c0 * TILE : None if c1 is None else c1 * TILE
        ]
        cols = band.shape[1] // TILE
        blocks = band.reshape(TILE, cols, TILE)
        first = blocks[0, :, 0]
        solid = (blocks == first[None, :, None]).all(axis=(0, 2))
        flat = _flat_pixels(band).reshape(TILE, cols, TILE).sum(axis=(0, 2)) / (TILE * TILE)
        kind = np.where(solid, _SOLID, np.where(flat < PHOTO_FLAT, _PHOTO, _LOSSLESS))
        return kind.astype(np.int8), first

    def _runs(self, row: int, dirty_row: npt.NDArray[np.bool_]) -> list[tuple[int, int, int, int]]:
        """(first col, end col, class, colour) of the runs of changed tiles in a tile row."""
        # Only the span of changed tiles is classified (a keystroke: one or two tiles);
        # where it is mostly unchanged (the two edges of a dragged window), each group
        # of changed tiles apart.
        changed = np.flatnonzero(dirty_row)
        first, end_col = int(changed[0]), int(changed[-1]) + 1
        cols = len(dirty_row)
        kind = np.zeros(cols, np.int8)
        colour = np.zeros(cols, np.uint32)
        if end_col - first > 2 * len(changed):
            breaks = np.flatnonzero(np.diff(changed) > 1)
            starts = np.concatenate(([0], breaks + 1))
            ends = np.concatenate((breaks, [len(changed) - 1]))
            for a, b in zip(changed[starts].tolist(), (changed[ends] + 1).tolist(), strict=True):
                kind[a:b], colour[a:b] = self._classify(row, a, b)
        else:
            kind[first:end_col], colour[first:end_col] = self._classify(row, first, end_col)
        out: list[tuple[int, int, int, int]] = []
        c = first
        max_run = MAX_TILE_SIDE // TILE
        while c < cols:
            if not dirty_row[c]:
                c += 1
                continue
            photo = kind[c] == _PHOTO
            end = c + 1
            while end < cols and end - c < max_run and dirty_row[end]:
                if (kind[end] == _PHOTO) != photo:
                    break
                end += 1
            if photo:
                out.append((c, end, _PHOTO, 0))
            elif (kind[c:end] == _SOLID).all() and (colour[c:end] == colour[c]).all():
                out.append((c, end, _SOLID, int(colour[c])))
            elif (kind[c:end] == _LOSSLESS).any():
                out.append((c, end, _LOSSLESS, 0))
            else:  # solid tiles of several colours: one SOLID run per colour
                start = c
                for k in range(c + 1, end + 1):
                    if k == end or colour[k] != colour[start]:
                        out.append((start, k, _SOLID, int(colour[start])))
                        start = k
            c = end
        return out

    def _merge(self, dirty: npt.NDArray[np.bool_]) -> list[tuple[int, int, int, int, int, int]]:
        """Rectangles (col0, row0, col1, row1, class, colour) covering the changed tiles."""
        done: list[tuple[int, int, int, int, int, int]] = []
        open_: dict[tuple[int, int, int, int], int] = {}  # run -> first row
        for row in range(dirty.shape[0]):
            runs = self._runs(row, dirty[row]) if dirty[row].any() else []
            still: dict[tuple[int, int, int, int], int] = {}
            for run in runs:
                c0, c1, kind, _ = run
                top = open_.pop(run, row)
                rows = row + 1 - top
                too_big = rows * TILE > MAX_TILE_SIDE or (
                    kind != _SOLID and (c1 - c0) * rows * TILE * TILE > MAX_RECT_PIXELS
                )
                if too_big and top < row:
                    done.append((c0, top, c1, row, kind, run[3]))
                    top = row
                still[run] = top
            for (c0, c1, kind, colour), top in open_.items():
                done.append((c0, top, c1, row, kind, colour))
            open_ = still
        for (c0, c1, kind, colour), top in open_.items():
            done.append((c0, top, c1, dirty.shape[0], kind, colour))
        return done

    def _encode_all(
        self,
        dirty: npt.NDArray[np.bool_],
        video: Callable[[], list[Tile]] | None,
        *,
        crop: bool,
    ) -> list[Tile]:
        """The picture of the region in motion first, then the tiles; with a pool, the
        picture is encoded on a worker while the tiles are (the codecs release the GIL)."""
        if video is None:
            return self._encode_changes(dirty, crop=crop)
        if self._pool is None:
            return video() + self._encode_changes(dirty, crop=crop)
        picture = self._pool.submit(video)
        tiles = self._encode_changes(dirty, crop=crop)
        return picture.result() + tiles

    def _encode_changes(self, dirty: npt.NDArray[np.bool_], *, crop: bool) -> list[Tile]:
        w, h = self._size
        tiles: list[Tile] = []
        jobs: list[tuple[int, Rect, int]] = []  # (place in tiles, rect, kind)
        for c0, r0, c1, r1, kind, colour in self._merge(dirty):
            x, y = c0 * TILE, r0 * TILE
            rect = Rect(x, y, min(c1 * TILE, w) - x, min(r1 * TILE, h) - y)
            if kind == _SOLID:
                tiles.append(Tile(*rect, Codec.SOLID, encode_solid(colour)))
                continue
            if crop:
                cropped = self._crop(rect)
                if cropped is None:
                    continue
                # What changed in a tile that is half UI, half video is the video. Thin
                # strips of text look noisy too (down to 5% flat on 1 row, 27% on 8 rows,
                # but at least 63% from 16 rows on), so thin crops stay lossless.
                if kind == _LOSSLESS and cropped != rect and self._looks_like_photo(cropped):
                    kind = _PHOTO
                rect = cropped
            jobs.append((len(tiles), rect, kind))
        pixels = sum(r.w * r.h for _, r, _ in jobs)
        if self._pool is not None and len(jobs) > 1 and pixels >= PARALLEL_MIN_PIXELS:
            encoded = list(self._pool.map(lambda j: self._encode_rect(j[1], j[2]), jobs))
        else:
            encoded = [self._encode_rect(r, kind) for _, r, kind in jobs]
        # Back in screen order, solid runs where they were.
        out: list[Tile] = []
        done = 0
        for (place, _, _), parts in zip(jobs, encoded, strict=True):
            out += tiles[done:place] + parts
            done = place
        return out + tiles[done:]

    def _looks_like_photo(self, r: Rect) -> bool:
        if min(r.w, r.h) < RECHECK_MIN_SIDE:
            return False
        pixels = u32(self._cur)[r.y : r.y + r.h, r.x : r.x + r.w]
        return _flat_fraction(pixels) < PHOTO_FLAT

    def _crop(self, r: Rect) -> Rect | None:
        """Shrink ``r`` to the bounding box of the pixels that differ from the reference."""
        diff = (
            u32(self._cur)[r.y : r.y + r.h, r.x : r.x + r.w]
            != (u32(self._ref)[r.y : r.y + r.h, r.x : r.x + r.w])
        )
        ys, xs = np.flatnonzero(diff.any(axis=1)), np.flatnonzero(diff.any(axis=0))
        if not len(ys):
            return None
        return Rect(
            r.x + int(xs[0]), r.y + int(ys[0]), int(xs[-1] - xs[0]) + 1, int(ys[-1] - ys[0]) + 1
        )

    def _encode_rect(self, r: Rect, kind: int) -> list[Tile]:
        pixels = self._cur[r.y : r.y + r.h, r.x : r.x + r.w]
        if kind == _LOSSLESS:
            # A crop of one colour (a marker, a button's new face, a cleared field).
            flat = u32(pixels)
            first = flat[0, 0]
            if (flat == first).all():
                return [Tile(*r, Codec.SOLID, encode_solid(int(first)))]
        if kind == _PHOTO and self._refining:
            codec, data = Codec.JPEG, encode_jpeg(pixels, REFINE_JPEG_QUALITY, subsampling=0)
        elif kind == _PHOTO:
            codec, data = Codec.JPEG, encode_jpeg(pixels, JPEG_QUALITIES[self._quality])
        else:
            # WebP's method 1 takes 7x as long on a tall, narrow strip (what a window
            # dragged sideways uncovers: 4.7 against 0.7 ms for 12x520) for 35 % fewer
            # bytes; there the faster method is the better buy.
            # (A glyph is narrow too, but short: method 1 stays, 108 bytes against 150.)
            tall_strip = r.w < NARROW_STRIP and r.h >= 4 * NARROW_STRIP
            method = 0 if tall_strip else LOSSLESS_METHOD
            data = encode_webp(pixels, lossless=True, quality=LOSSLESS_EFFORT, method=method)
            codec = Codec.WEBP
        room = self._max_bytes - _FRAME_OVERHEAD - 64 * _MOVE_OVERHEAD - _TILE_OVERHEAD
        if len(data) <= room or r.w * r.h <= 16 * 16:
            return [Tile(*r, codec, data)]
        if r.w >= r.h:
            half = r.w // 2
            parts = (Rect(r.x, r.y, half, r.h), Rect(r.x + half, r.y, r.w - half, r.h))
        else:
            half = r.h // 2
            parts = (Rect(r.x, r.y, r.w, half), Rect(r.x, r.y + half, r.w, r.h - half))
        return [t for p in parts for t in self._encode_rect(p, kind)]

    def _pack(
        self,
        tiles: list[Tile],
        moves: list[Move],
        keyframe: bool,
        frame_id: int,
        capture_ns: int,
        cursor: tuple[int, int],
    ) -> list[Frame]:
        groups: list[list[Tile]] = [[]]
        room = self._max_bytes - _FRAME_OVERHEAD - len(moves) * _MOVE_OVERHEAD
        used = 0
        for tile in tiles:
            cost = len(tile.data) + _TILE_OVERHEAD
            if groups[-1] and (used + cost > room or len(groups[-1]) == MAX_TILES):
                groups.append([])
                used = 0
            groups[-1].append(tile)
            used += cost
        w, h = self._size
        return [
            Frame(
                frame_id,
                capture_ns,
                w,
                h,
                keyframe,
                i == len(groups) - 1,
                tuple(moves) if i == 0 else (),
                tuple(group),
                *cursor,
            )
            for i, group in enumerate(groups)
        ]


def _column_groups(mask: npt.NDArray[np.bool_]) -> list[npt.NDArray[np.bool_]]:
    """``mask`` split at tile columns with nothing in them, largest part first."""
    used = mask.any(axis=0)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], used.view(np.int8), [0]))))
    parts = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        part = np.zeros_like(mask)
        part[:, a:b] = mask[:, a:b]
        parts.append(part)
    return sorted(parts, key=lambda p: -int(p.sum()))


def _within(r: Rect, rects: list[Rect]) -> bool:
    """Is ``r`` covered by ``rects`` together?"""
    covered = np.zeros((r.h, r.w), bool)
    for a in rects:
        x0, y0 = max(a.x, r.x) - r.x, max(a.y, r.y) - r.y
        x1, y1 = min(a.x + a.w, r.x + r.w) - r.x, min(a.y + a.h, r.y + r.h) - r.y
        if x1 > x0 and y1 > y0:
            covered[y0:y1, x0:x1] = True
    return bool(covered.all())


def _tile_runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int, int]]:
    """(row, first col, end col) of each run of True tiles, row by row."""
    runs: list[tuple[int, int, int]] = []
    for r in np.flatnonzero(mask.any(axis=1)):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], mask[r].view(np.int8), [0]))))
        runs.extend((int(r), int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True))
    return runs


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """The bounding box of two (col0, row0, col1, row1) boxes."""
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _flat_pixels(pixels: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Which pixels equal their left or upper neighbour."""
    flat = np.zeros(pixels.shape, bool)
    np.equal(pixels[:, 1:], pixels[:, :-1], out=flat[:, 1:])
    flat[1:] |= pixels[1:] == pixels[:-1]
    return flat


def _flat_fraction(pixels: npt.NDArray[np.uint32]) -> float:
    return float(np.count_nonzero(_flat_pixels(pixels))) / pixels.size
