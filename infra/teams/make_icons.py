#!/usr/bin/env python3
"""Draw the Teams app icons for MACE Meetings, with the standard library only.

    python infra/teams/make_icons.py           # (re)write color.png and outline.png here
    python infra/teams/make_icons.py --check   # exit 1 if the committed icons differ

Teams wants two icons beside manifest.json:
  color.png    192x192, full colour: the accent colour edge to edge, a white symbol and
               the word MACE under it.
  outline.png  32x32, white (#FFFFFF) on a transparent background, nothing else.

The symbol is a round table: a ring with six seats (dots) around it, for the agencies
that meet. Shapes are anti-aliased by supersampling. The output is byte-for-byte the same
on every run (no timestamps), so --check can guard the committed files.
"""

from __future__ import annotations

import argparse
import math
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

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


# -- shapes -----------------------------------------------------------------------------


def disc(cx: float, cy: float, r: float) -> Shape:
    return (cx - r, cy - r, cx + r, cy + r), lambda x, y: (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def ring(cx: float, cy: float, r_outer: float, r_inner: float) -> Shape:
    def inside(x: float, y: float) -> bool:
        d2 = (x - cx) ** 2 + (y - cy) ** 2
        return r_inner * r_inner <= d2 <= r_outer * r_outer

    return (cx - r_outer, cy - r_outer, cx + r_outer, cy + r_outer), inside


def stroke(x0: float, y0: float, x1: float, y1: float, r: float) -> Shape:
    """A straight pen stroke of half-width r with round ends."""
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy or 1.0

    def inside(x: float, y: float) -> bool:
        t = max(0.0, min(1.0, ((x - x0) * dx + (y - y0) * dy) / length2))
        px, py = x0 + t * dx, y0 + t * dy
        return (x - px) ** 2 + (y - py) ** 2 <= r * r

    box = (min(x0, x1) - r, min(y0, y1) - r, max(x0, x1) + r, max(y0, y1) + r)
    return box, inside


def open_oval(cx: float, cy: float, rx: float, ry: float, width: float, gap: float) -> Shape:
    """An oval ring of the given pen width, open on the right by `gap` radians each side."""

    def inside(x: float, y: float) -> bool:
        dx, dy = x - cx, y - cy
        outer = (dx / rx) ** 2 + (dy / ry) ** 2 <= 1
        inner = (dx / (rx - width)) ** 2 + (dy / (ry - width)) ** 2 < 1
        return outer and not inner and abs(math.atan2(dy, dx)) >= gap

    return (cx - rx, cy - ry, cx + rx, cy + ry), inside


# -- the drawing ------------------------------------------------------------------------


def round_table(cx: float, cy: float, scale: float, *, bold: bool) -> list[Shape]:
    """A ring (the table) with six seats around it; `scale` is the seat orbit radius."""
    if bold:  # small icon: thicker ring, bigger seats
        outer, inner, seat = 0.56, 0.32, 0.24
    else:
        outer, inner, seat = 0.56, 0.38, 0.25
    shapes = [ring(cx, cy, outer * scale, inner * scale)]
    for i in range(SEATS):
        angle = -math.pi / 2 + 2 * math.pi * i / SEATS
        shapes.append(
            disc(cx + scale * math.cos(angle), cy + scale * math.sin(angle), seat * scale)
        )
    return shapes


def lettering(left: float, top: float, height: float) -> list[Shape]:
    """The word MACE in capitals drawn as pen strokes, `height` tall from (left, top)."""
    w, gap, pen = 0.72 * height, 0.26 * height, 0.09 * height
    bottom = top + height - pen
    shapes: list[Shape] = []
    x = left
    # M
    shapes += [
        stroke(x + pen, bottom, x + pen, top + pen, pen),
        stroke(x + pen, top + pen, x + w / 2, top + 0.62 * height, pen),
        stroke(x + w / 2, top + 0.62 * height, x + w - pen, top + pen, pen),
        stroke(x + w - pen, top + pen, x + w - pen, bottom, pen),
    ]
    x += w + gap
    # A
    shapes += [
        stroke(x + pen, bottom, x + w / 2, top + pen, pen),
        stroke(x + w / 2, top + pen, x + w - pen, bottom, pen),
        stroke(x + 0.3 * w, top + 0.66 * height, x + 0.7 * w, top + 0.66 * height, pen),
    ]
    x += w + gap
    # C
    shapes.append(open_oval(x + w / 2, top + height / 2, w / 2, height / 2, 2 * pen, 0.7))
    x += w + gap
    # E
    shapes += [
        stroke(x + pen, top + pen, x + pen, bottom, pen),
        stroke(x + pen, top + pen, x + w - pen, top + pen, pen),
        stroke(x + pen, top + height / 2, x + 0.82 * w, top + height / 2, pen),
        stroke(x + pen, bottom, x + w - pen, bottom, pen),
    ]
    return shapes


def word_width(height: float) -> float:
    return 4 * 0.72 * height + 3 * 0.26 * height


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
    """Accent background edge to edge; the round table and MACE in white, within the
    middle 120x120 or so, clear of the rounded corners Teams applies."""
    s = size / 192
    text_height = 26 * s
    shapes = round_table(size / 2, 76 * s, 36 * s, bold=False)
    shapes += lettering((size - word_width(text_height)) / 2, 128 * s, text_height)
    out = bytearray()
    for py in range(size):
        for px in range(size):
            a = coverage(shapes, px, py)
            out += bytes(round(bg + (fg - bg) * a) for bg, fg in zip(ACCENT, WHITE, strict=True))
            out.append(255)
    return png(size, size, bytes(out))


def outline_icon(size: int = 32) -> bytes:
    """White round table on a transparent background (too small for lettering)."""
    shapes = round_table(size / 2, size / 2, 0.36 * size, bold=True)
    out = bytearray()
    for py in range(size):
        for px in range(size):
            out += bytes(WHITE) + bytes([round(255 * coverage(shapes, px, py))])
    return png(size, size, bytes(out))


def icons() -> dict[str, bytes]:
    return {"color.png": color_icon(), "outline.png": outline_icon()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the files on disk; exit 1 if different"
    )
    parser.add_argument("--out", type=Path, default=HERE, help=f"folder (default {HERE})")
    args = parser.parse_args(argv)
    stale = []
    for name, data in icons().items():
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            print(f"wrote {path} ({len(data)} bytes)")
    if stale:
        print(f"out of date: {', '.join(stale)} (run {Path(__file__).name})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
