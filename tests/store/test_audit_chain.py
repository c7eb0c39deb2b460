"""The audit trail: complete, free of case content, append-only, and tamper-evident."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store
from tests.store.records import write_case_records

TAG = "Sentinel 8J3"


async def entries(store: Store, after: int = 0) -> list[t.AuditEntry]:
    async with store.reading() as session:
        return list(
            await session.scalars(
                select(t.AuditEntry).where(t.AuditEntry.id > after).order_by(t.AuditEntry.id)
            )
        )


async def head(store: Store) -> int:
    async with store.reading() as session:
        return int(await session.scalar(select(t.AuditHead.last_id)) or 0)


async def test_every_record_written_is_in_the_trail_by_name_not_content(
    demo_store: Store,
) -> None:
    before = await head(demo_store)
    ids = await write_case_records(demo_store, TAG)
    written = await entries(demo_store, before)
    kinds = {(e.action, e.record_type) for e in written}
    for table in (
        "meetings",
        "agenda_items",
        "subjects",
        "attendance",
        "minute_entries",
        "actions",
        "action_events",
        "share_rounds",
        "round_turns",
        "challenges",
    ):
        assert ("create", table) in kinds, table
    assert ("create", "actions", str(ids["action"])) in {
        (e.action, e.record_type, e.record_id) for e in written
    }
    flat = repr([(e.actor, e.detail, e.reason, e.record_id) for e in written])
    assert TAG not in flat and "CR-0001" not in flat
    assert all(e.locality_id is not None for e in written if e.record_type == "actions")


async def test_a_change_names_the_fields_and_who(demo_store: Store) -> None:
    ids = await write_case_records(demo_store, TAG)
    before = await head(demo_store)
    async with demo_store.transaction() as session:
        audit.act_as(session, "member:7")
        action = await session.get_one(t.Action, ids["action"])
        action.description = f"Changed {TAG}"
        action.status = "done"
    (entry,) = await entries(demo_store, before)
    assert (entry.action, entry.record_type, entry.record_id) == (
        "change",
        "actions",
        str(ids["action"]),
    )
    assert entry.detail == "description,status" and entry.actor == "member:7"


async def test_rolled_back_work_leaves_no_entry(demo_store: Store) -> None:
    before = await head(demo_store)
    with pytest.raises(RuntimeError):
        async with demo_store.transaction() as session:
            session.add(t.Agency(code="extra", name="Extra agency", sort_order=1))
            await session.flush()
            raise RuntimeError("abandoned")
    assert await head(demo_store) == before
    assert (await audit.verify_store(demo_store.engine)).ok


async def test_the_application_cannot_update_delete_or_truncate_the_trail(
    demo_store: Store,
) -> None:
    statements = ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"]
    if demo_store.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")
    for statement in statements:
        with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
            async with demo_store.engine.begin() as conn:
                await conn.execute(text(statement))
    assert (await audit.verify_store(demo_store.engine)).ok


async def tamper(store: Store, *statements: str) -> None:
    """What someone with the database owner's powers could do: lift the guard, edit."""
    async with store.engine.begin() as conn:
        if store.engine.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            await conn.execute(text("DROP TRIGGER audit_log_no_update"))
            await conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        for statement in statements:
            await conn.execute(text(statement))


async def test_an_intact_trail_verifies(demo_store: Store) -> None:
    await write_case_records(demo_store, TAG)
    verdict = await audit.verify_store(demo_store.engine)
    assert verdict.ok and verdict.entries == await head(demo_store) > 20


@pytest.mark.parametrize(
    ("statements", "first_broken", "problem"),
    [
        (["UPDATE audit_log SET actor = 'member:1' WHERE id = 12"], 12, "changed"),
        (["UPDATE audit_log SET record_id = '999' WHERE id = 30"], 30, "changed"),
        (["DELETE FROM audit_log WHERE id = 9"], 9, "missing"),
        (
            # Swap two whole rows, hashes and all: each still hashes right on its own.
            [
                "UPDATE audit_log SET id = -5 WHERE id = 5",
                "UPDATE audit_log SET id = 5 WHERE id = 6",
                "UPDATE audit_log SET id = 6 WHERE id = -5",
            ],
            5,
            "does not follow",
        ),
        (["DELETE FROM audit_log WHERE id > 40"], 41, "removed"),
        (
            # A row rewritten with a freshly computed hash breaks the next link instead.
            ["UPDATE audit_log SET actor = 'x', hash = 'f' WHERE id = 3"],
            3,
            "changed",
        ),
    ],
    ids=["edit-actor", "edit-record", "delete-middle", "reorder", "cut-tail", "rehash"],
)
async def test_tampering_is_found_at_the_first_broken_link(
    demo_store: Store, statements: list[str], first_broken: int, problem: str
) -> None:
    await write_case_records(demo_store, TAG)
    await tamper(demo_store, *statements)
    verdict = await audit.verify_store(demo_store.engine)
    assert not verdict.ok
    assert verdict.broken_at == first_broken and problem in verdict.problem


async def test_a_forged_link_with_a_valid_hash_is_still_caught_by_the_next(
    demo_store: Store,
) -> None:
    await write_case_records(demo_store, TAG)
    rows = await entries(demo_store)
    target = rows[10]
    forged = {c.name: getattr(target, c.name) for c in t.AuditEntry.__table__.columns} | {
        "actor": "member:99"
    }
    forged["hash"] = audit.link_hash(forged)
    await tamper(
        demo_store,
        f"UPDATE audit_log SET actor = 'member:99', hash = '{forged['hash']}' "
        f"WHERE id = {target.id}",
    )
    verdict = await audit.verify_store(demo_store.engine)
    assert verdict.broken_at == target.id + 1 and "does not follow" in verdict.problem


async def test_concurrent_writers_keep_one_unbroken_chain(demo_store: Store) -> None:
    import asyncio

    await asyncio.gather(
        *(write_case_records(demo_store, f"{TAG} {n}", f"CR-00{n:02}") for n in range(6))
    )
    verdict = await audit.verify_store(demo_store.engine)
    assert verdict.ok and verdict.entries == await head(demo_store)
