"""Values from card fields, read at the boundary before they reach a query.

A card's data is JSON written by a client, and a crafted payload can put anything in any
field: a 25-digit number, a negative or fractional one, a list, an object, null. Read here,
an id is either a whole number the store can hold or nothing at all, so that a service
answers "not found" or "choose one from the list" instead of the database driver raising
(SQLite's ``OverflowError``, PostgreSQL's out-of-range error) and the person being told
something went wrong.
"""

from __future__ import annotations

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

