"""Minutes in a personal chat (dialogs.minutes, issue 16 point 4), through the router on
fakes: the list, its pages, a meeting's card and the Word link for the person who pressed."""

from __future__ import annotations

from bot.domain.errors import NotFound
from cards import download_card
from cards import verbs as v
from cards.minutes import minutes_card, past_meetings_card
from dialogs.commands import Command
from dialogs.exports import DOWNLOADS_NOT_SET_UP
from dialogs.minutes import MINUTES_NOT_SET_UP
from dialogs.places import MINUTES_PERSONAL_ONLY
from tests.dialogs.fakes import (
    ACTOR,
    PAGES,
    click,
    make_bot,
    make_minutes_card,
    make_past_meetings,
    personal,
    turn,
)
from tests.dialogs.tested import covers
from tests.e2e.cardtools import text_of

HERE = personal()


@covers(Command.MINUTES)
async def test_minutes_lists_the_first_page_of_past_meetings() -> None:
    bot = make_bot()
    for typed in ("minutes", "past meetings", "Draft minutes"):
        outcome = await bot.router.on_text(HERE, typed)
        assert [post.card for post in outcome.posts] == [past_meetings_card(make_past_meetings(1))]
    assert [call.args for call in bot.calls] == [(ACTOR, 1)] * 3


async def test_minutes_in_a_channel_says_where_to_go_and_reads_nothing() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(turn(), "minutes")).posts
    assert post.text == MINUTES_PERSONAL_ONLY
    assert bot.calls == []


@covers(v.MINUTES_PAGE)
async def test_a_page_button_replaces_the_list_with_that_page() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.MINUTES_PAGE, {"page": "2"}))
    assert bot.calls.only("minutes.past_meetings").args == (ACTOR, 2)
    assert outcome.response_card == past_meetings_card(make_past_meetings(2))
    await bot.router.on_click(HERE, click(v.MINUTES_PAGE, {"page": "x"}))
    assert bot.calls[-1].args == (ACTOR, 1), "no readable page: the first"


@covers(v.MINUTES_SHOW)
async def test_open_posts_the_meetings_card_and_keeps_the_list() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.MINUTES_SHOW, {"meetingId": 40}))
    assert bot.calls.only("minutes.minutes").args == (ACTOR, 40)
    assert [post.card for post in outcome.posts] == [minutes_card(make_minutes_card(40), PAGES)]
    assert outcome.response_text == "The minutes are below."
    assert outcome.response_card is None, "the list or brief it was opened from stays"


async def test_a_meeting_not_theirs_is_not_found() -> None:
    bot = make_bot().fails("minutes.minutes", NotFound())
    outcome = await bot.router.on_click(HERE, click(v.MINUTES_SHOW, {"meetingId": 41}))
    assert outcome.response_text == NotFound.user_message and not outcome.posts


@covers(v.MINUTES_EXPORT)
async def test_an_older_cards_word_button_answers_with_the_meetings_page() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.MINUTES_EXPORT, {"meetingId": 40}))
    assert bot.calls.names() == ["minutes.downloadable"]
    meeting_id = bot.calls.only("minutes.downloadable").args[1]
    assert outcome.response_card == download_card("Minutes (Word)", PAGES.meeting(40))
    assert meeting_id == 40 and outcome.posts == []


async def test_the_word_button_is_checked_before_the_page_is_offered() -> None:
    bot = make_bot().fails("minutes.downloadable", NotFound())
    outcome = await bot.router.on_click(HERE, click(v.MINUTES_EXPORT, {"meetingId": 41}))
    assert outcome.response_text == NotFound.user_message
    assert outcome.response_card is None


async def test_the_page_through_the_submit_fallback_and_without_downloads() -> None:
    bot = make_bot()
    fallback = await bot.router.on_click(
        HERE, click(v.MINUTES_EXPORT, {"meetingId": 40}, invoke=False)
    )
    assert fallback.response_card == download_card("Minutes (Word)", PAGES.meeting(40))
    bare = make_bot(downloads=False)
    outcome = await bare.router.on_click(HERE, click(v.MINUTES_EXPORT, {"meetingId": 40}))
    assert outcome.response_text == DOWNLOADS_NOT_SET_UP


async def test_a_bot_without_minutes_says_so() -> None:
    bot = make_bot(minutes=False)
    (post,) = (await bot.router.on_text(HERE, "minutes")).posts
    assert post.text == MINUTES_NOT_SET_UP


def test_the_cards_say_draft_and_carry_the_buttons() -> None:
    card = minutes_card(make_minutes_card(40), PAGES)
    shown = text_of(card)
    assert "DRAFT" in shown and "OFFICIAL-SENSITIVE" in shown
    assert "sign in with your work account" in shown and "5 minutes" not in shown
    titles = [a["title"] for a in card["actions"]]
    assert titles == ["Download minutes (Word), DRAFT", "Back to the list"]
    assert card["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "Download minutes (Word), DRAFT",
        "url": "https://bot.example/meetings/40",
    }
    assert [a["title"] for a in minutes_card(make_minutes_card(40))["actions"]] == [
        "Back to the list"
    ], "a bot without pages offers no download"
    listed = past_meetings_card(make_past_meetings(2))
    assert [a["title"] for a in listed["actions"]] == ["Newer meetings", "Older meetings"]
    assert "23 past meetings, newest first. Page 2 of 3." in text_of(listed)
