"""Minutes in a personal chat (issue 16, point 4): ``minutes`` lists the past meetings of
the member's groups, newest first, ten to a page; each opens a card with the meeting's
decisions and actions and a Word download, for every member of that group.

Partners are asked to agree the draft minutes at the next meeting, so every member may
read them (``DOWNLOAD_MINUTES``). Deny by default: a meeting of a group the person is not
in, one still running, and one that does not exist all get the same "not found", the
refusal audited. Persons of concern are left out for a reader the group's rule does not
let see them, as in the Word minutes. Every list and card shown is audited as a view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.calendar import LONDON
from bot.domain.clock import Clock, london_today
from bot.domain.errors import NotFound, NotPermitted
from bot.domain.minutes_views import MinutesCardView, PastMeetingRow, PastMeetingsPage
from bot.domain.model import EntryKind, MeetingStatus, MinutesStatus, Role, SubjectKind
from bot.domain.permissions import Permission, permitted
from bot.services.context import ActorRef
from bot.services.readmodels.lookups import locality_names
from bot.services.readmodels.meetings import meeting_view
from bot.services.register_access import member_groups, persons_in
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

PAGE_SIZE = 10
NOT_IN_A_GROUP = (
    "You are not a member of any MACE locality group, so there are no minutes to show. If "
    "you should be, ask the MACE coordinator to add you."
)


class MinutesReads:
    """The minutes' read side for the dialogs (``dialogs.ports.Minutes``)."""

    def __init__(self, store: Store, clock: Clock, key_agencies: Sequence[str]) -> None:
        self.store = store
        self.clock = clock
        self.key_agencies = tuple(key_agencies)

    async def past_meetings(self, actor: ActorRef, page: int = 1) -> PastMeetingsPage:
        """The ended meetings of every group the person may read the minutes of."""
        async with self.store.reading() as session:
            member, groups = await member_groups(session, actor)
            readable = {
                locality_id
                for locality_id, roles in groups.items()
                if permitted(roles, Permission.DOWNLOAD_MINUTES)
            }
            if member is None or not readable:
                raise NotPermitted(NOT_IN_A_GROUP, attempted=Permission.DOWNLOAD_MINUTES.value)
            where = (
                t.Meeting.locality_id.in_(readable),
                t.Meeting.status == MeetingStatus.ENDED,
            )
            total = int(
                await session.scalar(select(func.count()).select_from(t.Meeting).where(*where)) or 0
            )
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(page, 1), pages)
            meetings = (
                await session.scalars(
                    select(t.Meeting)
                    .where(*where)
                    .order_by(t.Meeting.started_at.desc(), t.Meeting.id.desc())
                    .offset((page - 1) * PAGE_SIZE)
                    .limit(PAGE_SIZE)
                )
            ).all()
            rows = await _rows(session, meetings)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "meetings",
                detail=f"past meetings: page {page} of {pages}, {len(rows)} of {total}",
            )
            return PastMeetingsPage(rows, total, page, pages)

    async def minutes(self, actor: ActorRef, meeting_id: object) -> MinutesCardView:
        """One ended meeting's decisions and actions, as this member may see them."""
        async with self.store.reading() as session:
            meeting, roles, member = await self._readable(session, actor, meeting_id)
            view = await meeting_view(
                session,
                meeting,
                key_codes=self.key_agencies,
                now=self.clock.now(),
                today=london_today(self.clock),
            )
            sees = meeting.locality_id in await persons_in(
                session, member, {meeting.locality_id: roles}
            )
            hidden_entries, hidden_actions = (
                (set(), set()) if sees else await _about_persons(session, meeting.id)
            )
            items = tuple(
                replace(
                    item,
                    decisions=tuple(d for d in item.decisions if d.id not in hidden_entries),
                    actions=tuple(a for a in item.actions if a.id not in hidden_actions),
                )
                for item in view.items
            )
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "meetings",
                meeting.id,
                locality_id=meeting.locality_id,
                detail="minutes card",
            )
            return MinutesCardView(
                replace(view, items=items),
                agreed=meeting.minutes_status == MinutesStatus.AGREED,
                restricted=bool(hidden_entries or hidden_actions),
            )

    async def downloadable(self, actor: ActorRef, meeting_id: object) -> int:
        """The meeting's id if this person may download its Word minutes now; refused
        (audited) otherwise. The file is checked again, and audited, when fetched."""
        async with self.store.reading() as session:
            meeting, _, _ = await self._readable(session, actor, meeting_id)
            return meeting.id

    async def _readable(
        self, session: AsyncSession, actor: ActorRef, meeting_id: object
    ) -> tuple[t.Meeting, frozenset[Role], t.Member]:
        meeting = (
            await session.get(t.Meeting, meeting_id)
            if isinstance(meeting_id, int) and not isinstance(meeting_id, bool)
            else None
        )
        member, groups = await member_groups(session, actor)
        roles = groups.get(meeting.locality_id, frozenset()) if meeting is not None else frozenset()
        if (
            meeting is None
            or member is None
            or meeting.status != MeetingStatus.ENDED
            or not permitted(roles, Permission.DOWNLOAD_MINUTES)
        ):
            audit.note(
                session,
                audit.AuditAction.REFUSED,
                "meetings",
                meeting_id if isinstance(meeting_id, int) else "",
                detail=Permission.DOWNLOAD_MINUTES.value,
            )
            raise NotFound()
        return meeting, roles, member


async def _rows(session: AsyncSession, meetings: Sequence[t.Meeting]) -> tuple[PastMeetingRow, ...]:
    ids = [m.id for m in meetings]
    if not ids:
        return ()
    decisions = dict(
        (
            await session.execute(
                select(t.MinuteEntry.meeting_id, func.count())
                .where(t.MinuteEntry.meeting_id.in_(ids), t.MinuteEntry.kind == EntryKind.DECISION)
                .group_by(t.MinuteEntry.meeting_id)
            )
        ).all()
    )
    actions = dict(
        (
            await session.execute(
                select(t.Action.meeting_id, func.count())
                .where(t.Action.meeting_id.in_(ids))
                .group_by(t.Action.meeting_id)
            )
        ).all()
    )
    names = await locality_names(session)
    return tuple(
        PastMeetingRow(
            meeting_id=m.id,
            locality=names.get(m.locality_id, ""),
            held_on=m.started_at.astimezone(LONDON).date(),
            agreed=m.minutes_status == MinutesStatus.AGREED,
            decisions=int(decisions.get(m.id, 0)),
            actions=int(actions.get(m.id, 0)),
        )
        for m in meetings
    )


async def _about_persons(session: AsyncSession, meeting_id: int) -> tuple[set[int], set[int]]:
    """The decisions and actions of the meeting recorded about a person of concern."""
    persons = select(t.Subject.id).where(t.Subject.kind == SubjectKind.PERSON.value)
    entries = set(
        await session.scalars(
            select(t.MinuteEntry.id).where(
                t.MinuteEntry.meeting_id == meeting_id, t.MinuteEntry.subject_id.in_(persons)
            )
        )
    )
    actions = set(
        await session.scalars(
            select(t.Action.id).where(
                t.Action.meeting_id == meeting_id, t.Action.subject_id.in_(persons)
            )
        )
    )
    return entries, actions
