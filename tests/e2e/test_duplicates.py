"""Teams resends a turn that took more than 15 seconds, with the same activity id.

Each test delivers one activity twice, byte for byte, and checks the store holds one
record and the second delivery posts nothing new. Where a record is an upsert (attendance,
a round answer), a later change sits between the two deliveries: a resend must not undo
it. Some deliveries overlap, as a resend does when the first is still running.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select

from bot.store import tables as t
from bot.teams.handler import TURN_FAILED
from cards import verbs as v
from tests.e2e.cardtools import action
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    CHANNEL,
    Meeting,
    agency_id,
    invoke_card,
    invoke_message,
    member_id,
    ok,
    press,
    resend,
    say,
    start_meeting,
    store_of,
)
from tests.support.activities import (
    PERSONAL_CONVERSATION_ID,
    TEAM_ID,
    conversation_update,
    invoke_action,
    message,
    submit,
)


async def count(bot: BotUnderTest, table: Any, *where: Any) -> int:
    async with store_of(bot).reading() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def clicked(
    who: str,
    meeting: Meeting,
    verb: str,
    data: dict[str, Any],
    inputs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return invoke_action(
        verb,
        data,
        inputs=inputs,
        conversation=CHANNEL,
        user=DEMO[who],
        reply_to_id=meeting.agenda_id,
    )


class Delivered:
    """What the connector had seen, to show a later delivery added nothing."""

    def __init__(self, bot: BotUnderTest) -> None:
        self.posts = len(bot.connector.posted())
        self.updates = len(bot.connector.updated())

    def nothing_since(self, bot: BotUnderTest) -> None:
        assert len(bot.connector.posted()) == self.posts, bot.connector.sent()[self.posts :]
        assert len(bot.connector.updated()) == self.updates


def agenda_posts(bot: BotUnderTest) -> int:
    return sum(
        1
        for p in bot.connector.posted()
        if any(is_agenda(a) for a in p.activity.get("attachments") or [])
    )


def is_agenda(attachment: dict[str, Any]) -> bool:
    try:
        action(attachment["content"], v.MEETING_NEXT)
    except AssertionError:
        return False
    return True


async def test_start_meeting_twice_starts_one_meeting(bot: BotUnderTest) -> None:
    start = message("start meeting", conversation=CHANNEL, user=DEMO["chair"])
    ok(await resend(bot, start))
    assert agenda_posts(bot) == 1
    seen = Delivered(bot)
    ok(await resend(bot, start))
    seen.nothing_since(bot)
    assert await count(bot, t.Meeting) == 1
    assert await count(bot, t.AgendaItem) == 9


async def test_start_meeting_resent_while_the_first_is_running(bot: BotUnderTest) -> None:
    start = message("start meeting", conversation=CHANNEL, user=DEMO["chair"])
    first, second = await asyncio.gather(resend(bot, start), resend(bot, start))
    assert {first[0], second[0]} <= {200, 201}
    assert await count(bot, t.Meeting) == 1
    assert agenda_posts(bot) == 1
    assert not [text for text in bot.connector.texts() if "already in progress" in text]


async def test_a_minute_resent_is_recorded_once(bot: BotUnderTest) -> None:
    meeting = await start_meeting(bot, to_position=4)
    item = meeting.current_item(bot)
    minute = clicked(
        "minute_taker",
        meeting,
        v.ITEM_MINUTE,
        {"meetingId": meeting.id, "itemId": item},
        {"minuteText": "CR-0001 seen near the harbour after dark."},
    )
    invoke_card(ok(await resend(bot, minute)))
    seen = Delivered(bot)
    status, body = await resend(bot, minute)
    assert status == 200
    assert "Already recorded" in invoke_message(body)
    seen.nothing_since(bot)
    assert await count(bot, t.MinuteEntry, t.MinuteEntry.kind == "minute") == 1


async def test_a_minute_resent_while_the_first_is_running_is_recorded_once(
    bot: BotUnderTest,
) -> None:
    meeting = await start_meeting(bot, to_position=4)
    minute = clicked(
        "minute_taker",
        meeting,
        v.ITEM_DECISION,
        {"meetingId": meeting.id, "itemId": meeting.current_item(bot)},
        {"decisionText": "Refer CR-0002 to the missing-from-home panel."},
    )
    replies = await asyncio.gather(resend(bot, minute), resend(bot, minute))
    assert [status for status, _ in replies] == [200, 200]
    assert await count(bot, t.MinuteEntry, t.MinuteEntry.kind == "decision") == 1
    assert sum(1 for _, body in replies if body["type"].endswith("card.adaptive")) == 1


async def test_an_action_resent_is_recorded_once(bot: BotUnderTest) -> None:
    meeting = await start_meeting(bot, to_position=4)
    owner = await member_id(store_of(bot), "police")
    recorded = clicked(
        "minute_taker",
        meeting,
        v.ITEM_ACTION,
        {"meetingId": meeting.id, "itemId": meeting.current_item(bot)},
        {
            "description": "Check CR-0003's school attendance record.",
            "ownerId": str(owner),
            "dueDate": "2026-12-03",
            "subjectKind": "child",
            "subjectRef": "CR-0003",
            "subjectInitials": "E.F.",
        },
    )
    invoke_card(ok(await resend(bot, recorded)))
    seen = Delivered(bot)
    status, body = await resend(bot, recorded)
    assert status == 200 and invoke_message(body)
    seen.nothing_since(bot)
    assert await count(bot, t.Action) == 1
    assert await count(bot, t.ActionEvent) == 1
    assert await count(bot, t.Subject) == 1


async def open_round(bot: BotUnderTest, meeting: Meeting) -> tuple[int, str]:
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "health", "here"))
    ok(
        await press(
            bot,
            "chair",
            v.ROUND_OPEN,
            {"meetingId": meeting.id, "itemId": meeting.current_item(bot)},
            card_id=meeting.agenda_id,
        )
    )
    posted = bot.connector.posted()[-1]
    card = posted.activity["attachments"][0]["content"]
    return action(card, v.ROUND_ANSWER)["data"]["roundId"], posted.activity_id


async def test_a_challenge_resent_raises_one_challenge(bot: BotUnderTest) -> None:
    meeting = await start_meeting(bot, to_position=4)
    round_id, round_card_id = await open_round(bot, meeting)
    social_care = await agency_id(store_of(bot), "childrens_social_care")
    challenge = invoke_action(
        v.ROUND_ANSWER,
        {"roundId": round_id},
        inputs={
            "outcome": "challenge",
            "shareText": "Health was not told of the episode.",
            "challengeTo": str(social_care),
            "challengeAbout": "information sharing",
        },
        conversation=CHANNEL,
        user=DEMO["health"],
        reply_to_id=round_card_id,
    )
    invoke_card(ok(await resend(bot, challenge)))
    seen = Delivered(bot)
    ok(await resend(bot, challenge))
    seen.nothing_since(bot)
    assert await count(bot, t.Challenge) == 1
    assert await count(bot, t.RoundTurn) == 1


async def test_a_round_answer_resent_after_a_change_does_not_undo_it(bot: BotUnderTest) -> None:
    meeting = await start_meeting(bot, to_position=4)
    round_id, round_card_id = await open_round(bot, meeting)

    def answer(inputs: dict[str, str]) -> dict[str, Any]:
        return invoke_action(
            v.ROUND_ANSWER,
            {"roundId": round_id},
            inputs=inputs,
            conversation=CHANNEL,
            user=DEMO["police"],
            reply_to_id=round_card_id,
        )

    shared = answer({"outcome": "shared", "shareText": "Two sightings with an older male."})
    ok(await resend(bot, shared))
    ok(await resend(bot, answer({"outcome": "nothing"})))
    seen = Delivered(bot)
    ok(await resend(bot, shared))
    seen.nothing_since(bot)
    async with store_of(bot).reading() as session:
        turns = (await session.scalars(select(t.RoundTurn))).all()
    # Every answer is kept (issue 15): the resend adds nothing and undoes nothing.
    assert [(turn.outcome, turn.text) for turn in turns] == [
        ("shared", "Two sightings with an older male."),
        ("nothing", ""),
    ]


async def attendance_of(bot: BotUnderTest, agency_code: str) -> list[tuple[str, str]]:
    agency = await agency_id(store_of(bot), agency_code)
    async with store_of(bot).reading() as session:
        rows = (
            await session.scalars(select(t.Attendance).where(t.Attendance.agency_id == agency))
        ).all()
    return [(row.status, row.people) for row in rows]


async def test_im_here_resent_after_apologies_were_recorded_does_not_undo_them(
    bot: BotUnderTest,
) -> None:
    meeting = await start_meeting(bot)
    police = await agency_id(store_of(bot), "police")
    here = message("here", conversation=CHANNEL, user=DEMO["police"])
    ok(await resend(bot, here))
    assert await attendance_of(bot, "police") == [("present", "Priya Shah")]
    ok(
        await press(
            bot,
            "chair",
            v.ATTENDANCE_RECORD,
            {"meetingId": meeting.id},
            {"agencyId": str(police), "attendanceStatus": "apologies", "people": ""},
            card_id=meeting.agenda_id,
        )
    )
    seen = Delivered(bot)
    ok(await resend(bot, here))
    seen.nothing_since(bot)
    assert await attendance_of(bot, "police") == [("apologies", "")]


async def test_attendance_recorded_twice_after_a_correction_keeps_the_correction(
    bot: BotUnderTest,
) -> None:
    meeting = await start_meeting(bot)
    health = str(await agency_id(store_of(bot), "health"))
    present = clicked(
        "chair",
        meeting,
        v.ATTENDANCE_RECORD,
        {"meetingId": meeting.id},
        {"agencyId": health, "attendanceStatus": "present", "people": "Dana Reeves"},
    )
    invoke_card(ok(await resend(bot, present)))
    invoke_card(
        ok(
            await resend(
                bot,
                clicked(
                    "chair",
                    meeting,
                    v.ATTENDANCE_RECORD,
                    {"meetingId": meeting.id},
                    {"agencyId": health, "attendanceStatus": "substitute", "people": "K. Patel"},
                ),
            )
        )
    )
    seen = Delivered(bot)
    ok(await resend(bot, present))
    seen.nothing_since(bot)
    assert await attendance_of(bot, "health") == [("substitute", "K. Patel")]


async def test_a_resent_next_item_moves_one_item(bot: BotUnderTest) -> None:
    meeting = await start_meeting(bot)
    text_next = message("next item", conversation=CHANNEL, user=DEMO["chair"])
    ok(await resend(bot, text_next))
    ok(await resend(bot, text_next))
    async with store_of(bot).reading() as session:
        current = await session.scalar(
            select(t.Meeting.current_position).where(t.Meeting.id == meeting.id)
        )
    assert current == 2


# -- turns that only read: answered once too ---------------------------------------------


async def test_help_resent_is_answered_once(bot: BotUnderTest) -> None:
    help_ = message("help", conversation=CHANNEL, user=DEMO["chair"])
    ok(await resend(bot, help_))
    assert bot.connector.posted(), "the first delivery is answered"
    seen = Delivered(bot)
    ok(await resend(bot, help_))
    seen.nothing_since(bot)


async def test_my_actions_resent_while_the_first_is_running_is_answered_once(
    bot: BotUnderTest,
) -> None:
    mine = message("my actions", conversation="personal", user=DEMO["police"])
    replies = await asyncio.gather(*(resend(bot, mine) for _ in range(3)))
    assert all(status in (200, 201) for status, _ in replies), replies
    assert len(bot.connector.posted()) == 1, bot.connector.sent()


async def test_a_submitted_card_click_that_only_shows_resent_posts_nothing_again(
    bot: BotUnderTest,
) -> None:
    """The Action.Submit fallback of "my actions": a message that posts the person's
    actions card; its resend posts nothing."""
    shown = submit({"verb": v.ACTIONS_MINE}, conversation="personal", user=DEMO["police"])
    ok(await resend(bot, shown))
    seen = Delivered(bot)
    assert seen.posts >= 1, "the first click posts the person's actions"
    ok(await resend(bot, shown))
    seen.nothing_since(bot)


async def test_a_card_click_that_only_shows_resent_is_answered_with_the_same_card(
    bot: BotUnderTest,
) -> None:
    """A resent invoke still gets an invoke answer (the client waits for one), drawn from
    the current state; nothing is posted or edited in the conversation."""
    shown = invoke_action(v.ACTIONS_MINE, {}, conversation="personal", user=DEMO["police"])
    first = invoke_card(ok(await resend(bot, shown)))
    seen = Delivered(bot)
    assert invoke_card(ok(await resend(bot, shown))) == first
    seen.nothing_since(bot)


async def test_a_write_resent_is_claimed_once(bot: BotUnderTest) -> None:
    """A turn that wrote claimed its id with the write: its answer adds no second claim."""
    meeting = await start_meeting(bot)
    claims = await count(bot, t.ProcessedActivity)
    ok(await say(bot, "police", "here"))
    assert await count(bot, t.ProcessedActivity) == claims + 1
    ok(await say(bot, "chair", "help"))
    assert await count(bot, t.ProcessedActivity) == claims + 2
    assert meeting.id


async def test_the_bot_added_resent_welcomes_once(bot: BotUnderTest) -> None:
    added = conversation_update(conversation="groupChat", user=DEMO["chair"])
    ok(await resend(bot, added))
    seen = Delivered(bot)
    assert seen.posts >= 1, "the first delivery says what the bot is for"
    ok(await resend(bot, added))
    seen.nothing_since(bot)


async def test_a_submitted_write_resent_posts_nothing_again(bot: BotUnderTest) -> None:
    """The Action.Submit fallback of "I'm here": recorded by the first delivery; the
    resend records nothing and posts nothing (not even "Already recorded.")."""
    meeting = await start_meeting(bot)
    here = submit(
        {"verb": v.ATTENDANCE_SELF, "meetingId": meeting.id},
        conversation=CHANNEL,
        user=DEMO["police"],
        reply_to_id=meeting.agenda_id,
    )
    ok(await resend(bot, here))
    assert await attendance_of(bot, "police") == [("present", "Priya Shah")]
    seen = Delivered(bot)
    ok(await resend(bot, here))
    seen.nothing_since(bot)
    assert await attendance_of(bot, "police") == [("present", "Priya Shah")]


# -- an answer that could not be delivered -----------------------------------------------


def replies_to(bot: BotUnderTest, activity: dict[str, Any]) -> list[dict[str, Any]]:
    """What the bot posted in answer to this activity (replies carry its id)."""
    return [p.activity for p in bot.connector.posted() if p.reply_to_id == activity["id"]]


async def test_an_answer_that_failed_to_post_is_given_to_the_resend(bot: BotUnderTest) -> None:
    """The connector refuses the reply to "help": the person was told nothing of it, so
    Teams' resend of the same activity is answered (once), not taken for a repeat."""
    help_ = message("help", conversation=CHANNEL, user=DEMO["chair"])
    bot.connector.fail_next(502, method="POST", path_contains="/activities")
    ok(await resend(bot, help_))
    assert next(c.status for c in bot.connector.calls if c.method == "POST") == 502
    failed = [a.get("text") for a in replies_to(bot, help_)]
    assert failed == [TURN_FAILED], "only the apology got through"
    ok(await resend(bot, help_))
    answered = replies_to(bot, help_)[len(failed) :]
    assert len(answered) == 1 and answered[0].get("text") != TURN_FAILED, answered
    seen = Delivered(bot)
    ok(await resend(bot, help_))
    seen.nothing_since(bot)


# -- the same activity id in two conversations ---------------------------------------------


async def test_one_activity_id_in_two_chats_is_answered_in_both(bot: BotUnderTest) -> None:
    """Teams' message ids are unique within a conversation only: two people asking in
    their own chats under the same id are both answered; a resend in either is not."""
    asked = [
        message(
            "help",
            conversation="personal",
            user=DEMO[who],
            conversation_id=f"{PERSONAL_CONVERSATION_ID}-{who}",
            activity_id="1795400000123",
        )
        for who in ("police", "health")
    ]
    for activity in asked:
        ok(await resend(bot, activity))
    for activity in asked:
        assert len(bot.connector.posted(activity["conversation"]["id"])) == 1
    seen = Delivered(bot)
    for activity in asked:
        ok(await resend(bot, activity))
    seen.nothing_since(bot)


async def test_one_activity_id_in_two_threads_is_recorded_in_both(bot: BotUnderTest) -> None:
    """Two threads of the linked channel (two conversations), one id: both writes are
    recorded; a resend in either records nothing more and posts nothing."""
    await start_meeting(bot)
    said = [
        message(
            "here",
            conversation=CHANNEL,
            user=DEMO[who],
            conversation_id=f"{TEAM_ID};messageid={thread}",
            activity_id="1795400000456",
        )
        for who, thread in (("police", "1795301167862"), ("health", "1795301167999"))
    ]
    for activity in said:
        ok(await resend(bot, activity))
    assert await attendance_of(bot, "police") == [("present", "Priya Shah")]
    assert [status for status, _ in await attendance_of(bot, "health")] == ["present"]
    claims = await count(bot, t.ProcessedActivity)
    seen = Delivered(bot)
    for activity in said:
        ok(await resend(bot, activity))
    seen.nothing_since(bot)
    assert await count(bot, t.ProcessedActivity) == claims
