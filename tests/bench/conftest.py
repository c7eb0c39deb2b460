"""The benchmark's seeded store on each engine, and the bot serving it as the benchmark
configures ``mace-bot serve``.

The store is seeded once per test session by bench.seed itself (as a template, like
tests/conftest.py's ``Templates``) and copied for each test, so every test starts from
the same seeded store and sees no other test's requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bench.seed import seed
from bench.servers import bot_command
from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.store.db import Store
from tests.bench.harness import ACTIONS, BenchBot
from tests.conftest import ENGINES, MEETING_DAY, Templates
from tests.e2e.harness import running_bot


class BenchTemplates(Templates):
    """One template per engine, filled by the benchmark's own seed."""

    KINDS = ("bench",)

    @staticmethod
    async def _fill(store: Store, kind: str) -> None:
        url = store.engine.url.render_as_string(hide_password=False)
        keys = store.keys
        await store.close()  # the seed opens the store at its url itself, as bench.run does
        await seed(url, keys, ACTIONS, now=MEETING_DAY)


@pytest.fixture(scope="session")
def bench_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    built = BenchTemplates(tmp_path_factory.mktemp("bench-templates"))
    asyncio.run(built.build())
    yield built
    asyncio.run(built.drop())


@pytest.fixture(params=ENGINES)
async def bench_store(
    request: pytest.FixtureRequest, tmp_path: Path, bench_templates: Templates
) -> AsyncIterator[Store]:
    """A copy of the benchmark's seeded store, on each engine."""
    async for s in bench_templates.open(request.param, "bench", tmp_path):
        yield s


@pytest.fixture
async def bench(bench_store: Store, clock: FrozenClock, tmp_path: Path) -> AsyncIterator[BenchBot]:
    """The bot with the settings the benchmark starts ``mace-bot serve`` with (the pages'
    stand-in sign-in on, jobs off), on the seeded store, at the seed's "now"."""
    url = bench_store.engine.url.render_as_string(hide_password=False)
    _argv, env = bot_command(url, tmp_path / "bot-data", 0)
    async with running_bot(bench_store, clock, Settings.from_env(env)) as bot:
        yield BenchBot(bot, bench_store)
