"""The chase run: decides today's reminders and escalations and queues them, once.

One transaction per run records every planned reminder key (``reminders_sent``, unique
per action and key) together with the outbox messages that carry them, so a run
repeated after a restart, or by a second bot process on the same PostgreSQL, plans
nothing new: the second one's insert of a key already recorded fails and it re-plans
from what the first one wrote. Messages wait in the outbox until working hours.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.calendar import WorkingCalendar
from bot.domain.chasing import ActionChaseState, ChasePlan, ChaseRules, plan_chase
from bot.domain.clock import Clock
from bot.domain.model import ANSWERS_A_REMINDER, ActionStatus, Role
from bot.domain.notices import Notice, NoticeKind, keyed_by_content
from bot.services.outbox import IfQueued, enqueue
from bot.services.readmodels.members import people_in
from bot.store import tables as t
from bot.store.db import Store

log = logging.getLogger(__name__)

_REMINDERS_SENT = t.table_of(t.ReminderSent)


@dataclass(frozen=True, slots=True)
class ChaseReport:
    reminders: int
    digests: int
    escalations: int
    notices: int


class ChaseService:
    def __init__(self, store: Store, clock: Clock, calendar: WorkingCalendar) -> None:
        self.store = store
        self.clock = clock
        self.calendar = calendar

    async def run(self) -> ChaseReport:
        """Plan and queue today's chasing. Safe to call any number of times a day."""
        for _attempt in range(3):
            try:
                return await self._run_once()
            except IntegrityError:
                # Another process recorded some of the same keys first; plan again from
                # what it wrote.
                log.info("chase run raced another process; planning again")
        return ChaseReport(0, 0, 0, 0)

    async def _run_once(self) -> ChaseReport:
        now = self.clock.now()
        today = self.calendar.local_date(now)
        async with self.store.transaction() as session:
            states, rules = await self._states(session)
            plan = plan_chase(
                states, today, lambda loc: rules.get(loc, ChaseRules()), self.calendar
            )
            if not plan:
                return ChaseReport(0, 0, 0, 0)
            send_at = self.calendar.next_working_moment(now)
            digests = self._digests(plan)
            escalations = await self._escalations(session, plan)
            # A key already queued means another run got there first: refused, so the
            # whole run is planned again from what that one wrote.
            await enqueue(session, digests + escalations, due=send_at, if_queued=IfQueued.REFUSE)
            # One batched insert (the table is not audited): as ORM objects, 10,000 keys
            # took longer to add and flush than the rest of the run.
            await session.execute(
                insert(_REMINDERS_SENT),
                [
                    {"action_id": action_id, "key": key, "created_at": now}
                    for action_id, key in sorted(plan.keys)
                ],
            )
            escalated = {e.action_id for e in plan.escalations}
            if escalated:
                for action in await session.scalars(
                    select(t.Action).where(t.Action.id.in_(escalated))
                ):
                    action.escalated_at = action.escalated_at or now
            await session.flush()
            return ChaseReport(
                len(plan.reminders), len(digests), len(plan.escalations), len(escalations)
            )

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

    def _digests(self, plan: ChasePlan) -> list[Notice]:
        """One digest per owner per run, never one message per action."""
        notices: list[Notice] = []
        for owner_id, reminders in plan.by_owner().items():
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
            payload = {"today": plan.today.isoformat(), "reminders": items}
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
