"""The performance report (issue 16, point 8): ``report`` in a personal chat, with the
period and group in plain words, answers with the headline figures and buttons for the
workbook and the Word summary on the report's page, signed in first (as the outstanding
actions' export does).

The service refuses anyone without ``Permission.REPORT`` (coordinators) in any group;
``dialogs.places`` keeps both to personal chats.
"""

from __future__ import annotations

from bot.domain.clock import london_today
from bot.domain.filters import FilterError
from bot.domain.report import parse_report_words, period_from_data
from bot.services.context import TurnRef
from cards import verbs as v
from cards.report import report_card
from dialogs.commands import Command
from dialogs.exports import answer_with_page
from dialogs.outcome import Outcome, Post
from dialogs.ports import Services
from dialogs.replies import tell
from dialogs.routes import Click, Routes

routes = Routes(__name__)

NOT_SET_UP = "The performance report is not set up on this bot."


@routes.command(Command.REPORT)
async def report(ctx: Services, turn: TurnRef, words: str) -> Outcome:
    """The report of the period and group the words name (alone: this financial year)."""
    if ctx.reports is None:
        return Outcome(posts=[Post(text=NOT_SET_UP)])
    try:
        period, locality = parse_report_words(words, london_today(ctx.clock))
        found = await ctx.reports.for_member(turn.actor, period, locality)
    except FilterError as exc:
        return Outcome(posts=[Post(text=str(exc))])
    return Outcome(posts=[Post(card=report_card(found, ctx.pages))])


@routes.verb(v.REPORT_DOWNLOAD)
async def report_download(ctx: Services, turn: TurnRef, click: Click) -> Outcome:
    """A button to the report's page (an older card's button)."""
    if ctx.reports is None:
        return tell(click, NOT_SET_UP)
    data = dict(click.data)
    try:
        period = period_from_data(data)
        locality = data.get("locality")
        locality = locality.strip()[:120] or None if isinstance(locality, str) else None
        # Refuses whoever may not have it before the page is offered.
        await ctx.reports.check(turn.actor, locality)
    except FilterError as exc:
        return tell(click, str(exc))
    params = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if locality:
        params["locality"] = locality
    return answer_with_page(
        ctx, click, "Performance report (Excel or Word)", lambda pages: pages.report(params)
    )
