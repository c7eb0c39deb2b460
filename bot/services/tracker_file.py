"""A tracker's file read from disk for ``mace-bot register import`` and ``mace-bot
actions import``: a .csv (bot.domain.register_import_file reads its text) or the first
sheet of an .xlsx workbook (openpyxl, which the pure domain does not import), as one
``Table``, before any row is checked (bot.domain.register_import or
bot.domain.action_import) or anything is written (bot.services.register_import).

Its own room: reading a file and importing its rows fail in different ways (a file that
cannot be read at all is ``UnreadableFile``, told without its contents; a bad row is a
``RowProblem``) and change for different reasons.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from bot.domain.errors import DomainError
from bot.domain.register_import_file import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    Table,
    TableBuilder,
    cell_text,
    read_csv,
)
from bot.domain.row_problems import RowProblem


class UnreadableFile(DomainError):
    """The file cannot be read as a sheet: its reason only, never its contents."""


def read_table(path: Path) -> tuple[Table | None, list[RowProblem]]:
    """A .csv (UTF-8, with or without a byte-order mark) or .xlsx file's first sheet."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise UnreadableFile("Give a .csv or .xlsx file (see docs/import.md).")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableFile(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: a tracker of "
                f"{MAX_ROWS} rows is far smaller. Is it the right file?"
            )
        if suffix == ".csv":
            return read_csv(path.read_text(encoding="utf-8-sig"))
        return _read_xlsx(path)
    except UnicodeDecodeError:
        raise UnreadableFile(
            "The file is not UTF-8 text: save it as 'CSV UTF-8' (see docs/import.md)."
        ) from None
    except OSError as exc:
        raise UnreadableFile(f"Could not read the file: {exc.strerror}.") from None


def _read_xlsx(path: Path) -> tuple[Table | None, list[RowProblem]]:
    # Imported here: ``mace-bot serve`` imports this module (with the other commands) but
    # never reads a workbook, and starts without openpyxl (issue 18).
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise UnreadableFile("The file is not a readable .xlsx workbook.") from None
    try:
        sheet = book.worksheets[0]
        built = TableBuilder()
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            built.add(line, [cell_text(value) for value in values])
            if built.full:
                break
        return built.table()
    finally:
        book.close()
