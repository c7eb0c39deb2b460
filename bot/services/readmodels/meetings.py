"""The agenda card of a meeting: its items, attendance, actions and what came before.

The agenda is redrawn after every change to a meeting (about once every three minutes
recorded when twenty people record at once), so drawing it is on the busiest path there
is. Its statements are built once, here, with bound parameters (building a statement and
its cache key on every draw cost more CPU than running it), read columns on the session's
connection where the ORM would only load objects to be copied into views (encrypted
columns are still decrypted: by their column types), and each does the work of several
where one can: the meeting's summary (its locality, chair, open round, earlier actions
counted, the previous meeting and its counts, whether any challenge or escalation is open
or any subject is under an item) is one statement, the agencies come with the meeting's
attendance, the decisions with their authors and with every count of minutes and
decisions, and the meeting's actions with the earlier ones it lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Row,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.agenda import CANONICAL_AGENDA, SUBJECT_ITEMS, channel_label
from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    EscalationStatus,
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
from bot.services.readmodels.lookups import Lookups
from bot.services.readmodels.rounds import open_challenges
from bot.store import tables as t

_GUIDANCE = {item.kind: item.guidance for item in CANONICAL_AGENDA}

_AGENCIES = t.table_of(t.Agency)
_ATTENDANCE = t.table_of(t.Attendance)
_ITEMS = t.table_of(t.AgendaItem)
_ENTRIES = t.table_of(t.MinuteEntry)
_ACTIONS = t.table_of(t.Action)
_MEETINGS = t.table_of(t.Meeting)
_PREVIOUS = _MEETINGS.alias("previous")
_EARLIER = _MEETINGS.alias("earlier")
_MEMBERS = t.table_of(t.Member)
_LOCALITIES = t.table_of(t.Locality)
_ROUNDS = t.table_of(t.ShareRound)
_CHALLENGES = t.table_of(t.Challenge)
_ESCALATIONS = t.table_of(t.Escalation)
_ITEM_SUBJECTS = t.table_of(t.ItemSubject)
_SUBJECTS = t.table_of(t.Subject)

_MEETING: BindParameter[int] = bindparam("meeting_id")
_LOCALITY: BindParameter[int] = bindparam("locality_id")

#: An entry or action withdrawn as recorded in error (issue 16) is kept, but left out of
#: every count and list a meeting's cards and minutes show.
_ENTRY_STANDS = _ENTRIES.c.withdrawn_at.is_(None)
_STANDS = _ACTIONS.c.status != ActionStatus.WITHDRAWN.value

#: Open actions of the locality's earlier meetings (listed, and counted, on item 3).
_EARLIER_OPEN = (
    _ACTIONS.c.locality_id == _LOCALITY,
    _ACTIONS.c.status == ActionStatus.OPEN.value,
    _ACTIONS.c.meeting_id != _MEETING,
)

#: Every agency, in order, with this meeting's attendance of it if recorded (one row per
#: meeting and agency at most: ``attendance``'s unique constraint).
_AGENCIES_ATTENDING = (
    select(
        _AGENCIES.c.id,
        _AGENCIES.c.code,
        _AGENCIES.c.name,
        _ATTENDANCE.c.id.label("attendance_id"),
        _ATTENDANCE.c.status,
        _ATTENDANCE.c.people,
    )
    .select_from(
        _AGENCIES.outerjoin(
            _ATTENDANCE,
            (_ATTENDANCE.c.agency_id == _AGENCIES.c.id) & (_ATTENDANCE.c.meeting_id == _MEETING),
        )
    )
    .order_by(_AGENCIES.c.sort_order)
)

#: The locality's latest ended meeting that started before this one.
_PREVIOUS_ID = (
    select(_EARLIER.c.id)
    .where(
        _EARLIER.c.locality_id == _LOCALITY,
        _EARLIER.c.id != _MEETING,
        _EARLIER.c.status == MeetingStatus.ENDED.value,
        _EARLIER.c.started_at <= bindparam("started_at"),
    )
    .order_by(_EARLIER.c.started_at.desc(), _EARLIER.c.id.desc())
    .limit(1)
    .scalar_subquery()
)


def _count(table: Any, *where: Any) -> Any:
    return select(func.count()).select_from(table).where(*where).scalar_subquery()


#: One row of everything the agenda shows once: the locality's name, the chair's, the
#: open round, the earlier open actions counted (and how many are overdue), the previous
#: meeting with its decisions and actions counted, and whether there is any open
#: challenge or escalation in the locality, or any subject under the meeting's items, to
#: read at all.
_SUMMARY = (
    select(
        _LOCALITIES.c.name.label("locality_name"),
        select(_MEMBERS.c.name)
        .where(_MEMBERS.c.id == bindparam("chair_id"))
        .scalar_subquery()
        .label("chair_name"),
        select(_ROUNDS.c.id)
        .where(_ROUNDS.c.open_meeting_id == _MEETING)
        .scalar_subquery()
        .label("open_round_id"),
        _count(_ACTIONS, *_EARLIER_OPEN).label("open_total"),
        select(
            func.coalesce(func.sum(case((_ACTIONS.c.due_date < bindparam("today"), 1), else_=0)), 0)
        )
        .where(*_EARLIER_OPEN)
        .scalar_subquery()
        .label("overdue_total"),
        _PREVIOUS.c.id.label("previous_id"),
        _PREVIOUS.c.started_at.label("previous_started_at"),
        _PREVIOUS.c.minutes_status.label("previous_minutes_status"),
        _count(
            _ENTRIES,
            _ENTRIES.c.meeting_id == _PREVIOUS.c.id,
            _ENTRIES.c.kind == EntryKind.DECISION.value,
            _ENTRY_STANDS,
        ).label("previous_decisions"),
        _count(_ACTIONS, _ACTIONS.c.meeting_id == _PREVIOUS.c.id, _STANDS).label(
            "previous_actions"
        ),
        exists()
        .where(
            _CHALLENGES.c.locality_id == _LOCALITY,
            _CHALLENGES.c.status == ChallengeStatus.OPEN.value,
        )
        .label("any_challenge"),
        exists()
        .where(
            _ESCALATIONS.c.locality_id == _LOCALITY,
            _ESCALATIONS.c.status != EscalationStatus.CLOSED.value,
        )
        .label("any_escalation"),
        exists().where(_ITEM_SUBJECTS.c.meeting_id == _MEETING).label("any_sub_item"),
    )
    .select_from(_LOCALITIES.outerjoin(_PREVIOUS, _PREVIOUS.c.id == _PREVIOUS_ID))
    .where(_LOCALITIES.c.id == _LOCALITY)
)

_ITEM_ROWS = (
    select(
        _ITEMS.c.id,
        _ITEMS.c.position,
        _ITEMS.c.kind,
        _ITEMS.c.title,
        _ITEMS.c.time_limit_minutes,
        _ITEMS.c.status,
        _ITEMS.c.started_at,
        _ITEMS.c.elapsed_seconds,
    )
    .where(_ITEMS.c.meeting_id == _MEETING)
    .order_by(_ITEMS.c.position)
)

#: The meeting's decisions, with their authors' names, then every count of its minutes
#: and decisions by item, subject and kind. Decisions are shown, so read (and decrypted);
#: minutes only counted: a long meeting's minutes would otherwise be decrypted again for
#: every card drawn. A count row has no id.
_ENTRY_ROWS = union_all(
    select(
        _ENTRIES.c.id,
        _ENTRIES.c.item_id,
        _ENTRIES.c.subject_id,
        _ENTRIES.c.kind,
        _ENTRIES.c.text,
        _MEMBERS.c.name.label("author_name"),
        _ENTRIES.c.corrected_at,
        literal_column("0").label("n"),
    )
    .select_from(_ENTRIES.outerjoin(_MEMBERS, _MEMBERS.c.id == _ENTRIES.c.author_member_id))
    .where(
        _ENTRIES.c.meeting_id == _MEETING,
        _ENTRIES.c.kind == EntryKind.DECISION.value,
        _ENTRY_STANDS,
    ),
    select(
        null(),
        _ENTRIES.c.item_id,
        _ENTRIES.c.subject_id,
        _ENTRIES.c.kind,
        null(),
        null(),
        null(),
        func.count(),
    )
    .where(_ENTRIES.c.meeting_id == _MEETING, _ENTRY_STANDS)
    .group_by(_ENTRIES.c.item_id, _ENTRIES.c.subject_id, _ENTRIES.c.kind),
)

#: The earlier open actions the agenda lists (the rest are only counted).
_LISTED_EARLIER = (
    select(_ACTIONS)
    .where(*_EARLIER_OPEN)
    .order_by(_ACTIONS.c.due_date, _ACTIONS.c.id)
    .limit(PREVIOUS_ACTIONS_LISTED)
).subquery("listed_earlier")

#: The meeting's own actions (not withdrawn) and the earlier open ones it lists, loaded
#: as the actions they are for ``action_views``.
_ACTION_ROWS = select(t.Action).from_statement(
    union_all(
        select(_ACTIONS).where(_ACTIONS.c.meeting_id == _MEETING, _STANDS),
        select(_LISTED_EARLIER),
    )
)

#: The subjects discussed under the meeting's items. A person of concern's reference and
#: initials are not read at all (bot.domain.agenda.channel_label), nor its risk shown.
_PERSON = SubjectKind.PERSON.value
_SUB_ITEM_ROWS = (
    select(
        _ITEM_SUBJECTS.c.id,
        _ITEM_SUBJECTS.c.item_id,
        _ITEM_SUBJECTS.c.subject_id,
        _ITEM_SUBJECTS.c.position,
        _ITEM_SUBJECTS.c.status,
        _SUBJECTS.c.kind,
        _SUBJECTS.c.risk_level,
        case((_SUBJECTS.c.kind != _PERSON, _SUBJECTS.c.reference)).label("reference"),
        case((_SUBJECTS.c.kind != _PERSON, _SUBJECTS.c.initials)).label("initials"),
    )
    .join(_SUBJECTS, _SUBJECTS.c.id == _ITEM_SUBJECTS.c.subject_id)
    .where(_ITEM_SUBJECTS.c.meeting_id == _MEETING)
    .order_by(_ITEM_SUBJECTS.c.item_id, _ITEM_SUBJECTS.c.position)
)


def elapsed(item: t.AgendaItem, now: datetime) -> int:
    return _elapsed(item.status, item.started_at, item.elapsed_seconds, now)


def _elapsed(status: str, started_at: datetime | None, elapsed_seconds: int, now: datetime) -> int:
    running = 0
    if status == ItemStatus.CURRENT and started_at is not None:
        running = max(0, int((now - started_at).total_seconds()))
    return elapsed_seconds + running


async def meeting_view(
    session: AsyncSession,
    meeting: t.Meeting,
    *,
    key_codes: Sequence[str],
    now: datetime,
    today: date,
) -> MeetingView:
    connection = await session.connection()
    meeting_id = {"meeting_id": meeting.id}
    agency_rows = (await connection.execute(_AGENCIES_ATTENDING, meeting_id)).all()
    lookups = Lookups(agency_rows, key_codes)
    attendance_rows = {row.id: row for row in agency_rows if row.attendance_id is not None}
    summary = (
        await connection.execute(
            _SUMMARY,
            {
                "meeting_id": meeting.id,
                "locality_id": meeting.locality_id,
                "chair_id": meeting.chair_member_id,
                "started_at": meeting.started_at,
                "today": today,
            },
        )
    ).one()
    items = (await connection.execute(_ITEM_ROWS, meeting_id)).all()
    decisions: dict[int, list[Row[Any]]] = {}
    minutes_per_item: dict[int, int] = {}
    # (item, subject) -> [minutes, decisions, actions], for the subjects under items.
    counts: dict[tuple[int, int], list[int]] = {}
    for row in sorted(
        (await connection.execute(_ENTRY_ROWS, meeting_id)).all(),
        key=lambda r: r.id or 0,
    ):
        if row.id is not None:
            decisions.setdefault(row.item_id, []).append(row)
            continue
        if row.kind == EntryKind.MINUTE:
            minutes_per_item[row.item_id] = minutes_per_item.get(row.item_id, 0) + int(row.n)
        if row.subject_id is not None:
            slot = 0 if row.kind == EntryKind.MINUTE else 1
            counts.setdefault((row.item_id, row.subject_id), [0, 0, 0])[slot] += int(row.n)
    mine: list[t.Action] = []
    earlier: list[t.Action] = []
    for action in (
        await session.scalars(_ACTION_ROWS, meeting_id | {"locality_id": meeting.locality_id})
    ).all():
        (mine if action.meeting_id == meeting.id else earlier).append(action)
    mine.sort(key=lambda a: a.id)
    earlier.sort(key=lambda a: (a.due_date, a.id))
    for action in mine:
        if action.subject_id is not None:
            counts.setdefault((action.item_id, action.subject_id), [0, 0, 0])[2] += 1
    views = await action_views(session, mine + earlier, lookups, today)
    by_item_actions: dict[int, list[ActionView]] = {}
    for own, view in zip(mine, views, strict=False):
        by_item_actions.setdefault(own.item_id, []).append(view)
    sub_items = await _sub_items(session, meeting.id, counts) if summary.any_sub_item else {}
    item_views = []
    for item in items:
        kind = ItemKind(item.kind)
        item_views.append(
            ItemView(
                id=item.id,
                position=item.position,
                kind=kind,
                title=item.title,
                guidance=_GUIDANCE.get(kind, ""),
                time_limit_minutes=item.time_limit_minutes,
                status=ItemStatus(item.status),
                elapsed_seconds=_elapsed(item.status, item.started_at, item.elapsed_seconds, now),
                minutes_count=minutes_per_item.get(item.id, 0),
                decisions=tuple(
                    EntryView(
                        e.id,
                        EntryKind.DECISION,
                        e.text,
                        e.author_name or "",
                        corrected=e.corrected_at is not None,
                    )
                    for e in decisions.get(item.id, ())
                ),
                actions=tuple(by_item_actions.get(item.id, ())),
                sub_items=tuple(sub_items.get(item.id, ())),
                takes_subjects=kind in SUBJECT_ITEMS,
            )
        )

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
    listed_overdue = sum(1 for a in earlier if a.due_date < today)
    previous_minutes = None
    if summary.previous_id is not None:
        previous_minutes = PreviousMinutesView(
            summary.previous_id,
            summary.previous_started_at.date(),
            MinutesStatus(summary.previous_minutes_status),
            int(summary.previous_decisions or 0),
            int(summary.previous_actions or 0),
        )
    challenges = (
        await open_challenges(session, meeting.locality_id, lookups)
        if summary.any_challenge
        else []
    )
    return MeetingView(
        id=meeting.id,
        locality=LocalityView(meeting.locality_id, summary.locality_name),
        status=MeetingStatus(meeting.status),
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        chair_name=summary.chair_name or "",
        items=tuple(item_views),
        current_position=meeting.current_position,
        attendance=attendance,
        missing_key_agencies=missing,
        previous_open_actions=tuple(views[len(mine) :]),
        previous_minutes=previous_minutes,
        agencies=lookups.ordered,
        open_challenges=tuple(challenges),
        open_round_id=summary.open_round_id,
        next_meeting_date=meeting.next_meeting_date,
        minutes_status=MinutesStatus(meeting.minutes_status),
        conversation_id=meeting.conversation_id,
        agenda_activity_id=meeting.agenda_activity_id,
        summary_activity_id=meeting.summary_activity_id,
        version=meeting.version,
        previous_open_unlisted=int(summary.open_total) - len(earlier),
        previous_overdue_unlisted=int(summary.overdue_total) - listed_overdue,
        escalations=await agenda_lines(session, meeting.locality_id, today)
        if summary.any_escalation
        else (),
    )


async def _sub_items(
    session: AsyncSession, meeting_id: int, counts: dict[tuple[int, int], list[int]]
) -> dict[int, list[SubItemView]]:
    """The subjects discussed under each item of a meeting, as the conversation may see
    them: only this meeting's subjects are read, however large the register; a person of
    concern's reference and initials are not read at all, nor its risk shown
    (bot.domain.agenda.channel_label). ``counts``: the minutes, decisions and actions
    recorded about each (item, subject)."""
    connection = await session.connection()
    by_item: dict[int, list[SubItemView]] = {}
    persons: dict[int, int] = {}
    for row in await connection.execute(_SUB_ITEM_ROWS, {"meeting_id": meeting_id}):
        kind = SubjectKind(row.kind)
        restricted = kind is SubjectKind.PERSON
        if restricted:
            persons[row.item_id] = persons.get(row.item_id, 0) + 1
        name = "" if restricted else subject_display(kind, row.reference, row.initials)
        minutes, decisions, actions = counts.get((row.item_id, row.subject_id), [0, 0, 0])
        by_item.setdefault(row.item_id, []).append(
            SubItemView(
                id=row.id,
                subject_id=row.subject_id,
                position=row.position,
                status=row.status,
                kind=kind,
                label=channel_label(kind, name, persons.get(row.item_id, 0)),
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
