"""Offering a register subject to another locality group, and the receiving chair's
answer (issue 15, point 7), in a personal chat only (``dialogs.places``): the register
names children.

"Move or share" on a subject's card opens the ask form; sending it answers with the offer
as it now stands. The receiving chair's notice (``dialogs.notices``) carries Accept and
Decline; Decline asks why. Who may do each is the service's to check, on every call.
"""

from __future__ import annotations

from bot.domain.card_fields import card_id
from bot.domain.errors import Conflict
from bot.domain.register_moves import offer_reference
from bot.services.context import TurnRef
from cards import verbs as v
from cards.register_moves import move_form_card, move_offer_card
from dialogs.outcome import Outcome
from dialogs.ports import Moves, Services
from dialogs.replies import form_again, redraw_on_invalid, replace
from dialogs.routes import Click, Routes

routes = Routes(__name__)

MOVES_NOT_SET_UP = "Offering subjects to other groups is not set up on this bot."


def register_moves(ctx: Services) -> Moves:
    if ctx.moves is None:
        raise Conflict(MOVES_NOT_SET_UP)
    return ctx.moves


@routes.verb(v.SUBJECT_MOVE_FORM)
async def move_form(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    view = await register_moves(ctx).form(turn.actor, card_id(click.data.get("subjectId")))
    return replace(click, move_form_card(view), "Choose the group below.")


@routes.verb(v.SUBJECT_MOVE)
async def move(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    moves = register_moves(ctx)
    subject_id = card_id(click.data.get("subjectId"))

    offer = await redraw_on_invalid(
        turn,
        click,
        moves.ask(turn.actor, turn.claim_key, subject_id, click.data),
        form_again(click, lambda: moves.form(turn.actor, subject_id), move_form_card),
    )
    note = f"{offer_reference(offer.share_id)} sent to the chairs of {offer.to_locality}."
    return replace(click, move_offer_card(offer), note)


@routes.verb(v.SUBJECT_MOVE_ACCEPT)
async def move_accept(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    share_id = card_id(click.data.get("shareId"))
    offer = await register_moves(ctx).accept(turn.actor, turn.claim_key, share_id)
    return replace(click, move_offer_card(offer), f"{offer_reference(offer.share_id)} accepted.")


@routes.verb(v.SUBJECT_MOVE_DECLINE)
async def move_decline(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    moves = register_moves(ctx)
    share_id = card_id(click.data.get("shareId"))

    offer = await redraw_on_invalid(
        turn,
        click,
        moves.decline(turn.actor, turn.claim_key, share_id, click.data),
        form_again(click, lambda: moves.offer(turn.actor, share_id), move_offer_card),
    )
    return replace(click, move_offer_card(offer), f"{offer_reference(offer.share_id)} declined.")
