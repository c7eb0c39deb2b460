"""``mace-bot keys|audit|backup|restore``: the store's keys, audit trail and backups.

These run as the operator on the bot's host, with the bot's own settings; each prints one
clear line per outcome and exits non-zero when something needs attention.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.services.factory import build_store
from bot.store import audit
from bot.store.backup import BackupError, backup, restore, sqlite_path
from bot.store.crypto import KEY_FILE_NAME, KeyRing, KeyRingError
from bot.store.db import Store, migrate, sqlite_url
from bot.store.rotation import key_usage, rotate

COMMANDS = frozenset({"keys", "audit", "backup", "restore"})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="the data keys that encrypt the store")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    keys_sub.add_parser("new", help="print a new key (id:base64) for MACE_DATA_KEYS")
    keys_sub.add_parser("rotate", help="re-encrypt everything under a new key while the bot runs")
    keys_sub.add_parser("retire", help="drop old keys from the key file once no value uses them")
    keys_sub.add_parser("status", help="how many stored values each key holds")
    audit_cmd = sub.add_parser("audit", help="the tamper-evident audit trail")
    audit_sub = audit_cmd.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="check every link of the audit chain")
    backup_cmd = sub.add_parser("backup", help="write a backup of the store to FILE")
    backup_cmd.add_argument("file", type=Path)
    restore_cmd = sub.add_parser("restore", help="replace the store with a backup")
    restore_cmd.add_argument("file", type=Path)
    restore_cmd.add_argument(
        "--replace", action="store_true", help="overwrite a store that already holds data"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        if args.command == "keys":
            return _keys(settings, args)
        if args.command == "audit":
            return asyncio.run(_verify(settings))
        if args.command == "backup":
            done = backup(_url(settings), args.file)
            print(f"Backed up the {done.engine} store to {args.file} ({done.size:,} bytes).")
            print("The data keys are not in the backup: keep them safe separately.")
            return 0
        if args.command == "restore":
            if not args.replace and asyncio.run(_holds_records(settings)):
                raise BackupError("the store already holds records: add --replace to overwrite")
            restore(_url(settings), args.file, replace=args.replace)
            return asyncio.run(_after_restore(settings, args.file))
    except (KeyRingError, BackupError) as exc:
        print(f"Could not {args.command}: {exc}", file=sys.stderr)
        return 1
    return 2


def _url(settings: Settings) -> str:
    return settings.database_url or sqlite_url(settings.data_dir)


def _keys(settings: Settings, args: argparse.Namespace) -> int:
    if args.keys_command == "new":
        fresh = KeyRing.generate()
        print(f"{fresh.primary}:{fresh.export_primary()}")
        return 0
    if args.keys_command == "status":
        return asyncio.run(_status(settings))
    key_file = settings.data_dir / KEY_FILE_NAME
    if args.keys_command == "retire":
        if settings.data_keys:
            print(
                "MACE_DATA_KEYS is set: remove old keys from that setting once "
                "`mace-bot keys status` shows them unused.",
                file=sys.stderr,
            )
            return 1
        return asyncio.run(_retire(settings, key_file))
    if not settings.data_keys:
        KeyRing.from_file(key_file).with_new_primary().save(key_file)
    return asyncio.run(_rotate(settings, key_file if not settings.data_keys else None))


async def _status(settings: Settings) -> int:
    store = build_store(settings)
    try:
        await migrate(store.engine)
        usage = await key_usage(store)
        print(f"Primary key: {store.keys.primary}; keys held: {', '.join(store.keys.key_ids)}")
        for kid, count in sorted(usage.items()):
            print(f"  {kid}: {count:,} values")
        return 0
    finally:
        await store.close()


async def _retire(settings: Settings, key_file: Path) -> int:
    store = build_store(settings)
    try:
        await migrate(store.engine)
        usage = await key_usage(store)
        unused = [k for k in store.keys.key_ids if k != store.keys.primary and not usage.get(k)]
        still = [k for k in store.keys.key_ids if k != store.keys.primary and usage.get(k)]
        if unused:
            KeyRing.from_file(key_file, create=False).without(unused).save(key_file)
            print(f"Retired keys no value uses: {', '.join(unused)}.")
        if still:
            print(
                f"Kept keys still in use: {', '.join(still)}: run `mace-bot keys rotate`.",
                file=sys.stderr,
            )
            return 1
        if not unused:
            print("No old keys to retire.")
        return 0
    finally:
        await store.close()


async def _rotate(settings: Settings, key_file: Path | None) -> int:
    store = build_store(settings)
    try:
        await migrate(store.engine)
        report = await rotate(store, actor=audit.operator())
        total = sum(report.rewritten.values())
        print(f"Re-encrypted {total:,} values under key {report.primary}.")
        if not report.ok:
            for context, count in sorted(report.unreadable.items()):
                print(f"  {context}: {count} values could not be read", file=sys.stderr)
            print("Some values are under a key not held or were altered.", file=sys.stderr)
            return 1
        old = [kid for kid in store.keys.key_ids if kid != report.primary]
        if old:
            print(
                f"Old keys still held for reading: {', '.join(old)}. Once every instance "
                "runs with the new key, run `mace-bot keys retire` to drop them."
                if key_file is not None
                else f"Old keys still listed in MACE_DATA_KEYS: {', '.join(old)}; remove "
                "them from the setting once `mace-bot keys status` shows them unused."
            )
        return 0
    finally:
        await store.close()


async def _verify(settings: Settings) -> int:
    store = build_store(settings)
    try:
        await migrate(store.engine)
        verdict = await audit.verify_store(store.engine)
    finally:
        await store.close()
    if verdict.ok:
        print(f"Audit trail intact: {verdict.entries:,} entries; newest link {verdict.head_hash}.")
        return 0
    print(f"Audit trail BROKEN at entry {verdict.broken_at}: {verdict.problem}.", file=sys.stderr)
    return 1


async def _holds_records(settings: Settings) -> bool:
    """True when the store has an audit trail with entries (any real use writes some)."""
    store = build_store(settings)
    try:
        async with store.engine.connect() as conn:
            has_trail = await conn.run_sync(lambda c: inspect(c).has_table("audit_head"))
            if not has_trail:
                return False
            last = await conn.scalar(text("SELECT last_id FROM audit_head"))
            return bool(last)
    except SQLAlchemyError:
        return False
    finally:
        await store.close()


async def _after_restore(settings: Settings, source: Path) -> int:
    """Trust a restored store only once its chain verifies and its values decrypt."""
    store = build_store(settings)
    try:
        await migrate(store.engine)
        verdict = await audit.verify_store(store.engine)
        usage = await key_usage(store)
        missing = [kid for kid in usage if kid not in store.keys.key_ids]
        if not verdict.ok or missing:
            problem = (
                f"its audit trail is broken at entry {verdict.broken_at}"
                if not verdict.ok
                else f"it needs keys not held: {', '.join(missing)}"
            )
            print(f"Restored {source}, but {problem}.", file=sys.stderr)
            return 1
        await _note_restore(store, source)
        where = sqlite_path(_url(settings)) or "PostgreSQL"
        print(
            f"Restored {source} into {where}: audit trail intact "
            f"({verdict.entries:,} entries before this restore)."
        )
        return 0
    finally:
        await store.close()


async def _note_restore(store: Store, source: Path) -> None:
    async with store.transaction() as session:
        audit.act_as(session, audit.operator())
        audit.note(session, audit.AuditAction.RESTORE, "store", detail=f"from {source.name}")
