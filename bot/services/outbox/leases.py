"""The outbox's lease SQL: one sender claiming due rows, holding them, recording what
became of each, and giving back what it did not send.

Claiming. A row is due when it is ``pending`` or ``retry`` with ``next_attempt_at <= now``,
or ``sending`` held by a sender that is gone: its lease expired, or its heartbeat (its row
in ``outbox_workers``, renewed every few seconds while it runs, ``OutboxRunner``) is older
than ``dead_after`` seconds, so a dead process's rows go out again within seconds instead
of waiting out the lease. A sender with no heartbeat row (a one-off drain) is covered by
the lease alone. The heartbeat's age is compared across processes, so as ``mace-bot serve``
runs it on PostgreSQL it is written and judged on the database server's clock
(``database_heartbeats``), as the send budget is: hosts whose clocks disagree cannot take
a live sender for dead early. (Leases and due times are on each process's clock; a skew
of seconds against a five-minute lease does not matter.) A claim sets ``status='sending'``,
``lease_owner``, ``lease_until`` and counts the attempt, in one short transaction:

* PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then ``UPDATE ... RETURNING`` in the
  same transaction, so two processes never pick the same row, nor wait on each other.
* SQLite (one writer at a time): candidates are read, then claimed by a compare-and-set
  ``UPDATE ... WHERE id IN (...) AND <still due> RETURNING``. A row another sender claimed
  between the read and the write is no longer due (it is ``sending`` under a live lease),
  so it is simply not returned.

Every later write about a claimed row (renewing the lease, recording the outcome) is
conditional on ``status='sending' AND lease_owner=<me> AND attempts=<my attempt>``: a
sender that lost its lease (it stalled past ``lease_seconds`` and another sender took
the row over) can no longer overwrite what the new owner records.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, DateTime, and_, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import tables as t
from bot.store.db import Store
from bot.store.upsert import on_conflict

from .contacts import keep_conversation
from .messenger import SendResult
from .status import WAITING, OutboxStatus

log = logging.getLogger(__name__)

OM = t.OutboxMessage
OW = t.OutboxWorker

#: Heartbeat rows not renewed for this long are forgotten (their rows' leases ran out long
#: before).
FORGET_WORKERS_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Claim:
    """One row this sender holds: ``attempts`` counts this attempt."""

    id: int
    kind: str
    recipient_member_id: int
    payload: str
    attempts: int
    lease_until: datetime


class Leases:
    """The rows one sender (``worker_id``) holds, and its heartbeat, in the store."""

    def __init__(
        self,
        store: Store,
        worker_id: str,
        *,
        lease: timedelta,
        dead_after: timedelta,
        database_heartbeats: bool,
    ) -> None:
        self.store = store
        self.worker_id = worker_id
        self.lease = lease
        self.dead_after = dead_after
        #: On PostgreSQL, heartbeats are written and judged on the database server's clock,
        #: as the send budget is, so instances whose clocks disagree cannot take one
        #: another for dead early. Off, and always on SQLite (one host), they are on the
        #: sender's clock: tests move it by hand.
        self.database_heartbeats = database_heartbeats and self.postgres

    @property
    def postgres(self) -> bool:
        return self.store.engine.dialect.name == "postgresql"

    def heartbeat_now(self, now: datetime) -> Any:
        """The time heartbeats are written and judged by: the database server's
        (``database_heartbeats``) or this sender's clock's."""
        return _DATABASE_NOW if self.database_heartbeats else now

    async def claim(self, now: datetime, limit: int) -> list[Claim]:
        """Claim up to ``limit`` rows due at ``now`` (see the module docstring), in the
        order they fell due."""
        lease_until = now + self.lease
        due = _due(now, self.heartbeat_now(now) - self.dead_after)
        pick = select(OM.id).where(due).order_by(OM.next_attempt_at, OM.id).limit(limit)
        claim = (
            update(OM)
            .values(
                status=OutboxStatus.SENDING,
                lease_owner=self.worker_id,
                lease_until=lease_until,
                attempts=OM.attempts + 1,
            )
            .returning(OM.id, OM.kind, OM.recipient_member_id, OM.payload, OM.attempts)
            .execution_options(synchronize_session=False)
        )
        if self.postgres:
            async with self.store.transaction() as session:
                ids = (await session.scalars(pick.with_for_update(skip_locked=True))).all()
                if not ids:
                    return []
                rows = (await session.execute(claim.where(OM.id.in_(ids), due))).all()
        else:
            async with self.store.reading() as session:
                ids = (await session.scalars(pick)).all()
            if not ids:
                return []
            # Compare-and-set: only rows still due now (not taken meanwhile) are claimed.
            async with self.store.transaction() as session:
                rows = (await session.execute(claim.where(OM.id.in_(ids), due))).all()
        order = {row_id: n for n, row_id in enumerate(ids)}
        return sorted(
            (
                Claim(r.id, r.kind, r.recipient_member_id, r.payload, r.attempts, lease_until)
                for r in rows
            ),
            key=lambda c: order[c.id],
        )

    def mine(self, *claims: Claim) -> ColumnElement[bool]:
        """Rows this sender still holds at the attempt it claimed: not taken over by another
        sender, nor re-claimed since (a new attempt) by a sender of the same name."""
        return and_(
            OM.status == OutboxStatus.SENDING,
            OM.lease_owner == self.worker_id,
            or_(*(and_(OM.id == c.id, OM.attempts == c.attempts) for c in claims)),
        )

    async def renew(self, claims: Sequence[Claim], now: datetime) -> set[int]:
        """Extend the lease on rows this sender still holds; returns their ids."""
        async with self.store.transaction() as session:
            rows = await session.execute(
                update(OM)
                .where(
                    OM.id.in_([c.id for c in claims]),
                    OM.status == OutboxStatus.SENDING,
                    OM.lease_owner == self.worker_id,
                )
                .values(lease_until=now + self.lease)
                .returning(OM.id, OM.attempts)
                .execution_options(synchronize_session=False)
            )
            held = {row.id: row.attempts for row in rows}
        return {c.id for c in claims if held.get(c.id) == c.attempts}

    async def record_sent(self, claim: Claim, result: SendResult, at: datetime) -> bool:
        """Record the row as sent, in a transaction of its own; False: no longer ours."""
        async with self.store.transaction() as session:
            done = await session.execute(
                update(OM)
                .where(self.mine(claim))
                .values(
                    status=OutboxStatus.SENT,
                    sent_at=at,
                    activity_id=(result.activity_id or "")[:200] or None,
                    lease_until=None,
                    last_error="",
                )
                .execution_options(synchronize_session=False)
            )
            if result.conversation_id:
                await keep_conversation(session, claim.recipient_member_id, result.conversation_id)
            return rowcount(done) == 1

    async def record(
        self,
        session: AsyncSession,
        claim: Claim,
        status: OutboxStatus,
        *,
        error: str,
        next_attempt_at: datetime | None,
        conversation_id: str | None,
    ) -> bool:
        """Record, in ``session``, the outcome ``status`` of a row this sender holds (and
        keep a newly created conversation); False: the row is no longer ours."""
        values: dict[str, Any] = {"status": status, "lease_until": None, "last_error": error}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        statement = (
            update(OM)
            .where(self.mine(claim))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        done = rowcount(await session.execute(statement)) == 1
        if conversation_id:
            await keep_conversation(session, claim.recipient_member_id, conversation_id)
        return done

    async def put_back(self, claims: Sequence[Claim], when: datetime) -> set[int]:
        """Put claimed rows back in one statement (a stop puts back a whole batch), each
        only while this sender still holds it at the attempt it claimed (``mine``).
        Returns the ids put back."""
        async with self.store.transaction() as session:
            rows = await session.execute(
                update(OM)
                .where(self.mine(*claims))
                .values(**_put_back(when))
                .returning(OM.id)
                .execution_options(synchronize_session=False)
            )
            return set(rows.scalars())

    async def beat(self, now: datetime, *, first: bool) -> None:
        """Write this sender's heartbeat (its ``outbox_workers`` row, created the first
        time); on the ``first`` beat, forget senders gone long ago."""
        stamp = self.heartbeat_now(now)
        values = {"worker_id": self.worker_id, "started_at": stamp, "last_seen": stamp}
        dialect = "postgresql" if self.postgres else "sqlite"
        beat = on_conflict(
            dialect, t.table_of(OW), values, ["worker_id"], update={"last_seen": stamp}
        )
        async with self.store.transaction() as session:
            await session.execute(beat)
            if first:
                await session.execute(delete(OW).where(OW.last_seen < stamp - FORGET_WORKERS_AFTER))

    async def release_all(self, now: datetime, unknown: set[int]) -> int:
        """Put back, due at ``now``, every row this sender holds but those in ``unknown``
        (their outcome is not known); with none unknown, delete the heartbeat too. Returns
        how many rows were put back."""
        async with self.store.transaction() as session:
            held = await session.execute(
                update(OM)
                .where(
                    OM.status == OutboxStatus.SENDING,
                    OM.lease_owner == self.worker_id,
                    OM.id.not_in(sorted(unknown)),
                )
                .values(**_put_back(now))
                .execution_options(synchronize_session=False)
            )
            if not unknown:
                await session.execute(delete(OW).where(OW.worker_id == self.worker_id))
        return rowcount(held)

    async def last_sent(self, member_ids: Sequence[int], since: datetime) -> dict[int, datetime]:
        """When each of ``member_ids`` was last sent a message after ``since``."""
        async with self.store.reading() as session:
            rows = await session.execute(
                select(OM.recipient_member_id, func.max(OM.sent_at))
                .where(
                    OM.recipient_member_id.in_(member_ids),
                    OM.status == OutboxStatus.SENT,
                    OM.sent_at > since,
                )
                .group_by(OM.recipient_member_id)
            )
            return {member: _aware(at) for member, at in rows if at is not None}

    async def next_due(self) -> list[datetime]:
        """When the first waiting row falls due and the first lease runs out (either left
        out when there is none)."""
        async with self.store.reading() as session:
            waiting = await session.scalar(
                select(func.min(OM.next_attempt_at)).where(OM.status.in_(WAITING))
            )
            leased = await session.scalar(
                select(func.min(OM.lease_until)).where(OM.status == OutboxStatus.SENDING)
            )
        return [_aware(x) for x in (waiting, leased) if x is not None]


#: The database server's time now, as stored (UTC, no zone): PostgreSQL only.
_DATABASE_NOW = func.timezone("UTC", func.clock_timestamp(), type_=DateTime())


def _due(now: datetime, dead_before: Any) -> ColumnElement[bool]:
    """Waiting rows whose time has come, and rows held by a sender that is gone: lease
    expired, or heartbeat older than ``dead_before`` (a time, or the database's time less
    ``dead_after``)."""
    dead = select(OW.worker_id).where(OW.last_seen < dead_before)
    return or_(
        and_(OM.status.in_(WAITING), OM.next_attempt_at <= now),
        and_(
            OM.status == OutboxStatus.SENDING,
            or_(OM.lease_until.is_(None), OM.lease_until <= now, OM.lease_owner.in_(dead)),
        ),
    )


def _put_back(when: datetime) -> dict[str, Any]:
    """Values that return a held row to waiting, unsent and with the attempt uncounted."""
    return {
        "status": case(
            (OM.attempts <= 1, OutboxStatus.PENDING.value), else_=OutboxStatus.RETRY.value
        ),
        "attempts": OM.attempts - 1,
        "next_attempt_at": when,
        "lease_owner": None,
        "lease_until": None,
    }


def rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _aware(value: Any) -> datetime:
    """Aggregates (``max``/``min``) bypass the column type on SQLite: make them aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
