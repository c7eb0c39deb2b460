"""The send budget: how many requests to Teams may go now, for the whole app.

Teams allows about 50 requests a second per app and tenant, however many instances of
the bot send. So the budget is one for the app: on PostgreSQL it is kept in the database
(``send_budget_holds``) and every instance takes from it; on SQLite a single process is
the only instance, and its budget is the in-process one (``LocalSendBudget``).

What is guaranteed: in any one-second window (sliding, not fixed to the clock's seconds),
at most ``cap`` requests reach Teams. A sender takes a *hold* of up to ``cap`` tokens for
a batch, in one round trip, before its first send; while the hold is open all of its
tokens count. When the batch is done it settles the hold in one more round trip: unused
tokens come back at once, and each used one stays counted until one second after Teams
answered the send it paid for. A send reaches Teams after its hold was granted and before
its answer, so two sends less than a second apart were both counted when the later one's
hold was granted, and no grant goes past ``cap``: the sum in any window stays within it.
Tokens freeing one by one (a second after each answer) keep the sending steady at the
cap, rather than in bursts a second apart.

Taking ahead. A token is a slot that carries one send at a time, and it may carry the
next as soon as it frees, a second after its last answer. So a sender may take a token
*before* it frees (``take(ahead=...)``, on PostgreSQL): the token moves from the settled
hold that counts it into the sender's open hold, in one transaction under the lock, so it
is counted all along, and the sender starts no send on it before the moment it frees
(``Grant.reserved``; the database's time of that moment is turned into the sender's own
clock by the time left until it, read in the same transaction, and a margin for the two
clocks' rates). Its last send then reached Teams before that moment less a second, and
its next one reaches Teams after that moment: the two are a second apart or more, as two
sends on one token always are, and the sum in any window stays within ``cap``. A token
taken ahead and not used counts until the moment it would have freed, never less. This
saves each token the round trip of a take after it frees: without it, every token spends
a little more than a second per send, and the app sends below the cap.

Clocks. Every time on PostgreSQL is the database server's (``clock_timestamp()``): a hold
is timed from the moment it was granted to the moment it was settled, both read on the
one server clock, so instances whose clocks disagree cannot overspend (each instance's own
clock only measures how long its grant may still be used, a duration). The grant is read
before the first send leaves and the settle after the last answer came back, so the
database's interval contains every send of the batch.

An open hold counts until it is settled, however long its batch takes: a send that starts
late in a batch may reach Teams many seconds after it started (a cold token, a new TLS
connection, a slow 429 path), and its tokens must still count then. So the holder renews
its open holds every ``renew_seconds`` while they are open, and an open hold counts until
``hold_seconds`` after its last renewal (the database's clock again). A live holder's hold
never lapses; a dead one's (a process killed, or cut off from the database) stops counting
at most ``hold_seconds`` after its last renewal, so a crash costs at most that long of the
tokens it held. A sender starts no send on a grant whose hold was last renewed more than
``hold_seconds / 2`` ago (the database is not answering the renewals): a send started
before then still has ``hold_seconds / 2`` to reach Teams while counted, even if no renewal
succeeds again. (Why the hold's own renewal rather than the outbox heartbeat: the
heartbeat is written on each instance's own clock, the holds are timed on the database's,
and a sender run without a heartbeat, ``run_sender`` alone or a one-off drain, would leave
its holds with nothing to keep them.)

In-process (``LocalSendBudget``) the rule is the same and simpler: an open hold counts
until it is settled, with no expiry at all, since the budget dies with its process.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import Clock

log = logging.getLogger(__name__)

#: How long an open hold counts after its holder last renewed it, and so how long a dead
#: sender's tokens stay counted at most: short, so that a crash costs seconds of sending at
#: most, and far longer than a renewal takes even on a busy database.
HOLD_SECONDS = 10.0

#: How often a holder renews its open holds (well within half of ``HOLD_SECONDS``, so
#: the window in which a grant may start a send never closes while renewals succeed).
RENEW_SECONDS = 2.0

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
    #: ``time.monotonic()`` after which no send may start on this grant (its hold's last
    #: renewal is too long ago for a send started later to be sure to be counted).
    usable_until: float = float("inf")
    spent: int = 0
    #: ``(stamp, tokens)`` for each send answered (``SendBudget.stamp``), so each token
    #: can be freed a second after its own answer.
    answered: list[tuple[float, int]] = field(default_factory=list)
    #: Tokens taken ahead (``take(ahead=...)``), one entry each, soonest first: from when
    #: it may be used (``time.monotonic()``) and when it frees (the database's clock, as
    #: stored). The rest of ``tokens`` may be used at once.
    reserved: list[tuple[float, datetime]] = field(default_factory=list)

    @property
    def left(self) -> int:
        """Tokens that may be spent now."""
        now = time.monotonic()
        if now >= self.usable_until:
            return 0
        waiting = sum(1 for at, _ in self.reserved if at > now)
        return max(self.tokens - self.spent - waiting, 0)

    @property
    def unspent(self) -> int:
        """Tokens that may still be spent, now or once they free."""
        if time.monotonic() >= self.usable_until:
            return 0
        return max(self.tokens - self.spent, 0)

    def next_usable(self) -> float | None:
        """When the next token taken ahead may be used (None: none is waiting)."""
        now = time.monotonic()
        if now >= self.usable_until or self.unspent <= 0:
            return None
        return next((at for at, _ in self.reserved if at > now), None)


class SendBudget(Protocol):
    """One budget of requests per second shared by every sender that uses it."""

    cap: int

    async def take(self, want: int, *, ahead: float = 0.0) -> Grant:
        """Up to ``want`` tokens now (``tokens`` may be 0: ask again after ``retry_in``).
        With ``ahead``, a budget may also grant tokens that free within that many seconds,
        each usable only from then (``Grant.reserved``)."""
        ...

    async def settle(self, *grants: Grant) -> None:
        """The batch that took ``grants`` is done: ``grant.spent`` tokens went out, their
        answers as in ``grant.answered`` (any not noted there count as answered now).
        The holds stop being renewed before the first await, so a settle cut off by a
        cancellation or a database error leaves them to lapse, never to be kept."""
        ...

    def stamp(self) -> float:
        """Now, on this budget's clock, for ``Grant.answered``."""
        ...


def _answers(grant: Grant, now: float) -> dict[float, int]:
    """Seconds ago -> tokens answered then, rounded down to the millisecond (so a token is
    freed a little late, never early); spent tokens with no answer noted count as answered
    now."""
    ages: dict[float, int] = {}
    noted = 0
    for stamp, tokens in grant.answered:
        tokens = min(tokens, grant.spent - noted)
        if tokens <= 0:
            break
        age = max(int((now - stamp) * 1000) / 1000, 0.0)
        ages[age] = ages.get(age, 0) + tokens
        noted += tokens
    if grant.spent > noted:
        ages[0.0] = ages.get(0.0, 0) + grant.spent - noted
    return ages


def _retry_in(open_holds: int, soonest: float | None) -> float:
    """When to ask again: when the first settled token frees, or a poll while batches
    are under way (they free theirs at a moment this budget cannot foresee)."""
    waits = [max(soonest, 0.0)] if soonest is not None else []
    if open_holds or not waits:
        waits.append(POLL_SECONDS)
    return min(waits)


#: A little time added to when a token taken ahead may be used, for the database's clock
#: and this one running at different rates over the second at most that it is ahead
#: (clocks disciplined by NTP differ by 0.5 ms a second at most).
CLOCK_MARGIN = 0.002

#: The database's time, holds that no longer count dropped, and every hold that still
#: does (one row with NULLs when there is none).
_LIVE_HOLDS = text(
    "WITH now AS (SELECT clock_timestamp() AT TIME ZONE 'UTC' AS at),"
    " gone AS (DELETE FROM send_budget_holds AS h USING now WHERE h.free_at <= now.at)"
    " SELECT now.at, h.id, h.tokens, h.free_at, h.settled"
    " FROM now LEFT JOIN send_budget_holds AS h ON h.free_at > now.at"
    " ORDER BY h.free_at, h.id"
)

#: A new open hold, with the tokens it takes ahead moved into it from the settled holds
#: they belonged to (emptied ones deleted, the last one shrunk), and the database's time.
_HOLD = text(
    "WITH emptied AS (DELETE FROM send_budget_holds"
    " WHERE id = ANY(CAST(:emptied AS integer[]))),"
    " shrunk AS (UPDATE send_budget_holds AS h SET tokens = h.tokens - s.by"
    " FROM unnest(CAST(:shrunk AS integer[]), CAST(:by AS integer[])) AS s (id, by)"
    " WHERE h.id = s.id),"
    " hold AS (INSERT INTO send_budget_holds (holder, tokens, taken_at, free_at, settled)"
    " VALUES (:holder, :tokens, :now, :lapses, false) RETURNING id)"
    " SELECT hold.id, clock_timestamp() AT TIME ZONE 'UTC' AS at FROM hold"
)

#: Settled holds in place of open ones: each used token free a second after its answer
#: (``ages`` seconds before the database's now), each unused one taken ahead free when it
#: would have been.
_SETTLE = text(
    "WITH gone AS (DELETE FROM send_budget_holds WHERE id = ANY(CAST(:ids AS integer[]))),"
    " now AS (SELECT clock_timestamp() AT TIME ZONE 'UTC' AS at)"
    " INSERT INTO send_budget_holds (holder, tokens, taken_at, free_at, settled)"
    " SELECT :holder, a.tokens, now.at,"
    " now.at - make_interval(secs => a.age) + interval '1 second', true"
    " FROM now, unnest(CAST(:ages AS double precision[]), CAST(:tokens AS integer[]))"
    " AS a (age, tokens)"
    " UNION ALL SELECT :holder, k.tokens, now.at, k.free_at, true"
    " FROM now, unnest(CAST(:kept_at AS timestamp[]), CAST(:kept AS integer[]))"
    " AS k (free_at, tokens) WHERE k.free_at > now.at"
)


def _ahead(live: list[Any], want: int, horizon: datetime) -> list[datetime]:
    """When each of up to ``want`` tokens of the settled holds frees, soonest first, for
    those that free by ``horizon`` (``live`` in the order they free)."""
    frees: list[datetime] = []
    for row in live:
        if len(frees) >= want or row.free_at > horizon:
            break
        if row.settled:
            frees.extend([row.free_at] * min(row.tokens, want - len(frees)))
    return frees


def _taking(live: list[Any], ahead_of: list[datetime]) -> tuple[list[int], dict[int, int]]:
    """The settled holds that ``ahead_of``'s tokens come from: those emptied, and the one
    left with fewer tokens (id -> how many fewer)."""
    emptied: list[int] = []
    shrunk: dict[int, int] = {}
    count = len(ahead_of)
    for row in live:
        if count <= 0:
            break
        if not row.settled:
            continue
        if row.tokens <= count:
            emptied.append(row.id)
        else:
            shrunk[row.id] = count
        count -= min(row.tokens, count)
    return emptied, shrunk


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
        self._epoch = clock.now()

    def stamp(self) -> float:
        return (self.clock.now() - self._epoch).total_seconds()

    async def take(self, want: int, *, ahead: float = 0.0) -> Grant:
        # Nothing is taken ahead here: a take costs no round trip, so a sender asks again
        # the moment a token frees (``retry_in`` says exactly when).
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

    async def settle(self, *grants: Grant) -> None:
        now = self.clock.now()
        for grant in grants:
            if grant.hold_id is None or self._holds.pop(grant.hold_id, None) is None:
                continue
            for age, tokens in _answers(grant, self.stamp()).items():
                free_at = now - timedelta(seconds=age) + timedelta(seconds=1)
                self._holds[next(self._ids)] = (tokens, free_at)

    def _retry_in(self, now: datetime) -> float:
        frees = [free_at for _, free_at in self._holds.values() if free_at is not None]
        soonest = (min(frees) - now).total_seconds() if frees else None
        return _retry_in(len(self._holds) - len(frees), soonest)


class PostgresSendBudget:
    """The budget of the whole app, kept in PostgreSQL (``send_budget_holds``).

    ``take`` is one short transaction under an advisory lock (so grants are made one at a
    time): it drops holds that no longer count, sums the rest and grants what is left of
    ``cap``, and with ``ahead`` also tokens of settled holds that free within ``ahead``
    seconds (at most half of ``hold_seconds``, so an open hold outlives them if its holder
    dies); ``settle`` is one more. While any hold it granted is open, a background task
    renews them every ``renew_seconds`` (one update for all of them), so they count until
    settled. Nothing in the table names a person or a message.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        cap: int,
        *,
        holder: str = "",
        hold_seconds: float = HOLD_SECONDS,
        renew_seconds: float = RENEW_SECONDS,
    ) -> None:
        if cap < 1:
            raise ValueError("cap must be positive")
        if renew_seconds <= 0 or hold_seconds < 2 * renew_seconds + 1:
            # Renewed before half the hold is gone (the window a grant may start a send),
            # and a hold whose settle failed still counts a second past its last answer.
            raise ValueError("hold_seconds must be at least twice renew_seconds plus a second")
        self.engine = engine
        self.cap = cap
        self.holder = holder[:100]
        self.hold = hold_seconds
        self.renew = renew_seconds
        self._open: dict[int, Grant] = {}  # hold id -> its grant, while not settled
        self._renewing: asyncio.Task[None] | None = None

    async def take(self, want: int, *, ahead: float = 0.0) -> Grant:
        want = max(0, min(want, self.cap))
        ahead = max(0.0, min(ahead, self.hold / 2))
        started = time.monotonic()
        async with self.engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            rows = (await conn.execute(_LIVE_HOLDS)).all()
            now = rows[0].at
            live = [row for row in rows if row.id is not None]
            granted = max(0, min(want, self.cap - sum(row.tokens for row in live)))
            ahead_of = _ahead(live, want - granted, now + timedelta(seconds=ahead))
            if granted + len(ahead_of) <= 0:
                frees = [row.free_at for row in live if row.settled]
                soonest = (min(frees) - now).total_seconds() if frees else None
                return Grant(0, retry_in=_retry_in(len(live) - len(frees), soonest))
            emptied, shrunk = _taking(live, ahead_of)
            hold_id, at = (
                await conn.execute(
                    _HOLD,
                    {
                        "holder": self.holder,
                        "tokens": granted + len(ahead_of),
                        "now": now,
                        "lapses": now + timedelta(seconds=self.hold),
                        "emptied": emptied,
                        "shrunk": list(shrunk),
                        "by": list(shrunk.values()),
                    },
                )
            ).one()
        # ``at`` was read on the database's clock before this answer left it: a token
        # that frees ``free_at - at`` seconds after it frees no sooner than that long
        # after now, on this clock (a little later, and ``CLOCK_MARGIN`` more for any
        # difference in the two clocks' rates).
        answered = time.monotonic()
        reserved = [
            (answered + (free_at - at).total_seconds() + CLOCK_MARGIN, free_at)
            for free_at in ahead_of
        ]
        grant = Grant(
            granted + len(ahead_of),
            hold_id=hold_id,
            usable_until=started + self.hold / 2,
            reserved=reserved,
        )
        self._open[hold_id] = grant
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.get_running_loop().create_task(
                self._keep_open_holds(), name="send-budget-renewal"
            )
        return grant

    def stamp(self) -> float:
        return time.monotonic()

    async def settle(self, *grants: Grant) -> None:
        # Before any await: these holds are renewed no more, whatever happens below (a
        # hold that lapsed is settled all the same: its used tokens still count a second).
        held: list[Grant] = []
        for grant in grants:
            if grant.hold_id is not None:
                self._open.pop(grant.hold_id, None)
                held.append(grant)
        if not held:
            return
        # Ages are read just before the statement runs, and the server's clock in it: each
        # token is freed a second after its answer, or a little later. Tokens taken ahead
        # and not used still count until they would have freed (the latest ones are taken
        # for the unused: a send always went on a token already free when it started).
        stamp = time.monotonic()
        ages: dict[float, int] = {}
        kept: dict[datetime, int] = {}
        for grant in held:
            for age, tokens in _answers(grant, stamp).items():
                ages[age] = ages.get(age, 0) + tokens
            unused = grant.tokens - grant.spent
            for _, free_at in grant.reserved[::-1][: max(unused, 0)]:
                kept[free_at] = kept.get(free_at, 0) + 1
        async with self.engine.begin() as conn:
            await conn.execute(
                _SETTLE,
                {
                    "ids": [g.hold_id for g in held],
                    "holder": self.holder,
                    "ages": list(ages),
                    "tokens": list(ages.values()),
                    "kept_at": list(kept),
                    "kept": list(kept.values()),
                },
            )

    async def _keep_open_holds(self) -> None:
        """Renew every open hold each ``renew_seconds`` until none is open. A renewal that
        fails (the database is not answering) is tried again at the next turn; meanwhile
        the grants' window to start sends closes by itself (``usable_until``). A hold found
        gone (it lapsed while this process stalled) is used no more."""
        while self._open:
            await asyncio.sleep(self.renew)
            ids = list(self._open)
            if not ids:
                return
            started = time.monotonic()
            try:
                async with self.engine.begin() as conn:
                    kept = set(
                        (
                            await conn.execute(
                                text(
                                    "UPDATE send_budget_holds SET free_at ="
                                    " clock_timestamp() AT TIME ZONE 'UTC'"
                                    " + make_interval(secs => CAST(:hold AS double precision))"
                                    " WHERE id = ANY(CAST(:ids AS integer[])) AND NOT settled"
                                    " RETURNING id"
                                ),
                                {"hold": self.hold, "ids": ids},
                            )
                        ).scalars()
                    )
            except Exception as exc:  # a renewal must never end the renewing
                log.warning("send budget holds not renewed: %s", type(exc).__name__)
                continue
            for hold_id in ids:
                grant = self._open.get(hold_id)
                if grant is None:  # settled meanwhile
                    continue
                if hold_id in kept:
                    grant.usable_until = started + self.hold / 2
                else:
                    grant.usable_until = 0.0
                    del self._open[hold_id]
                    log.warning("send budget hold %d lapsed before it was renewed", hold_id)


def send_budget_for(engine: AsyncEngine, cap: int, clock: Clock, *, holder: str) -> SendBudget:
    """The app's budget: shared through the database on PostgreSQL; on SQLite the
    process's own (a single process is the only instance there)."""
    if engine.dialect.name == "postgresql":
        return PostgresSendBudget(engine, cap, holder=holder)
    return LocalSendBudget(cap, clock)
