"""Working days and working hours for England and Wales.

MACE partners are public-sector staff: a reminder that lands on a bank holiday or at
night is noise at best, and at worst makes an owner look "overdue" on a day nobody was at
work. So every count of days in chasing is a count of *working* days, and messages go out
only inside working hours in Europe/London.

Working days are Monday to Friday except the bank holidays of England and Wales, taken
from the ``holidays`` package (``country_holidays("GB", subdiv="ENG")``; England and Wales
share one list, substitute days included: Boxing Day 2026 is a Saturday, so Monday
28 December 2026 is the holiday; one-off days such as the 2023 coronation are in it too).

Everything here is pure: it reads no clock and no configuration. Callers pass the moment
("now") in, so tests freeze time and jobs can be replayed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
"""The zone the working day is defined in; BST and GMT are handled by zoneinfo."""

DEFAULT_DAY_START = time(9, 0)
DEFAULT_DAY_END = time(17, 0)

_ONE_DAY = timedelta(days=1)


def england_and_wales_bank_holidays(year: int) -> frozenset[date]:
    """The bank holidays of England and Wales in ``year``, substitute days included.

    ``subdiv="ENG"`` (or ``"WLS"``, which gives the same list) is what adds Easter Monday
    and the late summer bank holiday; ``GB`` alone is only the days common to all four
    nations and would leave both out.
    """
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def _weekdays_through(day: date) -> int:
    """How many Mondays to Fridays there are from 1 Jan year 1 up to and including ``day``.

    Day 1 of the proleptic calendar is a Monday, so each full week holds five weekdays
    and a part week holds min(days, 5). Differences of this give weekday counts in O(1).
    """
    ordinal = day.toordinal()
    return (ordinal // 7) * 5 + min(ordinal % 7, 5)


class WorkingCalendar:
    """Working days (Mon–Fri less England and Wales bank holidays) and working hours.

    ``day_start`` and ``day_end`` are London wall-clock times (naive ``time``), so 09:00
    means 09:00 whether the clocks say GMT or BST. ``holiday_source`` returns the
    non-working weekdays of a year; it defaults to the England and Wales bank holidays
    and exists so a partnership can add its own closure days (or a test can pin a year)
    without touching this class.
    """

    def __init__(
        self,
        day_start: time = DEFAULT_DAY_START,
        day_end: time = DEFAULT_DAY_END,
        *,
        holiday_source: Callable[[int], Iterable[date]] = england_and_wales_bank_holidays,
        zone: ZoneInfo = LONDON,
    ) -> None:
        if day_start.tzinfo is not None or day_end.tzinfo is not None:
            raise ValueError("day_start and day_end are London wall-clock times: pass naive times")
        if not day_start < day_end:
            raise ValueError("day_start must be before day_end")
        self.day_start = day_start
        self.day_end = day_end
        self.zone = zone
        self._holiday_source = holiday_source
        self._by_year: dict[int, frozenset[date]] = {}

    # -- days ------------------------------------------------------------------------------

    def holidays_in(self, year: int) -> frozenset[date]:
        """The bank holidays (and any extra closures) of ``year``, cached per year."""
        found = self._by_year.get(year)
        if found is None:
            found = frozenset(self._holiday_source(year))
            self._by_year[year] = found
        return found

    def is_bank_holiday(self, day: date) -> bool:
        return day in self.holidays_in(day.year)

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a bank holiday."""
        return day.weekday() < 5 and not self.is_bank_holiday(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        day += _ONE_DAY
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        day -= _ONE_DAY
        while not self.is_working_day(day):
            day -= _ONE_DAY
        return day

    def roll_forward(self, day: date) -> date:
        """``day`` if it is a working day, else the next one.

        This is how a deadline on a weekend or bank holiday is read (as in the civil
        procedure rules): it falls due on the next working day.
        """
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, day: date, n: int) -> date:
        """Move ``n`` working days from ``day``: forwards if ``n > 0``, backwards if ``n < 0``.

        ``day`` itself need not be a working day: Saturday + 1 is Monday, Saturday - 1 is
        Friday, and Friday + 1 is Monday. ``n == 0`` rolls forward: it returns ``day`` if it
        is a working day, else the next working day (see ``roll_forward``), so that
        "0 working days from a bank holiday" is still a day someone is at work.

        For a working day ``d`` and any ``n``,
        ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        if n == 0:
            return self.roll_forward(day)
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            day = step(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative if ``end < start``.

        So Monday to Wednesday is 2, Wednesday to Monday is -2, and a day to itself is 0.
        This is the count used for "N working days overdue": the day after the due date
        is the first day overdue, and the due date itself does not count.
        """
        if end < start:
            return -self.working_days_between(end, start)
        weekdays = _weekdays_through(end) - _weekdays_through(start)
        closed = sum(
            1
            for year in range(start.year, end.year + 1)
            for holiday in self.holidays_in(year)
            if start < holiday <= end and holiday.weekday() < 5
        )
        return weekdays - closed

    # -- hours -----------------------------------------------------------------------------

    def local_date(self, now: datetime) -> date:
        """The London calendar date at ``now``: due dates are English dates, not UTC ones."""
        return _aware(now).astimezone(self.zone).date()

    def start_of_working_day(self, day: date) -> datetime:
        """``day_start`` on ``day`` in London, as an aware UTC datetime."""
        return datetime.combine(day, self.day_start, tzinfo=self.zone).astimezone(UTC)

    def end_of_working_day(self, day: date) -> datetime:
        """``day_end`` on ``day`` in London, as an aware UTC datetime."""
        return datetime.combine(day, self.day_end, tzinfo=self.zone).astimezone(UTC)

    def in_working_hours(self, now: datetime) -> bool:
        """True if ``now`` (aware) falls on a working day in ``[day_start, day_end)`` London.

        The end is exclusive: at 17:00 exactly the working day is over.
        """
        local = _aware(now).astimezone(self.zone)
        return self.is_working_day(local.date()) and (
            self.day_start <= local.time().replace(tzinfo=None) < self.day_end
        )

    def next_working_moment(self, now: datetime) -> datetime:
        """The first instant at or after ``now`` when messages may go out, as aware UTC.

        That is ``now`` itself inside working hours; the same day's start if it is a working
        day and too early; otherwise the start of the next working day. Computed on London
        wall-clock time, so 09:00 is 08:00 UTC in summer and 09:00 UTC in winter.
        """
        now = _aware(now)
        if self.in_working_hours(now):
            return now.astimezone(UTC)
        local = now.astimezone(self.zone)
        today = local.date()
        if self.is_working_day(today) and local.time().replace(tzinfo=None) < self.day_start:
            return self.start_of_working_day(today)
        return self.start_of_working_day(self.next_working_day(today))


def _aware(moment: datetime) -> datetime:
    """Refuse naive datetimes: a naive 'now' is how reminders end up an hour out at BST."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is needed (UTC from the clock)")
    return moment
