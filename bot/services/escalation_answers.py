"""Answering an escalation (issue 16, point 3): the oversight group's response and
decision, and the locality's closing once that response is acted on.

These are the two steps that move an escalation on (open, responded, closed), each by
the other side of it: only the group it went to responds, only the locality's chairs
and deputy chairs close. Kept together, apart from the raising and the reading, so the
order of the steps and who takes each are read in one place. Each runs in the caller's
transaction; the response queues its notice to the locality's chairs and deputies in
that same transaction, by the escalation's id only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.errors import Conflict, InvalidInput, NotPermitted
from bot.domain.escalations import (
    ALREADY_CLOSED,
    ALREADY_RESPONDED,
    FIELD_CLOSE_NOTE,
    FIELD_DECISION,
    FIELD_RESPONSE,
    NOT_RESPONDED_YET,
    escalation_reference,
)
from bot.domain.model import EscalationStatus, Role
from bot.domain.notices import Notice, NoticeKind
from bot.domain.permissions import Permission
from bot.services.escalation_access import LOCALITY_CHAIR, OVERSIGHT
from bot.services.escalation_raising import escalation_text
from bot.services.outbox import enqueue
from bot.services.outbox.queue import IfQueued
from bot.services.readmodels.members import people_in
from bot.store import tables as t

#: Who in the locality is told when a response is recorded.
TOLD_OF_RESPONSE = (Role.CHAIR, Role.DEPUTY_CHAIR)


async def record_response(
    session: AsyncSession,
    escalation: t.Escalation,
    member: t.Member,
    stands: frozenset[str],
    data: Mapping[str, object],
    clock: Clock,
    now: datetime,
) -> None:
    """The group's response and decision, by its chair or one of its members; the
    locality's chairs and deputies are told (by reference only)."""
    if OVERSIGHT not in stands:
        group = await session.get_one(t.OversightGroup, escalation.group_id)
        raise NotPermitted(
            f"Only members of the {group.name} can record its response.",
            attempted="respond to escalation",
        )
    reference = escalation_reference(escalation.id)
    if escalation.status != EscalationStatus.OPEN:
        raise Conflict(ALREADY_RESPONDED.format(reference=reference))
    errors: dict[str, str] = {}
    response = escalation_text(data, FIELD_RESPONSE, "The response", errors, clock)
    decision = escalation_text(data, FIELD_DECISION, "The decision", errors, clock)
    if errors:
        raise InvalidInput(errors)
    escalation.response = response
    escalation.decision = decision
    escalation.responded_by_member_id = member.id
    escalation.responded_at = now
    escalation.status = EscalationStatus.RESPONDED
    await session.flush()
    told = await people_in(session, escalation.locality_id, TOLD_OF_RESPONSE)
    await enqueue(
        session,
        [
            Notice(
                NoticeKind.ESCALATION_ANSWERED,
                who,
                {"escalation_id": escalation.id},
                f"escalation-answered:{escalation.id}:{who}",
            )
            for who in told
            if who != member.id
        ],
        due=now,
        if_queued=IfQueued.REFUSE,
    )


async def record_closing(
    session: AsyncSession,
    escalation: t.Escalation,
    member: t.Member,
    stands: frozenset[str],
    data: Mapping[str, object],
    clock: Clock,
    now: datetime,
) -> None:
    """Closed by a chair or deputy chair of the locality, with a note, once the group
    has responded: it then leaves item 8."""
    if LOCALITY_CHAIR not in stands:
        raise NotPermitted(
            "Only a chair or deputy chair of the locality group can close it.",
            attempted=Permission.ESCALATE.value,
        )
    reference = escalation_reference(escalation.id)
    if escalation.status == EscalationStatus.CLOSED:
        raise Conflict(ALREADY_CLOSED.format(reference=reference))
    if escalation.status != EscalationStatus.RESPONDED:
        raise Conflict(NOT_RESPONDED_YET.format(reference=reference))
    errors: dict[str, str] = {}
    note = escalation_text(data, FIELD_CLOSE_NOTE, "The note", errors, clock)
    if errors:
        raise InvalidInput(errors)
    escalation.close_note = note
    escalation.closed_by_member_id = member.id
    escalation.closed_at = now
    escalation.status = EscalationStatus.CLOSED
    await session.flush()
