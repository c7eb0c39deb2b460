"""Escalation beyond the locality (issue 16, point 3): the one service the chat calls to
raise an escalation, show it, record the Operational or Strategic group's response, close
it, and list the open ones.

This module holds the service's transactions and audit only; each feature lives in a
module of its own, so each can be read (and changed) without the others:

* who may see and act on one: ``bot.services.escalation_access`` (``reach_escalation``);
* raising one, from the escalate form or the challenge form: ``escalation_raising``;
* the group's response and the locality's closing: ``escalation_answers``;
* one escalation as a personal chat shows it, and the list: ``escalation_reads``.

Every view is audited (``audit.note``); every write goes through the ORM in one
transaction, so it is audited like every other record, and queues its notices in that
same transaction: the group's members when raised, the locality's chairs and deputies
when answered. A notice carries the escalation's id only (``dialogs.notices`` draws the
reference when sent).

``escalatable_actions``, ``escalate_challenge``, ``raise_challenge`` and ``LIST_IS_FOR``
are still importable from here, where their callers found them before the split.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.clock import Clock, SystemClock
from bot.domain.escalations import EscalationFormView, EscalationListView, EscalationView
from bot.services.context import ActorRef
from bot.services.escalation_access import LOCALITY_CHAIR, reach_escalation
from bot.services.escalation_answers import record_closing, record_response
from bot.services.escalation_raising import (
    escalatable_actions,
    escalate_challenge,
    form_view,
    raise_challenge,
    raise_from_form,
    raising,
    record_id_of,
    record_table,
)
from bot.services.escalation_reads import LIST_IS_FOR, escalation_view, open_escalations
from bot.store import audit
from bot.store.db import Store

__all__ = [
    "LIST_IS_FOR",
    "EscalationService",
    "escalatable_actions",
    "escalate_challenge",
    "raise_challenge",
]


class EscalationService:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()

    # -- raising ----------------------------------------------------------------------------

    async def form(self, actor: ActorRef, kind: object, record_id: object) -> EscalationFormView:
        """The escalate form for an action or subject the actor's group holds and they
        chair (a challenge is escalated from the challenge form itself)."""
        async with self.store.reading() as session:
            raised, _ = await raising(session, actor, kind, record_id)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                record_table(raised),
                record_id_of(raised),
                locality_id=raised.locality_id,
                detail="escalate form",
            )
            return await form_view(session, raised)

    async def escalate(
        self,
        actor: ActorRef,
        activity_id: str | None,
        kind: object,
        record_id: object,
        data: Mapping[str, object],
    ) -> EscalationView:
        """Escalate an action or subject: refused beside the field for a missing group,
        what or why, and an open escalation of the same record to the same group."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=activity_id, now=now) as session:
            raised, member = await raising(session, actor, kind, record_id)
            escalation = await raise_from_form(session, raised, member.id, data, self.clock, now)
            return await escalation_view(session, escalation, frozenset({LOCALITY_CHAIR}), now)

    # -- the oversight group ------------------------------------------------------------------

    async def view(self, actor: ActorRef, escalation_id: object) -> EscalationView:
        async with self.store.reading() as session:
            escalation, _, stands = await reach_escalation(session, actor, escalation_id)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "escalations",
                escalation.id,
                locality_id=escalation.locality_id,
            )
            return await escalation_view(session, escalation, stands, self.clock.now())

    async def respond(
        self,
        actor: ActorRef,
        activity_id: str | None,
        escalation_id: object,
        data: Mapping[str, object],
    ) -> EscalationView:
        """The group's response and decision (``escalation_answers.record_response``)."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=activity_id, now=now) as session:
            escalation, member, stands = await reach_escalation(session, actor, escalation_id)
            await record_response(session, escalation, member, stands, data, self.clock, now)
            return await escalation_view(session, escalation, stands, self.clock.now())

    # -- the locality closes it ---------------------------------------------------------------

    async def close(
        self,
        actor: ActorRef,
        activity_id: str | None,
        escalation_id: object,
        data: Mapping[str, object],
    ) -> EscalationView:
        """Closed by the locality once answered (``escalation_answers.record_closing``)."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=activity_id, now=now) as session:
            escalation, member, stands = await reach_escalation(session, actor, escalation_id)
            await record_closing(session, escalation, member, stands, data, self.clock, now)
            return await escalation_view(session, escalation, stands, self.clock.now())

    # -- lists --------------------------------------------------------------------------------

    async def open_ones(self, actor: ActorRef) -> EscalationListView:
        """``escalations`` (``escalation_reads.open_escalations``), audited."""
        async with self.store.reading() as session:
            listed = await open_escalations(session, actor, self.clock.now())
            audit.note(session, audit.AuditAction.VIEW, "escalations", detail="open escalations")
            return listed
