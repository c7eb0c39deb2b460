"""Identifying details are pointed out before saving, and only real ones."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.rules import (
    check_identifying_details,
    confirmation_field,
    details_confirmed,
    is_confirmation_field,
    recorded_text,
)
from bot.domain.sensitive import (
    ADDRESS_REFUSED,
    describe,
    find_identifying_details,
    looks_like_address,
    nhs_number_is_valid,
)

TODAY = date(2026, 11, 19)


def kinds(text: str) -> list[str]:
    return [f.kind for f in find_identifying_details(text, TODAY)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CR-0001 (DOB 12/03/2011) seen at the station.", ["date_of_birth"]),
        ("Born 3rd March 2012 according to school.", ["date_of_birth"]),
        ("d.o.b. 2011-04-05", ["date_of_birth"]),
        ("Young person, 14/02/2012, not in school.", ["date_of_birth"]),
        ("Review on 03/12/2026 with the school.", []),
        ("Meeting moved to 1 Dec 2026.", []),
        ("NHS number 943 476 5919 on file.", ["nhs_number"]),
        ("Reference 943 476 5918 is not an NHS number.", []),
        ("Call mum on 07700 900123 after 6.", ["phone"]),
        ("Landline 01632 960 001.", ["phone"]),
        ("+44 7700 900123 is the new number.", ["phone"]),
        ("Email jo.bloggs@example.org for the report.", ["email"]),
        ("Lives near YO11 2AB with an aunt.", ["postcode"]),
        ("The YO11 area has had sightings.", []),
        ("CR-0001 (A.B.) to be discussed at item 4.", []),
        ("DOB 01/01/2010, phone 07700 900456, YO12 5XY.", ["date_of_birth", "phone", "postcode"]),
    ],
)
def test_identifying_details_are_found(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("9434765919", True),
        ("9434765918", False),
        ("4010232137", True),
        ("123", False),
        ("abcdefghij", False),
    ],
)
def test_nhs_check_digit(digits: str, valid: bool) -> None:
    assert nhs_number_is_valid(digits) is valid


def test_the_description_quotes_nothing_typed() -> None:
    text = "DOB 12/03/2011, phone 07700 900123"
    message = describe(find_identifying_details(text, TODAY))
    assert message == "This looks like it contains a date of birth and a phone number."
    assert "07700" not in message and "2011" not in message
    assert describe([]) == ""


# -- the rule every saved free-text field goes through ---------------------------------------

FIELD = "minuteText"
CONFIRM = confirmation_field(FIELD)


def checked(text: str, data: dict[str, object] | None = None) -> dict[str, str]:
    errors: dict[str, str] = {}
    check_identifying_details(errors, FIELD, text, TODAY, data or {})
    return errors


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Mum's number is 07700 900123.", "a phone number"),
        ("NHS 943 476 5919.", "an NHS number"),
        ("CR-0001, DOB 12/03/2011.", "a date of birth"),
        ("Lives near YO11 2AB; email jo@example.org", "a full postcode and an email address"),
    ],
)
def test_a_detail_is_pointed_out_by_kind_never_quoted(text: str, named: str) -> None:
    errors = checked(text)
    assert set(errors) == {FIELD, CONFIRM}
    message = errors[FIELD]
    assert named in message
    assert "case reference and initials" in message
    for digit_run in ("07700", "900123", "943", "5919", "2011", "YO11", "jo@"):
        assert digit_run not in message and digit_run not in errors[CONFIRM]


def test_text_without_details_passes_first_time() -> None:
    assert checked("CR-0001 (A.B.) seen near the YO11 area; review on 03/12/2026.") == {}
    assert checked("") == {}


@pytest.mark.parametrize("ticked", ["true", "True", " true ", True])
def test_the_writers_confirmation_lets_it_through(ticked: object) -> None:
    assert checked("Call 07700 900123.", {CONFIRM: ticked}) == {}


@pytest.mark.parametrize(
    "data",
    [
        {CONFIRM: "false"},
        {CONFIRM: ""},
        {CONFIRM: None},
        {CONFIRM: 1},
        {CONFIRM: "yes"},
        {confirmation_field("decisionText"): "true"},  # another field's confirmation
        {"confirmDetails": "true"},  # not tied to a field
    ],
)
def test_anything_else_is_not_a_confirmation(data: dict[str, object]) -> None:
    assert FIELD in checked("Call 07700 900123.", data)


def test_a_field_already_in_error_keeps_that_error() -> None:
    errors = {FIELD: "The minute is too long."}
    check_identifying_details(errors, FIELD, "Call 07700 900123.", TODAY, {})
    assert errors == {FIELD: "The minute is too long."}


def test_confirmation_ids_are_per_field() -> None:
    assert confirmation_field("update-12") == "confirmDetails-update-12"
    assert is_confirmation_field("confirmDetails-update-12")
    assert not is_confirmation_field("update-12")
    assert details_confirmed("true") and not details_confirmed("false")


def test_recorded_text_refuses_then_accepts_when_confirmed() -> None:
    typed = "  Call mum on 07700 900123.  "
    with pytest.raises(InvalidInput) as refused:
        recorded_text({FIELD: typed}, FIELD, "The minute", 4000, TODAY)
    assert set(refused.value.field_errors) == {FIELD, CONFIRM}
    assert "a phone number" in refused.value.field_errors[FIELD]
    saved = recorded_text({FIELD: typed, CONFIRM: "true"}, FIELD, "The minute", 4000, TODAY)
    assert saved == "Call mum on 07700 900123."
    assert recorded_text({FIELD: "Seen at school."}, FIELD, "The minute", 4000, TODAY) == (
        "Seen at school."
    )


def test_recorded_text_still_requires_text_within_the_limit() -> None:
    with pytest.raises(InvalidInput) as empty:
        recorded_text({FIELD: "  "}, FIELD, "The minute", 4000, TODAY)
    assert empty.value.field_errors == {FIELD: "The minute is required."}
    with pytest.raises(InvalidInput) as long:
        recorded_text({FIELD: "07700 900123 " * 400, CONFIRM: "true"}, FIELD, "Minute", 4000, TODAY)
    assert "too long" in long.value.field_errors[FIELD]


# -- addresses and names (issue 15, point 8) -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Staying at 12 Castle Road with a friend.", ["address"]),
        ("Seen leaving 14a North Marine Road twice.", ["address"]),
        ("Party at 3-5 Mill Lane on Friday.", ["address"]),
        ("Cuckooed flat at 7 Barwick Gardens.", ["address"]),
        ("Moved to 22 Prospect Hill last week.", ["address"]),
        ("Address is 9 Oak Rd.", ["address"]),
        ("Lives in Flat 3 above the takeaway.", ["address"]),
        ("Found in flat 12B, same block.", ["address"]),
        ("Flat 3, 12 Castle Road, YO11 2AB", ["address", "address", "postcode"]),
        ("Seen on Castle Road by the bus station.", []),  # a street alone: a public place
        ("It is a 3 hours walk from the station.", []),  # lower case: not a street
        ("Item 4 Children at risk; 2 Strategy meetings held.", []),
        ("CR-0001 Castle Road sightings.", []),  # a reference, not a house number
        ("Mr Smith drives the grey Audi.", ["name"]),
        ("Mrs J. Khan is the aunt.", ["name"]),
        ("Spoke to Ms. Patel at school.", ["name"]),
        ("Dr Okoye (GP) has seen her.", ["name"]),
        ("Mx Rivers attends the youth club.", ["name"]),
        ("An older male called Tyler collects him.", ["name"]),
        ("A girl named Kayla was with her.", ["name"]),
        ("Goes by a nickname, known as 'Tiny'.", ["name"]),
        ("His name is Jordan, per school.", ["name"]),
        ("The school called Police at 4pm.", []),  # an agency, not a person
        ("Foster carer called Mum straight away.", []),
        ("John Smith was seen with CR-0001.", []),  # a bare name: not recognised
        ("Miss the next review and it escalates.", []),  # a verb, not a title
    ],
)
def test_addresses_and_marked_names_are_found(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


def test_a_name_finding_covers_the_name_only_and_the_label_quotes_nothing() -> None:
    text = "An older male called Tyler collects him."
    (finding,) = find_identifying_details(text, TODAY)
    assert text[finding.start : finding.end] == "Tyler"
    message = describe(find_identifying_details("Mr Smith, 12 Castle Road", TODAY))
    assert message == "This looks like it contains a person's name and a street address."
    assert "Smith" not in message and "Castle" not in message


def test_a_name_or_address_is_nudged_through_the_saving_rule() -> None:
    errors = checked("Mr Smith lives at 12 Castle Road.")
    assert set(errors) == {FIELD, CONFIRM}
    assert "a person's name and a street address" in errors[FIELD]
    assert checked("Mr Smith lives at 12 Castle Road.", {CONFIRM: "true"}) == {}


@pytest.mark.parametrize(
    ("description", "refused"),
    [
        ("12 Castle Road", True),
        ("The house at 4b Falsgrave Rd", True),
        ("Flat 3 above the chip shop", True),
        ("14 mill lane", True),  # any case, for a location
        ("Apartment 7, Harbour View", True),
        ("Co-op on Castle Road", False),
        ("Peasholm Park toilets", False),
        ("Bus station, YO11 area", False),
        ("Car park behind the Spa", False),
        ("YO11 2AB", False),  # a postcode alone is nudged, not refused
    ],
)
def test_a_location_is_never_a_private_address(description: str, refused: bool) -> None:
    assert looks_like_address(description) is refused
    assert "house or flat number" in ADDRESS_REFUSED
