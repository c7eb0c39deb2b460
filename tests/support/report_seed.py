"""Three years of seven locality groups' records, for the performance report's tests.

Written straight into a demo store with the ORM (meetings, attendance, decisions, actions
with their done and cancelled events, challenges, escalations, subjects with strands and
risk and status events, anonymous ratings), from a seeded random generator so every run
writes the same. Everything is invented: references like CR-0001, no names.

``Seeded`` keeps what was written as plain values, so a test can work out the expected
figures itself in plain Python, without the report's code.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import (
    ActionEventKind,
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    EscalationKind,
    EscalationStatus,
    ItemKind,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    OversightTier,
    RoundStatus,
    SubjectKind,
)
from bot.store import tables as t
from bot.store.crypto import KeyRing, subject_index
from bot.store.db import Store

START = datetime(2023, 11, 20, 10, tzinfo=UTC)
END = datetime(2026, 11, 18, 10, tzinfo=UTC)
RISKS = ("low", "medium", "high", "very_high")
#: Two groups rated rarely in the report's year (April 2025 to March 2026, London): each
#: has fewer than 5 ratings then, so the report must withhold their mean and distribution;
#: together they have 5, so the total of all seven is shown.
FEW_RATINGS = {"craven": 3, "selby": 2}
REPORT_YEAR = (datetime(2025, 3, 31, 23, tzinfo=UTC), datetime(2026, 3, 31, 23, tzinfo=UTC))


@dataclass
class SeedMeeting:
    id: int
    locality: str
    started_at: datetime
    attendance: dict[str, str] = field(default_factory=dict)  # agency code -> status
    decisions: int = 0  # not withdrawn
    withdrawn_decisions: int = 0
    ratings: list[int] = field(default_factory=list)


@dataclass
class SeedAction:
    locality: str
    created_at: datetime
    due_date: date
    status: str
    #: The last done or cancelled event's time (None when open or withdrawn).
    finished_at: datetime | None
    escalated_at: datetime | None


@dataclass
class SeedChallenge:
    locality: str
    created_at: datetime
    status: str
    resolved_at: datetime | None


@dataclass
class SeedEscalation:
    locality: str
    tier: str
    raised_at: datetime
    responded_at: datetime | None
    closed_at: datetime | None


@dataclass
class SeedSubject:
    locality: str
    created_at: datetime
    strands: list[str]
    #: (at, previous, value), in time order: risk and status changes.
    risk_events: list[tuple[datetime, str, str]]
    status_events: list[tuple[datetime, str, str]]
    risk_now: str | None
    status_now: str


@dataclass
class Seeded:
    localities: dict[str, str]  # code -> name
    agencies: dict[str, str]  # code -> name
    strands: dict[str, str]  # code -> label
    meetings: list[SeedMeeting] = field(default_factory=list)
    actions: list[SeedAction] = field(default_factory=list)
    challenges: list[SeedChallenge] = field(default_factory=list)
    escalations: list[SeedEscalation] = field(default_factory=list)
    subjects: list[SeedSubject] = field(default_factory=list)


def _at(rng: random.Random, start: datetime, most_days: int) -> datetime:
    """A time some days after ``start`` (up to ``most_days``), at a working hour."""
    day = start + timedelta(days=rng.randint(0, most_days))
    return day.replace(hour=rng.randint(7, 18), minute=rng.randint(0, 59))


async def seed_report_history(store: Store, *, seed: int = 16, per_meeting: int = 4) -> Seeded:
    """About 25 meetings a group over three years, ``per_meeting`` actions each."""
    rng = random.Random(seed)
    async with store.transaction() as session:
        assert not await session.scalar(select(func.count()).select_from(t.Meeting))
        localities = {row.code: row for row in await session.scalars(select(t.Locality))}
        agencies = {row.code: row for row in await session.scalars(select(t.Agency))}
        strands = {row.code: row for row in await session.scalars(select(t.Strand))}
        member = await session.scalar(select(t.Member).order_by(t.Member.id).limit(1))
        assert member is not None and len(localities) == 7
        # The Operational and Strategic groups: the demo data's, else made here.
        groups = {row.tier: row for row in await session.scalars(select(t.OversightGroup))}
        for tier in OversightTier:
            if tier.value not in groups:
                group = t.OversightGroup(
                    code=f"mace_{tier.value}", name=f"MACE {tier.value}", tier=tier
                )
                session.add(group)
                groups[tier.value] = group
        await session.flush()
        seeded = Seeded(
            {c: loc.name for c, loc in localities.items()},
            {c: a.name for c, a in agencies.items()},
            {c: s.label for c, s in strands.items()},
        )
        reference = 0
        few = dict(FEW_RATINGS)
        for code, locality in sorted(localities.items()):
            when = START + timedelta(days=rng.randint(0, 20))
            while when < END:
                meeting = t.Meeting(
                    locality_id=locality.id,
                    conversation_id=f"19:{code}@thread.tacv2",
                    status=MeetingStatus.ENDED,
                    chair_member_id=member.id,
                    started_at=when,
                    ended_at=when + timedelta(hours=2),
                    minutes_status=MinutesStatus.AGREED,
                )
                session.add(meeting)
                await session.flush()
                item = t.AgendaItem(
                    meeting_id=meeting.id,
                    position=4,
                    kind=ItemKind.CHILDREN,
                    title="Children",
                    time_limit_minutes=30,
                    status=ItemStatus.DONE,
                )
                session.add(item)
                await session.flush()
                round_ = t.ShareRound(
                    meeting_id=meeting.id,
                    item_id=item.id,
                    status=RoundStatus.CLOSED,
                    opened_by_member_id=member.id,
                    opened_at=when,
                    closed_at=when + timedelta(minutes=20),
                )
                session.add(round_)
                await session.flush()
                record = SeedMeeting(meeting.id, code, when)
                for agency_code, agency in agencies.items():
                    roll = rng.random()
                    if roll < 0.15:
                        continue  # not recorded
                    status = (
                        AttendanceStatus.APOLOGIES
                        if roll < 0.3
                        else AttendanceStatus.SUBSTITUTE
                        if roll < 0.4
                        else AttendanceStatus.PRESENT
                    )
                    session.add(
                        t.Attendance(
                            meeting_id=meeting.id,
                            agency_id=agency.id,
                            status=status,
                            people="",
                            recorded_by_member_id=member.id,
                            recorded_at=when,
                        )
                    )
                    record.attendance[agency_code] = status.value
                for _ in range(rng.randint(0, 3)):
                    withdrawn = rng.random() < 0.2
                    session.add(
                        t.MinuteEntry(
                            meeting_id=meeting.id,
                            item_id=item.id,
                            kind=EntryKind.DECISION if rng.random() < 0.7 else EntryKind.MINUTE,
                            text="Agreed to refer CR-0001 to the hub.",
                            author_member_id=member.id,
                            created_at=when,
                            withdrawn_at=when + timedelta(minutes=5) if withdrawn else None,
                        )
                    )
                    await session.flush()
                for entry in await session.scalars(
                    select(t.MinuteEntry).where(
                        t.MinuteEntry.meeting_id == meeting.id,
                        t.MinuteEntry.kind == EntryKind.DECISION,
                    )
                ):
                    if entry.withdrawn_at is None:
                        record.decisions += 1
                    else:
                        record.withdrawn_decisions += 1
                for _ in range(per_meeting):
                    created = when + timedelta(minutes=rng.randint(10, 100))
                    due = (created + timedelta(days=rng.randint(7, 60))).date()
                    roll = rng.random()
                    status = (
                        ActionStatus.WITHDRAWN
                        if roll < 0.05
                        else ActionStatus.CANCELLED
                        if roll < 0.12
                        else ActionStatus.OPEN
                        if roll < 0.35
                        else ActionStatus.DONE
                    )
                    finished = None
                    if status in (ActionStatus.DONE, ActionStatus.CANCELLED):
                        finished = _at(rng, created, 90)
                    escalated = _at(rng, created, 80) if rng.random() < 0.15 else None
                    action = t.Action(
                        locality_id=locality.id,
                        meeting_id=meeting.id,
                        item_id=item.id,
                        description="Check school attendance for CR-0001.",
                        owner_member_id=member.id,
                        agency_id=rng.choice(list(agencies.values())).id,
                        due_date=due,
                        status=status,
                        created_by_member_id=member.id,
                        created_at=created,
                        updated_at=finished or created,
                        escalated_at=escalated,
                    )
                    session.add(action)
                    await session.flush()
                    session.add(
                        t.ActionEvent(
                            action_id=action.id,
                            kind=ActionEventKind.CREATED,
                            member_id=member.id,
                            at=created,
                        )
                    )
                    if finished is not None:
                        kind = (
                            ActionEventKind.DONE
                            if status == ActionStatus.DONE
                            else ActionEventKind.CANCELLED
                        )
                        if rng.random() < 0.1:  # done twice: the last one counts
                            session.add(
                                t.ActionEvent(
                                    action_id=action.id,
                                    kind=kind,
                                    member_id=member.id,
                                    at=finished - timedelta(days=3),
                                )
                            )
                        session.add(
                            t.ActionEvent(
                                action_id=action.id, kind=kind, member_id=member.id, at=finished
                            )
                        )
                    seeded.actions.append(
                        SeedAction(code, created, due, status.value, finished, escalated)
                    )
                for _ in range(rng.randint(0, 2)):
                    status = rng.choice(list(ChallengeStatus))
                    resolved = _at(rng, when, 70) if status == ChallengeStatus.RESOLVED else None
                    session.add(
                        t.Challenge(
                            locality_id=locality.id,
                            meeting_id=meeting.id,
                            round_id=round_.id,
                            raised_by_member_id=member.id,
                            raised_by_agency_id=agencies["police"].id,
                            text="Why was CR-0001 not referred?",
                            status=status,
                            resolved_at=resolved,
                            created_at=when,
                        )
                    )
                    seeded.challenges.append(SeedChallenge(code, when, status.value, resolved))
                if rng.random() < 0.5:
                    tier = rng.choice(list(OversightTier)).value
                    raised = when + timedelta(hours=1)
                    responded = _at(rng, raised, 50) if rng.random() < 0.7 else None
                    closed = (
                        responded + timedelta(days=rng.randint(1, 30))
                        if responded and rng.random() < 0.5
                        else None
                    )
                    status = (
                        EscalationStatus.CLOSED
                        if closed
                        else EscalationStatus.RESPONDED
                        if responded
                        else EscalationStatus.OPEN
                    )
                    session.add(
                        t.Escalation(
                            locality_id=locality.id,
                            group_id=groups[tier].id,
                            kind=EscalationKind.SUBJECT,
                            meeting_id=meeting.id,
                            what="CR-0001 is still missing.",
                            why="No placement found.",
                            raised_by_member_id=member.id,
                            raised_at=raised,
                            status=status,
                            responded_at=responded,
                            closed_at=closed,
                        )
                    )
                    seeded.escalations.append(SeedEscalation(code, tier, raised, responded, closed))
                rated = rng.randint(0, 8)
                if code in few and REPORT_YEAR[0] <= when < REPORT_YEAR[1]:
                    rated = min(max(rated, 1), few[code])
                    few[code] -= rated
                for _ in range(rated):
                    score = rng.choices((1, 2, 3, 4, 5), weights=(1, 1, 3, 6, 6))[0]
                    session.add(
                        t.MeetingRating(
                            id=secrets.token_hex(16),
                            meeting_id=meeting.id,
                            rating=score,
                            comment="Useful meeting." if rng.random() < 0.3 else None,
                            rated_on=when.date(),
                        )
                    )
                    record.ratings.append(score)
                for _ in range(rng.randint(0, 2)):
                    reference += 1
                    seeded.subjects.append(
                        await _subject(
                            session, store.keys, rng, locality, code, strands, when, reference
                        )
                    )
                seeded.meetings.append(record)
                await session.flush()
                when += timedelta(days=rng.randint(35, 49))
    return seeded


async def _subject(
    session: AsyncSession,
    ring: KeyRing,
    rng: random.Random,
    locality: t.Locality,
    code: str,
    strands: dict[str, t.Strand],
    when: datetime,
    number: int,
) -> SeedSubject:
    reference = f"CR-{number:04d}"
    kind = SubjectKind.CHILD
    risk: str | None = None
    status = "open"
    risk_events: list[tuple[datetime, str, str]] = []
    status_events: list[tuple[datetime, str, str]] = []
    moment = when
    for _ in range(rng.randint(0, 4)):
        moment = _at(rng, moment + timedelta(days=1), 120)
        value = rng.choice(RISKS)
        risk_events.append((moment, risk or "", value))
        risk = value
    if rng.random() < 0.3:
        closed = _at(rng, when + timedelta(days=30), 400)
        status_events.append((closed, "open", "closed"))
        status = "closed"
        if rng.random() < 0.3:
            reopened = closed + timedelta(days=rng.randint(10, 90))
            status_events.append((reopened, "closed", "open"))
            status = "open"
    subject = t.Subject(
        locality_id=locality.id,
        kind=kind,
        reference=reference,
        initials="AB",
        reference_index=subject_index(ring, locality.id, kind, reference),
        created_at=when,
        risk_level=risk,
        status=status,
    )
    session.add(subject)
    await session.flush()
    chosen = rng.sample(sorted(strands), rng.randint(0, 2))
    for strand_code in chosen:
        session.add(t.SubjectStrand(subject_id=subject.id, strand_id=strands[strand_code].id))
    for kind_name, events in (("risk", risk_events), ("status", status_events)):
        for at, previous, value in events:
            session.add(
                t.SubjectEvent(
                    subject_id=subject.id,
                    kind=kind_name,
                    value=value,
                    previous=previous,
                    reason="",
                    locality_id=locality.id,
                    at=at,
                )
            )
    return SeedSubject(
        code,
        when,
        [strands[c].label for c in chosen],
        risk_events,
        status_events,
        risk,
        status,
    )
