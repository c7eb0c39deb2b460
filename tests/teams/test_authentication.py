"""With APP_ID set, Bot Framework authentication is on: an unsigned activity is refused
before any handler runs, and nothing is written."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.e2e.harness import running_bot
from tests.e2e.scenario import row_counts
from tests.support.activities import message


async def test_an_unsigned_activity_is_refused_when_an_app_id_is_set(
    demo_store: Store, clock: FrozenClock
) -> None:
    settings = Settings(
        APP_ID="11111111-2222-3333-4444-555555555555",
        APP_PASSWORD="not-a-real-secret",
        APP_TENANTID="00000000-0000-0000-0000-0000000000001",
    )
    async with running_bot(demo_store, clock, settings) as bot:
        before = await row_counts(demo_store)
        status, _ = await bot.send(message("start meeting", conversation="channel"))
        assert status == 401
        assert bot.connector.calls == []
        assert await row_counts(demo_store) == before


async def test_without_an_app_id_local_activities_are_accepted(
    demo_store: Store, clock: FrozenClock
) -> None:
    async with running_bot(demo_store, clock) as bot:
        status, _ = await bot.send(message("help"))
        assert status in (200, 201)
        assert "help" in bot.connector.texts()[-1].lower()
