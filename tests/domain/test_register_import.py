"""The tracker import's rules, pure: reading a sheet, each cell's check and its words, and
the rows against a register held in memory. Every message names a line and a column and
never what the cell holds.

The import against a real store (both engines, the CLI, idempotence, history, audit) is
tested in tests/test_cli_register.py. All references and emails are invented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pytest

from bot.domain.action_import import check_actions, import_key_value, parse_actions
from bot.domain.model import ActionStatus, SubjectKind
from bot.domain.register import RiskLevel, SubjectStatus
from bot.domain.register_import import (
    ImportReport,
    LinkTarget,
    check_register,
    parse_date,
    parse_register,
)
from bot.domain.register_import_file import (
    MAX_ROWS,
    Table,
    cell_text,
    column_name,
    read_csv,
)
from bot.domain.row_problems import RowProblem

TODAY = date(2026, 11, 19)
REGISTER_HEADER = (
    "kind,reference,initials,strands,risk,lead agency,status,status reason,"
    "first discussed,last discussed,linked to\n"
)
ACTIONS_HEADER = (
    "tracker reference,description,owner,agency,due date,status,subject kind,"
    "subject reference,raised on\n"
)


def table(text: str) -> Table:
    read, problems = read_csv(text)
    assert read is not None and problems == []
    return read


def register_problems(text: str) -> list[str]:
    _, problems = parse_register(table(REGISTER_HEADER + text), TODAY)
    return [str(p) for p in problems]


def action_problems(text: str) -> list[str]:
    _, problems = parse_actions(table(ACTIONS_HEADER + text), TODAY)
    return [str(p) for p in problems]


@dataclass(frozen=True)
class Held:
    id: int
    kind: str
    initials: str = ""
    agency_id: int = 7


class Register:
    """A register in memory, as the service's lookups answer."""

    def __init__(self, *subjects: tuple[SubjectKind, str, Held]) -> None:
        self.held = {(kind, ref.upper()): s for kind, ref, s in subjects}

    def strand_code(self, text: str) -> str | None:
        return {"cse": "cse", "cce": "cce", "missing from home or care": "missing"}.get(
            text.lower()
        )

    def agency_id(self, text: str) -> int | None:
        return {"police": 1, "north yorkshire police": 1}.get(text.lower())

    def subject(self, kind: SubjectKind, reference: str) -> Held | None:
        return self.held.get((kind, " ".join(reference.split()).upper()))

    def subjects_named(self, reference: str) -> Sequence[Held]:
        return [s for (_, ref), s in self.held.items() if ref == reference.upper()]

    def owner(self, text: str) -> Held | None:
        return Held(3, "", agency_id=2) if text.lower() == "tom.hughes@example.org" else None


# --- reading ----------------------------------------------------------------------------


def test_a_csv_with_bom_blank_lines_and_a_quoted_line_break_keeps_spreadsheet_lines() -> None:
    read = table('\ufeff\nkind,reference\n\nchild,"CR-\n0001"\nlocation,Park\n')
    assert read.header_line == 2
    assert read.header == ("kind", "reference")
    assert read.rows == ((4, ("child", "CR-\n0001")), (6, ("location", "Park")))


def test_short_rows_are_padded_and_values_beyond_the_header_are_refused() -> None:
    read, problems = read_csv("a,b,c\n1\n1,2,3,4\n1,2,3,,\n")
    assert read is not None
    assert read.rows == ((2, ("1", "", "")), (4, ("1", "2", "3")))
    assert [str(p) for p in problems] == [
        "line 3: this row has values beyond the header's last column"
    ]


def test_an_empty_file_and_too_many_rows_are_refused() -> None:
    assert read_csv("\n\n") == (
        None,
        [RowProblem(1, "", "the file is empty: it needs a header row")],
    )
    read, problems = read_csv("a\n" + "x\n" * (MAX_ROWS + 3))
    assert read is not None and len(read.rows) == MAX_ROWS
    assert [str(p) for p in problems] == [
        f"line {MAX_ROWS + 2}: too many rows: at most {MAX_ROWS} in one file"
    ]


def test_spreadsheet_cells_become_csv_text() -> None:
    assert cell_text(None) == ""
    assert cell_text(datetime(2025, 3, 12, 0, 0)) == "2025-03-12"
    assert cell_text(date(2025, 3, 12)) == "2025-03-12"
    assert cell_text(17.0) == "17"
    assert cell_text(2.5) == "2.5"


def test_header_names_match_in_any_case_with_underscores_or_hyphens() -> None:
    assert column_name("  Lead_Agency ") == "lead agency"
    assert column_name("Linked-To") == "linked to"
    rows, problems = parse_register(
        table("KIND,Reference,Initials,STRANDS,Risk\nchild,CR-0001,AB,cse,high\n"), TODAY
    )
    assert problems == [] and rows[0].entry.reference == "CR-0001"


def test_a_header_with_an_unknown_repeated_or_missing_column_is_named_by_position() -> None:
    _, problems = parse_register(table("kind,Jane Smith,kind,risk\n"), TODAY)
    text = [str(p) for p in problems]
    assert text[0].startswith("line 1: header column 2 is not one I know (the columns are:")
    assert text[1] == "line 1, column kind: this column appears twice"
    assert text[2] == "line 1: the header lacks the column(s) reference, strands"
    assert not any("Jane" in t for t in text)


def test_dates_in_iso_or_uk_order() -> None:
    assert parse_date("2025-03-12") == date(2025, 3, 12)
    assert parse_date("2025-03-12 00:00:00") == date(2025, 3, 12)
    assert parse_date("12/03/2025") == date(2025, 3, 12)
    assert parse_date("3/1/2025") == date(2025, 1, 3)
    assert parse_date("2025-02-30") is None
    assert parse_date("March 2025") is None


# --- the register's cells -----------------------------------------------------------------


def test_a_good_row_is_read_with_its_words() -> None:
    rows, problems = parse_register(
        table(
            REGISTER_HEADER
            + "Person of concern,nyp-2026-0411,x.y.,CSE; cse ;cce,Very_High,police,Closed,"
            "Moved out of the area,01/02/2025,2025-06-30,CR-0001; Park\n"
        ),
        TODAY,
    )
    assert problems == []
    row = rows[0]
    assert (row.entry.kind, row.entry.reference, row.entry.initials) == (
        SubjectKind.PERSON,
        "NYP-2026-0411",
        "XY",
    )
    assert row.strands == ("CSE", "cse", "cce")
    assert row.risk is RiskLevel.VERY_HIGH
    assert row.status is SubjectStatus.CLOSED
    assert row.status_reason == "Moved out of the area"
    assert (row.first_discussed, row.last_discussed) == (date(2025, 2, 1), date(2025, 6, 30))
    assert row.links == ("CR-0001", "Park")


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("pupil,CR-0001,AB,cse,high", "column kind: not a kind of subject"),
        (",CR-0001,AB,cse,high", "column kind: the kind of subject is required"),
        ("child,,AB,cse,high", "column reference: a reference is required"),
        ("child,Jane Smith,AB,cse,high", "column reference: not a case reference"),
        ("person of concern,Jane Smith,AB,cse,high", "column reference: not a police or case"),
        ("child,CR-0001,,cse,high", "column initials: initials are required"),
        ("location,14 Acacia Avenue,,cse,high", "column reference: a location is a short"),
        ("location," + "x" * 81 + ",,cse,high", "column reference: a location is a short"),
        ("theme,ring 07700 900123 for info,,cse,high", "contains a phone number: take it out"),
        ("child,CR-0001,AB,,high", "column strands: at least one strand is required"),
        ("child,CR-0001,AB,cse,", "column risk: a risk level is required"),
        ("child,CR-0001,AB,cse,severe", "column risk: not a risk level: use one of low,"),
        ("child,CR-0001,AB,cse,high,,shut", "column status: not a status"),
        ("child,CR-0001,AB,cse,high,,closed", "column status reason: a reason is required"),
        (
            "child,CR-0001,AB,cse,high,,closed,Moved; DOB 14/03/2012",
            "column status reason: this looks like it contains a date of birth",
        ),
        ("child,CR-0001,AB,cse,high,,,,13/13/2025", "column first discussed: not a date"),
        ("child,CR-0001,AB,cse,high,,,,2026-12-01", "column first discussed: this date is in"),
        (
            "child,CR-0001,AB,cse,high,,,,2025-06-01,2025-05-01",
            "column last discussed: earlier than the date first discussed",
        ),
    ],
)
def test_each_bad_cell_is_named_by_line_and_column_never_by_its_content(
    cells: str, expected: str
) -> None:
    problems = register_problems("child,CR-0009,CD,cse,low\n" + cells + "\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith("line 3, column ")
    assert expected in problems[0]
    for fragment in ("Jane", "Acacia", "07700", "14/03/2012", "pupil", "severe", "shut"):
        assert fragment not in problems[0]


def test_every_bad_cell_of_a_row_is_reported_at_once() -> None:
    problems = register_problems("pupil,,,,severe,,shut,,someday\n")
    assert problems == [
        "line 2, column kind: not a kind of subject: use one of child, person of concern, "
        "person, location, location of concern, group, peer group, organised group, theme",
        "line 2, column strands: at least one strand is required (several: separate them with ;)",
        "line 2, column risk: not a risk level: use one of low, medium, high, very high",
        "line 2, column status: not a status: use one of open, monitoring, closed",
        "line 2, column first discussed: not a date: use YYYY-MM-DD or DD/MM/YYYY",
    ]


# --- the register against the store ---------------------------------------------------------


def test_rows_resolve_strands_agencies_held_subjects_and_links() -> None:
    rows, problems = parse_register(
        table(
            REGISTER_HEADER
            + "child,CR-0001,AB,cse;Missing from home or care,high,North Yorkshire Police,,,,,"
            "Skate park; NYP-1\n" + "location,Skate park,,cce,medium,,,,,,CR-0001\n"
        ),
        TODAY,
    )
    assert problems == []
    held = Register((SubjectKind.PERSON, "NYP-1", Held(40, "person", "ZZ")))
    plan = check_register(rows, held, problems)
    assert problems == []
    child, park = plan.subjects
    assert child.strand_codes == ("cse", "missing") and child.lead_agency_id == 1
    assert child.existing_id is None and park.lead_agency_id is None
    assert plan.links == (
        ((SubjectKind.CHILD, "CR-0001"), LinkTarget(row=(SubjectKind.LOCATION, "SKATE PARK"))),
        ((SubjectKind.CHILD, "CR-0001"), LinkTarget(subject_id=40)),
        ((SubjectKind.LOCATION, "SKATE PARK"), LinkTarget(row=(SubjectKind.CHILD, "CR-0001"))),
    )


def test_rows_that_do_not_fit_the_store_or_each_other_are_named() -> None:
    rows, problems = parse_register(
        table(
            REGISTER_HEADER
            + "child,CR-0001,AB,cse;grooming,high,the council,,,,,CR-0002;Nowhere;CR-0001\n"
            + "child,CR-0002,CD,cse,high,,,,,,\n"
            + "child,cr-0001,AB,cse,low,,,,,,\n"
            + "child,CR-0003,XY,cse,low,,,,,,Both\n"
            + "theme,Both,,cse,low,,,,,,\n"
        ),
        TODAY,
    )
    assert problems == []
    held = Register(
        (SubjectKind.CHILD, "CR-0003", Held(5, "child", "AB")),
        (SubjectKind.GROUP, "Both", Held(6, "group")),
    )
    check_register(rows, held, problems)
    assert sorted(str(p) for p in problems) == [
        "line 2, column lead agency: an agency the bot does not know",
        "line 2, column linked to: value 1: these two kinds of subject are not linked in the "
        "register",
        "line 2, column linked to: value 2: neither a reference in this file nor a subject of "
        "the register",
        "line 2, column linked to: value 3: a subject is not linked to itself",
        "line 2, column strands: a strand the register does not know (use a code or label "
        "from docs/import.md)",
        "line 4, column reference: the same subject as line 2",
        "line 5, column initials: the register holds this reference with other initials: "
        "check the reference",
        "line 5, column linked to: value 1: more than one subject has this reference (of "
        "different kinds)",
    ]


def test_the_report_says_when_nothing_changed() -> None:
    assert ImportReport("subject", unchanged=2).summary() == (
        "Nothing changed: all 2 subjects are already recorded as the file has them."
    )
    assert ImportReport("subject", 1, 2, 3, 1).summary() == (
        "Imported: 1 subject added, 2 updated, 3 unchanged, 1 link added."
    )
    assert ImportReport("action", 2, 0, 1).summary() == (
        "Imported: 2 actions added, 0 updated, 1 unchanged."
    )
    bad = ImportReport("action", problems=(RowProblem(2, "owner", "x"),))
    assert not bad.ok
    assert bad.summary() == (
        "Nothing imported: 1 problem in the file (fix them and import it again)."
    )


# --- actions ----------------------------------------------------------------------------------


def test_an_action_row_is_read_with_its_defaults() -> None:
    rows, problems = parse_actions(
        table(
            ACTIONS_HEADER
            + "A-017,Share the plan,tom.hughes@example.org,,15/01/2027,,child,cr-0001,"
            "2025-10-08\n"
            + "A-018,Visit the kiosk,tom.hughes@example.org,police,2025-11-30,Completed,,,\n"
        ),
        TODAY,
    )
    assert problems == []
    first, second = rows
    assert first.due_date == date(2027, 1, 15) and first.status is ActionStatus.OPEN
    assert first.subject == (SubjectKind.CHILD, "CR-0001")
    assert first.raised_on == date(2025, 10, 8)
    assert second.status is ActionStatus.DONE and second.subject is None
    assert second.agency == "police"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (",Share,tom.hughes@example.org,,2027-01-15", "column tracker reference: the tracker's"),
        ("X" * 41 + ",Share,tom.hughes@example.org,,2027-01-15", "tracker reference: too long"),
        ("A-1,,tom.hughes@example.org,,2027-01-15", "column description: a description is"),
        (
            "A-1,Call Jo on 07700 900123,tom.hughes@example.org,,2027-01-15",
            "column description: this looks like it contains a phone number",
        ),
        ("A-1," + "x" * 1001 + ",tom.hughes@example.org,,2027-01-15", "description: too long"),
        ("A-1,Share,,,2027-01-15", "column owner: the owner"),
        ("A-1,Share,tom.hughes@example.org,,", "column due date: a due date is required"),
        ("A-1,Share,tom.hughes@example.org,,soon", "column due date: not a date"),
        ("A-1,Share,tom.hughes@example.org,,2027-01-15,pending", "column status: not a status"),
        (
            "A-1,Share,tom.hughes@example.org,,2027-01-15,,,CR-0001",
            "column subject kind: the subject's kind is required",
        ),
        (
            "A-1,Share,tom.hughes@example.org,,2027-01-15,,child,",
            "column subject reference: the subject's reference is required",
        ),
        (
            "A-1,Share,tom.hughes@example.org,,2027-01-15,,,,2027-01-01",
            "column raised on: this date is in the future",
        ),
    ],
)
def test_each_bad_action_cell_is_named_never_echoed(cells: str, expected: str) -> None:
    problems = action_problems(cells + "\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith("line 2, column ") and expected in problems[0]
    assert "07700" not in problems[0] and "pending" not in problems[0]


def test_actions_against_the_group() -> None:
    rows, problems = parse_actions(
        table(
            ACTIONS_HEADER
            + "A-1,Share,tom.hughes@example.org,,2027-01-15,,child,CR-0001\n"
            + "a-1 ,Again,tom.hughes@example.org,,2027-01-15\n"
            + "A-2,Share,nobody@example.org,the council,2027-01-15,,child,CR-0404\n"
            + "A-3,Share,TOM.HUGHES@example.org,police,2027-01-15\n"
        ),
        TODAY,
    )
    assert problems == []
    held = Register((SubjectKind.CHILD, "CR-0001", Held(9, "child", "AB")))
    plan = check_actions(rows, held, problems)
    assert [str(p) for p in problems] == [
        "line 3, column tracker reference: the same tracker reference as line 2",
        "line 4, column owner: not a member of this locality group (by email or Entra object id)",
        "line 4, column agency: an agency the bot does not know",
        "line 4, column subject reference: no subject of this kind and reference in the "
        "group's register (import the register first)",
    ]
    assert [(p.row.line, p.owner_id, p.agency_id, p.subject_id) for p in plan.actions] == [
        (2, 3, 2, 9),  # the owner's agency by default
        (5, 3, 1, None),
    ]


def test_the_import_key_ignores_case_and_spacing_of_the_tracker_reference() -> None:
    assert import_key_value(4, " a-017 ") == import_key_value(4, "A-017") == "4|A-017"
    assert import_key_value(5, "A-017") != import_key_value(4, "A-017")
