"""Escalations as the locality's agenda shows them under item 8 (issue 16): read for
``meeting_view``, drawn by ``cards.escalations.agenda_escalations``."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import LONDON
from bot.domain.escalations import AgendaLine, record_shown
from bot.domain.model import EscalationKind, EscalationStatus, SubjectKind
from bot.domain.rules import subject_display
from bot.store import tables as t


def london_day(moment: datetime) -> date:
    """The English calendar day of a stored UTC time (ages are counted in those)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).date()


async def agenda_lines(
    session: AsyncSession, locality_id: int, today: date
) -> tuple[AgendaLine, ...]:
    """The locality's escalations not yet closed, oldest first, as item 8 of its agenda
    (a shared channel) shows them: see ``bot.domain.escalations``."""
    rows = (
        await session.execute(
            select(t.Escalation, t.OversightGroup.name, t.Subject.kind)
            .join(t.OversightGroup, t.OversightGroup.id == t.Escalation.group_id)
            .outerjoin(t.Subject, t.Subject.id == t.Escalation.subject_id)
            .where(
                t.Escalation.locality_id == locality_id,
                t.Escalation.status != EscalationStatus.CLOSED.value,
            )
            .order_by(t.Escalation.raised_at, t.Escalation.id)
        )
    ).all()
    lines = []
    for escalation, group_name, subject_kind in rows:
        kind = EscalationKind(escalation.kind)
        person = kind is EscalationKind.SUBJECT and subject_kind == SubjectKind.PERSON.value
        if kind is EscalationKind.SUBJECT:
            subject = await session.get_one(t.Subject, escalation.subject_id)
            reference = subject_display(
                SubjectKind(subject.kind), subject.reference, subject.initials or ""
            )
        elif kind is EscalationKind.ACTION:
            reference = f"action A-{escalation.action_id}"
        else:
            reference = f"challenge C-{escalation.challenge_id}"
        lines.append(
            AgendaLine(
                id=escalation.id,
                group=group_name,
                record=record_shown(
                    kind, SubjectKind(subject_kind) if subject_kind else None, reference
                ),
                age_days=(today - london_day(escalation.raised_at)).days,
                status=EscalationStatus(escalation.status),
                # A person of concern's escalation shows no text at all in the channel.
                response="" if person else (escalation.response or ""),
                decision="" if person else (escalation.decision or ""),
            )
        )
    return tuple(lines)
