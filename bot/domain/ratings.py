"""A meeting's evaluation by those who were there (issue 16, point 7): the rules, no I/O.

Each person who recorded their own attendance ("I'm here", ``here``) is asked, when the
meeting ends, to rate it once: 1 (poor) to 5 (very good), with an optional comment.
Ratings are anonymous to the chair: who has rated and what was rated are kept apart
(``meeting_raters`` and ``meeting_ratings``, with nothing linking them), nobody can read
a single rating in chat, and only the figures (count, mean, distribution, comments without
names) reach the performance report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.domain.rules import check_identifying_details, clean_text, optional_text

#: The scale, as the card offers it: (value, label).
RATING_SCALE: tuple[tuple[int, str], ...] = (
    (5, "5 – very good"),
    (4, "4 – good"),
    (3, "3 – adequate"),
    (2, "2 – poor"),
    (1, "1 – very poor"),
)
#: A comment is a few sentences, not minutes.
COMMENT_CHARS = 1000
RATING_FIELD = "rating"
COMMENT_FIELD = "ratingComment"

ALREADY_RATED = (
    "You have already rated this meeting. Each person rates a meeting once, and a rating "
    "cannot be changed or read back, so that it stays anonymous."
)


@dataclass(frozen=True, slots=True)
class RatingFormView:
    """The card that asks one attendee to rate one meeting (or thanks them once rated)."""

    meeting_id: int
    locality: str
    held_on: date
    rated: bool = False
    values: Mapping[str, object] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RatingEntry:
    rating: int
    comment: str | None


def read_rating(
    data: Mapping[str, object], today: date
) -> tuple[RatingEntry | None, dict[str, str]]:
    """The rating and comment a card sent, or the errors beside each field. A comment gets
    the personal-data nudge: it is free text kept (encrypted) and read in the report."""
    errors: dict[str, str] = {}
    value = data.get(RATING_FIELD)
    whole = isinstance(value, int) and not isinstance(value, bool)
    raw = str(value) if whole else clean_text(value)
    rating = int(raw) if raw in {str(v) for v, _ in RATING_SCALE} else None
    if rating is None:
        errors[RATING_FIELD] = "Choose a rating from 1 to 5."
    comment = optional_text(
        errors, COMMENT_FIELD, data.get(COMMENT_FIELD), "The comment must be text."
    )
    if len(comment) > COMMENT_CHARS:
        errors[COMMENT_FIELD] = (
            f"The comment is too long: at most {COMMENT_CHARS} characters (you have "
            f"{len(comment)})."
        )
    check_identifying_details(errors, COMMENT_FIELD, comment, today, data)
    if errors or rating is None:
        return None, errors
    return RatingEntry(rating, comment or None), {}
