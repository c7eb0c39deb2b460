"""Time, passed in rather than read, so tests can freeze it and jobs can be fired on demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to: for tests and for replaying a day."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self._at = self._at + timedelta(**delta)


def london_today(clock: Clock) -> date:
    """Due dates and meeting dates are English calendar dates, not UTC ones."""
    return clock.now().astimezone(LONDON).date()


#: The London offset of each UTC calendar day, or None on a day the clocks change.
_DAY_OFFSETS: dict[date, timedelta | None] = {}


def london_day(moment: datetime) -> date:
    """``moment.astimezone(LONDON).date()`` for an aware datetime, without a zone
    conversion on each call: the report and the dashboard (bot.services.report) take the
    London day of thousands of moments per request, and the offset is the same all of a
    UTC day except on the two days a year the clocks change (converted as before)."""
    if moment.tzinfo is not UTC:
        return moment.astimezone(LONDON).date()
    day = moment.date()
    try:
        offset = _DAY_OFFSETS[day]
    except KeyError:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        first = start.astimezone(LONDON).utcoffset()
        last = (start + timedelta(hours=23, minutes=59, seconds=59)).astimezone(LONDON).utcoffset()
        offset = _DAY_OFFSETS[day] = first if first == last else None
    if offset is None:
        return moment.astimezone(LONDON).date()
    return (moment + offset).date()
