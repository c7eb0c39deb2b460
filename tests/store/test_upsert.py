"""bot.store.upsert on both engines: a repeated key is skipped (or updated), never an
error, and the count says how many rows went in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.store import tables as t
from bot.store.db import Store
from bot.store.upsert import insert_ignoring_duplicates, on_conflict

WHEN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PA = t.table_of(t.ProcessedActivity)
OW = t.table_of(t.OutboxWorker)


async def test_a_repeated_key_is_skipped_on_a_session_and_a_connection(store: Store) -> None:
    first = {"activity_id": "a", "processed_at": WHEN}
    async with store.transaction() as session:
        assert await insert_ignoring_duplicates(session, PA, first, ["activity_id"]) == 1
        rows = [first, {"activity_id": "b", "processed_at": WHEN}]
        assert await insert_ignoring_duplicates(session, PA, rows, ["activity_id"]) == 1
        assert await insert_ignoring_duplicates(session, PA, [], ["activity_id"]) == 0
    async with store.engine.begin() as connection:
        assert await insert_ignoring_duplicates(connection, PA, first, ["activity_id"]) == 0
    async with store.reading() as session:
        assert sorted(await session.scalars(select(PA.c.activity_id))) == ["a", "b"]


async def test_a_repeated_key_can_update_instead(store: Store) -> None:
    """The outbox sender's heartbeat: its row made the first time, renewed after."""
    later = WHEN + timedelta(seconds=5)
    async with store.transaction() as session:
        for now in (WHEN, later):
            values = {"worker_id": "host:1", "started_at": now, "last_seen": now}
            statement = on_conflict(
                store.engine.dialect.name, OW, values, ["worker_id"], update={"last_seen": now}
            )
            await session.execute(statement)
    async with store.reading() as session:
        row = (await session.execute(select(OW.c.started_at, OW.c.last_seen))).one()
    assert (row.started_at, row.last_seen) == (WHEN, later)
