"""Reading a rating from its card (bot.domain.ratings)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.ratings import COMMENT_CHARS, RatingEntry, read_rating
from bot.domain.rules import confirmation_field

TODAY = date(2026, 11, 19)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"rating": "5"}, RatingEntry(5, None)),
        (
            {"rating": 1, "ratingComment": "  Too long on item 3. "},
            RatingEntry(1, "Too long on item 3."),
        ),
        ({"rating": "3", "ratingComment": ""}, RatingEntry(3, None)),
    ],
)
def test_a_rating_from_1_to_5_with_an_optional_comment(
    data: dict[str, object], expected: RatingEntry
) -> None:
    assert read_rating(data, TODAY) == (expected, {})


@pytest.mark.parametrize("value", [None, "", "0", "6", "4.5", True, 7, "five", ["4"]])
def test_anything_else_is_asked_again(value: object) -> None:
    entry, errors = read_rating({"rating": value}, TODAY)
    assert entry is None and errors == {"rating": "Choose a rating from 1 to 5."}


def test_a_comment_too_long_or_not_text_or_with_identifying_details() -> None:
    long = read_rating({"rating": "4", "ratingComment": "x" * (COMMENT_CHARS + 1)}, TODAY)
    assert long[0] is None and "too long" in long[1]["ratingComment"]
    odd = read_rating({"rating": "4", "ratingComment": 12}, TODAY)
    assert odd[1] == {"ratingComment": "The comment must be text."}
    phone = read_rating({"rating": "4", "ratingComment": "Call me on 07700 900123"}, TODAY)
    assert phone[0] is None and "ratingComment" in phone[1]
    confirmed = read_rating(
        {
            "rating": "4",
            "ratingComment": "Call me on 07700 900123",
            confirmation_field("ratingComment"): "true",
        },
        TODAY,
    )
    assert confirmed == (RatingEntry(4, "Call me on 07700 900123"), {}), "once confirmed"
