"""A meeting's attendees, raters and anonymous ratings (issue 16) expire with its content,
so that an expired meeting can be deleted at all (they point at it)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.domain.clock import FrozenClock
from bot.services.retention import RetentionService
from bot.store import tables as t
from bot.store.db import Store
from tests.services.test_retention import LATER, POLICY, fire
from tests.support.records import Records, utc


async def count(store: Store, model: type[t.Base]) -> int:
    async with store.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_ratings_go_with_an_expired_meeting_and_the_meeting_goes(demo_store: Store) -> None:
    records = Records(demo_store)
    old = await records.meeting("scarborough", utc(2026, 11, 5, 10))
    kept = await records.meeting("scarborough", utc(2032, 11, 5, 10))
    priya = (await records.member("Priya Shah")).id
    async with demo_store.transaction() as session:
        for meeting_id in (old.id, kept.id):
            session.add(t.MeetingAttendee(meeting_id=meeting_id, member_id=priya, at=LATER))
            session.add(t.MeetingRater(meeting_id=meeting_id, member_id=priya))
            session.add(
                t.MeetingRating(
                    id=f"{meeting_id:032x}", meeting_id=meeting_id, rating=4, rated_on=LATER.date()
                )
            )
    report = await fire(RetentionService(demo_store, FrozenClock(LATER), POLICY))
    assert {k: report.deleted[k] for k in ("meeting_attendees", "meeting_raters")} == {
        "meeting_attendees": 1,
        "meeting_raters": 1,
    }
    assert report.deleted["meeting_ratings"] == 1 and report.deleted["meetings"] == 1
    for model in (t.MeetingAttendee, t.MeetingRater, t.MeetingRating, t.Meeting):
        assert await count(demo_store, model) == 1, model
