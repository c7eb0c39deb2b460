"""Lists and files: the outstanding actions (filters in plain words, pages, CSV and Excel),
and the minutes as a Word document.

A download is a link made for the person who pressed the button and shown only to them,
in the invoke's answer (``download_card``): never posted in a conversation.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.card_fields import card_id
from bot.domain.clock import london_today
from bot.domain.filters import ActionFilter, FilterError, parse_filters
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
DOWNLOADS_NEED_A_CURRENT_CLIENT = (
    "Downloads need a current Teams client: press the button in Teams (not in an older client)."
)


@routes.command(Command.OUTSTANDING)
async def outstanding(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    """The open actions the person may see, filtered by the words after the command."""
    try:
        wanted, page = parse_filters(words, london_today(ctx.clock))
        result = await ctx.actions.outstanding(turn.actor, wanted, page)
    except FilterError as exc:
        return Outcome(posts=[Post(text=str(exc))])
    return Outcome(posts=[Post(card=outstanding_card(result))])


@routes.verb(v.OUTSTANDING_PAGE)
async def outstanding_page(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    wanted = ActionFilter.from_data(dict(click.data))
    try:
        result = await ctx.actions.outstanding(
            turn.actor, wanted, card_id(click.data.get("page")) or 1
        )
    except FilterError as exc:
        return tell(click, str(exc))
    return replace(click, outstanding_card(result), "The list is below.")


@routes.verb(v.OUTSTANDING_EXPORT)
async def outstanding_export(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """A link to the same filtered list as a file, made for the person who clicked."""
    fmt = "xlsx" if click.data.get("format") == "xlsx" else "csv"
    wanted = ActionFilter.from_data(dict(click.data))
    try:
        # Refuses what they cannot see, in words that list only their own groups.
        await ctx.actions.outstanding(turn.actor, wanted, 1)
    except FilterError as exc:
        return tell(click, str(exc))
    return await _download(
        ctx,
        turn,
        click,
        f"actions.{fmt}",
        wanted.as_data(),
        "Outstanding actions (" + ("Excel" if fmt == "xlsx" else "CSV") + ")",
    )


@routes.verb(v.MINUTES_DOWNLOAD)
async def minutes_download(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    meeting_id = card_id(click.data.get("meetingId"))
    await ctx.meetings.current(turn, meeting_id, require=Permission.DOWNLOAD_MINUTES)
    return await _download(
        ctx, turn, click, "minutes.docx", {"meetingId": meeting_id}, "Minutes (Word)"
    )


async def _download(
    ctx: Services,
    turn: TurnRef,
    click: Click,
    kind: str,
    params: Mapping[str, object],
    title: str,
) -> Outcome:
    if ctx.link_for is None:
        return tell(click, DOWNLOADS_NOT_SET_UP)
    if not click.is_invoke:
        # A link must reach only the person who asked: never post it in a channel.
        return tell(click, DOWNLOADS_NEED_A_CURRENT_CLIENT)
    url = await ctx.link_for(turn.actor, kind, dict(params))
    return Outcome(response_card=download_card(title, url))
