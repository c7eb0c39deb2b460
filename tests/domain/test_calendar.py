"""Working days and hours, England and Wales: bank holidays, substitute days, BST and GMT."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.calendar import LONDON, WorkingCalendar, england_and_wales_bank_holidays

CAL = WorkingCalendar()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 4, 6), "Easter Monday (England and Wales only)"),
        (date(2026, 5, 4), "early May bank holiday"),
        (date(2026, 5, 25), "spring bank holiday"),
        (date(2026, 8, 31), "summer bank holiday (England and Wales only)"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 28), "Boxing Day falls on Saturday: Monday is the substitute"),
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 3, 26), "Good Friday 2027"),
        (date(2027, 3, 29), "Easter Monday 2027"),
        (date(2027, 12, 27), "Christmas Day 2027 is a Saturday: substitute"),
        (date(2027, 12, 28), "Boxing Day 2027 is a Sunday: substitute"),
        (date(2022, 9, 19), "state funeral of Queen Elizabeth II"),
        (date(2023, 5, 8), "coronation of King Charles III"),
    ],
)
def test_bank_holidays_are_not_working_days(day: date, why: str) -> None:
    assert day.weekday() < 5, "a weekday, so only the bank holiday makes it non-working"
    assert CAL.is_bank_holiday(day), why
    assert not CAL.is_working_day(day), why


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 1, 2), "2 January is a bank holiday in Scotland only"),
        (date(2026, 3, 17), "St Patrick's Day: Northern Ireland only"),
        (date(2026, 8, 3), "Scottish summer bank holiday"),
        (date(2026, 11, 30), "St Andrew's Day: Scotland only"),
        (date(2027, 7, 12), "Battle of the Boyne: Northern Ireland only"),
        (date(2026, 12, 24), "Christmas Eve is a working day"),
        (date(2026, 12, 29), "the day after the Boxing Day substitute"),
        (date(2026, 4, 7), "the Tuesday after Easter"),
    ],
)
def test_other_nations_holidays_and_ordinary_days_are_working_days(day: date, why: str) -> None:
    assert CAL.is_working_day(day), why


@pytest.mark.parametrize("day", [date(2026, 12, 26), date(2026, 12, 27), date(2026, 4, 4)])
def test_weekends_are_not_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert not CAL.is_working_day(day)


def test_england_and_wales_list_for_2026_is_exactly_the_eight_bank_holidays() -> None:
    assert sorted(england_and_wales_bank_holidays(2026)) == [
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 26),  # Saturday itself; the substitute is below
        date(2026, 12, 28),
    ]


@pytest.mark.parametrize(
    ("day", "following", "preceding"),
    [
        (date(2026, 4, 2), date(2026, 4, 7), date(2026, 4, 1)),  # Thursday before Easter
        (date(2026, 4, 7), date(2026, 4, 8), date(2026, 4, 2)),  # Tuesday after Easter
        (date(2026, 12, 24), date(2026, 12, 29), date(2026, 12, 23)),
        (date(2026, 12, 31), date(2027, 1, 4), date(2026, 12, 30)),
        (date(2026, 12, 26), date(2026, 12, 29), date(2026, 12, 24)),  # from a Saturday
        (date(2027, 12, 24), date(2027, 12, 29), date(2027, 12, 23)),
    ],
)
def test_next_and_previous_working_day_are_strict(
    day: date, following: date, preceding: date
) -> None:
    assert CAL.next_working_day(day) == following
    assert CAL.previous_working_day(day) == preceding


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 11, 16), 0, date(2026, 11, 16)),  # working day: itself
        (date(2026, 11, 21), 0, date(2026, 11, 23)),  # Saturday: rolls forward to Monday
        (date(2026, 12, 25), 0, date(2026, 12, 29)),  # Christmas: rolls past the substitute
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday + 1 = Monday
        (date(2026, 11, 21), 1, date(2026, 11, 23)),  # Saturday + 1 = Monday
        (date(2026, 11, 21), -1, date(2026, 11, 20)),  # Saturday - 1 = Friday
        (date(2026, 12, 23), 1, date(2026, 12, 24)),
        (date(2026, 12, 23), 2, date(2026, 12, 29)),
        (date(2026, 12, 23), 5, date(2027, 1, 4)),
        (date(2026, 12, 23), -3, date(2026, 12, 18)),
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2026, 4, 7), -1, date(2026, 4, 2)),
        (date(2026, 4, 7), -3, date(2026, 3, 31)),
        (date(2026, 8, 28), 1, date(2026, 9, 1)),  # over the summer bank holiday
    ],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert CAL.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 11, 16), date(2026, 11, 16), 0),
        (date(2026, 11, 16), date(2026, 11, 18), 2),
        (date(2026, 11, 18), date(2026, 11, 16), -2),
        (date(2026, 11, 20), date(2026, 11, 23), 1),  # Friday to Monday
        (date(2026, 11, 21), date(2026, 11, 22), 0),  # Saturday to Sunday
        (date(2026, 12, 23), date(2027, 1, 4), 5),
        (date(2027, 1, 4), date(2026, 12, 23), -5),
        (date(2026, 4, 2), date(2026, 4, 7), 1),  # over Easter
        # 2026: 261 weekdays, 8 of them bank holidays (Boxing Day is a Saturday).
        (date(2025, 12, 31), date(2026, 12, 31), 253),
        (date(2026, 1, 1), date(2026, 12, 31), 253),  # 1 January is excluded anyway
        (date(2025, 12, 31), date(2027, 1, 1), 253),  # 1 January 2027 is a bank holiday
        (date(2025, 12, 31), date(2027, 1, 4), 254),
    ],
)
def test_working_days_between(start: date, end: date, expected: int) -> None:
    assert CAL.working_days_between(start, end) == expected


def test_working_days_between_matches_counting_day_by_day() -> None:
    origin = date(2026, 11, 30)
    for offset in range(-120, 121, 7):
        end = origin + timedelta(days=offset)
        lo, hi = sorted((origin, end))
        count = sum(
            1 for i in range(1, (hi - lo).days + 1) if CAL.is_working_day(lo + timedelta(days=i))
        )
        assert CAL.working_days_between(origin, end) == (count if end >= origin else -count)


def test_add_working_days_is_the_inverse_of_working_days_between() -> None:
    day = date(2026, 12, 1)
    while day < date(2027, 1, 20):
        if CAL.is_working_day(day):
            for n in (-7, -3, -1, 0, 1, 2, 5, 11):
                assert CAL.working_days_between(day, CAL.add_working_days(day, n)) == n
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("now", "inside", "why"),
    [
        (utc(2026, 3, 27, 8, 30), False, "Fri before the change: GMT, 08:30 London"),
        (utc(2026, 3, 27, 9, 0), True, "GMT: 09:00 London"),
        (utc(2026, 3, 27, 16, 59), True, "GMT: 16:59 London"),
        (utc(2026, 3, 27, 17, 0), False, "GMT: 17:00 London, the end is exclusive"),
        (utc(2026, 3, 30, 8, 0), True, "Mon after 29 Mar: BST, 09:00 London"),
        (utc(2026, 3, 30, 7, 59), False, "BST: 08:59 London"),
        (utc(2026, 3, 30, 16, 0), False, "BST: 17:00 London"),
        (utc(2026, 3, 30, 15, 59), True, "BST: 16:59 London"),
        (utc(2026, 10, 23, 8, 0), True, "Fri before 25 Oct: still BST, 09:00 London"),
        (utc(2026, 10, 23, 16, 30), False, "BST: 17:30 London"),
        (utc(2026, 10, 26, 8, 30), False, "Mon after the change: GMT, 08:30 London"),
        (utc(2026, 10, 26, 16, 30), True, "GMT: 16:30 London"),
        (utc(2026, 4, 6, 10, 0), False, "Easter Monday"),
        (utc(2026, 12, 28, 10, 0), False, "Boxing Day substitute"),
        (utc(2026, 11, 21, 10, 0), False, "Saturday"),
    ],
)
def test_in_working_hours_follows_london_time(now: datetime, inside: bool, why: str) -> None:
    assert CAL.in_working_hours(now) is inside, why


@pytest.mark.parametrize(
    ("now", "expected", "why"),
    [
        (utc(2026, 11, 19, 10, 0), utc(2026, 11, 19, 10, 0), "inside hours: now"),
        (utc(2026, 11, 19, 6, 0), utc(2026, 11, 19, 9, 0), "early: today's start, GMT"),
        (utc(2026, 6, 10, 6, 0), utc(2026, 6, 10, 8, 0), "early: today's start, BST"),
        (utc(2026, 11, 19, 17, 0), utc(2026, 11, 20, 9, 0), "after hours: tomorrow"),
        (utc(2026, 3, 27, 17, 30), utc(2026, 3, 30, 8, 0), "Fri GMT to Mon BST"),
        (utc(2026, 10, 23, 16, 0), utc(2026, 10, 26, 9, 0), "Fri BST 17:00 to Mon GMT"),
        (utc(2026, 4, 2, 18, 0), utc(2026, 4, 7, 8, 0), "over Easter"),
        (utc(2026, 12, 24, 17, 0), utc(2026, 12, 29, 9, 0), "over Christmas 2026"),
        (utc(2027, 12, 24, 17, 0), utc(2027, 12, 29, 9, 0), "over Christmas 2027"),
        (utc(2026, 6, 30, 23, 30), utc(2026, 7, 1, 8, 0), "00:30 BST is already 1 July"),
    ],
)
def test_next_working_moment(now: datetime, expected: datetime, why: str) -> None:
    moment = CAL.next_working_moment(now)
    assert moment == expected, why
    assert moment.tzinfo is UTC
    assert CAL.in_working_hours(moment)


def test_next_working_moment_accepts_any_aware_time_and_answers_in_utc() -> None:
    london_evening = datetime(2026, 7, 3, 18, 0, tzinfo=LONDON)  # Friday
    assert CAL.next_working_moment(london_evening) == utc(2026, 7, 6, 8, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.in_working_hours(datetime(2026, 11, 19, 10, 0)),
        lambda: CAL.next_working_moment(datetime(2026, 11, 19, 10, 0)),
        lambda: CAL.local_date(datetime(2026, 11, 19, 10, 0)),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    with pytest.raises(ValueError, match="aware"):
        call()  # type: ignore[operator]


def test_local_date_is_the_london_date() -> None:
    assert CAL.local_date(utc(2026, 6, 30, 23, 30)) == date(2026, 7, 1)
    assert CAL.local_date(utc(2026, 12, 31, 23, 30)) == date(2026, 12, 31)


def test_working_hours_are_configurable() -> None:
    cal = WorkingCalendar(time(8, 30), time(16, 0))
    assert cal.in_working_hours(utc(2026, 11, 19, 8, 30))
    assert not cal.in_working_hours(utc(2026, 11, 19, 16, 0))
    assert cal.next_working_moment(utc(2026, 6, 10, 5, 0)) == utc(2026, 6, 10, 7, 30)
    assert cal.start_of_working_day(date(2026, 1, 5)) == utc(2026, 1, 5, 8, 30)
    assert cal.end_of_working_day(date(2026, 7, 6)) == utc(2026, 7, 6, 15, 0)


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(17), time(9)), (time(9), time(9)), (time(9, tzinfo=UTC), time(17))],
)
def test_bad_working_hours_are_refused(start: time, end: time) -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(start, end)


def test_extra_closure_days_can_be_added() -> None:
    closed = date(2026, 12, 31)

    def with_closure(year: int) -> frozenset[date]:
        return england_and_wales_bank_holidays(year) | {closed}

    cal = WorkingCalendar(holiday_source=with_closure)
    assert not cal.is_working_day(closed)
    assert cal.next_working_day(date(2026, 12, 30)) == date(2027, 1, 4)
    assert CAL.is_working_day(closed)
