"""Reading escalations (issue 16, point 3): one escalation as a personal chat shows it,
and the ``escalations`` list.

What a person is shown depends on how they stand to it (``bot.services.escalation_access``):
the group it went to may respond, the locality's chairs may close, and a coordinator
sees a person of concern's escalation without the reference, as the register would
decide. That drawing is the same wherever an escalation is shown (its card after a
raise, a response, a close, or from the list), so it lives here once; the caller audits
the view.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import NotPermitted
from bot.domain.escalations import PERSON_OF_CONCERN, EscalationListView, EscalationView
from bot.domain.model import EscalationKind, EscalationStatus, Role, SubjectKind
from bot.domain.rules import subject_display
from bot.services.context import ActorRef
from bot.services.escalation_access import (
    LOCALITY_CHAIR,
    LOCALITY_VIEWER,
    LOCALITY_VIEWERS,
    ONLY_OVERSIGHT,
    OVERSIGHT,
    oversight_groups_of,
)
from bot.services.readmodels.escalations import london_day
from bot.services.readmodels.lookups import member_names
from bot.services.register_access import member_groups
from bot.store import tables as t

#: Who ``escalations`` is for, told to anyone else who is a member.
LIST_IS_FOR = (
    "Escalations are listed for locality chairs, deputy chairs and coordinators, and for "
    "members of the MACE Operational and Strategic groups."
)


async def open_escalations(
    session: AsyncSession, actor: ActorRef, now: datetime
) -> EscalationListView:
    """``escalations``: the open and responded escalations of each locality the person
    chairs, deputises or coordinates, and those sent to each oversight group they are
    a member of; nothing else."""
    member, groups = await member_groups(session, actor)
    if member is None:
        raise NotPermitted(attempted="list escalations")
    localities = sorted(lid for lid, roles in groups.items() if roles & set(LOCALITY_VIEWERS))
    oversight = await oversight_groups_of(session, member.id)
    if not localities and not oversight:
        raise NotPermitted(LIST_IS_FOR, attempted="list escalations")
    live = [EscalationStatus.OPEN.value, EscalationStatus.RESPONDED.value]
    sections: list[tuple[str, tuple[EscalationView, ...]]] = []
    for group in oversight:
        rows = (
            await session.scalars(
                select(t.Escalation)
                .where(t.Escalation.group_id == group.id, t.Escalation.status.in_(live))
                .order_by(t.Escalation.raised_at, t.Escalation.id)
            )
        ).all()
        views = [await escalation_view(session, row, ONLY_OVERSIGHT, now) for row in rows]
        sections.append((f"Escalated to the {group.name}", tuple(views)))
    for locality_id in localities:
        locality = await session.get_one(t.Locality, locality_id)
        rows = (
            await session.scalars(
                select(t.Escalation)
                .where(
                    t.Escalation.locality_id == locality_id,
                    t.Escalation.status.in_(live),
                )
                .order_by(t.Escalation.raised_at, t.Escalation.id)
            )
        ).all()
        closing = groups[locality_id] & {Role.CHAIR, Role.DEPUTY_CHAIR}
        stands = frozenset({LOCALITY_CHAIR if closing else LOCALITY_VIEWER})
        views = [await escalation_view(session, row, stands, now) for row in rows]
        sections.append((f"Escalated by {locality.name}", tuple(views)))
    return EscalationListView(tuple(sections))


async def record_reference(
    session: AsyncSession,
    kind: EscalationKind,
    action_id: int | None,
    challenge_id: int | None,
    subject_id: int | None,
) -> str:
    """The escalated record as a personal chat names it."""
    if kind is EscalationKind.ACTION:
        return f"action A-{action_id}"
    if kind is EscalationKind.CHALLENGE:
        return f"challenge C-{challenge_id}"
    subject = await session.get_one(t.Subject, subject_id)
    return subject_display(SubjectKind(subject.kind), subject.reference, subject.initials or "")


async def escalation_view(
    session: AsyncSession,
    escalation: t.Escalation,
    stands: frozenset[str],
    now: datetime,
) -> EscalationView:
    """The escalation as someone who stands to it so (``reach_escalation``) sees it."""
    locality = await session.get_one(t.Locality, escalation.locality_id)
    group = await session.get_one(t.OversightGroup, escalation.group_id)
    names = await member_names(
        session,
        [
            m
            for m in (
                escalation.raised_by_member_id,
                escalation.responded_by_member_id,
                escalation.closed_by_member_id,
            )
            if m is not None
        ],
    )
    kind = EscalationKind(escalation.kind)
    reference = await record_reference(
        session, kind, escalation.action_id, escalation.challenge_id, escalation.subject_id
    )
    if kind is EscalationKind.SUBJECT and not stands & {OVERSIGHT, LOCALITY_CHAIR}:
        subject = await session.get_one(t.Subject, escalation.subject_id)
        if subject.kind == SubjectKind.PERSON.value:
            reference = PERSON_OF_CONCERN  # a coordinator: as the register would decide
    status = EscalationStatus(escalation.status)
    raised_on = london_day(escalation.raised_at)
    return EscalationView(
        id=escalation.id,
        kind=kind,
        record_reference=reference,
        locality=locality.name,
        group=group.name,
        what=escalation.what,
        why=escalation.why,
        raised_by=names.get(escalation.raised_by_member_id, ""),
        raised_on=raised_on,
        age_days=(london_day(now) - raised_on).days,
        status=status,
        response=escalation.response or "",
        decision=escalation.decision or "",
        responded_by=names.get(escalation.responded_by_member_id or 0, ""),
        responded_on=(london_day(escalation.responded_at) if escalation.responded_at else None),
        close_note=escalation.close_note or "",
        closed_by=names.get(escalation.closed_by_member_id or 0, ""),
        closed_on=london_day(escalation.closed_at) if escalation.closed_at else None,
        can_respond=OVERSIGHT in stands and status is EscalationStatus.OPEN,
        can_close=LOCALITY_CHAIR in stands and status is EscalationStatus.RESPONDED,
    )
