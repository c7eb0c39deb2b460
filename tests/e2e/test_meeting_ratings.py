"""A meeting's evaluation, end to end (issue 16, point 7), on SQLite and PostgreSQL through
the real endpoint: two partners say they are there (typed ``here``, and the "I'm here"
button), the chair (who did not) ends the meeting, the outbox delivers the rating card to
the two of them only, each rates once; the store keeps who rated apart from what was
rated, the audit trail says "rated meeting M" without the value, a second rating is
refused plainly and someone who did not say they were there finds nothing to rate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select, text

from bot.app import COMPONENTS
from bot.domain.errors import NotFound
from bot.domain.ratings import ALREADY_RATED
from bot.store import tables as t
from cards import verbs as v
from tests.e2e.cardtools import action, text_of, walk
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    invoke_card,
    invoke_message,
    ok,
    press,
    say,
    start_meeting,
    store_of,
)
from tests.e2e.test_between_meetings import click
from tests.e2e.test_minutes_chat import member_id

COMMENT = "Kept to time; item 4 Kestrel-19 ran long."


async def end_a_meeting_attended_by_two(bot: BotUnderTest) -> int:
    meeting = await start_meeting(bot)
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "police", "i'm here"))  # twice: still one attendee
    ok(
        await press(
            bot, "health", v.ATTENDANCE_SELF, {"meetingId": meeting.id}, card_id=meeting.agenda_id
        )
    )
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


def rating_cards(bot: BotUnderTest) -> list[dict[str, Any]]:
    return [c for c in bot.connector.cards() if "How was the Scarborough meeting" in text_of(c)]


async def counts(bot: BotUnderTest) -> tuple[int, int]:
    async with store_of(bot).reading() as session:
        raters = await session.scalar(select(func.count()).select_from(t.MeetingRater))
        ratings = await session.scalar(select(func.count()).select_from(t.MeetingRating))
    return int(raters or 0), int(ratings or 0)


async def test_each_attendee_rates_once_and_anonymously(bot: BotUnderTest) -> None:
    meeting_id = await end_a_meeting_attended_by_two(bot)
    store = store_of(bot)
    async with store.reading() as session:
        attendees = set(
            await session.scalars(
                select(t.MeetingAttendee.member_id).where(
                    t.MeetingAttendee.meeting_id == meeting_id
                )
            )
        )
    assert attendees == {await member_id(bot, "police"), await member_id(bot, "health")}

    await bot.server.app[COMPONENTS].jobs.fire("outbox")
    cards = rating_cards(bot)
    assert len(cards) == 2, "the two who said they were there, not the chair"
    shown = text_of(cards[0])
    assert "Thu 19 Nov 2026" in shown and "anonymous" in shown
    button = action(cards[0], v.MEETING_RATE)
    assert button["data"] == {"verb": v.MEETING_RATE, "meetingId": meeting_id}

    # A form sent without a rating comes back with the error and the comment kept.
    form = invoke_card(
        await click(
            bot, "police", v.MEETING_RATE, {"meetingId": meeting_id, "ratingComment": COMMENT}
        )
    )
    assert "Choose a rating from 1 to 5." in text_of(form) and COMMENT in text_of(form)
    assert await counts(bot) == (0, 0)

    mark = await head(bot)
    thanks = invoke_card(
        await click(
            bot,
            "police",
            v.MEETING_RATE,
            {"meetingId": meeting_id, "rating": "4", "ratingComment": COMMENT},
        )
    )
    assert "Thank you" in text_of(thanks) and not any(
        n.get("type") == "Action.Execute" for n in walk(thanks)
    )
    assert await counts(bot) == (1, 1)

    # The audit trail: who rated which meeting, never the value, the comment or the key.
    police = f"member:{await member_id(bot, 'police')}"
    entries = await audit_after(bot, mark)
    assert ("create", "meeting_ratings", "", f"rated meeting {meeting_id}", police) in entries
    assert ("create", "meeting_raters") in {(e[0], e[1]) for e in entries}
    async with store.reading() as session:
        (rating,) = (await session.scalars(select(t.MeetingRating))).all()
    assert len(rating.id) == 32 and int(rating.id, 16) >= 0
    assert (rating.rating, rating.comment) == (4, COMMENT)
    assert str(rating.rated_on) == "2026-11-19"
    flat = repr(entries)
    assert rating.id not in flat and COMMENT not in flat and "Kestrel" not in flat

    # Nothing in the ratings table names or times the rater; the comment is encrypted.
    async with store.engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("meeting_ratings")}
        )
        stored = (await connection.execute(text("SELECT comment FROM meeting_ratings"))).scalar()
    assert columns == {"id", "meeting_id", "rating", "comment", "rated_on"}
    assert stored is not None and "Kestrel" not in stored

    # A second rating is refused plainly and changes nothing.
    again = await click(bot, "police", v.MEETING_RATE, {"meetingId": meeting_id, "rating": "1"})
    assert invoke_message(again) == ALREADY_RATED
    assert await counts(bot) == (1, 1)

    # The chair did not say they were there: nothing to rate.
    refused = await click(bot, "chair", v.MEETING_RATE, {"meetingId": meeting_id, "rating": "5"})
    assert invoke_message(refused) == NotFound.user_message

    await click(bot, "health", v.MEETING_RATE, {"meetingId": meeting_id, "rating": "2"})
    assert await counts(bot) == (2, 2)
    assert DEMO["health"].name not in repr(await all_ratings(bot))


async def head(bot: BotUnderTest) -> int:
    async with store_of(bot).reading() as session:
        return int(await session.scalar(select(func.max(t.AuditEntry.id))) or 0)


async def audit_after(bot: BotUnderTest, mark: int) -> list[tuple[str, str, str, str, str]]:
    async with store_of(bot).reading() as session:
        rows = await session.execute(
            select(
                t.AuditEntry.action,
                t.AuditEntry.record_type,
                t.AuditEntry.record_id,
                t.AuditEntry.detail,
                t.AuditEntry.actor,
            )
            .where(t.AuditEntry.id > mark)
            .order_by(t.AuditEntry.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def all_ratings(bot: BotUnderTest) -> list[tuple[Any, ...]]:
    async with store_of(bot).reading() as session:
        return [tuple(r) for r in await session.execute(select(t.MeetingRating.__table__))]


async def test_no_card_for_someone_who_has_rated_by_the_time_it_goes(bot: BotUnderTest) -> None:
    meeting_id = await end_a_meeting_attended_by_two(bot)
    await click(bot, "police", v.MEETING_RATE, {"meetingId": meeting_id, "rating": "5"})
    await bot.server.app[COMPONENTS].jobs.fire("outbox")
    assert len(rating_cards(bot)) == 1, "drawn when sent: Priya has rated already"
