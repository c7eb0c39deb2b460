"""The members CSV's rules, pure: every check and its words, in milliseconds.

The import as a whole (codes looked up, members written, notices queued) is tested against
the database in tests/services/test_members.py; here each rule is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain.member_import import (
    MAX_ROWS,
    ImportPerson,
    ImportReport,
    ImportRow,
    agree_people,
    check_codes,
    check_row,
    in_order,
    match_people,
    match_person,
    parse_csv,
    read_import,
)
from bot.domain.members import MAX_MEMBER_NAME_CHARS, ROLE_CODES, plural, quoted_code
from bot.domain.model import Role
from bot.domain.row_problems import RowProblem

HEADER = "name,email,aad_object_id,agency,locality,role,admin\n"
EXPECTED = "name, email, aad_object_id, agency, locality, role"


@dataclass
class Stored:
    """A stored member as matching sees one."""

    id: int
    email: str | None
    aad_object_id: str | None = None


def cells(**given: str) -> dict[str, str]:
    """A good row's cells, with the given ones replaced."""
    row = {
        "name": "Ada Fielding",
        "email": "ada@example.org",
        "aad_object_id": "aad-1",
        "agency": "police",
        "locality": "selby",
        "role": "chair",
        "admin": "",
    }
    return {**row, **given}


def problems_of(**given: str) -> list[tuple[str, str]]:
    problems: list[RowProblem] = []
    check_row(2, cells(**given), problems)
    assert all(p.line == 2 for p in problems)
    return [(p.column, p.message) for p in problems]


def row(
    line: int,
    email: str = "ada@example.org",
    *,
    name: str = "Ada Fielding",
    aad: str = "",
    agency: str = "police",
    locality: str = "selby",
    role: Role | None = Role.CHAIR,
    admin: bool | None = None,
) -> ImportRow:
    return ImportRow(line, name, email, aad, agency, locality, role, admin)


def person(email: str = "ada@example.org", aad: str = "", line: int = 2) -> ImportPerson:
    return ImportPerson(line, "Ada Fielding", email, "police", aad)


# -- the words ------------------------------------------------------------------------------


def test_a_problem_says_where_and_what() -> None:
    assert str(RowProblem(3, "email", "not a valid email address")) == (
        "line 3, column email: not a valid email address"
    )
    assert str(RowProblem(1, "", "this is not readable as CSV")) == (
        "line 1: this is not readable as CSV"
    )


def test_plural_and_quoted_code() -> None:
    assert plural(1, "member") == "1 member"
    assert plural(0, "member") == "0 members"
    assert plural(2, "role") == "2 roles"
    assert quoted_code("selby") == " 'selby'"
    assert quoted_code("north_yorks-2") == " 'north_yorks-2'"
    # Not shaped like a code: a shifted column could hold a name or an email.
    assert quoted_code("ada@example.org") == ""
    assert quoted_code("Ada Fielding") == ""
    assert quoted_code("x" * 41) == ""


def test_the_report_summary() -> None:
    assert ImportReport().ok
    assert ImportReport().summary() == "Imported: 0 members added, 0 updated, 0 roles added."
    assert ImportReport(1, 2, 1).summary() == "Imported: 1 member added, 2 updated, 1 role added."
    assert ImportReport(2, 0, 3, inactive_skipped=1, without_aad=2).summary() == (
        "Imported: 2 members added, 0 updated, 3 roles added. 1 deactivated member left as "
        "they are (grant a role with `members add` to restore one). 2 members without an "
        "Entra object id: Teams will not recognise them until one is given."
    )
    failed = ImportReport(problems=(RowProblem(2, "name", "a name is required"),))
    assert not failed.ok
    assert failed.summary() == (
        "Nothing imported: 1 problem in the file (fix them and import it again)."
    )


def test_problems_come_by_line_then_column_order() -> None:
    given = [
        RowProblem(3, "admin", "use yes or no"),
        RowProblem(3, "name", "a name is required"),
        RowProblem(2, "role", "b"),
        RowProblem(2, "role", "a"),
        RowProblem(3, "", "3 values where the header has 7"),
    ]
    assert [(p.line, p.column, p.message) for p in in_order(given)] == [
        (2, "role", "a"),
        (2, "role", "b"),
        (3, "", "3 values where the header has 7"),
        (3, "name", "a name is required"),
        (3, "admin", "use yes or no"),
    ]
    # A problem of no known column comes first on its line.
    assert in_order([RowProblem(4, "aad_object_id", "x"), RowProblem(4, "", "x")]) == (
        RowProblem(4, "", "x"),
        RowProblem(4, "aad_object_id", "x"),
    )


# -- the header and the shape of the file ---------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", " , ,\n", "\ufeff"])
def test_an_empty_file_needs_a_header(text: str) -> None:
    assert parse_csv(text) == (
        [],
        [RowProblem(1, "", f"the file is empty: it needs a header row ({EXPECTED})")],
    )


def test_blank_lines_before_the_header_are_skipped() -> None:
    rows, problems = parse_csv("\n\n" + HEADER + "Ada Fielding,ada@example.org,,police,,,\n")
    assert problems == []
    assert [r.line for r in rows] == [4]


def test_a_byte_order_mark_is_not_part_of_the_first_column() -> None:
    rows, problems = parse_csv("\ufeff" + HEADER + "Ada Fielding,ada@example.org,,police,,,\n")
    assert problems == []
    assert rows[0].name == "Ada Fielding"


def test_header_names_are_trimmed_and_case_blind_and_admin_is_optional() -> None:
    rows, problems = parse_csv(
        " Name ,EMAIL,aad_object_id,Agency,locality,role\nAda Fielding,a@b.org,,police,,\n"
    )
    assert problems == []
    assert rows[0].admin is None


def test_an_unknown_header_column_is_named_by_position_not_by_what_it_says() -> None:
    rows, problems = parse_csv("name,email,aad_object_id,agency,locality,role,Ada Fielding\n")
    assert rows == []
    assert problems == [
        RowProblem(
            1,
            "",
            f"header column 7 is not one I know (expected {EXPECTED}, and optionally admin)",
        )
    ]


def test_a_header_column_twice() -> None:
    _, problems = parse_csv("name,email,aad_object_id,agency,locality,role,email\n")
    assert problems == [RowProblem(1, "email", "this column appears twice")]


def test_a_header_lacking_columns_names_them() -> None:
    _, problems = parse_csv("name,email,agency\n")
    assert problems == [
        RowProblem(1, "", "the header lacks the column(s) aad_object_id, locality, role")
    ]


def test_a_file_without_its_header_is_refused_without_echoing_a_row() -> None:
    _, problems = parse_csv("Ada Fielding,ada@example.org,aad-1,police,selby,chair\n")
    assert {p.line for p in problems} == {1}
    assert str(problems[-1]).startswith("line 1: the header lacks the column(s) name, email")
    assert not any("Ada" in str(p) or "ada@" in str(p) for p in problems)


def test_a_row_with_the_wrong_number_of_values_is_not_checked_further() -> None:
    rows, problems = parse_csv(HEADER + "Ada Fielding\na,b,c,d,e,f,g,h\n")
    assert rows == []
    assert problems == [
        RowProblem(2, "", "1 value where the header has 7"),
        RowProblem(3, "", "8 values where the header has 7"),
    ]


def test_blank_rows_are_skipped_and_lines_count_quoted_newlines() -> None:
    text = HEADER + '\n , , ,,,,\n"Ada\nFielding",ada@example.org,,police,,,\n,b@example.org,,,,,\n'
    rows, problems = parse_csv(text)
    assert [r.line for r in rows] == [4, 6]
    assert rows[0].name == "Ada\nFielding"
    assert problems == [
        RowProblem(6, "name", "a name is required"),
        RowProblem(6, "agency", "an agency code is required"),
    ]


def test_at_most_max_rows() -> None:
    body = "".join(f"P{n},p{n}@example.org,,police,,,\n" for n in range(MAX_ROWS + 2))
    rows, problems = parse_csv(HEADER + body)
    assert len(rows) == MAX_ROWS
    assert problems == [RowProblem(MAX_ROWS + 2, "", f"too many rows: at most {MAX_ROWS}")]


def test_unreadable_csv_in_the_header_or_a_row() -> None:
    huge = "x" * 200_000  # over the csv module's field limit
    assert parse_csv(huge + "\n") == ([], [RowProblem(1, "", "this is not readable as CSV")])
    rows, problems = parse_csv(HEADER + "Ada Fielding,ada@example.org,,police,,,\n" + huge)
    assert [r.line for r in rows] == [2]
    assert problems == [RowProblem(3, "", "this is not readable as CSV")]


# -- one row on its own ---------------------------------------------------------------------


def test_a_good_row_is_trimmed_and_its_codes_lower_cased() -> None:
    problems: list[RowProblem] = []
    checked = check_row(
        5,
        cells(name=" Ada Fielding ", agency=" Police ", locality="SELBY", role="Deputy chair"),
        problems,
    )
    assert problems == []
    assert checked == ImportRow(
        5, "Ada Fielding", "ada@example.org", "aad-1", "police", "selby", Role.DEPUTY_CHAIR, None
    )


def test_the_name() -> None:
    assert problems_of(name=" ") == [("name", "a name is required")]
    assert problems_of(name="x" * (MAX_MEMBER_NAME_CHARS + 1)) == [
        ("name", f"too long: at most {MAX_MEMBER_NAME_CHARS} characters")
    ]
    assert problems_of(name="x" * MAX_MEMBER_NAME_CHARS) == []


def test_the_email() -> None:
    assert problems_of(email="") == [("email", "an email address is required")]
    assert problems_of(email="ada-at-example.org") == [("email", "not a valid email address")]


def test_the_entra_object_id_is_optional_but_must_look_like_one() -> None:
    assert problems_of(aad_object_id="") == []
    assert problems_of(aad_object_id="not an id") == [
        ("aad_object_id", "not an Entra object id (letters, digits and hyphens)")
    ]


def test_the_agency_is_required() -> None:
    assert problems_of(agency="") == [("agency", "an agency code is required")]


def test_an_unknown_role_is_quoted_only_when_it_looks_like_a_code() -> None:
    assert problems_of(role="Boss") == [("role", f"unknown role 'boss': use one of {ROLE_CODES}")]
    assert problems_of(role="ada@example.org") == [
        ("role", f"unknown role: use one of {ROLE_CODES}")
    ]


def test_a_locality_and_a_role_come_together() -> None:
    assert problems_of(locality="", role="") == []
    assert problems_of(role="") == [("role", "a role is required when a locality is given")]
    assert problems_of(locality="") == [
        ("locality", "a locality code is required when a role is given")
    ]


@pytest.mark.parametrize(
    ("text", "admin"), [("yes", True), ("Y", True), ("1", True), ("no", False), ("", None)]
)
def test_admin_is_yes_or_no(text: str, admin: bool | None) -> None:
    problems: list[RowProblem] = []
    assert check_row(2, cells(admin=text), problems).admin is admin
    assert problems == []


def test_admin_otherwise_is_a_problem() -> None:
    assert problems_of(admin="maybe") == [("admin", "use yes or no")]


def test_a_row_can_hold_several_problems_in_column_order() -> None:
    assert [column for column, _ in problems_of(name="", email="", agency="", role="boss")] == [
        "name",
        "email",
        "agency",
        "role",
    ]


# -- rows about the same person -------------------------------------------------------------


def test_rows_with_one_email_in_any_case_are_one_person_with_their_roles() -> None:
    problems: list[RowProblem] = []
    people = agree_people(
        [
            row(2, aad="aad-1", admin=True),
            row(3, "ADA@example.org", locality="craven", role=Role.PARTNER),
            row(4, "ben@example.org", name="Ben Marlow", role=None, locality=""),
        ],
        problems,
    )
    assert problems == []
    assert people == {
        "ada@example.org": ImportPerson(
            2,
            "Ada Fielding",
            "ada@example.org",
            "police",
            "aad-1",
            True,
            [(2, "selby", Role.CHAIR), (3, "craven", Role.PARTNER)],
        ),
        "ben@example.org": ImportPerson(4, "Ben Marlow", "ben@example.org", "police"),
    }


def test_rows_for_one_email_must_agree_on_who_it_is() -> None:
    problems: list[RowProblem] = []
    agree_people(
        [
            row(2, aad="aad-1", admin=True),
            row(3, name="Ada Fielding-Vale", agency="health", aad="aad-9", admin=False),
        ],
        problems,
    )
    same = "differs from line 2 for the same email"
    assert problems == [
        RowProblem(3, "name", same),
        RowProblem(3, "agency", same),
        RowProblem(3, "aad_object_id", same),
        RowProblem(3, "admin", "differs from line 2"),
    ]


def test_a_later_row_may_add_an_entra_id_or_admin_the_first_left_out() -> None:
    problems: list[RowProblem] = []
    people = agree_people([row(2), row(3, aad="aad-1", admin=False)], problems)
    assert problems == []
    assert (people["ada@example.org"].aad, people["ada@example.org"].admin) == ("aad-1", False)


def test_one_entra_id_with_two_emails() -> None:
    problems: list[RowProblem] = []
    agree_people([row(2, aad="aad-1"), row(5, "ben@example.org", aad="aad-1")], problems)
    assert problems == [
        RowProblem(5, "aad_object_id", "the same Entra object id is on line 2 with another email")
    ]


def test_read_import_agrees_only_rows_with_a_valid_email() -> None:
    file = read_import(
        HEADER
        + "Ada Fielding,ada@example.org,,police,selby,chair,\n"
        + "Hal Crane,hal-at-example.org,,police,selby,partner,\n"
    )
    assert [r.line for r in file.rows] == [2, 3]
    assert list(file.people) == ["ada@example.org"]
    assert file.problems == [RowProblem(3, "email", "not a valid email address")]


# -- against the reference data and the stored members --------------------------------------


def test_codes_the_store_does_not_know() -> None:
    problems: list[RowProblem] = []
    check_codes(
        [
            row(2, agency="polise", locality="whitby"),
            row(3, agency="Ada Fielding", locality=""),
            row(4),
        ],
        {"police"},
        {"selby"},
        problems,
    )
    assert problems == [
        RowProblem(2, "agency", "unknown agency code 'polise'"),
        RowProblem(2, "locality", "unknown locality code 'whitby'"),
        RowProblem(3, "agency", "unknown agency code"),
    ]


def test_a_person_is_matched_by_entra_id_then_by_email() -> None:
    ada = Stored(1, "ada@example.org", "aad-1")
    ben = Stored(2, "ben@example.org")
    by_aad = {"aad-1": ada}
    assert match_person(person(aad="aad-1"), by_aad, []) == (ada, None)
    assert match_person(person(aad="aad-1"), by_aad, [ada]) == (ada, None)
    assert match_person(person("ben@example.org"), by_aad, [ben]) == (ben, None)
    # A new Entra id for a stored member without one is fine (the import fills it in).
    assert match_person(person("ben@example.org", "aad-2"), by_aad, [ben]) == (ben, None)
    assert match_person(person("new@example.org"), by_aad, []) == (None, None)


def test_a_person_who_could_be_two_stored_members() -> None:
    ada = Stored(1, "ada@example.org", "aad-1")
    ben = Stored(2, "ben@example.org")
    ben_too = Stored(3, "BEN@example.org")
    assert match_person(person("ben@example.org", "aad-1"), {"aad-1": ada}, [ben]) == (
        None,
        RowProblem(
            2,
            "aad_object_id",
            "this Entra object id and this email belong to two different members",
        ),
    )
    assert match_person(person("ben@example.org"), {}, [ben, ben_too]) == (
        None,
        RowProblem(2, "email", "more than one member has this email: give their Entra object id"),
    )
    assert match_person(person(aad="aad-9"), {}, [ada]) == (
        None,
        RowProblem(
            2, "aad_object_id", "the member with this email has a different Entra object id"
        ),
    )


def test_match_people_keys_by_email_and_refuses_two_lines_for_one_member() -> None:
    ada = Stored(1, "Ada@Example.org", "aad-1")
    ben = Stored(2, "ben@example.org")
    people = {
        "ada@example.org": person(line=2),
        "ben@example.org": person("ben@example.org", line=3),
        "other@example.org": person("other@example.org", "aad-1", line=4),
        "new@example.org": person("new@example.org", line=5),
    }
    problems: list[RowProblem] = []
    matches = match_people(people, [ada, ben], problems)
    assert matches == {
        "ada@example.org": ada,
        "ben@example.org": ben,
        "other@example.org": ada,
        "new@example.org": None,
    }
    assert problems == [
        RowProblem(4, "email", "this is the same member as line 2 (by Entra object id or email)")
    ]
