"""The register's forms, read: a subject's risk, status, details, checks and links as a
chair, deputy or minute-taker types them, checked before anything is written.

Pure parsing, free of the store: each parser takes the form's data (and what the store
says is current, or allowed) and returns values, or raises ``InvalidInput`` with every
error beside its field, so the card comes back with the entries kept. Every free-text
field (a reason, a link's reason, the NRM outcome, the placing authority) gets the
personal-data nudge (``check_identifying_details``): a date of birth, an NHS number, a
phone number, an email or a postcode is pointed out, to be edited out or confirmed.

The views the forms and their confirmations are drawn from are here too (``SubjectEdit``,
``AddChoices``, ``SubjectSaved``): plain data, as the cards need it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.domain.model import SubjectKind
from bot.domain.register import (
    RISK_LABELS,
    STATUS_LABELS,
    ChildChecks,
    InterviewState,
    RiskLevel,
    SubjectStatus,
)
from bot.domain.rules import (
    check_identifying_details,
    optional_text,
    raise_if,
    require_text,
)

# --- field ids ------------------------------------------------------------------------------

RISK_FIELD = "riskLevel"
RISK_REASON_FIELD = "riskReason"
STATUS_FIELD = "subjectStatus"
STATUS_REASON_FIELD = "statusReason"
LEAD_AGENCY_FIELD = "leadAgency"
STRANDS_FIELD = "strands"
LOCALITY_FIELD = "localityId"
LINK_REASON_FIELD = "linkReason"
#: Ticked on the link form to add the other subject to the register in the same step.
ADD_OTHER_FIELD = "addToRegister"
UNLINK_REASON_FIELD = "unlinkReason"

#: The forms ``subject.edit`` answers with (its ``form`` data).
FORMS = ("risk", "status", "details", "checks", "link")

#: The longest reason a risk or status change, or a link, may carry: a sentence or two.
MAX_REASON_CHARS = 1000
MAX_LINK_REASON_CHARS = 300
#: The NRM outcome and the placing authority: a few words each.
MAX_CHECK_TEXT_CHARS = 200
#: ``subject_events.value`` holds at most this many characters (String(60)).
EVENT_VALUE_CHARS = 60

#: The choice "not recorded" (checks), "not rated yet" (risk when added) and "no lead
#: agency" (details): a choice of its own, since a choice's value cannot be empty. An empty
#: or missing value means the same.
NOT_RECORDED = "not_recorded"
NO_AGENCY = "none"
YES, NO = "yes", "no"


@dataclass(frozen=True, slots=True)
class CheckField:
    """One field of the checks form: its id, its label and what kind of answer it takes."""

    id: str
    attr: str
    label: str
    kind: str  # "yes_no", "date", "text", "interview"


CHECK_FIELDS: tuple[CheckField, ...] = (
    CheckField("missingEpisode", "missing_episode", "Missing from home or care", "yes_no"),
    CheckField("returnInterview", "return_interview", "Return home interview", "interview"),
    CheckField("returnInterviewOn", "return_interview_on", "Date of the interview", "date"),
    CheckField("voiceRecorded", "voice_recorded", "The child's voice recorded", "yes_no"),
    CheckField(
        "parentsInvolved",
        "parents_involved",
        "Parents or carers involved in safety planning",
        "yes_no",
    ),
    CheckField("nrmReferredOn", "nrm_referred_on", "NRM referral made on", "date"),
    CheckField("nrmOutcome", "nrm_outcome", "NRM outcome", "text"),
    CheckField("transition1617", "transition_16_17", "Transition at 16/17 considered", "yes_no"),
    CheckField(
        "lookedAfter", "looked_after", "Looked after or placed from another authority", "yes_no"
    ),
    CheckField("placingAuthority", "placing_authority", "Placing authority", "text"),
    CheckField("safetyPlanShared", "safety_plan_shared", "Safety plan shared", "yes_no"),
    CheckField("riskToolOn", "risk_tool_on", "Risk assessment tool completed on", "date"),
)


# --- views ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkRow:
    """One link of a subject, as its link form lists it (to remove it)."""

    link_id: int
    other_kind: SubjectKind
    other_shown: str
    other_risk: RiskLevel | None


@dataclass(frozen=True, slots=True)
class SubjectEdit:
    """A subject as its edit forms need it: what is recorded now and the choices."""

    subject_id: int
    kind: SubjectKind
    shown: str
    locality_name: str
    meeting_id: int | None
    risk: RiskLevel | None
    status: SubjectStatus
    lead_agency: str
    strands: tuple[str, ...]
    checks: ChildChecks
    #: (code, name) of every agency, and of every active strand, in their order.
    agencies: tuple[tuple[str, str], ...]
    strand_choices: tuple[tuple[str, str], ...]
    links: tuple[LinkRow, ...] = ()


@dataclass(frozen=True, slots=True)
class AddChoices:
    """What the add form offers: the groups the member may add to, agencies, strands."""

    groups: tuple[tuple[str, str], ...]
    agencies: tuple[tuple[str, str], ...]
    strand_choices: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class SubjectSaved:
    """What a saved change says: which subject, what changed, in coded words only (never
    a reason), so that it can be shown in a group's conversation."""

    subject_id: int
    kind: SubjectKind
    shown: str
    change: str
    meeting_id: int | None = None
    #: For a link or an unlink: the other subject.
    other_kind: SubjectKind | None = None
    other_shown: str = ""
    #: The other subject was added to the register in the same step.
    other_added: bool = False


@dataclass(frozen=True, slots=True)
class DetailsChange:
    """The details form read: ``None`` where a value did not change."""

    lead_agency: str | None = None
    strands: tuple[str, ...] | None = None
    changed: tuple[str, ...] = field(default=())


# --- parsers ----------------------------------------------------------------------------------


def _reason(
    errors: dict[str, str],
    data: Mapping[str, object],
    field_id: str,
    label: str,
    limit: int,
    today: date,
    *,
    required: bool,
) -> str:
    text = optional_text(errors, field_id, data.get(field_id), f"{label}: give it as text.")
    if required or text:
        require_text(errors, field_id, text, label, limit)
    check_identifying_details(errors, field_id, text, today, data)
    return text


def parse_risk(
    data: Mapping[str, object], current: RiskLevel | None, today: date, *, reason_required: bool
) -> tuple[RiskLevel, str]:
    """A new risk level and why. The same level again is refused ("already medium");
    a change needs a reason (``reason_required``; not when a subject is first added)."""
    errors: dict[str, str] = {}
    text = optional_text(errors, RISK_FIELD, data.get(RISK_FIELD), _CHOOSE_RISK)
    level: RiskLevel | None = None
    try:
        level = RiskLevel(text)
    except ValueError:
        errors[RISK_FIELD] = _CHOOSE_RISK
    if level is not None and level is current:
        errors[RISK_FIELD] = (
            f"The risk is already {RISK_LABELS[level].lower()}: choose another level."
        )
    reason = _reason(
        errors,
        data,
        RISK_REASON_FIELD,
        "The reason for the change",
        MAX_REASON_CHARS,
        today,
        required=reason_required,
    )
    raise_if(errors)
    assert level is not None
    return level, reason


def parse_optional_risk(data: Mapping[str, object]) -> RiskLevel | None:
    """The add form's risk: optional (left for the group to rate later)."""
    text = data.get(RISK_FIELD)
    if text is None or text in ("", NOT_RECORDED):
        return None
    try:
        return RiskLevel(str(text))
    except ValueError:
        raise_if({RISK_FIELD: _CHOOSE_RISK})
        raise AssertionError("unreachable") from None


def parse_status(
    data: Mapping[str, object], current: SubjectStatus, today: date
) -> tuple[SubjectStatus, str]:
    """A new status and why: closing needs a reason; reopening or monitoring may give one.
    The same status again is refused."""
    errors: dict[str, str] = {}
    text = optional_text(errors, STATUS_FIELD, data.get(STATUS_FIELD), _CHOOSE_STATUS)
    status: SubjectStatus | None = None
    try:
        status = SubjectStatus(text)
    except ValueError:
        errors[STATUS_FIELD] = _CHOOSE_STATUS
    if status is not None and status is current:
        errors[STATUS_FIELD] = (
            f"It is already {STATUS_LABELS[status].lower()}: choose another status."
        )
    reason = _reason(
        errors,
        data,
        STATUS_REASON_FIELD,
        "The reason",
        MAX_REASON_CHARS,
        today,
        required=status is SubjectStatus.CLOSED,
    )
    if status is SubjectStatus.CLOSED and STATUS_REASON_FIELD in errors and not reason:
        errors[STATUS_REASON_FIELD] = "Say why it is closed: a subject is closed with a reason."
    raise_if(errors)
    assert status is not None
    return status, reason


def strand_codes(value: object) -> list[str]:
    """A multi-select's value ("cse,cce") as its codes, in the order given, once each."""
    if not isinstance(value, str):
        return []
    codes: list[str] = []
    for part in value.split(","):
        code = part.strip()
        if code and code not in codes:
            codes.append(code)
    return codes


def parse_details(
    data: Mapping[str, object],
    *,
    agencies: Collection[str],
    strands: Collection[str],
    current_agency: str,
    current_strands: Collection[str],
    creating: bool,
) -> DetailsChange:
    """The lead agency (one of ``agencies``, or none) and the strands (codes of
    ``strands``, the ``strands`` table's active rows). Once a subject has any strand it
    keeps at least one: an empty selection is allowed only when it is added."""
    errors: dict[str, str] = {}
    agency = optional_text(errors, LEAD_AGENCY_FIELD, data.get(LEAD_AGENCY_FIELD), _CHOOSE_AGENCY)
    if agency == NO_AGENCY:
        agency = ""
    if agency and agency not in agencies:
        errors[LEAD_AGENCY_FIELD] = _CHOOSE_AGENCY
    raw = data.get(STRANDS_FIELD)
    if raw is not None and not isinstance(raw, str):
        errors[STRANDS_FIELD] = _CHOOSE_STRANDS
    chosen = strand_codes(raw)
    if any(code not in strands for code in chosen):
        errors[STRANDS_FIELD] = _CHOOSE_STRANDS
    elif not chosen and not creating:
        errors[STRANDS_FIELD] = "Choose at least one strand."
    raise_if(errors)
    new_agency = agency if agency != current_agency else None
    new_strands = tuple(chosen) if set(chosen) != set(current_strands) else None
    changed = tuple(
        name
        for name, value in (("lead_agency", new_agency), ("strands", new_strands))
        if value is not None
    )
    if not changed and not creating:
        raise_if({STRANDS_FIELD: "Those are the details already recorded: change one first."})
    return DetailsChange(new_agency, new_strands, changed)


def strands_event(codes: Collection[str]) -> tuple[str, str]:
    """A ``strands`` event's (value, reason): the codes, comma-joined, in ``value`` when
    they fit its 60 characters; else the count in ``value`` and the codes in ``reason``.
    Codes, never labels: the history stays coded whatever the strands are called later."""
    joined = ",".join(sorted(codes))
    if len(joined) <= EVENT_VALUE_CHARS:
        return joined, ""
    return f"{len(codes)} strands", joined


def parse_checks(data: Mapping[str, object], today: date) -> ChildChecks:
    """The checks form as ``ChildChecks``: yes / no / not recorded, dates no later than
    today, and the two free-text answers (NRM outcome, placing authority) nudged."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for check in CHECK_FIELDS:
        raw = data.get(check.id)
        if check.kind == "text":
            values[check.attr] = _reason(
                errors, data, check.id, check.label, MAX_CHECK_TEXT_CHARS, today, required=False
            )
            continue
        text = optional_text(errors, check.id, raw, f"{check.label}: choose from the list.")
        if check.id in errors:
            continue
        if text == NOT_RECORDED and check.kind != "date":
            text = ""
        if check.kind == "yes_no":
            if text not in ("", YES, NO):
                errors[check.id] = f"{check.label}: choose yes, no or not recorded."
            values[check.attr] = None if not text else text == YES
        elif check.kind == "interview":
            try:
                values[check.attr] = InterviewState(text) if text else None
            except ValueError:
                errors[check.id] = "Choose offered, done, declined or not recorded."
        else:
            values[check.attr] = _past_date(errors, check.id, text, today)
    raise_if(errors)
    return ChildChecks(**values)  # type: ignore[arg-type]


def check_values(checks: ChildChecks) -> dict[str, str]:
    """``ChildChecks`` as the checks form's field values (to prefill it)."""
    shown: dict[str, str] = {}
    for check in CHECK_FIELDS:
        value = getattr(checks, check.attr)
        if value is None or value == "":
            shown[check.id] = "" if check.kind in ("date", "text") else NOT_RECORDED
        elif isinstance(value, bool):
            shown[check.id] = YES if value else NO
        elif isinstance(value, date):
            shown[check.id] = value.isoformat()
        else:
            shown[check.id] = str(value)
    return shown


def unlink_reason_field(link_id: int) -> str:
    """The reason field of one link's "remove" form (one per link on the link form)."""
    return f"{UNLINK_REASON_FIELD}-{link_id}"


def parse_link_reason(data: Mapping[str, object], field_id: str, today: date) -> str:
    """Why two subjects are linked, or unlinked: a short reason, required, nudged."""
    errors: dict[str, str] = {}
    reason = _reason(
        errors, data, field_id, "The reason", MAX_LINK_REASON_CHARS, today, required=True
    )
    raise_if(errors)
    return reason


def _past_date(errors: dict[str, str], field_id: str, text: str, today: date) -> date | None:
    if not text:
        return None
    try:
        when = date.fromisoformat(text)
    except ValueError:
        errors[field_id] = "Give it as a date, for example 2026-11-19."
        return None
    if when > today:
        errors[field_id] = f"That date is still to come: give {today.isoformat()} or earlier."
        return None
    return when


_CHOOSE_RISK = "Choose low, medium, high or very high."
_CHOOSE_STATUS = "Choose open, monitoring or closed."
_CHOOSE_AGENCY = "Choose an agency from the list, or none."
_CHOOSE_STRANDS = "Choose strands from the list."
