"""The PostgreSQL pool keeps its connections: a busy moment does not make the bot connect
again and again (each connection is a new PostgreSQL backend)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from bot.store.db import POOL_SIZE, make_engine
from tests.conftest import POSTGRES_URL


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_POSTGRES_URL (PostgreSQL)")
async def test_twenty_turns_at_once_reuse_the_connections_of_the_last_twenty() -> None:
    engine = make_engine(POSTGRES_URL)
    connects: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda *_: connects.append(1))
    release, all_in = asyncio.Event(), asyncio.Event()
    inside = [0]

    async def turn() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            inside[0] += 1
            if inside[0] == POOL_SIZE:
                all_in.set()
            await release.wait()

    try:
        for wave in range(3):
            release.clear()
            all_in.clear()
            inside[0] = 0
            turns = [asyncio.create_task(turn()) for _ in range(POOL_SIZE)]
            async with asyncio.timeout(30):
                await all_in.wait()  # every connection in use at once
                release.set()
                await asyncio.gather(*turns)
            assert len(connects) == POOL_SIZE, f"wave {wave + 1} opened new connections"
    finally:
        await engine.dispose()
