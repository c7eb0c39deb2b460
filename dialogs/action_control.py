"""An action by its reference, and the chair's control of actions (issue 16, points 1
and 5): ``A-36`` typed in a personal chat opens the action's card; reminders and the
brief carry a button per action that does the same; a chair, deputy chair or coordinator
reviews an action (done, carried forward, reassigned, cancelled) from item 3 of the
agenda or from the action's card.

Who may see or change what is the service's (``bot.services.action_control``); where
each may run is ``dialogs.places``: the card in a personal chat only, the review from
the agenda in the group's conversation (its form answers only the person who pressed)
or from the card in a personal chat.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.card_fields import card_id
from bot.domain.errors import Conflict
from bot.domain.permissions import Permission
from bot.services.context import TurnRef
from bot.services.records import shown_after_saving
from cards import verbs as v
from cards.action_control import action_card, review_card, review_list_card
from dialogs.commands import Command
from dialogs.outcome import Card, Outcome, Post
from dialogs.ports import ActionControl, Services
from dialogs.replies import redraw_on_invalid, replace
from dialogs.routes import Click, Routes
from dialogs.upkeep import agenda_changed, agenda_update

routes = Routes(__name__)

NOT_SET_UP = "Actions cannot be opened by reference on this bot."
WHICH_ACTION = (
    "Which action? Type its reference as reminders show it, for example **A-36**, or "
    "**my actions** for yours."
)
#: What the person is told once each step is saved.
STEP_NOTES = {
    "done": "Marked done.",
    "carry": "Carried forward to the new date; reminders start again for it.",
    "reassign": "Reassigned; the old and the new owner are told.",
    "cancel": "Cancelled.",
}


def _control(ctx: Services) -> ActionControl:
    if ctx.action_control is None:
        raise Conflict(NOT_SET_UP)
    return ctx.action_control


@routes.command(Command.ACTION)
async def by_reference(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    """``A-36`` (or ``action A-36``): the action's card, if it is within the person's reach;
    anything else, the same "could not find"."""
    if not words.strip():
        return Outcome(posts=[Post(text=WHICH_ACTION)])
    view = await _control(ctx).find(turn, words)
    return Outcome(posts=[Post(card=action_card(view))])


@routes.verb(v.ACTION_SHOW)
async def show(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """The action's card, posted as a new message: the reminder or brief it was opened
    from stays, with its other buttons."""
    view = await _control(ctx).show(turn, click.data.get("actionId"))
    return Outcome(
        posts=[Post(card=action_card(view))],
        response_text="The action's card is below." if click.is_invoke else None,
    )


@routes.verb(v.ITEM_REVIEW_ACTIONS)
async def review_list(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """Item 3's "Review an action": the open actions, each with Review, in place of the
    agenda for the person who pressed. Refused at once to anyone who may not review."""
    view = await ctx.meetings.current(
        turn, card_id(click.data.get("meetingId")), require=Permission.MANAGE_ACTIONS
    )
    return replace(click, review_list_card(view), "Choose an action to review below.")


@routes.verb(v.ACTION_REVIEW_FORM)
async def review_form(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    form = await _control(ctx).review_form(
        turn, click.data.get("actionId"), click.data.get("meetingId")
    )
    return replace(click, review_card(form), "Review the action below.")


@routes.verb(v.ACTION_REVIEW)
async def review(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """One step saved, then: from the agenda, the live agenda redrawn for everyone (item 3
    changed); from a personal chat, the action's card with its history."""
    control = _control(ctx)
    action_id, meeting_id = click.data.get("actionId"), click.data.get("meetingId")

    async def redraw(errors: Mapping[str, str]) -> Card:
        form = await control.review_form(turn, action_id, meeting_id)
        return review_card(form, values=click.data, errors=errors)

    done = await redraw_on_invalid(
        turn, click, control.review(turn, action_id, meeting_id, click.data), redraw
    )
    note = STEP_NOTES[done.step]
    if done.meeting_id is not None:
        meeting = await ctx.meetings.drawn(done.meeting_id)
        return agenda_changed(ctx, turn, meeting, click, note=note)
    async with shown_after_saving("my actions"):
        card = await control.show(turn, done.action_id)
        running = (
            await ctx.meetings.drawn(done.agenda_meeting_id)
            if done.agenda_meeting_id is not None
            else None
        )
    outcome = replace(click, action_card(card, note=note), note)
    if running is not None:
        # A meeting of the group is in progress: its agenda's item 3 changed too.
        outcome.updates += agenda_update(ctx, running)
    return outcome
