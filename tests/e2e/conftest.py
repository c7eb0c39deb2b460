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


# The whole bot with the pages' local sign-in (tests/web/conftest.py): downloads are from
# signed-in pages (issue 17), so the tests that download use it.
from tests.web.conftest import site  # noqa: E402, F401
