"""``mace-bot register import`` and ``mace-bot actions import``: a group's existing tracker
(its register of subjects, its actions) brought in from a CSV or XLSX file.

Like ``mace-bot members``, the command line runs as the operator of the bot's host and
checks no caller; every record is audited as imported by ``cli:<user>``. Each problem
names its line and column, never what the cell holds (docs/import.md).
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
from bot.domain.register_import_file import Table
from bot.services.factory import build_store
from bot.services.register_import import TrackerImport
from bot.services.tracker_file import read_table
from bot.store import audit
from bot.store.db import migrate

COMMANDS = frozenset({"register", "actions"})

_FILE_HELP = "a .csv (UTF-8) or .xlsx file, header in row 1 (see docs/import.md)"


def register(sub: Any) -> None:
    """Adds ``register`` and ``actions`` and their ``import`` to the ``mace-bot`` subparsers."""
    for command, what in (
        ("register", "a group's register of subjects (children, persons, locations, ...)"),
        ("actions", "a group's actions"),
    ):
        parser = sub.add_parser(command, help=f"import {what} from its tracker")
        verbs = parser.add_subparsers(dest=f"{command}_command", required=True)
        load = verbs.add_parser(
            "import",
            help=f"{what} from CSV or XLSX: every row checked, nothing written if one is bad",
        )
        load.add_argument("file", type=Path, help=_FILE_HELP)
        load.add_argument("--locality", required=True, help="the locality group's code")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs one import; prints the result, or the problems on stderr (exit 1)."""
    try:
        table, problems = read_table(Path(args.file))
        if table is None or problems:
            for problem in problems:
                print(problem, file=sys.stderr)
            print("Nothing imported: fix the file and import it again.", file=sys.stderr)
            return 1
        lines, ok = asyncio.run(_run(settings, args, table))
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
    settings: Settings, args: argparse.Namespace, table: Table
) -> tuple[list[str], bool]:
    store = build_store(settings)
    try:
        await migrate(store.engine)
        importer = TrackerImport(store, SystemClock(), audit.operator())
        if args.command == "register":
            report = await importer.register(table, args.locality)
        else:
            report = await importer.actions(table, args.locality)
        return [*(str(problem) for problem in report.problems), report.summary()], report.ok
    finally:
        await store.close()
