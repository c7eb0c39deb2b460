"""A read (``Store.reading``) writes nothing, whatever the code inside it does, and on
PostgreSQL it runs without a transaction of its own (no BEGIN, no ROLLBACK: two round
trips of every read), seeing each statement's own snapshot as it did before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.store import tables as t
from bot.store.db import Store, WriteInRead


async def _agencies(store: Store) -> int:
    async with store.reading() as session:
        return int(await session.scalar(select(func.count(t.Agency.id))) or 0)


async def test_a_new_row_added_in_a_read_is_refused_and_not_kept(demo_store: Store) -> None:
    before = await _agencies(demo_store)
    with pytest.raises(WriteInRead):
        async with demo_store.reading() as session:
            session.add(t.Agency(name="Written in a read"))
            await session.flush()
    assert await _agencies(demo_store) == before


async def test_a_change_to_a_loaded_row_in_a_read_is_refused_and_not_kept(
    demo_store: Store,
) -> None:
    with pytest.raises(WriteInRead):
        async with demo_store.reading() as session:
            agency = await session.scalar(select(t.Agency).order_by(t.Agency.id))
            assert agency is not None
            agency.name = "Renamed in a read"
            # A query autoflushes the change first: refused there.
            await session.scalar(select(func.count(t.Agency.id)))
    async with demo_store.reading() as session:
        names = set(await session.scalars(select(t.Agency.name)))
    assert "Renamed in a read" not in names


async def test_a_read_on_postgresql_runs_outside_a_transaction(demo_store: Store) -> None:
    if demo_store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's driver opens no transaction for a SELECT: nothing to save")
    async with demo_store.reading() as session:
        await session.scalar(select(func.count(t.Agency.id)))
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
        assert driver is not None and not driver.is_in_transaction()
    # A write still runs in one, so the check above can tell them apart.
    async with demo_store.transaction() as session:
        await session.scalar(select(func.count(t.Agency.id)))
        driver = (await (await session.connection()).get_raw_connection()).driver_connection
        assert driver is not None and driver.is_in_transaction()
