"""``mace-bot``: serve the bot, migrate the store, load reference data."""

from __future__ import annotations

import gc

# Importing the bot builds some 160,000 objects that live as long as the process, and next
# to no garbage, yet at the collector's defaults it set off over 400 collections on the way:
# 0.2 s of a 1.5 s import, measured with ``gc.callbacks`` (issue 18: a new instance ready
# in under 2 s). So the collector is off while this module's imports run; at their
# end what they built is frozen out of collection (``gc.freeze``, as ``tune_collector`` does
# for what start-up builds after) and the collector is back on, for whoever imports this
# module (``serve``, another command, a test). Without the freeze, the first collection
# after would walk all 160,000 objects (0.1 s). Frozen with them is the import's own
# garbage, about 2,000 objects (0.4 MB), which a full collection would have freed.
_COLLECTING = gc.isenabled()
gc.disable()

import argparse
import asyncio
import errno
import logging
import os
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, or_, select

from bot import (
    cli_members,
    cli_outbox,
    cli_package,
    cli_records,
    cli_register,
    cli_report,
    cli_store,
)
from bot.app import create_app
from bot.config import SettingError, Settings
from bot.domain.clock import SystemClock
from bot.domain.errors import DomainError
from bot.domain.filters import ActionFilter, FilterError
from bot.http import serving
from bot.observability.logs import configure_logging
from bot.services.context import ActorRef
from bot.services.factory import ServiceFactory, build_store
from bot.services.reference_data import ReferenceDataError, load_reference_data, read_data_file
from bot.store import tables as t
from bot.store.crypto import KeyRingError
from bot.store.db import migrate

gc.freeze()
if _COLLECTING:
    gc.enable()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mace-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the bot at http://HOST:PORT/api/messages")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 3978)")
    serve.add_argument(
        "--demo", action="store_true", help="load the invented demo groups and members at start"
    )
    sub.add_parser("migrate", help="bring the store's schema up to date")
    load = sub.add_parser("load-data", help="load localities, agencies and members from JSON")
    load.add_argument("file", type=Path)
    export = sub.add_parser("export", help="export data a member may see")
    export_sub = export.add_subparsers(dest="what", required=True)
    actions = export_sub.add_parser("actions", help="open actions as CSV or XLSX")
    actions.add_argument(
        "--as",
        dest="as_member",
        required=True,
        help="the member (Entra object id or email) whose access applies",
    )
    actions.add_argument("--locality")
    actions.add_argument("--agency")
    actions.add_argument("--owner")
    actions.add_argument("--overdue", action="store_true")
    actions.add_argument("--due-before", help="YYYY-MM-DD")
    actions.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    actions.add_argument("-o", "--output", type=Path, required=True)
    cli_members.register(sub)
    cli_store.register(sub)
    cli_records.register(sub)
    cli_package.register(sub)
    cli_outbox.register(sub)
    cli_register.register(sub)
    cli_report.register(sub)
    return parser


#: Allocations between two young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 20_000


def tune_collector() -> None:
    """Collect cyclic garbage less often, and never re-examine what start-up built.

    A turn builds and drops thousands of short-lived dicts and lists (a 40 KB card is
    one), nearly all freed by reference counting, yet at CPython's defaults they set off
    a young collection every 700 allocations, and older collections walk every module,
    mapper and compiled statement made at start-up. Profiling a busy "my actions" run
    put about 12% of the bot's CPU there. Objects alive once the app is built are
    frozen out of collection (they live as long as the process) and the young threshold
    raised; real cycles are still collected, a little later. What importing this module
    built is frozen already (see its top), so this collection walks only what was built
    since: the app, not every module."""
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, KeyRingError) as exc:
        # A bad setting or key: one line naming it, before anything starts.
        print(f"Cannot start: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    # Everything this process writes (the SQLite store and its journal, keys, exports,
    # backups) is about children at risk: owner-only, whatever the shell's umask.
    os.umask(0o077)
    settings = Settings.from_env()
    problems = settings.problems(serving=False)
    if problems:
        raise SettingError(problems[0])
    configure_logging(settings.log_level, settings.log_format)
    if args.command != "serve":
        # An operator's command answers in its own plain lines; the store's start-up chatter
        # (alembic's "Context impl …") would bury them.
        logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    if args.command == "serve":
        settings = replace(
            settings,
            host=args.host or settings.host,
            port=args.port or settings.port,
            load_demo_data=settings.load_demo_data or args.demo,
        )
        problems = settings.problems()
        if problems:
            raise SettingError(problems[0])
        refusal = settings.listen_refusal()
        if refusal:
            print(refusal, file=sys.stderr)
            return 2
        store_name = (
            "PostgreSQL"
            if settings.database_url.startswith("postgres")
            else (
                "the configured database"
                if settings.database_url
                else f"SQLite at {settings.data_dir / 'mace.db'}"
            )
        )
        auth = "on" if settings.auth_enabled else "OFF (APP_ID is empty: local use only)"
        print(
            f"MACE bot on http://{settings.host}:{settings.port}/api/messages "
            f"(store: {store_name}; Bot Framework authentication {auth})",
            flush=True,
        )
        try:
            # The bot logs one line per request itself (bot.observability.logs), with the
            # route's pattern rather than the path: a download path holds a signed link.
            app = create_app(settings)
            tune_collector()
            serving.run_app(
                app,
                host=settings.host,
                port=settings.port,
                limits=serving.Limits(
                    idle_timeout=settings.http_idle_timeout,
                    body_timeout=settings.http_body_timeout,
                    max_connections=settings.http_max_connections,
                ),
                # Said once the port is bound: what a supervisor or a test waits for.
                ready=lambda: print("Ready: accepting traffic.", flush=True),
            )
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
                raise
            raise SettingError(
                f"PORT: cannot listen on {settings.host}:{settings.port} ({exc.strerror})"
            ) from None
        return 0
    if args.command == "migrate":
        asyncio.run(_migrate(settings))
        print("Store is up to date.")
        return 0
    if args.command == "load-data":
        try:
            asyncio.run(_load(settings, args.file))
        except (OSError, ValueError, ReferenceDataError) as exc:
            print(f"Could not load {args.file}: {exc}", file=sys.stderr)
            return 1
        print(f"Loaded {args.file}.")
        return 0
    if args.command == "export":
        try:
            written = asyncio.run(_export_actions(settings, args))
        except (DomainError, FilterError, ValueError) as exc:
            message = exc.user_message if isinstance(exc, DomainError) else str(exc)
            print(f"Could not export: {message}", file=sys.stderr)
            return 1
        print(f"Wrote {written} to {args.output}.")
        return 0
    if args.command == "members":
        return cli_members.run(settings, args)
    if args.command in cli_store.COMMANDS:
        return cli_store.run(settings, args)
    if args.command in cli_records.COMMANDS:
        return cli_records.run(settings, args)
    if args.command == "package":
        return cli_package.run(settings, args)
    if args.command in cli_outbox.COMMANDS:
        return cli_outbox.run(settings, args)
    if args.command in cli_register.COMMANDS:
        return cli_register.run(settings, args)
    if args.command in cli_report.COMMANDS:
        return cli_report.run(settings, args)
    return 2


async def _export_actions(settings: Settings, args: argparse.Namespace) -> str:
    wanted = ActionFilter(
        locality=args.locality,
        agency=args.agency,
        owner=args.owner,
        overdue_only=args.overdue,
        due_before=date.fromisoformat(args.due_before) if args.due_before else None,
    )
    store = build_store(settings)
    clock = SystemClock()
    try:
        await migrate(store.engine)
        async with store.reading() as session:
            member = await session.scalar(
                select(t.Member).where(
                    or_(
                        t.Member.aad_object_id == args.as_member,
                        func.lower(t.Member.email) == str(args.as_member).lower(),
                    )
                )
            )
        if member is None:
            raise ValueError("no member with that Entra object id or email")
        actor = ActorRef(
            teams_user_id=member.teams_user_id or "", aad_object_id=member.aad_object_id
        )
        exports = ServiceFactory(settings, store, clock).exports
        file = await exports.actions_file(actor, wanted, args.format)
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(file.content)
        return file.filename
    finally:
        await store.close()


async def _migrate(settings: Settings) -> None:
    store = build_store(settings)
    try:
        await migrate(store.engine)
    finally:
        await store.close()


async def _load(settings: Settings, path: Path) -> None:
    store = build_store(settings)
    try:
        await migrate(store.engine)
        await load_reference_data(store, read_data_file(path), datetime.now(UTC))
    finally:
        await store.close()


if __name__ == "__main__":
    raise SystemExit(main())
