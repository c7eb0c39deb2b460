"""The actions of a group's existing tracker brought into the bot (``mace-bot actions
import``): the actions sheet's columns and words, each row checked, and the rows against
the group.

Everything here is pure, as in bot.domain.register_import, which holds the register
sheet's rules and what both sheets share: a row's cells read and checked by column
(``RowCells``), dates, the words for a kind of subject, and the ``ImportReport``. The
service (bot.services.register_import) reads the file into a ``Table``, loads what the
rows name (members, agencies, subjects already held) behind the ``ActionLookups``
Protocol, and writes only when no row has a problem. A subject an action names must
already be in the register: it is only looked up here.

A problem names the line and column and what is wrong, never what the cell holds (the
register's module says why); a description with identifying details is refused as a
register's free-text cell is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from bot.domain.model import ActionStatus, SubjectKind
from bot.domain.register_import import (
    KIND_WORDS,
    STATUS,
    RowCells,
    StoredSubject,
    reference_key,
)
from bot.domain.register_import_file import Table, columns_of
from bot.domain.row_problems import RowProblem
from bot.domain.rules import MAX_DESCRIPTION_CHARS

#: A tracker's own reference for an action ("A-017"): only its keyed hash is stored.
MAX_TRACKER_REFERENCE_CHARS = 40
MAX_OWNER_CHARS = 200

# The columns, as docs/import.md names them (matched as the register's are).
TRACKER_REFERENCE = "tracker reference"
DESCRIPTION = "description"
OWNER = "owner"
AGENCY = "agency"
DUE_DATE = "due date"
SUBJECT_KIND = "subject kind"
SUBJECT_REFERENCE = "subject reference"
RAISED_ON = "raised on"

ACTION_COLUMNS = (
    TRACKER_REFERENCE,
    DESCRIPTION,
    OWNER,
    AGENCY,
    DUE_DATE,
    STATUS,
    SUBJECT_KIND,
    SUBJECT_REFERENCE,
    RAISED_ON,
)
ACTION_REQUIRED = (TRACKER_REFERENCE, DESCRIPTION, OWNER, DUE_DATE)

ACTION_STATUS_WORDS: dict[str, ActionStatus] = {
    "open": ActionStatus.OPEN,
    "done": ActionStatus.DONE,
    "complete": ActionStatus.DONE,
    "completed": ActionStatus.DONE,
    "cancelled": ActionStatus.CANCELLED,
    "canceled": ActionStatus.CANCELLED,
}


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One row of the actions sheet, its cells checked on their own."""

    line: int
    tracker_reference: str
    description: str
    owner: str
    agency: str
    due_date: date
    status: ActionStatus
    #: The register subject it concerns (kind and reference), if the row names one.
    subject: tuple[SubjectKind, str] | None
    raised_on: date | None


def parse_actions(table: Table, today: date) -> tuple[list[ActionRow], list[RowProblem]]:
    where, problems = columns_of(table, ACTION_COLUMNS, ACTION_REQUIRED)
    if problems:
        return [], problems
    rows: list[ActionRow] = []
    for line, values in table.rows:
        row = action_row(RowCells(line, values, where, problems), today)
        if row is not None:
            rows.append(row)
    return rows, problems


def action_row(cells: RowCells, today: date) -> ActionRow | None:
    before = cells.problem_count
    reference = cells.required(TRACKER_REFERENCE, "the tracker's reference")
    if len(reference) > MAX_TRACKER_REFERENCE_CHARS:
        cells.note(TRACKER_REFERENCE, f"too long: at most {MAX_TRACKER_REFERENCE_CHARS} characters")
    description = cells.required(DESCRIPTION, "a description")
    if description:
        description = cells.free_text(DESCRIPTION, today, MAX_DESCRIPTION_CHARS)
    owner = cells.required(OWNER, "the owner (a member's email or Entra object id)")
    if len(owner) > MAX_OWNER_CHARS:
        cells.note(OWNER, f"too long: at most {MAX_OWNER_CHARS} characters")
    due = cells.day(DUE_DATE, today, past=False)
    if due is None and not cells.has(DUE_DATE):
        cells.note(DUE_DATE, "a due date is required")
    status = cells.word(STATUS, ACTION_STATUS_WORDS, "a status")
    subject = action_subject(cells)
    raised = cells.day(RAISED_ON, today, past=True)
    if cells.problem_count != before or due is None:
        return None
    assert status is None or isinstance(status, ActionStatus)
    return ActionRow(
        cells.line,
        reference,
        description,
        owner,
        cells.text(AGENCY),
        due,
        status or ActionStatus.OPEN,
        subject,
        raised,
    )


def action_subject(cells: RowCells) -> tuple[SubjectKind, str] | None:
    """The subject an action row names: both its kind and reference, or neither. It is
    only looked up (it must be in the register), so its reference is not re-checked."""
    kind_text, reference = cells.text(SUBJECT_KIND), cells.text(SUBJECT_REFERENCE)
    if not kind_text and not reference:
        return None
    kind = cells.word(SUBJECT_KIND, KIND_WORDS, "a kind of subject")
    if not kind_text:
        cells.note(SUBJECT_KIND, "the subject's kind is required with its reference")
    if not reference:
        cells.note(SUBJECT_REFERENCE, "the subject's reference is required with its kind")
    if not isinstance(kind, SubjectKind) or not reference:
        return None
    return reference_key(kind, reference)


class StoredMember(Protocol):
    """What the checks need of a member: an owner must hold a role in the group."""

    @property
    def id(self) -> int: ...

    @property
    def agency_id(self) -> int: ...


class ActionLookups(Protocol):
    def owner(self, text: str) -> StoredMember | None:
        """The active member with this email or Entra object id who holds a role in the
        group, if any."""

    def agency_id(self, text: str) -> int | None:
        """The agency with this code or name (any case), if any."""

    def subject(self, kind: SubjectKind, reference: str) -> StoredSubject | None:
        """The group's subject of this kind and reference, if it holds one."""


@dataclass(frozen=True, slots=True)
class PlannedAction:
    row: ActionRow
    owner_id: int
    agency_id: int
    subject_id: int | None


@dataclass(frozen=True, slots=True)
class ActionPlan:
    actions: tuple[PlannedAction, ...] = field(default_factory=tuple)


def check_actions(
    rows: Sequence[ActionRow], lookups: ActionLookups, problems: list[RowProblem]
) -> ActionPlan:
    """The rows against the store and each other: one row per tracker reference, an
    owner from the group, a known agency and a subject the register holds."""
    seen: dict[str, int] = {}
    planned: list[PlannedAction] = []
    for row in rows:
        first = seen.setdefault(row.tracker_reference.upper(), row.line)
        if first != row.line:
            problems.append(
                RowProblem(
                    row.line, TRACKER_REFERENCE, f"the same tracker reference as line {first}"
                )
            )
            continue
        owner = lookups.owner(row.owner)
        if owner is None:
            problems.append(
                RowProblem(
                    row.line,
                    OWNER,
                    "not a member of this locality group (by email or Entra object id)",
                )
            )
        agency_id = owner.agency_id if owner is not None else None
        if row.agency:
            agency_id = lookups.agency_id(row.agency)
            if agency_id is None:
                problems.append(RowProblem(row.line, AGENCY, "an agency the bot does not know"))
        subject_id = None
        if row.subject is not None:
            stored = lookups.subject(*row.subject)
            if stored is None:
                problems.append(
                    RowProblem(
                        row.line,
                        SUBJECT_REFERENCE,
                        "no subject of this kind and reference in the group's register "
                        "(import the register first)",
                    )
                )
            else:
                subject_id = stored.id
        if owner is not None and agency_id is not None:
            planned.append(PlannedAction(row, owner.id, agency_id, subject_id))
    return ActionPlan(tuple(planned))


def import_key_value(locality_id: int, tracker_reference: str) -> str:
    """What ``actions.import_key`` is a keyed hash of: the group and the tracker's own
    reference (upper-cased, spaces single), so "a-017 " finds "A-017" again."""
    return f"{locality_id}|{' '.join(tracker_reference.split()).upper()}"
