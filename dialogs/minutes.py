"""Minutes in a personal chat (issue 16, point 4): ``minutes`` lists the past meetings of
the person's groups, each opens a card with its decisions and actions, and that card's
button answers the person who pressed it (only) with a single-use link to the Word
minutes, marked DRAFT until agreed.

Who may read which meeting is the service's (``bot.services.minutes_reads``: every member
of the meeting's group); where these run is ``dialogs.places``: a personal chat only,
since decisions and actions can name children.
"""

from __future__ import annotations

from bot.domain.card_fields import card_id
from bot.domain.errors import Conflict
from bot.services.context import TurnRef
from cards import download_card
from cards import verbs as v
from cards.minutes import minutes_card, past_meetings_card
from dialogs.commands import Command
from dialogs.exports import DOWNLOADS_NEED_A_CURRENT_CLIENT, DOWNLOADS_NOT_SET_UP
from dialogs.outcome import Outcome, Post
from dialogs.ports import Minutes, Services
from dialogs.replies import replace, tell
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
        posts=[Post(card=minutes_card(view))],
        response_text="The minutes are below." if click.is_invoke else None,
    )


@routes.verb(v.MINUTES_EXPORT)
async def minutes_export(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """A link to the Word minutes, for the person who pressed: checked now, and again
    (and audited) when the link is opened."""
    if ctx.link_for is None:
        return tell(click, DOWNLOADS_NOT_SET_UP)
    meeting_id = await _minutes(ctx).downloadable(turn.actor, card_id(click.data.get("meetingId")))
    if not click.is_invoke:
        # A link must reach only the person who asked (even a personal chat's fallback
        # answer is a message that stays in the chat).
        return tell(click, DOWNLOADS_NEED_A_CURRENT_CLIENT)
    url = await ctx.link_for(turn.actor, "minutes.docx", {"meetingId": meeting_id})
    return Outcome(response_card=download_card("Minutes (Word)", url))
