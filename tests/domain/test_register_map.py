"""The map's filter, read from a GET form that anyone can craft, and its graph."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.model import SubjectKind
from bot.domain.register import RiskLevel, SubjectStatus
from bot.domain.register_map import (
    MapFilter,
    MapLink,
    MapSubject,
    RegisterMapView,
    parse_map_filter,
)


@pytest.mark.parametrize(
    ("query", "wanted", "problems"),
    [
        ({}, MapFilter(), 0),
        ({"strand": "CCE", "months": "6", "closed": "yes"}, MapFilter("cce", 6, True), 0),
        ({"months": "all", "closed": "on"}, MapFilter(), 0),
        ({"months": "7"}, MapFilter(), 1),
        ({"months": "-3"}, MapFilter(), 1),
        ({"months": "1e3"}, MapFilter(), 1),
        ({"strand": "</script>", "months": "x"}, MapFilter(), 2),
        ({"strand": "x" * 41}, MapFilter(), 1),
    ],
)
def test_a_crafted_filter_is_dropped_and_said(
    query: dict[str, str], wanted: MapFilter, problems: int
) -> None:
    parsed, said = parse_map_filter(query)
    assert parsed == wanted
    assert len(said) == problems


def test_discussed_since_counts_calendar_months() -> None:
    assert MapFilter(months=3).discussed_since(date(2026, 11, 30)) == date(2026, 8, 30)
    assert MapFilter(months=3).discussed_since(date(2026, 5, 31)) == date(2026, 2, 28)
    assert MapFilter().discussed_since(date(2026, 11, 30)) is None


def _subject(sid: int, risk: RiskLevel | None, display: str = "") -> MapSubject:
    return MapSubject(
        sid, SubjectKind.LOCATION, display or f"Place {sid}", risk, SubjectStatus.OPEN, (), None
    )


def test_the_graph_and_the_list_hold_the_same_subjects_and_links() -> None:
    view = RegisterMapView(
        locality_code="scarborough",
        locality_name="Scarborough",
        wanted=MapFilter(),
        subjects=(_subject(1, RiskLevel.HIGH), _subject(2, None, "x" * 60), _subject(3, None)),
        links=(MapLink(7, 1, 2), MapLink(8, 2, 3)),
        total=3,
        strands=(),
        groups=(),
        persons_hidden=False,
    )
    assert [s.subject_id for s in view.linked_to(2)] == [1, 3]  # riskiest first
    graph = view.graph()["elements"]
    assert [n["data"]["id"] for n in graph["nodes"]] == ["s1", "s2", "s3"]
    assert graph["nodes"][1]["data"]["label"] == "x" * 39 + "…"
    assert graph["nodes"][1]["data"]["risk"] == "none"
    assert graph["nodes"][1]["data"]["links"] == 2
    assert [e["data"] for e in graph["edges"]] == [
        {"id": "l7", "source": "s1", "target": "s2"},
        {"id": "l8", "source": "s2", "target": "s3"},
    ]
