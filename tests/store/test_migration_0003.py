"""Migration 0003 on a store that already holds records in clear (written under 0002):
every value comes out encrypted and still reads back, and subjects are found again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import subject_lookup
from bot.store.db import Store, _alembic_config, make_engine, migrate
from tests.support.keys import keys_for_tests

CLEAR_ROWS = [
    "INSERT INTO localities (id, code, name) VALUES (1, 'scarborough', 'Scarborough')",
    "INSERT INTO agencies (id, code, name, sort_order) VALUES (1, 'police', 'Police', 1)",
    "INSERT INTO members (id, name, agency_id, is_admin, active) "
    "VALUES (1, 'Alex Wilber', 1, false, true)",
    "INSERT INTO meetings (id, locality_id, conversation_id, status, chair_member_id, "
    "started_at, minutes_status) VALUES (1, 1, 'team-id', 'ended', 1, "
    "'2026-10-15 10:00:00', 'draft')",
    "INSERT INTO agenda_items (id, meeting_id, position, kind, title, time_limit_minutes, "
    "status, elapsed_seconds) VALUES (1, 1, 4, 'children', 'Children', 30, 'done', 0)",
    "INSERT INTO minute_entries (id, meeting_id, item_id, kind, text, author_member_id, "
    "created_at) VALUES (1, 1, 1, 'minute', 'Old clear minute 6H2', 1, '2026-10-15 10:20:00')",
    "INSERT INTO subjects (id, locality_id, kind, reference, initials, created_at) "
    "VALUES (1, 1, 'child', 'CR-0007', 'JD', '2026-10-15 10:20:00')",
    "INSERT INTO actions (id, locality_id, meeting_id, item_id, description, owner_member_id, "
    "agency_id, due_date, subject_id, status, created_by_member_id, created_at, updated_at, "
    "request_reason) VALUES (1, 1, 1, 1, 'Old clear action 6H2', 1, 1, '2026-11-01', 1, "
    "'open', 1, '2026-10-15 10:20:00', '2026-10-15 10:20:00', '')",
]


async def test_records_in_clear_are_encrypted_by_the_migration(empty_url: str) -> None:
    store = Store(make_engine(empty_url), keys_for_tests())
    try:

        def to_0002(connection: Connection) -> None:
            command.upgrade(_alembic_config(connection), "0002")

        async with store.engine.begin() as conn:
            await conn.run_sync(to_0002)
            for statement in CLEAR_ROWS:
                await conn.execute(text(statement))

        await migrate(store.engine)

        async with store.engine.connect() as conn:
            raw = [
                (await conn.execute(text("SELECT text FROM minute_entries"))).scalar_one(),
                (await conn.execute(text("SELECT description FROM actions"))).scalar_one(),
                (await conn.execute(text("SELECT reference FROM subjects"))).scalar_one(),
            ]
        assert all(value.startswith("mace1:test:") for value in raw)
        assert not any("6H2" in value or "CR-0007" in value for value in raw)
        async with store.reading() as session:
            minute = await session.get_one(t.MinuteEntry, 1)
            action = await session.get_one(t.Action, 1)
            found = await session.scalar(
                select(t.Subject).where(
                    t.Subject.reference_index.in_(subject_lookup(store.keys, 1, "child", "CR-0007"))
                )
            )
        assert minute.text == "Old clear minute 6H2"
        assert action.description == "Old clear action 6H2"
        assert found is not None and (found.reference, found.initials) == ("CR-0007", "JD")
        assert (await audit.verify_store(store.engine)).ok
    finally:
        await store.close()
