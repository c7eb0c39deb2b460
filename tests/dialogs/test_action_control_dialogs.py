"""An action by its reference and the chair's review of it (dialogs.action_control),
through the router on fakes: in a personal chat, and from the agenda's item 3 in the
group's conversation."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput, NotFound
from bot.domain.permissions import Permission
from cards import agenda_card
from cards import verbs as v
from cards.action_control import action_card, review_card, review_list_card
from dialogs.action_control import STEP_NOTES, WHICH_ACTION
from dialogs.commands import Command, split
from dialogs.places import ACTION_PERSONAL_ONLY
from tests.dialogs.fakes import (
    AGENDA_ACTIVITY,
    FakeActionControl,
    click,
    make_action_card,
    make_bot,
    personal,
    turn,
)
from tests.dialogs.tested import covers

HERE = personal()
CHANNEL = turn()


@pytest.mark.parametrize("typed", ["A-36", "a36", "A 36", "action A-36", "a-36.", "Action a36"])
def test_a_reference_typed_is_the_action_command(typed: str) -> None:
    command, words = split(typed)
    assert command is Command.ACTION
    assert "36" in words


@pytest.mark.parametrize("typed", ["actions", "a", "at 36", "a-b", "my actions"])
def test_other_words_are_not_a_reference(typed: str) -> None:
    assert split(typed)[0] is not Command.ACTION


@covers(Command.ACTION)
async def test_a_reference_in_a_personal_chat_posts_the_actions_card() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "A-12")).posts
    assert post.card == action_card(make_action_card())
    assert bot.calls.only("action_control.find").args == (HERE, "a-12")


async def test_not_found_is_one_answer_for_every_reference() -> None:
    bot = make_bot().fails("action_control.find", NotFound("I could not find that action."))
    (post,) = (await bot.router.on_text(HERE, "A-99999")).posts
    assert post.text == "I could not find that action."


async def test_the_word_alone_asks_which_action() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "action")).posts
    assert post.text == WHICH_ACTION
    assert bot.calls == []


async def test_a_reference_in_a_group_says_personal_chat_and_reads_nothing() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(CHANNEL, "A-12")).posts
    assert post.text == ACTION_PERSONAL_ONLY
    assert bot.calls == []


@covers(v.ACTION_SHOW)
async def test_open_posts_the_card_as_a_new_message() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.ACTION_SHOW, {"actionId": 12}))
    assert [p.card for p in outcome.posts] == [action_card(make_action_card())]
    assert outcome.response_text == "The action's card is below."
    assert bot.calls.only("action_control.show").args == (HERE, 12)


@covers(v.ITEM_REVIEW_ACTIONS)
async def test_review_an_action_replaces_the_agenda_with_item_3s_list() -> None:
    bot = make_bot()
    pressed = click(v.ITEM_REVIEW_ACTIONS, {"meetingId": 3}, on=AGENDA_ACTIVITY)
    outcome = await bot.router.on_click(CHANNEL, pressed)
    assert outcome.response_card == review_list_card(bot.views.meeting)
    assert bot.calls.only("meetings.current").args == (CHANNEL, 3, Permission.MANAGE_ACTIONS)


@covers(v.ACTION_REVIEW_FORM)
async def test_the_review_form_answers_the_presser() -> None:
    bot = make_bot()
    pressed = click(v.ACTION_REVIEW_FORM, {"actionId": 12, "meetingId": 3}, on=AGENDA_ACTIVITY)
    outcome = await bot.router.on_click(CHANNEL, pressed)
    assert outcome.response_card == review_card(make_action_card(meeting_id=3))
    assert bot.calls.only("action_control.review_form").args == (CHANNEL, 12, 3)


@covers(v.ACTION_REVIEW)
@pytest.mark.parametrize("step", sorted(STEP_NOTES))
async def test_a_step_from_the_agenda_redraws_the_live_agenda(step: str) -> None:
    bot = make_bot()
    data = {"actionId": 12, "meetingId": 3, "step": step}
    outcome = await bot.router.on_click(CHANNEL, click(v.ACTION_REVIEW, data, on=AGENDA_ACTIVITY))
    assert bot.calls.names() == ["action_control.review", "meetings.drawn"]
    assert outcome.response_card == agenda_card(bot.views.meeting)
    (update,) = outcome.updates
    assert update.activity_id == AGENDA_ACTIVITY


async def test_a_step_in_a_personal_chat_shows_the_card_with_its_note() -> None:
    bot = make_bot()
    data = {"actionId": 12, "step": "carry", "carryDate": "2026-12-10", "carryReason": "Away"}
    outcome = await bot.router.on_click(HERE, click(v.ACTION_REVIEW, data))
    assert bot.calls.names() == ["action_control.review", "action_control.show"]
    assert outcome.response_card == action_card(make_action_card(), note=STEP_NOTES["carry"])


async def test_a_step_in_a_personal_chat_during_a_meeting_redraws_its_agenda() -> None:
    bot = make_bot()
    control = bot.router.services.action_control
    assert isinstance(control, FakeActionControl)
    control.running = 3
    data = {"actionId": 12, "step": "done", "doneNote": "Visited."}
    outcome = await bot.router.on_click(HERE, click(v.ACTION_REVIEW, data))
    assert bot.calls.names() == ["action_control.review", "action_control.show", "meetings.drawn"]
    assert outcome.response_card == action_card(make_action_card(), note=STEP_NOTES["done"])
    (update,) = outcome.updates
    assert update.activity_id == AGENDA_ACTIVITY


async def test_a_refused_step_comes_back_with_the_entries_and_the_error() -> None:
    bot = make_bot()
    errors = {"carryDate": "That is the current due date; choose a new one."}
    bot.fails("action_control.review", InvalidInput(errors))
    data = {"actionId": 12, "step": "carry", "carryDate": "2026-11-20", "carryReason": "Away"}
    pressed = click(v.ACTION_REVIEW, data)
    outcome = await bot.router.on_click(HERE, pressed)
    card = review_card(make_action_card(), values=pressed.data, errors=errors)
    assert outcome.response_card == card
    text = str(card)
    assert "That is the current due date" in text and "Away" in text and "2026-11-20" in text


async def test_a_refused_step_in_a_channel_by_submit_quotes_nothing_typed() -> None:
    bot = make_bot()
    bot.fails("action_control.review", InvalidInput({"cancelReason": "Why is required."}))
    data = {"actionId": 12, "meetingId": 3, "step": "cancel", "cancelReason": ""}
    outcome = await bot.router.on_click(CHANNEL, click(v.ACTION_REVIEW, data, invoke=False))
    (post,) = outcome.posts
    assert post.text is not None and post.text.startswith("Not saved yet.")
    assert post.card is None
