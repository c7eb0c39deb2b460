"""The ratings' anonymity on the performance report's card, workbook and Word summary: a
group with fewer than 5 ratings shows how many and "fewer than 5 ratings" in place of its
mean, distribution and share rated 4 or 5; so does the total when the groups withheld
have 1 to 4 between them (the total less the groups shown would be theirs)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

from docx import Document
from openpyxl import load_workbook

from bot.domain.report import PerformanceReport, RatingFigures, ReportPeriod
from bot.exports.report_docx import report_docx
from bot.exports.report_xlsx import report_xlsx
from cards.report import report_card
from tests.dialogs.fakes import make_report
from tests.e2e.cardtools import text_of, walk
from tests.support.card_schema import validate_card

FEWER = "fewer than 5 ratings"
PERIOD = ReportPeriod(date(2025, 4, 1), date(2026, 3, 31))


def rated(distributions: dict[str, tuple[int, int, int, int, int]]) -> PerformanceReport:
    """Two groups and their total with these ratings (the total: their sum)."""
    base = make_report(PERIOD, groups=tuple(distributions))
    summed = tuple(sum(d[i] for d in distributions.values()) for i in range(5))
    return PerformanceReport(
        period=base.period,
        generated_at=base.generated_at,
        localities=tuple(
            replace(f, ratings=RatingFigures(distributions[f.name])) for f in base.localities
        ),
        total=replace(base.total, ratings=RatingFigures(summed)),  # type: ignore[arg-type]
    )


def evaluation(report: PerformanceReport) -> dict[str, tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(report_xlsx(report)))["Evaluation"]
    rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == "Locality")
    assert rows[at][1:] == (
        "Ratings",
        "Mean (1-5)",
        *(f"Rated {s}" for s in range(1, 6)),
        "Rated 4 or 5 %",
    )
    return {str(r[0]): tuple(r[1:]) for r in rows[at + 1 :] if r[0] is not None}


def test_a_group_of_fewer_than_5_ratings_gives_away_the_total_too() -> None:
    report = rated({"Craven": (0, 0, 1, 1, 1), "Hambleton": (1, 0, 2, 3, 2)})
    assert report.localities[0].ratings.distribution is None, "not kept at all"
    assert evaluation(report) == {
        "Craven": (3, *[FEWER] * 7),
        "Hambleton": (8, 3.62, 1, 0, 2, 3, 2, 62.5),
        # 11 ratings, but less Hambleton's 8 they would be Craven's 3.
        "All localities": (11, *[FEWER] * 7),
    }
    card = report_card(report)
    validate_card(card)
    shown = text_of(card)
    assert f"Mean rating (1-5): {FEWER}" in shown  # Craven's line
    assert "Mean rating (1-5): 3.62" in shown  # Hambleton's
    facts = {f["title"]: f["value"] for f in _facts(card)}
    assert facts["Meeting ratings"] == "11"
    assert facts["Mean rating (1-5)"] == FEWER
    assert facts["Rated 4 or 5 (effective)"] == FEWER
    words = _docx_text(report_docx(report))
    assert f"\nMean rating (1-5) | {FEWER}\n" in words
    assert "\nMean rating (1-5) | 3.62\n" in words
    assert "\nRated 4 or 5 (effective) | 62.5%\n" in words


def test_groups_withheld_with_5_between_them_leave_the_total_shown() -> None:
    report = rated(
        {"Craven": (0, 0, 1, 1, 1), "Selby": (0, 1, 0, 0, 1), "Hambleton": (1, 0, 2, 3, 2)}
    )
    table = evaluation(report)
    assert table["Craven"] == (3, *[FEWER] * 7) and table["Selby"] == (2, *[FEWER] * 7)
    assert table["All localities"] == (13, 3.69, 1, 1, 3, 4, 4, 61.5)


def test_none_rated_is_fewer_than_5_too() -> None:
    report = rated({"Craven": (0, 0, 0, 0, 0), "Hambleton": (1, 0, 2, 3, 2)})
    table = evaluation(report)
    assert table["Craven"] == (0, *[FEWER] * 7)
    assert table["All localities"] == (8, 3.62, 1, 0, 2, 3, 2, 62.5)


def _facts(card: object) -> list[dict[str, str]]:
    (facts, *_) = [n for n in walk(card) if n.get("type") == "FactSet"]  # type: ignore[arg-type]
    return list(facts["facts"])


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines) + "\n"
