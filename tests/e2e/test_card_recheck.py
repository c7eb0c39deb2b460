"""Cards edited in place stay current when two changes are drawn in one order and reach
Teams in the other: after its edit a turn rechecks, and sends the newer card if the state
moved on (and nothing if it did not)."""

from __future__ import annotations

import asyncio

from botbuilder.schema import Activity

from bot.app import COMPONENTS
from bot.services.context import TurnRef
from bot.teams.handler import turn_ref
from cards import verbs as v
from dialogs.upkeep import agenda_update, round_changed
from tests.e2e.cardtools import action, text_of
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import ok, press, say, start_meeting
from tests.support.activities import message


def chair_turn() -> TurnRef:
    return turn_ref(
        Activity().deserialize(message("agenda", conversation="channel", user=DEMO["chair"]))
    )


async def test_an_agenda_card_drawn_before_another_change_is_redrawn(bot: BotUnderTest) -> None:
    router = bot.server.app[COMPONENTS].router
    meeting = await start_meeting(bot, to_position=4)
    turn = chair_turn()
    drawn_earlier = await router.meetings.current(turn, meeting.id)
    [update] = agenda_update(router.services, drawn_earlier)
    assert "1 minute" not in text_of(update.card)

    # Meanwhile someone else records a minute (and their card edit goes out first).
    where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
    ok(
        await press(
            bot,
            "minute_taker",
            v.ITEM_MINUTE,
            where,
            {"minuteText": "Noted."},
            card_id=meeting.agenda_id,
        )
    )

    assert update.recheck is not None
    newer = await update.recheck()
    assert newer is not None and "1 minute" in text_of(newer)
    assert await update.recheck() is None, "once current, nothing more is sent"


async def test_a_round_card_drawn_before_another_answer_is_redrawn(bot: BotUnderTest) -> None:
    router = bot.server.app[COMPONENTS].router
    meeting = await start_meeting(bot, to_position=4)
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "health", "here"))
    where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
    ok(await press(bot, "chair", v.ROUND_OPEN, where, card_id=meeting.agenda_id))
    posted = bot.connector.posted()[-1]
    round_id = action(posted.activity["attachments"][0]["content"], v.ROUND_ANSWER)["data"][
        "roundId"
    ]
    drawn_earlier = await router.rounds.view(chair_turn(), round_id)
    outcome = round_changed(router.services, drawn_earlier, None, "x")
    [update] = outcome.updates
    assert "0 of 2" in text_of(update.card)

    ok(
        await press(
            bot,
            "police",
            v.ROUND_ANSWER,
            {"roundId": round_id},
            {"outcome": "nothing"},
            card_id=posted.activity_id,
        )
    )

    assert update.recheck is not None
    newer = await update.recheck()
    assert newer is not None and "1 of 2" in text_of(newer)
    assert await update.recheck() is None


async def test_twenty_minutes_at_once_leave_the_card_current_in_few_edits(
    bot: BotUnderTest,
) -> None:
    """Everyone's minute is saved and the live card ends showing all of them, without
    every turn redrawing and resending the agenda (bot.teams.live_cards)."""
    meeting = await start_meeting(bot, to_position=4)
    where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
    edits_before = len(bot.connector.updated(meeting.agenda_id))
    answers = await asyncio.gather(
        *(
            press(
                bot,
                "minute_taker",
                v.ITEM_MINUTE,
                where,
                {"minuteText": f"Noted {n}."},
                card_id=meeting.agenda_id,
            )
            for n in range(20)
        )
    )
    for answer in answers:
        assert "minute" in text_of(ok(answer)["value"]), "each clicker gets the card back"
    edits = bot.connector.updated(meeting.agenda_id)[edits_before:]
    last = edits[-1]["attachments"][0]["content"]
    assert "20 minutes" in text_of(last)
    assert len(edits) <= 20, f"{len(edits)} edits for 20 minutes"
