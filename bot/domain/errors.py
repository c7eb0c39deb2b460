"""Errors the domain raises, each safe to show to the person who caused it.

Messages never carry case detail: they name fields and rules, not what was typed.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base for every refusal the domain makes on purpose."""

    user_message: str = "That could not be done."

    def __init__(self, user_message: str | None = None) -> None:
        if user_message is not None:
            self.user_message = user_message
        super().__init__(self.user_message)


class NotPermitted(DomainError):
    """The person may not do this. Says nothing about what exists."""

    user_message = (
        "Sorry, you are not able to do that here. If you think you should be, "
        "ask the MACE coordinator for your locality."
    )

    def __init__(self, user_message: str | None = None, *, attempted: str = "") -> None:
        #: What was refused (a permission's name), for the audit trail; never shown.
        self.attempted = attempted
        super().__init__(user_message)


class NotLinked(DomainError):
    user_message = (
        "This conversation is not linked to a MACE locality group yet, so I record nothing "
        "here. A chair of the group or an administrator can type **setup** to link it."
    )


class NotFound(DomainError):
    user_message = "I could not find that. It may have been closed or moved on already."


class Conflict(DomainError):
    """The request no longer fits the state (a stale card, a meeting already ended)."""


CONCURRENT_CHANGE = (
    "Someone else changed this meeting at the same moment, so I saved nothing of yours. "
    "The card shows where things are now: please press again."
)


class InvalidInput(DomainError):
    """One or more fields are wrong; ``field_errors`` maps field id to a plain message."""

    user_message = "Some of the details need another look."

    def __init__(self, field_errors: dict[str, str]) -> None:
        self.field_errors = dict(field_errors)
        super().__init__()


class SavedNotShown(DomainError):
    """The change is saved, but what it changed could not be read back to show it.

    Never "try again": a second press is a new turn and would save it twice. ``see`` is
    the command that shows the change (``message`` replaces the whole sentence where no
    command shows it to everyone who could have made the change)."""

    user_message = (
        "Saved. I could not show the updated card just now; type **agenda** to see the "
        "latest. There is no need to enter it again."
    )

    def __init__(self, see: str = "agenda", message: str | None = None) -> None:
        super().__init__(
            message
            or (
                f"Saved. I could not show the updated card just now; type **{see}** to see "
                "the latest. There is no need to enter it again."
            )
        )


class Duplicate(DomainError):
    """The same Teams activity was delivered twice; the first delivery already counted."""

    user_message = "Already recorded."
