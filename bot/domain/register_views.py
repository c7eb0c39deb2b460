"""What the register's cards show, as plain data: a subject's card and a page of subjects.

Built by the register's read model (``bot.services.readmodels.register``) and drawn by
``cards.register``, so a card never queries anything and a test can build any card from
literals. What a viewer may not see never reaches these: a person of concern they may not
see is a link line with ``restricted`` set and no reference, initials or reason; the
missing checks of a child are ``None`` unless the viewer is the chair's side in a
personal chat (domain.md: "missing items are shown to the chair, not nagged in the
channel").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar

from bot.domain.model import SubjectKind
from bot.domain.register import (
    WITH_INITIALS,
    ChildChecks,
    RiskLevel,
    SubjectEventKind,
    SubjectStatus,
)

T = TypeVar("T")

#: How a person of concern the viewer may not see is named on another subject's card.
RESTRICTED_PERSON = "A person of concern (restricted)"


@dataclass(frozen=True, slots=True)
class MeetingRef:
    """A meeting named the way people remember it: its date and its group."""

    meeting_id: int
    on: date
    group: str


@dataclass(frozen=True, slots=True)
class RiskChange:
    """One change of risk level, newest first on the card."""

    level: RiskLevel | None
    previous: RiskLevel | None
    who: str
    at: datetime
    meeting: MeetingRef | None
    reason: str


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """Any other entry of the subject's history, its values already in words (a status
    label, an agency's name, strand labels, a group's name)."""

    kind: SubjectEventKind
    value: str
    previous: str
    who: str
    at: datetime
    meeting: MeetingRef | None


@dataclass(frozen=True, slots=True)
class LinkLine:
    """A linked subject at a glance: what it is and its risk, why it is linked, and when.

    ``restricted``: a person of concern this viewer may not see; then ``display`` is
    ``RESTRICTED_PERSON``, ``reason`` is empty and ``risk`` is None."""

    subject_id: int | None
    kind: SubjectKind
    display: str
    risk: RiskLevel | None
    reason: str
    recorded_on: date | None
    restricted: bool = False


@dataclass(frozen=True, slots=True)
class SubjectActionLine:
    """An open action about the subject (no description: the card names it ``A-<id>``)."""

    action_id: int
    agency: str
    due: date
    overdue: bool


@dataclass(frozen=True, slots=True)
class DecisionLine:
    on: date
    text: str


@dataclass(frozen=True, slots=True)
class AnswerLine:
    """One answer in a share-and-challenge round about the subject; an agency may answer
    several times in one round, and each is kept."""

    round_on: date
    agency: str
    service: str
    outcome: str
    text: str
    who: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Shown(Generic[T]):
    """The first entries of a list a card has room for, and how many more there are."""

    items: tuple[T, ...] = ()
    more: int = 0


@dataclass(frozen=True, slots=True)
class SubjectCardView:
    """Everything a subject's card shows to one viewer, in one place."""

    subject_id: int
    kind: SubjectKind
    reference: str
    initials: str
    group: str
    status: SubjectStatus
    status_reason: str
    risk: RiskLevel | None
    strands: tuple[str, ...]
    lead_agency: str
    first_discussed: date | None
    last_discussed: date | None
    #: A child's recorded checks; None for other kinds.
    checks: ChildChecks | None
    #: What is still to be recorded, only for an editor in a personal chat; else None.
    missing: tuple[str, ...] | None
    risk_history: Shown[RiskChange] = field(default_factory=Shown)
    history: Shown[HistoryLine] = field(default_factory=Shown)
    links: Shown[LinkLine] = field(default_factory=Shown)
    actions: Shown[SubjectActionLine] = field(default_factory=Shown)
    decisions: Shown[DecisionLine] = field(default_factory=Shown)
    meetings: Shown[MeetingRef] = field(default_factory=Shown)
    answers: Shown[AnswerLine] = field(default_factory=Shown)
    #: May change risk, status, details, checks and links in the group reached through.
    can_edit: bool = False
    #: May offer it to another group (move or share).
    can_move: bool = False
    #: The meeting the card was opened from (its buttons carry it back), if any.
    meeting_id: int | None = None
    #: Shown in a group's conversation: every member of the channel sees the card.
    in_group: bool = False
    #: May escalate it to the Operational or Strategic group (issue 16).
    can_escalate: bool = False


@dataclass(frozen=True, slots=True)
class SubjectRow:
    """A subject in a list: enough to recognise it and to open its card."""

    subject_id: int
    kind: SubjectKind
    display: str
    group: str
    risk: RiskLevel | None
    status: SubjectStatus
    last_discussed: date | None


@dataclass(frozen=True, slots=True)
class SubjectsPage:
    rows: tuple[SubjectRow, ...]
    total: int
    page: int
    pages: int
    #: The filter in words, for the heading.
    description: str
    #: The filter as typed (normalised), carried by the paging buttons.
    words: str = ""


@dataclass(frozen=True, slots=True)
class SubjectChoices:
    """Several subjects under one reference (in different groups, or of different kinds):
    the person chooses which card to open."""

    reference: str
    rows: tuple[SubjectRow, ...]


def subject_display(kind: SubjectKind, reference: str, initials: str) -> str:
    """How a subject is named on a card: its reference, with initials for a child or a
    person of concern."""
    if initials and kind in WITH_INITIALS:
        return f"{reference} ({initials})"
    return reference
