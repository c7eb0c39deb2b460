"""Input rules for what a meeting records, shared by every way of entering it.

Each check returns plain messages keyed by field id so that a card can show the error
beside the field and keep what the user typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.errors import InvalidInput
from bot.domain.model import SubjectKind
from bot.domain.sensitive import describe, find_identifying_details

MAX_ENTRY_CHARS = 4000
MAX_DESCRIPTION_CHARS = 1000
MAX_LABEL_CHARS = 80
#: The value of "The plan / something else" in a challenge's "to" choice: no agency.
#: Not empty: Adaptive Card renderers refuse a choice whose value is empty.
CHALLENGE_TO_NO_AGENCY = "plan"
MAX_NAME_CHARS = 120

CASE_REFERENCE = re.compile(r"^[A-Z]{2,5}-\d{3,10}$")
INITIALS = re.compile(r"^[A-Z]{1,3}$")

#: The writer's "yes, keep them" for identifying details pointed out in a field: the
#: confirmation for field ``minuteText`` arrives as ``confirmDetails-minuteText``.
CONFIRM_DETAILS = "confirmDetails"
CONFIRM_DETAILS_TITLE = "These details are needed in the record"


def clean_text(value: object) -> str:
    """Card inputs arrive as anything; treat missing and non-strings as empty."""
    return value.strip() if isinstance(value, str) else ""


def optional_text(errors: dict[str, str], field: str, value: object, message: str) -> str:
    """An optional field: missing or null is empty, text is cleaned, and anything else
    (a number, true/false, from a crafted payload) gets ``message`` beside the field
    rather than being taken for "left empty" and saved as such."""
    if value is not None and not isinstance(value, str):
        errors[field] = message
        return ""
    return clean_text(value)


def normalise_case_reference(value: str) -> str:
    return value.strip().upper()


def normalise_initials(value: str) -> str:
    """'a.b' and 'A B' both mean AB."""
    return re.sub(r"[^A-Za-z]", "", value).upper()


def display_initials(initials: str) -> str:
    return ".".join(initials) + "." if initials else ""


def subject_display(kind: SubjectKind, reference: str, initials: str = "") -> str:
    """How a subject appears in chat: a child, or a person of concern, only by reference
    and initials; a location, group or theme by its short label."""
    if kind in (SubjectKind.CHILD, SubjectKind.PERSON):
        shown = display_initials(initials)
        return f"{reference} ({shown})" if shown else reference
    return reference


def require_text(errors: dict[str, str], field: str, value: str, label: str, limit: int) -> None:
    if not value:
        errors[field] = f"{label} is required."
    elif len(value) > limit:
        errors[field] = f"{label} is too long: at most {limit} characters (you have {len(value)})."


def required_text(value: object, field: str, label: str, limit: int) -> str:
    """A single required free-text field, cleaned, or ``InvalidInput`` keyed by ``field``."""
    text = clean_text(value)
    errors: dict[str, str] = {}
    require_text(errors, field, text, label, limit)
    raise_if(errors)
    return text


def confirmation_field(field: str) -> str:
    """The id of the confirmation that goes with free-text ``field``."""
    return f"{CONFIRM_DETAILS}-{field}"


def is_confirmation_field(key: str) -> bool:
    return key.startswith(f"{CONFIRM_DETAILS}-")


def details_confirmed(value: object) -> bool:
    """An Input.Toggle sends "true" when ticked; a hand-made payload may send true."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def check_identifying_details(
    errors: dict[str, str], field: str, value: str, today: date, data: Mapping[str, object]
) -> None:
    """Point out a date of birth, NHS number, phone number, email or postcode in ``value``
    (the cleaned text of ``field``) unless the form's ``data`` carries the writer's
    confirmation, under ``confirmation_field(field)``, that they are needed in the record.

    The message beside ``field`` names the kinds of detail found, never the detail; the
    entry under ``confirmation_field(field)`` asks the form for the confirmation toggle.
    A field that already has an error is left to that error first.
    """
    confirmation = data.get(confirmation_field(field))
    if not value or field in errors or details_confirmed(confirmation):
        return
    findings = find_identifying_details(value, today)
    if not findings:
        return
    errors[field] = (
        f"{describe(findings)} Children appear in the record only by case reference and "
        "initials (CR-0001, A.B.). Edit the details out, or confirm that they are needed "
        "in the record."
    )
    errors[confirmation_field(field)] = (
        f"To keep them, tick '{CONFIRM_DETAILS_TITLE}' and save again."
    )


def recorded_text(
    data: Mapping[str, object], field: str, label: str, limit: int, today: date
) -> str:
    """A required free-text field for the record, from a form's ``data``: cleaned, within
    ``limit``, and with identifying details confirmed; else ``InvalidInput``."""
    text = clean_text(data.get(field))
    errors: dict[str, str] = {}
    require_text(errors, field, text, label, limit)
    check_identifying_details(errors, field, text, today, data)
    raise_if(errors)
    return text


#: How far ahead a date typed into a card may be. A locality group meets monthly and its
#: actions are due within weeks; a date years ahead is a slip (2062 for 2026), and one
#: centuries ahead is not a date anyone means, yet every chase and brief would carry it.
MAX_YEARS_AHEAD = 5


def latest_date(today: date) -> date:
    """The last date a due date or meeting date may be: ``MAX_YEARS_AHEAD`` years on."""
    return today + timedelta(days=365 * MAX_YEARS_AHEAD)


def parse_due_date(value: object, today: date) -> tuple[date | None, str | None]:
    """A due date as YYYY-MM-DD, today or later."""
    text = clean_text(value)
    if not text:
        return None, "A due date is required."
    try:
        due = date.fromisoformat(text)
    except ValueError:
        return None, "Give the due date as a date, for example 2026-12-31."
    if due < today:
        return None, f"The due date is in the past; choose {today.isoformat()} or later."
    if due > latest_date(today):
        return None, f"Choose a due date no later than {latest_date(today).isoformat()}."
    return due, None


def parse_new_due_date(
    data: Mapping[str, object],
    fields: tuple[str, str],
    reason_label: str,
    current: date,
    today: date,
) -> tuple[date, str]:
    """A new due date for an action and the reason for it, from a form's ``data`` under
    ``fields`` (the date's id, the reason's id); else ``InvalidInput`` with each message
    beside its field. An owner asking for one and the chair carrying an action over
    check the same things; ``reason_label`` keeps each form's own word for the reason
    ("The reason", "Why") in its messages."""
    date_field, reason_field = fields
    errors: dict[str, str] = {}
    wanted, error = parse_due_date(data.get(date_field), today)
    if error:
        errors[date_field] = error
    elif wanted == current:
        errors[date_field] = "That is the current due date; choose a new one."
    reason = clean_text(data.get(reason_field))
    require_text(errors, reason_field, reason, reason_label, MAX_ENTRY_CHARS)
    check_identifying_details(errors, reason_field, reason, today, data)
    raise_if(errors)
    assert wanted is not None
    return wanted, reason


def parse_meeting_date(value: object, today: date) -> tuple[date | None, str | None]:
    """The next meeting date: optional, but if given, after today."""
    if value is not None and not isinstance(value, str):
        return None, "Give the date as a date, for example 2026-12-31."
    text = clean_text(value)
    if not text:
        return None, None
    try:
        when = date.fromisoformat(text)
    except ValueError:
        return None, "Give the date as a date, for example 2026-12-31."
    if when <= today:
        return None, "The next meeting must be after today."
    if when > latest_date(today):
        return None, f"Choose a date no later than {latest_date(today).isoformat()}."
    return when, None


@dataclass(frozen=True, slots=True)
class SubjectInput:
    kind: SubjectKind
    reference: str
    initials: str


def parse_subject(
    kind_value: object, reference_value: object, initials_value: object, errors: dict[str, str]
) -> SubjectInput | None:
    """An optional subject: a child (case reference and initials), a person or a location.

    Children are recorded only by case reference and initials, never by name: a value that
    does not look like a case reference is refused rather than stored.
    """
    kind_text = optional_text(
        errors, "subjectKind", kind_value, "Choose a child, a person of concern or a location."
    )
    reference = optional_text(errors, "subjectRef", reference_value, "Give a reference.")
    initials = optional_text(errors, "subjectInitials", initials_value, "Give initials.")
    if any(key.startswith("subject") for key in errors):
        return None
    if not kind_text or kind_text == "none":
        if reference or initials:
            errors["subjectKind"] = "Choose whether this concerns a child, a person or a location."
        return None
    try:
        kind = SubjectKind(kind_text)
    except ValueError:
        errors["subjectKind"] = "Choose a child, a person of concern or a location of concern."
        return None
    if kind is SubjectKind.CHILD:
        reference = normalise_case_reference(reference)
        initials = normalise_initials(initials)
        if not CASE_REFERENCE.match(reference):
            errors["subjectRef"] = (
                "Give the child's case reference, for example CR-0001. Never a name."
            )
        if not INITIALS.match(initials):
            errors["subjectInitials"] = "Give the child's initials: one to three letters."
    else:
        require_text(errors, "subjectRef", reference, "A reference or short label", MAX_LABEL_CHARS)
        initials = ""
    if any(key.startswith("subject") for key in errors):
        return None
    return SubjectInput(kind, reference, initials)


def raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidInput(errors)
