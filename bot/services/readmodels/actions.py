"""Actions as the cards that list them show them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import ActionStatus, SubjectKind
from bot.domain.rules import subject_display
from bot.domain.views import ActionView
from bot.services.readmodels.lookups import Lookups, member_names
from bot.store import tables as t


async def action_views(
    session: AsyncSession, actions: Sequence[t.Action], lookups: Lookups, today: date
) -> list[ActionView]:
    if not actions:
        return []
    names = await member_names(session, (a.owner_member_id for a in actions))
    subject_ids = {a.subject_id for a in actions if a.subject_id is not None}
    subjects: dict[int, t.Subject] = {}
    if subject_ids:
        subjects = {
            s.id: s
            for s in await session.scalars(select(t.Subject).where(t.Subject.id.in_(subject_ids)))
        }
    meeting_dates: dict[int, date] = {
        row.id: row.started_at.date()
        for row in await session.execute(
            select(t.Meeting.id, t.Meeting.started_at).where(
                t.Meeting.id.in_({a.meeting_id for a in actions})
            )
        )
    }
    views = []
    for a in actions:
        subject = subjects.get(a.subject_id) if a.subject_id is not None else None
        views.append(
            ActionView(
                id=a.id,
                description=a.description,
                owner_name=names.get(a.owner_member_id, "Unknown member"),
                agency_name=lookups.agency_name(a.agency_id),
                due_date=a.due_date,
                status=ActionStatus(a.status),
                subject=subject_display(
                    SubjectKind(subject.kind), subject.reference, subject.initials
                )
                if subject
                else None,
                overdue=a.status == ActionStatus.OPEN and a.due_date < today,
                raised_on=meeting_dates.get(a.meeting_id),
                escalated=a.escalated_at is not None,
            )
        )
    return views
