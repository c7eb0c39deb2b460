"""Every wait on PostgreSQL is bounded by DATABASE_TIMEOUT, and work the bot gave up on is
never saved later: the database sits behind a loopback proxy switched to black-hole
(connections open, nothing moving; what was sent is delivered when it resumes)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.db import SERVER_SHARE, _without_timeouts, make_engine
from tests.conftest import POSTGRES_URL
from tests.support.tcp_proxy import BlackHoleProxy

TIMEOUT = 1.0
#: Time for the client to notice, with room for a busy machine.
NOTICED_WITHIN = TIMEOUT + 1.0

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs TEST_POSTGRES_URL: black-holing a network path to PostgreSQL"
)


class Direct:
    """The test's own way to the database (never through the proxy), and a table of its
    own in it."""

    def __init__(self) -> None:
        self.engine = make_engine(POSTGRES_URL)
        self.table = f"hang_{uuid.uuid4().hex[:12]}"

    async def rows(self) -> list[int]:
        async with self.engine.connect() as conn:
            found = await conn.execute(text(f"SELECT n FROM {self.table} ORDER BY n"))
            return [n for (n,) in found]

    async def stays_empty(self) -> None:
        """Whatever was held is delivered now: give the server the time to act on it (a
        late COMMIT would land here), looking all the while."""
        deadline = time.monotonic() + TIMEOUT * SERVER_SHARE + 1.0
        while time.monotonic() < deadline:
            assert await self.rows() == []
            await asyncio.sleep(0.1)


@pytest.fixture
async def direct() -> AsyncIterator[Direct]:
    made = Direct()
    async with made.engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {made.table} (n integer)"))
    try:
        yield made
    finally:
        async with made.engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE {made.table}"))
        await made.engine.dispose()


@pytest.fixture
async def proxy() -> AsyncIterator[BlackHoleProxy]:
    url = make_url(POSTGRES_URL)
    async with BlackHoleProxy(url.host or "127.0.0.1", url.port or 5432) as made:
        yield made


@pytest.fixture
async def hung(proxy: BlackHoleProxy) -> AsyncIterator[AsyncEngine]:
    """The bot's engine, with DATABASE_TIMEOUT = TIMEOUT, through the proxy."""
    url = make_url(POSTGRES_URL).set(host="127.0.0.1", port=proxy.port)
    engine = make_engine(url.render_as_string(False), timeout=TIMEOUT)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_commit_the_network_held_back_is_not_saved_when_it_arrives(
    direct: Direct, hung: AsyncEngine, proxy: BlackHoleProxy
) -> None:
    """The edge case: the bot sent COMMIT and the path went dead before it reached the
    server. The bot gives up (and the person is told nothing was saved); the server has
    ended the idle transaction by the time the COMMIT arrives, so it saves nothing."""
    table = direct.table
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(NOTICED_WITHIN + 3):
            async with hung.connect() as conn:
                await conn.execute(text(f"INSERT INTO {table} VALUES (1)"))
                proxy.black_hole()
                await conn.commit()
    assert time.monotonic() - began <= NOTICED_WITHIN
    proxy.resume()
    # The held COMMIT now reaches the server; the bot's connection was cut meanwhile.
    await direct.stays_empty()


async def test_a_statement_with_no_answer_gives_up_and_the_next_fails_at_once(
    direct: Direct, hung: AsyncEngine, proxy: BlackHoleProxy
) -> None:
    table = direct.table
    async with hung.begin() as conn:  # connections in the pool, recently used
        await conn.execute(text("SELECT 1"))
    proxy.black_hole()
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(NOTICED_WITHIN + 3), hung.begin() as conn:
            await conn.execute(text(f"INSERT INTO {table} VALUES (2)"))
    assert time.monotonic() - began <= NOTICED_WITHIN
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(NOTICED_WITHIN + 3), hung.begin() as conn:
            await conn.execute(text(f"INSERT INTO {table} VALUES (3)"))
    assert time.monotonic() - began < 0.5, "the second turn should not wait again"
    proxy.resume()
    await direct.stays_empty()
    await asyncio.sleep(TIMEOUT)  # the fail-fast spell is over: the next turn tries again
    async with hung.begin() as conn:
        await conn.execute(text(f"INSERT INTO {table} VALUES (4)"))
    assert await direct.rows() == [4]


async def test_connecting_to_a_hung_server_gives_up(
    hung: AsyncEngine, proxy: BlackHoleProxy
) -> None:
    proxy.black_hole()  # no connection yet: the start-up exchange itself hangs
    began = time.monotonic()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(NOTICED_WITHIN + 3), hung.connect() as conn:
            await conn.execute(text("SELECT 1"))
    assert time.monotonic() - began <= NOTICED_WITHIN


async def test_the_server_ends_a_long_statement_before_the_bot_gives_up(
    hung: AsyncEngine,
) -> None:
    """A slow statement on a live server is ended by PostgreSQL (statement_timeout at
    SERVER_SHARE of the limit): an ordinary database error, the connection still sound."""
    async with hung.connect() as conn:
        assert (await conn.execute(text("SHOW statement_timeout"))).scalar() == "800ms"
        assert (
            await conn.execute(text("SHOW idle_in_transaction_session_timeout"))
        ).scalar() == "800ms"
    with pytest.raises(Exception, match="canceling statement due to statement timeout"):
        async with hung.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(3)"))
    async with hung.connect() as conn:
        assert (await conn.execute(text("SELECT 1"))).scalar() == 1


async def test_a_migration_may_take_longer_than_a_turn(hung: AsyncEngine) -> None:
    async with hung.connect() as conn:
        async with _without_timeouts(conn):
            await conn.execute(text(f"SELECT pg_sleep({TIMEOUT * 1.5})"))
        await conn.rollback()
        # Back to the turn's limits afterwards.
        assert (await conn.execute(text("SHOW statement_timeout"))).scalar() == "800ms"
