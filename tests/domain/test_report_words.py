"""The words after ``report``: a period in plain words and a group (bot.domain.report)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.filters import FilterError
from bot.domain.report import (
    AgencyGroup,
    ReportPeriod,
    agency_group,
    parse_report_words,
    period_from_data,
)

TODAY = date(2026, 2, 10)  # in the last quarter of the financial year 2025-26


@pytest.mark.parametrize(
    ("words", "period", "group"),
    [
        ("", ReportPeriod(date(2025, 4, 1), TODAY), None),
        ("for Scarborough", ReportPeriod(date(2025, 4, 1), TODAY), "scarborough"),
        ("this month", ReportPeriod(date(2026, 2, 1), TODAY), None),
        ("last month", ReportPeriod(date(2026, 1, 1), date(2026, 1, 31)), None),
        ("this quarter", ReportPeriod(date(2026, 1, 1), TODAY), None),
        ("last quarter in Whitby", ReportPeriod(date(2025, 10, 1), date(2025, 12, 31)), "whitby"),
        ("this year", ReportPeriod(date(2025, 4, 1), TODAY), None),
        ("last year", ReportPeriod(date(2024, 4, 1), date(2025, 3, 31)), None),
        ("last financial year", ReportPeriod(date(2024, 4, 1), date(2025, 3, 31)), None),
        ("last 12 months", ReportPeriod(date(2025, 3, 1), TODAY), None),
        (
            "2026-04-01 to 2027-03-31 for North  Craven",
            ReportPeriod(date(2026, 4, 1), date(2027, 3, 31)),
            "north craven",
        ),
        ("from 1/4/2025 to 31/3/2026", ReportPeriod(date(2025, 4, 1), date(2026, 3, 31)), None),
        # A day without a year is in the past: a report looks back.
        ("1 Dec to 31 Jan", ReportPeriod(date(2025, 12, 1), date(2026, 1, 31)), None),
    ],
)
def test_a_period_and_a_group_in_plain_words(
    words: str, period: ReportPeriod, group: str | None
) -> None:
    assert parse_report_words(words, TODAY) == (period, group)


def test_last_quarter_in_april_is_january_to_march() -> None:
    assert parse_report_words("last quarter", date(2026, 4, 2))[0] == ReportPeriod(
        date(2026, 1, 1), date(2026, 3, 31)
    )
    assert parse_report_words("last month", date(2026, 1, 5))[0] == ReportPeriod(
        date(2025, 12, 1), date(2025, 12, 31)
    )


@pytest.mark.parametrize(
    ("words", "said"),
    [
        ("whenever", "could not read that period"),
        ("2026-05-01 to 2026-04-01", "ends before it starts"),
        ("2026-02-30 to 2026-03-01", "could not read that date"),
    ],
)
def test_words_that_are_no_period_say_what_would_be(words: str, said: str) -> None:
    with pytest.raises(FilterError, match=said):
        parse_report_words(words, TODAY)


def test_a_link_or_card_period_is_read_back_or_refused() -> None:
    assert period_from_data({"from": "2026-04-01", "to": "2026-06-30"}) == ReportPeriod(
        date(2026, 4, 1), date(2026, 6, 30)
    )
    for data in ({}, {"from": "x", "to": "2026-01-01"}, {"from": "2026-02-01", "to": "2026-01-01"}):
        with pytest.raises(FilterError):
            period_from_data(data)


def test_the_period_runs_from_london_midnight_to_london_midnight() -> None:
    # Summer time: London midnight is 23:00 UTC the day before.
    lo, hi = ReportPeriod(date(2026, 4, 1), date(2026, 6, 30)).bounds()
    assert lo == datetime(2026, 3, 31, 23, tzinfo=UTC)
    assert hi == datetime(2026, 6, 30, 23, tzinfo=UTC)


def test_schools_and_colleges_are_shown_apart_from_the_key_agencies() -> None:
    keys = ("police", "childrens_social_care", "health", "education")
    assert agency_group("education", "Education", keys) is AgencyGroup.SCHOOL
    assert agency_group("school_eskdale", "Eskdale School", ()) is AgencyGroup.SCHOOL
    assert (
        agency_group("scarborough_tec", "Scarborough Sixth Form College", ()) is AgencyGroup.SCHOOL
    )
    assert agency_group("police", "North Yorkshire Police", keys) is AgencyGroup.KEY
    assert agency_group("housing", "Housing providers", keys) is AgencyGroup.OTHER
    # "Schoolhouse Lane Housing" is not a school: whole words only.
    assert agency_group("hsg", "Schoolhouse Lane Housing", keys) is AgencyGroup.OTHER
