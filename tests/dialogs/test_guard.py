"""What every handler is answered alike: the router's guard, unknown and unreadable
clicks, and a form refused for its entries (dialogs.replies), through fakes."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from bot.domain.card_fields import UNREADABLE
from bot.domain.errors import Duplicate, InvalidInput, NotPermitted
from bot.domain.model import ConversationKind
from cards import attendance_form_card
from cards import verbs as v
from dialogs.outcome import Outcome
from dialogs.replies import CONFIRM_IN_A_CURRENT_CLIENT
from dialogs.router import STORE_UNAVAILABLE, UNKNOWN_VERB
from tests.dialogs.fakes import click, make_bot, turn

HERE = turn()
TYPED = "Jane Doe, 12 Acacia Avenue"  # what someone typed: never posted for everyone


def texts(outcome: Outcome) -> list[str]:
    return [post.text or "" for post in outcome.posts]


async def test_a_resent_turn_posts_nothing_and_an_invoke_is_told() -> None:
    bot = make_bot().fails("meetings.mark_present", Duplicate())
    assert await bot.router.on_text(HERE, "here") == Outcome()
    outcome = await bot.router.on_click(HERE, click(v.ATTENDANCE_SELF, {"meetingId": 3}))
    assert outcome == Outcome(response_text="Already recorded.")
    outcome = await bot.router.on_click(HERE, click(v.ATTENDANCE_SELF, invoke=False))
    assert outcome == Outcome()


@pytest.mark.parametrize(
    "error", [OSError("refused"), TimeoutError(), OperationalError("SELECT", {}, Exception())]
)
async def test_a_store_that_does_not_answer_loses_nothing(error: BaseException) -> None:
    bot = make_bot().fails("meetings.start", error)
    assert texts(await bot.router.on_text(HERE, "start meeting")) == [STORE_UNAVAILABLE]
    outcome = await bot.router.on_click(HERE, click(v.MEETING_START))
    assert outcome == Outcome(response_text=STORE_UNAVAILABLE)


async def test_a_refusal_is_told_in_its_own_words() -> None:
    bot = make_bot().fails("meetings.start", NotPermitted())
    assert texts(await bot.router.on_text(HERE, "start meeting")) == [NotPermitted.user_message]


async def test_invalid_input_no_form_shows_is_said_plainly() -> None:
    bot = make_bot().fails("meetings.mark_present", InvalidInput({"meetingId": "No meeting."}))
    outcome = await bot.router.on_click(HERE, click(v.ATTENDANCE_SELF, {"meetingId": 3}))
    assert outcome == Outcome(response_text="No meeting.")
    bot = make_bot().fails("meetings.mark_present", InvalidInput({}))
    assert texts(await bot.router.on_text(HERE, "here")) == [InvalidInput.user_message]


@pytest.mark.parametrize("invoke", [True, False], ids=["invoke", "submit"])
async def test_an_unknown_or_unreadable_click_reads_nothing(invoke: bool) -> None:
    bot = make_bot()
    unknown = await bot.router.on_click(HERE, click("made.up", invoke=invoke))
    unreadable = click(v.ATTENDANCE_SELF, {"meetingId": [3]}, invoke=invoke)
    refused = await bot.router.on_click(HERE, unreadable)
    if invoke:
        assert (unknown.response_text, refused.response_text) == (UNKNOWN_VERB, UNREADABLE)
    else:
        assert (texts(unknown), texts(refused)) == ([UNKNOWN_VERB], [UNREADABLE])
    assert bot.calls == []


ERRORS = {"agencyId": "Choose an agency.", "people": "Say who attended."}
PRESSED = {"meetingId": 3, "agencyId": "", "people": TYPED}


async def test_a_refused_form_comes_back_to_the_person_who_pressed() -> None:
    bot = make_bot().fails("meetings.record_attendance", InvalidInput(ERRORS))
    pressed = click(v.ATTENDANCE_RECORD, PRESSED)
    outcome = await bot.router.on_click(HERE, pressed)
    expected = attendance_form_card(bot.views.meeting, values=pressed.data, errors=ERRORS)
    assert outcome == Outcome(response_card=expected)


@pytest.mark.parametrize(
    "kind", [ConversationKind.CHANNEL, ConversationKind.GROUP_CHAT, ConversationKind.MEETING]
)
async def test_the_submit_fallback_in_a_group_quotes_nothing_typed(kind: ConversationKind) -> None:
    bot = make_bot().fails("meetings.record_attendance", InvalidInput(ERRORS))
    pressed = click(v.ATTENDANCE_RECORD, PRESSED, invoke=False)
    outcome = await bot.router.on_click(turn(kind), pressed)
    assert texts(outcome) == [
        "Not saved yet. Choose an agency. Say who attended. Your entries are still in the "
        "card: correct them and press the button again."
    ]
    assert TYPED not in repr(outcome)
    assert (outcome.response_card, outcome.updates) == (None, [])


async def test_the_submit_fallback_says_how_to_confirm_details() -> None:
    errors = {"confirmDetails-102": "Tick to confirm the details.", "actionText": "Describe it."}
    bot = make_bot().fails("meetings.record_action", InvalidInput(errors))
    pressed = click(v.ITEM_ACTION, {"meetingId": 3, "actionText": ""}, invoke=False)
    outcome = await bot.router.on_click(HERE, pressed)
    assert texts(outcome) == [
        f"Not saved yet. Describe it. {CONFIRM_IN_A_CURRENT_CLIENT} Your entries are still in "
        "the card: correct them and press the button again."
    ]
    bot = make_bot().fails("meetings.record_action", InvalidInput({}))
    outcome = await bot.router.on_click(HERE, pressed)
    assert texts(outcome)[0].startswith(f"Not saved yet. {InvalidInput.user_message} ")
