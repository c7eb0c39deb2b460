"""Paying for sends out of the app's send budget (bot.services.send_budget), one drain at
a time: the tokens a drain takes up front, the requests each message spends of them, and
what goes back when the drain is done.
"""

from __future__ import annotations

import contextvars
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.services.send_budget import Grant, SendBudget

from .messenger import Messenger, Recipient, SendResult

log = logging.getLogger(__name__)

#: The tokens that paid for the send under way in this task: (grant, tokens).
_PAID: contextvars.ContextVar[tuple[tuple[Grant, int], ...]] = contextvars.ContextVar(
    "outbox_paid", default=()
)


class DrainBudget:
    """One sender's share of ``budget``: at most ``per_second_cap`` tokens a drain."""

    def __init__(self, budget: SendBudget, per_second_cap: int) -> None:
        self.budget = budget
        self.per_second_cap = per_second_cap
        self._grants: list[Grant] = []  # taken by the drain under way
        #: When tokens should be free again, after a take that found none.
        self.free_at: datetime | None = None

    async def take(self, now: datetime, want: int) -> int:
        """Take up to ``want`` requests' worth of the app's send budget for this drain, in
        one go (one round trip on PostgreSQL); 0: none now, ``free_at`` says when."""
        grant = await self.budget.take(min(want, self.per_second_cap))
        if grant.tokens <= 0:
            self.free_at = now + timedelta(seconds=grant.retry_in)
            return 0
        self._grants.append(grant)
        return grant.tokens

    async def pay(self, now: datetime, requests: int) -> bool:
        """Spend ``requests`` tokens of this drain's grants for one message; a message
        that needs more than is left (a new conversation takes two requests, or a grant's
        hold could not be renewed lately) takes more from the budget. False: none to be
        had now. The tokens count until a second after this send's answer, however long
        it takes to reach Teams: the budget keeps the hold while the drain is under way."""
        taken: list[tuple[Grant, int]] = []
        needed = requests
        for grant in self._grants:
            use = min(grant.left, needed)
            if use > 0:
                grant.spent += use  # before any await: other sends run meanwhile
                needed -= use
                taken.append((grant, use))
        if needed > 0:
            more = await self.budget.take(needed)
            if more.tokens > 0:
                self._grants.append(more)
            if more.tokens < needed:
                self.free_at = now + timedelta(seconds=more.retry_in or 1.0)
                for grant, use in taken:  # give back what this message had taken
                    grant.spent -= use
                return False
            more.spent = needed
            taken.append((more, needed))
        _PAID.set(tuple(taken))  # for NotingAnswers, in this message's own task
        return True

    async def settle(self) -> None:
        """The drain is done (every send answered): what it took and did not use goes back
        at once, each token it used stays counted until a second after its answer."""
        grants, self._grants = self._grants, []
        if not grants:
            return
        try:
            # All at once: the budget stops renewing them before its first await, so a
            # settle cut off here (a database error, a cancelled drain) leaves no hold
            # renewed for ever; each then lapses by itself (bot.services.send_budget).
            await self.budget.settle(*grants)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("send budget not settled: %s", type(exc).__name__)


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
