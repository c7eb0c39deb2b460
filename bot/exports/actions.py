"""Outstanding actions as CSV and XLSX, for coordinators who chase them outside Teams.

Both files carry the same columns in the same order as ``ACTION_COLUMNS``, so a
coordinator who switches format, or a script that reads either, finds the same thing.
The rows are rendered in the order given: the service that filtered them for this person
also decided how they sort.

Two things matter more than layout here:

* The marking. The first line of either file says OFFICIAL-SENSITIVE, because an export
  leaves the bot's access control the moment it is saved to a laptop.
* Formula injection. Descriptions and updates are typed by partners; a cell that begins
  ``=HYPERLINK(...)`` must never become a live formula on a coordinator's machine. The CSV
  prefixes such text with an apostrophe (OWASP's advice); the XLSX stores every piece of
  text as a string cell with Excel's "quote prefix" flag, so it shows exactly what was
  typed and stays text even if someone edits the cell.

The workbook is built in ``bot.exports.actions_xlsx``: openpyxl is loaded when a
workbook is first asked for, not when ``mace-bot serve`` starts (issue 18).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.views import OutstandingActionRow
from bot.exports._text import (
    ACTION_STATUS_LABELS,
    MARKING,
    neutralise_formula,
    slug,
    uk_time,
    xml_safe,
)

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SHEET_TITLE = "Outstanding actions"

Value = str | int | date | datetime | None


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    width: float  # in Excel's character widths
    wrap: bool = False


#: Every export's columns, in order. The CSV header row and the XLSX header row are these.
ACTION_COLUMNS: tuple[Column, ...] = (
    Column("Reference", 10),
    Column("Locality", 15),
    Column("Action", 50, wrap=True),
    Column("Owner", 22),
    Column("Agency", 24),
    Column("Due date", 16),
    Column("Working days overdue", 12),
    Column("Status", 10),
    Column("Subject", 18),
    Column("Raised on", 16),
    Column("Escalated", 10),
    Column("Last update", 45, wrap=True),
    Column("Last update at (UK time)", 21),
)


def action_reference(action_id: int) -> str:
    """'A-12': the short name partners use for an action in chat and at meetings."""
    return f"A-{action_id}"


def _values(row: OutstandingActionRow) -> tuple[Value, ...]:
    """One row's cells, typed: dates stay dates so each format can write them its own way."""
    return (
        action_reference(row.id),
        row.locality,
        row.description,
        row.owner_name,
        row.agency_name,
        row.due_date,
        row.days_overdue,
        ACTION_STATUS_LABELS.get(row.status, str(row.status)),
        row.subject or "",
        row.raised_on,
        "Yes" if row.escalated else "No",
        row.last_update,
        row.last_update_at,
    )


def actions_filename(generated_at: datetime, extension: str) -> str:
    """'MACE-outstanding-actions-2026-11-19-1405.xlsx' (London time), for downloads."""
    stamp = f"{uk_time(generated_at):%Y-%m-%d-%H%M}"
    return f"MACE-outstanding-actions-{stamp}.{slug(extension).lower()}"


# --- CSV ------------------------------------------------------------------------------


def _csv_text(value: Value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, datetime):
        # Excel reads "2026-11-19 14:05" as a date and time in any locale.
        return f"{uk_time(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    return neutralise_formula(xml_safe(value))


def actions_csv(rows: Sequence[OutstandingActionRow], *, title: str) -> bytes:
    """The rows as CSV: the marking, the title, a header row, then one line per action.

    UTF-8 with a byte-order mark, because without it Excel on Windows reads the file as
    the local code page and mangles names and the en dash in the marking. Lines end in
    CRLF (RFC 4180). Dates are ISO 8601 so that any spreadsheet or script reads them the
    same way; the days-overdue column is a bare number so it sorts.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([MARKING])
    writer.writerow([_csv_text(title)])
    writer.writerow([column.header for column in ACTION_COLUMNS])
    for row in rows:
        writer.writerow([_csv_text(value) for value in _values(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
