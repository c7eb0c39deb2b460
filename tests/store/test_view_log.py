"""Views are audited in batches (audit.ViewLog): every view is recorded, by whom, before
its reader goes on; many views arriving together share one transaction on the chain's
lock; and a view whose entry cannot be written is not shown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store, make_engine

WHEN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def look(store: Store, who: int) -> str:
    async with store.reading() as session:
        audit.act_as(session, f"member:{who}")
        audit.context_of(session).now = WHEN
        audit.note(session, audit.AuditAction.VIEW, "actions", detail=f"my actions: {who}")
        return "shown"


async def test_twenty_views_at_once_are_all_recorded_in_few_transactions(
    demo_store: Store,
) -> None:
    commits: list[int] = []
    event.listen(demo_store.engine.sync_engine, "commit", lambda _conn: commits.append(1))
    shown = await asyncio.gather(*(look(demo_store, n) for n in range(20)))
    assert shown == ["shown"] * 20
    async with demo_store.reading() as session:
        rows = (
            await session.execute(
                select(t.AuditEntry.actor, t.AuditEntry.detail).where(
                    t.AuditEntry.action == audit.AuditAction.VIEW
                )
            )
        ).all()
    assert sorted(rows) == sorted((f"member:{n}", f"my actions: {n}") for n in range(20))
    assert len(commits) < 20, f"{len(commits)} transactions for 20 views"
    verdict = await audit.verify_store(demo_store.engine)
    assert verdict.ok


async def test_a_view_whose_entry_cannot_be_written_is_not_shown(demo_store: Store) -> None:
    def refuse(conn, cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if "INSERT INTO audit_log" in statement:  # alone, or in a CTE (PostgreSQL)
            raise OperationalError(statement, {}, Exception("disk full"))

    event.listen(demo_store.engine.sync_engine, "before_cursor_execute", refuse)
    try:
        with pytest.raises(OperationalError):
            await look(demo_store, 1)
    finally:
        event.remove(demo_store.engine.sync_engine, "before_cursor_execute", refuse)
    assert await look(demo_store, 2) == "shown", "the next view is recorded as usual"
    verdict = await audit.verify_store(demo_store.engine)
    assert verdict.ok


def statements_on(store: Store) -> list[str]:
    """Every statement the store's engine sends, as sent."""
    seen: list[str] = []
    event.listen(
        store.engine.sync_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: seen.append(statement),
    )
    return seen


async def view_entries(store: Store) -> list[tuple[str, str]]:
    async with store.reading() as session:
        rows = await session.execute(
            select(t.AuditEntry.actor, t.AuditEntry.detail)
            .where(t.AuditEntry.action == audit.AuditAction.VIEW)
            .order_by(t.AuditEntry.id)
        )
        return [(row.actor, row.detail) for row in rows]


async def test_on_postgresql_a_batch_on_the_known_head_is_one_statement(
    demo_store: Store,
) -> None:
    if demo_store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes every batch in a transaction: there is no one-statement path")
    await look(demo_store, 1)  # the first batch learns where the head is, the long way
    seen = statements_on(demo_store)
    await look(demo_store, 2)
    writes = [s for s in seen if "audit_" in s]
    assert len(writes) == 1 and "WHERE id = 1 AND last_id" in writes[0], writes
    assert not [s for s in seen if s.strip().upper() in ("BEGIN", "COMMIT")], seen
    assert await view_entries(demo_store) == [
        ("member:1", "my actions: 1"),
        ("member:2", "my actions: 2"),
    ]
    assert (await audit.verify_store(demo_store.engine)).ok


async def test_a_head_moved_elsewhere_is_followed_under_the_lock_and_nothing_is_lost(
    demo_store: Store,
) -> None:
    """Another instance (a second Store on the same database) moves the head between two
    views of this one: the second view's one statement finds the head gone and writes
    nothing, and the batch is written the long way, once, onto the true head."""
    other = Store(make_engine(demo_store.engine.url.render_as_string(False)), demo_store.keys)
    try:
        await look(demo_store, 1)
        await look(other, 2)
        seen = statements_on(demo_store)
        await look(demo_store, 3)
        assert await view_entries(demo_store) == [
            ("member:1", "my actions: 1"),
            ("member:2", "my actions: 2"),
            ("member:3", "my actions: 3"),
        ]
        if demo_store.engine.dialect.name == "postgresql":
            tried = [s for s in seen if "WHERE id = 1 AND last_id" in s]
            assert len(tried) == 1, "the known head was tried once, and found moved"
        assert (await audit.verify_store(demo_store.engine)).ok
    finally:
        await other.close()


async def test_a_write_tells_the_views_where_it_left_the_chain(demo_store: Store) -> None:
    """A committed write on the same store moves the known head with it, so the views
    after it still take the one-statement path (PostgreSQL) and chain correctly."""
    await look(demo_store, 1)
    async with demo_store.transaction(now=WHEN) as session:
        audit.act_as(session, "member:9")
        audit.note(session, audit.AuditAction.CHANGE, "actions", detail="a write")
    seen = statements_on(demo_store)
    await look(demo_store, 2)
    if demo_store.engine.dialect.name == "postgresql":
        assert not [s for s in seen if "FOR UPDATE" in s or s.strip() == "BEGIN"], seen
    assert [d for _, d in await view_entries(demo_store)] == ["my actions: 1", "my actions: 2"]
    assert (await audit.verify_store(demo_store.engine)).ok


async def test_two_instances_viewing_and_writing_at_once_keep_one_unbroken_chain(
    demo_store: Store,
) -> None:
    other = Store(make_engine(demo_store.engine.url.render_as_string(False)), demo_store.keys)

    async def write(store: Store, n: int) -> None:
        async with store.transaction(now=WHEN) as session:
            audit.act_as(session, f"member:{n}")
            audit.note(session, audit.AuditAction.CHANGE, "actions", detail=f"write {n}")

    try:
        work = [look(demo_store, n) for n in range(30)]
        work += [look(other, 100 + n) for n in range(30)]
        work += [write(demo_store if n % 2 else other, 200 + n) for n in range(10)]
        await asyncio.gather(*work)
        views = await view_entries(demo_store)
        assert sorted(views) == sorted(
            (f"member:{n}", f"my actions: {n}") for n in [*range(30), *range(100, 130)]
        )
        verdict = await audit.verify_store(demo_store.engine)
        assert verdict.ok, verdict.problem
    finally:
        await other.close()
