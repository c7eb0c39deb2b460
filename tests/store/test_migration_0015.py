"""Migration 0015: the open actions by group and by owner (in due-date order) are indexed,
the index on owner alone gives way, on a store that already holds actions; and all of it
comes off again on downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from bot.store.db import Store, _alembic_config, make_engine, migrate
from tests.store.test_migration_0006 import ROWS, _indexes
from tests.support.keys import keys_for_tests

BY_GROUP = ["status", "locality_id", "due_date", "id", "agency_id", "owner_member_id"]
BY_OWNER = ["owner_member_id", "status", "due_date", "id", "locality_id", "agency_id"]


async def test_the_indexes_come_and_go_with_the_migration(empty_url: str) -> None:
    store = Store(make_engine(empty_url), keys_for_tests())
    try:
        async with store.engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(_alembic_config(c), "0014"))
            for statement in ROWS:  # an action already held when the indexes are built
                await conn.execute(text(statement))
            before = await conn.run_sync(_indexes)
        assert before["ix_actions_owner_member_id"] == ["owner_member_id"]
        assert "ix_actions_status_locality" not in before

        await migrate(store.engine)
        async with store.engine.connect() as conn:
            after = await conn.run_sync(_indexes)
            assert (await conn.execute(text("SELECT count(*) FROM actions"))).scalar_one() == 1
        assert after["ix_actions_status_locality"] == BY_GROUP
        assert after["ix_actions_owner_status"] == BY_OWNER
        assert "ix_actions_owner_member_id" not in after
        assert {k: v for k, v in after.items() if k in before} == {
            k: v for k, v in before.items() if k != "ix_actions_owner_member_id"
        }

        async with store.engine.connect() as conn:
            await conn.run_sync(lambda c: command.downgrade(_alembic_config(c), "0014"))
            await conn.commit()
            undone = await conn.run_sync(_indexes)
        assert undone == before
    finally:
        await store.close()
