"""The members CSV an operator imports (``mace-bot members import``): reading it, checking
every row, agreeing rows about the same person and matching each person to a stored member.

Everything here is pure: the service (bot.services.member_operator) loads the reference
codes and the stored members, hands them in, and writes only when no problem was found.
A problem names where it is (line and column) and what is wrong, never what the cell holds:
a shifted column could put a name or an email anywhere. Codes are echoed back only when
they look like codes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from bot.domain.members import (
    MAX_MEMBER_NAME_CHARS,
    ROLE_CODES,
    is_aad_object_id,
    is_email,
    parse_role,
    parse_yes_no,
    plural,
    quoted_code,
)
from bot.domain.model import Role
from bot.domain.row_problems import RowProblem, problems_in_order

REQUIRED_COLUMNS = ("name", "email", "aad_object_id", "agency", "locality", "role")
OPTIONAL_COLUMNS = ("admin",)
MAX_ROWS = 5000


@dataclass(frozen=True, slots=True)
class ImportReport:
    members_added: int = 0
    members_updated: int = 0
    memberships_added: int = 0
    #: Deactivated members named in the file: left as they are (``add`` restores one).
    inactive_skipped: int = 0
    #: Members with no Entra object id, whom Teams cannot match until one is given.
    without_aad: int = 0
    problems: tuple[RowProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.problems:
            return (
                f"Nothing imported: {plural(len(self.problems), 'problem')} in the file "
                "(fix them and import it again)."
            )
        text = (
            f"Imported: {plural(self.members_added, 'member')} added, "
            f"{self.members_updated} updated, "
            f"{plural(self.memberships_added, 'role')} added."
        )
        if self.inactive_skipped:
            text += (
                f" {plural(self.inactive_skipped, 'deactivated member')} left as they are "
                "(grant a role with `members add` to restore one)."
            )
        if self.without_aad:
            text += (
                f" {plural(self.without_aad, 'member')} without an Entra object id: Teams "
                "will not recognise them until one is given."
            )
        return text


@dataclass
class ImportRow:
    """One data row, its cells trimmed (codes lower-cased) and checked on their own."""

    line: int
    name: str
    email: str
    aad: str
    agency: str
    locality: str
    role: Role | None
    admin: bool | None


@dataclass
class ImportPerson:
    """Every row with one email (case-insensitive), agreed into one member."""

    line: int
    name: str
    email: str
    agency: str
    aad: str = ""
    admin: bool | None = None
    roles: list[tuple[int, str, Role]] = field(default_factory=list)  # line, locality, role


@dataclass(frozen=True, slots=True)
class ImportFile:
    """A file read and checked as far as it can be without the store: its rows, the
    people they agree into (by lower-cased email), and the problems so far."""

    rows: list[ImportRow]
    people: dict[str, ImportPerson]
    problems: list[RowProblem]


class StoredMember(Protocol):
    """What matching needs of a stored member (a ``members`` row)."""

    @property
    def id(self) -> int: ...

    @property
    def aad_object_id(self) -> str | None: ...

    @property
    def email(self) -> str | None: ...


M = TypeVar("M", bound=StoredMember)


def read_import(text: str) -> ImportFile:
    """Parses and checks the file, then agrees the rows with a valid email into people."""
    rows, problems = parse_csv(text)
    people = agree_people([row for row in rows if is_email(row.email)], problems)
    return ImportFile(rows, people, problems)


def in_order(problems: Iterable[RowProblem]) -> tuple[RowProblem, ...]:
    return problems_in_order(problems, (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))


def parse_csv(text: str) -> tuple[list[ImportRow], list[RowProblem]]:
    """Rows checked on their own (codes are checked against the store later)."""
    problems: list[RowProblem] = []
    rows: list[ImportRow] = []
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
    except csv.Error:
        return [], [RowProblem(reader.line_num, "", "this is not readable as CSV")]
    expected = ", ".join(REQUIRED_COLUMNS)
    if header is None:
        return [], [RowProblem(1, "", f"the file is empty: it needs a header row ({expected})")]
    header_line = reader.line_num
    names = [cell.strip().lower() for cell in header]
    for position, column in enumerate(names, start=1):
        if column not in REQUIRED_COLUMNS and column not in OPTIONAL_COLUMNS:
            problems.append(
                RowProblem(
                    header_line,
                    "",
                    f"header column {position} is not one I know (expected {expected}, "
                    "and optionally admin)",
                )
            )
        elif names.index(column) != position - 1:
            problems.append(RowProblem(header_line, column, "this column appears twice"))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        problems.append(
            RowProblem(header_line, "", "the header lacks the column(s) " + ", ".join(missing))
        )
    if problems:
        return [], problems
    start = reader.line_num + 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_ROWS:
                problems.append(RowProblem(line, "", f"too many rows: at most {MAX_ROWS}"))
                break
            if len(record) != len(names):
                problems.append(
                    RowProblem(
                        line,
                        "",
                        f"{plural(len(record), 'value')} where the header has {len(names)}",
                    )
                )
                continue
            rows.append(check_row(line, dict(zip(names, record, strict=True)), problems))
    except csv.Error:
        problems.append(RowProblem(reader.line_num, "", "this is not readable as CSV"))
    return rows, problems


def check_row(line: int, cells: dict[str, str], problems: list[RowProblem]) -> ImportRow:
    """One row's cells (by header column) checked on their own; each bad cell is noted in
    ``problems`` and the row is still returned, so the whole file is reported at once."""

    def note(column: str, message: str) -> None:
        problems.append(RowProblem(line, column, message))

    name = cells["name"].strip()
    email = cells["email"].strip()
    aad = cells["aad_object_id"].strip()
    agency = cells["agency"].strip().lower()
    locality = cells["locality"].strip().lower()
    role_text = cells["role"].strip()
    admin_text = cells.get("admin", "").strip()
    if not name:
        note("name", "a name is required")
    elif len(name) > MAX_MEMBER_NAME_CHARS:
        note("name", f"too long: at most {MAX_MEMBER_NAME_CHARS} characters")
    if not email:
        note("email", "an email address is required")
    elif not is_email(email):
        note("email", "not a valid email address")
    if aad and not is_aad_object_id(aad):
        note("aad_object_id", "not an Entra object id (letters, digits and hyphens)")
    if not agency:
        note("agency", "an agency code is required")
    role = parse_role(role_text) if role_text else None
    if role_text and role is None:
        note("role", f"unknown role{quoted_code(role_text.lower())}: use one of {ROLE_CODES}")
    if locality and not role_text:
        note("role", "a role is required when a locality is given")
    if role_text and not locality:
        note("locality", "a locality code is required when a role is given")
    admin: bool | None = None
    if admin_text:
        admin = parse_yes_no(admin_text)
        if admin is None:
            note("admin", "use yes or no")
    return ImportRow(line, name, email, aad, agency, locality, role, admin)


def agree_people(rows: list[ImportRow], problems: list[RowProblem]) -> dict[str, ImportPerson]:
    """One member per email; rows for the same email must agree on who they are."""
    people: dict[str, ImportPerson] = {}
    aad_lines: dict[str, tuple[str, int]] = {}
    for row in rows:
        key = row.email.lower()
        person = people.get(key)
        if person is None:
            person = people[key] = ImportPerson(row.line, row.name, row.email, row.agency)
        else:
            same = f"differs from line {person.line} for the same email"
            if row.name != person.name:
                problems.append(RowProblem(row.line, "name", same))
            if row.agency != person.agency:
                problems.append(RowProblem(row.line, "agency", same))
        if row.aad:
            if person.aad and person.aad != row.aad:
                problems.append(
                    RowProblem(
                        row.line,
                        "aad_object_id",
                        f"differs from line {person.line} for the same email",
                    )
                )
            person.aad = person.aad or row.aad
            seen = aad_lines.setdefault(row.aad, (key, row.line))
            if seen[0] != key:
                problems.append(
                    RowProblem(
                        row.line,
                        "aad_object_id",
                        f"the same Entra object id is on line {seen[1]} with another email",
                    )
                )
        if row.admin is not None:
            if person.admin is not None and person.admin != row.admin:
                problems.append(RowProblem(row.line, "admin", f"differs from line {person.line}"))
            person.admin = row.admin if person.admin is None else person.admin
        if row.role is not None:
            person.roles.append((row.line, row.locality, row.role))
    return people


def check_codes(
    rows: Iterable[ImportRow],
    agencies: Collection[str],
    localities: Collection[str],
    problems: list[RowProblem],
) -> None:
    """Every agency and locality code named must be one the store knows (lower-cased)."""
    for row in rows:
        if row.agency and row.agency not in agencies:
            problems.append(
                RowProblem(row.line, "agency", f"unknown agency code{quoted_code(row.agency)}")
            )
        if row.locality and row.locality not in localities:
            problems.append(
                RowProblem(
                    row.line,
                    "locality",
                    f"unknown locality code{quoted_code(row.locality)}",
                )
            )


def match_people(
    people: Mapping[str, ImportPerson], existing: Iterable[M], problems: list[RowProblem]
) -> dict[str, M | None]:
    """The stored member each person is (``None``: someone new), keyed as ``people``.
    Two people in the file may not turn out to be the same stored member."""
    members = list(existing)
    by_aad = {m.aad_object_id: m for m in members if m.aad_object_id}
    by_email: dict[str, list[M]] = {}
    for m in members:
        if m.email:
            by_email.setdefault(m.email.lower(), []).append(m)
    matches: dict[str, M | None] = {}
    claimed: dict[int, int] = {}  # member id -> the line that matched it first
    for key, person in people.items():
        match, problem = match_person(person, by_aad, by_email.get(key, []))
        if problem:
            problems.append(problem)
        elif match is not None and claimed.setdefault(match.id, person.line) != person.line:
            problems.append(
                RowProblem(
                    person.line,
                    "email",
                    f"this is the same member as line {claimed[match.id]} "
                    "(by Entra object id or email)",
                )
            )
        matches[key] = match
    return matches


def match_person(
    person: ImportPerson, by_aad: Mapping[str, M], same_email: list[M]
) -> tuple[M | None, RowProblem | None]:
    """The stored member this person is: by Entra object id, then by email."""
    if person.aad and person.aad in by_aad:
        member = by_aad[person.aad]
        others = [m for m in same_email if m.id != member.id]
        if same_email and len(others) == len(same_email):
            return None, RowProblem(
                person.line,
                "aad_object_id",
                "this Entra object id and this email belong to two different members",
            )
        return member, None
    if len(same_email) > 1:
        return None, RowProblem(
            person.line,
            "email",
            "more than one member has this email: give their Entra object id",
        )
    if same_email:
        member = same_email[0]
        if person.aad and member.aad_object_id and member.aad_object_id != person.aad:
            return None, RowProblem(
                person.line,
                "aad_object_id",
                "the member with this email has a different Entra object id",
            )
        return member, None
    return None, None
