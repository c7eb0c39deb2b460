"""Outstanding actions, their files and the minutes' download (dialogs.exports), through
the router on fakes."""

from __future__ import annotations

from bot.domain.clock import london_today
from bot.domain.filters import ActionFilter, parse_filters
from bot.domain.permissions import Permission
from cards import download_card, outstanding_card
from cards import verbs as v
from dialogs.commands import Command
from dialogs.exports import DOWNLOADS_NEED_A_CURRENT_CLIENT, DOWNLOADS_NOT_SET_UP
from tests.dialogs.fakes import ACTOR, LINK, click, make_bot, outstanding_page, personal, turn
from tests.dialogs.tested import covers

HERE = personal()


@covers(Command.OUTSTANDING)
async def test_outstanding_reads_the_words_after_the_command_as_filters() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "outstanding actions in Scarborough overdue page 2")
    wanted, page = parse_filters("in scarborough overdue page 2", london_today(bot.clock))
    assert page == 2
    assert bot.calls.only("actions.outstanding").args == (ACTOR, wanted, page)
    assert [post.card for post in outcome.posts] == [outstanding_card(outstanding_page(wanted, 2))]


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
    assert outcome.response_card == outstanding_card(outstanding_page(wanted, 3))


async def test_a_page_button_without_a_page_shows_the_first() -> None:
    bot = make_bot()
    await bot.router.on_click(HERE, click(v.OUTSTANDING_PAGE, {"locality": "scarborough"}))
    assert bot.calls.only("actions.outstanding").args[2] == 1


@covers(v.OUTSTANDING_EXPORT)
async def test_an_export_link_is_made_for_the_person_who_pressed() -> None:
    bot = make_bot()
    pressed = click(v.OUTSTANDING_EXPORT, {"format": "xlsx", "locality": "scarborough"})
    outcome = await bot.router.on_click(HERE, pressed)
    wanted = ActionFilter.from_data(dict(pressed.data))
    assert bot.calls.names() == ["actions.outstanding", "link_for"]
    assert bot.calls.only("link_for").args == (ACTOR, "actions.xlsx", wanted.as_data())
    assert outcome.response_card == download_card("Outstanding actions (Excel)", LINK)
    outcome = await bot.router.on_click(HERE, click(v.OUTSTANDING_EXPORT, {"format": "odt"}))
    assert outcome.response_card == download_card("Outstanding actions (CSV)", LINK)


async def test_a_link_is_never_posted_for_everyone() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.OUTSTANDING_EXPORT, invoke=False))
    assert [post.text for post in outcome.posts] == [DOWNLOADS_NEED_A_CURRENT_CLIENT]
    assert "link_for" not in bot.calls.names()
    bot = make_bot(downloads=False)
    outcome = await bot.router.on_click(HERE, click(v.OUTSTANDING_EXPORT))
    assert outcome.response_text == DOWNLOADS_NOT_SET_UP


@covers(v.MINUTES_DOWNLOAD)
async def test_the_minutes_link_checks_who_may_download_first() -> None:
    bot = make_bot()
    channel = turn()
    outcome = await bot.router.on_click(channel, click(v.MINUTES_DOWNLOAD, {"meetingId": 3}))
    assert bot.calls.names() == ["meetings.current", "link_for"]
    assert bot.calls[0].args == (channel, 3, Permission.DOWNLOAD_MINUTES)
    assert bot.calls[1].args == (ACTOR, "minutes.docx", {"meetingId": 3})
    assert outcome.response_card == download_card("Minutes (Word)", LINK)
