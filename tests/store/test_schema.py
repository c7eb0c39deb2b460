"""The Alembic migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from bot.store.db import Store, migrate
from bot.store.tables import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_match_the_models(store: Store) -> None:
    async with store.engine.connect() as conn:
        diff = await conn.run_sync(_differences)
    # Any difference at all means a model changed without a migration (or the reverse).
    assert diff == []


async def test_migrating_twice_changes_nothing(store: Store) -> None:
    await migrate(store.engine)
    async with store.engine.connect() as conn:
        assert await conn.run_sync(_differences) == []
