"""Teams' rate limits as the fake Bot Connector enforces them: sliding windows per
conversation and per app, counted on the fake's own clock.

Why: a bot that only ever meets a connector which accepts everything cannot show that it
stays inside the limits Teams enforces (../shared/platform.md). With ``FakeConnector.limit``
the fake answers 429 with ``Retry-After`` and Teams' error body past any window, as Teams
would, and records each refusal, so a test or the benchmark can assert none happened.

The windows (platform.md, "Limits Teams enforces"):

* per conversation, per bot: 7 sends in 1 s, 8 in 2 s, 60 in 30 s, 1800 in an hour. A send
  is a POST of an activity (new message or reply) or a PUT replacing one (a card edit);
* per app (per tenant: the fake serves one tenant): 50 requests in 1 s, every request.

Teams' other per-thread limit, 14 in 1 s for all bots together, cannot be passed by one
bot that keeps to 7, so it is not modelled.

Counting, exactly: a request at time ``t`` meets a window of ``n`` in ``w`` seconds with
the requests accepted at times ``s`` where ``t - w < s <= t``; it is refused if ``n`` are
already there. A refused request is not counted (Teams did not accept it). ``Retry-After``
is whole seconds (at least 1) until the oldest counted request leaves the window that
refused it, the longest such wait if several did.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["TEAMS_LIMITS", "Refusal", "Scope", "SendLimits", "Window"]


class Scope(StrEnum):
    CONVERSATION = "conversation"
    APP = "app"


@dataclass(frozen=True, slots=True)
class Window:
    scope: Scope
    count: int
    seconds: float

    @property
    def name(self) -> str:
        return f"{self.count}/{self.seconds:g}s per {self.scope.value}"


TEAMS_LIMITS: tuple[Window, ...] = (
    Window(Scope.CONVERSATION, 7, 1.0),
    Window(Scope.CONVERSATION, 8, 2.0),
    Window(Scope.CONVERSATION, 60, 30.0),
    Window(Scope.CONVERSATION, 1800, 3600.0),
    Window(Scope.APP, 50, 1.0),
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """One 429 the fake answered: when (its clock), to what, and which windows were full."""

    at: float
    method: str
    conversation_id: str | None
    windows: tuple[Window, ...]
    retry_after: int


@dataclass(slots=True)
class SendLimits:
    """The counters behind ``FakeConnector.limit``; usable alone with any clock."""

    windows: Sequence[Window] = TEAMS_LIMITS
    clock: Callable[[], float] = time.monotonic
    refusals: list[Refusal] = field(default_factory=list)
    #: Accepted times, oldest first: per conversation (sends) and for the app (requests).
    _sends: dict[str, list[float]] = field(default_factory=dict)
    _requests: list[float] = field(default_factory=list)

    def admit(self, method: str, conversation_id: str | None) -> int | None:
        """Count a request, or refuse it: None if accepted, else the Retry-After seconds.
        ``conversation_id`` is the conversation of a send, None for any other request."""
        now = self.clock()
        own = self._sends.setdefault(conversation_id, []) if conversation_id is not None else []
        full: list[tuple[Window, float]] = []
        for window in self.windows:
            if window.scope is Scope.CONVERSATION and conversation_id is None:
                continue
            times = self._requests if window.scope is Scope.APP else own
            inside = times[bisect_right(times, now - window.seconds) :]
            if len(inside) >= window.count:
                # The request that must leave first: the n-th newest counted.
                full.append((window, inside[-window.count] + window.seconds - now))
        if full:
            retry_after = max(1, math.ceil(max(wait for _, wait in full)))
            self.refusals.append(
                Refusal(now, method, conversation_id, tuple(w for w, _ in full), retry_after)
            )
            return retry_after
        self._requests.append(now)
        self._prune(self._requests, now)
        if conversation_id is not None:
            own.append(now)
            self._prune(own, now)
        return None

    def reset(self) -> None:
        self.refusals.clear()
        self._sends.clear()
        self._requests.clear()

    def _prune(self, times: list[float], now: float) -> None:
        longest = max((w.seconds for w in self.windows), default=0.0)
        if times and times[0] <= now - longest:
            del times[: bisect_right(times, now - longest)]
