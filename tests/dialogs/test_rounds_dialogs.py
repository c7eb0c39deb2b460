"""Share-and-challenge rounds and challenges (dialogs.rounds), through the router on fakes."""

from __future__ import annotations

from dataclasses import replace
from json import dumps

from bot.domain.errors import InvalidInput, NotFound, SavedNotShown
from bot.domain.model import RoundStatus
from cards import agenda_card, challenges_card, round_card
from cards import verbs as v
from dialogs.commands import Command
from tests.cards.cards_testkit import make_round
from tests.dialogs.fakes import AGENDA_ACTIVITY, CONVERSATION, ROUND_ACTIVITY, click, make_bot, turn
from tests.dialogs.tested import covers

HERE = turn()


@covers(Command.SHARE_ROUND)
async def test_share_round_posts_a_new_round_and_edits_the_agenda() -> None:
    bot = make_bot()
    bot.views.round = replace(make_round(), conversation_id=CONVERSATION)  # not posted yet
    outcome = await bot.router.on_text(HERE, "share round")
    assert bot.calls.names() == ["meetings.current", "rounds.open", "meetings.current"]
    assert bot.calls.only("rounds.open").args == (HERE, 3, None)
    (post,) = outcome.posts
    assert post.card == round_card(bot.views.round)
    assert outcome.response_text == "Share and challenge: the round card is below."
    assert [update.activity_id for update in outcome.updates] == [AGENDA_ACTIVITY]
    assert post.on_sent is not None
    await post.on_sent("round-activity-9")
    assert bot.calls.only("rounds.remember_card").args == (77, "round-activity-9")


async def test_a_round_already_open_brings_its_card_back() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "open round")
    assert [post.card for post in outcome.posts] == [round_card(bot.views.round)]
    assert outcome.response_text == "A round is already open; its card is below."
    assert outcome.updates == []


async def test_an_agenda_that_cannot_be_read_after_opening_says_it_is_saved() -> None:
    bot = make_bot()
    bot.views.round = replace(make_round(), conversation_id=CONVERSATION)
    bot.fails("meetings.current", OSError("gone"))
    outcome = await bot.router.on_click(HERE, click(v.ROUND_OPEN, {"meetingId": 3}))
    assert outcome.response_text == SavedNotShown("share round").user_message


@covers(v.ROUND_OPEN)
async def test_the_round_button_opens_on_the_item_named() -> None:
    bot = make_bot()
    await bot.router.on_click(HERE, click(v.ROUND_OPEN, {"meetingId": 3, "itemId": 104}))
    assert bot.calls.only("rounds.open").args == (HERE, 3, 104)


@covers(Command.CLOSE_ROUND)
async def test_close_round_posts_the_summary_and_edits_both_cards() -> None:
    bot = make_bot()
    bot.views.round = replace(bot.views.round, status=RoundStatus.CLOSED)
    outcome = await bot.router.on_text(HERE, "close round")
    assert bot.calls.only("rounds.close").args == (HERE, 77)
    assert [(post.text, post.card) for post in outcome.posts] == [
        ("Round closed; summary below.", None),
        (None, round_card(bot.views.round)),
    ]
    assert [u.activity_id for u in outcome.updates] == [ROUND_ACTIVITY, AGENDA_ACTIVITY]


@covers(v.ROUND_CLOSE)
async def test_the_close_button_answers_with_the_round() -> None:
    bot = make_bot()
    pressed = click(v.ROUND_CLOSE, {"roundId": 77}, on=ROUND_ACTIVITY)
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("rounds.close").args == (HERE, 77)
    assert outcome.response_card == round_card(bot.views.round)


@covers(v.ROUND_ANSWER)
async def test_an_answer_edits_the_round_or_its_form_comes_back() -> None:
    bot = make_bot()
    pressed = click(v.ROUND_ANSWER, {"roundId": 77, "outcome": "shared", "text": "A"})
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("rounds.answer").args == (HERE, 77, pressed.data)
    assert outcome.response_card == round_card(bot.views.round)
    (update,) = outcome.updates
    assert (update.activity_id, update.card) == (ROUND_ACTIVITY, round_card(bot.views.round))
    assert update.recheck is not None
    assert await update.recheck() is None  # drawn from the same state: not sent again
    errors = {"text": "Say what was shared."}
    bot.fails("rounds.answer", InvalidInput(errors))
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls[-1].method == "rounds.view"
    expected = round_card(bot.views.round, values=pressed.data, errors=errors)
    assert outcome.response_card == expected


@covers(Command.SHOW_ROUND)
async def test_show_round_posts_the_open_rounds_card_again() -> None:
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "Show round")
    assert bot.calls.names() == ["rounds.current"]
    assert [post.card for post in outcome.posts] == [round_card(bot.views.round)]
    assert outcome.response_text == "The open round's card is below: answer for your agency on it."
    assert outcome.updates == []  # the card kept current is not touched


async def test_show_round_with_none_open_says_so() -> None:
    bot = make_bot()
    bot.fails("rounds.current", NotFound("No share-and-challenge round is open."))
    outcome = await bot.router.on_text(HERE, "round card")
    assert [(post.text, post.card) for post in outcome.posts] == [
        ("No share-and-challenge round is open.", None)
    ]


async def test_an_answer_on_a_copy_redraws_the_copy_and_the_card_kept_current() -> None:
    bot = make_bot()
    pressed = click(v.ROUND_ANSWER, {"roundId": 77, "outcome": "nothing"}, on="copy-activity")
    outcome = await bot.router.on_click(HERE, pressed)
    assert outcome.response_card == round_card(bot.views.round)
    assert [u.activity_id for u in outcome.updates] == [ROUND_ACTIVITY]


@covers(Command.CHALLENGES)
async def test_challenges_lists_the_open_ones() -> None:
    bot = make_bot()
    (post,) = (await bot.router.on_text(HERE, "open challenges")).posts
    expected = challenges_card(list(bot.views.challenges), locality_name="Scarborough")
    assert post.card == expected


@covers(v.CHALLENGE_RESPOND)
async def test_a_response_closes_the_challenge_or_its_form_comes_back() -> None:
    bot = make_bot()
    pressed = click(v.CHALLENGE_RESPOND, {"challengeId": 500, "response": "Agreed"})
    outcome = await bot.router.on_click(HERE, pressed)
    assert bot.calls.only("rounds.respond_to_challenge").args == (HERE, 500, pressed.data)
    remaining = list(bot.views.challenges[1:])
    closed = "Response recorded; the challenge is closed."
    assert outcome.response_card == challenges_card(
        remaining, locality_name="Scarborough", note=closed
    )
    assert closed in dumps(outcome.response_card)
    errors = {"resolution": "Choose a resolution."}
    bot.fails("rounds.respond_to_challenge", InvalidInput(errors))
    outcome = await bot.router.on_click(HERE, pressed)
    assert outcome.response_card == challenges_card(
        list(bot.views.challenges), locality_name="Scarborough", values=pressed.data, errors=errors
    )


async def test_an_escalated_challenge_says_where_it_went_on_the_card_pressed() -> None:
    """In place of the card pressed (Universal Actions) the card is all the chair sees:
    it says the challenge went to the group chosen, as the fallback's post does."""
    bot = make_bot()
    data = {
        "challengeId": 500,
        "response-500": "Beyond what the locality can do.",
        "resolution-500": "escalated",
        "escalateTo-500": "operational",
        "escalateWhy-500": "No placement found.",
    }
    said = "Response recorded; escalated to the MACE Operational Group: its members are told."
    outcome = await bot.router.on_click(HERE, click(v.CHALLENGE_RESPOND, data))
    assert said in dumps(outcome.response_card)
    fallback = await bot.router.on_click(HERE, click(v.CHALLENGE_RESPOND, data, invoke=False))
    assert fallback.posts[0].text == said


async def test_a_response_redraws_the_agenda_of_the_meeting_in_progress() -> None:
    """The agenda counts the open challenges: a response changes the count."""
    bot = make_bot()
    pressed = click(v.CHALLENGE_RESPOND, {"challengeId": 500, "response": "Agreed"})
    outcome = await bot.router.on_click(HERE, pressed)
    (update,) = outcome.updates
    assert (update.conversation_id, update.activity_id) == (CONVERSATION, AGENDA_ACTIVITY)
    assert update.card == agenda_card(bot.views.meeting)
    bot.fails("meetings.current", NotFound("No meeting is in progress for this group."))
    outcome = await bot.router.on_click(HERE, pressed)
    assert not outcome.updates
    assert "Response recorded" in dumps(outcome.response_card)


async def test_agenda_clicks_still_answer_with_the_agenda_card() -> None:
    """A round's change edits the agenda too; its recheck draws only a newer meeting."""
    bot = make_bot()
    outcome = await bot.router.on_text(HERE, "close round")
    agenda = outcome.updates[-1]
    assert agenda.card == agenda_card(bot.views.meeting)
    assert agenda.recheck is not None
    assert await agenda.recheck() is None
    assert bot.calls[-1].args == (3, bot.views.meeting.version)
