"""The performance report as an Excel workbook, with native charts over its own cells.

One sheet per family of figures, each a table with one row per locality and a last row
for all of them together (attendance and subjects: a block per locality, the total's
first), so a coordinator can sort, filter or chart it further. The charts are Excel's
own (openpyxl.chart), drawn from the cells beside them: change a figure and its chart
follows. Every sheet's first line says OFFICIAL-SENSITIVE. The report holds counts
only: no child, no person, no free text (the meetings' rating comments are left out).
A locality's (and the total's) ratings withheld for their anonymity say "fewer than 5
ratings" in every cell drawn from their distribution (``bot.domain.report``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.report import (
    AGENCY_GROUP_LABELS,
    FEWER_THAN_MIN,
    MIN_RATINGS_SHOWN,
    RISK_COLUMNS,
    LocalityFigures,
    PerformanceReport,
)
from bot.exports._text import MARKING, format_datetime, slug

Cell = str | int | float | None

_BOLD = Font(bold=True)
_RED_BOLD = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")


def _rated(figures: LocalityFigures, value: Callable[[], Cell]) -> Cell:
    """A cell drawn from the ratings' distribution, or "fewer than 5 ratings" in its
    place where it is withheld (the distribution is then not there to draw from)."""
    return FEWER_THAN_MIN if figures.ratings.withheld else value()


def _rated_n(figures: LocalityFigures, index: int) -> int:
    distribution = figures.ratings.distribution
    assert distribution is not None
    return distribution[index]


#: The table sheets: title, column headings, and each row's cells from one locality's
#: figures. Tests and the Word summary read the same figures from the same dataclasses.
Columns = Sequence[tuple[str, Callable[[LocalityFigures], Cell]]]

SUMMARY: Columns = (
    ("Meetings held", lambda f: f.meetings_held),
    ("Decisions recorded", lambda f: f.decisions),
    ("Actions opened", lambda f: f.actions.opened),
    ("Actions closed", lambda f: f.actions.closed),
    ("Challenges raised", lambda f: f.challenges_raised),
    ("Escalations raised", lambda f: f.escalations.raised),
    ("Subjects on the register at the end", lambda f: f.subjects.on_register),
    ("Meeting ratings", lambda f: f.ratings.count),
    ("Mean rating (1-5)", lambda f: _rated(f, lambda: f.ratings.mean)),
)
ACTIONS: Columns = (
    ("Opened", lambda f: f.actions.opened),
    ("Closed", lambda f: f.actions.closed),
    ("Closed on time", lambda f: f.actions.closed_on_time),
    ("Closed on time %", lambda f: f.actions.on_time_rate),
    ("Overdue at the period's end", lambda f: f.actions.overdue_at_end),
    ("Escalated by chasing", lambda f: f.actions.escalated),
    ("Median days to close", lambda f: f.actions.median_days_to_close),
)
CHALLENGES: Columns = (
    ("Challenges raised", lambda f: f.challenges_raised),
    ("Challenges resolved", lambda f: f.challenges_resolved),
    ("Escalations raised", lambda f: f.escalations.raised),
    ("To the Operational group", lambda f: f.escalations.to_operational),
    ("To the Strategic group", lambda f: f.escalations.to_strategic),
    ("Responded to", lambda f: f.escalations.responded),
    ("Median days to a response", lambda f: f.escalations.median_days_to_respond),
    ("Awaiting a response at the end", lambda f: f.escalations.awaiting_at_end),
)
RISK_CHANGES: Columns = (
    ("Risk first rated", lambda f: f.subjects.first_rated),
    ("Risk raised", lambda f: f.subjects.raised),
    ("Risk lowered", lambda f: f.subjects.lowered),
)
EVALUATION: Columns = (
    ("Ratings", lambda f: f.ratings.count),
    ("Mean (1-5)", lambda f: _rated(f, lambda: f.ratings.mean)),
    *(
        (f"Rated {score}", (lambda f, i=score - 1: _rated(f, lambda: _rated_n(f, i))))
        for score in range(1, 6)
    ),
    ("Rated 4 or 5 %", lambda f: _rated(f, lambda: f.ratings.effective_rate)),
)

ATTENDANCE_HEADINGS = ("Agency", "Group", "Attended", "Apologies", "Not recorded", "Attendance %")

NOTES = (
    "Meetings held: meetings started in the period (London days, first and last included).",
    "Attendance: meetings held in which the agency was recorded present or by a substitute;"
    " apologies; neither recorded. Key agencies (the bot's KEY_AGENCIES setting) and schools"
    " and colleges are shown apart.",
    "Actions: withdrawn actions are never counted. Opened: raised in the period. Closed:"
    " marked done in the period; on time: done on or before the due date. Overdue at the"
    " period's end: raised by then, due before its last day, neither done nor cancelled by"
    " its end. Escalated: escalated by chasing in the period. Median days to close: from"
    " the day raised to the day done.",
    "Decisions recorded: in the meetings held; withdrawn entries are not counted.",
    "Challenges: raised in the period; resolved in the period.",
    "Escalations: raised in the period, by the tier of the group escalated to; responded"
    " to in the period, with the median days from raised to response; awaiting a response"
    " (neither responded to nor closed) at the period's end.",
    "Subjects: on the register at the period's end (added by then and not closed then),"
    " by their risk then; by strand, a subject with two strands counts under both. Held"
    " by the group that holds it now. Risk changes: in the period.",
    "Evaluation: the anonymous ratings (1-5) of the meetings held. Comments are free text"
    " and can name a person: they are not in this report.",
    f"Where a locality has fewer than {MIN_RATINGS_SHOWN} ratings, only how many is shown:"
    f' its mean and distribution say "{FEWER_THAN_MIN}", since in a small group who gave'
    " which score can be worked out. The total follows the same rule, and is withheld too"
    f" when the localities withheld have between them 1 to {MIN_RATINGS_SHOWN - 1} ratings.",
    "No child, person of concern or member is named in this report: counts only.",
)


def report_filename(report: PerformanceReport, extension: str) -> str:
    """'MACE-report-2026-04-01-to-2027-03-31-scarborough.xlsx'."""
    where = slug(report.localities[0].code) if len(report.localities) == 1 else "all"
    period = f"{report.period.start.isoformat()}-to-{report.period.end.isoformat()}"
    return f"MACE-report-{period}-{where.lower()}.{extension}"


def _scopes(report: PerformanceReport) -> list[LocalityFigures]:
    return [*report.localities, report.total]


def _heading_rows(ws: Worksheet, report: PerformanceReport, title: str) -> int:
    """The marking, title and period; returns the next free row."""
    ws.append([MARKING])
    ws["A1"].font = _RED_BOLD
    ws.append([f"{title}: {report.describe()}"])
    ws["A2"].font = Font(bold=True, size=13)
    ws.append([f"Generated {format_datetime(report.generated_at)} (UK time)"])
    ws.append([])
    return int(ws.max_row) + 1


def _header(ws: Worksheet, row: int, headings: Sequence[str]) -> None:
    for column, text in enumerate(headings, start=1):
        cell = ws.cell(row=row, column=column, value=text)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _table(
    ws: Worksheet, report: PerformanceReport, columns: Columns, first: int
) -> tuple[int, int]:
    """A row per locality then the total; returns the first and last data rows."""
    _header(ws, first, ["Locality", *(name for name, _ in columns)])
    row = first
    for figures in _scopes(report):
        row += 1
        ws.cell(row=row, column=1, value=figures.name)
        for column, (_, value) in enumerate(columns, start=2):
            ws.cell(row=row, column=column, value=value(figures))
    ws.cell(row=row, column=1).font = _BOLD
    ws.column_dimensions["A"].width = 22
    for column in range(2, len(columns) + 2):
        ws.column_dimensions[get_column_letter(column)].width = 14
    return first + 1, row


def _bar(
    title: str,
    ws: Worksheet,
    columns: tuple[int, int],
    rows: tuple[int, int],
    *,
    y_title: str,
    kind: type[BarChart] | type[LineChart] = BarChart,
) -> BarChart | LineChart:
    """A chart of the given columns (a series each, named by their heading one row up)
    over the given rows (categories: column A)."""
    chart = kind()
    chart.title = title
    chart.y_axis.title = y_title
    chart.height = 8
    chart.width = 18
    data = Reference(
        ws, min_col=columns[0], max_col=columns[1], min_row=rows[0] - 1, max_row=rows[1]
    )
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=rows[0], max_row=rows[1]))
    return chart


def report_xlsx(report: PerformanceReport) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = "Summary"
    first = _heading_rows(ws, report, "MACE performance report")
    top, bottom = _table(ws, report, SUMMARY, first)
    localities_end = bottom - 1 if len(report.localities) > 1 else bottom
    ws.add_chart(
        _bar("Meetings held", ws, (2, 2), (top, localities_end), y_title="Meetings"),
        f"A{bottom + 3}",
    )

    ws = workbook.create_sheet("Attendance")
    row = _heading_rows(ws, report, "Attendance by agency")
    for figures in [report.total, *report.localities]:
        ws.cell(row=row, column=1, value=f"{figures.name}: {figures.meetings_held} meetings held")
        ws.cell(row=row, column=1).font = _BOLD
        _header(ws, row + 1, ATTENDANCE_HEADINGS)
        start = row + 2
        for offset, agency in enumerate(figures.attendance):
            values: tuple[Cell, ...] = (
                agency.agency,
                AGENCY_GROUP_LABELS[agency.group],
                agency.attended,
                agency.apologies,
                agency.not_recorded,
                agency.rate,
            )
            for column, value in enumerate(values, start=1):
                ws.cell(row=start + offset, column=column, value=value)
        end = start + len(figures.attendance) - 1
        if figures.attendance:
            chart = _bar(f"Attendance %: {figures.name}", ws, (6, 6), (start, end), y_title="%")
            ws.add_chart(chart, f"H{row}")
        row = max(end + 3, row + 18)
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 22

    ws = workbook.create_sheet("Actions")
    top, bottom = _table(ws, report, ACTIONS, _heading_rows(ws, report, "Actions"))
    ws.add_chart(
        _bar(
            "Actions",
            ws,
            (2, 3),
            (top, bottom - 1 if len(report.localities) > 1 else bottom),
            y_title="Actions",
        ),
        f"A{bottom + 3}",
    )
    ws.add_chart(
        _bar("Closed on time %", ws, (5, 5), (top, bottom), y_title="%", kind=LineChart),
        f"A{bottom + 20}",
    )

    ws = workbook.create_sheet("Challenges and escalations")
    top, bottom = _table(
        ws, report, CHALLENGES, _heading_rows(ws, report, "Challenges and escalations")
    )
    ws.add_chart(
        _bar("Challenges", ws, (2, 3), (top, bottom), y_title="Challenges"), f"A{bottom + 3}"
    )
    ws.add_chart(
        _bar("Escalations", ws, (5, 6), (top, bottom), y_title="Escalations"), f"A{bottom + 20}"
    )

    ws = workbook.create_sheet("Subjects and risk")
    row = _heading_rows(ws, report, "Subjects on the register at the period's end")
    top, bottom = _table(ws, report, RISK_CHANGES, row)
    row = bottom + 3
    for figures in [report.total, *report.localities]:
        ws.cell(row=row, column=1, value=f"{figures.name}: subjects by strand and risk")
        ws.cell(row=row, column=1).font = _BOLD
        _header(ws, row + 1, ["Strand", *RISK_COLUMNS])
        start = row + 2
        lines = [*figures.subjects.by_strand, ("All subjects", figures.subjects.by_risk)]
        for offset, (strand, counts) in enumerate(lines):
            ws.cell(row=start + offset, column=1, value=strand)
            for column, count in enumerate(counts, start=2):
                ws.cell(row=start + offset, column=column, value=count)
        end = start + len(lines) - 1
        ws.cell(row=end, column=1).font = _BOLD
        if figures.subjects.by_strand:
            chart = _bar(
                f"By strand and risk: {figures.name}",
                ws,
                (2, len(RISK_COLUMNS) + 1),
                (start, end - 1),
                y_title="Subjects",
            )
            chart.grouping = "stacked"
            chart.overlap = 100
            ws.add_chart(chart, f"H{row}")
        row = max(end + 3, row + 18)
    ws.column_dimensions["A"].width = 34

    ws = workbook.create_sheet("Evaluation")
    top, bottom = _table(
        ws, report, EVALUATION, _heading_rows(ws, report, "The meetings' evaluation")
    )
    ws.add_chart(
        _bar("Ratings 1-5", ws, (4, 8), (top, bottom), y_title="Ratings"), f"A{bottom + 3}"
    )

    ws = workbook.create_sheet("Notes")
    _heading_rows(ws, report, "What each figure counts")
    for note in NOTES:
        ws.append([note])
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 110

    for sheet in workbook.worksheets:
        sheet.oddHeader.center.text = MARKING
        sheet.oddFooter.center.text = MARKING
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
