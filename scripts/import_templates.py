"""The tracker import's templates as Excel workbooks, made from the CSV templates in
docs/templates/ (which are what the repository keeps: text, reviewable, no binary).

    .venv/bin/python scripts/import_templates.py [--out DIR]    # default build/templates

Each workbook has one sheet with the CSV's header in row 1 (bold, frozen) and its rows
below, the date columns as real date cells, so a group can fill it in Excel and give it
to ``mace-bot register import`` or ``mace-bot actions import`` as it is (docs/import.md).
tests/test_cli_register.py imports what this writes.
"""

from __future__ import annotations

import argparse
import csv
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "docs" / "templates"
DATE_COLUMNS = frozenset({"first discussed", "last discussed", "due date", "raised on"})


def workbook_from_csv(source: Path, target: Path) -> Path:
    """Writes ``source`` (a CSV template) as an .xlsx at ``target``; returns ``target``."""
    with source.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = source.stem
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    dates = {i for i, name in enumerate(header) if name.strip().lower() in DATE_COLUMNS}
    for row in rows:
        sheet.append([_cell(value, i in dates) for i, value in enumerate(row)])
    for position, name in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(1, position).column_letter].width = max(
            12, len(name) + 4
        )
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def _cell(value: str, is_date: bool) -> object:
    if is_date and value:
        return date.fromisoformat(value)
    return value or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "templates")
    args = parser.parse_args(argv)
    for source in sorted(TEMPLATES.glob("*.csv")):
        written = workbook_from_csv(source, args.out / f"{source.stem}.xlsx")
        print(f"Wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
