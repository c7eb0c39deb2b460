"""Chasing end to end: jobs fired by hand with a frozen clock, messages delivered through
the real adapter to the recording fake connector, with faults injected there."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from bot.app import COMPONENTS
from bot.domain.clock import FrozenClock
from bot.store import tables as t
from tests.e2e.cardtools import text_of
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import ok, say, store_of
from tests.e2e.test_between_meetings import agree_actions
from tests.services.test_chase_run import at_london


async def fire(bot: BotUnderTest, name: str) -> object:
    return await bot.server.app[COMPONENTS].jobs.fire(name)


def digests(bot: BotUnderTest) -> list[dict[str, object]]:
    return [
        c for c in bot.connector.cards() if "A-" in text_of(c) and "Open my actions" in text_of(c)
    ]


async def test_an_owner_is_reminded_once_in_one_digest_without_case_details(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    ids = await agree_actions(
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
    ok(await say(bot, "police", "here"))  # Priya is seen in the channel: a contact, no chat
    bot.connector.reset()

    clock.set(at_london(date(2026, 11, 30), 7))  # 3 working days before Thu 3 Dec
    await fire(bot, "chase")
    await fire(bot, "outbox")
    assert bot.connector.posted() == [], "nothing goes out before working hours"

    clock.set(at_london(date(2026, 11, 30), 9))
    await fire(bot, "outbox")
    created = bot.connector.created()
    assert len(created) == 1, "a 1:1 conversation is created for an owner with none"
    sent = digests(bot)
    assert len(sent) == 1, "one digest for both actions"
    shown = text_of(sent[0])
    assert f"A-{ids[0]}" in shown and f"A-{ids[1]}" in shown
    assert "CR-0007" not in shown and "Visit" not in shown and "housing" not in shown

    # Fired again (a restart, a second run): nothing new.
    await fire(bot, "chase")
    await fire(bot, "outbox")
    assert len(digests(bot)) == 1
    async with store_of(bot).reading() as session:
        contact = await session.scalar(
            select(t.MemberContact)
            .join(t.Member, t.Member.id == t.MemberContact.member_id)
            .where(t.Member.name == "Priya Shah")
        )
        assert contact is not None and contact.conversation_id is not None


async def test_throttling_and_errors_lose_nothing_and_send_nothing_twice(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    await agree_actions(
        bot,
        [
            {"description": "A.", "owner": "Priya Shah", "due": "2026-12-03"},
            {"description": "B.", "owner": "Dana Reeves", "due": "2026-12-03"},
        ],
    )
    ok(await bot.send_personal("police", "my actions"))
    ok(await bot.send_personal("health", "my actions"))
    bot.connector.reset()
    clock.set(at_london(date(2026, 11, 30), 9))
    await fire(bot, "chase")
    bot.connector.fail_next(429, headers={"Retry-After": "30"}, method="POST")
    bot.connector.fail_next(429, method="POST")  # no Retry-After: our own backoff
    bot.connector.fail_next(500, times=2, method="POST")
    await fire(bot, "outbox")
    for _ in range(10):
        clock.advance(seconds=60)
        await fire(bot, "outbox")
    assert len(digests(bot)) == 2, "each owner's digest arrives exactly once"
    answered = [c.status for c in bot.connector.calls if c.method == "POST"]
    assert answered.count(429) == 2 and answered.count(500) == 2, answered
    async with store_of(bot).reading() as session:
        statuses = sorted(set(await session.scalars(select(t.OutboxMessage.status))))
    assert statuses == ["sent"]


async def test_a_blocked_owner_is_escalated_to_the_coordinator(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    await agree_actions(bot, [{"description": "A.", "owner": "Priya Shah", "due": "2026-12-03"}])
    ok(await bot.send_personal("police", "my actions"))
    ok(await bot.send_personal("coordinator", "my actions"))
    bot.connector.reset()
    clock.set(at_london(date(2026, 11, 30), 9))
    await fire(bot, "chase")
    police_conversation = "2cded786-7671-467a-a838-d9ba7acea0ba-police"
    bot.connector.fail_next(403, path_contains=police_conversation, times=5)
    for _ in range(5):
        await fire(bot, "outbox")
        clock.advance(seconds=60)
    async with store_of(bot).reading() as session:
        rows = list(await session.scalars(select(t.OutboxMessage)))
    by_kind = {r.kind: r.status for r in rows}
    assert by_kind.get("digest") == "unreachable"
    assert by_kind.get("unreachable") == "sent"
    notice = [c for c in bot.connector.cards() if "Priya Shah" in text_of(c)]
    assert notice, "the coordinator is told the owner cannot be reached"
    # Next chase run escalates the action at once to the chair and coordinator.
    clock.set(at_london(date(2026, 12, 1), 7))
    await fire(bot, "chase")
    async with store_of(bot).reading() as session:
        kinds = [r.kind for r in await session.scalars(select(t.OutboxMessage))]
        action = await session.scalar(select(t.Action))
    assert "escalation" in kinds and action is not None and action.escalated_at is not None
    assert DEMO["police"].name == "Priya Shah"


async def test_nothing_is_sent_outside_working_hours_even_when_due(
    bot: BotUnderTest, clock: FrozenClock
) -> None:
    await agree_actions(bot, [{"description": "A.", "owner": "Priya Shah", "due": "2026-12-03"}])
    ok(await bot.send_personal("police", "my actions"))
    bot.connector.reset()
    clock.set(at_london(date(2026, 11, 30), 7))
    await fire(bot, "chase")
    clock.set(at_london(date(2026, 11, 30), 18))  # due since 09:00, but it is evening now
    await fire(bot, "outbox")
    assert digests(bot) == []
    clock.set(at_london(date(2026, 12, 1), 9))
    await fire(bot, "outbox")
    assert len(digests(bot)) == 1
