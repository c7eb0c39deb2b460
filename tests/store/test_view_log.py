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
from bot.store.db import Store

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
