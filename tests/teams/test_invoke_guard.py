"""The guard for botbuilder 4.17.1's double-serialised invoke answers
(bot/teams/sdk/invoke_guard.py).

Every Adaptive Card button is an ``adaptiveCard/action`` invoke whose answer is a dict.
With the guard the click is answered 200 with that dict; without it the same click
fails with a 5xx, so Teams shows an error on every button.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from bot.domain.clock import FrozenClock
from bot.store.db import Store
from bot.teams.sdk import invoke_guard
from cards import verbs as v
from tests.e2e.harness import DEMO, BotUnderTest, running_bot
from tests.support.activities import invoke_action


@pytest.fixture
async def bot(demo_store: Store, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    async with running_bot(demo_store, clock) as running:
        yield running


@pytest.fixture
def guard_removed(bot: BotUnderTest) -> Iterator[None]:
    """Take the guard out for one test (after the app installed it), and always put it
    back, so no other test runs without it."""
    invoke_guard.remove_invoke_response_guard()
    try:
        yield None
    finally:
        invoke_guard.install_invoke_response_guard()


def help_click() -> dict[str, object]:
    return invoke_action(v.HELP_SHOW, {}, conversation="channel", user=DEMO["chair"])


async def test_a_card_click_is_answered_200_with_its_json_body(bot: BotUnderTest) -> None:
    status, body = await bot.send(help_click())
    assert status == 200
    assert body == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "Help is below.",
    }
    assert "what I can do" in bot.connector.texts()[-1]


async def test_without_the_guard_the_same_click_fails(
    bot: BotUnderTest, guard_removed: None
) -> None:
    status, body = await bot.send(help_click())
    # botbuilder raises AttributeError ('dict' object has no attribute 'is_xml_model')
    # while writing the answer; the endpoint turns that into a 5xx, as Teams would see.
    assert 500 <= status < 600, (status, body)
    assert not (isinstance(body, dict) and body.get("statusCode") == 200)
    # The turn itself ran (help was posted): it is only the answer that broke.
    assert "what I can do" in bot.connector.texts()[-1]
