"""The locality dashboard (issue 17): the report's figures for a period, and what a page
draws beside them: open and overdue actions by agency today, the same month by month over
the period, and attendance by agency over the last meetings held.

Every figure the report also gives is the report's own (``LocalityFigures``, from
bot.services.report); what is added here counts the same way: a month's "open at its end"
and "overdue at its end" are the report's "overdue at the period's end" with the month as
the period, so the last month of a period ending on a month's last day, or on today, says
what the report says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.filters import FilterError
from bot.domain.model import ActionStatus
from bot.domain.report import (
    ActionBucket,
    AgencyAttendance,
    LocalityFigures,
    ReportPeriod,
    parse_report_words,
)

#: The dashboard's period when none is chosen.
DEFAULT_PERIOD = "last 12 months"
#: Attendance is shown over this many of the group's last meetings held.
ATTENDANCE_MEETINGS = 12
#: The longest period the month-by-month chart draws (the report itself takes any).
MAX_MONTHS = 60
#: The longest period text a page accepts.
MAX_PERIOD_TEXT = 100

PERIOD_HELP = (
    "Type a period such as last 12 months, this month, last month, this quarter, last "
    "quarter, this year, last year, or two dates: 2026-04-01 to 2026-09-30."
)


@dataclass(frozen=True, slots=True)
class MonthPoint:
    """One month of the period (the first and last may be part months)."""

    period: ReportPeriod
    opened: int
    closed: int
    open_at_end: int
    overdue_at_end: int

    @property
    def label(self) -> str:
        return f"{self.period.start:%b %Y}"


@dataclass(frozen=True, slots=True)
class AgencyActions:
    agency: str
    open: int
    overdue: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    locality: str
    code: str
    period: ReportPeriod
    today: date
    #: The report's figures for this locality and period (ratings withheld as the report does).
    figures: LocalityFigures
    #: Open actions now, by agency (agencies with none left out).
    by_agency: tuple[AgencyActions, ...]
    months: tuple[MonthPoint, ...]
    #: Attendance over the last ``ATTENDANCE_MEETINGS`` meetings held (``meetings`` of them).
    attendance: tuple[AgencyAttendance, ...]
    meetings: int
    first_meeting: date | None
    last_meeting: date | None


def dashboard_period(text: str, today: date) -> ReportPeriod:
    """The period typed on the page, in the report's words (``parse_report_words``); empty:
    the last 12 months. A page's own messages: no chat commands, no group in the words
    (the page is the group's), no longer than the chart draws."""
    words = re.sub(r"\s+", " ", text.strip())
    if len(words) > MAX_PERIOD_TEXT:
        raise FilterError("That period is too long to read. " + PERIOD_HELP)
    try:
        period, locality = parse_report_words(words or DEFAULT_PERIOD, today)
    except FilterError as exc:
        if str(exc).startswith("I could not read that period"):
            raise FilterError("I could not read that period. " + PERIOD_HELP) from None
        raise
    if locality is not None:
        raise FilterError("Type only the period here: this page is one group's. " + PERIOD_HELP)
    if len(month_periods(period)) > MAX_MONTHS:
        raise FilterError(
            f"Choose a period of at most {MAX_MONTHS // 12} years here (the report from chat "
            "covers longer ones)."
        )
    return period


def month_periods(period: ReportPeriod) -> list[ReportPeriod]:
    """The period's months, the first and last cut to the period."""
    months = []
    start = period.start
    while start <= period.end:
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        end = min(period.end, following - timedelta(days=1))
        months.append(ReportPeriod(start, end))
        start = following
    return months


def monthly(buckets: Iterable[ActionBucket], period: ReportPeriod) -> tuple[MonthPoint, ...]:
    """Opened and closed in each month, open and overdue at each month's end, from the
    period's actions counted by month (``ActionBucket``, its parts ``month_periods``),
    counted as the report counts: closed is done (not cancelled); open is raised by then
    and neither done nor cancelled; overdue is open and due before the month's last day.

    Running sums over the buckets, not buckets times months."""
    months = month_periods(period)
    n = len(months)
    opened, closed = [0] * n, [0] * n
    open_delta, overdue_delta = [0] * (n + 1), [0] * (n + 1)
    for bucket in buckets:
        count = bucket.count
        if bucket.raised >= 0:
            opened[bucket.raised] += count
        first = max(0, bucket.raised)  # open from the month it was raised in
        finished = bucket.finished
        stop = n if finished is None else max(0, finished)  # open until the month it ended
        if bucket.status == ActionStatus.DONE and finished is not None and 0 <= finished < n:
            closed[finished] += count
        if first < stop:
            open_delta[first] += count
            open_delta[stop] -= count
            due = max(first, bucket.due)
            if due < stop:
                overdue_delta[due] += count
                overdue_delta[stop] -= count
    points = []
    still_open = overdue = 0
    for i, month in enumerate(months):
        still_open += open_delta[i]
        overdue += overdue_delta[i]
        points.append(MonthPoint(month, opened[i], closed[i], still_open, overdue))
    return tuple(points)
