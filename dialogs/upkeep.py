"""Keeping the cards everyone sees current: the live agenda card, an ended meeting's
summary card (redrawn after a correction) and a round's card.

A change made in a meeting edits the card posted in the conversation, for everyone, and
answers the click with it too. Two people's changes can be drawn in one order and reach
Teams in the other, so every edit carries a recheck (``CardUpdate.recheck``) that sends
the newer card when the state moved on meanwhile.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from bot.domain.views import MeetingView, RoundView
from bot.services.context import TurnRef
from bot.services.meetings import MeetingChange
from cards import agenda_card, round_card, summary_card
from dialogs.outcome import Card, CardUpdate, Outcome, Post
from dialogs.ports import Services
from dialogs.routes import Click


def agenda_post(ctx: Services, turn: TurnRef, meeting_id: int, card: Card) -> Post:
    """The agenda card as a new message, remembered once sent: it is the live one."""

    async def remember(activity_id: str) -> None:
        await ctx.meetings.remember_agenda_card(meeting_id, turn.conversation.id, activity_id)

    return Post(card=card, on_sent=remember)


def agenda_update(ctx: Services, view: MeetingView, card: Card | None = None) -> list[CardUpdate]:
    """The edit of the live agenda card, with a recheck: two people's changes can be
    drawn in one order and reach Teams in the other, so after its edit each turn asks
    whether the meeting moved on and, if so, sends the newer card."""
    if not view.agenda_activity_id:
        return []
    return [
        CardUpdate(
            view.conversation_id,
            view.agenda_activity_id,
            card if card is not None else agenda_card(view),
            agenda_recheck(ctx, view.id, view.version),
        )
    ]


def live_agenda(ctx: Services, change: MeetingChange) -> CardUpdate:
    """The live agenda card, to be drawn by whoever edits it next: its recheck from
    version 0 draws the meeting as it is."""
    assert change.agenda_activity_id is not None
    recheck = agenda_recheck(ctx, change.meeting_id, 0)
    return CardUpdate(change.conversation_id, change.agenda_activity_id, None, recheck, answer=True)


def agenda_recheck(
    ctx: Services,
    meeting_id: int,
    drawn: int,
    draw: Callable[[MeetingView], Card] = agenda_card,
) -> Callable[[], Awaitable[Card | None]]:
    """The agenda card (or the card ``draw`` makes) again if the meeting moved on since
    version ``drawn``."""

    async def recheck() -> Card | None:
        nonlocal drawn
        newer = await ctx.meetings.newer_view(meeting_id, drawn)
        if newer is None:
            return None
        drawn = newer.version
        return draw(newer)

    return recheck


def summary_post(ctx: Services, meeting_id: int, card: Card) -> Post:
    """An ended meeting's summary card as a new message, remembered once sent: the newest
    is the one a correction redraws (where corrections are set up; else nothing edits it)."""
    corrections = ctx.corrections
    if corrections is None:
        return Post(card=card)

    async def remember(activity_id: str) -> None:
        await corrections.remember_summary_card(meeting_id, activity_id)

    return Post(card=card, on_sent=remember)


def summary_update(ctx: Services, view: MeetingView) -> list[CardUpdate]:
    """The edit of the summary card kept for an ended meeting, with the agenda's recheck:
    two corrections drawn in one order can reach Teams in the other."""
    if not view.summary_activity_id:
        return []
    return [
        CardUpdate(
            view.conversation_id,
            view.summary_activity_id,
            summary_card(view, ctx.pages),
            agenda_recheck(ctx, view.id, view.version, partial(summary_card, pages=ctx.pages)),
        )
    ]


def agenda_changed(
    ctx: Services, turn: TurnRef, view: MeetingView, click: Click | None, note: str | None = None
) -> Outcome:
    """Edit the live agenda card in place, for everyone; answer the click with it too."""
    card = agenda_card(view)
    outcome = Outcome(updates=agenda_update(ctx, view, card))
    if not view.agenda_activity_id:
        outcome.posts.append(agenda_post(ctx, turn, view.id, card))
    if click is not None and click.card_activity_id == view.agenda_activity_id:
        outcome.response_card = card
    elif click is not None:
        outcome.response_text = note or "Done: the agenda card is up to date."
    elif note:
        outcome.posts.insert(0, Post(text=note))
    return outcome


def round_changed(ctx: Services, view: RoundView, click: Click | None, note: str) -> Outcome:
    """Edit the round's card in place, for everyone; answer the click with it too."""
    card = round_card(view)
    outcome = Outcome()
    if view.activity_id:
        sent = card

        async def recheck() -> Card | None:
            """Answers arrive together: if another was drawn after this card, send the
            round as it is now (a card drawn from the same state is not sent again)."""
            nonlocal sent
            latest = await ctx.rounds.latest_view(view.id)
            fresh = round_card(latest) if latest is not None else None
            if fresh is None or fresh == sent:
                return None
            sent = fresh
            return fresh

        outcome.updates.append(CardUpdate(view.conversation_id, view.activity_id, card, recheck))
    if click is not None:
        # The clicked card becomes the round as it is now, whether it is the card kept
        # current or a copy posted again (``show round``), so the clicker sees the change.
        outcome.response_card = card
    else:
        outcome.posts.append(Post(text=note))
    return outcome
