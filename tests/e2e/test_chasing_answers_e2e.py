"""Escalation counts unanswered reminders, end to end (issue 16, point 6): two actions
agreed at a meeting and chased by the ``chase`` job, fired by hand each working morning
with a frozen clock; one is answered (updates through the real endpoint, one by the owner
and one by the chair for her), the other is not. Only the unanswered one escalates when
the answered one would have under the old rule, and the answered one escalates only after
two more reminders go unanswered."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from bot.domain.calendar import LONDON
from bot.domain.clock import FrozenClock
from bot.store import tables as t
from cards import verbs as v
from tests.e2e.cardtools import text_of
from tests.e2e.harness import BotUnderTest
from tests.e2e.scenario import invoke_card, ok, say, store_of
from tests.e2e.test_between_meetings import agree_actions, click
from tests.e2e.test_chasing_e2e import fire
from tests.services.test_chase_run import at_london


async def escalated_on(bot: BotUnderTest) -> dict[int, date]:
    """The day each action escalated (as the chase recorded it)."""
    async with store_of(bot).reading() as session:
        rows = await session.execute(
            select(t.ReminderSent.action_id, t.ReminderSent.created_at).where(
                t.ReminderSent.key.like("escalate:%")
            )
        )
        return {action_id: at.astimezone(LONDON).date() for action_id, at in rows}


async def escalated_actions(bot: BotUnderTest) -> list[list[int]]:
    """The actions each escalation digest names (one digest per run, to each recipient)."""
    async with store_of(bot).reading() as session:
        payloads = await session.scalars(
            select(t.OutboxMessage.payload)
            .where(t.OutboxMessage.kind == "escalation")
            .order_by(t.OutboxMessage.id)
        )
        named = [[e["action_id"] for e in json.loads(p)["escalations"]] for p in payloads]
    return [list(group) for group in sorted({tuple(n) for n in named})]


async def test_an_owner_who_answers_is_not_escalated_until_she_stops(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    answered, ignored = await agree_actions(
        bot,
        [
            {"description": "Visit CR-0007 at school.", "owner": "Priya Shah", "due": "2026-12-03"},
            {
                "description": "Call the housing officer.",
                "owner": "Priya Shah",
                "due": "2026-12-03",
            },
        ],
    )
    ok(await say(bot, "police", "here"))

    async def update(who: str, day: date, note: str) -> None:
        clock.set(at_london(day, 11))
        body = await click(
            bot, who, v.ACTION_UPDATE, {"actionId": answered}, {f"update-{answered}": note}
        )
        assert "Update saved." in text_of(invoke_card(body))

    # Due Thu 3 Dec: overdue reminders Fri 4, Tue 8, Thu 10, Mon 14 and Wed 16 December.
    answers = {
        date(2026, 12, 4): ("police", "Visit booked for Monday."),  # the owner
        date(2026, 12, 8): ("chair", "Chair: spoke to Priya, visit done, report due."),  # for her
    }
    day = date(2026, 11, 30)
    while day <= date(2026, 12, 16):
        clock.set(at_london(day, 7))
        await fire(bot, "chase")
        if day in answers:
            who, note = answers[day]
            await update(who, day, note)
        if day == date(2026, 12, 10):
            # The day the old rule would have escalated both: only the unanswered one.
            assert await escalated_on(bot) == {ignored: day}
        day += timedelta(days=1)

    # Reminders 3 (10 Dec) and 4 (14 Dec) went unanswered: it escalates with the 5th.
    assert await escalated_on(bot) == {ignored: date(2026, 12, 10), answered: date(2026, 12, 16)}
    assert await escalated_actions(bot) == sorted([[ignored], [answered]])
    async with store_of(bot).reading() as session:
        overdue = list(
            await session.scalars(
                select(t.ReminderSent.key)
                .where(t.ReminderSent.action_id == answered, t.ReminderSent.key.like("overdue:%"))
                .order_by(t.ReminderSent.id)
            )
        )
        flagged = await session.get_one(t.Action, answered)
    assert overdue == [f"overdue:2026-12-03:{k}" for k in range(1, 6)], "answered or not, chased"
    assert flagged.escalated_at is not None
