"""When the record store cannot be reached: a plain "nothing lost, try again", never a 5xx,
and nothing the person typed in the logs.

The store is broken after the bot has started and a meeting is running, three ways: the
services are pointed at a PostgreSQL port nobody listens on, at an SQLite file in a folder
that does not exist, or every transaction raises the OperationalError a driver raises,
with the values being written quoted in its message (as drivers do).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.app import COMPONENTS
from bot.store import tables as t
from bot.store.db import Store, make_engine
from cards import verbs as v
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    invoke_card,
    invoke_message,
    ok,
    press,
    press_submit,
    row_counts,
    say,
    start_meeting,
    store_of,
)
from tests.support.activities import conversation_update
from tests.support.keys import keys_for_tests

TYPED = "Sentinel typed 3X9: CR-0077 seen getting into a grey van on Eastfield Road."
BREAKAGES = ["closed port", "missing sqlite file", "operational error"]


def assert_try_again(text: str) -> None:
    assert "could not save" in text
    assert "Nothing you entered has been lost" in text
    assert "try again" in text


class Breaker:
    """Breaks the bot's store in one of the BREAKAGES ways, and mends it again."""

    def __init__(
        self, bot: BotUnderTest, kind: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        self.bot, self.kind, self.monkeypatch, self.tmp_path = bot, kind, monkeypatch, tmp_path
        self.dead: Store | None = None

    def break_it(self) -> None:
        if self.kind == "operational error":
            self.monkeypatch.setattr(Store, "transaction", _unreachable)
            self.monkeypatch.setattr(Store, "reading", _unreachable)
            return
        if self.kind == "closed port":
            url = "postgresql+asyncpg://postgres@127.0.0.1:1/test"
        else:
            url = f"sqlite+aiosqlite:///{self.tmp_path / 'no-such-folder' / 'mace.db'}"
        self.dead = Store(make_engine(url), keys_for_tests())
        router = self.bot.server.app[COMPONENTS].router
        for service in (router.groups, router.meetings, router.rounds):
            self.monkeypatch.setattr(service, "store", self.dead)

    async def mend(self) -> None:
        self.monkeypatch.undo()
        if self.dead is not None:
            await self.dead.close()
            self.dead = None


@asynccontextmanager
async def _unreachable(self: Store, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
    raise OperationalError(
        f"INSERT INTO minute_entries (text) VALUES ('{TYPED}')",
        {"text": TYPED},
        ConnectionRefusedError(f"refused: {TYPED}"),
    )
    yield  # pragma: no cover - never reached


@pytest.fixture(params=BREAKAGES)
async def breaker(
    request: pytest.FixtureRequest,
    bot: BotUnderTest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> AsyncIterator[Breaker]:
    broken = Breaker(bot, request.param, monkeypatch, tmp_path)
    try:
        yield broken
    finally:
        await broken.mend()


def assert_logs_hold_nothing_typed(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "the failure should be logged"
    for record in caplog.records:
        assert "3X9" not in record.getMessage()
        assert "3X9" not in str(record.exc_text or "")
    assert "3X9" not in caplog.text
    assert "Eastfield" not in caplog.text


async def minutes(bot: BotUnderTest) -> list[str]:
    async with store_of(bot).reading() as session:
        return list(await session.scalars(select(t.MinuteEntry.text)))


@pytest.mark.parametrize(
    "command",
    ["start meeting", "agenda", "here", "next item", "challenges", "end meeting", "share round"],
)
async def test_a_typed_command_says_nothing_was_lost(
    bot: BotUnderTest, breaker: Breaker, caplog: pytest.LogCaptureFixture, command: str
) -> None:
    caplog.set_level(logging.DEBUG)
    await start_meeting(bot)
    before = await row_counts(store_of(bot))
    breaker.break_it()
    posted = len(bot.connector.posted())
    status, _ = await say(bot, "chair", command)
    assert status in (200, 201)
    replies = bot.connector.sent()[posted:]
    assert len(replies) == 1 and not replies[0].get("attachments"), replies
    assert_try_again(replies[0]["text"])
    await breaker.mend()
    assert await row_counts(store_of(bot)) == before
    assert_logs_hold_nothing_typed(caplog)


async def test_a_minute_click_says_nothing_was_lost_and_works_on_retry(
    bot: BotUnderTest, breaker: Breaker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    meeting = await start_meeting(bot, to_position=4)
    where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
    before = await row_counts(store_of(bot))
    updates = len(bot.connector.updated())
    breaker.break_it()
    status, body = await press(
        bot, "minute_taker", v.ITEM_MINUTE, where, {"minuteText": TYPED}, card_id=meeting.agenda_id
    )
    assert status == 200
    assert_try_again(invoke_message(body))
    assert len(bot.connector.updated()) == updates
    assert_logs_hold_nothing_typed(caplog)

    await breaker.mend()
    assert await row_counts(store_of(bot)) == before
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
    assert await minutes(bot) == [TYPED]


async def test_an_action_submit_says_nothing_was_lost(
    bot: BotUnderTest, breaker: Breaker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    meeting = await start_meeting(bot, to_position=4)
    before = await row_counts(store_of(bot))
    breaker.break_it()
    posted = len(bot.connector.posted())
    ok(
        await press_submit(
            bot,
            "minute_taker",
            v.ITEM_DECISION,
            {"meetingId": meeting.id, "itemId": meeting.current_item(bot)},
            {"decisionText": TYPED},
            card_id=meeting.agenda_id,
        )
    )
    replies = bot.connector.sent()[posted:]
    assert len(replies) == 1
    assert_try_again(replies[0]["text"])
    assert_logs_hold_nothing_typed(caplog)
    await breaker.mend()
    assert await row_counts(store_of(bot)) == before


async def test_being_added_to_a_chat_while_the_store_is_down(
    bot: BotUnderTest, breaker: Breaker, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    breaker.break_it()
    update = conversation_update(conversation="groupChat", user=DEMO["chair"])
    status, _ = await bot.send(update)
    assert status in (200, 201)
    assert_try_again(bot.connector.texts()[-1])
