"""A database that hangs (connections open, nothing moving) fails a turn fast: the person is
told within seconds that nothing was saved, nothing is saved when the database comes back,
and pressing again then saves once.

On PostgreSQL the bot reaches the database through a loopback proxy that is switched to
black-hole: what the bot sends is held, not lost, and delivered when the path resumes (as
TCP would deliver it), so a statement or COMMIT the bot gave up on still reaches the
server late. On SQLite, where nothing is on a network, the hang is another process holding
the write lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.domain.clock import FrozenClock
from bot.store import tables as t
from bot.store.db import Store, make_engine
from cards import verbs as v
from tests.e2e.harness import BotUnderTest, running_bot
from tests.e2e.scenario import invoke_card, invoke_message, ok, press, row_counts, start_meeting
from tests.support.keys import keys_for_tests
from tests.support.tcp_proxy import BlackHoleProxy

#: The bot's DATABASE_TIMEOUT in these tests (the default is 5 s).
TIMEOUT = 1.0
#: What a press may take while the database hangs: the contact kept at the start of every
#: turn and the press's own work each wait up to TIMEOUT, plus the time to answer.
ANSWER_WITHIN = 3 * TIMEOUT + 1.0
TYPED = "Minute 4Q7: invented text for the hung-database test."


class Hang:
    """Makes the bot's database hang, and lets it go again."""

    def __init__(self, direct: Store) -> None:
        self.direct = direct  # the test's own way in, never hung
        self.proxy: BlackHoleProxy | None = None
        self._lock: sqlite3.Connection | None = None

    @asynccontextmanager
    async def bot_store(self) -> AsyncIterator[Store]:
        """The store the bot uses: through the proxy on PostgreSQL, the same file on
        SQLite; either way with DATABASE_TIMEOUT = TIMEOUT."""
        url = make_url(self.direct.engine.url.render_as_string(hide_password=False))
        if url.get_backend_name() == "postgresql":
            self.proxy = BlackHoleProxy(url.host or "127.0.0.1", url.port or 5432)
            await self.proxy.start()
            url = url.set(host="127.0.0.1", port=self.proxy.port)
        store = Store(make_engine(url.render_as_string(False), timeout=TIMEOUT), keys_for_tests())
        try:
            yield store
        finally:
            await store.close()
            if self.proxy is not None:
                await self.proxy.stop()

    def start(self) -> None:
        if self.proxy is not None:
            self.proxy.black_hole()
            return
        database = self.direct.engine.url.database
        assert database
        self._lock = sqlite3.connect(database, timeout=0, isolation_level=None)
        self._lock.execute("BEGIN IMMEDIATE")  # holds the write lock, as a stuck writer would

    def end(self) -> None:
        if self.proxy is not None:
            self.proxy.resume()
        if self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None


@pytest.fixture
def hang(demo_store: Store) -> Iterator[Hang]:
    made = Hang(demo_store)
    try:
        yield made
    finally:
        made.end()


@pytest.fixture
async def bot(hang: Hang, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    async with hang.bot_store() as store, running_bot(store, clock) as running:
        yield running


async def minutes(store: Store) -> list[str]:
    async with store.reading() as session:
        return list(await session.scalars(select(t.MinuteEntry.text)))


@contextmanager
def timed() -> Iterator[list[float]]:
    took: list[float] = []
    began = time.monotonic()
    try:
        yield took
    finally:
        took.append(time.monotonic() - began)


async def test_a_press_while_the_database_hangs_is_answered_fast_and_saved_only_once(
    bot: BotUnderTest, hang: Hang, demo_store: Store
) -> None:
    meeting = await start_meeting(bot, to_position=4)
    where: dict[str, Any] = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
    before = await row_counts(demo_store)
    updates = len(bot.connector.updated())

    hang.start()
    with timed() as took:
        async with asyncio.timeout(ANSWER_WITHIN + 5):
            status, body = await press(
                bot,
                "minute_taker",
                v.ITEM_MINUTE,
                where,
                {"minuteText": TYPED},
                card_id=meeting.agenda_id,
            )
    assert status == 200
    text = invoke_message(body)
    assert "could not save" in text and "try again" in text, text
    print(f"answered 'nothing was saved' after {took[0]:.2f} s (DATABASE_TIMEOUT {TIMEOUT} s)")
    assert took[0] <= ANSWER_WITHIN, f"answered after {took[0]:.1f} s"
    assert len(bot.connector.updated()) == updates

    hang.end()
    # Whatever the bot had sent into the hang is delivered now: give the server the time
    # to act on it (a late COMMIT would land here), then look.
    deadline = time.monotonic() + 2 * TIMEOUT
    while time.monotonic() < deadline:
        assert await row_counts(demo_store) == before
        await asyncio.sleep(0.1)
    assert await minutes(demo_store) == []

    invoke_card(
        ok(
            await press(
                bot,
                "minute_taker",
                v.ITEM_MINUTE,
                where,
                {"minuteText": TYPED},
                card_id=meeting.agenda_id,
            )
        )
    )
    assert await minutes(demo_store) == [TYPED]
