#!/usr/bin/env python3
"""Draw the Teams app icons for MACE Meetings, with the standard library only.

    python scripts/make_icons.py           # (re)write infra/manifest/color.png and outline.png
    python scripts/make_icons.py --check   # exit 1 if the committed icons differ from these

Teams wants two icons beside manifest.json:
  color.png    192x192, full colour: the accent colour edge to edge, a white symbol.
  outline.png  32x32, white (#FFFFFF) on a transparent background, nothing else.

The symbol is a round table: a ring in the middle with six seats (dots) around it, for
the agencies that meet. Shapes are anti-aliased by supersampling. The output is
byte-for-byte the same on every run (no timestamps), so --check can guard it.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "infra" / "manifest"

ACCENT = (0x26, 0x4E, 0x86)  # keep equal to "accentColor" in manifest.json
WHITE = (0xFF, 0xFF, 0xFF)
SEATS = 6
SUPERSAMPLE = 4

Inside = Callable[[float, float], bool]
Shape = tuple[tuple[float, float, float, float], Inside]  # (bounding box, inside test)


def png(width: int, height: int, rgba: bytes) -> bytes:
    """Encode 8-bit RGBA pixels (row by row, no padding) as a PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    stride = width * 4
    raw = b"".join(b"\x00" + rgba[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def disc(cx: float, cy: float, r: float) -> Shape:
    return (cx - r, cy - r, cx + r, cy + r), lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def ring(cx: float, cy: float, r_outer: float, r_inner: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        d2 = (x - cx) ** 2 + (y - cy) ** 2
        return r_inner * r_inner <= d2 <= r_outer * r_outer

    return (cx - r_outer, cy - r_outer, cx + r_outer, cy + r_outer), inside


def symbol(size: int) -> list[Shape]:
    """The round table, scaled to an icon of `size` pixels (drawn within its middle)."""
    c = size / 2
    if size >= 64:  # colour icon: symbol within the middle ~65 %
        table_outer, table_inner, seat_r, seat_orbit = 0.155, 0.105, 0.068, 0.265
    else:  # outline icon: bolder, fills more of the square
        table_outer, table_inner, seat_r, seat_orbit = 0.20, 0.115, 0.085, 0.36
    shapes = [ring(c, c, table_outer * size, table_inner * size)]
    for i in range(SEATS):
        angle = -math.pi / 2 + 2 * math.pi * i / SEATS
        shapes.append(
            disc(
                c + seat_orbit * size * math.cos(angle),
                c + seat_orbit * size * math.sin(angle),
                seat_r * size,
            )
        )
    return shapes


def coverage(shapes: list[Shape], px: int, py: int) -> float:
    """Share of the pixel's subsamples that fall inside any shape."""
    near = [
        inside
        for (x0, y0, x1, y1), inside in shapes
        if x0 <= px + 1 and px <= x1 and y0 <= py + 1 and py <= y1
    ]
    if not near:
        return 0.0
    n = SUPERSAMPLE
    hits = 0
    for sy in range(n):
        for sx in range(n):
            x, y = px + (sx + 0.5) / n, py + (sy + 0.5) / n
            if any(inside(x, y) for inside in near):
                hits += 1
    return hits / (n * n)


def color_icon(size: int = 192) -> bytes:
    shapes = symbol(size)
    out = bytearray()
    for py in range(size):
        for px in range(size):
            a = coverage(shapes, px, py)
            out += bytes(round(bg + (fg - bg) * a) for bg, fg in zip(ACCENT, WHITE, strict=True))
            out.append(255)
    return png(size, size, bytes(out))


def outline_icon(size: int = 32) -> bytes:
    shapes = symbol(size)
    out = bytearray()
    for py in range(size):
        for px in range(size):
            out += bytes(WHITE) + bytes([round(255 * coverage(shapes, px, py))])
    return png(size, size, bytes(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="only compare with the files on disk; exit 1 if they differ",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=MANIFEST_DIR,
        help=f"folder to write to (default {MANIFEST_DIR})",
    )
    args = parser.parse_args(argv)

    icons = {"color.png": color_icon(), "outline.png": outline_icon()}
    stale = []
    for name, data in icons.items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path} ({len(data)} bytes)")
    if stale:
        print(
            f"out of date: {', '.join(stale)} (run python scripts/make_icons.py)", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
