"""Insert rows, skipping (or updating) those whose key is already there, on either store.

SQLite and PostgreSQL both spell this ``INSERT ... ON CONFLICT``, but SQLAlchemy builds it
from each dialect's own ``insert``: this picks the one for the connection at hand, so a
claim, an outbox row or a heartbeat is one statement that never fails on a duplicate
(and PostgreSQL logs no error for an ordinary repeat).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def on_conflict(
    dialect: str,
    table: Table,
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    index_elements: Sequence[str],
    *,
    update: Mapping[str, Any] | None = None,
) -> Any:
    """The statement: insert ``values``; where a row with the same ``index_elements``
    exists, leave it (no ``update``) or set the columns in ``update`` on it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(values if isinstance(values, Mapping) else list(values))
    if update is None:
        return statement.on_conflict_do_nothing(index_elements=list(index_elements))
    return statement.on_conflict_do_update(index_elements=list(index_elements), set_=update)


async def insert_ignoring_duplicates(
    executor: AsyncSession | AsyncConnection,
    table: Table,
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    index_elements: Sequence[str],
) -> int:
    """Insert ``values`` (one row or several), skipping any whose ``index_elements``
    already exist, also when another process inserts them at the same moment. Returns
    how many rows were inserted."""
    if not isinstance(values, Mapping) and not values:
        return 0
    bind = executor.get_bind() if isinstance(executor, AsyncSession) else executor
    statement = on_conflict(bind.dialect.name, table, values, index_elements)
    result = await executor.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def insert_many_ignoring_duplicates(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    index_elements: Sequence[str],
) -> int:
    """Insert many ``rows`` as one batched statement (an executemany that SQLAlchemy sends
    as multi-row INSERTs, compiled once and cached), skipping any whose ``index_elements``
    already exist, also when another process inserts them at the same moment. Faster than
    ``insert_ignoring_duplicates`` for thousands of rows, whose one statement with every
    value inlined is compiled anew each time. Returns how many rows were inserted."""
    if not rows:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=list(index_elements))
        .returning(*(table.c[name] for name in index_elements))
    )
    result = await session.execute(statement, [dict(row) for row in rows])
    return len(result.all())
