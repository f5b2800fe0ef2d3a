"""A small RFB (VNC) viewer for the reference runs: it decodes what x11vnc sends and watches
the probe marker, as the headless agent does for Assist.

``python -m bench.rfb_viewer --port P --encoding tight|zrle [--jpeg Q] --stats F
--save-frame F --probe X,Y,W,H``: connects to ``127.0.0.1:P`` (RFB 3.8, no
password, shared), asks for 32-bit true colour and the encodings below, prints
``ready WxH`` after the first whole picture, then asks for the next update as
soon as one is decoded, as common viewers do. On SIGTERM it writes its stats
(the keys the bench reads from the agent: ``frames``, ``bytes_received``,
``decode_ms_p95``, ``probe.changes``) and the last picture, and exits.

Encodings asked for, in order: the chosen one (Tight = 7 or ZRLE = 16), CopyRect
(1), the cursor shape (-239) and position (-232) pseudo-encodings (so the
server does not draw the cursor into the picture, as with a real viewer),
LastRect (-224) and DesktopSize (-223); with ``--jpeg Q`` also the JPEG
quality level pseudo-encoding (-32 + Q), which lets Tight send photo-like
areas as JPEG. Without it Tight is lossless.

Decoding is numpy and zlib (and Pillow for JPEG), so the viewer's own CPU is
small next to the server's except on ZRLE's run-length tiles, which need a
Python loop over the runs: on a busy screen it can fall behind x11vnc, and
x11vnc then sends fewer, larger updates. The bench reports the viewer's CPU
and frame rate beside the server's, and compares bytes only with peers whose
viewer kept up (see ``bench/report.py``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import socket
import struct
import sys
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

TIGHT, ZRLE, COPYRECT = 7, 16, 1
RICH_CURSOR, POINTER_POS, LAST_RECT, DESKTOP_SIZE = -239, -232, -224, -223
ENCODINGS = {"tight": TIGHT, "zrle": ZRLE}


class Stopped(Exception):
    """SIGTERM arrived while waiting for the server."""


class Connection:
    """Blocking reads of exact lengths that still notice a stop request, counting bytes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sock.settimeout(0.2)
        self.buffer = bytearray()
        self.received = 0
        self.stopping = False

    def read(self, n: int) -> bytes:
        while len(self.buffer) < n:
            if self.stopping:
                raise Stopped
            try:
                chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            except TimeoutError:
                continue
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.received += len(chunk)
            self.buffer += chunk
        out = bytes(self.buffer[:n])
        del self.buffer[:n]
        return out

    def u8(self) -> int:
        return self.read(1)[0]

    def u16(self) -> int:
        return int(struct.unpack(">H", self.read(2))[0])

    def u32(self) -> int:
        return int(struct.unpack(">I", self.read(4))[0])

    def compact_length(self) -> int:
        """Tight's length: 1-3 bytes, 7 bits each, low bits first."""
        value, shift = 0, 0
        for _ in range(3):
            b = self.u8()
            value |= (b & 0x7F if shift < 14 else b) << shift
            if b < 0x80 or shift == 14:
                break
            shift += 7
        return value

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)


class Viewer:
    """The framebuffer and the decoders; see the module docstring."""

    def __init__(self, conn: Connection, encoding: str, jpeg: int | None) -> None:
        self.conn = conn
        self.encoding = encoding
        self.jpeg = jpeg
        self.width = self.height = 0
        self.fb = np.zeros((0, 0, 3), np.uint8)
        self.tight_streams = [zlib.decompressobj() for _ in range(4)]
        self.zrle_stream = zlib.decompressobj()
        self.decode_ms = 0.0  # the last update's reading and decoding

    # ------------------------------------------------------------ set-up

    def handshake(self) -> None:
        version = self.conn.read(12)
        if not version.startswith(b"RFB 003."):
            raise ConnectionError(f"not an RFB server: {version!r}")
        self.conn.send(b"RFB 003.008\n")
        types = self.conn.read(self.conn.u8())
        if 1 not in types:
            raise ConnectionError(f"the server wants a password (security types {list(types)})")
        self.conn.send(b"\x01")
        if self.conn.u32() != 0:
            raise ConnectionError("the server refused the connection")
        self.conn.send(b"\x01")  # ClientInit: shared
        self.width, self.height = self.conn.u16(), self.conn.u16()
        self.conn.read(16)  # the server's pixel format; ours follows
        self.conn.read(self.conn.u32())  # desktop name
        self.fb = np.zeros((self.height, self.width, 3), np.uint8)
        # 32 bpp, depth 24, little-endian, true colour, 8 bits each, red at 16, blue at 0.
        fmt = struct.pack(">BBBBHHHBBB3x", 32, 24, 0, 1, 255, 255, 255, 16, 8, 0)
        self.conn.send(b"\x00\x00\x00\x00" + fmt)
        encodings = [ENCODINGS[self.encoding], COPYRECT, RICH_CURSOR, POINTER_POS, LAST_RECT]
        encodings.append(DESKTOP_SIZE)
        if self.jpeg is not None:
            encodings.append(-32 + self.jpeg)
        self.conn.send(struct.pack(">BxH", 2, len(encodings)))
        self.conn.send(b"".join(struct.pack(">i", e) for e in encodings))

    def request(self, incremental: bool) -> None:
        self.conn.send(struct.pack(">BBHHHH", 3, int(incremental), 0, 0, self.width, self.height))

    # ------------------------------------------------------------ messages

    def next_update(self) -> list[tuple[int, int, int, int]]:
        """Read messages until a framebuffer update is decoded; returns its rectangles."""
        while True:
            kind = self.conn.u8()
            if kind == 0:
                return self._update()
            if kind == 1:  # colour map entries: not asked for, skip
                self.conn.read(3)
                self.conn.read(6 * self.conn.u16())
            elif kind == 2:  # bell
                continue
            elif kind == 3:  # clipboard text
                self.conn.read(3)
                self.conn.read(self.conn.u32())
            else:
                raise ConnectionError(f"unknown server message {kind}")

    def _update(self) -> list[tuple[int, int, int, int]]:
        self.conn.read(1)
        count = self.conn.u16()
        began = time.perf_counter()
        rects = []
        i = 0
        while count == 0xFFFF or i < count:
            i += 1
            x, y, w, h = struct.unpack(">HHHH", self.conn.read(8))
            (enc,) = struct.unpack(">i", self.conn.read(4))
            if enc == LAST_RECT:
                break
            if enc == TIGHT:
                self._tight(x, y, w, h)
            elif enc == ZRLE:
                self._zrle(x, y, w, h)
            elif enc == COPYRECT:
                sx, sy = self.conn.u16(), self.conn.u16()
                self.fb[y : y + h, x : x + w] = self.fb[sy : sy + h, sx : sx + w].copy()
            elif enc == RICH_CURSOR:
                self.conn.read(w * h * 4 + (w + 7) // 8 * h)
                continue
            elif enc == POINTER_POS:
                continue
            elif enc == DESKTOP_SIZE:
                self.width, self.height = w, h
                self.fb = np.zeros((h, w, 3), np.uint8)
                continue
            else:
                raise ConnectionError(f"the server sent encoding {enc}, which was not asked for")
            rects.append((x, y, w, h))
        self.decode_ms = (time.perf_counter() - began) * 1000
        return rects

    # ------------------------------------------------------------ Tight

    def _tpixels(self, data: bytes, n: int) -> np.ndarray:
        """Tight's 3-byte pixels, red first (the server packs them by the shifts)."""
        return np.frombuffer(data, np.uint8, n * 3).reshape(n, 3)

    def _tight_data(self, stream: int, size: int) -> bytes:
        if size < 12:
            return self.conn.read(size)
        compressed = self.conn.read(self.conn.compact_length())
        return self.tight_streams[stream].decompress(compressed)

    def _tight(self, x: int, y: int, w: int, h: int) -> None:
        control = self.conn.u8()
        for stream in range(4):
            if control & (1 << stream):
                self.tight_streams[stream] = zlib.decompressobj()
        kind = control >> 4
        region = self.fb[y : y + h, x : x + w]
        if kind == 0x8:  # fill
            region[:] = self._tpixels(self.conn.read(3), 1)[0]
            return
        if kind == 0x9:  # JPEG
            data = self.conn.read(self.conn.compact_length())
            picture = Image.open(io.BytesIO(data)).convert("RGB")
            region[:] = np.asarray(picture)[:h, :w]
            return
        if kind & 0x8:
            raise ConnectionError(f"unknown Tight compression {kind:#x}")
        stream = kind & 0x3
        filter_id = self.conn.u8() if kind & 0x4 else 0
        if filter_id == 1:  # palette
            colours = self.conn.u8() + 1
            palette = self._tpixels(self.conn.read(colours * 3), colours)
            if colours == 2:
                row_bytes = (w + 7) // 8
                data = self._tight_data(stream, row_bytes * h)
                bits = np.unpackbits(np.frombuffer(data, np.uint8).reshape(h, row_bytes), axis=1)
                region[:] = palette[bits[:, :w]]
            else:
                data = self._tight_data(stream, w * h)
                region[:] = palette[np.frombuffer(data, np.uint8).reshape(h, w)]
        elif filter_id == 0:  # copy
            data = self._tight_data(stream, w * h * 3)
            region[:] = self._tpixels(data, w * h).reshape(h, w, 3)
        elif filter_id == 2:  # gradient: each pixel from its left, upper and upper-left
            diff = np.frombuffer(self._tight_data(stream, w * h * 3), np.uint8).reshape(h, w, 3)
            out = np.zeros((h + 1, w + 1, 3), np.int32)
            for row in range(h):
                for col in range(w):
                    pred = out[row + 1, col] + out[row, col + 1] - out[row, col]
                    out[row + 1, col + 1] = (np.clip(pred, 0, 255) + diff[row, col]) & 0xFF
            region[:] = out[1:, 1:]
        else:
            raise ConnectionError(f"unknown Tight filter {filter_id}")

    # ------------------------------------------------------------ ZRLE

    def _zrle(self, x: int, y: int, w: int, h: int) -> None:
        data = self.zrle_stream.decompress(self.conn.read(self.conn.u32()))
        pos = 0
        for ty in range(y, y + h, 64):
            th = min(64, y + h - ty)
            for tx in range(x, x + w, 64):
                tw = min(64, x + w - tx)
                pos = self._zrle_tile(data, pos, self.fb[ty : ty + th, tx : tx + tw])

    @staticmethod
    def _cpixels(data: bytes, pos: int, n: int) -> np.ndarray:
        """ZRLE's 3-byte pixels: the pixel's low three bytes, little-endian (blue first)."""
        return np.frombuffer(data, np.uint8, n * 3, pos).reshape(n, 3)[:, ::-1]

    def _zrle_tile(self, data: bytes, pos: int, tile: np.ndarray) -> int:
        th, tw = int(tile.shape[0]), int(tile.shape[1])
        palette: np.ndarray | None
        sub = data[pos]
        pos += 1
        if sub == 0:
            tile[:] = self._cpixels(data, pos, tw * th).reshape(th, tw, 3)
            return pos + tw * th * 3
        if sub == 1:
            tile[:] = self._cpixels(data, pos, 1)[0]
            return pos + 3
        if 2 <= sub <= 16:
            palette = self._cpixels(data, pos, sub)
            pos += sub * 3
            bits = 1 if sub == 2 else 2 if sub <= 4 else 4
            row_bytes = (tw * bits + 7) // 8
            packed = np.frombuffer(data, np.uint8, row_bytes * th, pos).reshape(th, row_bytes)
            unpacked = np.unpackbits(packed, axis=1).reshape(th, row_bytes * 8 // bits, bits)
            weights = 1 << np.arange(bits - 1, -1, -1)
            index = (unpacked * weights).sum(axis=2)[:, :tw]
            tile[:] = palette[index]
            return pos + row_bytes * th
        if sub == 128 or sub >= 130:
            # One pass over the runs collecting where each colour is and how long its run
            # is; numpy then lays them out (a slice assignment per run is several times
            # slower, and the viewer must keep up with x11vnc).
            colours = 0 if sub == 128 else sub - 128
            palette = self._cpixels(data, pos, colours) if colours else None
            pos += colours * 3
            total, done = tw * th, 0
            where: list[int] = []
            lengths: list[int] = []
            while done < total:
                if palette is None:
                    where.append(pos)
                    pos += 3
                    run = True
                else:
                    byte = data[pos]
                    pos += 1
                    where.append(byte & 0x7F)
                    run = byte > 0x7F
                length = 1
                if run:
                    while data[pos] == 255:
                        length += 255
                        pos += 1
                    length += data[pos]
                    pos += 1
                lengths.append(length)
                done += length
            if palette is None:
                raw = np.frombuffer(data, np.uint8)
                picked = raw[np.array(where)[:, None] + np.array([2, 1, 0])]
            else:
                picked = palette[np.array(where)]
            tile[:] = np.repeat(picked, lengths, axis=0).reshape(th, tw, 3)
            return pos
        raise ConnectionError(f"unknown ZRLE tile kind {sub}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--encoding", choices=sorted(ENCODINGS), default="tight")
    p.add_argument("--jpeg", type=int, choices=range(10), help="Tight's JPEG quality level")
    p.add_argument("--stats", type=Path, required=True)
    p.add_argument("--save-frame", type=Path)
    p.add_argument("--probe", required=True, help="x,y,w,h of the region to watch")
    p.add_argument("--counter", type=Path, help="a file kept holding the bytes read so far")
    args = p.parse_args(argv)
    px, py, pw, ph = (int(v) for v in args.probe.split(","))

    sock = socket.create_connection(("127.0.0.1", args.port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    conn = Connection(sock)
    signal.signal(signal.SIGTERM, lambda *_: setattr(conn, "stopping", True))
    viewer = Viewer(conn, args.encoding, args.jpeg)
    viewer.handshake()
    viewer.request(incremental=False)
    frames = 0
    decode_ms: list[float] = []
    changes: list[list[object]] = []
    last_colour = ""
    counter = os.open(args.counter, os.O_WRONLY | os.O_CREAT, 0o644) if args.counter else None
    start = time.monotonic()
    try:
        while True:
            rects = viewer.next_update()
            frames += 1
            if frames == 1:
                print(f"ready {viewer.width}x{viewer.height}", flush=True)
            viewer.request(incremental=True)
            touched = any(
                x < px + pw and px < x + w and y < py + ph and py < y + h for x, y, w, h in rects
            )
            if touched:
                mean = viewer.fb[py : py + ph, px : px + pw].reshape(-1, 3).mean(axis=0)
                colour = "#{:02x}{:02x}{:02x}".format(*(round(float(c)) for c in mean))
                if colour != last_colour:
                    changes.append([time.time_ns(), colour, frames])
                    last_colour = colour
            decode_ms.append(viewer.decode_ms)
            if counter is not None:
                os.pwrite(counter, b"%20d" % conn.received, 0)
    except (Stopped, ConnectionError) as exc:
        if not isinstance(exc, Stopped):
            print(f"error: {exc}", file=sys.stderr, flush=True)
    duration = time.monotonic() - start
    decode_ms.sort()
    stats = {
        "frames": frames,
        "fps": round(frames / duration, 2) if duration else None,
        "bytes_received": conn.received,
        "duration_s": round(duration, 2),
        "latency_ms_p50": None,
        "latency_ms_p95": None,
        "latency_ms_max": None,
        "decode_ms_p95": round(decode_ms[int(0.95 * (len(decode_ms) - 1))], 2)
        if decode_ms
        else None,
        "probe": {"rect": [px, py, pw, ph], "changes": changes},
    }
    args.stats.write_text(json.dumps(stats), encoding="utf-8")
    if args.save_frame is not None:
        Image.fromarray(viewer.fb).save(args.save_frame)
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
