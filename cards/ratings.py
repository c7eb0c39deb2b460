"""Rating a meeting (issue 16, point 7): the card each person who said they were there
gets in a personal chat when the meeting ends, and its thanks once they have rated.

It goes out unasked, so it names the group and the day only. It says plainly that the
rating is anonymous and given once: only the figures reach the performance report, never
who rated what.
"""

from __future__ import annotations

from bot.domain.ratings import (
    COMMENT_CHARS,
    COMMENT_FIELD,
    RATING_FIELD,
    RATING_SCALE,
    RatingFormView,
)
from cards.elements import (
    JSON,
    adaptive_card,
    choice_input,
    execute,
    field,
    heading,
    marking,
    recorded_field,
    text_block,
    text_input,
    value_of,
    with_error_banner,
)
from cards.text import format_date, plain
from cards.verbs import MEETING_RATE

ANONYMOUS = (
    "Your rating is anonymous: it is kept apart from your name. Nobody can read it on its "
    "own; only the figures of all ratings (how many, the average, the spread) and the "
    "comments, without names, go into the performance report. You can rate this meeting "
    "once."
)


def rating_card(view: RatingFormView) -> JSON:
    """The form (1-5 and an optional comment), or the thanks once rated."""
    title = f"How was the {plain(view.locality)} meeting on {format_date(view.held_on)}?"
    if view.rated:
        return adaptive_card(
            [
                heading("Thank you: your rating is recorded", size="large"),
                text_block(
                    f"Your rating of the {plain(view.locality)} meeting on "
                    f"{format_date(view.held_on)} is kept without your name. It cannot be "
                    "changed or read back."
                ),
            ]
        )
    body: list[JSON] = [
        heading(title, size="large"),
        marking(),
        text_block(ANONYMOUS),
        *field(
            choice_input(
                RATING_FIELD,
                "Your rating",
                [(str(value), label) for value, label in RATING_SCALE],
                value=value_of(view.values, RATING_FIELD),
                expanded=True,
                required=True,
            ),
            view.errors,
        ),
        *recorded_field(
            text_input(
                COMMENT_FIELD,
                "A comment (optional): what worked, what would make it better",
                value=value_of(view.values, COMMENT_FIELD),
                multiline=True,
                max_length=COMMENT_CHARS,
                placeholder="No names of children or persons of concern, please.",
            ),
            view.values,
            view.errors,
        ),
    ]
    return adaptive_card(
        with_error_banner(body, view.errors),
        [execute("Send my rating", MEETING_RATE, {"meetingId": view.meeting_id})],
    )
