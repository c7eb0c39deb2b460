"""Raising an escalation (issue 16, point 3): an action or subject from the escalate form,
a challenge from the challenge form, and the oversight group's members told.

Raising is reached two ways, the escalate form (``EscalationService.escalate``) and the
challenge form (``bot.services.rounds``, in the transaction recording the challenge's
resolution), and both must apply the same checks (a group chosen and set up, what and
why, not already open there) and queue the same notices; so the checks and the one
``raise_escalation`` live here, apart from the service's transactions. The notice to the
group's members carries the escalation's id only (``dialogs.notices`` draws the
reference when sent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock, london_today
from bot.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from bot.domain.escalations import (
    ALREADY_ESCALATED,
    CHOOSE_GROUP,
    FIELD_TIER,
    FIELD_WHAT,
    FIELD_WHY,
    MAX_ESCALATION_CHARS,
    NOT_SET_UP,
    TIER_LABELS,
    EscalationFormView,
    escalation_reference,
)
from bot.domain.model import (
    ActionStatus,
    EscalationKind,
    EscalationStatus,
    MeetingStatus,
    OversightTier,
    Role,
)
from bot.domain.notices import Notice, NoticeKind
from bot.domain.permissions import Permission
from bot.domain.rules import check_identifying_details, clean_text, require_text
from bot.services.context import ActorRef, Caller
from bot.services.escalation_access import oversight_members
from bot.services.escalation_reads import record_reference
from bot.services.outbox import enqueue
from bot.services.outbox.queue import IfQueued
from bot.services.records import refused_unseen
from bot.services.register_access import member_groups, reach_subject
from bot.store import audit
from bot.store import tables as t

#: Who may escalate a challenge from the challenge form (anyone may respond to one).
ONLY_CHAIRS_ESCALATE = (
    "Only a chair or deputy chair can escalate a challenge: choose resolved, or ask them."
)


@dataclass(frozen=True, slots=True)
class Raised:
    """What the record being escalated is, once checked."""

    kind: EscalationKind
    locality_id: int
    action_id: int | None = None
    challenge_id: int | None = None
    subject_id: int | None = None


async def raising(
    session: AsyncSession, actor: ActorRef, kind: object, record_id: object
) -> tuple[Raised, t.Member]:
    """The action or subject, reached by a chair or deputy chair of the group that
    holds it; anyone else in no group of it is told it does not exist."""
    try:
        escalation_kind = EscalationKind(clean_text(kind))
    except ValueError:
        raise NotFound() from None
    member, groups = await member_groups(session, actor)
    if member is None:
        raise NotFound()
    if escalation_kind is EscalationKind.SUBJECT:
        reach = await reach_subject(
            session, actor, record_id, permission=Permission.ESCALATE, refusal="escalate subject"
        )
        if reach.shared:
            raise NotPermitted(
                "Only the group that holds a subject can escalate it.",
                attempted=Permission.ESCALATE.value,
            )
        return (
            Raised(escalation_kind, reach.subject.locality_id, subject_id=reach.subject.id),
            member,
        )
    if escalation_kind is not EscalationKind.ACTION:
        raise NotFound()
    action = (
        await session.get(t.Action, record_id)
        if isinstance(record_id, int) and not isinstance(record_id, bool)
        else None
    )
    if action is None:
        raise NotFound()
    if action.locality_id not in groups:
        refused_unseen(
            session, member.id, "actions", action.id, action.locality_id, "escalate action"
        )
        raise NotFound()
    caller = Caller(member, action.locality_id, groups[action.locality_id])
    audit.act_as(session.sync_session, f"member:{member.id}", action.locality_id)
    caller.require(Permission.ESCALATE)
    if action.status != ActionStatus.OPEN:
        raise Conflict("Only an open action can be escalated.")
    return Raised(escalation_kind, action.locality_id, action_id=action.id), member


async def form_view(session: AsyncSession, raised: Raised) -> EscalationFormView:
    """The escalate form for a record ``raising`` reached: the groups set up on this bot."""
    locality = await session.get_one(t.Locality, raised.locality_id)
    groups = await session.execute(
        select(t.OversightGroup.tier, t.OversightGroup.name).order_by(t.OversightGroup.tier)
    )
    seen: dict[OversightTier, str] = {}
    for tier, name in groups:
        seen.setdefault(OversightTier(tier), name)
    return EscalationFormView(
        kind=raised.kind,
        record_id=record_id_of(raised),
        record_reference=await record_reference(
            session, raised.kind, raised.action_id, raised.challenge_id, raised.subject_id
        ),
        locality=locality.name,
        groups=tuple(sorted(seen.items(), key=lambda g: list(OversightTier).index(g[0]))),
    )


async def raise_from_form(
    session: AsyncSession,
    raised: Raised,
    member_id: int,
    data: Mapping[str, object],
    clock: Clock,
    now: datetime,
) -> t.Escalation:
    """The escalate form's answer: refused beside the field for a missing group, what or
    why, and an open escalation of the same record to the same group."""
    errors: dict[str, str] = {}
    group = await chosen_group(session, data.get(FIELD_TIER), FIELD_TIER, errors)
    what = escalation_text(data, FIELD_WHAT, "What is escalated", errors, clock)
    why = escalation_text(data, FIELD_WHY, "Why it is escalated", errors, clock)
    if group is not None:
        await not_already(session, raised, group, FIELD_TIER, errors)
    if errors:
        raise InvalidInput(errors)
    assert group is not None
    return await raise_escalation(session, raised, group, what, why, member_id, None, now)


# -- raising, shared with the challenge form (bot.services.rounds) --------------------------------


async def escalate_challenge(
    session: AsyncSession,
    caller: Caller,
    challenge: t.Challenge,
    tier: object,
    why_field: str,
    tier_field: str,
    data: Mapping[str, object],
    clock: Clock,
    errors: dict[str, str],
) -> tuple[t.OversightGroup | None, str]:
    """Check the challenge form's escalation fields (the group and why), adding their
    errors to ``errors``; the group and why when they are good."""
    if not caller.can(Permission.ESCALATE):
        errors[tier_field] = ONLY_CHAIRS_ESCALATE
        return None, ""
    group = await chosen_group(session, tier, tier_field, errors)
    why = escalation_text(data, why_field, "Why it is escalated", errors, clock)
    if group is not None:
        raised = Raised(EscalationKind.CHALLENGE, challenge.locality_id, challenge_id=challenge.id)
        await not_already(session, raised, group, tier_field, errors)
    return group, why


async def raise_challenge(
    session: AsyncSession,
    challenge: t.Challenge,
    group: t.OversightGroup,
    why: str,
    member_id: int,
    now: datetime,
) -> t.Escalation:
    """The escalation of a challenge, in the transaction recording its resolution: what
    is escalated is the challenge as raised (its text), why is the chair's. It is raised
    in the locality's meeting in progress, if one is (the challenge form is used there),
    which need not be the meeting the challenge was raised in."""
    raised = Raised(EscalationKind.CHALLENGE, challenge.locality_id, challenge_id=challenge.id)
    in_progress = await session.scalar(
        select(t.Meeting.id).where(
            t.Meeting.locality_id == challenge.locality_id,
            t.Meeting.status == MeetingStatus.IN_PROGRESS.value,
        )
    )
    return await raise_escalation(
        session, raised, group, challenge.text, why, member_id, in_progress, now
    )


async def raise_escalation(
    session: AsyncSession,
    raised: Raised,
    group: t.OversightGroup,
    what: str,
    why: str,
    member_id: int,
    meeting_id: int | None,
    now: datetime,
) -> t.Escalation:
    """The escalation, and a notice to each of the group's members but the one raising
    it, queued in the same transaction."""
    escalation = t.Escalation(
        locality_id=raised.locality_id,
        group_id=group.id,
        kind=raised.kind.value,
        action_id=raised.action_id,
        challenge_id=raised.challenge_id,
        subject_id=raised.subject_id,
        meeting_id=meeting_id,
        what=what,
        why=why,
        raised_by_member_id=member_id,
        raised_at=now,
        status=EscalationStatus.OPEN.value,
    )
    session.add(escalation)
    await session.flush()
    members = await oversight_members(session, group.id)
    await enqueue(
        session,
        [
            Notice(
                NoticeKind.ESCALATED_UP,
                who,
                {"escalation_id": escalation.id},
                f"escalated-up:{escalation.id}:{who}",
            )
            for who in members
            if who != member_id
        ],
        due=now,
        if_queued=IfQueued.REFUSE,
    )
    return escalation


async def chosen_group(
    session: AsyncSession, value: object, field: str, errors: dict[str, str]
) -> t.OversightGroup | None:
    try:
        tier = OversightTier(clean_text(value))
    except ValueError:
        errors[field] = CHOOSE_GROUP
        return None
    group = await session.scalar(
        select(t.OversightGroup).where(t.OversightGroup.tier == tier.value).limit(1)
    )
    if group is None:
        errors[field] = NOT_SET_UP.format(group=TIER_LABELS[tier])
    return group


async def not_already(
    session: AsyncSession,
    raised: Raised,
    group: t.OversightGroup,
    field: str,
    errors: dict[str, str],
) -> None:
    column = {
        EscalationKind.ACTION: t.Escalation.action_id,
        EscalationKind.CHALLENGE: t.Escalation.challenge_id,
        EscalationKind.SUBJECT: t.Escalation.subject_id,
    }[raised.kind]
    record = record_id_of(raised)
    existing = await session.scalar(
        select(t.Escalation.id).where(
            column == record,
            t.Escalation.group_id == group.id,
            t.Escalation.status != EscalationStatus.CLOSED.value,
        )
    )
    if existing is not None:
        errors[field] = ALREADY_ESCALATED.format(
            group=group.name, reference=escalation_reference(existing)
        )


def escalation_text(
    data: Mapping[str, object], field: str, label: str, errors: dict[str, str], clock: Clock
) -> str:
    """A free-text field of an escalation (what, why, response, decision, close note):
    required, capped, and given the personal-data check."""
    text = clean_text(data.get(field))
    require_text(errors, field, text, label, MAX_ESCALATION_CHARS)
    check_identifying_details(errors, field, text, london_today(clock), data)
    return text


def record_id_of(raised: Raised) -> int:
    record = raised.action_id or raised.challenge_id or raised.subject_id
    assert record is not None
    return record


def record_table(raised: Raised) -> str:
    return {
        EscalationKind.ACTION: "actions",
        EscalationKind.CHALLENGE: "challenges",
        EscalationKind.SUBJECT: "subjects",
    }[raised.kind]


async def escalatable_actions(
    session: AsyncSession, member_id: int, action_ids: list[int]
) -> frozenset[int]:
    """Those of ``action_ids`` the member may escalate: open, in a group they chair or
    deputise (the outstanding list shows them an Escalate button)."""
    if not action_ids:
        return frozenset()
    chairs = [r.value for r in (Role.CHAIR, Role.DEPUTY_CHAIR)]
    return frozenset(
        await session.scalars(
            select(t.Action.id)
            .join(t.Membership, t.Membership.locality_id == t.Action.locality_id)
            .where(
                t.Action.id.in_(action_ids),
                t.Action.status == ActionStatus.OPEN,
                t.Membership.member_id == member_id,
                t.Membership.role.in_(chairs),
            )
        )
    )
