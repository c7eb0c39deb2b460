"""Corrections before the minutes are agreed (dialogs.corrections, issue 16), through the
router on fakes: in the group's conversation only; every answer is a card for the person
who pressed (never posted: minute text is on it); a refused form comes back with the
entries kept and the errors beside the fields; a save redraws the live agenda card."""

from __future__ import annotations

from bot.domain.corrections import MINUTES_LOCKED, NEEDS_A_CURRENT_CLIENT, RecordKind
from bot.domain.errors import Conflict, InvalidInput, NotPermitted
from cards import verbs as v
from cards.corrections import correction_form_card, corrections_card
from dialogs.corrections import NOT_SET_UP
from dialogs.places import MEETINGS_IN_GROUP_ONLY
from tests.dialogs.fakes import (
    AGENDA_ACTIVITY,
    click,
    make_bot,
    make_correction_form,
    make_correction_list,
    personal,
    turn,
)
from tests.dialogs.tested import covers
from tests.support.card_schema import validate_card

HERE = turn()
VERBS = (v.CORRECTIONS_SHOW, v.CORRECTION_FORM, v.CORRECTION_SAVE)
FORM = {"meetingId": 1, "kind": "minute", "recordId": 31}


@covers(v.CORRECTIONS_SHOW)
async def test_correct_records_answers_the_presser_with_the_list() -> None:
    bot = make_bot()
    pressed = click(v.CORRECTIONS_SHOW, {"meetingId": 1, "itemId": 104}, on=AGENDA_ACTIVITY)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("corrections.records").args == (HERE, 1, 104, 1)
    assert outcome.response_card == corrections_card(make_correction_list())
    assert outcome.posts == [] and outcome.updates == []
    # Without an item: the meeting's items with entries.
    whole = await bot.router.on_click(HERE, click(v.CORRECTIONS_SHOW, {"meetingId": 1}))
    assert whole.response_card == corrections_card(make_correction_list(item=False))


@covers(v.CORRECTION_FORM)
async def test_correct_answers_with_the_entry_s_form() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.CORRECTION_FORM, FORM))
    assert bot.calls.only("corrections.form").args == (HERE, 1, "minute", 31)
    assert outcome.response_card == correction_form_card(make_correction_form())


@covers(v.CORRECTION_SAVE)
async def test_a_saved_correction_redraws_the_agenda_and_answers_with_the_list() -> None:
    bot = make_bot()
    data = {**FORM, "correctedText": "CR-0107 discussed.", "reason": "Typo."}
    pressed = click(v.CORRECTION_SAVE, data)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("corrections.correct").args == (HERE, 1, "minute", 31, pressed.data)
    assert outcome.response_card == corrections_card(
        make_correction_list(), note="Minute corrected."
    )
    # The live agenda card is edited for everyone.
    (update,) = outcome.updates
    assert update.activity_id == AGENDA_ACTIVITY
    assert outcome.posts == []


async def test_a_correction_saved_on_the_agenda_message_is_not_overwritten_by_the_agenda() -> None:
    """The list replaced the live agenda card for the presser: editing that message too
    would race the answer (the Playground showed the agenda win), so it is left to "Back
    to agenda", which redraws it for everyone."""
    bot = make_bot()
    data = {**FORM, "correctedText": "CR-0107 discussed.", "reason": "Typo."}
    outcome = await bot.router.on_click(HERE, click(v.CORRECTION_SAVE, data, on=AGENDA_ACTIVITY))
    assert outcome.response_card == corrections_card(
        make_correction_list(), note="Minute corrected."
    )
    assert outcome.updates == []


async def test_a_refused_correction_comes_back_with_the_entries_and_errors() -> None:
    bot = make_bot()
    errors = {"reason": "A reason is required.", "subjectRef": "Give the case reference."}
    bot.fails("corrections.correct", InvalidInput(errors))
    data = {**FORM, "correctedText": "New text", "reason": "", "subjectRef": "Jane Smith"}
    outcome = await bot.router.on_click(HERE, click(v.CORRECTION_SAVE, data))
    values = {"verb": v.CORRECTION_SAVE, **data}
    values.pop("subjectRef")  # a refused reference may be a name: never shown back
    assert outcome.response_card == correction_form_card(
        make_correction_form(), values=values, errors=errors
    )
    assert "Jane Smith" not in str(outcome.response_card)
    assert outcome.updates == []


async def test_refusals_are_plain_messages() -> None:
    bot = make_bot()
    bot.fails("corrections.correct", Conflict(MINUTES_LOCKED))
    locked = await bot.router.on_click(HERE, click(v.CORRECTION_SAVE, FORM))
    assert locked.response_text == MINUTES_LOCKED
    bot.fails("corrections.records", NotPermitted(attempted="correct_records"))
    refused = await bot.router.on_click(HERE, click(v.CORRECTIONS_SHOW, {"meetingId": 1}))
    assert refused.response_text == NotPermitted.user_message
    assert refused.response_card is None


async def test_the_fallback_never_posts_minute_text_and_saves_nothing() -> None:
    bot = make_bot()
    for verb in VERBS:
        outcome = await bot.router.on_click(HERE, click(verb, FORM, invoke=False))
        assert [p.text for p in outcome.posts] == [NEEDS_A_CURRENT_CLIENT]
        assert all(p.card is None for p in outcome.posts)
    # Only the check of who may correct ran: nothing read to show, nothing saved.
    assert bot.calls.names() == ["corrections.check"] * len(VERBS)
    # Someone who may not correct is refused, not told how to.
    bot.fails("corrections.check", NotPermitted(attempted="correct_records"))
    refused = await bot.router.on_click(HERE, click(v.CORRECTION_SAVE, FORM, invoke=False))
    assert [p.text for p in refused.posts] == [NotPermitted.user_message]


async def test_only_in_the_group_s_conversation() -> None:
    bot = make_bot()
    for verb in VERBS:
        outcome = await bot.router.on_click(personal(), click(verb, FORM))
        assert outcome.response_text == MEETINGS_IN_GROUP_ONLY
    assert bot.calls == []


async def test_a_bot_without_corrections_says_so() -> None:
    bot = make_bot(corrections=False)
    outcome = await bot.router.on_click(HERE, click(v.CORRECTIONS_SHOW, {"meetingId": 1}))
    assert outcome.response_text == NOT_SET_UP


def test_the_fakes_draw_valid_cards() -> None:
    """What these tests compare against is itself a card Teams would render."""
    validate_card(corrections_card(make_correction_list()))
    for kind in RecordKind:
        validate_card(correction_form_card(make_correction_form(kind)))
