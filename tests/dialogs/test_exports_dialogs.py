"""Outstanding actions, their files and the minutes' download (dialogs.exports), through
the router on fakes."""

from __future__ import annotations

from bot.domain.clock import london_today
from bot.domain.filters import ActionFilter, parse_filters
from bot.domain.permissions import Permission
from cards import download_card, outstanding_card
from cards import verbs as v
from dialogs.commands import Command
from dialogs.exports import DOWNLOADS_NOT_SET_UP
from tests.dialogs.fakes import ACTOR, PAGES, click, make_bot, outstanding_page, personal, turn
from tests.dialogs.tested import covers

HERE = personal()


@covers(Command.OUTSTANDING)
async def test_outstanding_reads_the_words_after_the_command_as_filters() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "outstanding actions in Scarborough overdue page 2")
    wanted, page = parse_filters("in scarborough overdue page 2", london_today(bot.clock))
    assert page == 2
    assert bot.calls.only("actions.outstanding").args == (ACTOR, wanted, page)
    assert [post.card for post in outcome.posts] == [
        outstanding_card(outstanding_page(wanted, 2), PAGES)
    ]


async def test_overdue_actions_is_outstanding_filtered_to_overdue() -> None:
    bot = make_bot()
    await bot.router.on_text(HERE, "overdue actions")
    (_, wanted, page) = bot.calls.only("actions.outstanding").args
    assert wanted == parse_filters("overdue", london_today(bot.clock))[0]
    assert page == 1


async def test_words_that_are_no_filter_are_answered_without_reading() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "outstanding actions whenever")).posts
    assert post.text is not None and post.text.startswith("I could not read part of that")
    assert bot.calls == []


@covers(v.OUTSTANDING_PAGE)
async def test_paging_keeps_the_filter() -> None:
    bot = make_bot()
    data = {"locality": "scarborough", "overdue": "1", "page": 3}
    pressed = click(v.OUTSTANDING_PAGE, data)
    outcome = await bot.router.on_click(HERE, pressed)
    wanted = ActionFilter.from_data(dict(pressed.data))
    assert bot.calls.only("actions.outstanding").args == (ACTOR, wanted, 3)
    assert outcome.response_card == outstanding_card(outstanding_page(wanted, 3), PAGES)


async def test_a_page_button_without_a_page_shows_the_first() -> None:
    bot = make_bot()
    await bot.router.on_click(HERE, click(v.OUTSTANDING_PAGE, {"locality": "scarborough"}))
    assert bot.calls.only("actions.outstanding").args[2] == 1


@covers(v.OUTSTANDING_EXPORT)
async def test_an_older_cards_export_button_answers_with_the_export_page() -> None:
    bot = make_bot()
    pressed = click(v.OUTSTANDING_EXPORT, {"format": "xlsx", "locality": "scarborough"})
    outcome = await bot.router.on_click(HERE, pressed)
    wanted = ActionFilter.from_data(dict(pressed.data))
    assert bot.calls.only("actions.outstanding").args == (ACTOR, wanted, 1)
    address = PAGES.actions_export(wanted.as_data())
    assert address == "https://bot.example/exports/actions?locality=scarborough"
    assert outcome.response_card == download_card("Outstanding actions (CSV or Excel)", address)


async def test_the_export_page_is_no_secret_and_may_be_posted() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.OUTSTANDING_EXPORT, invoke=False))
    assert outcome.response_card == download_card(
        "Outstanding actions (CSV or Excel)", "https://bot.example/exports/actions"
    )
    bot = make_bot(downloads=False)
    outcome = await bot.router.on_click(HERE, click(v.OUTSTANDING_EXPORT))
    assert outcome.response_text == DOWNLOADS_NOT_SET_UP


@covers(v.MINUTES_DOWNLOAD)
async def test_an_older_summarys_minutes_button_checks_then_answers_with_the_page() -> None:
    bot = make_bot()
    channel = turn()
    outcome = await bot.router.on_click(channel, click(v.MINUTES_DOWNLOAD, {"meetingId": 3}))
    assert bot.calls.names() == ["meetings.current"]
    assert bot.calls[0].args == (channel, 3, Permission.DOWNLOAD_MINUTES)
    address = PAGES.meeting(bot.views.meeting.id)
    assert address == f"https://bot.example/meetings/{bot.views.meeting.id}"
    assert outcome.response_card == download_card("Minutes (Word)", address)
