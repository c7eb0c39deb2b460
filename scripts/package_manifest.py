#!/usr/bin/env python3
"""Check the Teams app manifest and icons, and zip them into an app package.

    python scripts/package_manifest.py --check      # validate only; exit 1 on problems
    APP_ID=<bot app id> python scripts/package_manifest.py
                                  # writes infra/manifest/build/mace-meetings.zip
    python scripts/package_manifest.py --bot-id GUID [--app-id GUID] [--version 1.2.3] [--out F]

infra/manifest/manifest.json carries the placeholder bot id
00000000-0000-0000-0000-000000000000 (a real GUID pattern, so it validates). The package
gets the bot's Microsoft App ID instead: --bot-id, else the APP_ID environment variable
(the same APP_ID the bot itself runs with). The placeholder is refused when packaging.

Checks, all offline: the manifest against the v1.19 schema vendored in
infra/manifest/schema/ (when the `jsonschema` package is installed; it is a dev
dependency), the icons' sizes (192x192 colour, 32x32 outline) and that the outline icon
is white on transparent only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

MANIFEST_DIR = Path(__file__).resolve().parent.parent / "infra" / "manifest"
SCHEMA = MANIFEST_DIR / "schema" / "MicrosoftTeams.v1.19.schema.json"
PLACEHOLDER_BOT_ID = "00000000-0000-0000-0000-000000000000"
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
ICON_SIZES = {"color": (192, 192), "outline": (32, 32)}


def read_png(data: bytes) -> tuple[int, int, list[bytes] | None]:
    """(width, height, RGBA rows), rows only for 8-bit RGBA non-interlaced images."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat = 8, b""
    width = height = depth = colour = interlace = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunk, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if chunk == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif chunk == b"IDAT":
            idat += body
        pos += 12 + length
    if (depth, colour, interlace) != (8, 6, 0):
        return width, height, None
    raw, stride, rows = zlib.decompress(idat), width * 4, []
    prev = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        for i in range(stride):
            left = cur[i - 4] if i >= 4 else 0
            up, corner = prev[i], (prev[i - 4] if i >= 4 else 0)
            if kind == 1:
                cur[i] = (cur[i] + left) & 0xFF
            elif kind == 2:
                cur[i] = (cur[i] + up) & 0xFF
            elif kind == 3:
                cur[i] = (cur[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                cur[i] = (cur[i] + pred) & 0xFF
        rows.append(bytes(cur))
        prev = cur
    return width, height, rows


def check(manifest: dict[str, Any], folder: Path) -> list[str]:
    problems: list[str] = []
    try:
        import jsonschema
    except ImportError:
        print("jsonschema not installed: schema validation skipped", file=sys.stderr)
    else:
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        validator_cls = jsonschema.validators.validator_for(schema)
        validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
        for error in sorted(validator.iter_errors(manifest), key=lambda e: list(e.path)):
            where = "/".join(str(p) for p in error.path) or "(root)"
            problems.append(f"schema: {where}: {error.message}")
    for kind, size in ICON_SIZES.items():
        name = manifest.get("icons", {}).get(kind)
        path = folder / name if name else None
        if path is None or not path.is_file():
            problems.append(f"icon {kind}: file {name!r} missing")
            continue
        try:
            width, height, rows = read_png(path.read_bytes())
        except (ValueError, zlib.error, struct.error) as exc:
            problems.append(f"icon {kind}: {path.name}: {exc}")
            continue
        if (width, height) != size:
            problems.append(
                f"icon {kind}: {path.name} is {width}x{height}, needs {size[0]}x{size[1]}"
            )
        if kind == "outline":
            if rows is None:
                problems.append("icon outline: must be 8-bit RGBA (white on transparent)")
            elif any(
                row[i + 3] and row[i : i + 3] != b"\xff\xff\xff"
                for row in rows
                for i in range(0, len(row), 4)
            ):
                problems.append("icon outline: has pixels that are not white or transparent")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    parser.add_argument(
        "--bot-id",
        default=os.environ.get("APP_ID", ""),
        help="the bot's Microsoft App ID (default: $APP_ID)",
    )
    parser.add_argument("--app-id", help="replace the Teams app id (a GUID) as well")
    parser.add_argument("--version", help="replace the app version (semver)")
    parser.add_argument("--out", type=Path, default=MANIFEST_DIR / "build" / "mace-meetings.zip")
    args = parser.parse_args(argv)

    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
    if not args.check:
        if not GUID.match(args.bot_id or "") or args.bot_id == PLACEHOLDER_BOT_ID:
            parser.error("give the bot's Microsoft App ID (a GUID) with --bot-id or APP_ID")
        if args.app_id and not GUID.match(args.app_id):
            parser.error("--app-id must be a GUID")
        for bot in manifest["bots"]:
            bot["botId"] = args.bot_id
        if args.app_id:
            manifest["id"] = args.app_id
        if args.version:
            manifest["version"] = args.version

    problems = check(manifest, MANIFEST_DIR)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    if args.check:
        print("manifest and icons OK")
        return 0

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(args.out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for kind in ICON_SIZES:
            name = manifest["icons"][kind]
            zf.write(MANIFEST_DIR / name, arcname=name)
    print(f"wrote {args.out} (bot id {args.bot_id}): upload it in Teams, Apps > Manage your apps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
