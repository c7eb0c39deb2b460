"""A meeting's busiest moment against a connector that enforces Teams' limits
(tests/support/teams_limits.py): the bot's edits and posts into the meeting's conversation
take their turns (bot.teams.pacing), so Teams never answers 429, the card everyone sees
never goes back, and it ends showing everything. bench/storm.py measures the same with
40 people against `mace-bot serve`."""

from __future__ import annotations

import asyncio
import itertools
import re
from typing import Any

from bot.domain.clock import FrozenClock
from bot.store.db import Store
from bot.teams.live_cards import EDIT_GAP, LiveCards
from bot.teams.pacing import MARGIN, ConversationPacer
from cards import verbs as v
from tests.e2e.cardtools import text_of
from tests.e2e.harness import DEMO, running_bot
from tests.e2e.scenario import ok, press, say, start_meeting
from tests.support.activities import CHANNEL_CONVERSATION_ID
from tests.support.fake_connector import card_contents

PRESSERS = ("chair", "minute_taker", "coordinator", "police", "social_care", "health", "education")


def _counts(edit: dict[str, Any]) -> tuple[int, int]:
    """(people shown present, minutes recorded) on an edit of the agenda card."""
    text = text_of(card_contents(edit)[0])
    present = sum(1 for who in PRESSERS if DEMO[who].name in text)
    minutes = sum(int(n) for n in re.findall(r"(\d+) minutes?,", text))
    return present, minutes


async def test_presses_and_minutes_at_once_stay_inside_teams_limits(
    demo_store: Store, clock: FrozenClock
) -> None:
    cards = LiveCards(min_gap=EDIT_GAP, pacer=ConversationPacer())  # as the app paces
    async with running_bot(demo_store, clock, live_cards=cards) as bot:
        bot.connector.limit()
        meeting = await start_meeting(bot, to_position=4)
        where = {"meetingId": meeting.id, "itemId": meeting.current_item(bot)}
        presses = [
            press(bot, who, v.ATTENDANCE_SELF, {"meetingId": meeting.id}, card_id=meeting.agenda_id)
            for who in PRESSERS
        ]
        minutes = [
            press(
                bot,
                "minute_taker",
                v.ITEM_MINUTE,
                where,
                {"minuteText": f"Noted {n}."},
                card_id=meeting.agenda_id,
            )
            for n in range(20)
        ]
        answers = await asyncio.gather(*presses, *minutes)
        await bot.settled()

        for who, answer in zip(PRESSERS, answers, strict=False):
            assert DEMO[who].name in text_of(ok(answer)["value"]), "answered with their card"
        assert bot.connector.refusals() == []
        counts = [_counts(edit) for edit in bot.connector.updated(meeting.agenda_id)]
        assert counts[-1] == (len(PRESSERS), 20)
        for before, after in itertools.pairwise(counts):
            assert before[0] <= after[0] and before[1] <= after[1], counts


class FakeTime:
    """The pacer's and the fake connector's clock; the pacer's sleep moves it."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_posts_into_a_conversation_take_their_turns_and_a_429_holds_it(
    demo_store: Store, clock: FrozenClock
) -> None:
    time = FakeTime()
    pacer = ConversationPacer(clock=time.clock, sleep=time.sleep)
    async with running_bot(demo_store, clock, live_cards=LiveCards(pacer=pacer)) as bot:
        bot.connector.clock = time.clock
        bot.connector.limit()
        for _ in range(9):
            ok(await say(bot, "chair", "agenda"))  # each answered in the channel

        posts = bot.connector.calls_matching("POST", CHANNEL_CONVERSATION_ID)
        assert [c.status for c in posts] == [201] * 9
        assert [c.at for c in posts] == [0.0] * 7 + [1.0 + MARGIN, 2.0 + MARGIN]

        bot.connector.fail_next(429, headers={"Retry-After": "3"}, method="POST")
        await say(bot, "chair", "agenda")  # throttled: the turn fails
        held_from = time.now
        ok(await say(bot, "chair", "agenda"))
        assert bot.connector.calls[-1].at >= held_from + 3.0
        assert bot.connector.refusals() == []


async def test_an_edit_teams_throttles_is_sent_again_after_retry_after(
    demo_store: Store, clock: FrozenClock
) -> None:
    """Through the app's own connector client: the 429 is read with its Retry-After, the
    person who pressed is answered at once, and the card is edited once the wait is over."""
    time = FakeTime()
    pacer = ConversationPacer(clock=time.clock, sleep=time.sleep)
    async with running_bot(demo_store, clock, live_cards=LiveCards(pacer=pacer)) as bot:
        bot.connector.clock = time.clock
        meeting = await start_meeting(bot)
        bot.connector.fail_next(429, headers={"Retry-After": "2"}, method="PUT")
        throttled_at = time.now

        answer = ok(
            await press(
                bot,
                "police",
                v.ATTENDANCE_SELF,
                {"meetingId": meeting.id},
                card_id=meeting.agenda_id,
            )
        )

        assert DEMO["police"].name in text_of(answer["value"])
        puts = bot.connector.calls_matching("PUT", meeting.agenda_id)
        assert [(c.status, c.at - throttled_at) for c in puts] == [(429, 0.0), (200, 2.0)]
        (edit,) = bot.connector.updated(meeting.agenda_id)
        assert DEMO["police"].name in text_of(card_contents(edit)[0])
