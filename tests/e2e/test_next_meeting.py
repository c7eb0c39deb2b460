"""What carries from one meeting to the next: open actions (item 3), the draft minutes to
agree (item 2), and challenges that stay open until answered."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.store import tables as t
from cards import verbs as v
from tests.e2e.cardtools import action, choice_value, text_of, verbs
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import (
    invoke_card,
    ok,
    press,
    say,
    start_meeting,
    store_of,
)


async def run_first_meeting(bot: BotUnderTest) -> int:
    meeting = await start_meeting(bot, to_position=4)
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "health", "here"))
    item = meeting.current_item(bot)
    form = invoke_card(
        ok(
            await press(
                bot,
                "minute_taker",
                v.ITEM_ACTION_FORM,
                {"meetingId": meeting.id, "itemId": item},
                card_id=meeting.agenda_id,
            )
        )
    )
    ok(
        await press(
            bot,
            "minute_taker",
            v.ITEM_ACTION,
            {"meetingId": meeting.id, "itemId": item},
            {
                "description": "Visit the takeaway with licensing.",
                "ownerId": choice_value(form, "ownerId", "Priya Shah"),
                "dueDate": "2026-11-26",
                "subjectKind": "location",
                "subjectRef": "Harbour Road takeaway",
            },
            card_id=meeting.agenda_id,
        )
    )
    ok(
        await press(
            bot,
            "minute_taker",
            v.ITEM_DECISION,
            {"meetingId": meeting.id, "itemId": item},
            {"decisionText": "Ask licensing to review the late licence."},
            card_id=meeting.agenda_id,
        )
    )
    ok(await say(bot, "chair", "share round"))
    round_post = bot.connector.posted()[-1]
    round_card = round_post.activity["attachments"][0]["content"]
    ok(
        await press(
            bot,
            "health",
            v.ROUND_ANSWER,
            action(round_card, v.ROUND_ANSWER)["data"],
            {
                "outcome": "challenge",
                "shareText": "Police plan lacks a school contact.",
                "challengeTo": choice_value(round_card, "challengeTo", "Police"),
            },
            card_id=round_post.activity_id,
        )
    )
    ok(await say(bot, "chair", "close round"))
    ok(
        await press(
            bot,
            "chair",
            v.MEETING_END,
            {"meetingId": meeting.id},
            {"nextMeetingDate": "2026-12-17"},
            card_id=meeting.agenda_id,
        )
    )
    return meeting.id


async def test_the_next_meeting_reviews_actions_agrees_minutes_and_answers_challenges(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    first_id = await run_first_meeting(bot)

    clock.advance(weeks=4)
    bot.connector.reset()
    meeting = await start_meeting(bot)
    shown = text_of(meeting.card(bot))
    assert "Visit the takeaway with licensing." in shown
    assert "Priya Shah" in shown
    assert "OVERDUE" in shown.upper()
    assert "No open actions from earlier meetings" not in shown

    # Item 2: the last meeting's minutes are a draft until agreed.
    ok(await say(bot, "chair", "next item"))
    agree = action(meeting.card(bot), v.MINUTES_AGREE)
    assert agree["data"]["previousMeetingId"] == first_id
    ok(await press(bot, "chair", v.MINUTES_AGREE, agree["data"], card_id=meeting.agenda_id))
    assert v.MINUTES_AGREE not in verbs(meeting.card(bot))
    async with store_of(bot).reading() as session:
        first = await session.get_one(t.Meeting, first_id)
        assert first.minutes_status == "agreed"
        assert first.minutes_agreed_in_meeting_id == meeting.id

    # The challenge raised last time is still open; record its response.
    bot.connector.reset()
    ok(await say(bot, "social_care", "challenges"))
    challenges = bot.connector.cards()[-1]
    assert "Police plan lacks a school contact." in text_of(challenges)
    respond = action(challenges, v.CHALLENGE_RESPOND)
    challenge_id = respond["data"]["challengeId"]
    body = ok(
        await press(
            bot,
            "police",
            v.CHALLENGE_RESPOND,
            respond["data"],
            {
                f"response-{challenge_id}": "School contact added to the plan.",
                f"resolution-{challenge_id}": "resolved",
            },
            card_id=bot.connector.posted()[-1].activity_id,
        )
    )
    assert "Police plan lacks a school contact." not in text_of(invoke_card(body))
    async with store_of(bot).reading() as session:
        challenge = await session.get_one(t.Challenge, challenge_id)
        assert (challenge.status, challenge.response) == (
            "resolved",
            "School contact added to the plan.",
        )
        assert challenge.responded_by_member_id is not None


async def test_unknown_text_gets_a_useful_answer_and_help_lists_commands(bot: BotUnderTest) -> None:
    ok(await say(bot, "police", "strat meeting"))
    reply = bot.connector.texts()[-1]
    assert "did not understand" in reply and "start meeting" in reply and "help" in reply
    ok(await say(bot, "police", "help"))
    assert "share round" in bot.connector.texts()[-1]


async def test_a_second_start_shows_the_running_meeting(bot: BotUnderTest) -> None:
    first = await start_meeting(bot)
    ok(await say(bot, "chair", "start meeting"))
    assert "already in progress" in bot.connector.texts()[-1]
    again = bot.connector.cards()[-1]
    assert action(again, v.MEETING_NEXT)["data"]["meetingId"] == first.id
    async with store_of(bot).reading() as session:
        assert len(list(await session.scalars(select(t.Meeting.id)))) == 1
