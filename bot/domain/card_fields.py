"""Values from card fields, read at the boundary before they reach a query.

A card's data is JSON written by a client, and a crafted payload can put anything in any
field: a 25-digit number, a negative or fractional one, a list, an object, null. Read here,
an id is either a whole number the store can hold or nothing at all, so that a service
answers "not found" or "choose one from the list" instead of the database driver raising
(SQLite's ``OverflowError``, PostgreSQL's out-of-range error) and the person being told
something went wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

#: The store's ids are 32-bit integer columns (``INTEGER``: int4 on PostgreSQL), so this is
#: the largest id that can exist; anything larger is refused here, not by the driver.
ID_MAX = 2**31 - 1
#: A card's id is at most this many digits as text (``ID_MAX`` has ten).
_ID_DIGITS = len(str(ID_MAX))


def card_id(value: object) -> int | None:
    """An id from a card: ``3`` or ``"3"`` within 1..``ID_MAX``, else None.

    Cards carry ids as JSON numbers or, from ``Input.ChoiceSet``, as text. Booleans, floats
    (even ``3.0``), signs, spaces inside, other digits than 0-9, and anything out of range
    are not ids.
    """
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if 0 < len(text) <= _ID_DIGITS and text.isascii() and text.isdigit():
            number = int(text)
    return number if number is not None and 1 <= number <= ID_MAX else None


#: The most fields a card of ours sends (the members form and the largest "my actions"
#: card send a few dozen), and the longest key (``confirmDetails-challengeAbout``).
MAX_FIELDS = 400
MAX_KEY_CHARS = 100
#: Far longer than any input allows (a minute is at most 4,000 characters, and a longer
#: one gets the form back with the error beside it); this bounds only what is read at all.
MAX_TEXT_CHARS = 50_000

UNREADABLE = (
    "Nothing was saved: that button sent something I could not read. Please use a current "
    "card (type **agenda** in the group's conversation, or **my actions** in a personal "
    "chat) and try again."
)


def readable_text(value: str) -> bool:
    """Text the store can keep: no NUL (PostgreSQL refuses it) and no lone surrogate
    (it has no UTF-8 form). Neither can be typed into a Teams card."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable(data: Mapping[str, object]) -> bool:
    """Whether every field of a card's data is a single value: text (bounded, storable),
    a number, true/false or null. Never a list or an object: no card of ours sends one, so
    such a payload is refused whole before anything reads it.

    Numbers of any size pass here, fractions too: the endpoint's JSON reader gives an
    integer beyond 64 bits as a float, and a number is for each field to judge (as an id
    by ``card_id``, which takes no float; elsewhere as a value of the wrong type)."""
    if len(data) > MAX_FIELDS:
        return False
    for key, value in data.items():
        if not isinstance(key, str) or len(key) > MAX_KEY_CHARS or not readable_text(key):
            return False
        if isinstance(value, str):
            if len(value) > MAX_TEXT_CHARS or not readable_text(value):
                return False
        elif isinstance(value, float):
            if not math.isfinite(value):
                return False
        elif value is not None and not isinstance(value, int):  # bool is an int
            return False
    return True
