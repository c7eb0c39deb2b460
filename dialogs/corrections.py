"""Corrections before the minutes are agreed (issue 16), in the group's conversation: the
list of what was recorded, an entry's form, and saving a correction or withdrawal.

Every answer is a card in place of the one pressed, seen only by the person who pressed
it: the list and the form show minute text, which is never posted in the conversation.
A client without Universal Actions (the ``Action.Submit`` fallback can only post for
everyone) is told to use a current client instead. Each saved correction redraws the
corrected meeting's agenda card for everyone (a withdrawn entry drops out of its counts;
a corrected one says so), and, once the meeting has ended, the summary card posted then
(its decisions and actions): no card the bot keeps current shows a withdrawn entry.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.corrections import NEEDS_A_CURRENT_CLIENT, SUBJECT_REF_FIELD
from bot.services.context import TurnRef
from bot.services.records import shown_after_saving
from cards import summary_card
from cards import verbs as v
from cards.corrections import correction_form_card, corrections_card
from dialogs.outcome import Card, Outcome
from dialogs.ports import Corrections, Services
from dialogs.replies import redraw_on_invalid, tell
from dialogs.routes import Click, Routes
from dialogs.upkeep import agenda_update, summary_update

routes = Routes(__name__)

NOT_SET_UP = "Corrections are not set up on this bot."


def _service(ctx: Services) -> Corrections | None:
    return ctx.corrections


async def _elsewhere(corrections: Corrections, turn: TurnRef, click: Click) -> Outcome:
    """A client without Universal Actions: refused as in place (someone who may not
    correct is told so, not how to), else told to use a current client."""
    await corrections.check(turn, click.data.get("meetingId"))
    return tell(click, NEEDS_A_CURRENT_CLIENT)


@routes.verb(v.CORRECTIONS_SHOW)
async def show(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """What was recorded at a meeting (its items, or one item's entries): refused at once
    to anyone who may not correct, and once the minutes are agreed."""
    corrections = _service(ctx)
    if corrections is None:
        return tell(click, NOT_SET_UP)
    if not click.is_invoke:
        return await _elsewhere(corrections, turn, click)
    view = await corrections.records(
        turn, click.data.get("meetingId"), click.data.get("itemId"), click.data.get("page") or 1
    )
    return Outcome(response_card=corrections_card(view))


@routes.verb(v.CORRECTION_FORM)
async def form(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    corrections = _service(ctx)
    if corrections is None:
        return tell(click, NOT_SET_UP)
    if not click.is_invoke:
        return await _elsewhere(corrections, turn, click)
    view = await corrections.form(
        turn, click.data.get("meetingId"), click.data.get("kind"), click.data.get("recordId")
    )
    return Outcome(response_card=correction_form_card(view))


@routes.verb(v.CORRECTION_SAVE)
async def save(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """Save a correction or withdrawal; the form comes back with the errors beside the
    fields (and the entries kept) when one is refused for what was typed."""
    corrections = _service(ctx)
    if corrections is None:
        return tell(click, NOT_SET_UP)
    if not click.is_invoke:
        # The fallback's answer is posted for everyone: nothing typed is shown back, and
        # nothing is saved from a form that could not be handed back with its errors.
        return await _elsewhere(corrections, turn, click)
    meeting_id, kind, record_id = (
        click.data.get("meetingId"),
        click.data.get("kind"),
        click.data.get("recordId"),
    )

    async def redraw(errors: Mapping[str, str]) -> Card:
        view = await corrections.form(turn, meeting_id, kind, record_id)
        values = dict(click.data)
        if SUBJECT_REF_FIELD in errors:
            # A refused case reference may be a child's name: never show it back.
            values.pop(SUBJECT_REF_FIELD, None)
        return correction_form_card(view, values=values, errors=errors)

    saved = await redraw_on_invalid(
        turn, click, corrections.correct(turn, meeting_id, kind, record_id, click.data), redraw
    )
    meeting = await ctx.meetings.drawn(saved.meeting_id)
    async with shown_after_saving("agenda"):
        listed = await corrections.records(turn, saved.meeting_id, saved.item_id)
    # The list is the presser's answer. Pressed on the live agenda card itself (the list
    # took its place for them), an edit of that message would race the answer and could
    # put the agenda back over the list; "Back to agenda" redraws it for everyone then.
    on_the_agenda = click.card_activity_id is not None and (
        click.card_activity_id == meeting.agenda_activity_id
    )
    updates = [] if on_the_agenda else agenda_update(ctx, meeting)
    # The summary is redrawn for everyone whatever was pressed: a withdrawn entry must
    # not stay on it. Pressed on the summary itself (the list took its place for the
    # presser), the list would race that edit, so the presser is answered with the same
    # summary, which shows the correction; "Correct records" on it opens the list again.
    updates += summary_update(ctx, meeting)
    on_the_summary = click.card_activity_id is not None and (
        click.card_activity_id == meeting.summary_activity_id
    )
    return Outcome(
        updates=updates,
        response_card=summary_card(meeting, ctx.pages)
        if on_the_summary
        else corrections_card(listed, note=saved.note),
    )
