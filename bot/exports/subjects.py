"""The register's "Subjects" sheet, added to the outstanding-actions workbook (issue 15).

One row per subject the requester may see (the service decided which): reference, kind,
group, status, risk, strands, lead agency, when first and last discussed, open actions,
then a child's checks as columns (blank for other kinds and for what is not recorded).
The same safeguards as the actions sheet: the marking above the header and on every
printed page, typed text stored as text (never a formula), real date cells.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.views import OutstandingActionRow, SubjectExportRow
from bot.exports._text import MARKING, format_datetime, xml_safe
from bot.exports.actions import Column
from bot.exports.actions_xlsx import (
    _MARKING_FONT,
    _NOTE_FONT,
    _TITLE_FONT,
    _TOP,
    _TOP_WRAP,
    _cell,
    _header_row,
    _put,
    _put_text,
    actions_workbook,
)

SUBJECTS_SHEET_TITLE = "Subjects"
_HEADER_ROW = 4

SUBJECT_COLUMNS: tuple[Column, ...] = (
    Column("Reference", 22),
    Column("Kind", 20),
    Column("Locality", 15),
    Column("Status", 12),
    Column("Risk", 10),
    Column("Strands", 40, wrap=True),
    Column("Lead agency", 24),
    Column("First discussed", 16),
    Column("Last discussed", 16),
    Column("Open actions", 10),
)


def subjects_sheet(
    sheet: Worksheet,
    rows: Sequence[SubjectExportRow],
    check_columns: Sequence[str],
    generated_at: datetime,
) -> None:
    columns = (*SUBJECT_COLUMNS, *(Column(name, 16, wrap=True) for name in check_columns))
    marking = _cell(sheet, 1, 1)
    _put_text(marking, MARKING)
    marking.font = _MARKING_FONT
    heading = _cell(sheet, 2, 1)
    _put_text(heading, "The register: subjects you may see")
    heading.font = _TITLE_FONT
    noun = "subject" if len(rows) == 1 else "subjects"
    note = _cell(sheet, 3, 1)
    _put_text(
        note,
        f"Generated {format_datetime(generated_at)} (UK time). {len(rows)} {noun}. "
        "A child's checks are blank where not yet recorded.",
    )
    note.font = _NOTE_FONT
    _header_row(sheet, _HEADER_ROW, columns)
    for offset, row in enumerate(rows, start=1):
        values: tuple[str | int | date | None, ...] = (
            row.reference,
            row.kind,
            row.locality,
            row.status,
            row.risk,
            row.strands,
            row.lead_agency,
            row.first_discussed,
            row.last_discussed,
            row.open_actions,
            *(row.checks or ("",) * len(check_columns)),
        )
        for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
            cell = _cell(sheet, _HEADER_ROW + offset, index)
            _put(cell, value if value != "" else None)
            cell.alignment = _TOP_WRAP if column.wrap else _TOP
    sheet.freeze_panes = f"B{_HEADER_ROW + 1}"
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{_HEADER_ROW}:{last}{_HEADER_ROW + len(rows)}"
    sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    header = sheet.oddHeader
    assert header is not None
    header.center.text = MARKING.replace("&", "&&")
    header.center.font = "Calibri,Bold"


def actions_and_subjects_xlsx(
    rows: Sequence[OutstandingActionRow],
    subjects: Sequence[SubjectExportRow],
    check_columns: Sequence[str],
    *,
    title: str,
    generated_at: datetime,
) -> bytes:
    """The outstanding-actions workbook with the "Subjects" sheet after it."""
    workbook = actions_workbook(rows, title=title, generated_at=generated_at)
    subjects_sheet(
        workbook.create_sheet(xml_safe(SUBJECTS_SHEET_TITLE)), subjects, check_columns, generated_at
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
