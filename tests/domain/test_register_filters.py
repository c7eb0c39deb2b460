"""The register's plain-words filters: what each phrase the issue lists selects, and what
is said about words that are not understood."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.model import SubjectKind
from bot.domain.register import RiskLevel
from bot.domain.register_filters import (
    SubjectFilter,
    SubjectFilterError,
    months_before,
    parse_subject_filters,
)

TODAY = date(2026, 11, 30)


def test_nothing_typed_is_every_open_subject_page_one() -> None:
    assert parse_subject_filters("") == (SubjectFilter(), 1)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("in scarborough", SubjectFilter(locality="scarborough")),
        ("locations of concern", SubjectFilter(kinds=frozenset({SubjectKind.LOCATION}))),
        ("locations", SubjectFilter(kinds=frozenset({SubjectKind.LOCATION}))),
        ("persons of concern", SubjectFilter(kinds=frozenset({SubjectKind.PERSON}))),
        ("children", SubjectFilter(kinds=frozenset({SubjectKind.CHILD}))),
        ("groups themes", SubjectFilter(kinds=frozenset({SubjectKind.GROUP, SubjectKind.THEME}))),
        ("high risk", SubjectFilter(risks=frozenset({RiskLevel.HIGH, RiskLevel.VERY_HIGH}))),
        ("very high risk", SubjectFilter(risks=frozenset({RiskLevel.VERY_HIGH}))),
        ("medium risk", SubjectFilter(risks=frozenset({RiskLevel.MEDIUM}))),
        ("low-risk", SubjectFilter(risks=frozenset({RiskLevel.LOW}))),
        ("not discussed for 3 months", SubjectFilter(not_discussed_for=(3, "months"))),
        ("not discussed for 1 week", SubjectFilter(not_discussed_for=(1, "weeks"))),
        ("strand cce", SubjectFilter(strand="cce")),
        (
            "strand child criminal exploitation",
            SubjectFilter(strand="child criminal exploitation"),
        ),
        ("closed", SubjectFilter(closed=True)),
    ],
)
def test_each_phrase_alone(words: str, expected: SubjectFilter) -> None:
    assert parse_subject_filters(words) == (expected, 1)


def test_phrases_combine_in_any_order_with_a_page() -> None:
    wanted, page = parse_subject_filters(
        "children high risk in scarborough and ryedale strand cse not discussed for 6 weeks page 3"
    )
    assert page == 3
    assert wanted == SubjectFilter(
        locality="scarborough and ryedale",
        kinds=frozenset({SubjectKind.CHILD}),
        risks=frozenset({RiskLevel.HIGH, RiskLevel.VERY_HIGH}),
        not_discussed_for=(6, "weeks"),
        strand="cse",
    )
    again, _ = parse_subject_filters("in whitby locations of concern closed")
    assert again.locality == "whitby"
    assert again.kinds == frozenset({SubjectKind.LOCATION})
    assert again.closed


def test_not_discussed_since_counts_back_weeks_and_calendar_months() -> None:
    assert SubjectFilter(not_discussed_for=(2, "weeks")).not_discussed_since(TODAY) == date(
        2026, 11, 16
    )
    assert SubjectFilter(not_discussed_for=(3, "months")).not_discussed_since(TODAY) == date(
        2026, 8, 30
    )
    assert SubjectFilter().not_discussed_since(TODAY) is None
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)


def test_words_not_understood_are_named_briefly_with_what_is_understood() -> None:
    with pytest.raises(SubjectFilterError) as refused:
        parse_subject_filters("children purple")
    message = str(refused.value)
    assert "“purple”" in message
    assert "**high risk**" in message and "**not discussed for**" in message
    with pytest.raises(SubjectFilterError) as long:
        parse_subject_filters("children " + "word " * 40)
    shown = str(long.value).split("“", 1)[1].split("”", 1)[0]
    assert len(shown) <= 40 and shown.endswith("…")


def test_not_discussed_without_a_length_and_empty_names_are_refused() -> None:
    with pytest.raises(SubjectFilterError, match="not discussed for 3 months"):
        parse_subject_filters("not discussed")
    with pytest.raises(SubjectFilterError, match="from 1"):
        parse_subject_filters("not discussed for 0 weeks")
    with pytest.raises(SubjectFilterError, match="“in”"):
        parse_subject_filters("children in")


def test_describe_says_the_filter_in_words() -> None:
    wanted, _ = parse_subject_filters("children high risk in whitby not discussed for 1 month")
    assert wanted.describe() == (
        "children, high or very high risk, in whitby, not discussed for 1 month, open or monitoring"
    )
    assert SubjectFilter(closed=True).describe() == "open, monitoring or closed"
