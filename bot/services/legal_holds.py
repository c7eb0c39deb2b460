"""Legal holds: placing, lifting and listing them (``mace-bot hold place|lift|list``).

A hold stops the retention run (bot.services.retention) deleting a locality's, a
meeting's or a subject's records while a review, inquiry or court case needs them; what
each scope keeps is ruled in ``bot.domain.retention``. The run reads the active holds
again in every batch, so a hold placed here protects its records from the run's next
batch on. Placing and lifting are audited, as whoever did it (``by``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.retention import MAX_HOLD_REASON_CHARS, HoldScope
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store


@dataclass(frozen=True, slots=True)
class HoldView:
    id: int
    scope: str
    target_id: int
    reason: str
    placed_by: str
    placed_at: datetime
    lifted_at: datetime | None

    @property
    def active(self) -> bool:
        return self.lifted_at is None

    def line(self) -> str:
        state = "active" if self.active else f"lifted {self.lifted_at:%Y-%m-%d %H:%M} UTC"
        return (
            f"#{self.id} {self.scope} {self.target_id}: {self.reason} "
            f"(placed by {self.placed_by} {self.placed_at:%Y-%m-%d %H:%M} UTC; {state})"
        )


class LegalHoldService:
    """Places, lifts and lists legal holds. It checks no caller: the host's command line
    (bot.cli_records) is its only user, and ``by`` is who the audit trail names."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def place_hold(self, scope: str, target: int, reason: str, by: str) -> HoldView:
        """Hold a locality's, a meeting's or a subject's records (``target`` is its id)."""
        try:
            hold_scope = HoldScope(scope)
        except ValueError:
            raise InvalidInput(
                {"scope": "The scope is one of " + ", ".join(s.value for s in HoldScope) + "."}
            ) from None
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput({"reason": "Give the reason for the hold (e.g. the case name)."})
        if len(reason) > MAX_HOLD_REASON_CHARS:
            raise InvalidInput(
                {"reason": f"The reason is too long: at most {MAX_HOLD_REASON_CHARS} characters."}
            )
        now = self.clock.now()
        async with self.store.transaction(now=now) as session:
            locality_id = await _target_locality(session, hold_scope, target)
            audit.act_as(session.sync_session, by, locality_id)
            existing = await session.scalar(
                select(t.LegalHold.id).where(
                    t.LegalHold.scope == hold_scope.value,
                    t.LegalHold.target_id == target,
                    t.LegalHold.lifted_at.is_(None),
                )
            )
            if existing is not None:
                raise Conflict(f"That {hold_scope.value} is already under legal hold #{existing}.")
            hold = t.LegalHold(
                scope=hold_scope.value,
                target_id=target,
                reason=reason,
                placed_by=by[:200],
                placed_at=now,
            )
            session.add(hold)
            await session.flush()
            return _hold_view(hold)

    async def lift_hold(self, hold_id: int, by: str) -> HoldView:
        now = self.clock.now()
        async with self.store.transaction(now=now) as session:
            hold = await session.get(t.LegalHold, hold_id)
            if hold is None:
                raise NotFound(f"There is no legal hold #{hold_id}.")
            if hold.lifted_at is not None:
                raise Conflict(f"Legal hold #{hold_id} was already lifted.")
            locality_id = await _target_locality(
                session, HoldScope(hold.scope), hold.target_id, missing_ok=True
            )
            audit.act_as(session.sync_session, by, locality_id)
            hold.lifted_at = now
            await session.flush()
            return _hold_view(hold)

    async def holds(self, *, include_lifted: bool = False) -> list[HoldView]:
        query = select(t.LegalHold).order_by(t.LegalHold.id)
        if not include_lifted:
            query = query.where(t.LegalHold.lifted_at.is_(None))
        async with self.store.reading() as session:
            return [_hold_view(h) for h in await session.scalars(query)]


async def _target_locality(
    session: AsyncSession, scope: HoldScope, target: int, *, missing_ok: bool = False
) -> int | None:
    """The locality of a hold's target, which must exist (unless ``missing_ok``)."""
    model: Any = {
        HoldScope.LOCALITY: t.Locality,
        HoldScope.MEETING: t.Meeting,
        HoldScope.SUBJECT: t.Subject,
    }[scope]
    column = model.id if scope is HoldScope.LOCALITY else model.locality_id
    found = await session.scalar(select(column).where(model.id == target))
    if found is None and not missing_ok:
        raise NotFound(f"There is no {scope.value} with id {target}.")
    return found


def _hold_view(hold: t.LegalHold) -> HoldView:
    return HoldView(
        hold.id,
        hold.scope,
        hold.target_id,
        hold.reason,
        hold.placed_by,
        hold.placed_at,
        hold.lifted_at,
    )
