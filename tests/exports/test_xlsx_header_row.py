"""The header row of both workbook sheets, style by style, reopened with openpyxl.

The outstanding-actions sheet and the register's "Subjects" sheet write their header the
same way; these pin what a coordinator's copy holds (value, font, fill, border, wrap and
column width of every header cell), as the code wrote it before the two shared a helper.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.views import SubjectExportRow
from bot.exports.actions_xlsx import actions_xlsx
from bot.exports.subjects import actions_and_subjects_xlsx
from tests.exports.views_testkit import GENERATED_AT, outstanding_rows

HEADER_ROW = 4
CHECKS = ("Placing authority", "Missing episodes")
SUBJECT = SubjectExportRow(
    reference="CR-0101 (J.S.)",
    kind="Child",
    locality="Scarborough",
    status="Open",
    risk="High",
    strands="CCE, CSE",
    lead_agency="Police",
    first_discussed=date(2026, 1, 5),
    last_discussed=date(2026, 11, 2),
    open_actions=3,
    checks=("North Yorkshire", "2"),
)


def _sheets() -> dict[str, Worksheet]:
    actions = load_workbook(
        io.BytesIO(actions_xlsx(outstanding_rows(), title="T", generated_at=GENERATED_AT))
    )
    both = load_workbook(
        io.BytesIO(
            actions_and_subjects_xlsx(
                outstanding_rows(), (SUBJECT,), CHECKS, title="T", generated_at=GENERATED_AT
            )
        )
    )
    sheets = {
        "actions": actions["Outstanding actions"],
        "actions beside subjects": both["Outstanding actions"],
        "subjects": both["Subjects"],
    }
    assert all(isinstance(sheet, Worksheet) for sheet in sheets.values())
    return sheets


ACTION_HEADERS = [
    ("Reference", 10),
    ("Locality", 15),
    ("Action", 50),
    ("Owner", 22),
    ("Agency", 24),
    ("Due date", 16),
    ("Working days overdue", 12),
    ("Status", 10),
    ("Subject", 18),
    ("Raised on", 16),
    ("Escalated", 10),
    ("Last update", 45),
    ("Last update at (UK time)", 21),
]
SUBJECT_HEADERS = [
    ("Reference", 22),
    ("Kind", 20),
    ("Locality", 15),
    ("Status", 12),
    ("Risk", 10),
    ("Strands", 40),
    ("Lead agency", 24),
    ("First discussed", 16),
    ("Last discussed", 16),
    ("Open actions", 10),
    ("Placing authority", 16),
    ("Missing episodes", 16),
]
#: (header, width) of each sheet's columns, in order, as the workbooks were written.
EXPECTED_COLUMNS: dict[str, list[tuple[str, float]]] = {
    "actions": ACTION_HEADERS,
    "actions beside subjects": ACTION_HEADERS,
    "subjects": SUBJECT_HEADERS,
}


def _assert_header_style(cell: Cell) -> None:
    assert cell.data_type == "s"
    assert cell.font.b is True
    assert not cell.font.i
    assert cell.font.color is None
    assert cell.fill.fill_type == "solid"
    assert cell.fill.fgColor.rgb == "00D9D9D9"
    assert cell.border.bottom.style == "thin"
    assert cell.border.bottom.color.rgb == "00808080"
    for side in (cell.border.top, cell.border.left, cell.border.right):
        assert side is None or side.style is None
    assert cell.alignment.vertical == "top"
    assert cell.alignment.wrap_text is True
    assert cell.alignment.horizontal is None


@pytest.mark.parametrize("name", list(EXPECTED_COLUMNS))
def test_header_cells_carry_the_header_style_and_each_column_its_width(name: str) -> None:
    sheet = _sheets()[name]
    expected = EXPECTED_COLUMNS[name]
    header = list(sheet[HEADER_ROW])

    assert [c.value for c in header] == [heading for heading, _ in expected]
    for cell in header:
        assert isinstance(cell, Cell)
        _assert_header_style(cell)
    widths = [
        sheet.column_dimensions[get_column_letter(index)].width
        for index in range(1, len(expected) + 1)
    ]
    assert widths == [width for _, width in expected]
