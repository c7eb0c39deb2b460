"""Domain rules with no Teams or database objects."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.model import Role, SubjectKind
from bot.domain.permissions import Permission, permitted
from bot.domain.rules import (
    parse_due_date,
    parse_meeting_date,
    parse_subject,
    raise_if,
    subject_display,
)

TODAY = date(2026, 11, 19)


@pytest.mark.parametrize(
    ("value", "due", "error"),
    [
        ("2026-11-19", date(2026, 11, 19), None),
        ("2026-12-01", date(2026, 12, 1), None),
        ("2026-11-18", None, "in the past"),
        ("", None, "required"),
        (None, None, "required"),
        ("next week", None, "as a date"),
        (20261201, None, "required"),
    ],
)
def test_due_date(value: object, due: date | None, error: str | None) -> None:
    parsed, message = parse_due_date(value, TODAY)
    assert parsed == due
    assert (message is None) if error is None else (error in (message or ""))


def test_next_meeting_date_is_optional_but_in_the_future() -> None:
    assert parse_meeting_date("", TODAY) == (None, None)
    assert parse_meeting_date("2026-12-17", TODAY) == (date(2026, 12, 17), None)
    assert parse_meeting_date("2026-11-19", TODAY)[1] == "The next meeting must be after today."


def test_a_child_is_a_case_reference_and_initials_only() -> None:
    errors: dict[str, str] = {}
    subject = parse_subject("child", " cr-0001 ", "a.b", errors)
    assert errors == {}
    assert subject is not None
    assert (subject.reference, subject.initials) == ("CR-0001", "AB")
    assert subject_display(subject.kind, subject.reference, subject.initials) == "CR-0001 (A.B.)"


@pytest.mark.parametrize("reference", ["Jane Smith", "12345", "CR 0001", "CR-1"])
def test_a_name_is_never_accepted_as_a_case_reference(reference: str) -> None:
    errors: dict[str, str] = {}
    assert parse_subject("child", reference, "JS", errors) is None
    assert "subjectRef" in errors
    assert reference not in errors["subjectRef"], "the error does not echo what was typed"


def test_subject_is_optional_but_a_reference_needs_a_kind() -> None:
    errors: dict[str, str] = {}
    assert parse_subject("none", "", "", errors) is None and errors == {}
    assert parse_subject("", "CR-0002", "", errors) is None
    assert "subjectKind" in errors


def test_locations_and_persons_keep_their_label() -> None:
    errors: dict[str, str] = {}
    subject = parse_subject("location", "Northway bus station", "ignored", errors)
    assert subject is not None and subject.kind is SubjectKind.LOCATION
    assert subject.initials == ""
    assert subject_display(subject.kind, subject.reference) == "Northway bus station"


def test_raise_if_carries_field_errors() -> None:
    raise_if({})
    with pytest.raises(InvalidInput) as caught:
        raise_if({"dueDate": "A due date is required."})
    assert caught.value.field_errors == {"dueDate": "A due date is required."}


@pytest.mark.parametrize(
    ("roles", "permission", "allowed"),
    [
        ({Role.CHAIR}, Permission.RUN_MEETING, True),
        ({Role.DEPUTY_CHAIR}, Permission.RUN_MEETING, True),
        ({Role.MINUTE_TAKER}, Permission.RUN_MEETING, False),
        ({Role.MINUTE_TAKER}, Permission.RECORD, True),
        ({Role.PARTNER}, Permission.RECORD, False),
        ({Role.PARTNER}, Permission.ANSWER_ROUND, True),
        ({Role.PARTNER}, Permission.VIEW_MEETING, True),
        ({Role.COORDINATOR}, Permission.RECORD_ATTENDANCE, True),
        ({Role.COORDINATOR}, Permission.RUN_MEETING, False),
        (set(), Permission.VIEW_MEETING, False),
    ],
)
def test_permissions_deny_by_default(
    roles: set[Role], permission: Permission, allowed: bool
) -> None:
    assert permitted(roles, permission) is allowed


def test_an_administrator_may_link_but_not_read() -> None:
    assert permitted(set(), Permission.LINK_CONVERSATION, is_admin=True)
    assert not permitted(set(), Permission.VIEW_MEETING, is_admin=True)
