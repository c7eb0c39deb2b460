"""Minutes in a personal chat (issue 16, point 4): ``minutes`` lists the past meetings of
the person's groups, each opens a card with its decisions and actions, and that card's
button opens the meeting's page (signed in first), which offers the Word minutes, marked
DRAFT until agreed.

Who may read which meeting is the service's (``bot.services.minutes_reads``: every member
of the meeting's group); where these run is ``dialogs.places``: a personal chat only,
since decisions and actions can name children.
"""

from __future__ import annotations

from bot.domain.card_fields import card_id
from bot.domain.errors import Conflict
from bot.services.context import TurnRef
from cards import verbs as v
from cards.minutes import minutes_card, past_meetings_card
from dialogs.commands import Command
from dialogs.exports import answer_with_page
from dialogs.outcome import Outcome, Post
from dialogs.ports import Minutes, Services
from dialogs.replies import replace
from dialogs.routes import Click, Routes

routes = Routes(__name__)

MINUTES_NOT_SET_UP = "Minutes are not set up on this bot."


def _minutes(ctx: Services) -> Minutes:
    if ctx.minutes is None:
        raise Conflict(MINUTES_NOT_SET_UP)
    return ctx.minutes


@routes.command(Command.MINUTES)
async def minutes(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    """The first page of the person's groups' past meetings, newest first."""
    page = await _minutes(ctx).past_meetings(turn.actor, 1)
    return Outcome(posts=[Post(card=past_meetings_card(page))])


@routes.verb(v.MINUTES_PAGE)
async def minutes_page(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    page = await _minutes(ctx).past_meetings(turn.actor, card_id(click.data.get("page")) or 1)
    return replace(click, past_meetings_card(page), "The list is below.")


@routes.verb(v.MINUTES_SHOW)
async def minutes_show(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """A meeting's card, posted as a new message: the list (or the brief) it was opened
    from stays."""
    view = await _minutes(ctx).minutes(turn.actor, card_id(click.data.get("meetingId")))
    return Outcome(
        posts=[Post(card=minutes_card(view, ctx.pages))],
        response_text="The minutes are below." if click.is_invoke else None,
    )


@routes.verb(v.MINUTES_EXPORT)
async def minutes_export(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """A button to the meeting's page (an older card's button): checked now, and again
    (and audited) when the page gives the file."""
    meeting_id = await _minutes(ctx).downloadable(turn.actor, card_id(click.data.get("meetingId")))
    return answer_with_page(ctx, click, "Minutes (Word)", lambda pages: pages.meeting(meeting_id))
