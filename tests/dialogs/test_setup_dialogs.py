"""Help, linking, the welcome, meeting hints and "not understood" (dialogs.setup and the
router's own entry points), through the router on fakes."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.exc import OperationalError

from bot.domain.errors import InvalidInput, NotPermitted
from bot.domain.model import ConversationKind
from bot.services.meeting_hints import MeetingEvent, MeetingHint
from cards import end_form_card, setup_card, welcome_card
from cards import verbs as v
from cards.hints import meeting_started_card
from dialogs.commands import Command, help_text
from dialogs.outcome import Outcome
from dialogs.places import UNKNOWN_CONVERSATION
from dialogs.setup import PERSONAL_GREETING
from tests.cards.cards_testkit import GROUP_CHOICES, SCARBOROUGH
from tests.dialogs.fakes import click, make_bot, personal, turn
from tests.dialogs.tested import covers

HERE = turn()


@covers(Command.HELP)
async def test_help_lists_the_commands_anywhere() -> None:
    bot = make_bot()
    for where in (HERE, personal()):
        (post,) = (await bot.router.on_text(where, "help")).posts
        assert post.text == help_text()
    assert bot.calls == []


@covers(v.HELP_SHOW)
async def test_the_help_button_posts_help() -> None:
    outcome = await make_bot().router.on_click(HERE, click(v.HELP_SHOW))
    assert [post.text for post in outcome.posts] == [help_text()]
    assert outcome.response_text == "Help is below."


@covers(Command.SETUP)
async def test_setup_offers_the_groups() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "setup")).posts
    assert post.card == setup_card(GROUP_CHOICES)
    assert bot.calls.only("groups.setup_choices").args == (HERE,)


@covers(v.SETUP_LINK)
async def test_linking_names_the_group_or_brings_the_form_back() -> None:
    bot = make_bot()
    bot.views.welcome = replace(bot.views.welcome, locality=replace(SCARBOROUGH, name="S*"))
    pressed = click(v.SETUP_LINK, {"localityId": 1}, invoke=False)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("groups.link").args == (HERE, 1)
    assert [(post.text, post.card) for post in outcome.posts] == [
        ("This conversation is now linked to the S\\* locality group.", None),
        (None, welcome_card(bot.views.welcome)),
    ]
    errors = {"localityId": "Choose a group."}
    bot.fails("groups.link", InvalidInput(errors))
    outcome = await bot.router.on_click(HERE, click(v.SETUP_LINK, {"localityId": 1}))
    values = {"verb": v.SETUP_LINK, "localityId": 1}
    expected = setup_card(GROUP_CHOICES, values=values, errors=errors)
    assert outcome.response_card == expected


async def test_added_to_a_personal_chat_says_hello() -> None:
    bot = make_bot()
    outcome = await bot.router.on_added(personal())
    assert [post.text for post in outcome.posts] == [PERSONAL_GREETING]
    outcome = await bot.router.on_added(turn(ConversationKind.UNKNOWN))
    assert [post.text for post in outcome.posts] == [UNKNOWN_CONVERSATION]
    assert bot.calls == []


async def test_added_to_a_group_welcomes_or_asks_to_link() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_added(HERE)).posts
    assert post.card == welcome_card(bot.views.welcome)
    bot.views.welcome = replace(bot.views.welcome, locality=None, choices=GROUP_CHOICES)
    (post,) = (await bot.router.on_added(HERE)).posts
    assert post.card == setup_card(GROUP_CHOICES)


async def test_anything_else_is_not_understood_with_a_guess() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "strat meeting")).posts
    assert post.text == (
        "Sorry, I did not understand that. Did you mean **start meeting**? Type **help** to "
        "see what I can do. (Mention me first in a channel or group chat.)"
    )
    # Text with a NUL is nothing anyone typed: no guess is made from it ("help" would be).
    (post,) = (await bot.router.on_text(personal(), "help\x00")).posts
    assert post.text == "Sorry, I did not understand that. Type **help** to see what I can do."
    assert bot.calls == []


async def test_a_meeting_event_offers_the_start_card_or_the_end_form() -> None:
    bot = make_bot()
    assert await bot.router.on_meeting_event(HERE, MeetingEvent.STARTED, "key-1") == Outcome()
    assert bot.calls.only("hints.offer").args == (HERE.conversation, MeetingEvent.STARTED, "key-1")
    bot.views.hint = MeetingHint(MeetingEvent.STARTED, SCARBOROUGH)
    (post,) = (await bot.router.on_meeting_event(HERE, MeetingEvent.STARTED, "key-2")).posts
    assert post.card == meeting_started_card(SCARBOROUGH)
    bot.views.hint = MeetingHint(MeetingEvent.ENDED, SCARBOROUGH, bot.views.meeting)
    (post,) = (await bot.router.on_meeting_event(HERE, MeetingEvent.ENDED, "key-3")).posts
    assert post.card == end_form_card(bot.views.meeting)


async def test_a_meeting_event_that_fails_posts_nothing() -> None:
    bot = make_bot().fails("hints.offer", NotPermitted())
    outcome = await bot.router.on_meeting_event(HERE, MeetingEvent.ENDED, "key-1")
    assert outcome == Outcome()
    outcome = await make_bot(hints=False).router.on_meeting_event(HERE, MeetingEvent.ENDED, "k")
    assert outcome == Outcome()


@pytest.mark.parametrize(
    "error",
    [OSError("connection reset"), OperationalError("SELECT 1", {}, Exception()), TimeoutError()],
)
async def test_a_meeting_event_the_store_cannot_answer_posts_nothing(error: Exception) -> None:
    bot = make_bot().fails("hints.offer", error)
    assert await bot.router.on_meeting_event(HERE, MeetingEvent.STARTED, "key-1") == Outcome()
