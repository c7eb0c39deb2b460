"""Lists and files: the outstanding actions (filters in plain words, pages, CSV and Excel),
and the minutes as a Word document.

A file is downloaded from a page of the app, which signs the person in first and builds
it for whoever is signed in (issue 17): a card's download button opens that page
(``bot.domain.page_addresses``), and its address is no secret. The verbs here answer the
download buttons of cards drawn before, which still press a verb, with a button to the
same page.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.card_fields import card_id
from bot.domain.clock import london_today
from bot.domain.filters import ActionFilter, FilterError, parse_filters
from bot.domain.page_addresses import PageAddresses
from bot.domain.permissions import Permission
from bot.services.context import TurnRef
from cards import download_card, outstanding_card
from cards import verbs as v
from dialogs.commands import Command
from dialogs.outcome import Outcome, Post
from dialogs.ports import Services
from dialogs.replies import replace, tell
from dialogs.routes import Click, Routes

routes = Routes(__name__)

DOWNLOADS_NOT_SET_UP = "Downloads are not set up on this bot."


@routes.command(Command.OUTSTANDING)
async def outstanding(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    """The open actions the person may see, filtered by the words after the command."""
    try:
        wanted, page = parse_filters(words, london_today(ctx.clock))
        result = await ctx.actions.outstanding(turn.actor, wanted, page)
    except FilterError as exc:
        return Outcome(posts=[Post(text=str(exc))])
    return Outcome(posts=[Post(card=outstanding_card(result, ctx.pages))])


@routes.verb(v.OUTSTANDING_PAGE)
async def outstanding_page(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    wanted = ActionFilter.from_data(dict(click.data))
    try:
        result = await ctx.actions.outstanding(
            turn.actor, wanted, card_id(click.data.get("page")) or 1
        )
    except FilterError as exc:
        return tell(click, str(exc))
    return replace(click, outstanding_card(result, ctx.pages), "The list is below.")


@routes.verb(v.OUTSTANDING_EXPORT)
async def outstanding_export(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """A button to the export page of the same filter (an older card's button)."""
    wanted = ActionFilter.from_data(dict(click.data))
    try:
        # Refuses what they cannot see, in words that list only their own groups; the
        # answer's filter carries the owners by number, never by name, into the address.
        result = await ctx.actions.outstanding(turn.actor, wanted, 1)
    except FilterError as exc:
        return tell(click, str(exc))
    return answer_with_page(
        ctx,
        click,
        "Outstanding actions (CSV or Excel)",
        lambda pages: pages.actions_export(result.filter_data),
    )


@routes.verb(v.MINUTES_DOWNLOAD)
async def minutes_download(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    meeting_id = card_id(click.data.get("meetingId"))
    view = await ctx.meetings.current(turn, meeting_id, require=Permission.DOWNLOAD_MINUTES)
    return answer_with_page(ctx, click, "Minutes (Word)", lambda pages: pages.meeting(view.id))


def answer_with_page(
    ctx: Services, click: Click, title: str, address: Callable[[PageAddresses], str]
) -> Outcome:
    """A card with a button to the page that offers the file. The address is no secret,
    so an older client's fallback may post it in the conversation."""
    if ctx.pages is None:
        return tell(click, DOWNLOADS_NOT_SET_UP)
    return Outcome(response_card=download_card(title, address(ctx.pages)))
