"""Delivery policy: what a failed send means, when to try again, and how fast to send.

The outbox sender (bot.services.outbox.sender) asks these questions; the answers are
arithmetic on what it passes in (statuses, attempts, times), with no store, no clock
read and no I/O, so every rule is tested in milliseconds (tests/domain/test_delivery.py).

Errors. 429, 412, 408, 500, 502, 503, 504 and failures with no HTTP answer at all are
retried with exponential backoff and full jitter (``uniform(0, min(cap, base * 2**(n-1)))``),
never earlier than a ``Retry-After``; after ``max_attempts`` the message fails with the
error code. A 429 also pauses the sender as a whole until the retry time (Teams throttles
per app and tenant as well as per conversation). A 403 means the person blocked or removed
the bot. Any other status fails the message at once.

Rates. Teams allows 7 messages per second and 60 per 30 s in one conversation, and about
50 requests per second per app and tenant: the sender keeps a minimum spacing between two
messages to one person, and counts the requests each message takes against the app's
per-second budget (bot.services.send_budget).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

#: Statuses answered by trying again later. 0 stands for "no HTTP answer at all"
#: (connection refused or reset, timeout, DNS).
RETRYABLE_STATUSES = frozenset({0, 408, 412, 429, 500, 502, 503, 504})
BLOCKED_STATUS = 403
THROTTLED_STATUS = 429


class Failure(StrEnum):
    """What a failed send calls for."""

    RETRY = "retry"  # try again after a delay, until out of attempts
    BLOCKED = "blocked"  # the person blocked or removed the bot: unreachable, say so
    FAILED = "failed"  # permanent: give up at once


def classify(status: int) -> Failure:
    """What a send that failed with HTTP ``status`` (0: no answer) calls for."""
    if status == BLOCKED_STATUS:
        return Failure.BLOCKED
    if status in RETRYABLE_STATUSES:
        return Failure.RETRY
    return Failure.FAILED


def pauses_sender(status: int) -> bool:
    """A 429 holds back the sender as a whole, not only the throttled message: Teams
    throttles per app and tenant as well as per conversation."""
    return status == THROTTLED_STATUS


def clean_code(code: str) -> str:
    """An error code safe to store and log: word characters only, at most 100."""
    return re.sub(r"[^A-Za-z0-9_.\-]", "", code or "")[:100]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long apart a message is tried."""

    max_attempts: int = 6
    backoff_base: float = 2.0
    backoff_cap: float = 300.0

    def delay(self, attempts: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt: full jitter on an
        exponential ceiling, and never less than ``Retry-After`` when the server gave one
        (plus a little jitter so throttled rows do not all return at the same instant)."""
        if retry_after is not None and retry_after >= 0:
            return retry_after + rng.uniform(0, self.backoff_base)
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** max(attempts - 1, 0))
        return rng.uniform(0, ceiling)

    def exhausted(self, attempts: int) -> bool:
        """True when the ``attempts``-th attempt was the last one allowed."""
        return attempts >= self.max_attempts


def paused_until(current: datetime | None, throttled_until: datetime) -> datetime:
    """The sender's pause after a 429 asking to wait until ``throttled_until``: the later
    of that and any pause already running."""
    return max(current or throttled_until, throttled_until)


def requests_for(has_conversation: bool) -> int:
    """Requests to Teams one message takes: a person with no personal conversation yet
    needs one created first (two requests), otherwise the send alone (one)."""
    return 1 if has_conversation else 2


def too_soon(previous: datetime | None, now: datetime, spacing: timedelta) -> datetime | None:
    """When a message to a person last sent to at ``previous`` may go, if not ``now``
    (None: it may go now). Keeps ``spacing`` between two messages to one person."""
    if previous is not None and now < previous + spacing:
        return previous + spacing
    return None


def lease_needs_renewing(lease_until: datetime, now: datetime, lease: timedelta) -> bool:
    """Half the lease on a batch is gone (a slow batch): extend it before sending more,
    so that no other sender takes the rows over meanwhile."""
    return lease_until - now < lease / 2


def heartbeat_fresh(last_beat: datetime | None, now: datetime, dead_after: timedelta) -> bool:
    """Whether a sender's own heartbeat, written at ``last_beat`` (None: it keeps none),
    is recent enough to start a send: past half of ``dead_after`` others may soon take the
    sender for dead and claim its rows."""
    return last_beat is None or now - last_beat < dead_after / 2
