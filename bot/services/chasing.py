"""The chase run: decides today's reminders and escalations and queues them, once.

Each owner's digest is queued in one transaction with every reminder key it carries
(``reminders_sent``, unique per action and key), so a run repeated after a restart, or by
a second bot process on the same PostgreSQL, plans nothing new for that owner: the
second one's insert of a key already recorded fails and it re-plans from what the first
one wrote. A run queues its owners a few transactions at a time (the first small, with
the escalations, then larger ones), waking the sender after each, so that the first
digests go out while the rest are still being queued; a run that dies between two of
them is rerun for the owners it did not reach, and sends no one a second digest, since
what it queued for the others is recorded with their keys. Messages wait in the outbox
until working hours.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.calendar import WorkingCalendar
from bot.domain.chasing import ActionChaseState, ChasePlan, ChaseRules, Reminder, plan_chase
from bot.domain.clock import Clock
from bot.domain.model import ANSWERS_A_REMINDER, ActionStatus, Role
from bot.domain.notices import Notice, NoticeKind, keyed_by_content
from bot.services.outbox import IfQueued, enqueue
from bot.services.readmodels.members import people_in
from bot.store import tables as t
from bot.store.db import Store

log = logging.getLogger(__name__)

_REMINDERS_SENT = t.table_of(t.ReminderSent)

#: Owners in a run's first transaction (with the escalations), so the sender starts on
#: them soon, and in each one after it: a few transactions for thousands of owners.
FIRST_OWNERS = 100
OWNERS_PER_TRANSACTION = 250


@dataclass(frozen=True, slots=True)
class ChaseReport:
    reminders: int
    digests: int
    escalations: int
    notices: int

    def __add__(self, other: ChaseReport) -> ChaseReport:
        return ChaseReport(
            self.reminders + other.reminders,
            self.digests + other.digests,
            self.escalations + other.escalations,
            self.notices + other.notices,
        )


NOTHING = ChaseReport(0, 0, 0, 0)


@dataclass(slots=True)
class _Attempt:
    """One attempt at a run: how many keys it planned, and what it queued."""

    planned: int = 0
    report: ChaseReport = NOTHING


class ChaseService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        calendar: WorkingCalendar,
        *,
        first_owners: int = FIRST_OWNERS,
        owners_per_transaction: int = OWNERS_PER_TRANSACTION,
    ) -> None:
        if first_owners < 1 or owners_per_transaction < 1:
            raise ValueError("a transaction queues one owner at least")
        self.store = store
        self.clock = clock
        self.calendar = calendar
        self.first_owners = first_owners
        self.owners_per_transaction = owners_per_transaction

    async def run(self, *, queued: Callable[[], None] | None = None) -> ChaseReport:
        """Plan and queue today's chasing. Safe to call any number of times a day.
        ``queued`` is called after each transaction that queued messages (the serving
        process wakes its sender with it)."""
        report = NOTHING
        misses = 0
        planned: int | None = None
        while misses < 3:
            attempt = _Attempt()
            try:
                await self._run_once(attempt, queued)
                return report + attempt.report
            except IntegrityError:
                # Another process recorded some of the same keys first; plan again from
                # what it wrote (what this one queued before stays queued, and counted).
                # Given up after three attempts that found no more recorded meanwhile, by
                # this run or another: while the others make progress, this one goes on.
                report += attempt.report
                if planned is None or attempt.planned >= planned:
                    misses += 1
                planned = attempt.planned
                log.info("chase run raced another process; planning again")
        return report

    async def _run_once(self, attempt: _Attempt, queued: Callable[[], None] | None) -> None:
        now = self.clock.now()
        today = self.calendar.local_date(now)
        async with self.store.reading() as session:
            states, rules = await self._states(session)
        plan = plan_chase(states, today, lambda loc: rules.get(loc, ChaseRules()), self.calendar)
        attempt.planned = len(plan.keys)
        if not plan:
            return
        send_at = self.calendar.next_working_moment(now)
        by_owner = plan.by_owner()
        for n, owners in enumerate(self._chunks(list(by_owner))):
            async with self.store.transaction() as session:
                reminders = [r for owner in owners for r in by_owner[owner]]
                digests = self._digests(plan.today, {owner: by_owner[owner] for owner in owners})
                keys = {(r.action_id, r.key) for r in reminders}
                escalations: list[Notice] = []
                if n == 0:
                    escalations = await self._escalations(session, plan)
                    keys |= {(e.action_id, e.key) for e in plan.escalations}
                # A key already queued means another run got there first: refused, so the
                # rest of the run is planned again from what that one wrote.
                await enqueue(
                    session, digests + escalations, due=send_at, if_queued=IfQueued.REFUSE
                )
                # One batched insert (the table is not audited): as ORM objects, 10,000 keys
                # took longer to add and flush than the rest of the run.
                await session.execute(
                    insert(_REMINDERS_SENT),
                    [
                        {"action_id": action_id, "key": key, "created_at": now}
                        for action_id, key in sorted(keys)
                    ],
                )
                if n == 0:
                    await self._mark_escalated(session, plan, now)
                await session.flush()
            attempt.report += ChaseReport(
                len(reminders),
                len(digests),
                len(plan.escalations) if n == 0 else 0,
                len(escalations),
            )
            if queued is not None and (digests or escalations):
                queued()

    def _chunks(self, owners: Sequence[int]) -> Iterator[Sequence[int]]:
        """The owners of each transaction: ``first_owners``, then ``owners_per_transaction``
        at a time (one, empty, when there are only escalations)."""
        yield owners[: self.first_owners]
        for start in range(self.first_owners, len(owners), self.owners_per_transaction):
            yield owners[start : start + self.owners_per_transaction]

    @staticmethod
    async def _mark_escalated(session: AsyncSession, plan: ChasePlan, now: datetime) -> None:
        escalated = {e.action_id for e in plan.escalations}
        if escalated:
            for action in await session.scalars(select(t.Action).where(t.Action.id.in_(escalated))):
                action.escalated_at = action.escalated_at or now

    async def _states(
        self, session: AsyncSession
    ) -> tuple[list[ActionChaseState], dict[int, ChaseRules]]:
        # The columns the plan needs, not the mapped rows: a run reads every open action,
        # and loading each as an ORM object decrypted its description for nothing (the
        # larger part of a 10,000-action run's planning, bench/chase.py).
        actions = (
            await session.execute(
                select(
                    t.Action.id,
                    t.Action.owner_member_id,
                    t.Action.locality_id,
                    t.Action.due_date,
                    t.Action.escalated_at,
                ).where(t.Action.status == ActionStatus.OPEN)
            )
        ).all()
        open_ids = select(t.Action.id).where(t.Action.status == ActionStatus.OPEN)
        sent: dict[int, dict[str, datetime]] = defaultdict(dict)
        answered: dict[int, list[datetime]] = defaultdict(list)
        if actions:
            for row in await session.execute(
                select(
                    t.ReminderSent.action_id, t.ReminderSent.key, t.ReminderSent.created_at
                ).where(t.ReminderSent.action_id.in_(open_ids))
            ):
                sent[row.action_id][row.key] = row.created_at
            # What answers a reminder, by whoever recorded it (domain docstring).
            for action_id, at in await session.execute(
                select(t.ActionEvent.action_id, t.ActionEvent.at).where(
                    t.ActionEvent.action_id.in_(open_ids),
                    t.ActionEvent.kind.in_([str(kind) for kind in ANSWERS_A_REMINDER]),
                )
            ):
                answered[action_id].append(at)
        unreachable = set(
            await session.scalars(
                select(t.MemberContact.member_id).where(t.MemberContact.unreachable_at.is_not(None))
            )
        )
        rules: dict[int, ChaseRules] = {}
        for locality in await session.scalars(select(t.Locality)):
            if locality.chase_rules:
                try:
                    rules[locality.id] = ChaseRules.from_mapping(json.loads(locality.chase_rules))
                except ValueError:
                    log.error("locality %s has invalid chase rules; using defaults", locality.id)
        states = [
            ActionChaseState(
                action_id=a.id,
                owner_id=a.owner_member_id,
                locality_id=a.locality_id,
                due_date=a.due_date,
                open=True,
                owner_unreachable=a.owner_member_id in unreachable,
                escalated=a.escalated_at is not None,
                sent=frozenset(sent.get(a.id, ())),
                sent_at=sent.get(a.id, {}),
                answered_at=tuple(sorted(answered.get(a.id, ()))),
            )
            for a in actions
        ]
        return states, rules

    @staticmethod
    def _digests(today: date, by_owner: dict[int, list[Reminder]]) -> list[Notice]:
        """One digest per owner per run, never one message per action."""
        notices: list[Notice] = []
        for owner_id, reminders in by_owner.items():
            items = [
                {
                    "action_id": r.action_id,
                    "kind": r.kind,
                    "due": r.due_date.isoformat(),
                    "days_overdue": r.days_overdue,
                    "days_left": r.working_days_left,
                }
                for r in reminders
            ]
            payload = {"today": today.isoformat(), "reminders": items}
            notices.append(keyed_by_content(NoticeKind.DIGEST, owner_id, payload))
        return notices

    async def _escalations(self, session: AsyncSession, plan: ChasePlan) -> list[Notice]:
        """A digest of escalated actions to each chair and coordinator of the locality."""
        notices: list[Notice] = []
        for locality_id, escalations in plan.escalations_by_locality().items():
            recipients = await people_in(
                session, locality_id, (Role.CHAIR, Role.DEPUTY_CHAIR, Role.COORDINATOR)
            )
            items = [
                {"action_id": e.action_id, "reason": e.reason, "days_overdue": e.days_overdue}
                for e in escalations
            ]
            payload = {"today": plan.today.isoformat(), "escalations": items}
            notices.extend(
                keyed_by_content(NoticeKind.ESCALATION, member_id, payload)
                for member_id in recipients
            )
        return notices
