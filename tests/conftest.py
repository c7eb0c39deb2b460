"""Shared fixtures: a real store on SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set.

Each PostgreSQL test gets a schema of its own (dropped afterwards), so tests never see
each other's rows and the `test` database is left as found.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.domain.clock import FrozenClock
from bot.services.reference_data import DEMO_DATA, load_reference_data, read_data_file
from bot.store.db import Store, make_engine, migrate, sqlite_url

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
ENGINES = ["sqlite", "postgresql"]

# A Thursday in term time, mid-morning in London.
MEETING_DAY = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)


def pytest_report_header(config: pytest.Config) -> str:
    return "PostgreSQL tests: " + (
        POSTGRES_URL if POSTGRES_URL else "SKIPPED (set TEST_POSTGRES_URL to run them)"
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MEETING_DAY)


async def _store_for(engine_name: str, tmp_path: Path) -> AsyncIterator[Store]:
    if engine_name == "sqlite":
        store = Store(make_engine(sqlite_url(tmp_path / "data")))
        await migrate(store.engine)
        yield store
        await store.close()
        return
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL not configured: set TEST_POSTGRES_URL, e.g. "
            "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    store = Store(
        make_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
    )
    try:
        await migrate(store.engine)
        yield store
    finally:
        await store.close()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """An empty, migrated store on each engine."""
    async for s in _store_for(request.param, tmp_path):
        yield s


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    async for s in _store_for("sqlite", tmp_path):
        yield s


@pytest.fixture
async def demo_store(store: Store, clock: FrozenClock) -> Store:
    """A store on each engine loaded with the demo localities, agencies and members."""
    await load_reference_data(store, read_data_file(DEMO_DATA), clock.now())
    return store
