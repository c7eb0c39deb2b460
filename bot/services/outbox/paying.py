"""Paying for sends out of the app's send budget (bot.services.send_budget), one drain at
a time: the tokens a drain takes up front, the requests each message spends of them, and
what goes back when the drain is done.

A drain that follows the queue (``OutboxSender.drain(follow=True)``, as ``OutboxRunner``
runs it) may last as long as rows keep coming: it takes its tokens a few at a time for
the messages about to go (``reserve``), on PostgreSQL ahead of the moment they free, and
gives back each grant as soon as every send it paid for was answered
(``settle_answered``), so that its tokens stop counting a second after those answers
rather than a second after the whole drain.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.services.send_budget import Grant, SendBudget

from .messenger import Messenger, Recipient, SendResult

log = logging.getLogger(__name__)

#: What paid for one message: (grant, tokens) for each grant it took tokens from.
Paid = tuple[tuple[Grant, int], ...]

#: The tokens that paid for the send under way in this task.
_PAID: contextvars.ContextVar[Paid] = contextvars.ContextVar("outbox_paid", default=())


def paying_for(paid: Paid) -> None:
    """The send that follows, in this task, was paid for by ``paid`` (``NotingAnswers``
    notes its answer on those tokens)."""
    _PAID.set(paid)


class DrainBudget:
    """One sender's share of ``budget``: at most ``per_second_cap`` tokens a drain."""

    def __init__(self, budget: SendBudget, per_second_cap: int) -> None:
        self.budget = budget
        self.per_second_cap = per_second_cap
        self._grants: list[Grant] = []  # taken by the drain under way
        #: When tokens should be free again, after a take that found none.
        self.free_at: datetime | None = None
        #: The same, in seconds from that take (the budget's ``retry_in``).
        self.retry_in: float = 0.0
        self._settling: set[asyncio.Task[None]] = set()

    async def take(self, now: datetime, want: int) -> int:
        """Take up to ``want`` requests' worth of the app's send budget for this drain, in
        one go (one round trip on PostgreSQL); 0: none now, ``free_at`` says when."""
        grant = await self.budget.take(min(want, self.per_second_cap))
        if grant.tokens <= 0:
            self._none_until(now, grant.retry_in)
            return 0
        self._grants.append(grant)
        return grant.tokens

    def _none_until(self, now: datetime, retry_in: float) -> None:
        self.retry_in = retry_in
        self.free_at = now + timedelta(seconds=retry_in)

    async def pay(self, now: datetime, requests: int, *, ask: bool = True) -> Paid | None:
        """Spend ``requests`` tokens of this drain's grants for one message; a message
        that needs more than is left (a new conversation takes two requests, or a grant's
        hold could not be renewed lately) takes more from the budget, unless ``ask`` is
        False (a drain that follows the queue takes its tokens ahead, ``reserve``). None:
        none to be had now (``retry_in`` says when). What is returned goes with the send
        (``paying_for``) so that its answer is noted on these tokens: they count until a
        second after it, however long the send takes to reach Teams (the budget keeps the
        hold until the grant is settled)."""
        taken: list[tuple[Grant, int]] = []
        needed = requests
        for grant in self._grants:
            use = min(grant.left, needed)
            if use > 0:
                grant.spent += use  # before any await: other sends run meanwhile
                needed -= use
                taken.append((grant, use))
        if needed > 0:
            more = await self.budget.take(needed) if ask else None
            if more is not None and more.tokens > 0:
                self._grants.append(more)
            if more is None or more.left < needed:
                if more is not None:
                    self._none_until(now, more.retry_in or 1.0)
                for grant, use in taken:  # give back what this message had taken
                    grant.spent -= use
                return None
            more.spent = needed
            taken.append((more, needed))
        return tuple(taken)

    async def reserve(self, now: datetime, want: int, ahead: float) -> bool:
        """Take ``want`` more tokens for the messages about to go, in one round trip:
        free ones, and (on PostgreSQL) ones that free within ``ahead`` seconds, each
        usable from the moment it frees (``Grant.reserved``). False: none to be had
        (``retry_in`` says when to ask again)."""
        grant = await self.budget.take(min(want, self.per_second_cap), ahead=ahead)
        if grant.tokens <= 0:
            self._none_until(now, grant.retry_in)
            return False
        self._grants.append(grant)
        return True

    def covered(self) -> int:
        """Tokens held and not yet spent, usable now or once they free."""
        return sum(g.unspent for g in self._grants)

    def next_usable(self) -> float | None:
        """When (``time.monotonic()``) the next token reserved ahead becomes usable."""
        times = [at for g in self._grants if (at := g.next_usable()) is not None]
        return min(times, default=None)

    def settle_answered(self) -> None:
        """Give back, in the background, every grant that has nothing left to spend and
        whose sends were all answered: its used tokens then count until a second after
        their answers, not until the drain ends. Called by a drain that follows the queue
        (a grant settled later is only ever counted longer: never a risk, only a cost)."""
        done = [g for g in self._grants if g.unspent <= 0 and _answered(g) >= g.spent]
        if not done:
            return
        self._grants = [g for g in self._grants if all(g is not d for d in done)]
        task = asyncio.get_running_loop().create_task(self._settle(done))
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def settle(self) -> None:
        """The drain is done (every send answered): what it took and did not use goes back
        (at once, or, if taken ahead, once it would have freed), each token it used stays
        counted until a second after its answer."""
        if self._settling:
            await asyncio.gather(*self._settling, return_exceptions=True)
        grants, self._grants = self._grants, []
        await self._settle(grants)

    async def _settle(self, grants: list[Grant]) -> None:
        if not grants:
            return
        try:
            # All at once: the budget stops renewing them before its first await, so a
            # settle cut off here (a database error, a cancelled drain) leaves no hold
            # renewed for ever; each then lapses by itself (bot.services.send_budget).
            await self.budget.settle(*grants)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("send budget not settled: %s", type(exc).__name__)


def _answered(grant: Grant) -> int:
    return sum(tokens for _, tokens in grant.answered)


class NotingAnswers:
    """The messenger, noting when each send was answered (or failed) on the tokens that
    paid for it, so the budget frees them a second after that answer."""

    def __init__(self, inner: Messenger, budget: SendBudget) -> None:
        self.inner = inner
        self.budget = budget

    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        try:
            return await self.inner.send(to, card)
        finally:
            stamp = self.budget.stamp()
            for grant, tokens in _PAID.get():
                grant.answered.append((stamp, tokens))
            _PAID.set(())
