"""The chair's pre-meeting brief goes out the working day before, once, by reference."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import FrozenClock
from bot.services.briefs import BriefService
from bot.store import tables as t
from bot.store.db import Store
from dialogs.notices import NoticeRenderer
from tests.e2e.cardtools import text_of
from tests.services.test_chase_run import at_london, member, seed_actions


async def set_next_meeting(store: Store, when: date) -> None:
    async with store.transaction() as session:
        meeting = await session.scalar(select(t.Meeting))
        assert meeting is not None
        meeting.next_meeting_date = when


async def test_the_brief_goes_to_the_chairs_the_working_day_before(demo_store: Store) -> None:
    ids = await seed_actions(demo_store, "Priya Shah", [date(2026, 12, 1), date(2026, 12, 20)])
    await set_next_meeting(demo_store, date(2026, 12, 17))
    clock = FrozenClock(at_london(date(2026, 12, 15), 7))
    briefs = BriefService(demo_store, clock, WorkingCalendar())
    assert await briefs.run() == 0, "two working days before: not yet"

    clock.set(at_london(date(2026, 12, 16), 7))
    assert await briefs.run() == 2  # the chair and the deputy chair
    assert await briefs.run() == 0, "once only"
    async with demo_store.reading() as session:
        rows = list(await session.scalars(select(t.OutboxMessage)))
    chair = await member(demo_store, "Alex Wilber")
    assert {r.recipient_member_id for r in rows} >= {chair}

    card = await NoticeRenderer(demo_store, clock, WorkingCalendar())(
        "brief", json.loads(rows[0].payload), rows[0].recipient_member_id
    )
    assert card is not None
    shown = text_of(card)
    assert f"A-{ids[0]}" in shown and f"A-{ids[1]}" in shown
    assert "Overdue" in shown and "Action due" not in shown, "references, not descriptions"
