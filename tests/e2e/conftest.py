from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.e2e.harness import BotUnderTest, running_bot


@pytest.fixture
async def bot(demo_store: Store, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    async with running_bot(demo_store, clock) as running:
        yield running
