"""The agenda card of a meeting: its items, attendance, actions and what came before."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.agenda import CANONICAL_AGENDA, SUBJECT_ITEMS, channel_label
from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    EntryKind,
    ItemKind,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    SubjectKind,
)
from bot.domain.register import RISK_LABELS, RiskLevel
from bot.domain.rules import subject_display
from bot.domain.views import (
    PREVIOUS_ACTIONS_LISTED,
    ActionView,
    AttendanceView,
    EntryView,
    ItemView,
    LocalityView,
    MeetingView,
    PreviousMinutesView,
    SubItemView,
)
from bot.services.readmodels.actions import action_views
from bot.services.readmodels.escalations import agenda_lines
from bot.services.readmodels.lookups import load_lookups, member_names
from bot.services.readmodels.rounds import open_challenges
from bot.store import tables as t

_GUIDANCE = {item.kind: item.guidance for item in CANONICAL_AGENDA}
#: An entry withdrawn as recorded in error (issue 16) is kept, but left out of every
#: count and list a meeting's cards and minutes show.
_NOT_WITHDRAWN = t.MinuteEntry.withdrawn_at.is_(None)
_ACTION_STANDS = t.Action.status != ActionStatus.WITHDRAWN


def elapsed(item: t.AgendaItem, now: datetime) -> int:
    running = 0
    if item.status == ItemStatus.CURRENT and item.started_at is not None:
        running = max(0, int((now - item.started_at).total_seconds()))
    return item.elapsed_seconds + running


async def meeting_view(
    session: AsyncSession,
    meeting: t.Meeting,
    *,
    key_codes: Sequence[str],
    now: datetime,
    today: date,
) -> MeetingView:
    lookups = await load_lookups(session, key_codes)
    locality = await session.get_one(t.Locality, meeting.locality_id)
    items = (
        await session.scalars(
            select(t.AgendaItem)
            .where(t.AgendaItem.meeting_id == meeting.id)
            .order_by(t.AgendaItem.position)
        )
    ).all()
    # Decisions are shown, so read (and decrypted); minutes only counted: a long meeting's
    # minutes would otherwise be decrypted again for every card drawn.
    entries = (
        await session.scalars(
            select(t.MinuteEntry)
            .where(
                t.MinuteEntry.meeting_id == meeting.id,
                t.MinuteEntry.kind == EntryKind.DECISION,
                _NOT_WITHDRAWN,
            )
            .order_by(t.MinuteEntry.id)
        )
    ).all()
    minutes_per_item: dict[int, int] = {
        item_id: int(count)
        for item_id, count in await session.execute(
            select(t.MinuteEntry.item_id, func.count())
            .where(
                t.MinuteEntry.meeting_id == meeting.id,
                t.MinuteEntry.kind == EntryKind.MINUTE,
                _NOT_WITHDRAWN,
            )
            .group_by(t.MinuteEntry.item_id)
        )
    }
    actions = (
        await session.scalars(
            select(t.Action)
            .where(t.Action.meeting_id == meeting.id, _ACTION_STANDS)
            .order_by(t.Action.id)
        )
    ).all()
    authors = await member_names(
        session, [e.author_member_id for e in entries] + [meeting.chair_member_id]
    )
    action_list = await action_views(session, actions, lookups, today)
    by_item_actions: dict[int, list[ActionView]] = {}
    for row, view in zip(actions, action_list, strict=True):
        by_item_actions.setdefault(row.item_id, []).append(view)
    sub_items = await _sub_items(session, meeting.id)
    item_views = []
    for item in items:
        mine = [e for e in entries if e.item_id == item.id]
        item_views.append(
            ItemView(
                id=item.id,
                position=item.position,
                kind=ItemKind(item.kind),
                title=item.title,
                guidance=_GUIDANCE.get(ItemKind(item.kind), ""),
                time_limit_minutes=item.time_limit_minutes,
                status=ItemStatus(item.status),
                elapsed_seconds=elapsed(item, now),
                minutes_count=minutes_per_item.get(item.id, 0),
                decisions=tuple(
                    EntryView(
                        e.id,
                        EntryKind.DECISION,
                        e.text,
                        authors.get(e.author_member_id, ""),
                        corrected=e.corrected_at is not None,
                    )
                    for e in mine
                    if e.kind == EntryKind.DECISION
                ),
                actions=tuple(by_item_actions.get(item.id, ())),
                sub_items=tuple(sub_items.get(item.id, ())),
                takes_subjects=ItemKind(item.kind) in SUBJECT_ITEMS,
            )
        )

    attendance_rows = {
        a.agency_id: a
        for a in await session.scalars(
            select(t.Attendance).where(t.Attendance.meeting_id == meeting.id)
        )
    }
    attendance = tuple(
        AttendanceView(
            agency,
            AttendanceStatus(attendance_rows[agency.id].status)
            if agency.id in attendance_rows
            else None,
            attendance_rows[agency.id].people if agency.id in attendance_rows else "",
        )
        for agency in lookups.ordered
        if agency.is_key or agency.id in attendance_rows
    )
    represented = {
        agency_id
        for agency_id, row in attendance_rows.items()
        if row.status in (AttendanceStatus.PRESENT, AttendanceStatus.SUBSTITUTE)
    }
    missing = tuple(a for a in lookups.ordered if a.is_key and a.id not in represented)

    earlier_open = (
        t.Action.locality_id == meeting.locality_id,
        t.Action.status == ActionStatus.OPEN,
        t.Action.meeting_id != meeting.id,
    )
    previous_actions = (
        await session.scalars(
            select(t.Action)
            .where(*earlier_open)
            .order_by(t.Action.due_date, t.Action.id)
            .limit(PREVIOUS_ACTIONS_LISTED)
        )
    ).all()
    open_total, overdue_total = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((t.Action.due_date < today, 1), else_=0)), 0),
            ).where(*earlier_open)
        )
    ).one()
    listed_overdue = sum(1 for a in previous_actions if a.due_date < today)

    previous = await session.scalar(
        select(t.Meeting)
        .where(
            t.Meeting.locality_id == meeting.locality_id,
            t.Meeting.id != meeting.id,
            t.Meeting.status == MeetingStatus.ENDED,
            t.Meeting.started_at <= meeting.started_at,
        )
        .order_by(t.Meeting.started_at.desc(), t.Meeting.id.desc())
        .limit(1)
    )
    previous_minutes = None
    if previous is not None:
        decisions = (
            await session.scalar(
                select(func.count())
                .select_from(t.MinuteEntry)
                .where(
                    t.MinuteEntry.meeting_id == previous.id,
                    t.MinuteEntry.kind == EntryKind.DECISION,
                    _NOT_WITHDRAWN,
                )
            )
            or 0
        )
        previous_action_count = (
            await session.scalar(
                select(func.count())
                .select_from(t.Action)
                .where(t.Action.meeting_id == previous.id, _ACTION_STANDS)
            )
            or 0
        )
        previous_minutes = PreviousMinutesView(
            previous.id,
            previous.started_at.date(),
            MinutesStatus(previous.minutes_status),
            decisions,
            previous_action_count,
        )
    open_round = await session.scalar(
        select(t.ShareRound.id).where(t.ShareRound.open_meeting_id == meeting.id)
    )
    return MeetingView(
        id=meeting.id,
        locality=LocalityView(locality.id, locality.name),
        status=MeetingStatus(meeting.status),
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        chair_name=authors.get(meeting.chair_member_id, ""),
        items=tuple(item_views),
        current_position=meeting.current_position,
        attendance=attendance,
        missing_key_agencies=missing,
        previous_open_actions=tuple(await action_views(session, previous_actions, lookups, today)),
        previous_minutes=previous_minutes,
        agencies=lookups.ordered,
        open_challenges=tuple(await open_challenges(session, meeting.locality_id, lookups)),
        open_round_id=open_round,
        next_meeting_date=meeting.next_meeting_date,
        minutes_status=MinutesStatus(meeting.minutes_status),
        conversation_id=meeting.conversation_id,
        agenda_activity_id=meeting.agenda_activity_id,
        summary_activity_id=meeting.summary_activity_id,
        version=meeting.version,
        previous_open_unlisted=int(open_total) - len(previous_actions),
        previous_overdue_unlisted=int(overdue_total) - listed_overdue,
        escalations=await agenda_lines(session, meeting.locality_id, today),
    )


async def _sub_items(session: AsyncSession, meeting_id: int) -> dict[int, list[SubItemView]]:
    """The subjects discussed under each item of a meeting, as the conversation may see
    them: only this meeting's subjects are read, however large the register; a person of
    concern's reference, initials and risk are not read at all (bot.domain.agenda
    .channel_label)."""
    rows = (
        await session.execute(
            select(
                t.ItemSubject.id,
                t.ItemSubject.item_id,
                t.ItemSubject.subject_id,
                t.ItemSubject.position,
                t.ItemSubject.status,
                t.Subject.kind,
                t.Subject.risk_level,
            )
            .join(t.Subject, t.Subject.id == t.ItemSubject.subject_id)
            .where(t.ItemSubject.meeting_id == meeting_id)
            .order_by(t.ItemSubject.item_id, t.ItemSubject.position)
        )
    ).all()
    if not rows:
        return {}
    shown_ids = [r.subject_id for r in rows if r.kind != SubjectKind.PERSON.value]
    names = (
        {
            s.id: subject_display(SubjectKind(s.kind), s.reference, s.initials)
            for s in await session.scalars(select(t.Subject).where(t.Subject.id.in_(shown_ids)))
        }
        if shown_ids
        else {}
    )
    counts: dict[tuple[int, int | None], list[int]] = {}
    for item_id, subject_id, kind, count in await session.execute(
        select(t.MinuteEntry.item_id, t.MinuteEntry.subject_id, t.MinuteEntry.kind, func.count())
        .where(
            t.MinuteEntry.meeting_id == meeting_id,
            t.MinuteEntry.subject_id.is_not(None),
            _NOT_WITHDRAWN,
        )
        .group_by(t.MinuteEntry.item_id, t.MinuteEntry.subject_id, t.MinuteEntry.kind)
    ):
        slot = 0 if kind == EntryKind.MINUTE else 1
        counts.setdefault((item_id, subject_id), [0, 0, 0])[slot] += int(count)
    for item_id, subject_id, count in await session.execute(
        select(t.Action.item_id, t.Action.subject_id, func.count())
        .where(t.Action.meeting_id == meeting_id, t.Action.subject_id.is_not(None), _ACTION_STANDS)
        .group_by(t.Action.item_id, t.Action.subject_id)
    ):
        counts.setdefault((item_id, subject_id), [0, 0, 0])[2] += int(count)
    by_item: dict[int, list[SubItemView]] = {}
    persons: dict[int, int] = {}
    for row in rows:
        kind = SubjectKind(row.kind)
        restricted = kind is SubjectKind.PERSON
        if restricted:
            persons[row.item_id] = persons.get(row.item_id, 0) + 1
        minutes, decisions, actions = counts.get((row.item_id, row.subject_id), [0, 0, 0])
        by_item.setdefault(row.item_id, []).append(
            SubItemView(
                id=row.id,
                subject_id=row.subject_id,
                position=row.position,
                status=row.status,
                kind=kind,
                label=channel_label(
                    kind, names.get(row.subject_id, ""), persons.get(row.item_id, 0)
                ),
                risk_label=""
                if restricted or not row.risk_level
                else RISK_LABELS[RiskLevel(row.risk_level)],
                restricted=restricted,
                minutes_count=minutes,
                decisions_count=decisions,
                actions_count=actions,
            )
        )
    return by_item
