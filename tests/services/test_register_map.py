"""The map's read side on the real store (SQLite and PostgreSQL): read in a fixed number
of statements however large the register, cut at ``MAP_LIMIT`` with the rest counted,
and its view noted in the audit trail once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from bot.domain.clock import FrozenClock
from bot.domain.register_map import MapFilter
from bot.services import register_map
from bot.services.register_map import RegisterMap
from bot.store import tables as t
from bot.store.db import Store
from tests.services.test_register_reads import ALEX, NOW, grow_history, seed_register


async def test_a_map_is_read_in_a_fixed_number_of_statements(demo_store: Store) -> None:
    case = await seed_register(demo_store)
    service = RegisterMap(demo_store, FrozenClock(NOW))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2])[:70])

    engine = demo_store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        await service.map(ALEX, "scarborough", MapFilter(strand="cce"))
        small = len(statements)
        await grow_history(demo_store, case, links=30, years=1)
        statements.clear()
        view = await service.map(ALEX, "scarborough", MapFilter(strand="cce"))
        statements.clear()
        view = await service.map(ALEX, "scarborough", MapFilter())
        large = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(view.subjects) == 34 and len(view.links) == 33
    assert large == small, (small, large)
    reads = [s for s in statements if s.startswith("SELECT")]
    assert len(reads) <= 7, "\n".join(reads)  # the rest: the audit entry, appended


async def test_a_large_register_is_cut_riskiest_first_and_the_rest_counted(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = await seed_register(demo_store)
    monkeypatch.setattr(register_map, "MAP_LIMIT", 2)
    view = await RegisterMap(demo_store, FrozenClock(NOW)).map(ALEX, "scarborough", MapFilter())
    assert [s.subject_id for s in view.subjects] == [case.person, case.child]
    assert view.total == 4 and view.more == 2
    assert [(link.one, link.other) for link in view.links] == [
        tuple(sorted((case.child, case.person)))
    ]
    async with demo_store.reading() as session:
        noted = list(
            await session.scalars(
                select(t.AuditEntry.detail).where(
                    t.AuditEntry.action == "view", t.AuditEntry.record_type == "subjects"
                )
            )
        )
    assert noted == ["register map: 2 of 4 subjects, 1 links"]
