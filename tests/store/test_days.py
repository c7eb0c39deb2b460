"""The London day of a stored moment, taken in SQL, is Python's on both engines: every
half hour around both of 2026's clock changes, and late evenings of summer and winter
(in summer 23:30 UTC is already the next day in London)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import literal, select

from bot.domain.clock import LONDON
from bot.store import tables as t
from bot.store.days import days_between, london_date
from bot.store.db import Store


def _moments() -> list[datetime]:
    moments = []
    for change in (datetime(2026, 3, 29, tzinfo=UTC), datetime(2026, 10, 25, tzinfo=UTC)):
        at = change - timedelta(days=1)
        while at < change + timedelta(days=2):
            moments.append(at)
            at += timedelta(minutes=30)
    moments += [
        datetime(2026, 7, 10, 23, 30, 0, 123456, tzinfo=UTC),  # London: 11 July
        datetime(2026, 7, 10, 22, 59, 59, 999999, tzinfo=UTC),  # London: 10 July
        datetime(2026, 1, 10, 23, 30, tzinfo=UTC),  # London: 10 January
        datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    ]
    return moments


async def test_the_london_day_of_each_moment_is_pythons(store: Store) -> None:
    moments = _moments()
    async with store.reading() as session:
        got = [
            (await session.execute(select(london_date(literal(m, t.UTCDateTime()))))).scalar_one()
            for m in moments
        ]
        nothing = (
            await session.execute(select(london_date(literal(None, t.UTCDateTime()))))
        ).scalar_one()
    assert got == [m.astimezone(LONDON).date() for m in moments]
    assert got[-4] == date(2026, 7, 11) and got[-3] == date(2026, 7, 10)
    assert nothing is None


async def test_days_between_two_days(store: Store) -> None:
    pairs = [
        (date(2026, 7, 11), date(2026, 3, 1), 132),
        (date(2026, 3, 1), date(2026, 3, 1), 0),
        (date(2027, 1, 1), date(2026, 12, 31), 1),
        (date(2026, 3, 30), date(2026, 3, 28), 2),  # across the clocks going forward
    ]
    async with store.reading() as session:
        for later, earlier, days in pairs:
            statement = select(days_between(literal(later), literal(earlier)))
            assert (await session.execute(statement)).scalar_one() == days
