"""Calendar days in SQL, the same on PostgreSQL and SQLite: the London day of a stored
moment, and the days between two days.

Why in SQL: the report and the dashboard count actions by the London day they were done
on (on time or not, days to close). Bringing thousands of rows back to take each one's
day in Python cost most of a dashboard's time (bench/changes.md); grouped in SQL, a few
hundred counted rows come back instead.

Moments are stored as naive UTC (``tables.UTCDateTime``). PostgreSQL converts with its
own time-zone database; SQLite has none, so each SQLite connection is given a function
(``LONDON_DATE_SQLITE``, registered by ``bot.store.db.make_engine``) that converts with
Python's, as ``bot.domain.clock.london_day`` does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Date, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from bot.domain.clock import london_day

#: The name of the SQLite function that gives a stored moment's London day.
LONDON_DATE_SQLITE = "mace_london_date"


class london_date(FunctionElement[Any]):
    """The London calendar day of a stored UTC moment (NULL stays NULL)."""

    type = Date()
    inherit_cache = True
    name = "london_date"


class days_between(FunctionElement[Any]):
    """Whole days from the second day to the first (``later - earlier``)."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(london_date, "postgresql")
def _london_date_pg(element: london_date, compiler: Any, **kw: Any) -> str:
    (moment,) = element.clauses
    inner = compiler.process(moment, **kw)
    return f"CAST(({inner} AT TIME ZONE 'UTC') AT TIME ZONE 'Europe/London' AS DATE)"


@compiles(london_date, "sqlite")
def _london_date_sqlite(element: london_date, compiler: Any, **kw: Any) -> str:
    return f"{LONDON_DATE_SQLITE}({compiler.process(element.clauses, **kw)})"


@compiles(days_between, "postgresql")
def _days_between_pg(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = element.clauses
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = element.clauses
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


def london_date_sqlite(stored: str | None) -> str | None:
    """SQLite's ``mace_london_date``: a stored naive-UTC moment ('YYYY-MM-DD HH:MM:SS...')
    to its London day ('YYYY-MM-DD'), which SQLite compares with stored dates as text."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return london_day(moment).isoformat()
