"""The meeting itself, in the group's conversation: start, the agenda, who is here,
moving through the items, attendance, minutes, decisions and actions, agreeing the last
meeting's minutes, and the end.

Every change edits the live agenda card in place for everyone (``dialogs.upkeep``); a
form refused for its entries comes back with the errors beside the fields
(``dialogs.replies.redraw_on_invalid``).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.card_fields import card_id
from bot.domain.errors import Conflict
from bot.domain.model import EntryKind
from bot.domain.permissions import Permission
from bot.domain.views import MeetingView
from bot.services.context import TurnRef
from cards import (
    action_form_card,
    agenda_card,
    attendance_form_card,
    end_form_card,
    entry_form_card,
    summary_card,
)
from cards import verbs as v
from cards.forms import subject_form_card
from dialogs.commands import Command
from dialogs.outcome import Card, Outcome, Post
from dialogs.ports import Services
from dialogs.replies import redraw_on_invalid, replace
from dialogs.routes import Click, Routes
from dialogs.upkeep import agenda_changed, agenda_post, live_agenda, summary_post

routes = Routes(__name__)

NOT_A_CURRENT_CARD = (
    "Nothing was changed: that card is not a current one. Type **agenda** to get a current card."
)


# -- typed commands ---------------------------------------------------------------------


@routes.command(Command.START_MEETING)
async def start(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    result = await ctx.meetings.start(turn)
    card = agenda_card(result.view)
    note = (
        "A meeting is already in progress for this group; here is its agenda."
        if result.already_running
        else None
    )
    posts = [Post(text=note)] if note else []
    posts.append(agenda_post(ctx, turn, result.view.id, card))
    return Outcome(posts=posts)


@routes.command(Command.AGENDA)
async def agenda(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    view = await ctx.meetings.current(turn)
    card = agenda_card(view) if view.status == "in_progress" else summary_card(view, ctx.pages)
    return Outcome(posts=[agenda_post(ctx, turn, view.id, card)])


@routes.command(Command.HERE)
async def here(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    view = await ctx.meetings.current(turn)
    view = await ctx.meetings.mark_present(turn, view.id)
    return agenda_changed(ctx, turn, view, None, note="Noted: you are recorded as present.")


@routes.command(Command.NEXT_ITEM)
async def next_item(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    return await _move_text(ctx, turn, +1)


@routes.command(Command.PREVIOUS_ITEM)
async def previous_item(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    return await _move_text(ctx, turn, -1)


async def _move_text(ctx: Services, turn: TurnRef, step: int) -> Outcome:
    view = await ctx.meetings.current(turn)
    view = await ctx.meetings.move(turn, view.id, None, step)
    item = view.current_item
    note = f"Now on item {item.position}: {item.title}." if item else None
    sub = view.current_sub_item
    if item is not None and sub is not None:
        note = f"Now on item {item.position}: {item.title} – {sub.label}."
    return agenda_changed(ctx, turn, view, None, note=note)


@routes.command(Command.END_MEETING)
async def end_form(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    view = await ctx.meetings.current(turn, require=Permission.RUN_MEETING)
    return Outcome(posts=[Post(card=end_form_card(view))])


# -- card verbs -------------------------------------------------------------------------


@routes.verb(v.MEETING_START)
async def start_click(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    outcome = await start(ctx, turn, "")
    outcome.response_text = "Meeting started: the agenda is below."
    return outcome


@routes.verb(v.MEETING_REFRESH)
async def refresh(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    view = await ctx.meetings.current(turn, card_id(click.data.get("meetingId")))
    return agenda_changed(ctx, turn, view, click)


@routes.verb(v.MEETING_NEXT)
async def next_click(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    return await _move(ctx, turn, click, +1)


@routes.verb(v.MEETING_PREVIOUS)
async def previous_click(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    return await _move(ctx, turn, click, -1)


async def _move(ctx: Services, turn: TurnRef, click: Click, step: int) -> Outcome:
    position = click.data.get("position")
    if position is not None and card_id(position) is None:
        # Every agenda card says where it was drawn; one that says nothing readable
        # is not one of ours, and moving on from it would skip the stale-card check.
        raise Conflict(NOT_A_CURRENT_CARD)
    view = await ctx.meetings.move(
        turn, card_id(click.data.get("meetingId")), position, step, click.data.get("subItem")
    )
    return agenda_changed(ctx, turn, view, click)


@routes.verb(v.ATTENDANCE_SELF)
async def here_click(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    view = await ctx.meetings.mark_present(turn, card_id(click.data.get("meetingId")))
    return agenda_changed(ctx, turn, view, click)


@routes.verb(v.ATTENDANCE_RECORD)
async def attendance(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    meeting_id = card_id(click.data.get("meetingId"))

    async def redraw(errors: Mapping[str, str]) -> Card:
        current = await ctx.meetings.current(turn, meeting_id)
        return attendance_form_card(current, values=click.data, errors=errors)

    view = await redraw_on_invalid(
        turn, click, ctx.meetings.record_attendance(turn, meeting_id, click.data), redraw
    )
    return agenda_changed(ctx, turn, view, click)


@routes.verb(v.ITEM_MINUTE)
async def minute(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    return await _entry(ctx, turn, click, EntryKind.MINUTE)


@routes.verb(v.ITEM_DECISION)
async def decision(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    return await _entry(ctx, turn, click, EntryKind.DECISION)


async def _entry(ctx: Services, turn: TurnRef, click: Click, kind: EntryKind) -> Outcome:
    meeting_id = card_id(click.data.get("meetingId"))
    item_id = card_id(click.data.get("itemId"))

    async def redraw(errors: Mapping[str, str]) -> Card:
        current = await ctx.meetings.current(turn, meeting_id)
        item = item_or_current(current, item_id)
        return entry_form_card(current, item, kind, values=click.data, errors=errors)

    change = await redraw_on_invalid(
        turn,
        click,
        ctx.meetings.record_entry(turn, meeting_id, item_id, kind, click.data),
        redraw,
    )
    note = ("Minute" if kind is EntryKind.MINUTE else "Decision") + " recorded."
    if change.agenda_activity_id and click.card_activity_id == change.agenda_activity_id:
        # Answered with the agenda as everyone then sees it, drawn once for all who
        # recorded at the same moment (bot.teams.live_cards).
        return Outcome(updates=[live_agenda(ctx, change)], response_text=note)
    return agenda_changed(ctx, turn, await ctx.meetings.drawn(change.meeting_id), click, note)


@routes.verb(v.ITEM_ACTION)
async def action(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    meeting_id = card_id(click.data.get("meetingId"))
    item_id = card_id(click.data.get("itemId"))

    async def redraw(errors: Mapping[str, str]) -> Card:
        form = await ctx.meetings.action_form(turn, meeting_id)
        values = dict(click.data)
        if "subjectRef" in errors:
            # A refused case reference may be a child's name: never show it back.
            values.pop("subjectRef", None)
        item = item_or_current(form.meeting, item_id)
        return action_form_card(form, item, values=values, errors=errors)

    view = await redraw_on_invalid(
        turn, click, ctx.meetings.record_action(turn, meeting_id, item_id, click.data), redraw
    )
    return agenda_changed(ctx, turn, view, click, note="Action recorded.")


@routes.verb(v.ITEM_ACTION_FORM)
async def action_form(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """The agenda's Record > Action button: the action form, in place of the agenda
    for the person who pressed it (it has "Back to agenda"). A client without
    Universal Actions cannot be answered in place, so there the blank form is posted
    in the conversation (it names the group's members, as the agenda card once did,
    and nothing anyone typed)."""
    form = await ctx.meetings.action_form(turn, card_id(click.data.get("meetingId")))
    item_id = item_or_current(form.meeting, card_id(click.data.get("itemId")))
    return replace(click, action_form_card(form, item_id), "Fill in the action below.")


@routes.verb(v.MINUTES_AGREE)
async def agree(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    view = await ctx.meetings.agree_previous_minutes(
        turn, card_id(click.data.get("meetingId")), card_id(click.data.get("previousMeetingId"))
    )
    return agenda_changed(
        ctx, turn, view, click, note="The last meeting's minutes are agreed as accurate."
    )


@routes.verb(v.MEETING_END)
async def end(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    meeting_id = card_id(click.data.get("meetingId"))

    async def redraw(errors: Mapping[str, str]) -> Card:
        current = await ctx.meetings.current(turn, meeting_id)
        return end_form_card(current, values=click.data, errors=errors)

    view = await redraw_on_invalid(
        turn, click, ctx.meetings.end(turn, meeting_id, click.data), redraw
    )
    outcome = agenda_changed(ctx, turn, view, click)
    outcome.posts.append(summary_post(ctx, view.id, summary_card(view, ctx.pages)))
    outcome.response_text = "Meeting ended: the summary is below."
    return outcome


def item_or_current(view: MeetingView, item_id: int | None) -> int:
    """The item a card names, if the meeting has it; else the current (or last) item."""
    if item_id is not None and any(item.id == item_id for item in view.items):
        return item_id
    current = view.current_item or view.items[-1]
    return current.id


# -- subjects discussed under items 4-7 (issue 15) ---------------------------------------


@routes.verb(v.ITEM_SUBJECT_FORM)
async def subject_form(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """The agenda's "Add subject": the form, in place of the agenda for the chair who
    pressed it (posted blank where a client cannot answer in place). Refused at once to
    anyone who may not run the meeting, rather than after filling it in."""
    view = await ctx.meetings.current(
        turn, card_id(click.data.get("meetingId")), require=Permission.RUN_MEETING
    )
    item_id = item_or_current(view, card_id(click.data.get("itemId")))
    return replace(click, subject_form_card(view, item_id), "Add the subject below.")


@routes.verb(v.ITEM_SUBJECT_ADD)
async def subject_add(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    meeting_id = card_id(click.data.get("meetingId"))
    item_id = card_id(click.data.get("itemId"))

    async def redraw(errors: Mapping[str, str]) -> Card:
        current = await ctx.meetings.current(turn, meeting_id)
        values = dict(click.data)
        if "subjectRef" in errors:
            # A refused reference may be a name or an address: never show it back.
            values.pop("subjectRef", None)
        return subject_form_card(
            current, item_or_current(current, item_id), values=values, errors=errors
        )

    view = await redraw_on_invalid(
        turn, click, ctx.meetings.add_subject(turn, meeting_id, item_id, click.data), redraw
    )
    return agenda_changed(ctx, turn, view, click, note="Subject added to the agenda.")


@routes.verb(v.ITEM_SUBJECT_REMOVE)
async def subject_remove(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    view = await ctx.meetings.remove_subject(
        turn, card_id(click.data.get("meetingId")), click.data.get("itemSubjectId")
    )
    return agenda_changed(ctx, turn, view, click, note="Subject taken off the agenda.")


@routes.verb(v.ITEM_SUBJECT_MOVE)
async def subject_move(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    view = await ctx.meetings.move_subject(
        turn,
        card_id(click.data.get("meetingId")),
        click.data.get("itemSubjectId"),
        click.data.get("direction"),
    )
    return agenda_changed(ctx, turn, view, click)
