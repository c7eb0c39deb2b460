"""The PostgreSQL pool keeps its connections: a busy moment does not make the bot connect
again and again (each connection is a new PostgreSQL backend), and a connection is checked
before use only when it has sat idle (when it may have been cut), not before every turn."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store import db
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


class _IdleClock:
    """Stands in for the pool's monotonic clock, so idling is a step, not a sleep."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _IdleClock:
    """The pool's clock, moved by the test."""
    idle = _IdleClock()
    monkeypatch.setattr(db, "_monotonic", idle)
    return idle


def _counted_pings(monkeypatch: pytest.MonkeyPatch, engine: AsyncEngine) -> list[object]:
    """The connections the pool checks from now on, each still checked for real."""
    pings: list[object] = []
    ping = engine.sync_engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.sync_engine.dialect, "do_ping", counted)
    return pings


async def _cut(admin: AsyncEngine, *pids: int) -> None:
    """End these backends from another connection, as a restart or a network cut would."""
    async with admin.connect() as conn:
        for pid in pids:
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_POSTGRES_URL (PostgreSQL)")
async def test_a_busy_connection_is_not_checked_only_one_left_idle_is(
    monkeypatch: pytest.MonkeyPatch, clock: _IdleClock
) -> None:
    engine = make_engine(POSTGRES_URL, pool_size=1)
    pings = _counted_pings(monkeypatch, engine)
    try:
        first = await _backend_pid(engine)
        for _ in range(5):
            clock.now += db.IDLE_PING_SECONDS - 1
            assert await _backend_pid(engine) == first
        assert pings == [], "a connection in steady use is not checked before each turn"
        clock.now += db.IDLE_PING_SECONDS + 1
        assert await _backend_pid(engine) == first
        assert len(pings) == 1, "one left idle is checked first"
    finally:
        await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_POSTGRES_URL (PostgreSQL)")
async def test_a_connection_cut_while_idle_is_replaced_before_a_turn_gets_it(
    clock: _IdleClock,
) -> None:
    engine = make_engine(POSTGRES_URL, pool_size=1)
    admin = make_engine(POSTGRES_URL, pool_size=1)

    try:
        # Idle past the limit (between meetings, say): checked, found cut, replaced.
        first = await _backend_pid(engine)
        await _cut(admin, first)
        clock.now += db.IDLE_PING_SECONDS + 1
        second = await _backend_pid(engine)
        assert second != first
        # What the check saves: the same cut on a connection used a moment ago reaches
        # the turn (which then tells the person nothing was lost and to try again).
        await _cut(admin, second)
        with pytest.raises(DBAPIError) as caught:
            await _backend_pid(engine)
        assert caught.value.connection_invalidated
        assert await _backend_pid(engine) not in (first, second), "and the pool reconnects"
    finally:
        await engine.dispose()
        await admin.dispose()


async def _pids_at_once(engine: AsyncEngine) -> set[int]:
    """Two connections in use at the same moment: their backends."""
    async with engine.connect() as one, engine.connect() as two:
        query = text("SELECT pg_backend_pid()")
        return {
            int((await one.execute(query)).scalar_one()),
            int((await two.execute(query)).scalar_one()),
        }


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_POSTGRES_URL (PostgreSQL)")
async def test_turns_one_at_a_time_keep_to_the_connection_used_last() -> None:
    """After a busy moment opened several, a quiet meeting's turns reuse the one just
    returned (warm, never idle), instead of cycling through them all."""
    engine = make_engine(POSTGRES_URL, pool_size=2)
    try:
        assert len(await _pids_at_once(engine)) == 2
        used = {await _backend_pid(engine) for _ in range(6)}
        assert len(used) == 1, "first in, first out would alternate between the two"
    finally:
        await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_POSTGRES_URL (PostgreSQL)")
async def test_a_check_that_finds_the_server_gone_drops_every_pooled_connection(
    monkeypatch: pytest.MonkeyPatch, clock: _IdleClock
) -> None:
    """As after a restart: the first check fails, and the other connections are replaced
    without each being checked (and failing) in turn."""
    engine = make_engine(POSTGRES_URL, pool_size=2)
    admin = make_engine(POSTGRES_URL, pool_size=1)
    pings = _counted_pings(monkeypatch, engine)
    try:
        old = await _pids_at_once(engine)
        await _cut(admin, *old)
        clock.now += db.IDLE_PING_SECONDS + 1
        new = await _pids_at_once(engine)
        assert new.isdisjoint(old) and len(new) == 2
        assert len(pings) == 1, "one failed check replaced the whole pool"
    finally:
        await engine.dispose()
        await admin.dispose()
