"""Escalation beyond the locality (issue 16, point 3), in a personal chat only
(``dialogs.places``): what and why can name children.

"Escalate" on a subject's card or on an action in the outstanding list opens the form;
sending it answers with the escalation's card. The group's members open it from their
notice (or ``escalations``) and record the response and decision on it; the locality's
chairs close it from theirs. A challenge is escalated from the challenge form itself
(``dialogs.rounds``). Who may do each is the service's to check, on every call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from bot.domain.card_fields import card_id
from bot.domain.errors import Conflict
from bot.domain.escalations import EscalationView, escalation_reference
from bot.domain.rules import clean_text
from bot.services.context import ActorRef, TurnRef
from cards import verbs as v
from cards.escalations import escalate_form_card, escalation_card, escalations_list_card
from dialogs.commands import Command
from dialogs.outcome import Outcome, Post
from dialogs.ports import Escalations, Services
from dialogs.replies import form_again, redraw_on_invalid, replace
from dialogs.routes import Click, Routes

routes = Routes(__name__)

NOT_SET_UP = "Escalation to the MACE Operational and Strategic groups is not set up on this bot."


def escalations_of(ctx: Services) -> Escalations:
    if ctx.escalations is None:
        raise Conflict(NOT_SET_UP)
    return ctx.escalations


def _kind(click: Click) -> str:
    return clean_text(click.data.get("kind"))


@routes.verb(v.ESCALATE_FORM)
async def escalate_form(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    record_id = card_id(click.data.get("recordId"))
    view = await escalations_of(ctx).form(turn.actor, _kind(click), record_id)
    return replace(click, escalate_form_card(view), "Choose the group below.")


@routes.verb(v.ESCALATE)
async def escalate(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    service = escalations_of(ctx)
    kind = _kind(click)
    record_id = card_id(click.data.get("recordId"))
    raised = await redraw_on_invalid(
        turn,
        click,
        service.escalate(turn.actor, turn.claim_key, kind, record_id, click.data),
        form_again(click, lambda: service.form(turn.actor, kind, record_id), escalate_form_card),
    )
    note = f"{raised.reference} sent to the {raised.group}: its members are told."
    return replace(click, escalation_card(raised), note)


@routes.verb(v.ESCALATION_SHOW)
async def show(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    view = await escalations_of(ctx).view(turn.actor, card_id(click.data.get("escalationId")))
    card = escalation_card(view)
    if click.is_invoke:
        return replace(click, card, view.reference)
    return Outcome(posts=[Post(card=card)])


#: ``respond`` or ``close`` of the escalations service: the same arguments and answer.
Step = Callable[[ActorRef, str | None, object, Mapping[str, object]], Awaitable[EscalationView]]


async def _on_card(
    ctx: Services,
    turn: TurnRef,
    click: Click,
    step: Callable[[Escalations], Step],
    note: Callable[[EscalationView], str],
) -> Outcome:
    """Respond and close alike: the step on the escalation the card is about; refused, the
    card drawn again with the entries and the errors; saved, the card as it now stands."""
    service = escalations_of(ctx)
    escalation_id = card_id(click.data.get("escalationId"))
    changed = await redraw_on_invalid(
        turn,
        click,
        step(service)(turn.actor, turn.claim_key, escalation_id, click.data),
        form_again(click, lambda: service.view(turn.actor, escalation_id), escalation_card),
    )
    return replace(click, escalation_card(changed), note(changed))


@routes.verb(v.ESCALATION_RESPOND)
async def respond(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    def note(answered: EscalationView) -> str:
        return (
            f"Response to {answered.reference} recorded; the {answered.locality} chairs are told."
        )

    return await _on_card(ctx, turn, click, lambda service: service.respond, note)


@routes.verb(v.ESCALATION_CLOSE)
async def close(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    def note(closed: EscalationView) -> str:
        return f"{escalation_reference(closed.id)} closed; it leaves item 8 of the agenda."

    return await _on_card(ctx, turn, click, lambda service: service.close, note)


@routes.command(Command.ESCALATIONS)
async def escalations(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    listed = await escalations_of(ctx).open_ones(turn.actor)
    return Outcome(posts=[Post(card=escalations_list_card(listed))])
