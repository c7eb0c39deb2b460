"""The performance report (dialogs.report), through the router on fakes: the words after
``report`` read as a period and a group, the card, and the download buttons' links."""

from __future__ import annotations

from datetime import date

from bot.domain.errors import NotPermitted
from bot.domain.report import ReportPeriod
from bot.services.report import REPORT_REFUSED
from cards import download_card
from cards import verbs as v
from cards.report import report_card
from dialogs.commands import Command
from dialogs.places import REPORT_PERSONAL_ONLY
from dialogs.report import NOT_SET_UP
from tests.dialogs.fakes import ACTOR, PAGES, click, make_bot, make_report, personal, turn
from tests.dialogs.tested import covers

HERE = personal()
# The fakes' clock: 3 November 2026.
THIS_YEAR = ReportPeriod(date(2026, 4, 1), date(2026, 11, 3))


@covers(Command.REPORT)
async def test_report_alone_is_this_financial_year_so_far_and_answers_with_the_card() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "report")
    assert bot.calls.only("reports.for_member").args == (ACTOR, THIS_YEAR, None)
    assert [post.card for post in outcome.posts] == [report_card(make_report(THIS_YEAR), PAGES)]


async def test_report_reads_a_named_period_or_dates_and_a_group() -> None:
    bot = make_bot()
    await bot.router.on_text(HERE, "report last quarter")
    await bot.router.on_text(HERE, "report 2026-04-01 to 2027-03-31 for Scarborough")
    await bot.router.on_text(HERE, "performance report 1/1/2026 to 31 Mar 2026 in Whitby")
    assert [call.args[1:] for call in bot.calls] == [
        (ReportPeriod(date(2026, 7, 1), date(2026, 9, 30)), None),
        (ReportPeriod(date(2026, 4, 1), date(2027, 3, 31)), "scarborough"),
        (ReportPeriod(date(2026, 1, 1), date(2026, 3, 31)), "whitby"),
    ]


async def test_words_that_are_no_period_are_answered_without_reading() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "report whenever you like")).posts
    assert post.text and "could not read that period" in post.text and "last quarter" in post.text
    (post,) = (await bot.router.on_text(HERE, "report 2026-05-01 to 2026-04-01")).posts
    assert post.text == "The period ends before it starts: give the earlier date first."
    assert not bot.calls.names()


async def test_report_is_refused_in_a_channel_and_to_those_without_the_permission() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(turn(), "report")).posts
    assert post.text == REPORT_PERSONAL_ONLY
    assert not bot.calls.names()
    bot.fails("reports.for_member", NotPermitted(REPORT_REFUSED))
    (post,) = (await bot.router.on_text(HERE, "report")).posts
    assert post.text == REPORT_REFUSED
    (post,) = (await make_bot(reports=False).router.on_text(HERE, "report")).posts
    assert post.text == NOT_SET_UP


@covers(v.REPORT_DOWNLOAD)
async def test_an_older_report_cards_button_answers_with_the_report_page_after_a_check() -> None:
    bot = make_bot()
    data = {"from": "2026-04-01", "to": "2027-03-31", "locality": "scarborough"}
    outcome = await bot.router.on_click(HERE, click(v.REPORT_DOWNLOAD, {**data, "format": "xlsx"}))
    assert bot.calls.names() == ["reports.check"]
    assert bot.calls[0].args == (ACTOR, "scarborough")
    address = "https://bot.example/reports?from=2026-04-01&to=2027-03-31&locality=scarborough"
    assert outcome.response_card == download_card("Performance report (Excel or Word)", address)


async def test_the_report_page_is_refused_when_not_allowed() -> None:
    bot = make_bot().fails("reports.check", NotPermitted(REPORT_REFUSED))
    data = {"from": "2026-04-01", "to": "2027-03-31", "format": "xlsx"}
    outcome = await bot.router.on_click(HERE, click(v.REPORT_DOWNLOAD, data))
    assert outcome.response_text == REPORT_REFUSED and outcome.response_card is None
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.REPORT_DOWNLOAD, {"from": "x", "to": "y"}))
    assert outcome.response_text and "could not be read" in outcome.response_text
