"""The locality dashboard's data (issue 17): the report's figures for one group and period,
read by the report's own code (``report_figures``), and the few reads the report has no
figure for, each one statement: open and overdue actions by agency today, the last
meetings held and their attendance by agency. The month-by-month series is drawn from the
same action counts as the report's (counted once, by month, and given to
``report_figures``).

Who may see it: the report's rule (``reportable_groups``): ``Permission.REPORT`` in that
group, i.e. its coordinators. Anyone else, and any code that is not one of their groups
(whether or not it exists), is refused alike, and the refusal is audited; every view is
audited, per group, with its period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import LONDON, Clock, london_today
from bot.domain.dashboard import (
    ATTENDANCE_MEETINGS,
    AgencyActions,
    Dashboard,
    month_periods,
    monthly,
)
from bot.domain.errors import NotPermitted
from bot.domain.model import ActionStatus, AttendanceStatus, MeetingStatus
from bot.domain.permissions import Permission
from bot.domain.report import (
    TOTAL,
    AgencyAttendance,
    PerformanceReport,
    ReportPeriod,
    agency_group,
)
from bot.services.context import ActorRef
from bot.services.report import ReportGroup, report_figures, reportable_groups
from bot.services.report_actions import action_counts
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

DASHBOARD_REFUSED = (
    "Sorry, this dashboard is for the coordinators of a locality group, and only for "
    "their own groups. If you think you should have it, ask the MACE coordinator for "
    "your locality."
)

_ATTENDED = (AttendanceStatus.PRESENT.value, AttendanceStatus.SUBSTITUTE.value)
_GROUP_ORDER = {"key": 0, "school": 1, "other": 2}


class DashboardService:
    def __init__(self, store: Store, clock: Clock, key_agencies: Sequence[str]) -> None:
        self.store = store
        self.clock = clock
        self.key_agencies = tuple(key_agencies)

    async def groups(self, actor: ActorRef) -> list[ReportGroup]:
        """The groups whose dashboard ``actor`` may see; refused (and audited) if none."""
        async with self.store.reading() as session:
            groups = await reportable_groups(session, actor)
            if not groups:
                raise NotPermitted(DASHBOARD_REFUSED, attempted=Permission.REPORT.value)
            return groups

    async def open_to(self, actor: ActorRef) -> list[ReportGroup]:
        """The groups whose dashboard ``actor`` may open, none for anyone else, by the
        same rule as ``groups``. Not a refusal: a page that only offers dashboards (the
        locality tab's choices) asked for none, so nothing is audited."""
        async with self.store.reading() as session:
            return await reportable_groups(session, actor)

    async def check(self, actor: ActorRef, code: str) -> None:
        """Refuses, as ``for_member`` would, without reading a figure (before a page says
        what was wrong with the period asked for)."""
        async with self.store.reading() as session:
            await _chosen(session, actor, code)

    async def for_member(self, actor: ActorRef, code: str, period: ReportPeriod) -> Dashboard:
        """One group's dashboard, by its code, for the period."""
        async with self.store.reading() as session:
            group = await _chosen(session, actor, code)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "dashboard",
                locality_id=group.id,
                detail=f"dashboard {period.start.isoformat()} to {period.end.isoformat()}",
            )
            return await self._dashboard(session, group, period)

    async def _dashboard(
        self, session: AsyncSession, group: ReportGroup, period: ReportPeriod
    ) -> Dashboard:
        today = london_today(self.clock)
        by_month = await action_counts(session, [group.id], period, month_periods(period))
        figures = await report_figures(session, [group.id], period, self.key_agencies, by_month)
        # Built as the report is, so its ratings are withheld by the same rule.
        report = PerformanceReport(
            period=period,
            generated_at=self.clock.now(),
            localities=(figures.locality(group.id, group.name, group.code),),
            total=figures.locality(None, TOTAL, ""),
        )
        names = {agency_id: name for agency_id, _code, name in figures.agencies}
        meetings = await _last_meetings(session, group.id)
        return Dashboard(
            locality=group.name,
            code=group.code,
            period=period,
            today=today,
            figures=report.localities[0],
            by_agency=await _open_by_agency(session, group.id, today, names),
            months=monthly(by_month.buckets, period),
            attendance=await _attendance(session, meetings, figures.agencies, self.key_agencies),
            meetings=len(meetings),
            first_meeting=min(meetings.values()) if meetings else None,
            last_meeting=max(meetings.values()) if meetings else None,
        )


async def _chosen(session: AsyncSession, actor: ActorRef, code: str) -> ReportGroup:
    """The group of that code, if it is one of the actor's to report on; else refused (the
    same whether the code exists or not)."""
    wanted = code.strip().lower()
    for group in await reportable_groups(session, actor):
        if group.code.lower() == wanted:
            return group
    raise NotPermitted(DASHBOARD_REFUSED, attempted=Permission.REPORT.value)


async def _open_by_agency(
    session: AsyncSession, locality_id: int, today: date, names: dict[int, str]
) -> tuple[AgencyActions, ...]:
    """Open actions today, and of them those overdue (due before today), by agency, in
    the agencies' order."""
    overdue = func.sum(case((t.Action.due_date < today, 1), else_=0))
    counted = {
        agency_id: (int(n), int(late or 0))
        for agency_id, n, late in await session.execute(
            select(t.Action.agency_id, func.count(), overdue)
            .where(t.Action.locality_id == locality_id, t.Action.status == ActionStatus.OPEN)
            .group_by(t.Action.agency_id)
        )
    }
    return tuple(
        AgencyActions(name, *counted[agency_id])
        for agency_id, name in names.items()
        if agency_id in counted
    )


async def _last_meetings(session: AsyncSession, locality_id: int) -> dict[int, date]:
    """The group's last meetings held (ended), newest first: id and day."""
    rows = await session.execute(
        select(t.Meeting.id, t.Meeting.started_at)
        .where(t.Meeting.locality_id == locality_id, t.Meeting.status == MeetingStatus.ENDED)
        .order_by(t.Meeting.started_at.desc(), t.Meeting.id.desc())
        .limit(ATTENDANCE_MEETINGS)
    )
    return {meeting_id: started.astimezone(LONDON).date() for meeting_id, started in rows}


async def _attendance(
    session: AsyncSession,
    meetings: dict[int, date],
    agencies: list[tuple[int, str, str]],
    key_codes: tuple[str, ...],
) -> tuple[AgencyAttendance, ...]:
    """Each agency's attendance over those meetings, counted and grouped as the report
    counts attendance (present or by a substitute; apologies; the rest not recorded)."""
    if not meetings:
        return ()
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for agency_id, status, n in await session.execute(
        select(t.Attendance.agency_id, t.Attendance.status, func.count())
        .where(t.Attendance.meeting_id.in_(list(meetings)))
        .group_by(t.Attendance.agency_id, t.Attendance.status)
    ):
        counts[(agency_id, status)] += n
    held = len(meetings)
    listed = [
        AgencyAttendance(
            name,
            agency_group(code, name, key_codes),
            sum(counts.get((agency_id, s), 0) for s in _ATTENDED),
            counts.get((agency_id, AttendanceStatus.APOLOGIES.value), 0),
            held,
        )
        for agency_id, code, name in agencies
    ]
    listed.sort(key=lambda a: _GROUP_ORDER[a.group])
    return tuple(listed)
