"""The pre-meeting brief: on the working day before a group meets, every member of the
group is told the date, the agenda, the draft minutes to agree (with a button to open
them) and their own actions due; its chairs and deputy chairs also what the meeting must
review (actions due, overdue ones, open challenges, the high-risk subjects left
undiscussed). Who gets which sections is decided when the card is drawn
(``dialogs.notices``), from the recipient's roles then.

Queued through the outbox like every proactive message, by reference only: the brief
names actions as A-12 and counts challenges; details stay behind "outstanding actions".
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import Clock
from bot.domain.model import MeetingStatus, Role
from bot.domain.notices import Notice, NoticeKind
from bot.services.outbox import enqueue
from bot.services.readmodels.members import people_in
from bot.store import tables as t
from bot.store.db import Store


class BriefService:
    def __init__(self, store: Store, clock: Clock, calendar: WorkingCalendar) -> None:
        self.store = store
        self.clock = clock
        self.calendar = calendar

    async def run(self) -> int:
        """Queue briefs for meetings on the next working day; returns how many were queued."""
        now = self.clock.now()
        today = self.calendar.local_date(now)
        if not self.calendar.is_working_day(today):
            return 0
        meeting_day = self.calendar.next_working_day(today)
        async with self.store.transaction() as session:
            latest = (
                select(t.Meeting.locality_id, func.max(t.Meeting.started_at).label("at"))
                .where(t.Meeting.status == MeetingStatus.ENDED)
                .group_by(t.Meeting.locality_id)
                .subquery()
            )
            meetings = (
                await session.scalars(
                    select(t.Meeting)
                    .join(
                        latest,
                        (latest.c.locality_id == t.Meeting.locality_id)
                        & (latest.c.at == t.Meeting.started_at),
                    )
                    .where(
                        t.Meeting.next_meeting_date > today,
                        t.Meeting.next_meeting_date <= meeting_day,
                    )
                )
            ).all()
            send_at = self.calendar.next_working_moment(now)
            notices: list[Notice] = []
            for meeting in meetings:
                assert meeting.next_meeting_date is not None
                meeting_date = meeting.next_meeting_date.isoformat()
                # Every member of the group (issue 16): partners are asked to agree the
                # draft minutes and to report on their own actions.
                for member_id in await people_in(session, meeting.locality_id, tuple(Role)):
                    notices.append(
                        Notice(
                            NoticeKind.BRIEF,
                            member_id,
                            {"locality_id": meeting.locality_id, "meeting_date": meeting_date},
                            f"brief:{meeting.locality_id}:{meeting_date}:{member_id}",
                        )
                    )
            # One brief per member, group and meeting date, however often this runs.
            queued = await enqueue(session, notices, due=send_at, created_at=now)
        return queued
