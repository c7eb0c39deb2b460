"""``mace-bot package``: the Teams app package (``make package``).

Fills the manifest template in ``infra/teams/manifest.json`` with the bot's ``APP_ID``
and the domain of ``PUBLIC_BASE_URL`` (the same settings the bot runs with), adds the
command menus built from the command table in ``dialogs/commands.py``, and writes
``build/mace-bot-teams.zip``: ``manifest.json``, ``color.png`` and ``outline.png`` at the
root of the archive, ready to upload in Teams (Apps, Manage your apps, Upload an app) or
in the Teams admin centre.

A package carries a real app id, so authentication is on: this is production, and the
bot's public address must be https. Anything missing stops the command with one line.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import zipfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bot.config import Settings
from dialogs.commands import COMMANDS, Command, CommandInfo

REPO = Path(__file__).resolve().parents[1]
TEAMS_DIR = REPO / "infra" / "teams"
TEMPLATE = TEAMS_DIR / "manifest.json"
ICONS = ("color.png", "outline.png")
DEFAULT_OUT = REPO / "build" / "mace-bot-teams.zip"
#: Where ``npm ci`` in infra/teams puts Microsoft's manifest schemas (tests and checks).
NPM_SCHEMAS = (
    TEAMS_DIR / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"
)

GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")

#: Teams' documented limits for a bot's command menu (the schema itself allows more).
MAX_COMMANDS = 10
MAX_TITLE = 32
MAX_DESCRIPTION = 128

_MEETING_MENU = (
    Command.START_MEETING,
    Command.HERE,
    Command.AGENDA,
    Command.NEXT_ITEM,
    Command.SHARE_ROUND,
    Command.CLOSE_ROUND,
    Command.CHALLENGES,
    Command.END_MEETING,
    Command.SETUP,
    Command.HELP,
)
#: The command menu per scope, most useful first. Meetings run in channels and group
#: chats; actions and members are shown only in a personal chat (they can name children).
#: ``previous item`` and the aliases work everywhere but do not fit the ten-item menus.
SCOPE_COMMANDS: Mapping[str, tuple[Command, ...]] = {
    "personal": (
        Command.MY_ACTIONS,
        Command.OUTSTANDING,
        Command.SUBJECTS,
        Command.SUBJECT,
        Command.ADD_SUBJECT,
        Command.MINUTES,
        Command.MEMBERS,
        Command.HELP,
    ),
    "team": _MEETING_MENU,
    "groupChat": _MEETING_MENU,
}


class PackageError(ValueError):
    """A setting or file that stops the package being built; the message is one line."""


# -- the manifest -------------------------------------------------------------------------


def _plain(markdown: str) -> str:
    return re.sub(r"\s+", " ", markdown.replace("**", "").replace("_", "")).strip()


def command_description(info: CommandInfo) -> str:
    """The command's summary from the command table, in plain words, fitted to the menu."""
    text = _plain(info.summary)
    lead = "In a personal chat: "
    if text.startswith(lead):
        text = text[len(lead)].upper() + text[len(lead) + 1 :]
    first = re.split(r"(?<=\.) ", text, maxsplit=1)[0].rstrip(".")
    if len(first) >= MAX_DESCRIPTION:
        # Drop the elaboration (after a colon or ", with"), keeping as much as fits.
        cuts = sorted(m.start() for m in re.finditer(r": |, with ", first))
        fitting = [cut for cut in cuts if cut < MAX_DESCRIPTION]
        if not fitting:
            return first[: MAX_DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"
        first = first[: fitting[-1]]
    with_who = f"{first}. {info.who}."
    return with_who if len(with_who) <= MAX_DESCRIPTION else f"{first}."


def command_lists() -> list[dict[str, Any]]:
    """One ``commandLists`` entry per scope, from ``dialogs.commands.COMMANDS``."""
    infos = {info.command: info for info in COMMANDS}
    lists = []
    for scope, commands in SCOPE_COMMANDS.items():
        lists.append(
            {
                "scopes": [scope],
                "commands": [
                    {"title": c.value, "description": command_description(infos[c])}
                    for c in commands
                ],
            }
        )
    return lists


def _fill(node: Any, values: Mapping[str, str], lists: list[dict[str, Any]]) -> Any:
    if isinstance(node, dict):
        return {key: _fill(value, values, lists) for key, value in node.items()}
    if isinstance(node, list):
        return [_fill(item, values, lists) for item in node]
    if node == "{{COMMAND_LISTS}}":
        return copy.deepcopy(lists)
    if isinstance(node, str):
        for name, value in values.items():
            node = node.replace("{{" + name + "}}", value)
    return node


def render_manifest(template: Mapping[str, Any], bot_id: str, domain: str, version: str) -> Any:
    """The template with ``{{BOT_ID}}``, ``{{PUBLIC_DOMAIN}}``, ``{{VERSION}}`` and
    ``{{COMMAND_LISTS}}`` filled in."""
    values = {"BOT_ID": bot_id, "PUBLIC_DOMAIN": domain, "VERSION": version}
    manifest = _fill(dict(template), values, command_lists())
    left = sorted(set(re.findall(r"\{\{(\w+)\}\}", json.dumps(manifest))))
    if left:
        raise PackageError(f"the manifest template has unknown placeholders: {', '.join(left)}")
    return manifest


def app_version() -> str:
    try:
        return metadata.version("mace-bot")
    except metadata.PackageNotFoundError:
        return "0.1.0"


# -- settings ---------------------------------------------------------------------------


def bot_id_of(settings: Settings) -> str:
    if not settings.APP_ID:
        raise PackageError(
            "APP_ID is empty: set it to the bot registration's Microsoft App ID (a GUID)"
        )
    if not GUID.match(settings.APP_ID):
        raise PackageError("APP_ID is not a GUID: it must be the bot's Microsoft App ID")
    return settings.APP_ID.lower()


def public_domain(settings: Settings) -> str:
    """The host people and Teams reach the bot at. With an app id, authentication is on
    (production), where only https will do."""
    url = settings.base_url
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise PackageError(
            f"PUBLIC_BASE_URL must be the bot's public https address (it is {url}): "
            "its domain goes into the package's validDomains"
        )
    return parsed.hostname.lower()


# -- checks -----------------------------------------------------------------------------


def newest_schema_version(folder: Path = NPM_SCHEMAS) -> str | None:
    """The newest numbered manifest schema in the installed npm package, e.g. "1.30"."""
    versions = [
        (int(m[1]), int(m[2]))
        for path in (folder.iterdir() if folder.is_dir() else ())
        if (m := re.fullmatch(r"v(\d+)\.(\d+)", path.name))
    ]
    return "{}.{}".format(*max(versions)) if versions else None


def schema_file(manifest_version: str, folder: Path = NPM_SCHEMAS) -> Path:
    return folder / f"v{manifest_version}" / "MicrosoftTeams.schema.json"


def schema_problems(manifest: Mapping[str, Any]) -> list[str] | None:
    """Errors against the manifest's own schema from npm ``@microsoft/app-manifest``;
    None when that package (``npm ci`` in infra/teams) or ``jsonschema`` is missing."""
    path = schema_file(str(manifest.get("manifestVersion", "")))
    try:
        import jsonschema
    except ImportError:
        return None
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    return [
        "/".join(str(p) for p in error.absolute_path) + f": {error.message}"
        for error in sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    ]


def menu_problems(manifest: Mapping[str, Any]) -> list[str]:
    """Teams' limits on command menus, which the schema does not hold it to."""
    problems = []
    for bot in manifest.get("bots", []):
        for entry in bot.get("commandLists", []):
            commands = entry.get("commands", [])
            if len(commands) > MAX_COMMANDS:
                problems.append(f"{entry['scopes']}: {len(commands)} commands, at most 10")
            for command in commands:
                if len(command["title"]) > MAX_TITLE:
                    problems.append(f"{command['title']!r}: title over {MAX_TITLE} characters")
                if len(command.get("description", "")) > MAX_DESCRIPTION:
                    problems.append(f"{command['title']!r}: description over 128 characters")
    return problems


# -- the package --------------------------------------------------------------------------


def build_package(
    settings: Settings,
    out: Path = DEFAULT_OUT,
    *,
    version: str | None = None,
    teams_dir: Path = TEAMS_DIR,
) -> tuple[Path, dict[str, Any]]:
    """Write the zip; returns its path and the manifest in it."""
    bot_id = bot_id_of(settings)
    domain = public_domain(settings)
    version = version or app_version()
    if not SEMVER.match(version):
        raise PackageError(f"the version must be three numbers like 1.2.3 (it is {version})")
    try:
        template = json.loads((teams_dir / "manifest.json").read_text(encoding="utf-8"))
        icons = {name: (teams_dir / name).read_bytes() for name in ICONS}
    except (OSError, ValueError) as exc:
        raise PackageError(f"cannot read the template in {teams_dir}: {exc}") from exc
    manifest = render_manifest(template, bot_id, domain, version)
    problems = menu_problems(manifest) + (schema_problems(manifest) or [])
    if problems:
        raise PackageError("the manifest is not valid: " + "; ".join(problems))
    out.parent.mkdir(parents=True, exist_ok=True)
    files = {"manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()}
    files |= icons
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return out, manifest


# -- command line -------------------------------------------------------------------------


def register(sub: Any) -> None:
    """Adds ``package`` to the ``mace-bot`` subparsers."""
    package = sub.add_parser(
        "package", help="write the Teams app package (APP_ID, PUBLIC_BASE_URL from settings)"
    )
    package.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT, help="the zip to write")
    package.add_argument("--version", help="the app version (default: this release's)")


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        out, manifest = build_package(settings, args.out, version=args.version)
    except PackageError as exc:
        print(f"Cannot package: {exc}", file=sys.stderr)
        return 2
    checked = (
        "checked against its schema"
        if schema_problems(manifest) is not None
        else "schema not checked: run npm ci in infra/teams"
    )
    print(
        f"Wrote {out} (manifest v{manifest['manifestVersion']}, {checked}; bot "
        f"{manifest['bots'][0]['botId']}, domain {manifest['validDomains'][0]}). Upload it in "
        "Teams: Apps, Manage your apps, Upload an app."
    )
    return 0
