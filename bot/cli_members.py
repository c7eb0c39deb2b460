"""``mace-bot members``: import, add, remove and list members and their roles.

The command line runs as the operator of the bot's host and checks no caller: whoever can
run it can already read the database. That is the documented trust boundary; in chat the
same changes need an administrator (``bot.services.members``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.members import ROLE_CODES
from bot.services.factory import ServiceFactory, build_store
from bot.store import audit
from bot.store.db import migrate

MEMBER_HELP = "the member's email or Entra object id"


def register(sub: Any) -> None:
    """Adds ``members`` and its subcommands to the ``mace-bot`` subparsers."""
    members = sub.add_parser("members", help="import, add, remove and list members and roles")
    what = members.add_subparsers(dest="members_command", required=True)
    load = what.add_parser(
        "import",
        help="members and roles from CSV: name,email,aad_object_id,agency,locality,role[,admin]",
    )
    load.add_argument("file", type=Path)
    add = what.add_parser("add", help="grant a role (creating the member with --name, --agency)")
    add.add_argument("member", help=MEMBER_HELP)
    add.add_argument("locality", help="locality code")
    add.add_argument("role", help=f"one of {ROLE_CODES}")
    add.add_argument("--name", help="a new member's name")
    add.add_argument("--agency", help="a new member's agency code")
    add.add_argument("--aad", help="a new member's Entra object id (when MEMBER is an email)")
    remove = what.add_parser(
        "remove",
        help="remove a role, every role in a locality, or (no --locality) deactivate the member",
    )
    remove.add_argument("member", help=MEMBER_HELP)
    remove.add_argument("--locality", help="locality code")
    remove.add_argument("--role", help=f"one of {ROLE_CODES} (needs --locality)")
    listing = what.add_parser("list", help="a locality group's members and roles")
    listing.add_argument("locality", help="locality code")
    what.add_parser(
        "sync",
        help="read each linked team's or chat's members from Microsoft Graph: add missing "
        "partner roles for known members, list role holders found in none",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs one ``members`` subcommand; prints the result, or the error on stderr (exit 1)."""
    text = None
    if args.members_command == "import":
        try:
            text = Path(args.file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            # The reason only, never the file's contents.
            reason = "it is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else exc.strerror
            print(f"Error: could not read {args.file}: {reason}", file=sys.stderr)
            return 1
    try:
        lines, ok = asyncio.run(_run(settings, args, text))
    except InvalidInput as exc:
        print(f"Error: {' '.join(exc.field_errors.values())}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"Error: {exc.user_message}", file=sys.stderr)
        return 1
    except (SQLAlchemyError, OSError) as exc:
        # The type only: a driver's message can quote the values being written.
        print(f"Error: the store did not answer ({type(exc).__name__}).", file=sys.stderr)
        return 1
    print("\n".join(lines), file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


async def _run(
    settings: Settings, args: argparse.Namespace, text: str | None
) -> tuple[list[str], bool]:
    store = build_store(settings)
    services = ServiceFactory(settings, store, SystemClock(), operator=audit.operator())
    try:
        await migrate(store.engine)
        if args.members_command == "sync":
            synced = await services.membership_sync.run()
            return synced.lines(), synced.enabled
        admin = services.members
        if args.members_command == "import":
            assert text is not None
            report = await admin.import_csv(text)
            return [*(str(problem) for problem in report.problems), report.summary()], report.ok
        if args.members_command == "add":
            granted = await admin.add(
                args.member,
                args.locality,
                args.role,
                name=args.name,
                agency=args.agency,
                aad_object_id=args.aad,
            )
            return [granted.sentence()], True
        if args.members_command == "remove":
            removed = await admin.remove(args.member, args.locality, args.role)
            return [removed.sentence()], True
        members = await admin.list(args.locality)
        if not members:
            return [f"No one holds a role in {args.locality}."], True
        return [
            f"{line.name} ({line.agency}): {', '.join(role.value for role in line.roles)}"
            for line in members
        ], True
    finally:
        await services.close()
        await store.close()
