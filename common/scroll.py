"""Scroll detection: a vertical move of the previous screen that explains a change.

Used by :class:`common.tiles.FrameEncoder` (step 3 of its docstring): hash every
row of the changed area in both frames; each row whose hash is unique in the
reference votes for a vertical offset. For the winning offset, the move keeps the
longest run of rows where most pixels follow it, and within those rows the
columns that follow it on nearly every row (so a title bar, status line, scroll
bar or fixed sidebar is left out). :func:`apply_move` applies a move to a
screen, the same way on both sides.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from common.messages import Move
from common.tile_codecs import Pixels, u32

__all__ = ["SCROLL_COLUMN_GAP", "SCROLL_MIN_ROWS", "RowHashes", "apply_move", "find_scroll"]

SCROLL_MIN_ROWS = 32
SCROLL_COLUMN_GAP = 16


#: Vertical moves of at least this many rows are copied band by band (see apply_move).
BAND_MIN_ROWS = 16


def apply_move(screen: Pixels, move: Move) -> None:
    """Copy ``move``'s source rectangle onto its destination, in ``screen``."""
    dy = move.src_y - move.y
    if move.src_x == move.x and abs(dy) >= BAND_MIN_ROWS and abs(dy) < move.h:
        # A scroll: source and destination overlap, and numpy would copy the whole
        # area through a temporary (twice the memory traffic, on every member's
        # side). Bands of |dy| rows never overlap their own source, and copied in
        # the direction of the move they never overwrite a source still to come.
        cols = slice(move.x, move.x + move.w)
        band = abs(dy)
        starts = range(0, move.h, band) if dy > 0 else reversed(range(0, move.h, band))
        for r in starts:
            n = min(band, move.h - r)
            src = screen[move.src_y + r : move.src_y + r + n, cols]
            screen[move.y + r : move.y + r + n, cols] = src
        return
    src = screen[move.src_y : move.src_y + move.h, move.src_x : move.src_x + move.w]
    # numpy copies through a temporary when source and destination overlap.
    screen[move.y : move.y + move.h, move.x : move.x + move.w] = src


class RowHashes:
    """The row hashes of the last area searched, kept for the next search: once a
    frame is encoded the reference *is* that screenshot, so the reference's hashes of
    the same columns next time are these (a scroll in progress searches the same
    pane frame after frame: one pass over it saved). The owner says when they hold
    (:meth:`settle`, at the end of every frame that changed the reference).
    A stale entry could only propose a wrong offset, which the caller's check of
    the pixels rejects."""

    def __init__(self) -> None:
        self._kept: tuple[int, int, int, npt.NDArray[np.uint32]] | None = None
        self._fresh = False  # kept during the frame being encoded
        self._valid = False

    def settle(self) -> None:
        """A frame is done: the reference is now its screenshot, so what was hashed
        during it (if anything) is the reference's; anything older is not."""
        self._valid, self._fresh = self._fresh, False

    def reference(self, y0: int, y1: int, x0: int, x1: int) -> npt.NDArray[np.uint32] | None:
        if not self._valid or self._kept is None:
            return None
        top, left, right, hashes = self._kept
        if (left, right) != (x0, x1) or y0 < top or y1 > top + len(hashes):
            return None
        return hashes[y0 - top : y1 - top]

    def keep(self, y0: int, x0: int, x1: int, hashes: npt.NDArray[np.uint32]) -> None:
        self._kept, self._valid, self._fresh = (y0, x0, x1, hashes), False, True


def find_scroll(
    cur_screen: Pixels,
    ref_screen: Pixels,
    ne: npt.NDArray[np.bool_],
    size: tuple[int, int],
    dirty: npt.NDArray[np.bool_],
    tile: int,
    hashes: RowHashes | None = None,
) -> Move | None:
    """A vertical move of ``ref_screen`` that explains many changed pixels, if any.

    ``ne`` holds, per pixel pair, whether it changed (what change detection left
    behind); ``dirty`` says which tiles of ``tile`` pixels changed.
    """
    w, h = size
    rows, cols = np.flatnonzero(dirty.any(axis=1)), np.flatnonzero(dirty.any(axis=0))
    y0, y1 = int(rows[0]) * tile, min(int(rows[-1] + 1) * tile, h)
    x0, x1 = int(cols[0]) * tile, min(int(cols[-1] + 1) * tile, w)
    if y1 - y0 < 2 * SCROLL_MIN_ROWS:
        return None
    # The changed columns, from the pixel-pair flags change detection left behind.
    pairs = np.flatnonzero(ne[y0:y1, x0 // 2 : (x1 + 1) // 2].any(axis=0))
    if not len(pairs):
        return None
    x0, x1 = x0 + 2 * int(pairs[0]), min(x0 + 2 * int(pairs[-1]) + 2, w)
    cur_all, ref_all = u32(cur_screen)[y0:y1], u32(ref_screen)[y0:y1]
    if np.array_equal(cur_all[:, x0], ref_all[:, x0]):
        x0 += 1
    if x1 - x0 > 1 and np.array_equal(cur_all[:, x1 - 1], ref_all[:, x1 - 1]):
        x1 -= 1
    cur, ref = cur_all[:, x0:x1], ref_all[:, x0:x1]
    weights = _WEIGHTS[: x1 - x0]
    ref_hashes = None if hashes is None else hashes.reference(y0, y1, x0, x1)
    if ref_hashes is None:
        ref_hashes = _row_hashes(ref, weights)
    cur_hashes = _row_hashes(cur, weights)
    if hashes is not None:
        hashes.keep(y0, x0, x1, cur_hashes)
    offset = _vote_offset(cur_hashes, ref_hashes)
    if offset is None:
        return None
    # The rows where most pixels follow the offset, then the columns that follow
    # it on (nearly) all of those rows. This leaves out a title bar or status
    # line above or below the pane, and a scroll bar or fixed sidebar beside it;
    # narrow exceptions inside the pane (a blinking caret) are bridged over.
    lo, hi = max(0, -offset), min(y1 - y0, y1 - y0 - offset)
    same = cur[lo:hi] == ref[lo + offset : hi + offset]
    hits = same.view(np.uint8).sum(axis=1, dtype=np.uint32)
    span = _longest_run(np.flatnonzero(2 * hits >= x1 - x0), 0)
    if span is None or span[1] < SCROLL_MIN_ROWS:
        return None
    top, height = span
    misses = height - same[top : top + height].view(np.uint8).sum(axis=0, dtype=np.uint32)
    steady = np.flatnonzero(misses <= max(1, height // 200))
    across = _longest_run(steady, SCROLL_COLUMN_GAP)
    if across is None or across[1] < tile // 4:
        return None
    left, width = across
    return Move(x0 + left, y0 + lo + top + offset, x0 + left, y0 + lo + top, width, height)


# Odd random multipliers for the row hashes of scroll detection (one per pixel column).
_WEIGHTS: npt.NDArray[np.uint32] = np.random.default_rng(0x5C2011).integers(
    1, 1 << 32, 1 << 16, dtype=np.uint32
) | np.uint32(1)


def _row_hashes(
    pixels: npt.NDArray[np.uint32], weights: npt.NDArray[np.uint32]
) -> npt.NDArray[np.uint32]:
    """Per row, the sum of pixel × weight modulo 2**32: a multiply-add in place
    (no temporary the size of the area), which wraps like the hash it is."""
    hashes: npt.NDArray[np.uint32] = np.einsum(
        "ij,j->i", pixels, weights, dtype=np.uint32, casting="unsafe"
    )
    return hashes


def _vote_offset(cur_hash: npt.NDArray[np.uint32], ref_hash: npt.NDArray[np.uint32]) -> int | None:
    """The most common nonzero ``source row - row`` among rows unique in the reference."""
    values, first, counts = np.unique(ref_hash, return_index=True, return_counts=True)
    values, first = values[counts == 1], first[counts == 1]
    if not len(values):
        return None
    pos = np.minimum(np.searchsorted(values, cur_hash), len(values) - 1)
    found = values[pos] == cur_hash
    offsets = first[pos[found]] - np.flatnonzero(found)
    offsets = offsets[offsets != 0]
    if len(offsets) < SCROLL_MIN_ROWS // 4:
        return None
    n = len(cur_hash)
    votes = np.bincount(offsets + n, minlength=2 * n)
    best = int(votes.argmax())
    if votes[best] < SCROLL_MIN_ROWS // 4:
        return None
    return best - n


def _longest_run(indices: npt.NDArray[np.intp], max_gap: int) -> tuple[int, int] | None:
    """(start, length) of the longest stretch of sorted ``indices``; gaps up to ``max_gap`` join."""
    if not len(indices):
        return None
    breaks = np.flatnonzero(np.diff(indices) > max_gap + 1)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(indices) - 1]))
    lengths = indices[ends] - indices[starts] + 1
    best = int(lengths.argmax())
    return int(indices[starts[best]]), int(lengths[best])
