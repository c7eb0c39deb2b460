"""A meeting's evaluation (issue 16, point 7): who said they were there, asking them to rate
the meeting when it ends, and recording each rating once and anonymously.

Anonymity is kept in the store, not only on screen:

* ``meeting_raters`` (who has rated which meeting, for the once-only rule) and
  ``meeting_ratings`` (the rating, its encrypted comment and the day only) are written in
  one transaction with nothing linking them: the rating's key is random
  (``secrets.token_hex(16)``), it has no time of day and no member.
* The rating row is inserted as a plain statement, not through the unit of work, so the
  audit trail's automatic "create meeting_ratings <id>" entry, which would name the rater
  beside the rating's key, is never made. The trail gets one entry by the rater, "rated
  meeting M", without the value, and the ``meeting_raters`` row's own creation.
* Nothing in chat reads a rating back; the performance report reads the figures.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.calendar import LONDON
from bot.domain.clock import Clock, london_today
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.model import MeetingStatus
from bot.domain.notices import Notice, NoticeKind
from bot.domain.ratings import ALREADY_RATED, RatingFormView, read_rating
from bot.services.context import ActorRef, find_member
from bot.services.outbox import enqueue
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store


async def record_attendee(
    session: AsyncSession, meeting_id: int, member_id: int, now: datetime
) -> None:
    """The person recorded their own attendance: they may rate the meeting once it ends.
    Once per person and meeting, however often they say "I'm here"."""
    found = await session.scalar(
        select(t.MeetingAttendee.id).where(
            t.MeetingAttendee.meeting_id == meeting_id, t.MeetingAttendee.member_id == member_id
        )
    )
    if found is None:
        session.add(t.MeetingAttendee(meeting_id=meeting_id, member_id=member_id, at=now))


async def ask_attendees_to_rate(session: AsyncSession, meeting: t.Meeting, now: datetime) -> int:
    """Queue, in the transaction that ends the meeting, one ``rate_meeting`` notice to each
    person who recorded their own attendance. Keyed by meeting and person: once each."""
    attendees = await session.scalars(
        select(t.MeetingAttendee.member_id)
        .where(t.MeetingAttendee.meeting_id == meeting.id)
        .order_by(t.MeetingAttendee.member_id)
    )
    notices = [
        Notice(
            NoticeKind.RATE_MEETING,
            member_id,
            {"meeting_id": meeting.id},
            f"{NoticeKind.RATE_MEETING}:{meeting.id}:{member_id}",
        )
        for member_id in attendees
    ]
    return await enqueue(session, notices, due=now)


async def rating_form_for(
    session: AsyncSession, meeting_id: object, member_id: int
) -> RatingFormView | None:
    """The form for a ``rate_meeting`` notice, drawn when it is sent: None if the meeting
    is gone, or the person is no attendee or has rated already (nothing to ask)."""
    meeting = await _meeting(session, meeting_id)
    if meeting is None or meeting.status != MeetingStatus.ENDED:
        return None
    if not await _attended(session, meeting.id, member_id) or await _rated(
        session, meeting.id, member_id
    ):
        return None
    return await _view(session, meeting)


class MeetingRatings:
    """Rating a meeting from the card (``dialogs.ports.Ratings``)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def form(self, actor: ActorRef, meeting_id: object) -> RatingFormView:
        """The rating form again (to show errors beside its fields)."""
        async with self.store.reading() as session:
            meeting, _ = await self._rater(session, actor, meeting_id)
            return await _view(session, meeting)

    async def rate(
        self,
        actor: ActorRef,
        activity_id: str | None,
        meeting_id: object,
        data: Mapping[str, object],
    ) -> RatingFormView:
        """Record the rating once. A second one is refused plainly (``ALREADY_RATED``);
        someone who did not say they were there, or a meeting not ended, is not found."""
        now = self.clock.now()
        try:
            async with self.store.transaction(activity_id=activity_id, now=now) as session:
                meeting, member_id = await self._rater(session, actor, meeting_id)
                if await _rated(session, meeting.id, member_id):
                    raise Conflict(ALREADY_RATED)
                entry, errors = read_rating(data, london_today(self.clock))
                if entry is None:
                    raise InvalidInput(errors)
                session.add(t.MeetingRater(meeting_id=meeting.id, member_id=member_id))
                # A plain insert: the unit of work would audit it by the rater and its key.
                await session.execute(
                    insert(t.table_of(t.MeetingRating)).values(
                        id=secrets.token_hex(16),
                        meeting_id=meeting.id,
                        rating=entry.rating,
                        comment=entry.comment,
                        rated_on=now.astimezone(LONDON).date(),
                    )
                )
                audit.note(
                    session,
                    audit.AuditAction.CREATE,
                    "meeting_ratings",
                    locality_id=meeting.locality_id,
                    detail=f"rated meeting {meeting.id}",
                )
                view = await _view(session, meeting)
        except IntegrityError:
            # The same person rating at the same moment from two clients: the first stands.
            raise Conflict(ALREADY_RATED) from None
        return RatingFormView(view.meeting_id, view.locality, view.held_on, rated=True)

    async def _rater(
        self, session: AsyncSession, actor: ActorRef, meeting_id: object
    ) -> tuple[t.Meeting, int]:
        meeting = await _meeting(session, meeting_id)
        member = await find_member(session, actor)
        if (
            meeting is None
            or member is None
            or meeting.status != MeetingStatus.ENDED
            or not await _attended(session, meeting.id, member.id)
        ):
            audit.note(
                session,
                audit.AuditAction.REFUSED,
                "meetings",
                meeting.id if meeting is not None else "",
                detail="rate meeting",
            )
            raise NotFound()
        return meeting, member.id


async def _meeting(session: AsyncSession, meeting_id: object) -> t.Meeting | None:
    if not isinstance(meeting_id, int) or isinstance(meeting_id, bool):
        return None
    return await session.get(t.Meeting, meeting_id)


async def _attended(session: AsyncSession, meeting_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(t.MeetingAttendee.id).where(
            t.MeetingAttendee.meeting_id == meeting_id, t.MeetingAttendee.member_id == member_id
        )
    )
    return found is not None


async def _rated(session: AsyncSession, meeting_id: int, member_id: int) -> bool:
    found = await session.scalar(
        select(t.MeetingRater.id).where(
            t.MeetingRater.meeting_id == meeting_id, t.MeetingRater.member_id == member_id
        )
    )
    return found is not None


async def _view(session: AsyncSession, meeting: t.Meeting) -> RatingFormView:
    locality = await session.get_one(t.Locality, meeting.locality_id)
    return RatingFormView(meeting.id, locality.name, meeting.started_at.astimezone(LONDON).date())
