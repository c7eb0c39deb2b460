"""A tracker's file as read, before any row is checked (``mace-bot register import`` and
``mace-bot actions import``): the CSV reader, the ``TableBuilder`` the CSV and XLSX
readers share (the XLSX one, which needs openpyxl, is in bot.services.tracker_file),
a cell as text, the header matched to the known columns; every step reports a
``RowProblem`` (bot.domain.row_problems).

Its own module so that reading a sheet and checking its rows are two rooms: this one
knows nothing of the register or of actions (the columns it matches are passed in);
bot.domain.register_import and bot.domain.action_import check each row and what the
rows ask of the store. Pure, as all of the domain: the service reads the bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.row_problems import RowProblem, problems_in_order

#: More rows than any locality's tracker holds; a bigger sheet is most likely the wrong one.
MAX_ROWS = 5000
#: A file over this size is refused before it is read (a 5,000-row tracker is far less).
MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Table:
    """A sheet as read: its header row and each later non-empty row, with the line (the
    spreadsheet's row number) it came from. Cells are text: a reader turns dates into
    ISO dates and numbers into their plain digits."""

    header_line: int
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]


class TableBuilder:
    """Collects a sheet row by row (the CSV and XLSX readers share it): skips empty rows,
    stops at ``MAX_ROWS``, and notes a row with values beyond the header's columns."""

    def __init__(self) -> None:
        self.header_line = 0
        self.header: tuple[str, ...] = ()
        self.rows: list[tuple[int, tuple[str, ...]]] = []
        self.problems: list[RowProblem] = []
        self.full = False

    def add(self, line: int, cells: Sequence[str]) -> None:
        if self.full:
            return
        if not any(cell.strip() for cell in cells):
            return
        if not self.header_line:
            last = max(i for i, cell in enumerate(cells) if cell.strip())
            self.header_line, self.header = line, tuple(cells[: last + 1])
            return
        if len(self.rows) >= MAX_ROWS:
            self.problems.append(
                RowProblem(line, "", f"too many rows: at most {MAX_ROWS} in one file")
            )
            self.full = True
            return
        width = len(self.header)
        if any(cell.strip() for cell in cells[width:]):
            self.problems.append(
                RowProblem(line, "", "this row has values beyond the header's last column")
            )
            return
        padded = tuple(cells[:width]) + ("",) * max(0, width - len(cells))
        self.rows.append((line, padded))

    def table(self) -> tuple[Table | None, list[RowProblem]]:
        if not self.header_line:
            return None, [RowProblem(1, "", "the file is empty: it needs a header row")]
        return Table(self.header_line, self.header, tuple(self.rows)), self.problems


def read_csv(text: str) -> tuple[Table | None, list[RowProblem]]:
    """A CSV file's text (a byte-order mark is dropped) as a ``Table``."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    built = TableBuilder()
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            built.add(line, record)
            if built.full:
                break
    except csv.Error:
        return None, [RowProblem(reader.line_num, "", "this is not readable as CSV")]
    return built.table()


def cell_text(value: object) -> str:
    """A spreadsheet cell's value as the text a CSV would hold: a date as YYYY-MM-DD, a
    whole number without ".0", nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def column_name(cell: str) -> str:
    """How a header cell is matched: lower-cased, "_" and "-" as spaces, spaces single."""
    return " ".join(cell.replace("_", " ").replace("-", " ").lower().split())


def columns_of(
    table: Table, known: Sequence[str], required: Sequence[str]
) -> tuple[dict[str, int], list[RowProblem]]:
    """Where each known column is in the header; problems for an unknown, repeated or
    missing column (the header is echoed by position, never by its text)."""
    problems: list[RowProblem] = []
    where: dict[str, int] = {}
    line = table.header_line
    for position, cell in enumerate(table.header):
        name = column_name(cell)
        if not name:
            problems.append(RowProblem(line, "", f"header column {position + 1} has no name"))
        elif name not in known:
            problems.append(
                RowProblem(
                    line,
                    "",
                    f"header column {position + 1} is not one I know "
                    f"(the columns are: {', '.join(known)})",
                )
            )
        elif name in where:
            problems.append(RowProblem(line, name, "this column appears twice"))
        else:
            where[name] = position
    missing = [name for name in required if name not in where]
    if missing:
        problems.append(
            RowProblem(line, "", "the header lacks the column(s) " + ", ".join(missing))
        )
    return where, problems


def in_order(problems: Iterable[RowProblem], columns: Sequence[str]) -> tuple[RowProblem, ...]:
    """Problems by line, then in the order of the columns, each the same problem once."""
    return problems_in_order(set(problems), columns)
