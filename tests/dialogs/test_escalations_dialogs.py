"""Escalation beyond the locality (dialogs.escalations), through the router on fakes: in a
personal chat only; each verb calls its service with the turn's claim key; a refused form
comes back with the entries kept and the error beside it; the challenge form's
"escalated" says where it went."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput, NotFound, NotPermitted
from bot.domain.escalations import FIELD_RESPONSE, FIELD_WHY
from bot.domain.model import ConversationKind, EscalationStatus
from cards import verbs as v
from cards.escalations import escalate_form_card, escalation_card, escalations_list_card
from dialogs.commands import Command
from dialogs.escalations import NOT_SET_UP
from dialogs.places import PERSONAL_ONLY
from tests.dialogs.fakes import (
    ACTOR,
    click,
    make_bot,
    make_escalation,
    make_escalation_form,
    personal,
    turn,
)
from tests.dialogs.tested import covers

HERE = personal()
VERBS = (
    v.ESCALATE_FORM,
    v.ESCALATE,
    v.ESCALATION_SHOW,
    v.ESCALATION_RESPOND,
    v.ESCALATION_CLOSE,
)


@covers(v.ESCALATE_FORM)
async def test_the_escalate_button_answers_with_the_form() -> None:
    bot = make_bot()
    pressed = click(v.ESCALATE_FORM, {"kind": "action", "recordId": 7})
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("escalations.form").args == (ACTOR, "action", 7)
    assert outcome.response_card == escalate_form_card(make_escalation_form())
    await bot.router.on_click(HERE, click(v.ESCALATE_FORM, {"kind": "action", "recordId": "x"}))
    assert bot.calls[-1].args == (ACTOR, "action", None)


@covers(v.ESCALATE)
async def test_an_escalation_is_raised_or_the_form_comes_back() -> None:
    bot = make_bot()
    data = {
        "kind": "action",
        "recordId": 7,
        "escalateTo": "operational",
        "escalateWhat": "No placement.",
        "escalateWhy": "Beyond us.",
    }
    pressed = click(v.ESCALATE, data)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("escalations.escalate").args == (
        ACTOR,
        HERE.claim_key,
        "action",
        7,
        pressed.data,
    )
    assert outcome.response_card == escalation_card(make_escalation())
    fallback = await bot.router.on_click(HERE, click(v.ESCALATE, data, invoke=False))
    assert fallback.posts[0].text == "E-4 sent to the MACE Operational Group: its members are told."

    errors = {FIELD_WHY: "Why it is escalated is required."}
    bot.fails("escalations.escalate", InvalidInput(errors))
    refused = await bot.router.on_click(HERE, pressed)
    assert refused.response_card == escalate_form_card(
        make_escalation_form(), values=pressed.data, errors=errors
    )


@covers(v.ESCALATION_SHOW)
async def test_an_escalation_opens_from_its_notice() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.ESCALATION_SHOW, {"escalationId": 4}))
    assert bot.calls.only("escalations.view").args == (ACTOR, 4)
    assert outcome.response_card == escalation_card(make_escalation(can_respond=True))
    bot.fails("escalations.view", NotFound("I could not find that escalation."))
    hidden = await bot.router.on_click(HERE, click(v.ESCALATION_SHOW, {"escalationId": 5}))
    assert hidden.response_text == "I could not find that escalation."


@covers(v.ESCALATION_RESPOND)
async def test_the_group_records_its_response() -> None:
    bot = make_bot()
    data = {"escalationId": 4, FIELD_RESPONSE: "Panel on Friday.", "escalationDecision": "Yes."}
    pressed = click(v.ESCALATION_RESPOND, data)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("escalations.respond").args == (ACTOR, HERE.claim_key, 4, pressed.data)
    assert outcome.response_card == escalation_card(make_escalation(EscalationStatus.RESPONDED))

    errors = {FIELD_RESPONSE: "The response is required."}
    bot.fails("escalations.respond", InvalidInput(errors))
    refused = await bot.router.on_click(HERE, pressed)
    assert refused.response_card == escalation_card(
        make_escalation(can_respond=True), values=pressed.data, errors=errors
    )


@covers(v.ESCALATION_CLOSE)
async def test_the_locality_chair_closes_it() -> None:
    bot = make_bot()
    pressed = click(v.ESCALATION_CLOSE, {"escalationId": 4, "escalationCloseNote": "Done."})
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("escalations.close").args == (ACTOR, HERE.claim_key, 4, pressed.data)
    assert outcome.response_card == escalation_card(make_escalation(EscalationStatus.CLOSED))
    bot.fails("escalations.close", NotPermitted("Only a chair or deputy chair can close it."))
    refused = await bot.router.on_click(HERE, pressed)
    assert refused.response_text == "Only a chair or deputy chair can close it."


@covers(Command.ESCALATIONS)
async def test_escalations_lists_those_the_person_may_see() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "open escalations")).posts
    assert bot.calls.only("escalations.open_ones").args == (ACTOR,)
    assert post.card == escalations_list_card(
        await bot.router.services.escalations.open_ones(ACTOR)  # type: ignore[union-attr]
    )


async def test_escalations_are_refused_outside_a_personal_chat() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(turn(ConversationKind.CHANNEL), "escalations")).posts
    assert post.text == PERSONAL_ONLY.format(what="escalations")
    for verb in VERBS:
        outcome = await bot.router.on_click(
            turn(ConversationKind.CHANNEL), click(verb, {"escalationId": 4})
        )
        assert outcome.response_text == PERSONAL_ONLY.format(what="escalations")
    assert not bot.calls


@pytest.mark.parametrize("verb", VERBS)
async def test_a_bot_without_escalations_says_so(verb: str) -> None:
    bot = make_bot(escalations=False)
    outcome = await bot.router.on_click(HERE, click(verb, {"escalationId": 4}))
    assert outcome.response_text == NOT_SET_UP
