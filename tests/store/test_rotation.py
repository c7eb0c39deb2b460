"""`mace-bot keys rotate`: records written before and after a rotation stay readable, and
once it has run nothing needs the old key."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import select

from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import KeyRing, subject_lookup
from bot.store.db import Store, make_engine
from bot.store.rotation import key_usage, rotate
from tests.store.records import all_texts, write_case_records


@pytest.fixture
async def second_engine(demo_store: Store) -> AsyncIterator[list[Store]]:
    """Stores on their own engines (as another process would have) over the same data."""
    opened: list[Store] = []
    yield opened
    for store in opened:
        await store.close()


def reopen(store: Store, keys: KeyRing, opened: list[Store]) -> Store:
    url = store.engine.url.render_as_string(hide_password=False)
    fresh = Store(make_engine(url), keys)
    opened.append(fresh)
    return fresh


async def test_rotation_rewrites_everything_under_the_new_key(
    demo_store: Store, second_engine: list[Store]
) -> None:
    await write_case_records(demo_store, "before rotation", "CR-0001")
    rotated_keys = demo_store.keys.with_new_primary("k2")
    bot = reopen(demo_store, rotated_keys, second_engine)
    # The bot, already on the new primary, writes while old rows are still under the old.
    await write_case_records(bot, "after rotation", "CR-0002")
    assert set(await key_usage(bot)) == {"test", "k2"}

    report = await rotate(bot, batch=3, actor="cli:test")
    assert report.ok and sum(report.rewritten.values()) > 10
    assert set(report.in_use) == {"k2"}, "nothing is left under the old key"

    # A ring holding the new key alone reads every record, old and new.
    only_new = reopen(demo_store, KeyRing({"k2": rotated_keys._keys["k2"]}, "k2"), second_engine)
    texts = await all_texts(only_new)
    assert any("before rotation" in x for x in texts)
    assert any("after rotation" in x for x in texts)
    # Subjects are still found by reference after their index was recomputed.
    async with only_new.reading() as session:
        locality = await session.scalar(
            select(t.Locality.id).where(t.Locality.code == "scarborough")
        )
        assert locality is not None
        found = await session.scalar(
            select(t.Subject.id).where(
                t.Subject.reference_index.in_(
                    subject_lookup(only_new.keys, locality, "child", "CR-0001")
                )
            )
        )
    assert found is not None

    verdict = await audit.verify_store(bot.engine)
    assert verdict.ok
    async with bot.reading() as session:
        rekeys = list(
            await session.scalars(select(t.AuditEntry).where(t.AuditEntry.action == "rekey"))
        )
    assert rekeys and all(e.actor == "cli:test" for e in rekeys)
    assert all("before rotation" not in e.detail for e in rekeys)


class MeddlingRing(KeyRing):
    """Makes the bot edit an action just after the rotation has read it (from another
    thread and engine, as another process would), so the rotation's write races it."""

    def __init__(self, base: KeyRing, edit: Callable[[], Awaitable[None]]) -> None:
        super().__init__(base._keys, base.primary)
        self.edit, self.edited = edit, False

    def decrypt(self, token: str, context: str) -> str:
        clear = super().decrypt(token, context)
        if context == "actions.description" and not self.edited:
            self.edited = True
            worker = threading.Thread(target=lambda: asyncio.run(self.edit()))
            worker.start()
            worker.join()
        return clear


async def test_rotation_never_overwrites_a_change_made_meanwhile(
    demo_store: Store, second_engine: list[Store]
) -> None:
    ids = await write_case_records(demo_store, "original", "CR-0003")
    url = demo_store.engine.url.render_as_string(hide_password=False)
    new_keys = demo_store.keys.with_new_primary("k2")

    async def bot_edits() -> None:
        bot = Store(make_engine(url), new_keys)
        try:
            async with bot.transaction() as session:
                action = await session.get_one(t.Action, ids["action"])
                action.description = "edited by the bot during rotation"
        finally:
            await bot.close()

    meddling = MeddlingRing(new_keys, bot_edits)
    rotated = reopen(demo_store, meddling, second_engine)
    report = await rotate(rotated, batch=1000)
    assert meddling.edited and report.ok
    assert report.rewritten["actions.description"] == 0, "the stale write matched nothing"
    async with rotated.reading() as session:
        action = await session.get_one(t.Action, ids["action"])
        assert action.description == "edited by the bot during rotation"
    assert set(await key_usage(rotated)) == {"k2"}


async def test_a_value_altered_in_the_database_is_reported_not_rewritten(
    demo_store: Store, second_engine: list[Store]
) -> None:
    from sqlalchemy import text

    ids = await write_case_records(demo_store, "to be altered", "CR-0004")
    async with demo_store.engine.begin() as conn:
        raw = (
            await conn.execute(
                text("SELECT description FROM actions WHERE id = :id"), {"id": ids["action"]}
            )
        ).scalar_one()
        altered = raw[:-6] + ("AAAA==" if not raw.endswith("AAAA==") else "BBBB==")
        await conn.execute(
            text("UPDATE actions SET description = :v WHERE id = :id"),
            {"v": altered, "id": ids["action"]},
        )
    rotated = reopen(demo_store, demo_store.keys.with_new_primary("k2"), second_engine)
    report = await rotate(rotated)
    assert not report.ok and report.unreadable["actions.description"] == 1
