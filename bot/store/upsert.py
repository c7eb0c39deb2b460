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
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    index_elements: Sequence[str],
    *,
    update: Mapping[str, Any] | None = None,
) -> Any:
    """The statement: insert ``values`` (None: the rows are given when it is executed, as
    an executemany); where a row with the same ``index_elements`` exists, leave it (no
    ``update``) or set the columns in ``update`` on it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    if values is not None:
        statement = statement.values(values if isinstance(values, Mapping) else list(values))
    if update is None:
        return statement.on_conflict_do_nothing(index_elements=list(index_elements))
    return statement.on_conflict_do_update(index_elements=list(index_elements), set_=update)


async def insert_ignoring_duplicates(
    executor: AsyncSession | AsyncConnection,
    table: Table,
    rows: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    index_elements: Sequence[str],
) -> int:
    """Insert one row (a mapping) or many (a sequence of them), skipping any whose
    ``index_elements`` already exist, also when another process inserts them at the same
    moment. Returns how many rows were inserted.

    One row is one statement with its values bound. Many rows are one batched statement
    (an executemany that SQLAlchemy sends as multi-row INSERTs, compiled once and cached,
    counted by what it returns): a statement with thousands of values inlined would be
    compiled anew each time."""
    bind = executor.get_bind() if isinstance(executor, AsyncSession) else executor
    dialect = bind.dialect.name
    if isinstance(rows, Mapping):
        result = await executor.execute(on_conflict(dialect, table, rows, index_elements))
        return int(getattr(result, "rowcount", 0) or 0)
    if not rows:
        return 0
    statement = on_conflict(dialect, table, None, index_elements).returning(
        *(table.c[name] for name in index_elements)
    )
    result = await executor.execute(statement, [dict(row) for row in rows])
    return len(result.all())
