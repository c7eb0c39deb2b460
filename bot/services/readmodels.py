"""Builds the read models (``bot.domain.views``) that cards are drawn from.

All the querying for a card happens here, in a few set-based queries per card, so the
card builders stay pure and a meeting card costs the same however far the meeting is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.agenda import CANONICAL_AGENDA
from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    ItemKind,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    Role,
    RoundStatus,
    SubjectKind,
    TurnOutcome,
)
from bot.domain.rules import subject_display
from bot.domain.views import (
    PREVIOUS_ACTIONS_LISTED,
    ActionView,
    AgencyView,
    AttendanceView,
    ChallengeView,
    EntryView,
    ItemView,
    LocalityView,
    MeetingView,
    MemberView,
    PreviousMinutesView,
    RoundTurnView,
    RoundView,
)
from bot.store import tables as t

_GUIDANCE = {item.kind: item.guidance for item in CANONICAL_AGENDA}


class Lookups:
    """Agencies and member names for one card, loaded once."""

    def __init__(self, agencies: Sequence[t.Agency], key_codes: Sequence[str]) -> None:
        key_order = {code: i for i, code in enumerate(key_codes)}
        self.agencies: dict[int, AgencyView] = {
            a.id: AgencyView(a.id, a.code, a.name, a.code in key_order) for a in agencies
        }
        self.ordered = tuple(
            sorted(
                self.agencies.values(),
                key=lambda a: (key_order.get(a.code, len(key_order)), a.name),
            )
        )

    def agency(self, agency_id: int | None) -> AgencyView | None:
        return self.agencies.get(agency_id) if agency_id is not None else None

    def agency_name(self, agency_id: int | None) -> str:
        agency = self.agency(agency_id)
        return agency.name if agency else ""


async def load_lookups(session: AsyncSession, key_codes: Sequence[str]) -> Lookups:
    agencies = (await session.scalars(select(t.Agency).order_by(t.Agency.sort_order))).all()
    return Lookups(agencies, key_codes)


async def member_names(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(t.Member.id, t.Member.name).where(t.Member.id.in_(wanted)))
    return {row.id: row.name for row in rows}


async def group_members(
    session: AsyncSession, locality_id: int, lookups: Lookups
) -> tuple[MemberView, ...]:
    """Everyone in the group, for choosing an action's owner. Columns, not entities: a
    group can have hundreds of members."""
    rows = await session.execute(
        select(t.Member.id, t.Member.name, t.Member.agency_id, t.Membership.role)
        .join(t.Membership, t.Membership.member_id == t.Member.id)
        .where(t.Membership.locality_id == locality_id, t.Member.active.is_(True))
        .order_by(t.Member.name, t.Member.id)
    )
    roles: dict[int, list[Role]] = {}
    members: dict[int, tuple[str, int]] = {}
    for member_id, name, agency_id, role in rows:
        members[member_id] = (name, agency_id)
        roles.setdefault(member_id, []).append(Role(role))
    return tuple(
        MemberView(
            member_id, name, agency_id, lookups.agency_name(agency_id), tuple(roles[member_id])
        )
        for member_id, (name, agency_id) in members.items()
    )


async def action_views(
    session: AsyncSession, actions: Sequence[t.Action], lookups: Lookups, today: date
) -> list[ActionView]:
    if not actions:
        return []
    names = await member_names(session, (a.owner_member_id for a in actions))
    subject_ids = {a.subject_id for a in actions if a.subject_id is not None}
    subjects: dict[int, t.Subject] = {}
    if subject_ids:
        subjects = {
            s.id: s
            for s in await session.scalars(select(t.Subject).where(t.Subject.id.in_(subject_ids)))
        }
    meeting_dates: dict[int, date] = {
        row.id: row.started_at.date()
        for row in await session.execute(
            select(t.Meeting.id, t.Meeting.started_at).where(
                t.Meeting.id.in_({a.meeting_id for a in actions})
            )
        )
    }
    views = []
    for a in actions:
        subject = subjects.get(a.subject_id) if a.subject_id is not None else None
        views.append(
            ActionView(
                id=a.id,
                description=a.description,
                owner_name=names.get(a.owner_member_id, "Unknown member"),
                agency_name=lookups.agency_name(a.agency_id),
                due_date=a.due_date,
                status=ActionStatus(a.status),
                subject=subject_display(
                    SubjectKind(subject.kind), subject.reference, subject.initials
                )
                if subject
                else None,
                overdue=a.status == ActionStatus.OPEN and a.due_date < today,
                raised_on=meeting_dates.get(a.meeting_id),
                escalated=a.escalated_at is not None,
            )
        )
    return views


async def challenge_views(
    session: AsyncSession, challenges: Sequence[t.Challenge], lookups: Lookups
) -> list[ChallengeView]:
    names = await member_names(session, (c.raised_by_member_id for c in challenges))
    titles: dict[int, str] = {}
    if challenges:
        rows = await session.execute(
            select(t.ShareRound.id, t.AgendaItem.title)
            .join(t.AgendaItem, t.AgendaItem.id == t.ShareRound.item_id)
            .where(t.ShareRound.id.in_({c.round_id for c in challenges}))
        )
        titles = {row.id: row.title for row in rows}
    return [
        ChallengeView(
            id=c.id,
            raised_by_agency=lookups.agency_name(c.raised_by_agency_id),
            raised_by_name=names.get(c.raised_by_member_id, ""),
            to_agency=lookups.agency_name(c.to_agency_id) or None,
            about=c.about,
            text=c.text,
            status=ChallengeStatus(c.status),
            response=c.response,
            resolution=c.resolution,
            item_title=titles.get(c.round_id, ""),
        )
        for c in challenges
    ]


async def open_challenges(
    session: AsyncSession, locality_id: int, lookups: Lookups
) -> list[ChallengeView]:
    rows = (
        await session.scalars(
            select(t.Challenge)
            .where(
                t.Challenge.locality_id == locality_id, t.Challenge.status == ChallengeStatus.OPEN
            )
            .order_by(t.Challenge.id)
        )
    ).all()
    return await challenge_views(session, rows, lookups)


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
            )
            .group_by(t.MinuteEntry.item_id)
        )
    }
    actions = (
        await session.scalars(
            select(t.Action).where(t.Action.meeting_id == meeting.id).order_by(t.Action.id)
        )
    ).all()
    authors = await member_names(
        session, [e.author_member_id for e in entries] + [meeting.chair_member_id]
    )
    action_list = await action_views(session, actions, lookups, today)
    by_item_actions: dict[int, list[ActionView]] = {}
    for row, view in zip(actions, action_list, strict=True):
        by_item_actions.setdefault(row.item_id, []).append(view)
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
                    EntryView(e.id, EntryKind.DECISION, e.text, authors.get(e.author_member_id, ""))
                    for e in mine
                    if e.kind == EntryKind.DECISION
                ),
                actions=tuple(by_item_actions.get(item.id, ())),
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
                )
            )
            or 0
        )
        previous_action_count = (
            await session.scalar(
                select(func.count()).select_from(t.Action).where(t.Action.meeting_id == previous.id)
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
        version=meeting.version,
        previous_open_unlisted=int(open_total) - len(previous_actions),
        previous_overdue_unlisted=int(overdue_total) - listed_overdue,
    )


async def round_view(
    session: AsyncSession, share_round: t.ShareRound, *, key_codes: Sequence[str]
) -> RoundView:
    """The round lists every agency recorded at the meeting: those present or substituting
    are asked in turn; those who sent apologies show as not present."""
    lookups = await load_lookups(session, key_codes)
    meeting = await session.get_one(t.Meeting, share_round.meeting_id)
    locality = await session.get_one(t.Locality, meeting.locality_id)
    item = await session.get_one(t.AgendaItem, share_round.item_id)
    attendance = {
        a.agency_id: AttendanceStatus(a.status)
        for a in await session.scalars(
            select(t.Attendance).where(t.Attendance.meeting_id == meeting.id)
        )
    }
    turns = {
        turn.agency_id: turn
        for turn in await session.scalars(
            select(t.RoundTurn).where(t.RoundTurn.round_id == share_round.id)
        )
    }
    challenges = (
        await session.scalars(
            select(t.Challenge)
            .where(t.Challenge.round_id == share_round.id)
            .order_by(t.Challenge.id)
        )
    ).all()
    last_challenge_to = {c.raised_by_agency_id: c.to_agency_id for c in challenges}
    names = await member_names(session, (turn.member_id for turn in turns.values()))
    turn_views = []
    for agency in lookups.ordered:
        turn = turns.get(agency.id)
        status = attendance.get(agency.id)
        if turn is None and status is None:
            continue
        if turn is not None:
            outcome: TurnOutcome | None = TurnOutcome(turn.outcome)
            turn_views.append(
                RoundTurnView(
                    agency,
                    outcome,
                    turn.text,
                    names.get(turn.member_id, "") if turn.member_id else "",
                    lookups.agency_name(last_challenge_to.get(agency.id)) or None
                    if outcome is TurnOutcome.CHALLENGE
                    else None,
                )
            )
        elif status is AttendanceStatus.APOLOGIES:
            turn_views.append(RoundTurnView(agency, TurnOutcome.NOT_PRESENT))
        else:
            turn_views.append(RoundTurnView(agency, None))
    return RoundView(
        id=share_round.id,
        meeting_id=meeting.id,
        locality_name=locality.name,
        item_position=item.position,
        item_title=item.title,
        status=RoundStatus(share_round.status),
        turns=tuple(turn_views),
        agencies=lookups.ordered,
        challenges=tuple(await challenge_views(session, challenges, lookups)),
        conversation_id=meeting.conversation_id,
        activity_id=share_round.activity_id,
    )
