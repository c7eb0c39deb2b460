"""A meeting's way through its agenda: laid out when it starts, walked item by item (and
subject by subject within an item), and closed when it ends.

Its own module because this is the meeting's state (which item is current, how long each
took, which share rounds are open, whether it is in progress), kept apart from what is
recorded in it (bot/services/meeting_records.py, bot/services/meeting_attendance.py) and
from the checks around every change. ``MeetingService.start``, ``move`` and ``end``
(bot/services/meetings.py) still open the transaction, check the caller's role and find
the meeting (a move or an end is a change of state, checked against the meeting's
version); they call here inside it. The subjects within an item are walked by
bot/services/item_subjects.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.agenda import CANONICAL_AGENDA, SubItemStatus
from bot.domain.card_fields import card_id
from bot.domain.model import ItemStatus, MeetingStatus, MinutesStatus, RoundStatus
from bot.services import item_subjects, ratings
from bot.services.context import Caller
from bot.services.readmodels.meetings import elapsed
from bot.store import tables as t


async def open_meeting(
    session: AsyncSession, caller: Caller, conversation_id: str, now: datetime
) -> t.Meeting:
    """A new meeting of the caller's group, in progress, with the agenda's items laid out
    and the first one current."""
    meeting = t.Meeting(
        locality_id=caller.locality_id,
        conversation_id=conversation_id,
        status=MeetingStatus.IN_PROGRESS,
        chair_member_id=caller.member.id,
        started_at=now,
        current_position=1,
        minutes_status=MinutesStatus.DRAFT,
        in_progress_locality_id=caller.locality_id,
    )
    session.add(meeting)
    await session.flush()
    for position, template in enumerate(CANONICAL_AGENDA, start=1):
        session.add(
            t.AgendaItem(
                meeting_id=meeting.id,
                position=position,
                kind=template.kind,
                title=template.title,
                time_limit_minutes=template.time_limit_minutes,
                status=ItemStatus.CURRENT if position == 1 else ItemStatus.PENDING,
                started_at=now if position == 1 else None,
                elapsed_seconds=0,
            )
        )
    return meeting


async def move(
    session: AsyncSession,
    caller: Caller,
    meeting: t.Meeting,
    expected_position: object,
    step: int,
    expected_sub_item: object,
    now: datetime,
) -> None:
    """Move to the next or previous item, walking first through the current item's
    subjects (bot.domain.agenda.walk); a stale card (the position or the current
    subject moved on) moves nothing."""
    current = meeting.current_position or 1
    target = current + step
    # A card says where it was drawn; a position that is not one is a stale card too.
    stale = expected_position is not None and card_id(expected_position) != meeting.current_position
    items = await _items(session, meeting)
    if not stale and expected_sub_item is not None:
        row = await item_subjects.current_row(session, items[current].id)
        stale = (card_id(expected_sub_item) or 0) != (row.id if row else 0)
    walked = stale or await item_subjects.step_within(
        session, meeting, items[current], step, caller.member.id, now
    )
    if not walked and 1 <= target <= len(CANONICAL_AGENDA):
        _move_to(meeting, items, current, target, now)
        await item_subjects.arrive(session, meeting, items[target], step, caller.member.id, now)


async def end(
    session: AsyncSession, meeting: t.Meeting, next_date: date | None, now: datetime
) -> None:
    """The meeting ended: the item in hand (and its current subject) done, its open share
    rounds closed, its minutes a draft to agree, and each person who said they were there
    asked to rate it."""
    for item in await session.scalars(
        select(t.AgendaItem).where(
            t.AgendaItem.meeting_id == meeting.id, t.AgendaItem.status == ItemStatus.CURRENT
        )
    ):
        item.elapsed_seconds = elapsed(item, now)
        item.status = ItemStatus.DONE
        item.started_at = None
        row = await item_subjects.current_row(session, item.id)
        if row is not None:
            row.status = SubItemStatus.DONE.value
    for share_round in await session.scalars(
        select(t.ShareRound).where(t.ShareRound.open_meeting_id == meeting.id)
    ):
        share_round.status = RoundStatus.CLOSED
        share_round.closed_at = now
        share_round.open_meeting_id = None
    meeting.status = MeetingStatus.ENDED
    meeting.ended_at = now
    meeting.current_position = None
    meeting.in_progress_locality_id = None
    meeting.next_meeting_date = next_date
    meeting.minutes_status = MinutesStatus.DRAFT
    # Each person who said they were there is asked to rate it, once (issue 16).
    await ratings.ask_attendees_to_rate(session, meeting, now)


async def _items(session: AsyncSession, meeting: t.Meeting) -> dict[int, t.AgendaItem]:
    return {
        i.position: i
        for i in await session.scalars(
            select(t.AgendaItem).where(t.AgendaItem.meeting_id == meeting.id)
        )
    }


def _move_to(
    meeting: t.Meeting,
    items: Mapping[int, t.AgendaItem],
    current: int,
    target: int,
    now: datetime,
) -> None:
    leaving, entering = items[current], items[target]
    leaving.elapsed_seconds = elapsed(leaving, now)
    leaving.status = ItemStatus.DONE
    leaving.started_at = None
    entering.status = ItemStatus.CURRENT
    entering.started_at = now
    meeting.current_position = target
