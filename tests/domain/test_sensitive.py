"""Identifying details are pointed out before saving, and only real ones."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.sensitive import describe, find_identifying_details, nhs_number_is_valid

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
