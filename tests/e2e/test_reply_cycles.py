"""A turn's replies are freed as the turn ends, by reference counting, not left for the
cyclic collector (bot/teams/sdk/replies.py: stock ``send_activities`` leaves every reply
and its card in a reference cycle)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from botbuilder.schema import Activity

from bot.app import COMPONENTS
from cards import verbs as v
from tests.e2e.cardtools import action
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import ok, press, start_meeting
from tests.e2e.test_between_meetings import personal


@pytest.fixture
def collector_off() -> Iterator[None]:
    """Nothing is freed but by reference counting while the test runs."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _watch(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch) -> list[weakref.ref[Any]]:
    """Weak references to every activity the adapter is given to send, and to the card
    each carries."""
    adapter = bot.server.app[COMPONENTS].adapter
    send = adapter.send_activities
    watched: list[weakref.ref[Any]] = []

    async def watching(context: Any, activities: list[Activity]) -> Any:
        for activity in activities:
            watched.append(weakref.ref(activity))
            watched.extend(weakref.ref(a.content) for a in activity.attachments or [])
        return await send(context, activities)

    monkeypatch.setattr(adapter, "send_activities", watching)
    return watched


async def test_a_reply_and_its_card_are_freed_when_the_turn_ends(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch, collector_off: None
) -> None:
    watched = _watch(bot, monkeypatch)
    reply = await personal(bot, "police", "my actions")
    assert "My open actions" in str(reply), "the reply still goes out"
    await bot.settled()
    assert len(watched) == 2, "the reply and its card were watched"
    assert [ref() for ref in watched] == [None, None]


async def test_an_invoke_answer_is_freed_when_the_turn_ends(
    bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch, collector_off: None
) -> None:
    meeting = await start_meeting(bot)
    watched = _watch(bot, monkeypatch)
    body = ok(
        await press(
            bot,
            "chair",
            v.MEETING_NEXT,
            action(meeting.card(bot), v.MEETING_NEXT)["data"],
            card_id=meeting.agenda_id,
        )
    )
    assert body["type"] == "application/vnd.microsoft.card.adaptive", "the card is the answer"
    await bot.settled()
    assert watched, "the invoke answer was handed to the adapter"
    assert [ref() for ref in watched] == [None] * len(watched)
