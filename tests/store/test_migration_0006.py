"""Migration 0006: the (status, due_date, id, ...) index on actions replaces the index on
status alone, on a store that already holds actions, and comes off again on downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot.store.db import Store, _alembic_config, make_engine, migrate
from tests.support.keys import keys_for_tests

NEW = ["status", "due_date", "id", "locality_id", "agency_id", "owner_member_id"]
ROWS = [
    "INSERT INTO localities (id, code, name) VALUES (1, 'scarborough', 'Scarborough')",
    "INSERT INTO agencies (id, code, name, sort_order) VALUES (1, 'police', 'Police', 1)",
    "INSERT INTO members (id, name, agency_id, is_admin, active) "
    "VALUES (1, 'Alex Wilber', 1, false, true)",
    "INSERT INTO meetings (id, locality_id, conversation_id, status, chair_member_id, "
    "started_at, minutes_status) VALUES (1, 1, 'team-id', 'ended', 1, "
    "'2026-10-15 10:00:00', 'draft')",
    "INSERT INTO agenda_items (id, meeting_id, position, kind, title, time_limit_minutes, "
    "status, elapsed_seconds) VALUES (1, 1, 4, 'children', 'Children', 30, 'done', 0)",
    "INSERT INTO actions (id, locality_id, meeting_id, item_id, description, owner_member_id, "
    "agency_id, due_date, status, created_by_member_id, created_at, updated_at, "
    "request_reason) VALUES (1, 1, 1, 1, 'not read here', 1, 1, '2026-11-01', "
    "'open', 1, '2026-10-15 10:20:00', '2026-10-15 10:20:00', '')",
]


def _indexes(connection: Connection) -> dict[str, list[str | None]]:
    return {ix["name"]: ix["column_names"] for ix in inspect(connection).get_indexes("actions")}


async def test_the_index_replaces_the_one_on_status_and_comes_off_again(empty_url: str) -> None:
    store = Store(make_engine(empty_url), keys_for_tests())
    try:
        async with store.engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "0005"))
            for statement in ROWS:  # an action already held when the index is built
                await conn.execute(text(statement))
            before = await conn.run_sync(_indexes)
        assert before["ix_actions_status"] == ["status"]
        assert "ix_actions_status_due_date" not in before

        await migrate(store.engine)
        async with store.engine.connect() as conn:
            after = await conn.run_sync(_indexes)
            assert (await conn.execute(text("SELECT count(*) FROM actions"))).scalar_one() == 1
        assert after["ix_actions_status_due_date"] == NEW
        assert "ix_actions_status" not in after

        async with store.engine.connect() as conn:
            # As bot.store.db.migrate does: a later migration rebuilds a table others
            # refer to (SQLite's batch mode), which the foreign-key check would refuse.
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "0005"))
            await conn.commit()
            undone = await conn.run_sync(_indexes)
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        assert undone == before
    finally:
        await store.close()
