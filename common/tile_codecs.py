"""Pixel codecs for screen tiles: BGRA numpy arrays to bytes and back.

Every function here works on one rectangle of pixels, shaped ``(h, w, 4)``
uint8 in B, G, R, A order (what mss captures). Encoders take such an array;
:func:`decode_into` writes a tile's pixels into such an array and raises only
:class:`~common.errors.ProtocolError`, whatever bytes it is given.

Data layout of ``Tile.data`` for each :class:`~common.messages.Codec`:

``SOLID``
    4 bytes: B, G, R, A of the one colour that fills the tile.
``ZLIB``
    zlib stream of the tile's BGRA bytes, row by row, exactly ``w * h * 4`` bytes.
``PNG``
    A PNG file of exactly ``w`` x ``h`` (any colour type; decoded as opaque RGB).
``JPEG``
    A baseline JFIF file of exactly ``w`` x ``h`` (decoded as opaque RGB).
``WEBP``
    A WebP file of exactly ``w`` x ``h``, lossy or lossless (decoded as opaque RGB).
``PALETTE``
    zlib stream of: one byte ``n - 1`` (``n`` = 1..256 colours), ``n`` palette
    entries of 3 bytes B, G, R, then the palette indices row by row. An index takes
    1 bit when ``n <= 2``, 2 bits when ``n <= 4``, 4 bits when ``n <= 16`` and 8 bits
    otherwise; indices are packed most significant bits first and every row is
    padded to a whole byte (as in PNG). The decompressed size is exact.

Images decoded from PNG, JPEG, WEBP and PALETTE are opaque (alpha 255): screen
pixels have no meaningful alpha and the encoder always sends alpha 255.

Decompression bombs: zlib output is capped at the exact size the tile can hold;
image files are checked against ``w`` x ``h`` from their header before any
pixel is decoded, and only the one format the codec names is opened.
"""

from __future__ import annotations

import io
import zlib
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from PIL import Image

from common.errors import ProtocolError
from common.messages import Codec

__all__ = [
    "Pixels",
    "decode_into",
    "encode_jpeg",
    "encode_palette",
    "encode_png",
    "encode_solid",
    "encode_webp",
    "encode_zlib",
]

Pixels = npt.NDArray[np.uint8]

_OPAQUE = np.uint32(0xFF000000)
_IMAGE_FORMATS = {Codec.PNG: "PNG", Codec.JPEG: "JPEG", Codec.WEBP: "WEBP"}


def protocol_error(what: str) -> ProtocolError:
    """A ProtocolError with the standard sentence for people and ``what`` for the logs."""
    return ProtocolError.because(f"tile: {what}")


def _rgb_image(pixels: Pixels) -> Image.Image:
    h, w = pixels.shape[:2]
    return Image.frombuffer("RGB", (w, h), np.ascontiguousarray(pixels), "raw", "BGRX", 0, 1)


# ---------------------------------------------------------------- encoders


def encode_solid(color: int) -> bytes:
    """``color`` is a BGRA pixel read as a little-endian uint32."""
    return int(color).to_bytes(4, "little")


def encode_zlib(pixels: Pixels, level: int = 6) -> bytes:
    return zlib.compress(np.ascontiguousarray(pixels).tobytes(), level)


def encode_png(pixels: Pixels, level: int = 1) -> bytes:
    out = io.BytesIO()
    _rgb_image(pixels).save(out, "PNG", compress_level=level)
    return out.getvalue()


def encode_jpeg(pixels: Pixels, quality: int, subsampling: int = 2) -> bytes:
    """Baseline JPEG; ``subsampling`` 2 is 4:2:0 (colour at half size), 0 is 4:4:4."""
    out = io.BytesIO()
    _rgb_image(pixels).save(out, "JPEG", quality=quality, subsampling=subsampling)
    return out.getvalue()


def encode_webp(pixels: Pixels, *, lossless: bool, quality: int, method: int) -> bytes:
    """WebP. When lossless, ``quality`` is encoder effort, not fidelity."""
    out = io.BytesIO()
    _rgb_image(pixels).save(out, "WEBP", lossless=lossless, quality=quality, method=method)
    return out.getvalue()


def _index_bits(n: int) -> int:
    return 1 if n <= 2 else 2 if n <= 4 else 4 if n <= 16 else 8


def encode_palette(pixels: Pixels, level: int = 6) -> bytes | None:
    """The PALETTE layout, or None when the tile has more than 256 colours."""
    h, w = pixels.shape[:2]
    flat = np.ascontiguousarray(pixels).view(np.uint32).reshape(-1)
    palette, inverse = np.unique(flat, return_inverse=True)
    n = len(palette)
    if n > 256:
        return None
    bits = _index_bits(n)
    indices = inverse.astype(np.uint8).reshape(h, w)
    if bits < 8:
        per = 8 // bits
        padded = np.zeros((h, -(-w // per) * per), np.uint8)
        padded[:, :w] = indices
        groups = padded.reshape(h, -1, per)
        packed = np.zeros(groups.shape[:2], np.uint8)
        for k in range(per):
            packed |= groups[:, :, k] << np.uint8(8 - bits * (k + 1))
        indices = packed
    bgr = palette.view(np.uint8).reshape(n, 4)[:, :3]
    return zlib.compress(bytes((n - 1,)) + bgr.tobytes() + indices.tobytes(), level)


# ---------------------------------------------------------------- decoders


def decode_into(codec: Codec, data: bytes, out: Pixels) -> None:
    """Decode ``data`` into ``out`` (shape ``(h, w, 4)``, the tile's place on screen).

    Raises only ProtocolError. Nothing is written unless the whole tile decoded.
    """
    h, w = out.shape[:2]
    try:
        if codec == Codec.SOLID:
            if len(data) != 4:
                raise protocol_error(f"SOLID data is {len(data)} bytes, expected 4")
            out.view(np.uint32)[..., 0] = int.from_bytes(data, "little")
        elif codec == Codec.ZLIB:
            raw = _inflate(data, w * h * 4)
            if len(raw) != w * h * 4:
                raise protocol_error(f"ZLIB data holds {len(raw)} bytes, expected {w * h * 4}")
            out[...] = np.frombuffer(raw, np.uint8).reshape(h, w, 4)
        elif codec == Codec.PALETTE:
            _decode_palette(data, out)
        elif codec in _IMAGE_FORMATS:
            _decode_image(_IMAGE_FORMATS[codec], data, out)
        else:
            raise protocol_error(f"unknown codec {codec!r}")
    except ProtocolError:
        raise
    except Exception as exc:  # Pillow, zlib and numpy raise many types on garbage
        raise protocol_error(f"undecodable {codec!r} data ({type(exc).__name__})") from exc


def _inflate(data: bytes, limit: int) -> bytes:
    """Decompress at most ``limit`` bytes; a stream that is longer or unfinished is an error."""
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise protocol_error(f"bad zlib stream ({exc})") from None
    if len(raw) > limit:
        raise protocol_error(f"zlib stream inflates beyond {limit} bytes")
    if not inflater.eof or inflater.unused_data:
        raise protocol_error("zlib stream truncated or followed by junk")
    return raw


def _decode_palette(data: bytes, out: Pixels) -> None:
    h, w = out.shape[:2]
    raw = _inflate(data, 1 + 3 * 256 + h * w)
    if not raw:
        raise protocol_error("PALETTE data is empty")
    n = raw[0] + 1
    bits = _index_bits(n)
    row_bytes = -(-w * bits // 8)
    if len(raw) != 1 + 3 * n + h * row_bytes:
        raise protocol_error(f"PALETTE data holds {len(raw)} bytes for {n} colours")
    lut = np.full(n, _OPAQUE, np.uint32)
    bgr = np.frombuffer(raw, np.uint8, 3 * n, 1).reshape(n, 3).astype(np.uint32)
    lut |= bgr[:, 0] | (bgr[:, 1] << 8) | (bgr[:, 2] << 16)
    packed = np.frombuffer(raw, np.uint8, offset=1 + 3 * n).reshape(h, row_bytes)
    if bits == 8:
        indices = packed
    else:
        per = 8 // bits
        shifts = np.arange(8 - bits, -1, -bits, dtype=np.uint8)
        mask = np.uint8((1 << bits) - 1)
        indices = ((packed[:, :, None] >> shifts) & mask).reshape(h, row_bytes * per)[:, :w]
    if int(indices.max()) >= n:
        raise protocol_error(f"PALETTE index beyond its {n} colours")
    out.view(np.uint32)[..., 0] = lut[indices]


def _decode_image(fmt: str, data: bytes, out: Pixels) -> None:
    h, w = out.shape[:2]
    with Image.open(io.BytesIO(data), formats=[fmt]) as image:
        if image.size != (w, h):
            raise protocol_error(f"{fmt} image is {image.size}, tile is {(w, h)}")
        image.load()
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        bgrx = np.frombuffer(rgb.tobytes("raw", "BGRX"), np.uint32).reshape(h, w)
    np.bitwise_or(bgrx, _OPAQUE, out=out.view(np.uint32)[..., 0])


class Rect(NamedTuple):
    x: int
    y: int
    w: int
    h: int


#: Alpha 255 in a BGRA pixel read as one little-endian uint32.
OPAQUE = np.uint32(0xFF000000)


def u32(pixels: Pixels) -> npt.NDArray[np.uint32]:
    """View BGRA pixels ``(h, w, 4)`` as one uint32 per pixel ``(h, w)``."""
    return pixels.view(np.uint32)[..., 0]
