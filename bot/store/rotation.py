"""Re-encrypting the store under the primary data key, while the bot keeps running.

Rows are taken in small batches, each in its own short transaction, and each row is
written back only if it still holds the value that was read (``WHERE id = :id AND col =
:old``), so a change the bot makes meanwhile is never overwritten: that row is already
under the new key, because the bot encrypts with the ring's primary, which a file-backed
ring re-reads when ``mace-bot keys rotate`` writes it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, Text, and_, column, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import TableClause

from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import EncryptedText, KeyRing, UnreadableValue, subject_index
from bot.store.db import Store


def encrypted_columns() -> Iterator[tuple[str, str]]:
    """(table, column) of every encrypted column, from the models themselves."""
    for tbl in t.Base.metadata.sorted_tables:
        for col in tbl.columns:
            if isinstance(col.type, EncryptedText):
                yield tbl.name, col.name


@dataclass
class RotationReport:
    primary: str
    rewritten: Counter[str] = field(default_factory=Counter)
    unreadable: Counter[str] = field(default_factory=Counter)
    #: Values per key id after the run (what a key retirement must wait for).
    in_use: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.unreadable


async def rotate(store: Store, *, batch: int = 500, actor: str = "cli") -> RotationReport:
    """Re-encrypt every value (and re-index every subject) under the primary key."""
    keys = store.keys
    report = RotationReport(primary=keys.primary)
    for table_name, column_name in encrypted_columns():
        await _rewrite_column(store, keys, table_name, column_name, batch, report, actor)
    await _reindex_subjects(store, keys, batch, report, actor)
    report.in_use = await key_usage(store)
    return report


async def key_usage(store: Store) -> Counter[str]:
    """How many stored values each key id holds."""
    keys = store.keys
    used: Counter[str] = Counter()
    async with store.engine.connect() as conn:
        for table_name, column_name in encrypted_columns():
            tbl = table(table_name, column(column_name, Text))
            result = await conn.stream(select(tbl.c[column_name]))
            async for (value,) in result:
                if value is not None:
                    try:
                        used[keys.key_of(value)] += 1
                    except UnreadableValue:
                        used["(unreadable)"] += 1
    return used


RowWork = Callable[[AsyncSession, Sequence[Sequence[Any]]], Awaitable[int]]


async def _in_batches(
    store: Store,
    tbl: TableClause,
    columns: Sequence[str],
    batch: int,
    actor: str,
    work: RowWork,
    *,
    report: RotationReport,
    counted_as: str,
    column_name: str,
) -> None:
    """Hand ``work`` the rows of ``tbl`` (id first) ``batch`` at a time, each batch in a
    short transaction of its own so the bot keeps writing meanwhile; what a batch
    rewrote is counted and noted in the audit trail in the same transaction."""
    last: Any = "" if isinstance(tbl.c.id.type, String) else 0
    while True:
        async with store.transaction() as session:
            audit.act_as(session, actor)
            query = select(tbl.c.id, *(tbl.c[name] for name in columns))
            rows = (
                await session.execute(query.where(tbl.c.id > last).order_by(tbl.c.id).limit(batch))
            ).all()
            if not rows:
                return
            last = rows[-1][0]
            done = await work(session, rows)
            if done:
                report.rewritten[counted_as] += done
                audit.note(
                    session,
                    audit.AuditAction.REKEY,
                    tbl.name,
                    detail=f"{column_name}: {done} values to key {report.primary}",
                )


async def _rewrite_column(
    store: Store,
    keys: KeyRing,
    table_name: str,
    column_name: str,
    batch: int,
    report: RotationReport,
    actor: str,
) -> None:
    context = f"{table_name}.{column_name}"
    # Keys are integers, except the random text keys of anonymous ratings.
    key_type = (
        String if isinstance(t.Base.metadata.tables[table_name].c.id.type, String) else Integer
    )
    tbl = table(table_name, column("id", key_type), column(column_name, Text))
    col = tbl.c[column_name]

    async def rewrite(session: AsyncSession, rows: Sequence[Sequence[Any]]) -> int:
        done = 0
        for row_id, value in rows:
            if value is None:
                continue
            try:
                if keys.key_of(value) == report.primary:
                    continue
                fresh = keys.encrypt(keys.decrypt(value, context), context)
            except UnreadableValue:
                report.unreadable[context] += 1
                continue
            result = await session.execute(
                update(tbl).where(and_(tbl.c.id == row_id, col == value)).values({col: fresh})
            )
            done += result.rowcount  # type: ignore[attr-defined]
        return done

    await _in_batches(
        store,
        tbl,
        [column_name],
        batch,
        actor,
        rewrite,
        report=report,
        counted_as=context,
        column_name=column_name,
    )


async def _reindex_subjects(
    store: Store, keys: KeyRing, batch: int, report: RotationReport, actor: str
) -> None:
    subjects = table(
        "subjects",
        column("id", Integer),
        column("locality_id", Integer),
        column("kind", String),
        column("reference", Text),
        column("reference_index", String),
    )
    prefix = f"{report.primary}:"

    async def reindex(session: AsyncSession, rows: Sequence[Sequence[Any]]) -> int:
        done = 0
        for row_id, locality_id, kind, reference, index in rows:
            if index.startswith(prefix):
                continue
            try:
                clear = keys.decrypt(reference, "subjects.reference")
            except UnreadableValue:
                report.unreadable["subjects.reference_index"] += 1
                continue
            await session.execute(
                update(subjects)
                .where(subjects.c.id == row_id)
                .values(reference_index=subject_index(keys, locality_id, kind, clear))
            )
            done += 1
        return done

    await _in_batches(
        store,
        subjects,
        ["locality_id", "kind", "reference", "reference_index"],
        batch,
        actor,
        reindex,
        report=report,
        counted_as="subjects.reference_index",
        column_name="reference_index",
    )
