"""An owner's actions and the chair's answer to a date request (dialogs.actions), through
the router on fakes, in a personal chat."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput
from cards import date_request_card, hand_over_card, my_actions_card
from cards import verbs as v
from dialogs.actions import CHANGE_NOTES
from dialogs.commands import Command
from dialogs.router import STORE_UNAVAILABLE
from tests.dialogs.fakes import ACTOR, click, date_request, make_bot, personal
from tests.dialogs.tested import covers

HERE = personal()
CHANGES = {
    v.ACTION_UPDATE: "actions.add_update",
    v.ACTION_DONE: "actions.mark_done",
    v.ACTION_REQUEST_DATE: "actions.request_new_date",
    v.ACTION_HAND_OVER: "actions.hand_over",
}


@covers(Command.MY_ACTIONS)
async def test_my_actions_posts_the_owners_actions() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "my actions")).posts
    assert post.card == my_actions_card(list(bot.views.owned))
    assert bot.calls.only("actions.my_actions").args == (ACTOR,)


@covers(v.ACTIONS_MINE)
async def test_the_my_actions_button_replaces_the_card() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.ACTIONS_MINE))
    assert outcome.response_card == my_actions_card(list(bot.views.owned))
    outcome = await bot.router.on_click(HERE, click(v.ACTIONS_MINE, invoke=False))
    assert [post.text for post in outcome.posts] == ["Your actions are below.", None]


@covers(*CHANGES)
@pytest.mark.parametrize("verb", sorted(CHANGES))
async def test_each_change_is_saved_then_shown_with_its_note(verb: str) -> None:
    bot = make_bot()
    pressed = click(verb, {"actionId": 2, "update-2": "Rang the school"})
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.names() == [CHANGES[verb], "actions.my_actions"]
    assert bot.calls[0].args == (ACTOR, HERE.claim_key, 2, pressed.data)
    note = CHANGE_NOTES[verb]
    assert outcome.response_card == my_actions_card(list(bot.views.owned), note=note)


@pytest.mark.parametrize("verb", sorted(set(CHANGES) - {v.ACTION_HAND_OVER}))
async def test_a_refused_change_brings_my_actions_back_with_the_error(verb: str) -> None:
    bot = make_bot()
    errors = {"update-2": "Write the update."}
    bot.fails(CHANGES[verb], InvalidInput(errors))
    pressed = click(verb, {"actionId": 2, "update-2": ""})
    outcome = await bot.router.on_click(HERE, pressed)
    expected = my_actions_card(list(bot.views.owned), values=pressed.data, errors=errors)
    assert outcome.response_card == expected
    # The fallback in a personal chat posts the form: only the owner is there.
    outcome = await bot.router.on_click(HERE, click(verb, pressed.data, invoke=False))
    assert [post.card for post in outcome.posts] == [expected]


async def test_a_refused_hand_over_brings_the_hand_over_form_back() -> None:
    bot = make_bot()
    errors = {"handTo-2": "Choose a colleague."}
    bot.fails("actions.hand_over", InvalidInput(errors))
    pressed = click(v.ACTION_HAND_OVER, {"actionId": 2})
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.names() == ["actions.hand_over", "actions.hand_over_choices"]
    expected = hand_over_card(bot.views.owned[1], values=pressed.data, errors=errors)
    assert outcome.response_card == expected


async def test_a_change_saved_but_not_shown_is_not_told_as_lost() -> None:
    bot = make_bot()
    bot.fails("actions.my_actions", OSError("gone"))
    outcome = await bot.router.on_click(HERE, click(v.ACTION_DONE, {"actionId": 2}))
    assert outcome.response_text is not None
    assert outcome.response_text != STORE_UNAVAILABLE
    assert "**my actions**" in outcome.response_text


@covers(v.ACTION_HAND_OVER_CHOOSE)
async def test_choosing_to_hand_over_shows_the_colleagues() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.ACTION_HAND_OVER_CHOOSE, {"actionId": 2}))
    assert bot.calls.only("actions.hand_over_choices").args == (ACTOR, 2)
    assert outcome.response_card == hand_over_card(bot.views.owned[1])


@covers(v.DATE_REQUEST_SHOW)
async def test_the_chair_sees_a_date_request_in_detail() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.DATE_REQUEST_SHOW, {"actionId": 12}))
    assert bot.calls.only("actions.date_request").args == (ACTOR, 12)
    assert outcome.response_card == date_request_card(date_request(), detailed=True)


@covers(v.DATE_REQUEST_ACCEPT, v.DATE_REQUEST_REFUSE)
async def test_the_chair_accepts_or_refuses_a_new_date() -> None:
    bot = make_bot()
    for verb, accept, said in (
        (v.DATE_REQUEST_ACCEPT, True, "Request accepted."),
        (v.DATE_REQUEST_REFUSE, False, "Request refused."),
    ):
        outcome = await bot.router.on_click(HERE, click(verb, {"actionId": 12}, invoke=False))
        assert bot.calls[-1].args == (ACTOR, HERE.claim_key, 12, accept)
        assert outcome.posts[0].text == said
