"""Share-and-challenge rounds and open challenges, in the group's conversation.

A round's card is posted once and edited in place as agencies answer
(``dialogs.upkeep.round_changed``); opening and closing one also redraws the live agenda
card, after the change is saved (``shown_after_saving``), as does a challenge's response
while a meeting is in progress (the agenda counts the open challenges).
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.card_fields import card_id
from bot.domain.errors import NotFound
from bot.domain.escalations import TIER_LABELS, challenge_fields
from bot.domain.model import ChallengeStatus
from bot.domain.rules import clean_text
from bot.services.context import TurnRef
from bot.services.records import shown_after_saving
from cards import challenges_card, round_card
from cards import verbs as v
from dialogs.commands import Command
from dialogs.outcome import Card, Outcome, Post
from dialogs.ports import Services
from dialogs.replies import redraw_on_invalid, replace
from dialogs.routes import Click, Routes
from dialogs.upkeep import agenda_update, round_changed

routes = Routes(__name__)

TIER_NAMES = {tier.value: name for tier, name in TIER_LABELS.items()}


@routes.command(Command.SHARE_ROUND)
async def share_round(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    view = await ctx.meetings.current(turn)
    return await _open_round(ctx, turn, view.id, None, None)


@routes.command(Command.CLOSE_ROUND)
async def close_round(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    current = await ctx.rounds.current(turn)
    return await _close_round(ctx, turn, current.id, None)


@routes.command(Command.SHOW_ROUND)
async def show_round(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    """The open round's card, posted again for any member of the group: in a long
    conversation the card scrolls out of sight, and an answer is given on the card. Every
    copy answers the same round; the first card posted is the one kept current."""
    view = await ctx.rounds.current(turn)
    return Outcome(
        posts=[Post(card=round_card(view))],
        response_text="The open round's card is below: answer for your agency on it.",
    )


@routes.command(Command.CHALLENGES)
async def challenges(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    locality, open_challenges = await ctx.rounds.open_challenges(turn)
    return Outcome(posts=[Post(card=challenges_card(open_challenges, locality_name=locality))])


@routes.verb(v.ROUND_OPEN)
async def round_open(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    return await _open_round(
        ctx,
        turn,
        card_id(click.data.get("meetingId")),
        card_id(click.data.get("itemId")),
        click,
    )


async def _open_round(
    ctx: Services, turn: TurnRef, meeting_id: int | None, item_id: int | None, click: Click | None
) -> Outcome:
    view = await ctx.rounds.open(turn, meeting_id, item_id)
    if view.activity_id:
        # Already open: bring its card back rather than starting a second round.
        return Outcome(
            posts=[Post(card=round_card(view))],
            response_text="A round is already open; its card is below.",
        )

    async def remember(activity_id: str) -> None:
        await ctx.rounds.remember_card(view.id, activity_id)

    outcome = Outcome(
        posts=[Post(card=round_card(view), on_sent=remember)],
        response_text="Share and challenge: the round card is below.",
    )
    async with shown_after_saving("share round"):
        meeting = await ctx.meetings.current(turn, view.meeting_id)
    outcome.updates.extend(agenda_update(ctx, meeting))
    return outcome


@routes.verb(v.ROUND_ANSWER)
async def round_answer(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    round_id = card_id(click.data.get("roundId"))

    async def redraw(errors: Mapping[str, str]) -> Card:
        current = await ctx.rounds.view(turn, round_id)
        return round_card(current, values=click.data, errors=errors)

    view = await redraw_on_invalid(
        turn, click, ctx.rounds.answer(turn, round_id, click.data), redraw
    )
    return round_changed(ctx, view, click, note="Thank you: your agency's answer is recorded.")


@routes.verb(v.ROUND_CLOSE)
async def round_close(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    return await _close_round(ctx, turn, card_id(click.data.get("roundId")), click)


async def _close_round(
    ctx: Services, turn: TurnRef, round_id: int | None, click: Click | None
) -> Outcome:
    view = await ctx.rounds.close(turn, round_id)
    outcome = round_changed(ctx, view, click, note="Round closed; summary below.")
    outcome.posts.append(Post(card=round_card(view)))
    async with shown_after_saving("agenda"):
        meeting = await ctx.meetings.current(turn, view.meeting_id)
    outcome.updates.extend(agenda_update(ctx, meeting))
    return outcome


@routes.verb(v.CHALLENGE_RESPOND)
async def challenge_respond(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    challenge_id = card_id(click.data.get("challengeId"))

    async def redraw(errors: Mapping[str, str]) -> Card:
        locality, open_challenges = await ctx.rounds.open_challenges(turn)
        return challenges_card(
            open_challenges, locality_name=locality, values=click.data, errors=errors
        )

    responded = await redraw_on_invalid(
        turn, click, ctx.rounds.respond_to_challenge(turn, challenge_id, click.data), redraw
    )
    locality, still_open = responded
    note = "Response recorded; the challenge is closed."
    if clean_text(click.data.get(f"resolution-{challenge_id}")) == ChallengeStatus.ESCALATED:
        # Saved, so the group chosen was one set up (the service checked it).
        tier_field, _ = challenge_fields(challenge_id or 0)
        group = TIER_NAMES.get(clean_text(click.data.get(tier_field)), "group")
        note = f"Response recorded; escalated to the {group}: its members are told."
    # The card says so too: in place of the card pressed, it is all the presser sees.
    card = challenges_card(still_open, locality_name=locality, note=note)
    outcome = replace(click, card, note)
    # A meeting in progress counts the open challenges on its agenda: one fewer now.
    async with shown_after_saving("agenda"):
        try:
            running = await ctx.meetings.current(turn)
        except NotFound:  # no meeting in progress: no agenda to redraw
            return outcome
    outcome.updates.extend(agenda_update(ctx, running))
    return outcome
