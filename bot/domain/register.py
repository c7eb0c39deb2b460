"""The register of a locality group: its subjects, their risk, status, strands and links.

A MACE locality meeting exists to discuss *who and what*: children at risk, persons of
concern, locations, peer or organised groups, and themes (domain.md, "The register and the
map"). This module holds the rules of that register, free of Teams and SQLAlchemy:

* the risk levels and statuses a subject may have, in the order a chair reads them;
* which kinds of subject may be linked (the "map" a room draws on a whiteboard);
* what the strategy asks to be checked for a child (``ChildChecks``) and which of those
  checks are still missing, for the chair's eyes only;
* who may see a person of concern (criminal-offence data, ``PersonOfConcernAccess``).

Strands are *not* here: the list is open (domain.md: "keep it data, not code"), so strands
are rows of the ``strands`` table, seeded with the seven the seeds name and extended by a
reference-data file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.model import Role, SubjectKind
from bot.domain.rules import (
    CASE_REFERENCE,
    INITIALS,
    MAX_LABEL_CHARS,
    check_identifying_details,
    normalise_case_reference,
    normalise_initials,
    optional_text,
    raise_if,
    require_text,
)
from bot.domain.sensitive import looks_like_address


class RiskLevel(StrEnum):
    """A subject's current risk, as the locality group agrees it. Ordered low to very high."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


RISK_LABELS: dict[RiskLevel, str] = {
    RiskLevel.LOW: "Low",
    RiskLevel.MEDIUM: "Medium",
    RiskLevel.HIGH: "High",
    RiskLevel.VERY_HIGH: "Very high",
}

#: Rank of each level, for "high risk" (high and very high) and sorting.
RISK_RANK: dict[RiskLevel, int] = {level: rank for rank, level in enumerate(RiskLevel)}


def at_least(level: RiskLevel | None, floor: RiskLevel) -> bool:
    """True when ``level`` is ``floor`` or above; a subject not yet rated is never."""
    return level is not None and RISK_RANK[level] >= RISK_RANK[floor]


class SubjectStatus(StrEnum):
    OPEN = "open"
    MONITORING = "monitoring"
    #: Closed always with a reason (``subjects.status_reason``).
    CLOSED = "closed"


STATUS_LABELS: dict[SubjectStatus, str] = {
    SubjectStatus.OPEN: "Open",
    SubjectStatus.MONITORING: "Monitoring",
    SubjectStatus.CLOSED: "Closed",
}


class SubjectEventKind(StrEnum):
    """One entry of a subject's history (``subject_events``): appended, never changed."""

    CREATED = "created"
    IMPORTED = "imported"
    RISK = "risk"
    STATUS = "status"
    LEAD_AGENCY = "lead_agency"
    STRANDS = "strands"
    CHECKS = "checks"
    DISCUSSED = "discussed"
    LINKED = "linked"
    UNLINKED = "unlinked"
    TRANSFER_ASKED = "transfer_asked"
    TRANSFERRED = "transferred"
    SHARE_ASKED = "share_asked"
    SHARED = "shared"
    MOVE_DECLINED = "move_declined"


#: The pairs of kinds a link may join (either way round), from the issue and domain.md:
#: child with peer group, location or person of concern; person of concern with location
#: or group; group with location; and a theme with any other kind (a pattern seen around
#: children, places or groups). Two children are linked through their peer group.
LINKABLE: frozenset[frozenset[SubjectKind]] = frozenset(
    {
        frozenset({SubjectKind.CHILD, SubjectKind.GROUP}),
        frozenset({SubjectKind.CHILD, SubjectKind.LOCATION}),
        frozenset({SubjectKind.CHILD, SubjectKind.PERSON}),
        frozenset({SubjectKind.PERSON, SubjectKind.LOCATION}),
        frozenset({SubjectKind.PERSON, SubjectKind.GROUP}),
        frozenset({SubjectKind.GROUP, SubjectKind.LOCATION}),
        *(
            frozenset({SubjectKind.THEME, kind})
            for kind in SubjectKind
            if kind is not SubjectKind.THEME
        ),
    }
)


def may_link(a: SubjectKind, b: SubjectKind) -> bool:
    return frozenset({a, b}) in LINKABLE


def link_pair(a_id: int, b_id: int) -> tuple[int, int]:
    """A link is stored once, lower id first, so (a, b) and (b, a) are the same link."""
    if a_id == b_id:
        raise ValueError("a subject is not linked to itself")
    return (a_id, b_id) if a_id < b_id else (b_id, a_id)


#: What a subject's reference is, by kind: what a form asks for and a card shows.
REFERENCE_LABELS: dict[SubjectKind, str] = {
    SubjectKind.CHILD: "Case reference",
    SubjectKind.PERSON: "Police or case reference",
    SubjectKind.LOCATION: "Short description (never a private address)",
    SubjectKind.GROUP: "Label the group agrees",
    SubjectKind.THEME: "Pattern or trend",
}

#: Kinds recorded with initials beside their reference.
WITH_INITIALS: frozenset[SubjectKind] = frozenset({SubjectKind.CHILD, SubjectKind.PERSON})

#: A police or case reference for a person of concern: letters, digits and / - only.
PERSON_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9/-]{2,29}$")


#: The fields of a form that names a subject (the action form uses the same ids).
KIND_FIELD = "subjectKind"
REFERENCE_FIELD = "subjectRef"
INITIALS_FIELD = "subjectInitials"


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """A subject as a form or a file names it, checked: what finds it in the register or
    adds it there."""

    kind: SubjectKind
    reference: str
    initials: str


def parse_register_entry(data: Mapping[str, object], today: date) -> RegisterEntry:
    """The subject a form names, by its kind's rules, or ``InvalidInput`` with each error
    beside its field (``KIND_FIELD``, ``REFERENCE_FIELD``, ``INITIALS_FIELD``):

    * a child: a case reference (CR-0001) and initials, never a name;
    * a person of concern: a police or case reference and initials, never a name;
    * a location: a short description, never a house address;
    * a group or a theme: a short label.

    A label is checked for identifying details like any free text (a phone number, a
    date of birth...): pointed out, to be edited or confirmed (``confirmation_field``).
    """
    errors: dict[str, str] = {}
    kind_text = optional_text(errors, KIND_FIELD, data.get(KIND_FIELD), _CHOOSE_KIND)
    reference = optional_text(
        errors, REFERENCE_FIELD, data.get(REFERENCE_FIELD), "Give a reference."
    )
    initials = optional_text(errors, INITIALS_FIELD, data.get(INITIALS_FIELD), "Give initials.")
    try:
        kind = SubjectKind(kind_text)
    except ValueError:
        errors[KIND_FIELD] = _CHOOSE_KIND
        raise_if(errors)
        raise AssertionError("unreachable") from None
    if kind is SubjectKind.CHILD:
        reference = normalise_case_reference(reference)
        if not CASE_REFERENCE.match(reference):
            errors[REFERENCE_FIELD] = (
                "Give the child's case reference, for example CR-0001. Never a name."
            )
    elif kind is SubjectKind.PERSON:
        reference = normalise_case_reference(reference)
        if not PERSON_REFERENCE.match(reference):
            errors[REFERENCE_FIELD] = (
                "Give the police or case reference (letters, digits, / and -), "
                "for example NYP-2026-0411. Never a name."
            )
    else:
        reference = " ".join(reference.split())
        require_text(errors, REFERENCE_FIELD, reference, REFERENCE_LABELS[kind], MAX_LABEL_CHARS)
        if (
            kind is SubjectKind.LOCATION
            and REFERENCE_FIELD not in errors
            and looks_like_address(reference)
        ):
            # A location is a place of concern, never where someone lives: refused
            # outright, not merely pointed out (bot.domain.sensitive.looks_like_address).
            errors[REFERENCE_FIELD] = (
                "Describe the place without a house address, for example "
                "'Takeaway on Eastborough' or 'Skate park, Valley Gardens'."
            )
        check_identifying_details(errors, REFERENCE_FIELD, reference, today, data)
    if kind in WITH_INITIALS:
        initials = normalise_initials(initials)
        if not INITIALS.match(initials):
            errors[INITIALS_FIELD] = "Give the initials: one to three letters."
    else:
        initials = ""
    raise_if(errors)
    return RegisterEntry(kind, reference, initials)


_CHOOSE_KIND = "Choose a child, a person of concern, a location, a group or a theme."


# --- Who may see a person of concern ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonOfConcernAccess:
    """Who in a locality group may see its persons of concern (criminal-offence data,
    UK GDPR Article 10 and DPA 2018 Schedule 1).

    Default: members of the police (agency code ``police``) and the chair and deputy
    chair; every other member of the group sees that a person of concern is recorded on a
    subject's card only as "a person of concern (restricted)", never the reference, the
    initials or what was recorded. A locality may widen it in its settings (for example
    to youth justice, or to every member) and the access matrix shows the default.
    """

    agencies: frozenset[str] = frozenset({"police"})
    roles: frozenset[Role] = frozenset({Role.CHAIR, Role.DEPUTY_CHAIR})
    every_member: bool = False

    def allows(self, roles: Iterable[Role], agency_code: str) -> bool:
        held = set(roles)
        if not held:
            return False
        return self.every_member or agency_code in self.agencies or bool(held & self.roles)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> PersonOfConcernAccess:
        """From a locality's ``register_settings`` JSON; unknown keys or values refused."""
        if not data:
            return cls()
        unknown = set(data) - {"agencies", "roles", "every_member"}
        if unknown:
            raise ValueError(f"unknown person-of-concern settings: {sorted(unknown)}")
        default = cls()
        agencies = data.get("agencies", sorted(default.agencies))
        roles = data.get("roles", sorted(default.roles))
        if not isinstance(agencies, list) or not all(isinstance(a, str) for a in agencies):
            raise ValueError("person-of-concern agencies must be a list of agency codes")
        if not isinstance(roles, list):
            raise ValueError("person-of-concern roles must be a list of roles")
        every = data.get("every_member", False)
        if not isinstance(every, bool):
            raise ValueError("person-of-concern every_member must be true or false")
        return cls(frozenset(agencies), frozenset(Role(r) for r in roles), every)

    def to_mapping(self) -> dict[str, Any]:
        return {
            "agencies": sorted(self.agencies),
            "roles": sorted(r.value for r in self.roles),
            "every_member": self.every_member,
        }


def register_settings(text: str | None) -> PersonOfConcernAccess:
    """A locality's stored ``register_settings`` (JSON or NULL) as its access rule."""
    if not text:
        return PersonOfConcernAccess()
    data = json.loads(text)
    return PersonOfConcernAccess.from_mapping(data.get("person_of_concern"))


# --- Not discussed for a while ------------------------------------------------------------

#: How long a subject at high risk may go undiscussed before the chair's brief names it,
#: unless the locality's ``register_settings`` say otherwise (``stale_after_weeks``).
DEFAULT_STALE_AFTER_WEEKS = 8
#: Two years: a longer setting would never be reached between two meetings.
MAX_STALE_AFTER_WEEKS = 104


def stale_after_weeks(text: str | None) -> int:
    """A locality's ``register_settings`` key ``stale_after_weeks`` (a whole number of
    weeks, 1 to 104), beside its person-of-concern rule; the default when unset.

    Read apart from ``register_settings`` so that the access rule keeps its shape: a
    settings document without the key reads exactly as before."""
    if not text:
        return DEFAULT_STALE_AFTER_WEEKS
    data = json.loads(text)
    value = data.get("stale_after_weeks") if isinstance(data, dict) else None
    if value is None:
        return DEFAULT_STALE_AFTER_WEEKS
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("stale_after_weeks must be a whole number of weeks")
    if not 1 <= value <= MAX_STALE_AFTER_WEEKS:
        raise ValueError(f"stale_after_weeks must be from 1 to {MAX_STALE_AFTER_WEEKS} weeks")
    return value


def not_discussed_for(last_discussed_on: date | None, today: date, weeks: int) -> bool:
    """True when the subject was last discussed before ``weeks`` weeks ago, or never: what
    the chair's brief flags at high risk. The same boundary as the ``subjects`` filter
    "not discussed for N weeks" (bot.domain.register_filters), so the brief's pointer to
    it lists the same subjects: discussed exactly ``weeks`` weeks ago does not count."""
    return last_discussed_on is None or last_discussed_on < stale_since(today, weeks)


def stale_since(today: date, weeks: int) -> date:
    """The day before which a subject counts as not discussed for ``weeks`` weeks."""
    return today - timedelta(weeks=weeks)


@dataclass(frozen=True, slots=True)
class StaleSubject:
    """A subject at high or very high risk not discussed for a while, as the chair's
    brief shows it: its kind, risk and when it was last discussed, never its reference
    (the brief goes out unasked and carries no case detail)."""

    kind: SubjectKind
    risk: RiskLevel
    last_discussed_on: date | None
    #: Whole weeks since it was last discussed; None when never.
    weeks_since: int | None


# --- What is checked for a child ----------------------------------------------------------


class InterviewState(StrEnum):
    """A return home interview after a missing episode."""

    OFFERED = "offered"
    DONE = "done"
    DECLINED = "declined"


INTERVIEW_LABELS: dict[InterviewState, str] = {
    InterviewState.OFFERED: "Offered",
    InterviewState.DONE: "Done",
    InterviewState.DECLINED: "Declined",
}


@dataclass(frozen=True, slots=True)
class ChildChecks:
    """What the seeds ask to be checked for a child at Level 2 (domain.md), as recorded.

    ``None`` is "not recorded yet"; ``False`` is a recorded "no". Stored encrypted as one
    JSON value on the subject (``subjects.checks``): whether a child went missing, was
    referred to the NRM or is looked after is special-category detail in itself.
    """

    missing_episode: bool | None = None
    return_interview: InterviewState | None = None
    return_interview_on: date | None = None
    voice_recorded: bool | None = None
    parents_involved: bool | None = None
    nrm_referred_on: date | None = None
    nrm_outcome: str = ""
    transition_16_17: bool | None = None
    looked_after: bool | None = None
    placing_authority: str = ""
    safety_plan_shared: bool | None = None
    risk_tool_on: date | None = None

    def missing(self) -> list[str]:
        """What is not yet recorded, in words for the chair (never sent to the channel).

        A return home interview is asked for only after a missing episode; the placing
        authority and the shared safety plan only for a child looked after.
        """
        gaps: list[str] = []
        if self.missing_episode is None:
            gaps.append("Whether the child has been missing")
        elif self.missing_episode and self.return_interview is None:
            gaps.append("Return home interview after the missing episode")
        if self.voice_recorded is None:
            gaps.append("The child's voice recorded")
        if self.parents_involved is None:
            gaps.append("Parents or carers involved in safety planning")
        if self.nrm_referred_on is None and not self.nrm_outcome:
            gaps.append("National Referral Mechanism referral considered")
        if self.transition_16_17 is None:
            gaps.append("Transition at 16/17 considered")
        if self.looked_after is None:
            gaps.append("Whether looked after or placed from another authority")
        elif self.looked_after and (not self.placing_authority or self.safety_plan_shared is None):
            gaps.append("Placing authority and whether the safety plan is shared")
        if self.risk_tool_on is None:
            gaps.append("Risk assessment tool completed")
        return gaps

    def to_json(self) -> str:
        data: dict[str, Any] = {}
        for name in _CHECK_FIELDS:
            value = getattr(self, name)
            if value is None or value == "":
                continue
            data[name] = value.isoformat() if isinstance(value, date) else value
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> ChildChecks:
        if not text:
            return cls()
        data = json.loads(text)
        if not isinstance(data, dict):
            return cls()
        checks = cls()
        for name in _CHECK_FIELDS:
            if name not in data:
                continue
            value = data[name]
            if name in _DATE_FIELDS:
                value = date.fromisoformat(value)
            elif name == "return_interview":
                value = InterviewState(value)
            checks = replace(checks, **{name: value})
        return checks


_CHECK_FIELDS = (
    "missing_episode",
    "return_interview",
    "return_interview_on",
    "voice_recorded",
    "parents_involved",
    "nrm_referred_on",
    "nrm_outcome",
    "transition_16_17",
    "looked_after",
    "placing_authority",
    "safety_plan_shared",
    "risk_tool_on",
)
_DATE_FIELDS = frozenset({"return_interview_on", "nrm_referred_on", "risk_tool_on"})


@dataclass(frozen=True, slots=True)
class Strand:
    """One strand of exploitation (a row of ``strands``): reference data, not code."""

    code: str
    label: str


#: The seven strands the seeds name, seeded by migration 0010; a data file may add more.
SEED_STRANDS: tuple[Strand, ...] = (
    Strand("cse", "Child sexual exploitation"),
    Strand("cce", "Child criminal exploitation and county lines"),
    Strand("missing", "Missing from home or care"),
    Strand("hsb", "Harmful sexual behaviour"),
    Strand("msht", "Modern slavery and human trafficking"),
    Strand("online", "Online harm"),
    Strand("contextual", "Wider contextual safeguarding"),
)
