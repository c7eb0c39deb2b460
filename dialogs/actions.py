"""Actions between meetings, in a person's own chat: "my actions" and what an owner can do
with each (an update, done, ask for a new date, hand over), and the chair's answer to a
request for a new date.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.card_fields import card_id
from bot.services.context import TurnRef
from bot.services.records import shown_after_saving
from cards import date_request_card, hand_over_card, my_actions_card
from cards import verbs as v
from dialogs.commands import Command
from dialogs.outcome import Card, Outcome, Post
from dialogs.ports import Services
from dialogs.replies import redraw_on_invalid, replace
from dialogs.routes import Click, Routes

routes = Routes(__name__)

#: What the owner is told once each change is saved.
CHANGE_NOTES = {
    v.ACTION_UPDATE: "Update saved.",
    v.ACTION_DONE: "Marked done. Thank you.",
    v.ACTION_REQUEST_DATE: "Sent to the chair, who will accept or refuse the new date.",
    v.ACTION_HAND_OVER: "Handed over; your colleague owns it now.",
}


@routes.command(Command.MY_ACTIONS)
async def mine(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    items = await ctx.actions.my_actions(turn.actor)
    return Outcome(posts=[Post(card=my_actions_card(items))])


@routes.verb(v.ACTIONS_MINE)
async def mine_click(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    items = await ctx.actions.my_actions(turn.actor)
    return replace(click, my_actions_card(items), "Your actions are below.")


@routes.verb(v.ACTION_UPDATE, v.ACTION_DONE, v.ACTION_REQUEST_DATE, v.ACTION_HAND_OVER)
async def change_action(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    run = {
        v.ACTION_UPDATE: ctx.actions.add_update,
        v.ACTION_DONE: ctx.actions.mark_done,
        v.ACTION_REQUEST_DATE: ctx.actions.request_new_date,
        v.ACTION_HAND_OVER: ctx.actions.hand_over,
    }[click.verb]
    note = CHANGE_NOTES[click.verb]
    action_id = card_id(click.data.get("actionId"))

    async def redraw(errors: Mapping[str, str]) -> Card:
        if click.verb == v.ACTION_HAND_OVER:
            item = await ctx.actions.hand_over_choices(turn.actor, action_id)
            return hand_over_card(item, values=click.data, errors=errors)
        items = await ctx.actions.my_actions(turn.actor)
        return my_actions_card(items, values=click.data, errors=errors)

    await redraw_on_invalid(
        turn, click, run(turn.actor, turn.claim_key, action_id, click.data), redraw
    )
    # Saved by now: a store that fails from here must not be told as "nothing saved".
    async with shown_after_saving("my actions"):
        items = await ctx.actions.my_actions(turn.actor)
    return replace(click, my_actions_card(items, note=note), note)


@routes.verb(v.ACTION_HAND_OVER_CHOOSE)
async def hand_over_choose(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    item = await ctx.actions.hand_over_choices(turn.actor, card_id(click.data.get("actionId")))
    return replace(click, hand_over_card(item), "Choose a colleague below.")


@routes.verb(v.DATE_REQUEST_SHOW)
async def date_request_show(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    view = await ctx.actions.date_request(turn.actor, card_id(click.data.get("actionId")))
    return replace(click, date_request_card(view, detailed=True), "Details below.")


@routes.verb(v.DATE_REQUEST_ACCEPT, v.DATE_REQUEST_REFUSE)
async def date_request_decide(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    accept = click.verb == v.DATE_REQUEST_ACCEPT
    view = await ctx.actions.decide_date(
        turn.actor, turn.claim_key, card_id(click.data.get("actionId")), accept
    )
    return replace(click, date_request_card(view), f"Request {view.decided}.")
