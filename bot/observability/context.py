"""What the current HTTP request is, for every log line and metric written while it runs.

Both live in context variables set by middleware (``bot.observability.logs`` and
``bot.observability.metrics``): a task started during a request inherits them, so a log
line written anywhere beneath a turn carries that turn's request id.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

#: The id of the HTTP request being handled (None outside a request: jobs, start-up).
request_id: ContextVar[str | None] = ContextVar("mace_request_id", default=None)


@dataclass
class TurnNote:
    """What the middleware learns about a turn from the code beneath it. Never user data:
    the activity type is one of the endpoint's known types, or ``invalid``."""

    activity_type: str = "invalid"
    failed: bool = False


turn_note: ContextVar[TurnNote | None] = ContextVar("mace_turn_note", default=None)


def note_activity_type(kind: str) -> None:
    """The endpoint accepted an activity of this (known) type."""
    note = turn_note.get()
    if note is not None:
        note.activity_type = kind


def note_turn_failed() -> None:
    """The turn-error handler ran: the turn failed, whatever the HTTP status says."""
    note = turn_note.get()
    if note is not None:
        note.failed = True
