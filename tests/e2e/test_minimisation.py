"""Data minimisation, through the real endpoint: text that looks like a full date of birth,
an NHS number, a phone number, an email address or a full postcode is pointed out before
it is saved, and saved as typed only once the writer confirms it is needed.

A refusal writes nothing, keeps the entries, puts the message beside the field (naming the
kind of detail, never the detail) and offers the confirmation toggle; Teams then sends the
ticked toggle as ``"true"`` with the same text. Text without such details saves first time.
All details here are invented (Ofcom drama numbers, the NHS test number range).
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.rules import CONFIRM_DETAILS_TITLE, confirmation_field
from bot.store import tables as t
from cards import verbs as v
from tests.e2e.cardtools import action, walk
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import (
    all_stored_text,
    error_beside,
    fields_in_error,
    input_value,
    invoke_card,
    ok,
    press,
    press_submit,
    snapshot,
    store_of,
)
from tests.e2e.test_bad_input import Stage, stage
from tests.support.activities import ConversationKind

PERSONAL: ConversationKind = "personal"


@dataclass(frozen=True)
class Detail:
    text: str  # what the writer typed
    detail: str  # the part that must never be echoed
    kind: str  # how the message names it


PHONE = Detail(
    "Mum asked to be called on 07700 900123 after six.", "07700 900123", "a phone number"
)
NHS = Detail("GP confirmed NHS number 943 476 5919 for CR-0005.", "943 476 5919", "an NHS number")
DOB = Detail("CR-0005 (DOB 12/03/2011) was missing overnight.", "12/03/2011", "a date of birth")
EMAIL = Detail(
    "Send the plan to jo.bloggs@example.org today.", "jo.bloggs@example.org", "an email address"
)
POSTCODE = Detail("Seen with older males near YO11 2AB on Friday.", "YO11 2AB", "a full postcode")
DETAILS = [
    pytest.param(PHONE, id="phone"),
    pytest.param(NHS, id="nhs"),
    pytest.param(DOB, id="dob"),
]


@dataclass(frozen=True)
class Form:
    """One free-text field a person saves, and how to send it."""

    who: str
    verb: str
    data: dict[str, Any]
    field: str
    other_inputs: dict[str, Any]
    conversation: ConversationKind = "channel"
    card_id: str = ""


async def action_id(bot: BotUnderTest) -> int:
    async with store_of(bot).reading() as session:
        found = await session.scalar(select(t.Action.id))
    assert found is not None
    return found


def minute(s: Stage, aid: int) -> Form:
    return Form(
        "minute_taker",
        v.ITEM_MINUTE,
        {"meetingId": s.meeting.id, "itemId": s.item_id},
        "minuteText",
        {},
        card_id=s.meeting.agenda_id,
    )


def decision(s: Stage, aid: int) -> Form:
    return Form(
        "minute_taker",
        v.ITEM_DECISION,
        {"meetingId": s.meeting.id, "itemId": s.item_id},
        "decisionText",
        {},
        card_id=s.meeting.agenda_id,
    )


def action_description(s: Stage, aid: int) -> Form:
    return Form(
        "minute_taker",
        v.ITEM_ACTION,
        {"meetingId": s.meeting.id, "itemId": s.item_id},
        "description",
        {"ownerId": s.police_member, "dueDate": "2026-12-10", "subjectKind": "none"},
        card_id=s.meeting.agenda_id,
    )


def update(s: Stage, aid: int) -> Form:
    return Form("police", v.ACTION_UPDATE, {"actionId": aid}, f"update-{aid}", {}, PERSONAL)


def done_note(s: Stage, aid: int) -> Form:
    return Form("police", v.ACTION_DONE, {"actionId": aid}, f"done-{aid}", {}, PERSONAL)


def date_reason(s: Stage, aid: int) -> Form:
    return Form(
        "police",
        v.ACTION_REQUEST_DATE,
        {"actionId": aid},
        f"reason-{aid}",
        {f"newDate-{aid}": "2026-12-17"},
        PERSONAL,
    )


def shared_text(s: Stage, aid: int) -> Form:
    return Form(
        "police",
        v.ROUND_ANSWER,
        {"roundId": s.round_id},
        "shareText",
        {"outcome": "shared"},
        card_id=s.round_card_id,
    )


def challenge_text(s: Stage, aid: int) -> Form:
    return Form(
        "police",
        v.ROUND_ANSWER,
        {"roundId": s.round_id},
        "shareText",
        {"outcome": "challenge", "challengeTo": "", "challengeAbout": "the disruption plan"},
        card_id=s.round_card_id,
    )


def challenge_about(s: Stage, aid: int) -> Form:
    return Form(
        "police",
        v.ROUND_ANSWER,
        {"roundId": s.round_id},
        "challengeAbout",
        {"outcome": "challenge", "challengeTo": "", "shareText": "The plan is not working."},
        card_id=s.round_card_id,
    )


def challenge_response(s: Stage, aid: int) -> Form:
    c = s.challenge_id
    return Form(
        "social_care",
        v.CHALLENGE_RESPOND,
        {"challengeId": c},
        f"response-{c}",
        {f"resolution-{c}": "resolved"},
    )


FormOf = Callable[[Stage, int], Form]


async def send(
    bot: BotUnderTest, s: Stage, form: Form, inputs: dict[str, Any], *, how: str = "invoke"
) -> Any:
    sender = press if how == "invoke" else press_submit
    return ok(
        await sender(
            bot,
            form.who,
            form.verb,
            form.data,
            {**form.other_inputs, **inputs},
            card_id=form.card_id or s.meeting.agenda_id,
            conversation=form.conversation,
        )
    )


def without_input_values(card: dict[str, Any]) -> str:
    """The card as JSON with what was typed taken out of the inputs: everything else in it
    is the bot's own wording, which must never repeat a detail."""
    stripped = copy.deepcopy(card)
    for node in walk(stripped):
        if str(node.get("type", "")).startswith("Input."):
            node.pop("value", None)
    return json.dumps(stripped)


def toggle(card: dict[str, Any], field: str) -> dict[str, Any]:
    wanted = confirmation_field(field)
    found = [n for n in walk(card) if n.get("type") == "Input.Toggle" and n.get("id") == wanted]
    assert len(found) == 1, f"expected the confirmation toggle {wanted!r}"
    return found[0]


def toggles(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(card) if n.get("type") == "Input.Toggle"]


def assert_pointed_out(card: dict[str, Any], form: Form, typed: Detail) -> None:
    """Refused: the message beside the field names the kind, the entries are kept, the
    toggle is offered, and nothing the bot wrote repeats the detail."""
    message = error_beside(card, form.field)
    assert typed.kind in message
    assert "case reference and initials" in message
    assert fields_in_error(card) == {form.field}
    assert input_value(card, form.field) == typed.text, "the entry is kept"
    for key, value in form.other_inputs.items():
        if isinstance(value, str) and value and not key.startswith("resolution-"):
            assert (input_value(card, key) or "") == value, key
    offered = toggle(card, form.field)
    assert offered["title"] == CONFIRM_DETAILS_TITLE
    assert offered.get("value", "false") == "false", "never ticked for the writer"
    assert action(card, form.verb), "the form can be sent again"
    assert typed.detail not in without_input_values(card)


# -- (1) refused, (2) saved once confirmed: every field a person saves ----------------------


@pytest.mark.parametrize(
    ("form_of", "typed"),
    [
        pytest.param(minute, PHONE, id="minute"),
        pytest.param(decision, NHS, id="decision"),
        pytest.param(action_description, DOB, id="action description"),
        pytest.param(update, PHONE, id="action update"),
        pytest.param(done_note, EMAIL, id="done note"),
        pytest.param(date_reason, POSTCODE, id="new-date reason"),
        pytest.param(shared_text, NHS, id="shared text"),
        pytest.param(challenge_text, DOB, id="challenge text"),
        pytest.param(challenge_about, POSTCODE, id="challenge about"),
        pytest.param(challenge_response, EMAIL, id="challenge response"),
    ],
)
async def test_every_free_text_field_points_out_details_then_saves_when_confirmed(
    bot: BotUnderTest, form_of: FormOf, typed: Detail, caplog: pytest.LogCaptureFixture
) -> None:
    s = await stage(bot)
    form = form_of(s, await action_id(bot))
    store = store_of(bot)
    before = await snapshot(store)
    posts, updates = len(bot.connector.sent()), len(bot.connector.updated())

    with caplog.at_level(logging.DEBUG):
        card = invoke_card(await send(bot, s, form, {form.field: typed.text}))

    assert_pointed_out(card, form, typed)
    assert await snapshot(store) == before, "nothing is saved until the writer confirms"
    assert len(bot.connector.sent()) == posts and len(bot.connector.updated()) == updates
    assert typed.detail not in caplog.text, "logs never carry what was found"

    # Teams sends the ticked toggle as "true", beside the same text.
    confirmed = {form.field: typed.text, confirmation_field(form.field): "true"}
    await send(bot, s, form, confirmed)
    assert typed.text in await all_stored_text(store), "saved exactly as typed"


# -- the minute, an update and a round text in detail ---------------------------------------


@pytest.mark.parametrize("typed", DETAILS)
async def test_a_minute_with_a_detail_is_refused_then_saved_as_typed(
    bot: BotUnderTest, typed: Detail
) -> None:
    s = await stage(bot)
    form = minute(s, await action_id(bot))
    before = await snapshot(store_of(bot))

    card = invoke_card(await send(bot, s, form, {form.field: typed.text}))
    assert_pointed_out(card, form, typed)
    assert await snapshot(store_of(bot)) == before

    # The person ticks the toggle on the card they were given and presses it again.
    again = action(card, form.verb)["data"]
    ok(
        await press(
            bot,
            form.who,
            form.verb,
            again,
            {form.field: typed.text, confirmation_field(form.field): "true"},
            card_id=s.meeting.agenda_id,
        )
    )
    async with store_of(bot).reading() as session:
        minutes = list(await session.scalars(select(t.MinuteEntry.text)))
    assert minutes == [typed.text]


@pytest.mark.parametrize("typed", DETAILS)
async def test_an_update_with_a_detail_is_refused_then_saved_as_typed(
    bot: BotUnderTest, typed: Detail
) -> None:
    s = await stage(bot)
    aid = await action_id(bot)
    form = update(s, aid)
    before = await snapshot(store_of(bot))

    card = invoke_card(await send(bot, s, form, {form.field: typed.text}))
    assert_pointed_out(card, form, typed)
    # The toggle sits in the same ShowCard as the update, so it is sent with it.
    show = next(
        n
        for n in walk(card)
        if n.get("type") == "Action.ShowCard" and n.get("title") == "Add an update"
    )
    assert toggle(show, form.field)
    assert await snapshot(store_of(bot)) == before

    await send(bot, s, form, {form.field: typed.text, confirmation_field(form.field): "true"})
    async with store_of(bot).reading() as session:
        notes = list(
            await session.scalars(
                select(t.ActionEvent.note).where(
                    t.ActionEvent.action_id == aid, t.ActionEvent.kind == "update"
                )
            )
        )
    assert notes == [typed.text]


@pytest.mark.parametrize("typed", DETAILS)
async def test_a_shared_text_with_a_detail_is_refused_then_saved_as_typed(
    bot: BotUnderTest, typed: Detail
) -> None:
    s = await stage(bot)
    form = shared_text(s, await action_id(bot))
    before = await snapshot(store_of(bot))

    card = invoke_card(await send(bot, s, form, {form.field: typed.text}))
    assert_pointed_out(card, form, typed)
    assert input_value(card, "outcome") == "shared"
    assert await snapshot(store_of(bot)) == before

    await send(bot, s, form, {form.field: typed.text, confirmation_field(form.field): "true"})
    async with store_of(bot).reading() as session:
        police_turn = await session.scalar(
            select(t.RoundTurn.text).where(t.RoundTurn.outcome == "shared")
        )
    assert police_turn == typed.text


# -- the Action.Submit fallback ---------------------------------------------------------------


@pytest.mark.parametrize("typed", DETAILS)
async def test_in_the_channel_the_fallback_says_what_kind_without_quoting_it(
    bot: BotUnderTest, typed: Detail, caplog: pytest.LogCaptureFixture
) -> None:
    """An Action.Submit can only post to the whole channel: the message names the kind of
    detail, never the detail, and says how to confirm (the pressed card has no toggle)."""
    s = await stage(bot)
    form = minute(s, await action_id(bot))
    before = await snapshot(store_of(bot))
    posted = len(bot.connector.sent())

    with caplog.at_level(logging.DEBUG):
        await send(bot, s, form, {form.field: typed.text}, how="submit")

    new = bot.connector.sent()[posted:]
    assert len(new) == 1 and not new[0].get("attachments"), new
    text = new[0]["text"]
    assert text.startswith("Not saved yet.") and "press the button again" in text
    assert typed.kind in text and "current Teams client" in text
    assert "tick" not in text.lower(), "there is no toggle in the card they pressed"
    assert typed.detail not in json.dumps(bot.connector.sent())
    assert typed.detail not in caplog.text
    assert await snapshot(store_of(bot)) == before

    # A client that can send the confirmation (or a payload carrying it) saves it.
    await send(
        bot,
        s,
        form,
        {form.field: typed.text, confirmation_field(form.field): "true"},
        how="submit",
    )
    assert typed.text in await all_stored_text(store_of(bot))


async def test_in_a_personal_chat_the_fallback_posts_the_form_with_the_toggle(
    bot: BotUnderTest,
) -> None:
    s = await stage(bot)
    form = update(s, await action_id(bot))
    before = await snapshot(store_of(bot))
    posted = len(bot.connector.sent())

    await send(bot, s, form, {form.field: PHONE.text}, how="submit")

    new = bot.connector.sent()[posted:]
    assert len(new) == 1
    card = new[0]["attachments"][0]["content"]
    assert_pointed_out(card, form, PHONE)
    assert PHONE.detail not in (new[0].get("text") or "")
    assert await snapshot(store_of(bot)) == before


# -- the services, not the cards, enforce it ---------------------------------------------------


@pytest.mark.parametrize(
    "confirmation",
    [
        pytest.param({}, id="no confirmation"),
        pytest.param({confirmation_field("minuteText"): "false"}, id="toggle off"),
        pytest.param({confirmation_field("decisionText"): "true"}, id="another field's"),
        pytest.param({"confirmDetails": "true"}, id="not tied to a field"),
    ],
)
async def test_a_crafted_payload_without_the_confirmation_is_refused(
    bot: BotUnderTest, confirmation: dict[str, str]
) -> None:
    s = await stage(bot)
    form = minute(s, await action_id(bot))
    before = await snapshot(store_of(bot))
    card = invoke_card(await send(bot, s, form, {form.field: PHONE.text, **confirmation}))
    assert PHONE.kind in error_beside(card, form.field)
    assert await snapshot(store_of(bot)) == before


async def test_the_confirmation_stays_ticked_while_another_field_is_put_right(
    bot: BotUnderTest,
) -> None:
    s = await stage(bot)
    form = action_description(s, await action_id(bot))
    ticked = {form.field: EMAIL.text, confirmation_field(form.field): "true", "dueDate": ""}
    card = invoke_card(await send(bot, s, form, ticked))
    assert fields_in_error(card) == {"dueDate"}
    assert toggle(card, form.field).get("value") == "true"
    assert EMAIL.detail not in without_input_values(card)

    await send(bot, s, form, {**ticked, "dueDate": "2026-12-10"})
    async with store_of(bot).reading() as session:
        descriptions = list(await session.scalars(select(t.Action.description)))
    assert EMAIL.text in descriptions


# -- (3) text without such details saves first time -------------------------------------------


@pytest.mark.parametrize(
    ("form_of", "clean"),
    [
        pytest.param(minute, "CR-0005 (G.H.) seen with older males; review on 03/12/2026.", id="m"),
        pytest.param(update, "Spoke to the school on 18 Nov 2026; attendance now 82%.", id="u"),
        pytest.param(shared_text, "CR-0001 (A.B.) reported missing twice, YO11 area.", id="r"),
    ],
)
async def test_text_without_details_saves_first_time(
    bot: BotUnderTest, form_of: FormOf, clean: str
) -> None:
    s = await stage(bot)
    form = form_of(s, await action_id(bot))
    body = await send(bot, s, form, {form.field: clean})
    assert clean in await all_stored_text(store_of(bot))
    answer = json.dumps(body) + json.dumps(bot.connector.sent())
    assert CONFIRM_DETAILS_TITLE not in answer, "no extra step"
    if isinstance(body, dict) and body.get("type") == "application/vnd.microsoft.card.adaptive":
        assert not toggles(body["value"])
