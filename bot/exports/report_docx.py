"""The performance report's short Word summary: the headline figures and attendance, for
every locality together and then each one, for the partnership's board papers.

Marked OFFICIAL-SENSITIVE in every page's header and footer. Counts only: no child, no
person, no free text. The workbook (``report_xlsx``) holds the same figures and more
(strands, the ratings' distribution), with charts.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from bot.domain.report import (
    AGENCY_GROUP_LABELS,
    AgencyGroup,
    LocalityFigures,
    PerformanceReport,
    headline,
    number,
)
from bot.exports._docx import _FONT, _RED, _note, _para, _table
from bot.exports._text import CLASSIFICATION, MARKING, format_datetime, utc_naive

INTRO = (
    "Counts only: no child, person of concern or member is named. What each figure counts "
    "is set out in the workbook's Notes sheet. Withdrawn actions and entries are not "
    "counted; the meetings' rating comments are not included."
)


def report_docx(report: PerformanceReport) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(20))
    section.different_first_page_header_footer = False
    for part in (section.header, section.footer):
        paragraph = part.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(MARKING)
        run.bold = True
        run.font.color.rgb = _RED
    normal = document.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(11)
    properties = document.core_properties
    properties.title = f"MACE performance report: {report.describe()}"[:255]
    properties.category = CLASSIFICATION
    properties.keywords = CLASSIFICATION
    properties.author = "MACE bot"
    properties.last_modified_by = "MACE bot"
    properties.created = utc_naive(report.generated_at)
    properties.modified = utc_naive(report.generated_at)

    document.add_heading("MACE performance report", 0)
    _para(document, f"Period: {report.period.describe()}.")
    _para(document, f"Localities: {', '.join(f.name for f in report.localities)}.")
    _para(document, f"Generated {format_datetime(report.generated_at)} (UK time). {MARKING}.")
    _note(document, INTRO)
    scopes = [report.total] if len(report.localities) > 1 else []
    for figures in [*scopes, *report.localities]:
        _write_scope(document, figures)
    _note(document, f"End of report. {MARKING}.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _write_scope(document: DocxDocument, figures: LocalityFigures) -> None:
    document.add_heading(figures.name, 1)
    _table(document, ("Figure", "Value"), (120, 50), headline(figures))
    rows = [
        (
            agency.agency,
            AGENCY_GROUP_LABELS[agency.group],
            str(agency.attended),
            str(agency.apologies),
            number(agency.rate, "%"),
        )
        for agency in figures.attendance
        if agency.group is not AgencyGroup.OTHER or agency.attended or agency.apologies
    ]
    if rows:
        document.add_heading(f"Attendance ({figures.meetings_held} meetings held)", 2)
        _table(
            document,
            ("Agency", "Group", "Attended", "Apologies", "Attendance"),
            (60, 40, 22, 24, 24),
            rows,
        )
