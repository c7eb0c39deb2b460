"""The Teams app package that ``make package`` writes (``mace-bot package``).

The manifest is validated offline against the schema its ``manifestVersion`` names, as
shipped in npm ``@microsoft/app-manifest`` (installed by ``npm ci`` in infra/teams; .ci/run
does that): once by Microsoft's own ``AppManifestUtils.validateAgainstSchema`` under node,
once by Python ``jsonschema`` against the same file, so the check still runs where node
is missing. Without the npm package those two tests skip and say why.
"""

from __future__ import annotations

import importlib.util
import io
import json
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot import cli
from bot.cli_package import (
    MAX_COMMANDS,
    MAX_DESCRIPTION,
    MAX_TITLE,
    TEAMS_DIR,
    PackageError,
    build_package,
    newest_schema_version,
    schema_file,
    schema_problems,
)
from bot.config import Settings
from dialogs.commands import Command, parse

BOT_ID = "8f0c1a52-3b7e-4d5e-9a61-2c4b8e7f1d03"
BASE_URL = "https://mace.example.org/bot"
SETTINGS = Settings(APP_ID=BOT_ID, public_base_url=BASE_URL)
NPM_PACKAGE = TEAMS_DIR / "node_modules" / "@microsoft" / "app-manifest"
NO_NPM = (
    "npm @microsoft/app-manifest is not installed in infra/teams "
    "(run: npm ci --prefix infra/teams); manifest schema validation skipped"
)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out, _ = build_package(SETTINGS, tmp_path_factory.mktemp("pkg") / "app.zip")
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture(scope="module")
def manifest(package: dict[str, bytes]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(package["manifest.json"])
    return loaded


def require_npm_schemas() -> None:
    if not NPM_PACKAGE.is_dir():
        print(NO_NPM)
        pytest.skip(NO_NPM)


# -- PNG reading (header and pixels), standard library only ----------------------------


def png_info(data: bytes) -> tuple[int, int, int, dict[bytes, bytes]]:
    """(width, height, colour type, chunks) from a PNG file's bytes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    chunks: dict[bytes, bytes] = {}
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, interlace) == (8, 0)
    return width, height, colour, chunks


def rgba_pixels(data: bytes) -> list[tuple[int, int, int, int]]:
    """Every pixel of an 8-bit RGBA, non-interlaced PNG (all five row filters)."""
    width, height, colour, chunks = png_info(data)
    assert colour == 6, "expected 8-bit RGBA"
    raw, stride = zlib.decompress(chunks[b"IDAT"]), width * 4
    prev, pixels = bytearray(stride), []
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
                cur[i] = cur[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)
                cur[i] &= 0xFF
        pixels += [tuple(cur[i : i + 4]) for i in range(0, stride, 4)]
        prev = cur
    return pixels  # type: ignore[return-value]


# -- the zip ----------------------------------------------------------------------------


def test_the_zip_holds_exactly_the_manifest_and_two_icons(package: dict[str, bytes]) -> None:
    assert sorted(package) == ["color.png", "manifest.json", "outline.png"]


def test_icons_are_the_sizes_teams_wants(package: dict[str, bytes]) -> None:
    assert png_info(package["color.png"])[:2] == (192, 192)
    assert png_info(package["outline.png"])[:2] == (32, 32)


def test_the_outline_icon_is_white_on_transparent(package: dict[str, bytes]) -> None:
    pixels = rgba_pixels(package["outline.png"])
    alphas = [a for *_, a in pixels]
    assert min(alphas) == 0, "the outline icon needs a transparent background"
    assert sum(a == 255 for a in alphas) > 50, "the outline icon must draw something"
    assert all((r, g, b) == (255, 255, 255) for r, g, b, a in pixels if a), "white only"


def test_the_colour_icon_is_opaque_and_not_blank(package: dict[str, bytes]) -> None:
    pixels = rgba_pixels(package["color.png"])
    assert all(a == 255 for *_, a in pixels)
    assert len(set(pixels)) > 10, "a symbol and lettering, not a flat square"


def test_committed_icons_are_what_make_icons_draws() -> None:
    spec = importlib.util.spec_from_file_location("make_icons", TEAMS_DIR / "make_icons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, data in module.icons().items():
        assert (TEAMS_DIR / name).read_bytes() == data, f"{name}: run infra/teams/make_icons.py"


# -- the manifest -----------------------------------------------------------------------


def test_the_bot_id_and_domain_are_filled_in_everywhere(
    package: dict[str, bytes], manifest: dict[str, Any]
) -> None:
    text = package["manifest.json"].decode()
    assert "{{" not in text and "}}" not in text
    assert "00000000-0000-0000-0000-000000000000" not in text
    assert [bot["botId"] for bot in manifest["bots"]] == [BOT_ID]
    assert manifest["webApplicationInfo"]["id"] == BOT_ID
    assert BOT_ID in manifest["webApplicationInfo"]["resource"]
    assert manifest["validDomains"] == ["mace.example.org"]
    assert manifest["id"] != BOT_ID  # the Teams app's own id is a different identity


def test_the_personal_tab_signs_in_with_the_audience_the_pages_accept(
    manifest: dict[str, Any],
) -> None:
    """The My MACE tab opens /tab, which asks Teams for a token for
    ``webApplicationInfo.resource``: that must be the audience /auth/sso accepts
    (``Settings.sso_audiences``), or every tab sign-in is refused. The bot's own chat
    stays the first personal tab."""
    settings = Settings(APP_ID=BOT_ID, public_base_url="https://mace.example.org")
    assert manifest["webApplicationInfo"]["resource"] == settings.sso_audiences[0]
    tabs = {tab["entityId"]: tab for tab in manifest["staticTabs"]}
    assert list(tabs) == ["conversations", "my-mace"]
    assert tabs["my-mace"]["contentUrl"] == "https://mace.example.org/tab?next=/my"
    assert tabs["my-mace"]["websiteUrl"] == "https://mace.example.org/my"
    assert tabs["my-mace"]["scopes"] == ["personal"]


def test_the_locality_tab_is_configured_on_the_public_host(manifest: dict[str, Any]) -> None:
    """The group's configurable tab (issue 17): its configuration page is the pages'
    /tab/configure on the host of PUBLIC_BASE_URL (a valid domain), in channels and
    group chats, and can be changed after it is added."""
    [tab] = manifest["configurableTabs"]
    assert tab["configurationUrl"] == "https://mace.example.org/tab/configure"
    assert urlsplit(tab["configurationUrl"]).hostname in manifest["validDomains"]
    assert set(tab["scopes"]) == {"team", "groupChat"}
    assert tab["canUpdateConfiguration"] is True


def test_the_bot_is_in_personal_team_and_group_chat(manifest: dict[str, Any]) -> None:
    [bot] = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}


def test_command_lists_come_from_the_command_table(manifest: dict[str, Any]) -> None:
    [bot] = manifest["bots"]
    real = {command.value for command in Command}
    by_scope: dict[str, list[str]] = {}
    for entry in bot["commandLists"]:
        assert len(entry["commands"]) <= MAX_COMMANDS
        for command in entry["commands"]:
            assert command["title"] in real, command["title"]
            assert parse(command["title"]) == Command(command["title"])
            assert len(command["title"]) <= MAX_TITLE
            assert 0 < len(command["description"]) <= MAX_DESCRIPTION
            assert "**" not in command["description"]
        for scope in entry["scopes"]:
            by_scope[scope] = [c["title"] for c in entry["commands"]]
    assert set(by_scope) == {"personal", "team", "groupChat"}
    assert {"my actions", "outstanding actions", "members", "help"} <= set(by_scope["personal"])
    assert "start meeting" not in by_scope["personal"]
    for scope in ("team", "groupChat"):
        assert {"start meeting", "end meeting", "setup", "help"} <= set(by_scope[scope])
        assert "my actions" not in by_scope[scope]  # actions are shown in personal chat only


def test_meeting_events_are_consented_per_resource(manifest: dict[str, Any]) -> None:
    rsc = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert {(p["name"], p["type"]) for p in rsc} >= {
        ("OnlineMeeting.ReadBasic.Chat", "Application"),
        ("ChannelMeeting.ReadBasic.Group", "Application"),
    }


# -- schema validation, offline ----------------------------------------------------------


def test_the_manifest_uses_the_newest_schema_npm_ships(manifest: dict[str, Any]) -> None:
    require_npm_schemas()
    newest = newest_schema_version()
    assert newest is not None
    assert manifest["manifestVersion"] == newest
    assert manifest["$schema"] == (
        f"https://developer.microsoft.com/json-schemas/teams/v{newest}/MicrosoftTeams.schema.json"
    )


def test_the_manifest_is_valid_against_its_schema_with_jsonschema(
    manifest: dict[str, Any],
) -> None:
    require_npm_schemas()
    assert schema_problems(manifest) == []
    broken = json.loads(json.dumps(manifest))
    broken["bots"][0]["botId"] = "not-a-guid"
    assert any("botId" in p for p in schema_problems(broken) or []), "the check is not vacuous"
    personal = json.loads(json.dumps(manifest))
    personal["configurableTabs"][0]["scopes"] = ["personal"]
    assert schema_problems(personal), "a configurable tab is refused in the personal scope"


NODE_CHECK = """
const fs = require("fs");
const { AppManifestUtils } = require("@microsoft/app-manifest");
const manifest = JSON.parse(fs.readFileSync(0, "utf8"));
const schema = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
AppManifestUtils.validateAgainstSchema(manifest, schema).then(
  (errors) => { console.log(JSON.stringify(errors)); },
  (error) => { console.error(String(error)); process.exit(2); },
);
"""


def node_errors(manifest: dict[str, Any]) -> list[str]:
    node = shutil.which("node")
    if node is None:
        print("node is not installed: AppManifestUtils validation skipped")
        pytest.skip("node is not installed: AppManifestUtils validation skipped")
    if not (TEAMS_DIR / "node_modules" / "fs-extra").is_dir():
        pytest.skip("fs-extra is missing beside @microsoft/app-manifest (npm ci in infra/teams)")
    done = subprocess.run(
        [node, "-e", NODE_CHECK, str(schema_file(manifest["manifestVersion"]))],
        input=json.dumps(manifest),
        capture_output=True,
        text=True,
        cwd=TEAMS_DIR,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    errors: list[str] = json.loads(done.stdout)
    return errors


def test_the_manifest_is_valid_with_microsofts_validator(manifest: dict[str, Any]) -> None:
    require_npm_schemas()
    assert node_errors(manifest) == []
    broken = json.loads(json.dumps(manifest))
    broken["authorization"]["permissions"]["resourceSpecific"][0]["type"] = "Sometimes"
    assert node_errors(broken), "the check is not vacuous"


# -- refusals and the command -------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        (Settings(public_base_url=BASE_URL), "APP_ID is empty"),
        (Settings(APP_ID="my-bot", public_base_url=BASE_URL), "APP_ID is not a GUID"),
        (Settings(APP_ID=BOT_ID), "https"),
        (Settings(APP_ID=BOT_ID, public_base_url="http://mace.example.org"), "https"),
    ],
)
def test_packaging_refuses_bad_settings(settings: Settings, says: str, tmp_path: Path) -> None:
    with pytest.raises(PackageError, match=says):
        build_package(settings, tmp_path / "app.zip")
    assert not (tmp_path / "app.zip").exists()


def test_the_command_refuses_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("APP_ID", "")
    assert cli.main(["package", "-o", str(tmp_path / "app.zip")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "APP_ID" in err


def test_the_command_writes_the_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("APP_ID", BOT_ID)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    out = tmp_path / "app.zip"
    assert cli.main(["package", "-o", str(out), "--version", "2.3.4"]) == 0
    assert str(out) in capsys.readouterr().out
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        assert json.loads(archive.read("manifest.json"))["version"] == "2.3.4"
