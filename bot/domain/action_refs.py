"""Action references as people type them: ``A-36``, ``a36``, ``A 36``, ``action A-36``.

Reminders, briefs and cards name an action by its reference only (never its
description), so the reference is the handle a person has: typed in a personal chat it
opens the action's card (``dialogs.action_control``), if it is theirs to see.
"""

from __future__ import annotations

import re

#: The store's ids are 32-bit: a longer number names nothing (see ``card_fields``).
_MAX_ID = 2_147_483_647
_REFERENCE = re.compile(r"^(?:action\s+)?(?:a\s*-?\s*)?(\d{1,10})$", re.IGNORECASE)
_BARE = re.compile(r"^a\s*-?\s*\d{1,10}$", re.IGNORECASE)


def reference(action_id: int) -> str:
    """How an action is named wherever its description may not go: ``A-36``."""
    return f"A-{action_id}"


def action_number(text: str) -> int | None:
    """The action id a typed reference names (``A-36``, ``a36``, ``A 36``, ``36`` after
    the word "action"), or None when the words are not a reference."""
    found = _REFERENCE.match(text.strip())
    if found is None:
        return None
    number = int(found.group(1))
    return number if 1 <= number <= _MAX_ID else None


def is_bare_reference(text: str) -> bool:
    """True for a reference typed on its own (``A-36``, ``a36``, ``A 36``): the whole
    message is the handle."""
    return _BARE.match(text.strip()) is not None
