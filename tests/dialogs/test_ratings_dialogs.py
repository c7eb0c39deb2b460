"""Rating a meeting (dialogs.ratings, issue 16 point 7), through the router on fakes."""

from __future__ import annotations

from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.ratings import ALREADY_RATED
from cards import verbs as v
from cards.ratings import rating_card
from dialogs.places import RATING_PERSONAL_ONLY
from dialogs.ratings import RATINGS_NOT_SET_UP
from tests.dialogs.fakes import ACTOR, click, make_bot, make_rating_form, personal, turn
from tests.dialogs.tested import covers
from tests.e2e.cardtools import text_of

HERE = personal()
SENT = {"meetingId": 40, "rating": "4", "ratingComment": "Kept to time."}


@covers(v.MEETING_RATE)
async def test_a_rating_is_recorded_and_the_card_thanks() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(HERE, click(v.MEETING_RATE, SENT))
    (call,) = bot.calls
    assert call.method == "ratings.rate"
    assert call.args[0] == ACTOR and call.args[2] == 40
    assert dict(call.args[3]) == {"verb": v.MEETING_RATE, **SENT}  # type: ignore[call-overload]
    assert outcome.response_card == rating_card(make_rating_form(40, rated=True))
    assert "Thank you" in text_of(outcome.response_card)


async def test_a_second_rating_is_refused_plainly() -> None:
    bot = make_bot().fails("ratings.rate", Conflict(ALREADY_RATED))
    outcome = await bot.router.on_click(HERE, click(v.MEETING_RATE, SENT))
    assert outcome.response_text == ALREADY_RATED and outcome.response_card is None


async def test_errors_come_back_beside_the_fields_with_the_entries_kept() -> None:
    errors = {"rating": "Choose a rating from 1 to 5."}
    bot = make_bot().fails("ratings.rate", InvalidInput(errors))
    data = {"meetingId": 40, "ratingComment": "Kept to time."}
    outcome = await bot.router.on_click(HERE, click(v.MEETING_RATE, data))
    assert bot.calls.names() == ["ratings.rate", "ratings.form"]
    card = outcome.response_card
    assert card is not None
    assert "Choose a rating from 1 to 5." in text_of(card)
    assert "Kept to time." in text_of(card), "the comment typed is kept"


async def test_no_attendee_no_meeting() -> None:
    bot = make_bot().fails("ratings.rate", NotFound())
    outcome = await bot.router.on_click(HERE, click(v.MEETING_RATE, SENT))
    assert outcome.response_text == NotFound.user_message


async def test_rating_in_a_channel_is_refused_before_anything_is_read() -> None:
    bot = make_bot()
    outcome = await bot.router.on_click(turn(), click(v.MEETING_RATE, SENT))
    assert outcome.response_text == RATING_PERSONAL_ONLY and bot.calls == []


async def test_a_bot_without_ratings_says_so() -> None:
    bot = make_bot(ratings=False)
    outcome = await bot.router.on_click(HERE, click(v.MEETING_RATE, SENT))
    assert outcome.response_text == RATINGS_NOT_SET_UP
