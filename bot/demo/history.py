"""An invented history for the demo store, so a newcomer's first `my actions`,
`outstanding actions` or look at the register shows something (issue 15, point 11).

`make run` (``mace-bot serve --demo``) loads the demo groups and members
(``bot/demo/demo_data.json``), then calls ``seed_demo_history``: two ended meetings per
demo group, with attendance, minutes, decisions, a share-and-challenge round with its
answers, the first meeting's minutes agreed and the second's still a draft; a register of
children, persons of concern, locations, groups and themes with strands, risk history,
status, lead agencies, links and a child's checks; and open, overdue and done actions,
some owned by the Playground's default user (Alex Wilber, chair of Scarborough and
Ryedale).

Everything is invented: children are case references (CR-0101) and initials, persons of
concern police references and initials, no real names. The invented tables themselves are
in ``bot/demo/history_data.py``; this module writes them. Dates are counted back from the
clock's today, so the demo looks current whenever it is started.

It runs only on the demo flag, only when the demo members are there (matched by the demo
file's Entra object ids), and only while the store holds no meeting, no subject and no
action: never twice, never on a real group's store. Rows are written through the ORM in
one transaction, so every free-text column is encrypted and every row audited, under the
actor ``demo`` (what the trail shows as having recorded them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo.history_data import (
    BEFORE,
    DOWN,
    FIXED_MINUTES,
    GROUPS,
    ITEM_OF_KIND,
    UP,
    C,
    DemoAction,
    DemoGroup,
    DemoRound,
)
from bot.domain.agenda import CANONICAL_AGENDA
from bot.domain.clock import LONDON
from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    Role,
    RoundStatus,
    SubjectKind,
    TurnOutcome,
)
from bot.domain.register import (
    RISK_RANK,
    RiskLevel,
    SubjectEventKind,
    SubjectStatus,
    link_pair,
    may_link,
)
from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import subject_index
from bot.store.db import Store

log = logging.getLogger(__name__)

#: Who the audit trail names for the demo's invented records.
ACTOR = "demo"

#: The Playground's default user in bot/demo/demo_data.json: present only on a demo store.
DEMO_CHAIR_AAD = "00000000-0000-0000-0000-0000000000020"

#: The Playground's channel, linked to Scarborough by the demo data.
DEMO_CHANNEL = "team-id"


def meeting_days(today: date) -> tuple[date, date, date]:
    """The two past meetings (Thursdays four weeks apart, the later two to three weeks
    ago) and the day before the bot when older subjects were last on the tracker."""
    second = today - timedelta(days=14)
    second -= timedelta(days=(second.weekday() - 3) % 7)
    first = second - timedelta(weeks=4)
    return first - timedelta(weeks=6), first, second


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LONDON).astimezone(UTC)


@dataclass(slots=True)
class _Seeding:
    session: AsyncSession
    store: Store
    today: date
    members: dict[str, t.Member] = field(default_factory=dict)
    agencies: dict[str, t.Agency] = field(default_factory=dict)
    strands: dict[str, int] = field(default_factory=dict)
    localities: dict[str, t.Locality] = field(default_factory=dict)


async def seed_demo_history(store: Store, now: datetime) -> bool:
    """Seed the invented history if this is a demo store holding no records yet; True
    when it did. Safe to call at every start (it writes nothing a second time)."""
    try:
        return await _seed_once(store, now)
    except IntegrityError:
        # Another instance on the same store (a second `make run`) seeded it meanwhile.
        log.info("demo history already seeded by another instance")
        return False


async def _seed_once(store: Store, now: datetime) -> bool:
    async with store.transaction(now=now) as session:
        chair = await session.scalar(
            select(t.Member).where(t.Member.aad_object_id == DEMO_CHAIR_AAD)
        )
        if chair is None:
            return False
        for table in (t.Meeting, t.Subject, t.Action):
            if await session.scalar(select(func.count()).select_from(table)):
                return False
        audit.act_as(session, ACTOR)
        seeding = _Seeding(session, store, now.astimezone(LONDON).date())
        seeding.members = {m.name: m for m in await session.scalars(select(t.Member))}
        seeding.agencies = {a.code: a for a in await session.scalars(select(t.Agency))}
        seeding.strands = {s.code: s.id for s in await session.scalars(select(t.Strand))}
        seeding.localities = {loc.code: loc for loc in await session.scalars(select(t.Locality))}
        for group in GROUPS:
            if group.code in seeding.localities:
                await _seed_group(seeding, group)
    log.info("demo history seeded")
    return True


async def _people(
    session: AsyncSession, locality_id: int
) -> tuple[dict[str, list[t.Member]], dict[Role, t.Member]]:
    """The group's members by agency code, and the first member holding each role."""
    rows = (
        await session.execute(
            select(t.Member, t.Agency.code, t.Membership.role)
            .join(t.Membership, t.Membership.member_id == t.Member.id)
            .join(t.Agency, t.Agency.id == t.Member.agency_id)
            .where(t.Membership.locality_id == locality_id)
            .order_by(t.Member.id)
        )
    ).all()
    by_agency: dict[str, list[t.Member]] = {}
    by_role: dict[Role, t.Member] = {}
    for member, code, role in rows:
        if member not in by_agency.setdefault(code, []):
            by_agency[code].append(member)
        by_role.setdefault(Role(role), member)
    return by_agency, by_role


async def _seed_group(s: _Seeding, group: DemoGroup) -> None:
    session = s.session
    locality = s.localities[group.code]
    by_agency, by_role = await _people(session, locality.id)
    chair = by_role.get(Role.CHAIR) or by_role.get(Role.DEPUTY_CHAIR) or by_role[Role.COORDINATOR]
    minute_taker = by_role.get(Role.MINUTE_TAKER) or chair
    before_day, *days = meeting_days(s.today)
    conversation = DEMO_CHANNEL if group.code == "scarborough" else f"demo-{group.code}"

    meetings: list[t.Meeting] = []
    items: list[dict[int, t.AgendaItem]] = []
    for index, day in enumerate(days):
        meeting = t.Meeting(
            locality_id=locality.id,
            conversation_id=conversation,
            status=MeetingStatus.ENDED,
            chair_member_id=chair.id,
            started_at=_at(day, 10),
            ended_at=_at(day, 11, 50),
            current_position=None,
            next_meeting_date=day + timedelta(weeks=4),
            minutes_status=MinutesStatus.DRAFT,
            in_progress_locality_id=None,
        )
        session.add(meeting)
        await session.flush()
        by_position: dict[int, t.AgendaItem] = {}
        for position, template in enumerate(CANONICAL_AGENDA, start=1):
            item = t.AgendaItem(
                meeting_id=meeting.id,
                position=position,
                kind=template.kind,
                title=template.title,
                time_limit_minutes=template.time_limit_minutes,
                status=ItemStatus.DONE,
                started_at=None,
                elapsed_seconds=template.time_limit_minutes * 55,
            )
            session.add(item)
            by_position[position] = item
        meetings.append(meeting)
        items.append(by_position)
        attended: set[str] = set()
        for code, status in [
            *((c, AttendanceStatus.PRESENT) for c in group.present[index]),
            *((c, AttendanceStatus.APOLOGIES) for c in group.apologies[index]),
        ]:
            agency = s.agencies.get(code)
            if agency is None or code in attended:
                continue
            attended.add(code)
            session.add(
                t.Attendance(
                    meeting_id=meeting.id,
                    agency_id=agency.id,
                    status=status,
                    people=", ".join(m.name for m in by_agency.get(code, [])),
                    recorded_by_member_id=minute_taker.id,
                    recorded_at=_at(day, 10, 5),
                )
            )
    await session.flush()
    first, second = meetings
    first.minutes_status = MinutesStatus.AGREED
    first.minutes_agreed_at = _at(days[1], 10, 10)
    first.minutes_agreed_in_meeting_id = second.id

    for index, day in enumerate(days):
        for position, texts in FIXED_MINUTES.items():
            _minute(s, meetings[index], items[index][position], texts[index], minute_taker, day)
        _minute(s, meetings[index], items[index][7], group.intelligence[index], minute_taker, day)

    subjects = await _seed_subjects(
        s, group, locality, chair, minute_taker, meetings, items, before_day, days
    )
    for a_ref, b_ref, why, when in group.links:
        a, b = subjects[a_ref], subjects[b_ref]
        assert may_link(SubjectKind(a.kind), SubjectKind(b.kind)), (a_ref, b_ref)
        low, high = link_pair(a.id, b.id)
        session.add(
            t.SubjectLink(
                subject_a_id=low,
                subject_b_id=high,
                reason=why,
                locality_id=locality.id,
                meeting_id=meetings[when - 1].id,
                member_id=chair.id,
                created_at=_at(days[when - 1], 11),
            )
        )
    for when, ref, text in group.decisions:
        _minute(
            s,
            meetings[when - 1],
            items[when - 1][ITEM_OF_KIND[SubjectKind(subjects[ref].kind)]],
            text,
            minute_taker,
            days[when - 1],
            kind=EntryKind.DECISION,
            subject=subjects[ref],
        )
    for share_round in group.rounds:
        await _round(s, share_round, meetings, items, subjects, by_agency, chair, days)
    for action in group.actions:
        await _action(s, action, locality, meetings, items, subjects, chair, days)


def _minute(
    s: _Seeding,
    meeting: t.Meeting,
    item: t.AgendaItem,
    text: str,
    author: t.Member,
    day: date,
    *,
    kind: EntryKind = EntryKind.MINUTE,
    subject: t.Subject | None = None,
) -> None:
    s.session.add(
        t.MinuteEntry(
            meeting_id=meeting.id,
            item_id=item.id,
            kind=kind,
            text=text,
            subject_id=subject.id if subject else None,
            author_member_id=author.id,
            created_at=_at(day, 10, 30),
        )
    )


async def _seed_subjects(
    s: _Seeding,
    group: DemoGroup,
    locality: t.Locality,
    chair: t.Member,
    minute_taker: t.Member,
    meetings: list[t.Meeting],
    items: list[dict[int, t.AgendaItem]],
    before_day: date,
    days: list[date],
) -> dict[str, t.Subject]:
    session = s.session
    when = [before_day, *days]
    subjects: dict[str, t.Subject] = {}
    positions: dict[tuple[int, int], int] = {}
    for entry in group.subjects:
        known = [i for i, level in enumerate(entry.risks) if level is not None]
        since = min([*known, *entry.seen]) if known or entry.seen else BEFORE
        seen_days = [when[i] for i in entry.seen] or [when[since]]
        current = next((lvl for lvl in reversed(entry.risks) if lvl is not None), None)
        subject = t.Subject(
            locality_id=locality.id,
            kind=entry.kind,
            reference=entry.reference,
            initials=entry.initials,
            reference_index=subject_index(s.store.keys, locality.id, entry.kind, entry.reference),
            created_at=_at(when[since], 11),
            risk_level=current,
            status=entry.status,
            status_reason=entry.status_reason or None,
            lead_agency_id=s.agencies[entry.lead].id if entry.lead in s.agencies else None,
            first_discussed_on=min(seen_days),
            last_discussed_on=max(seen_days),
            checks=entry.checks.to_json() if entry.checks is not None else None,
            updated_at=_at(max(seen_days), 11),
        )
        session.add(subject)
        await session.flush()
        subjects[entry.reference] = subject
        for strand in entry.strands:
            session.add(t.SubjectStrand(subject_id=subject.id, strand_id=s.strands[strand]))
        imported = since == BEFORE
        _event(
            s,
            subject,
            SubjectEventKind.IMPORTED if imported else SubjectEventKind.CREATED,
            None if imported else meetings[since - 1],
            None if imported else chair,
            _at(when[since], 11),
        )
        previous: str | None = None
        for index, level in enumerate(entry.risks):
            if level is None or level == previous:
                continue
            reason = (
                "Rated when first discussed."
                if previous is None
                else UP
                if RISK_RANK[RiskLevel(level)] > RISK_RANK[RiskLevel(previous)]
                else DOWN
            )
            _event(
                s,
                subject,
                SubjectEventKind.RISK,
                meetings[index - 1] if index else None,
                chair if index else None,
                _at(when[index], 11, 5),
                value=level,
                previous=previous or "",
                reason=reason,
            )
            previous = level
        if entry.status is not SubjectStatus.OPEN:
            last = max(entry.seen) if entry.seen else since
            _event(
                s,
                subject,
                SubjectEventKind.STATUS,
                meetings[last - 1] if last else None,
                chair if last else None,
                _at(when[last], 11, 10),
                value=entry.status,
                previous=SubjectStatus.OPEN,
                reason=entry.status_reason,
            )
        position_of = ITEM_OF_KIND[entry.kind]
        for n, meeting_index in enumerate(entry.seen):
            item = items[meeting_index - 1][position_of]
            key = (meeting_index, position_of)
            positions[key] = positions.get(key, 0) + 1
            session.add(
                t.ItemSubject(
                    meeting_id=meetings[meeting_index - 1].id,
                    item_id=item.id,
                    subject_id=subject.id,
                    position=positions[key],
                    status=ItemStatus.DONE,
                    added_by_member_id=chair.id,
                    added_at=_at(when[meeting_index], 9),
                )
            )
            if n < len(entry.notes):
                _minute(
                    s,
                    meetings[meeting_index - 1],
                    item,
                    entry.notes[n],
                    minute_taker,
                    when[meeting_index],
                    subject=subject,
                )
    return subjects


def _event(
    s: _Seeding,
    subject: t.Subject,
    kind: SubjectEventKind,
    meeting: t.Meeting | None,
    member: t.Member | None,
    at: datetime,
    *,
    value: str = "",
    previous: str = "",
    reason: str = "",
) -> None:
    s.session.add(
        t.SubjectEvent(
            subject_id=subject.id,
            kind=kind,
            value=value,
            previous=previous,
            reason=reason,
            meeting_id=meeting.id if meeting else None,
            member_id=member.id if member else None,
            locality_id=subject.locality_id,
            at=at,
        )
    )


async def _round(
    s: _Seeding,
    share_round: DemoRound,
    meetings: list[t.Meeting],
    items: list[dict[int, t.AgendaItem]],
    subjects: dict[str, t.Subject],
    by_agency: dict[str, list[t.Member]],
    chair: t.Member,
    days: list[date],
) -> None:
    """A closed round about one child: every answer kept in order (an agency answering
    twice, two services of one agency), and the challenge raised in it."""
    session = s.session
    meeting = meetings[share_round.meeting - 1]
    day = days[share_round.meeting - 1]
    row = t.ShareRound(
        meeting_id=meeting.id,
        item_id=items[share_round.meeting - 1][ITEM_OF_KIND[C]].id,
        status=RoundStatus.CLOSED,
        opened_by_member_id=chair.id,
        opened_at=_at(day, 10, 40),
        closed_at=_at(day, 10, 58),
        open_meeting_id=None,
        subject_id=subjects[share_round.subject].id,
    )
    session.add(row)
    await session.flush()
    for n, (code, service, outcome, text) in enumerate(share_round.answers):
        who = by_agency.get(code, [])
        session.add(
            t.RoundTurn(
                round_id=row.id,
                agency_id=s.agencies[code].id,
                outcome=outcome,
                text=text,
                service=service or None,
                member_id=who[0].id if who and outcome is not TurnOutcome.NOT_PRESENT else None,
                at=_at(day, 10, 41 + n),
            )
        )
    if share_round.challenge is not None:
        by, to, text, response, status = share_round.challenge
        raiser = by_agency.get(by, [chair])[0]
        responder = by_agency.get(to, [])
        resolved = status == ChallengeStatus.RESOLVED
        session.add(
            t.Challenge(
                locality_id=meeting.locality_id,
                meeting_id=meeting.id,
                round_id=row.id,
                raised_by_member_id=raiser.id,
                raised_by_agency_id=s.agencies[by].id,
                to_agency_id=s.agencies[to].id,
                about=share_round.subject,
                text=text,
                status=status,
                response=response,
                resolution="Agreed in the meeting." if resolved else "",
                responded_by_member_id=responder[0].id if responder and response else None,
                resolved_at=_at(day, 11) if resolved else None,
                created_at=_at(day, 10, 50),
            )
        )


async def _action(
    s: _Seeding,
    action: DemoAction,
    locality: t.Locality,
    meetings: list[t.Meeting],
    items: list[dict[int, t.AgendaItem]],
    subjects: dict[str, t.Subject],
    chair: t.Member,
    days: list[date],
) -> None:
    session = s.session
    owner = s.members[action.owner]
    created = _at(days[action.meeting - 1], 11, 30)
    row = t.Action(
        locality_id=locality.id,
        meeting_id=meetings[action.meeting - 1].id,
        item_id=items[action.meeting - 1][action.item].id,
        description=action.description,
        owner_member_id=owner.id,
        agency_id=owner.agency_id,
        due_date=s.today + timedelta(days=action.due),
        subject_id=subjects[action.subject].id if action.subject else None,
        status=action.status,
        created_by_member_id=chair.id,
        created_at=created,
        updated_at=created,
        escalated_at=_at(s.today - timedelta(days=3), 7, 30) if action.escalated else None,
    )
    session.add(row)
    await session.flush()
    session.add(
        t.ActionEvent(action_id=row.id, kind="created", note="", member_id=chair.id, at=created)
    )
    if action.update:
        at = _at(s.today - timedelta(days=5), 9)
        session.add(
            t.ActionEvent(
                action_id=row.id, kind="update", note=action.update, member_id=owner.id, at=at
            )
        )
        row.updated_at = at
    if action.status is ActionStatus.DONE:
        at = _at(s.today + timedelta(days=action.due), 15)
        session.add(
            t.ActionEvent(action_id=row.id, kind="done", note="", member_id=owner.id, at=at)
        )
        row.updated_at = at


__all__ = ["GROUPS", "seed_demo_history"]
