"""The send budget: how many requests to Teams may go now, for the whole app.

Teams allows about 50 requests a second per app and tenant, however many instances of
the bot send. So the budget is one for the app: on PostgreSQL it is kept in the database
(``send_budget_holds``) and every instance takes from it; on SQLite a single process is
the only instance, and its budget is the in-process one (``LocalSendBudget``).

What is guaranteed: in any one-second window (sliding, not fixed to the clock's seconds),
at most ``cap`` requests reach Teams. A sender takes a *hold* of up to ``cap`` tokens for
a batch, in one round trip, before its first send; when the batch is done it settles the
hold with the number it used, and those tokens stay counted for one second after the
settle. While a hold is open all of its tokens count. So between the last send of one
batch and the first send of a batch granted after that batch's tokens were freed there is
at least one second, and every batch whose sends can share a one-second window with a
batch's sends was counted when that batch was granted: the sum stays within ``cap``.

Clocks. Every time on PostgreSQL is the database server's (``clock_timestamp()``): a hold
is timed from the moment it was granted to the moment it was settled, both read on the
one server clock, so instances whose clocks disagree cannot overspend (each instance's own
clock only measures how long its grant may still be used, a duration). The grant is read
before the first send leaves and the settle after the last answer came back, so the
database's interval contains every send of the batch.

A process that dies holding tokens cannot settle: its hold stops counting
``max_hold_seconds`` after it was granted (plus the one second), and a sender never uses a
grant older than ``max_hold_seconds`` less a second (it takes a new one instead), so a
hold that expires unsettled had no sends left in it.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import Clock

#: How long a sender may go on using one grant, and so how long a dead sender's tokens
#: stay counted (plus the one-second window). Far longer than a batch takes (a batch is
#: at most ``cap`` messages), short enough that a crash costs seconds of sending at most.
MAX_HOLD_SECONDS = 10.0

#: How soon to ask again when every token is held by batches still under way (they free
#: their tokens one second after they settle, a moment this budget cannot foresee).
POLL_SECONDS = 0.1

#: The advisory lock that takes turns at the budget (any constant; "MACE" + 1).
_LOCK_KEY = 0x4D414345_0001


@dataclass(slots=True)
class Grant:
    """Tokens taken for one batch: ``tokens`` requests may go, ``spent`` went."""

    tokens: int
    #: When the caller should ask again if it got fewer tokens than it wanted.
    retry_in: float = 0.0
    hold_id: int | None = None
    #: ``time.monotonic()`` after which this grant must not be used any more.
    usable_until: float = float("inf")
    spent: int = field(default=0)

    @property
    def left(self) -> int:
        return self.tokens - self.spent if time.monotonic() < self.usable_until else 0


class SendBudget(Protocol):
    """One budget of requests per second shared by every sender that uses it."""

    cap: int

    async def take(self, want: int) -> Grant:
        """Up to ``want`` tokens now (``tokens`` may be 0: ask again after ``retry_in``)."""
        ...

    async def settle(self, grant: Grant) -> None:
        """The batch that took ``grant`` is done: ``grant.spent`` tokens went out."""
        ...


class LocalSendBudget:
    """The budget of one process (SQLite, or a sender alone), on the app's clock: the same
    holds as on PostgreSQL, kept in memory, so frozen-clock tests step it by hand."""

    def __init__(self, cap: int, clock: Clock) -> None:
        if cap < 1:
            raise ValueError("cap must be positive")
        self.cap = cap
        self.clock = clock
        self._holds: dict[int, tuple[int, datetime | None]] = {}  # id -> tokens, free at
        self._ids = itertools.count(1)

    async def take(self, want: int) -> Grant:
        now = self.clock.now()
        for hold_id, (_, free_at) in list(self._holds.items()):
            if free_at is not None and free_at <= now:
                del self._holds[hold_id]
        used = sum(tokens for tokens, _ in self._holds.values())
        granted = max(0, min(want, self.cap - used))
        if granted <= 0:
            return Grant(0, retry_in=self._retry_in(now))
        hold_id = next(self._ids)
        self._holds[hold_id] = (granted, None)
        return Grant(granted, hold_id=hold_id)

    async def settle(self, grant: Grant) -> None:
        if grant.hold_id is None or grant.hold_id not in self._holds:
            return
        if grant.spent <= 0:
            del self._holds[grant.hold_id]
        else:
            free_at = self.clock.now() + timedelta(seconds=1)
            self._holds[grant.hold_id] = (grant.spent, free_at)

    def _retry_in(self, now: datetime) -> float:
        frees = [free_at for _, free_at in self._holds.values() if free_at is not None]
        if len(frees) < len(self._holds) or not frees:
            return POLL_SECONDS
        return max((min(frees) - now).total_seconds(), 0.0)


class PostgresSendBudget:
    """The budget of the whole app, kept in PostgreSQL (``send_budget_holds``).

    ``take`` is one short transaction under an advisory lock (so grants are made one at a
    time): it drops holds that no longer count, sums the rest and grants what is left of
    ``cap``; ``settle`` is one update. Nothing in the table names a person or a message.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        cap: int,
        *,
        holder: str = "",
        max_hold_seconds: float = MAX_HOLD_SECONDS,
    ) -> None:
        if cap < 1:
            raise ValueError("cap must be positive")
        if max_hold_seconds <= 1:
            raise ValueError("max_hold_seconds must exceed one second")
        self.engine = engine
        self.cap = cap
        self.holder = holder[:100]
        self.max_hold = max_hold_seconds

    async def take(self, want: int) -> Grant:
        want = max(0, min(want, self.cap))
        started = time.monotonic()
        async with self.engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            now = (
                await conn.execute(text("SELECT clock_timestamp() AT TIME ZONE 'UTC'"))
            ).scalar_one()
            await conn.execute(
                text("DELETE FROM send_budget_holds WHERE free_at <= :now"), {"now": now}
            )
            used, open_holds, next_free = (
                await conn.execute(
                    text(
                        "SELECT coalesce(sum(tokens), 0), count(*) FILTER (WHERE NOT settled),"
                        " min(free_at) FILTER (WHERE settled) FROM send_budget_holds"
                    )
                )
            ).one()
            granted = max(0, min(want, self.cap - int(used)))
            if granted <= 0:
                if open_holds or next_free is None:
                    return Grant(0, retry_in=POLL_SECONDS)
                return Grant(0, retry_in=max((next_free - now).total_seconds(), 0.0))
            hold_id = (
                await conn.execute(
                    text(
                        "INSERT INTO send_budget_holds (holder, tokens, taken_at, free_at, settled)"
                        " VALUES (:holder, :tokens, :now, :expires, false) RETURNING id"
                    ),
                    {
                        "holder": self.holder,
                        "tokens": granted,
                        "now": now,
                        "expires": now + timedelta(seconds=self.max_hold + 1),
                    },
                )
            ).scalar_one()
        return Grant(granted, hold_id=hold_id, usable_until=started + self.max_hold - 1)

    async def settle(self, grant: Grant) -> None:
        if grant.hold_id is None:
            return
        async with self.engine.begin() as conn:
            if grant.spent <= 0:
                await conn.execute(
                    text("DELETE FROM send_budget_holds WHERE id = :id"), {"id": grant.hold_id}
                )
                return
            await conn.execute(
                text(
                    "UPDATE send_budget_holds SET tokens = :spent, settled = true, free_at ="
                    " (clock_timestamp() AT TIME ZONE 'UTC') + interval '1 second'"
                    " WHERE id = :id"
                ),
                {"spent": grant.spent, "id": grant.hold_id},
            )


def send_budget_for(engine: AsyncEngine, cap: int, clock: Clock, *, holder: str) -> SendBudget:
    """The app's budget: shared through the database on PostgreSQL; on SQLite the
    process's own (a single process is the only instance there)."""
    if engine.dialect.name == "postgresql":
        return PostgresSendBudget(engine, cap, holder=holder)
    return LocalSendBudget(cap, clock)
