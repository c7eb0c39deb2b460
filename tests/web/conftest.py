from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.e2e.harness import BotUnderTest, running_bot


@pytest.fixture
async def site(demo_store: Store, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    """The whole bot, chat and pages, with the local stand-in sign-in on."""
    async with running_bot(demo_store, clock, Settings(web_stand_in=True)) as running:
        yield running
