"""Where an outbox row stands: the ``outbox.status`` values and which of them wait."""

from __future__ import annotations

from enum import StrEnum


class OutboxStatus(StrEnum):
    PENDING = "pending"  # written, never tried
    RETRY = "retry"  # tried, failed in a way worth retrying; waits for next_attempt_at
    SENDING = "sending"  # claimed by lease_owner until lease_until
    SENT = "sent"
    FAILED = "failed"  # dead: a permanent error, or out of attempts; last_error says which
    DROPPED = "dropped"  # obsolete when its turn came (the renderer drew nothing)
    UNREACHABLE = "unreachable"  # Teams answered 403: the person blocked or removed the bot
    NO_CONTACT = "no_contact"  # nowhere known to reach the person


#: Rows waiting for their ``next_attempt_at``.
WAITING = (OutboxStatus.PENDING, OutboxStatus.RETRY)
