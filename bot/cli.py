"""``mace-bot``: serve the bot, migrate the store, load reference data."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bot.app import build_store, create_app
from bot.config import Settings
from bot.services.reference_data import ReferenceDataError, load_reference_data, read_data_file
from bot.store.db import migrate


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.command == "serve":
        settings = replace(
            settings,
            host=args.host or settings.host,
            port=args.port or settings.port,
            load_demo_data=settings.load_demo_data or args.demo,
        )
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
        web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)
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
    return 2


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
