"""Outstanding actions as an Excel workbook: the columns and rows of ``bot.exports.actions``,
with the marking above the header and on every printed page, and typed text stored as text.

Apart from the CSV because it needs openpyxl, with lxml about 0.15 s of CPU to import and
8 MB of memory (measured after the app was imported): the services import this module
when a workbook is asked for, so ``mace-bot serve`` starts without it (issue 18).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.views import OutstandingActionRow
from bot.exports._text import (
    CLASSIFICATION,
    MARKING,
    format_datetime,
    is_formula_like,
    uk_naive,
    utc_naive,
    xml_safe,
)
from bot.exports.actions import ACTION_COLUMNS, SHEET_TITLE, Column, Value, _values

# Excel refuses (and offers to "repair") a cell holding more text than this.
_EXCEL_CELL_CHARS = 32_767

_DATE_FORMAT = "ddd d mmm yyyy"  # "Thu 19 Nov 2026", as on the cards
_DATETIME_FORMAT = "ddd d mmm yyyy hh:mm"

_HEADER_ROW = 4  # marking, title, generation line, then the header
_THIN = Side(style="thin", color="808080")
_MARKING_FONT = Font(bold=True, size=12, color="C00000")
_TITLE_FONT = Font(bold=True, size=14)
_NOTE_FONT = Font(italic=True, color="595959")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_HEADER_BORDER = Border(bottom=_THIN)
# Excel's own "Bad" cell style, which partners already read as "needs attention".
_OVERDUE_FILL = PatternFill("solid", fgColor="FFC7CE")
_OVERDUE_FONT = Font(color="9C0006")
_TOP = Alignment(vertical="top")
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)


def _put_text(cell: Cell, text: str) -> None:
    """Store text as text, never as a formula or an error code such as '#N/A'.

    openpyxl turns any string starting with '=' into a formula; forcing the type back to
    a string after assignment stops that. The quote-prefix flag is what Excel sets when a
    user types a leading apostrophe: it keeps the cell text if someone edits it later.
    """
    safe = xml_safe(text)[:_EXCEL_CELL_CHARS]
    cell.value = safe
    cell.data_type = "s"
    if is_formula_like(safe):
        cell.quotePrefix = True


def _put(cell: Cell, value: Value) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        cell.value = uk_naive(value)
        cell.number_format = _DATETIME_FORMAT
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = _DATE_FORMAT
    elif isinstance(value, int):
        cell.value = value
    else:
        _put_text(cell, value)


def _cell(sheet: Worksheet, row: int, column: int) -> Cell:
    """A cell to write to; this sheet merges no cells, so it is always a plain ``Cell``."""
    cell = sheet.cell(row=row, column=column)
    assert isinstance(cell, Cell)
    return cell


def _header_row(sheet: Worksheet, row: int, columns: Sequence[Column]) -> None:
    """Write the columns' headings in ``row`` and give each column its width.

    Bold on grey with a thin rule below, wrapped and top-aligned: the outstanding-actions
    sheet and the register's "Subjects" sheet (``bot.exports.subjects``) share this so
    their headers look the same.
    """
    for index, column in enumerate(columns, start=1):
        cell = _cell(sheet, row, index)
        _put_text(cell, column.header)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _TOP_WRAP
        sheet.column_dimensions[get_column_letter(index)].width = column.width


def _write_preamble(
    sheet: Worksheet, rows: Sequence[OutstandingActionRow], title: str, generated_at: datetime
) -> None:
    overdue = sum(1 for row in rows if row.days_overdue > 0)
    noun = "action" if len(rows) == 1 else "actions"
    note = f"Generated {format_datetime(generated_at)} (UK time). {len(rows)} {noun}"
    if overdue:
        note += f", {overdue} overdue (shaded red)"
    marking = _cell(sheet, 1, 1)
    _put_text(marking, MARKING)
    marking.font = _MARKING_FONT
    heading = _cell(sheet, 2, 1)
    _put_text(heading, title)
    heading.font = _TITLE_FONT
    generated = _cell(sheet, 3, 1)
    _put_text(generated, note + ".")
    generated.font = _NOTE_FONT
    _header_row(sheet, _HEADER_ROW, ACTION_COLUMNS)


def _set_up_printing(sheet: Worksheet, title: str) -> None:
    """Printed pages carry the marking too, and repeat the header row."""
    sheet.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    header, footer = sheet.oddHeader, sheet.oddFooter
    assert header is not None and footer is not None  # openpyxl always creates both
    # Header/footer codes treat '&' as a command; double it in typed text.
    header.center.text = MARKING.replace("&", "&&")
    header.center.font = "Calibri,Bold"
    footer.left.text = xml_safe(title).replace("&", "&&")[:200]
    footer.right.text = "Page &P of &N"


def actions_xlsx(
    rows: Sequence[OutstandingActionRow], *, title: str, generated_at: datetime
) -> bytes:
    """The rows as an Excel workbook with one sheet (``actions_workbook``)."""
    buffer = io.BytesIO()
    actions_workbook(rows, title=title, generated_at=generated_at).save(buffer)
    return buffer.getvalue()


def actions_workbook(
    rows: Sequence[OutstandingActionRow], *, title: str, generated_at: datetime
) -> Workbook:
    """The rows as an Excel workbook with one sheet, ready to sort and filter.

    Above the header sit the marking (bold, red), the title and when it was generated, so
    a copy found later says what it is and how old it is. The header row is frozen and
    filtered; due dates, raised-on dates and update times are real date cells shown as
    "Thu 19 Nov 2026", so they sort as dates. Overdue rows are shaded, and the
    days-overdue column says the same in words for anyone who cannot see the colour.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = SHEET_TITLE
    _write_preamble(sheet, rows, title, generated_at)

    for offset, row in enumerate(rows, start=1):
        excel_row = _HEADER_ROW + offset
        overdue = row.days_overdue > 0
        for index, (column, value) in enumerate(zip(ACTION_COLUMNS, _values(row), strict=True)):
            cell = _cell(sheet, excel_row, index + 1)
            _put(cell, value)
            cell.alignment = _TOP_WRAP if column.wrap else _TOP
            if overdue:
                cell.fill = _OVERDUE_FILL
                cell.font = _OVERDUE_FONT

    last_column = get_column_letter(len(ACTION_COLUMNS))
    last_row = _HEADER_ROW + len(rows)
    sheet.freeze_panes = f"A{_HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{_HEADER_ROW}:{last_column}{last_row}"
    _set_up_printing(sheet, title)

    properties = workbook.properties
    properties.title = xml_safe(title)[:255]
    properties.subject = SHEET_TITLE
    properties.keywords = CLASSIFICATION
    properties.category = CLASSIFICATION
    properties.creator = "MACE bot"
    properties.lastModifiedBy = "MACE bot"
    properties.created = utc_naive(generated_at)
    return workbook
