"""A group's existing register brought into the bot (``mace-bot register import``):
checking every row, and what the rows ask of the register. The actions sheet
(``mace-bot actions import``) has its own rules in bot.domain.action_import, which
shares what both sheets need from here: a row's cells read and checked by column
(``RowCells``), dates, the words for a kind of subject, and the ``ImportReport``.

Everything here is pure. Reading the file into a ``Table`` (the CSV reader, the builder
the XLSX reader shares, the header matched to the columns) is
bot.domain.register_import_file; this module holds the register sheet's columns and
words and checks each row. The service (bot.services.register_import) reads the file into
a ``Table``, loads what the rows name (strands, agencies, subjects already held) behind
the ``RegisterLookups`` Protocol, and writes only when no row has a problem: a tracker
is imported whole or not at all.

A problem names where it is (line and column) and what is wrong, never what the cell
holds, not even a code: a shifted column could put a child's name or a phone number in
any cell, and the message goes to a terminal and perhaps a ticket. A batch cannot ask
"are these details needed?" as a form does, so a free-text cell with a date of birth, an
NHS number, a phone number, an email or a postcode is refused outright.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.domain.errors import InvalidInput
from bot.domain.members import plural
from bot.domain.model import SubjectKind
from bot.domain.register import (
    INITIALS_FIELD,
    KIND_FIELD,
    REFERENCE_FIELD,
    RegisterEntry,
    RiskLevel,
    SubjectStatus,
    may_link,
    parse_register_entry,
)
from bot.domain.register_import_file import Table, columns_of
from bot.domain.row_problems import RowProblem
from bot.domain.rules import confirmation_field
from bot.domain.sensitive import KIND_LABELS, find_identifying_details

MAX_REASON_CHARS = 1000

# The columns, as docs/import.md names them. A header cell matches case-insensitively,
# with "_" and "-" read as spaces ("Lead_Agency" is "lead agency").
KIND = "kind"
REFERENCE = "reference"
INITIALS = "initials"
STRANDS = "strands"
RISK = "risk"
LEAD_AGENCY = "lead agency"
STATUS = "status"  # the actions sheet has one too (bot.domain.action_import)
STATUS_REASON = "status reason"
FIRST_DISCUSSED = "first discussed"
LAST_DISCUSSED = "last discussed"
LINKED_TO = "linked to"

REGISTER_COLUMNS = (
    KIND,
    REFERENCE,
    INITIALS,
    STRANDS,
    RISK,
    LEAD_AGENCY,
    STATUS,
    STATUS_REASON,
    FIRST_DISCUSSED,
    LAST_DISCUSSED,
    LINKED_TO,
)
REGISTER_REQUIRED = (KIND, REFERENCE, STRANDS, RISK)

#: Several values in one cell (strands, "linked to") are separated by semicolons.
SEPARATOR = ";"

#: The words a tracker uses for each kind, status and risk (lower-cased, spaces single).
KIND_WORDS: dict[str, SubjectKind] = {
    "child": SubjectKind.CHILD,
    "person of concern": SubjectKind.PERSON,
    "person": SubjectKind.PERSON,
    "location": SubjectKind.LOCATION,
    "location of concern": SubjectKind.LOCATION,
    "group": SubjectKind.GROUP,
    "peer group": SubjectKind.GROUP,
    "organised group": SubjectKind.GROUP,
    "theme": SubjectKind.THEME,
}
RISK_WORDS: dict[str, RiskLevel] = {
    "low": RiskLevel.LOW,
    "medium": RiskLevel.MEDIUM,
    "high": RiskLevel.HIGH,
    "very high": RiskLevel.VERY_HIGH,
}
SUBJECT_STATUS_WORDS: dict[str, SubjectStatus] = {s.value: s for s in SubjectStatus}

_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


class RowCells:
    """One row's cells by column name, noting each problem against its line."""

    def __init__(
        self, line: int, cells: Sequence[str], where: Mapping[str, int], problems: list[RowProblem]
    ) -> None:
        self.line = line
        self._cells = cells
        self._where = where
        self._problems = problems

    def text(self, column: str) -> str:
        position = self._where.get(column)
        return " ".join(self._cells[position].split()) if position is not None else ""

    def note(self, column: str, message: str) -> None:
        self._problems.append(RowProblem(self.line, column, message))

    @property
    def problem_count(self) -> int:
        return len(self._problems)

    def has(self, column: str) -> bool:
        return any(p.line == self.line and p.column == column for p in self._problems)

    def required(self, column: str, what: str) -> str:
        value = self.text(column)
        if not value:
            self.note(column, f"{what} is required")
        return value

    def word(self, column: str, words: Mapping[str, object], what: str) -> object | None:
        value = self.text(column).lower().replace("_", " ")
        if not value:
            return None
        found = words.get(value)
        if found is None:
            self.note(column, f"not {what}: use one of {', '.join(words)}")
        return found

    def day(self, column: str, today: date, *, past: bool) -> date | None:
        value = self.text(column)
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.note(column, "not a date: use YYYY-MM-DD or DD/MM/YYYY")
        elif past and parsed > today:
            self.note(column, "this date is in the future")
            return None
        return parsed

    def free_text(self, column: str, today: date, limit: int) -> str:
        """A free-text cell: within ``limit`` and without identifying details."""
        value = self.text(column)
        if len(value) > limit:
            self.note(column, f"too long: at most {limit} characters")
        else:
            refuse_identifying_details(self, column, value, today)
        return value

    def several(self, column: str) -> tuple[str, ...]:
        parts = (" ".join(part.split()) for part in self.text(column).split(SEPARATOR))
        return tuple(dict.fromkeys(part for part in parts if part))


def refuse_identifying_details(cells: RowCells, column: str, value: str, today: date) -> None:
    findings = find_identifying_details(value, today)
    if findings:
        kinds = list(dict.fromkeys(KIND_LABELS[f.kind] for f in findings))
        cells.note(
            column,
            f"this looks like it contains {' and '.join(kinds)}: take it out of the cell "
            "(an import cannot ask, as a form does, whether it is needed in the record)",
        )


def parse_date(value: str) -> date | None:
    """YYYY-MM-DD (a time after it, as some exports add, is ignored) or DD/MM/YYYY."""
    iso = _ISO_DATE.match(value)
    uk = _UK_DATE.match(value)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if uk:
            return date(int(uk.group(3)), int(uk.group(2)), int(uk.group(1)))
    except ValueError:
        return None
    return None


def reference_key(kind: SubjectKind, reference: str) -> tuple[SubjectKind, str]:
    """A subject as the register finds it (bot.store.crypto: reference upper-cased)."""
    return kind, " ".join(reference.split()).upper()


# --- The register ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One row of the register sheet, its cells checked on their own."""

    line: int
    entry: RegisterEntry
    strands: tuple[str, ...]
    risk: RiskLevel | None
    lead_agency: str
    status: SubjectStatus | None
    status_reason: str
    first_discussed: date | None
    last_discussed: date | None
    links: tuple[str, ...]

    @property
    def key(self) -> tuple[SubjectKind, str]:
        return reference_key(self.entry.kind, self.entry.reference)


def parse_register(table: Table, today: date) -> tuple[list[RegisterRow], list[RowProblem]]:
    """Every row of the register sheet checked on its own; the rows whose subject could
    be read (kind and reference) are returned, so the whole file is reported at once."""
    where, problems = columns_of(table, REGISTER_COLUMNS, REGISTER_REQUIRED)
    if problems:
        return [], problems
    rows: list[RegisterRow] = []
    for line, values in table.rows:
        row = register_row(RowCells(line, values, where, problems), today)
        if row is not None:
            rows.append(row)
    return rows, problems


def register_row(cells: RowCells, today: date) -> RegisterRow | None:
    entry = subject_entry(cells, KIND, REFERENCE, INITIALS, today)
    strands = cells.several(STRANDS)
    if not strands:
        cells.note(STRANDS, "at least one strand is required (several: separate them with ;)")
    risk = cells.word(RISK, RISK_WORDS, "a risk level")
    if risk is None and not cells.has(RISK):
        cells.note(RISK, "a risk level is required")
    status = cells.word(STATUS, SUBJECT_STATUS_WORDS, "a status")
    reason = cells.free_text(STATUS_REASON, today, MAX_REASON_CHARS)
    if status is SubjectStatus.CLOSED and not reason and not cells.has(STATUS_REASON):
        cells.note(STATUS_REASON, "a reason is required when the status is closed")
    first = cells.day(FIRST_DISCUSSED, today, past=True)
    last = cells.day(LAST_DISCUSSED, today, past=True)
    if first and last and last < first:
        cells.note(LAST_DISCUSSED, "earlier than the date first discussed")
    if entry is None:
        return None
    assert risk is None or isinstance(risk, RiskLevel)
    assert status is None or isinstance(status, SubjectStatus)
    return RegisterRow(
        cells.line,
        entry,
        strands,
        risk,
        cells.text(LEAD_AGENCY),
        status,
        reason,
        first,
        last,
        cells.several(LINKED_TO),
    )


def subject_entry(
    cells: RowCells, kind_column: str, reference_column: str, initials_column: str, today: date
) -> RegisterEntry | None:
    """The subject a row names, by the register's own rule (``parse_register_entry``):
    its errors are put against this sheet's columns, in this module's words."""
    kind = cells.word(kind_column, KIND_WORDS, "a kind of subject")
    if kind is None:
        if not cells.has(kind_column):
            cells.note(kind_column, "the kind of subject is required")
        return None
    assert isinstance(kind, SubjectKind)
    reference = cells.text(reference_column)
    if not reference:
        cells.note(reference_column, "a reference is required")
        return None
    data = {
        KIND_FIELD: kind.value,
        REFERENCE_FIELD: reference,
        INITIALS_FIELD: cells.text(initials_column),
        # The details check is this module's own (a file cannot confirm): see below.
        confirmation_field(REFERENCE_FIELD): "true",
    }
    try:
        entry = parse_register_entry(data, today)
    except InvalidInput as refused:
        columns = {REFERENCE_FIELD: reference_column, INITIALS_FIELD: initials_column}
        for form_field in refused.field_errors:
            if form_field in columns:
                cells.note(columns[form_field], _ENTRY_MESSAGES[form_field][kind])
        return None
    if kind not in (SubjectKind.CHILD, SubjectKind.PERSON):
        refuse_identifying_details(cells, reference_column, entry.reference, today)
        if cells.has(reference_column):
            return None
    return entry


_ENTRY_MESSAGES: dict[str, dict[SubjectKind, str]] = {
    REFERENCE_FIELD: {
        SubjectKind.CHILD: "not a case reference (for example CR-0001); never a name",
        SubjectKind.PERSON: "not a police or case reference (letters, digits, / and -); "
        "never a name",
        SubjectKind.LOCATION: "a location is a short description (at most 80 characters), "
        "never a house address",
        SubjectKind.GROUP: "a group's label is at most 80 characters",
        SubjectKind.THEME: "a theme's label is at most 80 characters",
    },
    INITIALS_FIELD: {kind: "initials are required: one to three letters" for kind in SubjectKind},
}


class StoredSubject(Protocol):
    """What the checks need of a subject the register already holds."""

    @property
    def id(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def initials(self) -> str: ...


class RegisterLookups(Protocol):
    """The store, as the register's rows see it (loaded by the service beforehand)."""

    def strand_code(self, text: str) -> str | None:
        """The code of the active strand with this code or label (any case), if any."""

    def agency_id(self, text: str) -> int | None:
        """The agency with this code or name (any case), if any."""

    def subject(self, kind: SubjectKind, reference: str) -> StoredSubject | None:
        """The group's subject of this kind and reference, if it holds one."""

    def subjects_named(self, reference: str) -> Sequence[StoredSubject]:
        """The group's subjects of any kind under this reference."""


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """The other end of a link: a row of this file (by its key) or a stored subject."""

    row: tuple[SubjectKind, str] | None = None
    subject_id: int | None = None


@dataclass(frozen=True, slots=True)
class PlannedSubject:
    row: RegisterRow
    strand_codes: tuple[str, ...]
    lead_agency_id: int | None
    existing_id: int | None


@dataclass(frozen=True, slots=True)
class RegisterPlan:
    subjects: tuple[PlannedSubject, ...]
    #: (the row's key, the other end) for each "linked to" value.
    links: tuple[tuple[tuple[SubjectKind, str], LinkTarget], ...]


def check_register(
    rows: Sequence[RegisterRow], lookups: RegisterLookups, problems: list[RowProblem]
) -> RegisterPlan:
    """The rows against the store and each other: strands and agencies known, one row per
    subject, initials as the register holds them, and links that resolve to one subject
    of a kind the register may link."""
    by_key: dict[tuple[SubjectKind, str], RegisterRow] = {}
    subjects: list[PlannedSubject] = []
    for row in rows:
        first = by_key.setdefault(row.key, row)
        if first is not row:
            problems.append(
                RowProblem(row.line, REFERENCE, f"the same subject as line {first.line}")
            )
            continue
        codes: list[str] = []
        for strand in row.strands:
            code = lookups.strand_code(strand)
            if code is None:
                problems.append(
                    RowProblem(
                        row.line,
                        STRANDS,
                        "a strand the register does not know (use a code or label from "
                        "docs/import.md)",
                    )
                )
            elif code not in codes:
                codes.append(code)
        agency_id = None
        if row.lead_agency:
            agency_id = lookups.agency_id(row.lead_agency)
            if agency_id is None:
                problems.append(
                    RowProblem(row.line, LEAD_AGENCY, "an agency the bot does not know")
                )
        stored = lookups.subject(row.entry.kind, row.entry.reference)
        if stored is not None and stored.initials != row.entry.initials:
            problems.append(
                RowProblem(
                    row.line,
                    INITIALS,
                    "the register holds this reference with other initials: check the reference",
                )
            )
        subjects.append(
            PlannedSubject(row, tuple(codes), agency_id, stored.id if stored is not None else None)
        )
    links: list[tuple[tuple[SubjectKind, str], LinkTarget]] = []
    for row in rows:
        if by_key.get(row.key) is not row:
            continue
        for position, reference in enumerate(row.links, start=1):
            target = _link_target(row, position, reference, by_key, lookups, problems)
            if target is not None:
                links.append((row.key, target))
    return RegisterPlan(tuple(subjects), tuple(links))


def _link_target(
    row: RegisterRow,
    position: int,
    reference: str,
    by_key: Mapping[tuple[SubjectKind, str], RegisterRow],
    lookups: RegisterLookups,
    problems: list[RowProblem],
) -> LinkTarget | None:
    def note(message: str) -> None:
        problems.append(RowProblem(row.line, LINKED_TO, f"value {position}: {message}"))

    wanted = " ".join(reference.split()).upper()
    in_file = [key for key in by_key if key[1] == wanted]
    stored = [
        s for s in lookups.subjects_named(reference) if (SubjectKind(s.kind), wanted) not in by_key
    ]
    kinds = [key[0] for key in in_file] + [SubjectKind(s.kind) for s in stored]
    if not kinds:
        note("neither a reference in this file nor a subject of the register")
        return None
    if len(kinds) > 1:
        note("more than one subject has this reference (of different kinds)")
        return None
    if in_file and in_file[0] == row.key:
        note("a subject is not linked to itself")
        return None
    if not may_link(row.entry.kind, kinds[0]):
        note("these two kinds of subject are not linked in the register")
        return None
    if in_file:
        return LinkTarget(row=in_file[0])
    return LinkTarget(subject_id=stored[0].id)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did (or, with problems, why it did nothing)."""

    what: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    links_added: int = 0
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
        if not self.added and not self.updated and not self.links_added:
            return (
                f"Nothing changed: all {plural(self.unchanged, self.what)} are already "
                "recorded as the file has them."
            )
        text = (
            f"Imported: {plural(self.added, self.what)} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.what == "subject":
            text += f", {plural(self.links_added, 'link')} added"
        return text + "."
