"""What one drain of the outbox did: counts by outcome, and when to look again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class DrainReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    unreachable: int = 0
    no_contact: int = 0
    #: Put back unsent and uncounted: too soon after the last message to that person,
    #: or the rest of a batch after a 429.
    deferred: int = 0
    #: Rows whose lease another sender had taken over before this one finished.
    lost: int = 0
    #: Sent, but the database could not record it yet (kept to record on the next drain).
    unrecorded: int = 0
    #: Set when this sender is holding back (429 pause or the per-second cap).
    paused_until: datetime | None = None
    #: When the next row becomes due (None: the outbox is empty); a hint for the caller.
    next_due_at: datetime | None = None
    #: Outbox id -> the status this drain left it in.
    outcomes: dict[int, str] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return len(self.outcomes)
