"""Encryption at rest: after a meeting is recorded through the real endpoint, none of its
recorded text is in the database in plain, neither in the SQLite file (and its write-ahead
log) nor in any PostgreSQL table row, while the bot itself reads it all back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.store import tables as t
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import all_stored_text, store_of
from tests.e2e.test_access import SECRETS, meeting_with_secrets

#: What the meeting recorded that must never be readable without the key: minutes,
#: decision, action, challenge, share, the child's case reference. (The group's name,
#: SECRETS[-1], is reference data, and initials are checked in their stored form.)
RECORDED = SECRETS[:6]


def raw_sqlite_bytes(path: Path) -> bytes:
    found = b""
    for suffix in ("", "-wal", "-journal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            found += part.read_bytes()
    return found


async def test_nothing_recorded_is_stored_in_plain(bot: BotUnderTest) -> None:
    await meeting_with_secrets(bot)
    store = store_of(bot)
    decrypted = await all_stored_text(store)
    assert all(secret in decrypted for secret in RECORDED), "the bot reads it all back"

    if store.engine.dialect.name == "sqlite":
        database = store.engine.url.database
        assert database
        raw = raw_sqlite_bytes(Path(database))
        async with store.engine.connect() as conn:  # and once more after a checkpoint
            await conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        raw += raw_sqlite_bytes(Path(database))
        assert len(raw) > 50_000
        haystack = raw.decode("latin-1")
    else:
        parts: list[str] = []
        async with store.engine.connect() as conn:
            for table in t.Base.metadata.sorted_tables:
                rows = await conn.execute(text(f'SELECT x::text FROM "{table.name}" x'))
                parts += [row[0] for row in rows]
        haystack = "\n".join(parts)
        assert "mace1:" in haystack
    for secret in RECORDED:
        assert secret not in haystack, f"{secret!r} is stored in plain"
        assert secret.upper() not in haystack.upper()
