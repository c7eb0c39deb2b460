"""Offering a register subject to another group (dialogs.register_moves), through the
router on fakes: in a personal chat only; each verb calls its service with the turn's
claim key; a refused form comes back with the entries kept and the error beside it."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput, NotPermitted
from bot.domain.model import ConversationKind
from cards import verbs as v
from cards.register_moves import move_form_card, move_offer_card
from dialogs.register_moves import MOVES_NOT_SET_UP
from tests.dialogs.fakes import (
    ACTOR,
    click,
    make_bot,
    make_move_form,
    make_move_offer,
    personal,
    turn,
)
from tests.dialogs.tested import covers

HERE = personal()
VERBS = (v.SUBJECT_MOVE_FORM, v.SUBJECT_MOVE, v.SUBJECT_MOVE_ACCEPT, v.SUBJECT_MOVE_DECLINE)


@covers(v.SUBJECT_MOVE_FORM)
async def test_the_move_button_answers_with_the_ask_form() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.SUBJECT_MOVE_FORM, {"subjectId": 41}))
    assert bot.calls.only("moves.form").args == (ACTOR, 41)
    assert outcome.response_card == move_form_card(make_move_form())
    crafted = await bot.router.on_click(HERE, click(v.SUBJECT_MOVE_FORM, {"subjectId": "x"}))
    assert crafted.response_card is not None
    assert bot.calls[-1].args == (ACTOR, None)


@covers(v.SUBJECT_MOVE)
async def test_an_offer_is_sent_or_the_form_comes_back() -> None:
    bot = make_bot()
    data = {"subjectId": 41, "toLocality": "ryedale", "mode": "transfer", "reason": "Moved."}
    pressed = click(v.SUBJECT_MOVE, data)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("moves.ask").args == (ACTOR, HERE.claim_key, 41, pressed.data)
    assert outcome.response_card == move_offer_card(make_move_offer(receiving=False))
    fallback = await bot.router.on_click(HERE, click(v.SUBJECT_MOVE, data, invoke=False))
    assert fallback.posts[0].text == "M-12 sent to the chairs of Ryedale."

    errors = {"toLocality": "Ryedale already holds a child with this reference."}
    bot.fails("moves.ask", InvalidInput(errors))
    refused = await bot.router.on_click(HERE, pressed)
    assert refused.response_card == move_form_card(
        make_move_form(), values=pressed.data, errors=errors
    )


@covers(v.SUBJECT_MOVE_ACCEPT)
async def test_the_receiving_chair_accepts() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.SUBJECT_MOVE_ACCEPT, {"shareId": 12}))
    assert bot.calls.only("moves.accept").args == (ACTOR, HERE.claim_key, 12)
    assert outcome.response_card == move_offer_card(make_move_offer("accepted"))


async def test_a_refusal_is_its_plain_message() -> None:
    bot = make_bot()
    bot.fails("moves.accept", NotPermitted("Only a chair or deputy chair of Ryedale can."))
    outcome = await bot.router.on_click(HERE, click(v.SUBJECT_MOVE_ACCEPT, {"shareId": 12}))
    assert outcome.response_text == "Only a chair or deputy chair of Ryedale can."


@covers(v.SUBJECT_MOVE_DECLINE)
async def test_the_receiving_chair_declines_with_a_reason() -> None:
    bot = make_bot()
    pressed = click(v.SUBJECT_MOVE_DECLINE, {"shareId": 12, "declineReason": "Not ours."})
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("moves.decline").args == (ACTOR, HERE.claim_key, 12, pressed.data)
    assert outcome.response_card == move_offer_card(make_move_offer("declined"))

    errors = {"declineReason": "The reason is required."}
    bot.fails("moves.decline", InvalidInput(errors))
    refused = await bot.router.on_click(HERE, click(v.SUBJECT_MOVE_DECLINE, {"shareId": 12}))
    assert bot.calls[-1].method == "moves.offer"
    assert refused.response_card == move_offer_card(
        make_move_offer(), values={"verb": v.SUBJECT_MOVE_DECLINE, "shareId": 12}, errors=errors
    )


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize(
    "kind", [ConversationKind.CHANNEL, ConversationKind.GROUP_CHAT, ConversationKind.MEETING]
)
async def test_never_in_a_groups_conversation(verb: str, kind: ConversationKind) -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(turn(kind), click(verb, {"subjectId": 41, "shareId": 12}))
    assert not bot.calls
    assert "personal chat" in (outcome.response_text or "")


async def test_a_bot_without_the_service_says_so() -> None:
    bot = make_bot(moves=False)
    outcome = await bot.router.on_click(HERE, click(v.SUBJECT_MOVE_FORM, {"subjectId": 41}))
    assert outcome.response_text == MOVES_NOT_SET_UP
