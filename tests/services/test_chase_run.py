"""The chase run on a real store, with a frozen clock fired day by day (no sleeping)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bot.domain.calendar import LONDON, WorkingCalendar
from bot.domain.clock import FrozenClock
from bot.services.chasing import ChaseService
from bot.store import tables as t
from bot.store.db import Store


def at_london(day: date, hour: int = 7) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


async def member(store: Store, name: str) -> int:
    async with store.reading() as session:
        found = await session.scalar(select(t.Member.id).where(t.Member.name == name))
    assert found is not None
    return found


async def seed_actions(store: Store, owner: str, dues: list[date]) -> list[int]:
    """Open actions from a meeting in Scarborough, as if agreed there."""
    owner_id = await member(store, owner)
    now = datetime(2026, 11, 19, 10, tzinfo=UTC)
    async with store.transaction() as session:
        locality = await session.scalar(select(t.Locality).where(t.Locality.code == "scarborough"))
        owner_row = await session.get_one(t.Member, owner_id)
        assert locality is not None
        meeting = t.Meeting(
            locality_id=locality.id,
            conversation_id="team-id",
            status="ended",
            chair_member_id=owner_id,
            started_at=now,
            minutes_status="draft",
        )
        session.add(meeting)
        await session.flush()
        item = t.AgendaItem(
            meeting_id=meeting.id,
            position=4,
            kind="children",
            title="Children",
            time_limit_minutes=30,
            status="done",
            elapsed_seconds=0,
        )
        session.add(item)
        await session.flush()
        actions = [
            t.Action(
                locality_id=locality.id,
                meeting_id=meeting.id,
                item_id=item.id,
                description=f"Action due {due}",
                owner_member_id=owner_id,
                agency_id=owner_row.agency_id,
                due_date=due,
                status="open",
                created_by_member_id=owner_id,
                created_at=now,
                updated_at=now,
            )
            for due in dues
        ]
        session.add_all(actions)
        await session.flush()
        return [a.id for a in actions]


async def keys_by_day(store: Store) -> list[tuple[str, str]]:
    async with store.reading() as session:
        rows = await session.execute(
            select(t.ReminderSent.created_at, t.ReminderSent.key).order_by(t.ReminderSent.id)
        )
        return [(row.created_at.astimezone(LONDON).date().isoformat(), row.key) for row in rows]


async def outbox(store: Store) -> list[t.OutboxMessage]:
    async with store.reading() as session:
        return list(await session.scalars(select(t.OutboxMessage).order_by(t.OutboxMessage.id)))


async def test_chasing_across_the_christmas_bank_holidays(demo_store: Store) -> None:
    clock = FrozenClock(at_london(date(2026, 12, 14)))
    chase = ChaseService(demo_store, clock, WorkingCalendar())
    await seed_actions(demo_store, "Priya Shah", [date(2026, 12, 23)])
    day = date(2026, 12, 14)
    while day <= date(2027, 1, 8):
        clock.set(at_london(day))
        await chase.run()
        day += timedelta(days=1)
    assert sorted(await keys_by_day(demo_store)) == [
        ("2026-12-18", "before:2026-12-23"),
        ("2026-12-23", "due:2026-12-23"),
        ("2026-12-24", "overdue:2026-12-23:1"),
        ("2026-12-30", "overdue:2026-12-23:2"),
        ("2027-01-04", "escalate:2026-12-23"),
        ("2027-01-04", "overdue:2026-12-23:3"),
        ("2027-01-06", "overdue:2026-12-23:4"),
        ("2027-01-08", "overdue:2026-12-23:5"),
    ]
    queued = await outbox(demo_store)
    digests = [q for q in queued if q.kind == "digest"]
    assert len(digests) == 7
    # Run at 07:00; every message waits for 09:00 London on a working day.
    for q in digests:
        local = q.next_attempt_at.astimezone(LONDON)
        assert local.time() == time(9) and WorkingCalendar().is_working_day(local.date())
    escalations = [q for q in queued if q.kind == "escalation"]
    chair = await member(demo_store, "Alex Wilber")
    coordinator = await member(demo_store, "Riley Quinn")
    deputy = await member(demo_store, "Tom Hughes")
    assert {q.recipient_member_id for q in escalations} == {chair, coordinator, deputy}
    async with demo_store.reading() as session:
        action = await session.scalar(select(t.Action))
        assert action is not None and action.escalated_at is not None


async def test_a_repeated_run_plans_nothing_new(demo_store: Store) -> None:
    clock = FrozenClock(at_london(date(2026, 11, 30)))
    chase = ChaseService(demo_store, clock, WorkingCalendar())
    await seed_actions(demo_store, "Priya Shah", [date(2026, 12, 1)])
    first = await chase.run()
    assert first.reminders == 1
    again = await chase.run()
    assert again.reminders == 0 and len(await outbox(demo_store)) == 1


async def test_one_digest_per_owner_listing_all_their_actions(demo_store: Store) -> None:
    clock = FrozenClock(at_london(date(2026, 12, 3)))
    chase = ChaseService(demo_store, clock, WorkingCalendar())
    await seed_actions(
        demo_store, "Priya Shah", [date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 8)]
    )
    await seed_actions(demo_store, "Dana Reeves", [date(2026, 12, 3)])
    report = await chase.run()
    assert (report.reminders, report.digests) == (4, 2)
    digests = await outbox(demo_store)
    priya = await member(demo_store, "Priya Shah")
    mine = [q for q in digests if q.recipient_member_id == priya]
    assert len(mine) == 1
    payload = json.loads(mine[0].payload)
    assert [r["kind"] for r in payload["reminders"]] == ["due", "before", "before"]
    assert "Action due" not in mine[0].payload, "the outbox carries ids, not descriptions"


async def test_nothing_on_a_weekend_or_bank_holiday(demo_store: Store) -> None:
    await seed_actions(demo_store, "Priya Shah", [date(2026, 12, 29)])
    for day in (date(2026, 12, 26), date(2026, 12, 27), date(2026, 12, 28)):
        chase = ChaseService(demo_store, FrozenClock(at_london(day)), WorkingCalendar())
        assert (await chase.run()).reminders == 0


async def test_two_processes_running_at_once_queue_each_reminder_once(
    demo_store: Store,
) -> None:
    await seed_actions(demo_store, "Priya Shah", [date(2026, 12, 1), date(2026, 12, 2)])
    clock = FrozenClock(at_london(date(2026, 12, 1)))
    first = ChaseService(demo_store, clock, WorkingCalendar())
    second = ChaseService(demo_store, clock, WorkingCalendar())
    reports = await asyncio.gather(first.run(), second.run())
    assert sum(r.reminders for r in reports) == 2
    async with demo_store.reading() as session:
        assert await session.scalar(select(func.count()).select_from(t.ReminderSent)) == 2
        assert await session.scalar(select(func.count()).select_from(t.OutboxMessage)) == 1


async def test_a_localitys_own_rules_come_from_the_data_file(demo_store: Store) -> None:
    from bot.services.reference_data import load_reference_data

    await load_reference_data(
        demo_store,
        {
            "localities": [
                {
                    "code": "scarborough",
                    "name": "Scarborough",
                    "chase_rules": {"days_before": 1, "overdue_every": 1},
                }
            ]
        },
        at_london(date(2026, 11, 20)),
    )
    await seed_actions(demo_store, "Priya Shah", [date(2026, 12, 3)])
    clock = FrozenClock(at_london(date(2026, 11, 30)))  # 3 working days before
    chase = ChaseService(demo_store, clock, WorkingCalendar())
    assert (await chase.run()).reminders == 0, "only 1 day before in Scarborough"
    clock.set(at_london(date(2026, 12, 2)))
    assert (await chase.run()).reminders == 1


async def test_bad_chase_rules_are_refused_when_loaded(demo_store: Store) -> None:
    import pytest

    from bot.domain.chasing import InvalidChaseRules
    from bot.services.reference_data import load_reference_data

    with pytest.raises(InvalidChaseRules) as refused:
        await load_reference_data(
            demo_store,
            {
                "localities": [
                    {"code": "selby", "name": "Selby", "chase_rules": {"overdue_every": 0}}
                ]
            },
            at_london(date(2026, 11, 20)),
        )
    assert "overdue_every" in refused.value.field_errors


OWNERS = ["Priya Shah", "Dana Reeves", "Chris Lowe", "Jo Marsh", "Morgan Bell"]


async def five_owners_due(store: Store) -> None:
    """Five owners, each with an action due on 1 December and one on the 2nd: on
    1 December each gets one digest of two reminders."""
    for name in OWNERS:
        await seed_actions(store, name, [date(2026, 12, 1), date(2026, 12, 2)])


async def digests_by_owner(store: Store) -> Counter[int]:
    return Counter(q.recipient_member_id for q in await outbox(store) if q.kind == "digest")


async def reminder_keys(store: Store) -> int:
    async with store.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(t.ReminderSent)) or 0)


def a_few_at_a_time(store: Store, clock: FrozenClock) -> ChaseService:
    """One owner in the first transaction, then two in each."""
    return ChaseService(store, clock, WorkingCalendar(), first_owners=1, owners_per_transaction=2)


async def test_a_run_queues_its_owners_a_few_transactions_at_a_time(demo_store: Store) -> None:
    await five_owners_due(demo_store)
    clock = FrozenClock(at_london(date(2026, 12, 1)))
    wakes: list[int] = []

    report = await a_few_at_a_time(demo_store, clock).run(queued=lambda: wakes.append(1))

    assert (report.reminders, report.digests) == (10, 5)
    assert len(wakes) == 3, "the sender woken after each transaction: 1, 2 and 2 owners"
    ids = [await member(demo_store, name) for name in OWNERS]
    assert await digests_by_owner(demo_store) == Counter(ids)
    assert await reminder_keys(demo_store) == 10


async def test_a_run_that_dies_between_transactions_sends_no_one_two_digests(
    demo_store: Store,
) -> None:
    """The process dies right after the first transaction committed (the first owner's
    digest and keys recorded, nobody else's). Run again, the chase queues a digest for
    each of the other four, and none for the first: one each."""

    class Died(Exception):
        pass

    def die() -> None:
        raise Died

    await five_owners_due(demo_store)
    clock = FrozenClock(at_london(date(2026, 12, 1)))
    with pytest.raises(Died):
        await a_few_at_a_time(demo_store, clock).run(queued=die)
    assert list((await digests_by_owner(demo_store)).values()) == [1]
    assert await reminder_keys(demo_store) == 2

    again = await a_few_at_a_time(demo_store, clock).run()

    assert (again.reminders, again.digests) == (8, 4)
    ids = [await member(demo_store, name) for name in OWNERS]
    assert await digests_by_owner(demo_store) == Counter(ids)
    assert await reminder_keys(demo_store) == 10


async def test_two_processes_queueing_a_few_owners_at_a_time_queue_each_digest_once(
    demo_store: Store,
) -> None:
    await five_owners_due(demo_store)
    clock = FrozenClock(at_london(date(2026, 12, 1)))

    reports = await asyncio.gather(
        a_few_at_a_time(demo_store, clock).run(), a_few_at_a_time(demo_store, clock).run()
    )

    assert sum(r.digests for r in reports) == 5 and sum(r.reminders for r in reports) == 10
    ids = [await member(demo_store, name) for name in OWNERS]
    assert await digests_by_owner(demo_store) == Counter(ids)
    assert await reminder_keys(demo_store) == 10
