"""Rows into a bench store fast, with every value bound exactly as the bot's own ``INSERT``
binds it.

On PostgreSQL the rows go in by ``COPY`` (asyncpg's binary ``copy_records_to_table`` on
one of the Store's own connections) after each value has been through its column's bind
processor for the engine's dialect: the same ``process_bind_param`` the bot's writes run,
so an encrypted column is encrypted with the engine's key ring (a fresh nonce per value,
its ``table.column`` bound in as associated data) and a UTC moment stored as the bot
stores it. Elsewhere (SQLite) it is the Core ``INSERT`` in batches that the seed always
used. ``loading`` also drops a table's indexes and foreign keys for a load and makes them
again after it. Together they seed the 100,000-action store in half the time, and the
ten-partnership store (bench/partnerships.py) in 56-68 s with the machine's two cores
partly busy (bench/changes.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

from sqlalchemy import Table, insert, text

from bot.store.db import Store

#: Rows per ``INSERT`` (SQLite) and per ``COPY`` (PostgreSQL).
INSERT_BATCH = 5_000
COPY_BATCH = 10_000


async def insert_rows(store: Store, table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    """``rows`` (dicts with the same keys; columns left out take their scalar Python
    default, else the server's) inserted into ``table``, in order: on PostgreSQL ids from
    the table's sequence follow the rows' order, as with ``INSERT``."""
    batches = iter(_batches(rows, COPY_BATCH if _copies(store) else INSERT_BATCH))
    if not _copies(store):
        for batch in batches:
            async with store.engine.begin() as conn:
                await conn.execute(insert(table), batch)
        return
    async with store.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        columns: list[str] = []
        bind: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None = None

        def next_records() -> list[tuple[Any, ...]] | None:
            nonlocal columns, bind
            batch = next(batches, None)
            if batch is None:
                return None
            if bind is None:
                columns, bind = _binder(store, table, batch[0])
            return [bind(row) for row in batch]

        copying: asyncio.Future[str] | None = None
        try:
            while True:
                # The next batch is made and bound (encrypted) in a thread while the
                # server takes the last one in: the two cores work at once.
                records = await asyncio.to_thread(next_records)
                if copying is not None:
                    await copying
                    copying = None
                if records is None:
                    return
                copying = asyncio.ensure_future(
                    driver.copy_records_to_table(table.name, columns=columns, records=records)
                )
        finally:
            if copying is not None:
                await copying


def _copies(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


def _batches(rows: Iterable[Mapping[str, Any]], size: int) -> Iterable[Sequence[Mapping[str, Any]]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _binder(
    store: Store, table: Table, first: Mapping[str, Any]
) -> tuple[list[str], Callable[[Mapping[str, Any]], tuple[Any, ...]]]:
    """The columns a ``COPY`` names and a function making one row's record: each value
    through its column's bind processor (the dialect's, as a compiled ``INSERT`` uses)."""
    dialect = store.engine.dialect
    given = list(first)
    defaults: list[tuple[str, Any]] = []
    for column in table.columns:
        if column.name in first or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name}: a default the seed cannot copy")
        defaults.append((column.name, getattr(column.default, "arg", None)))
    columns = given + [name for name, _ in defaults]
    steps = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    fixed = [value for _, value in defaults]

    def record(row: Mapping[str, Any]) -> tuple[Any, ...]:
        values = [row[name] for name in given] + fixed
        return tuple(
            step(value) if step is not None else value
            for step, value in zip(steps, values, strict=True)
        )

    return columns, record


#: The secondary indexes and the foreign keys of the tables a load names (not the primary
#: key or unique constraints): what is dropped during the load and made again after it.
_REBUILT = text(
    """
    SELECT 'ALTER TABLE ' || c.conrelid::regclass || ' ADD CONSTRAINT '
           || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid),
           'ALTER TABLE ' || c.conrelid::regclass || ' DROP CONSTRAINT '
           || quote_ident(c.conname)
      FROM pg_constraint c
     WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(:tables)
    UNION ALL
    SELECT pg_get_indexdef(i.indexrelid), 'DROP INDEX ' || i.indexrelid::regclass
      FROM pg_index i
     WHERE i.indrelid::regclass::text = ANY(:tables)
       AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
    """
)


@contextlib.asynccontextmanager
async def loading(store: Store, tables: Sequence[Table]) -> AsyncIterator[None]:
    """A bulk load into ``tables``: on PostgreSQL their secondary indexes and foreign keys
    are dropped for it and made again after it from their own definitions (so the schema
    is the migrated one again, every foreign key checked once over all the rows as it is
    added back), which is far cheaper than maintaining nine indexes and checking seven
    foreign keys row by row for 900,000 actions. Elsewhere it does nothing."""
    if not _copies(store):
        yield
        return
    names = [table.name for table in tables]
    async with store.engine.begin() as conn:
        rebuilt = list((await conn.execute(_REBUILT, {"tables": names})).all())
        for _make, drop in rebuilt:
            await conn.exec_driver_sql(drop)
    yield
    async with store.engine.begin() as conn:
        for make, _drop in rebuilt:
            await conn.exec_driver_sql(make)
