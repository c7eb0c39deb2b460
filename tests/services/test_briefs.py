"""The pre-meeting brief goes out the working day before, once, by reference, to every
member of the group; the chair's sections to chairs only (issue 16)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import delete, select

from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import FrozenClock
from bot.services.briefs import BriefService
from bot.store import tables as t
from bot.store.db import Store
from cards import verbs as v
from dialogs.notices import NoticeRenderer
from tests.e2e.cardtools import text_of, walk
from tests.services.test_chase_run import at_london, member, seed_actions
from tests.support.card_schema import validate_card


async def set_next_meeting(store: Store, when: date) -> None:
    async with store.transaction() as session:
        meeting = await session.scalar(select(t.Meeting))
        assert meeting is not None
        meeting.next_meeting_date = when


async def test_the_brief_goes_to_every_member_the_working_day_before(demo_store: Store) -> None:
    ids = await seed_actions(demo_store, "Priya Shah", [date(2026, 12, 1), date(2026, 12, 20)])
    await set_next_meeting(demo_store, date(2026, 12, 17))
    clock = FrozenClock(at_london(date(2026, 12, 15), 7))
    briefs = BriefService(demo_store, clock, WorkingCalendar())
    assert await briefs.run() == 0, "two working days before: not yet"

    clock.set(at_london(date(2026, 12, 16), 7))
    assert await briefs.run() == 10  # every member of Scarborough (issue 16)
    assert await briefs.run() == 0, "once only"
    async with demo_store.reading() as session:
        rows = list(await session.scalars(select(t.OutboxMessage)))
        draft = await session.scalar(select(t.Meeting.id))
    chair = await member(demo_store, "Alex Wilber")
    owner = await member(demo_store, "Priya Shah")
    partner = await member(demo_store, "Dana Reeves")
    assert {chair, owner, partner} <= {r.recipient_member_id for r in rows}
    draw = NoticeRenderer(demo_store, clock, WorkingCalendar())

    async def brief_for(member_id: int) -> str:
        (row,) = [r for r in rows if r.recipient_member_id == member_id]
        card = await draw("brief", json.loads(row.payload), member_id)
        assert card is not None
        validate_card(card)
        opens = [
            a
            for a in walk(card)
            if a.get("type") == "Action.Execute" and a.get("verb") == v.MINUTES_SHOW
        ]
        assert [a["data"]["meetingId"] for a in opens] == [draft], "a button opens the draft"
        return text_of(card)

    shown = await brief_for(chair)
    assert f"A-{ids[0]}" in shown and f"A-{ids[1]}" in shown
    assert "Overdue" in shown and "Action due" not in shown, "references, not descriptions"
    assert "Open challenges" in shown and "Actions to review" in shown

    mine = await brief_for(owner)
    assert "Tue 1 Dec 2026 (overdue)" in mine and f"A-{ids[1]}, due Sun 20 Dec 2026" in mine
    assert "Children discussed" in mine, "the agenda"
    assert "are a draft to agree at item 2" in mine
    for chairs_only in ("Actions to review", "Open challenges", "Escalated", "Not discussed"):
        assert chairs_only not in mine
    other = await brief_for(partner)
    assert "none open in this group" in other and "A-" not in other

    # Someone no longer in the group when it is sent gets nothing.
    async with demo_store.transaction() as session:
        await session.execute(delete(t.Membership).where(t.Membership.member_id == partner))
    (row,) = [r for r in rows if r.recipient_member_id == partner]
    assert await draw("brief", json.loads(row.payload), partner) is None
