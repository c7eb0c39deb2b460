"""The performance report's figures, read from the store (what each one counts:
``bot.domain.report``).

One statement per family of figures (meetings, attendance, decisions, actions,
challenges, escalations, subjects and their risk, ratings), each over every locality in
the report at once: the counts that SQL can group are grouped there (actions: by the
places of their moments in the period, bot.services.report_actions), and only what needs
a median or a state at the period's end comes back as narrow rows (ids, dates, coded
values; never free text).

Who may have it: a member with ``Permission.REPORT`` (coordinators) in a group, for that
group; the command line (``mace-bot report``) for any group, as the operator. Every
report is audited as an export, per group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.errors import NotPermitted
from bot.domain.filters import FilterError
from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    OversightTier,
    Role,
)
from bot.domain.permissions import Permission, permitted
from bot.domain.register import SubjectEventKind, SubjectStatus
from bot.domain.report import (
    NO_STRAND,
    RISK_COLUMNS,
    TOTAL,
    ActionFigures,
    AgencyAttendance,
    EscalationFigures,
    LocalityFigures,
    PerformanceReport,
    RatingFigures,
    ReportPeriod,
    SubjectFigures,
    agency_group,
    median_days,
    risk_change,
    risk_column,
)
from bot.services.context import ActorRef, find_member_and_groups
from bot.services.report_actions import ActionCounts, action_counts
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

_ATTENDED = (AttendanceStatus.PRESENT.value, AttendanceStatus.SUBSTITUTE.value)
_FINISHED = (ActionStatus.DONE.value, ActionStatus.CANCELLED.value)

REPORT_REFUSED = (
    "Sorry, the performance report is for the coordinators of a locality group. If you "
    "think you should have it, ask the MACE coordinator for your locality."
)

#: Figures keyed by locality id; ``None`` is every locality together.
Key = int | None


@dataclass(frozen=True, slots=True)
class ReportGroup:
    """A locality group the report (or the dashboard) may be read for."""

    id: int
    code: str
    name: str


def _days_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


class ReportService:
    def __init__(self, store: Store, clock: Clock, key_agencies: Sequence[str]) -> None:
        self.store = store
        self.clock = clock
        self.key_agencies = tuple(key_agencies)

    async def for_member(
        self, actor: ActorRef, period: ReportPeriod, locality: str | None
    ) -> PerformanceReport:
        """The report of the groups where ``actor`` may have it (one, if ``locality``
        names one by name or code). Refused to anyone with no such group."""
        async with self.store.reading() as session:
            chosen = await self._allowed(session, actor, locality)
            return await self._report(session, chosen, period)

    async def check(self, actor: ActorRef, locality: str | None) -> None:
        """Refuses, as ``for_member`` would, before a card offers the report's page:
        without reading a figure."""
        async with self.store.reading() as session:
            await self._allowed(session, actor, locality)

    async def _allowed(
        self, session: AsyncSession, actor: ActorRef, locality: str | None
    ) -> list[ReportGroup]:
        chosen = await reportable_groups(session, actor)
        if not chosen:
            # Audited as a refusal when the read ends (``Store.reading``).
            raise NotPermitted(REPORT_REFUSED, attempted=Permission.REPORT.value)
        return _named(chosen, locality) if locality else chosen

    async def for_operator(self, period: ReportPeriod, locality: str | None) -> PerformanceReport:
        """The command line's report: every group, or the one whose code is given."""
        async with self.store.reading() as session:
            audit.act_as(session.sync_session, audit.operator())
            chosen = await _groups(session, None)
            if locality:
                chosen = _named(chosen, locality)
            return await self._report(session, chosen, period)

    async def _report(
        self, session: AsyncSession, groups: list[ReportGroup], period: ReportPeriod
    ) -> PerformanceReport:
        for group in groups:
            audit.note(
                session,
                audit.AuditAction.EXPORT,
                "report",
                locality_id=group.id,
                detail=f"report {period.start.isoformat()} to {period.end.isoformat()}",
            )
        ids = [g.id for g in groups]
        figures = await report_figures(session, ids, period, self.key_agencies)
        localities = tuple(figures.locality(g.id, g.name, g.code) for g in groups)
        return PerformanceReport(
            period=period,
            generated_at=self.clock.now(),
            localities=localities,
            total=figures.locality(None, TOTAL, ""),
        )


async def reportable_groups(session: AsyncSession, actor: ActorRef) -> list[ReportGroup]:
    """The groups where ``actor`` holds ``Permission.REPORT`` (coordinators), by name:
    the one rule for the report and the dashboard (bot.services.dashboard). None for
    anyone else, a stranger included."""
    member, groups = await find_member_and_groups(session, actor)
    if member is None:
        return []
    roles: dict[int, set[Role]] = defaultdict(set)
    for locality_id, role in groups:
        roles[locality_id].add(Role(role))
    allowed = {
        locality_id for locality_id, held in roles.items() if permitted(held, Permission.REPORT)
    }
    return await _groups(session, allowed) if allowed else []


async def _groups(session: AsyncSession, ids: set[int] | None) -> list[ReportGroup]:
    query = select(t.Locality.id, t.Locality.code, t.Locality.name).order_by(t.Locality.name)
    if ids is not None:
        query = query.where(t.Locality.id.in_(ids))
    return [ReportGroup(r.id, r.code, r.name) for r in await session.execute(query)]


def _named(groups: list[ReportGroup], words: str) -> list[ReportGroup]:
    wanted = words.strip().lower()
    found = [g for g in groups if wanted in (g.code.lower(), g.name.lower())]
    if not found:
        found = [g for g in groups if g.name.lower().startswith(wanted)]
    if len(found) != 1:
        names = ", ".join(g.name for g in groups)
        raise FilterError(
            f"I do not know a group called that. The groups you may report on: {names}."
        )
    return found


# --- the figures ----------------------------------------------------------------------


class _Tally:
    """Counts kept for each locality and for all of them together."""

    def __init__(self) -> None:
        self.counts: dict[Key, int] = defaultdict(int)

    def add(self, locality_id: int, n: int = 1) -> None:
        self.counts[locality_id] += n
        self.counts[None] += n

    def __getitem__(self, key: Key) -> int:
        return self.counts.get(key, 0)


class _Lists:
    def __init__(self) -> None:
        self.values: dict[Key, list[float]] = defaultdict(list)

    def add(self, locality_id: int, value: float, times: int = 1) -> None:
        self.values[locality_id].extend([value] * times)
        self.values[None].extend([value] * times)

    def median(self, key: Key) -> float | None:
        return median_days(self.values.get(key, []))


@dataclass
class ReportFigures:
    """Every family's figures for the localities read, kept by locality id (and ``None``
    for all of them): ``locality`` draws one locality's, or the total."""

    meetings: _Tally
    agencies: list[tuple[int, str, str]]
    attendance: dict[tuple[Key, int, str], int]
    decisions: _Tally
    actions: dict[str, _Tally]
    days_to_close: _Lists
    challenges: dict[str, _Tally]
    escalations: dict[str, _Tally]
    days_to_respond: _Lists
    strands: list[str]
    by_strand: dict[tuple[Key, str, int], int]
    by_risk: dict[tuple[Key, int], int]
    risk_changes: dict[str, _Tally]
    ratings: dict[tuple[Key, int], int]
    key_codes: tuple[str, ...]

    def locality(self, key: Key, name: str, code: str) -> LocalityFigures:
        held = self.meetings[key]
        attendance = []
        for agency_id, agency_code, agency_name in self.agencies:
            attended = sum(self.attendance.get((key, agency_id, s), 0) for s in _ATTENDED)
            apologies = self.attendance.get((key, agency_id, AttendanceStatus.APOLOGIES), 0)
            group = agency_group(agency_code, agency_name, self.key_codes)
            attendance.append(AgencyAttendance(agency_name, group, attended, apologies, held))
        order = {"key": 0, "school": 1, "other": 2}
        attendance.sort(key=lambda a: order[a.group])  # stable: agencies' own order within
        a = self.actions
        e = self.escalations
        columns = range(len(RISK_COLUMNS))
        strands = tuple(
            (strand, tuple(self.by_strand.get((key, strand, c), 0) for c in columns))
            for strand in self.strands
            if any(self.by_strand.get((key, strand, c), 0) for c in columns)
        )
        return LocalityFigures(
            name=name,
            code=code,
            meetings_held=held,
            attendance=tuple(attendance),
            actions=ActionFigures(
                opened=a["opened"][key],
                closed=a["closed"][key],
                closed_on_time=a["on_time"][key],
                overdue_at_end=a["overdue"][key],
                escalated=a["escalated"][key],
                median_days_to_close=self.days_to_close.median(key),
            ),
            decisions=self.decisions[key],
            challenges_raised=self.challenges["raised"][key],
            challenges_resolved=self.challenges["resolved"][key],
            escalations=EscalationFigures(
                raised=e["raised"][key],
                to_operational=e[OversightTier.OPERATIONAL][key],
                to_strategic=e[OversightTier.STRATEGIC][key],
                responded=e["responded"][key],
                median_days_to_respond=self.days_to_respond.median(key),
                awaiting_at_end=e["awaiting"][key],
            ),
            subjects=SubjectFigures(
                by_strand=strands,
                by_risk=tuple(self.by_risk.get((key, c), 0) for c in columns),
                first_rated=self.risk_changes["first"][key],
                raised=self.risk_changes["raised"][key],
                lowered=self.risk_changes["lowered"][key],
            ),
            ratings=RatingFigures(
                (
                    self.ratings.get((key, 1), 0),
                    self.ratings.get((key, 2), 0),
                    self.ratings.get((key, 3), 0),
                    self.ratings.get((key, 4), 0),
                    self.ratings.get((key, 5), 0),
                )
            ),
        )


def _tallies(*names: str) -> dict[str, _Tally]:
    return {name: _Tally() for name in names}


def _grouped(rows: Iterable[Sequence[object]]) -> dict[tuple[Key, int, str], int]:
    """(locality, a, b, n) rows as counts per locality and for all together."""
    out: dict[tuple[Key, int, str], int] = defaultdict(int)
    for locality_id, first, second, n in rows:
        assert isinstance(locality_id, int) and isinstance(first, int)
        assert isinstance(n, int)
        out[(locality_id, first, str(second))] += n
        out[(None, first, str(second))] += n
    return out


async def report_figures(
    session: AsyncSession,
    locality_ids: Sequence[int],
    period: ReportPeriod,
    key_codes: Sequence[str],
    actions: ActionCounts | None = None,
) -> ReportFigures:
    """Every figure of the report for these localities, one statement per family.
    ``actions``: the period's ``action_counts`` when the caller has counted them already
    (the dashboard, by month, to draw them month by month too), so they are read once."""
    lo, hi = period.bounds()
    ids = list(locality_ids)
    held = and_(
        t.Meeting.locality_id.in_(ids), t.Meeting.started_at >= lo, t.Meeting.started_at < hi
    )

    # Meetings held.
    meetings = _Tally()
    for locality_id, n in await session.execute(
        select(t.Meeting.locality_id, func.count()).where(held).group_by(t.Meeting.locality_id)
    ):
        meetings.add(locality_id, n)

    # Attendance by agency, in the meetings held.
    agencies = [
        (r.id, r.code, r.name)
        for r in await session.execute(
            select(t.Agency.id, t.Agency.code, t.Agency.name).order_by(
                t.Agency.sort_order, t.Agency.name
            )
        )
    ]
    attendance = _grouped(
        await session.execute(
            select(t.Meeting.locality_id, t.Attendance.agency_id, t.Attendance.status, func.count())
            .select_from(t.Attendance)
            .join(t.Meeting, t.Meeting.id == t.Attendance.meeting_id)
            .where(held)
            .group_by(t.Meeting.locality_id, t.Attendance.agency_id, t.Attendance.status)
        )
    )

    # Decisions recorded in the meetings held (withdrawn entries are not counted).
    decisions = _Tally()
    for locality_id, n in await session.execute(
        select(t.Meeting.locality_id, func.count())
        .select_from(t.MinuteEntry)
        .join(t.Meeting, t.Meeting.id == t.MinuteEntry.meeting_id)
        .where(held, t.MinuteEntry.kind == EntryKind.DECISION, t.MinuteEntry.withdrawn_at.is_(None))
        .group_by(t.Meeting.locality_id)
    ):
        decisions.add(locality_id, n)

    if actions is None:
        actions = await action_counts(session, ids, period)
    action_tallies, days_to_close = _actions(actions)
    challenges = await _challenges(session, ids, lo, hi)
    escalations, days_to_respond = await _escalations(session, ids, lo, hi)
    strands, by_strand, by_risk, risk_changes = await _subjects(session, ids, lo, hi)

    # The meetings' evaluation: anonymous ratings of the meetings held.
    ratings: dict[tuple[Key, int], int] = defaultdict(int)
    for locality_id, rating, n in await session.execute(
        select(t.Meeting.locality_id, t.MeetingRating.rating, func.count())
        .select_from(t.MeetingRating)
        .join(t.Meeting, t.Meeting.id == t.MeetingRating.meeting_id)
        .where(held)
        .group_by(t.Meeting.locality_id, t.MeetingRating.rating)
    ):
        ratings[(locality_id, rating)] += n
        ratings[(None, rating)] += n

    return ReportFigures(
        meetings=meetings,
        agencies=agencies,
        attendance=attendance,
        decisions=decisions,
        actions=action_tallies,
        days_to_close=days_to_close,
        challenges=challenges,
        escalations=escalations,
        days_to_respond=days_to_respond,
        strands=strands,
        by_strand=by_strand,
        by_risk=by_risk,
        risk_changes=risk_changes,
        ratings=ratings,
        key_codes=tuple(key_codes),
    )


def _actions(counts: ActionCounts) -> tuple[dict[str, _Tally], _Lists]:
    """Opened, closed (on time), overdue at the end, escalated; days to close."""
    tallies = _tallies("opened", "closed", "on_time", "overdue", "escalated")
    days = _Lists()
    parts = counts.parts
    for b in counts.buckets:
        if b.raised >= 0:
            tallies["opened"].add(b.locality_id, b.count)
        if b.escalated:
            tallies["escalated"].add(b.locality_id, b.count)
        finished_in = b.finished is not None and 0 <= b.finished < parts
        if b.status == ActionStatus.DONE and finished_in:
            tallies["closed"].add(b.locality_id, b.count)
        still_open = b.finished is None or b.finished >= parts
        if still_open and b.due < parts:
            tallies["overdue"].add(b.locality_id, b.count)
    for c in counts.closings:
        if c.on_time:
            tallies["on_time"].add(c.locality_id, c.count)
        days.add(c.locality_id, c.days, c.count)
    return tallies, days


async def _challenges(
    session: AsyncSession, ids: list[int], lo: datetime, hi: datetime
) -> dict[str, _Tally]:
    tallies = _tallies("raised", "resolved")
    raised = case((and_(t.Challenge.created_at >= lo, t.Challenge.created_at < hi), 1), else_=0)
    resolved = case(
        (
            and_(
                t.Challenge.status == ChallengeStatus.RESOLVED,
                t.Challenge.resolved_at >= lo,
                t.Challenge.resolved_at < hi,
            ),
            1,
        ),
        else_=0,
    )
    for locality_id, n_raised, n_resolved in await session.execute(
        select(t.Challenge.locality_id, func.sum(raised), func.sum(resolved))
        .where(
            t.Challenge.locality_id.in_(ids),
            t.Challenge.created_at < hi,
            or_(t.Challenge.created_at >= lo, t.Challenge.resolved_at >= lo),
        )
        .group_by(t.Challenge.locality_id)
    ):
        tallies["raised"].add(locality_id, int(n_raised or 0))
        tallies["resolved"].add(locality_id, int(n_resolved or 0))
    return tallies


async def _escalations(
    session: AsyncSession, ids: list[int], lo: datetime, hi: datetime
) -> tuple[dict[str, _Tally], _Lists]:
    tallies = _tallies(
        "raised", OversightTier.OPERATIONAL, OversightTier.STRATEGIC, "responded", "awaiting"
    )
    days = _Lists()
    rows = await session.execute(
        select(
            t.Escalation.locality_id,
            t.OversightGroup.tier,
            t.Escalation.raised_at,
            t.Escalation.responded_at,
            t.Escalation.closed_at,
        )
        .select_from(t.Escalation)
        .join(t.OversightGroup, t.OversightGroup.id == t.Escalation.group_id)
        .where(
            t.Escalation.locality_id.in_(ids),
            t.Escalation.raised_at < hi,
            or_(
                t.Escalation.raised_at >= lo,
                t.Escalation.responded_at.is_(None),
                t.Escalation.responded_at >= lo,
            ),
        )
    )
    for locality_id, tier, raised_at, responded_at, closed_at in rows:
        if raised_at >= lo:
            tallies["raised"].add(locality_id)
            if tier in (OversightTier.OPERATIONAL, OversightTier.STRATEGIC):
                tallies[tier].add(locality_id)
        if responded_at is not None and lo <= responded_at < hi:
            tallies["responded"].add(locality_id)
            days.add(locality_id, _days_between(raised_at, responded_at))
        if (responded_at is None or responded_at >= hi) and (closed_at is None or closed_at >= hi):
            tallies["awaiting"].add(locality_id)
    return tallies, days


def _state_at_end(
    events: Sequence[tuple[datetime, int, str, str]], current: str | None, hi: datetime
) -> str | None:
    """A subject's risk (or status) at the period's end: the last change before it; else
    what the first later change changed from; else what it is now."""
    before = [e for e in events if e[0] < hi]
    if before:
        return max(before)[2]
    if events:
        return min(events)[3] or None
    return current


async def _subjects(
    session: AsyncSession, ids: list[int], lo: datetime, hi: datetime
) -> tuple[
    list[str],
    dict[tuple[Key, str, int], int],
    dict[tuple[Key, int], int],
    dict[str, _Tally],
]:
    """Subjects on the register at the period's end by strand and risk; risk changes."""
    subjects = {
        r.id: r
        for r in await session.execute(
            select(
                t.Subject.id, t.Subject.locality_id, t.Subject.risk_level, t.Subject.status
            ).where(t.Subject.locality_id.in_(ids), t.Subject.created_at < hi)
        )
    }
    history: dict[tuple[int, str], list[tuple[datetime, int, str, str]]] = defaultdict(list)
    changes = _tallies("first", "raised", "lowered")
    for event in await session.execute(
        select(
            t.SubjectEvent.id,
            t.SubjectEvent.subject_id,
            t.SubjectEvent.locality_id,
            t.SubjectEvent.kind,
            t.SubjectEvent.value,
            t.SubjectEvent.previous,
            t.SubjectEvent.at,
        ).where(
            t.SubjectEvent.kind.in_((SubjectEventKind.RISK, SubjectEventKind.STATUS)),
            or_(
                t.SubjectEvent.locality_id.in_(ids),
                t.SubjectEvent.subject_id.in_(
                    select(t.Subject.id).where(t.Subject.locality_id.in_(ids))
                ),
            ),
        )
    ):
        history[(event.subject_id, event.kind)].append(
            (event.at, event.id, event.value, event.previous)
        )
        if event.kind == SubjectEventKind.RISK and event.locality_id in ids and lo <= event.at < hi:
            change = risk_change(event.previous, event.value)
            if change:
                changes[change].add(event.locality_id)
    strand_rows = await session.execute(
        select(t.SubjectStrand.subject_id, t.Strand.label)
        .select_from(t.SubjectStrand)
        .join(t.Strand, t.Strand.id == t.SubjectStrand.strand_id)
        .join(t.Subject, t.Subject.id == t.SubjectStrand.subject_id)
        .where(t.Subject.locality_id.in_(ids), t.Subject.created_at < hi)
    )
    strands_of: dict[int, list[str]] = defaultdict(list)
    for subject_id, label in strand_rows:
        strands_of[subject_id].append(label)
    order = [
        label
        for (label,) in await session.execute(
            select(t.Strand.label).order_by(t.Strand.sort_order, t.Strand.label)
        )
    ]
    by_strand: dict[tuple[Key, str, int], int] = defaultdict(int)
    by_risk: dict[tuple[Key, int], int] = defaultdict(int)
    for subject_id, row in subjects.items():
        status = _state_at_end(
            history.get((subject_id, SubjectEventKind.STATUS), []), row.status, hi
        )
        if status == SubjectStatus.CLOSED:
            continue
        risk = _state_at_end(
            history.get((subject_id, SubjectEventKind.RISK), []), row.risk_level, hi
        )
        column = risk_column(risk)
        for key in (row.locality_id, None):
            by_risk[(key, column)] += 1
            for label in strands_of.get(subject_id) or [NO_STRAND]:
                by_strand[(key, label, column)] += 1
    return [*order, NO_STRAND], by_strand, by_risk, changes
