"""Escalation beyond the locality (issue 16, point 3): raising one, the Operational or
Strategic group's response, the locality's closing, and who may see each.

Who may see an escalation, decided here only (``_reach``): members of the oversight group
it went to (they see it and nothing else of the locality), and the locality's chairs,
deputy chairs and coordinators. Anyone else is told it does not exist. Every view is
audited (``audit.note``); every write goes through the ORM in one transaction, so it is
audited like every other record, and queues its notices in that same transaction: the
group's members when raised, the locality's chairs and deputies when answered. A notice
carries the escalation's id only (``dialogs.notices`` draws the reference when sent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock, SystemClock, london_today
from bot.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from bot.domain.escalations import (
    ALREADY_CLOSED,
    ALREADY_ESCALATED,
    ALREADY_RESPONDED,
    CHOOSE_GROUP,
    FIELD_CLOSE_NOTE,
    FIELD_DECISION,
    FIELD_RESPONSE,
    FIELD_TIER,
    FIELD_WHAT,
    FIELD_WHY,
    MAX_ESCALATION_CHARS,
    NO_SUCH_ESCALATION,
    NOT_RESPONDED_YET,
    NOT_SET_UP,
    PERSON_OF_CONCERN,
    TIER_LABELS,
    EscalationFormView,
    EscalationListView,
    EscalationView,
    escalation_reference,
)
from bot.domain.model import (
    ActionStatus,
    EscalationKind,
    EscalationStatus,
    MeetingStatus,
    OversightTier,
    Role,
    SubjectKind,
)
from bot.domain.notices import Notice, NoticeKind
from bot.domain.permissions import Permission
from bot.domain.rules import check_identifying_details, clean_text, require_text, subject_display
from bot.services.context import ActorRef, Caller
from bot.services.outbox import enqueue
from bot.services.outbox.queue import IfQueued
from bot.services.readmodels.escalations import london_day
from bot.services.readmodels.lookups import member_names
from bot.services.readmodels.members import people_in
from bot.services.register_access import member_groups, reach_subject
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

#: Who in the locality sees its escalations in a personal chat (``escalations``).
LOCALITY_VIEWERS = (Role.CHAIR, Role.DEPUTY_CHAIR, Role.COORDINATOR)
#: Who in the locality is told when a response is recorded.
TOLD_OF_RESPONSE = (Role.CHAIR, Role.DEPUTY_CHAIR)
#: Who may escalate a challenge from the challenge form (anyone may respond to one).
#: Who ``escalations`` is for, told to anyone else who is a member.
LIST_IS_FOR = (
    "Escalations are listed for locality chairs, deputy chairs and coordinators, and for "
    "members of the MACE Operational and Strategic groups."
)
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


class EscalationService:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()

    # -- raising ----------------------------------------------------------------------------

    async def form(self, actor: ActorRef, kind: object, record_id: object) -> EscalationFormView:
        """The escalate form for an action or subject the actor's group holds and they
        chair (a challenge is escalated from the challenge form itself)."""
        async with self.store.reading() as session:
            raised, _ = await self._raising(session, actor, kind, record_id)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                _record_table(raised),
                _record_id(raised),
                locality_id=raised.locality_id,
                detail="escalate form",
            )
            return await _form_view(session, raised)

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
            raised, member = await self._raising(session, actor, kind, record_id)
            errors: dict[str, str] = {}
            group = await _chosen_group(session, data.get(FIELD_TIER), FIELD_TIER, errors)
            what = _text(data, FIELD_WHAT, "What is escalated", errors, self.clock)
            why = _text(data, FIELD_WHY, "Why it is escalated", errors, self.clock)
            if group is not None:
                await _not_already(session, raised, group, FIELD_TIER, errors)
            if errors:
                raise InvalidInput(errors)
            assert group is not None
            escalation = await _raise(session, raised, group, what, why, member.id, None, now)
            return await _view(session, escalation, frozenset({LOCALITY_CHAIR}), now)

    async def _raising(
        self, session: AsyncSession, actor: ActorRef, kind: object, record_id: object
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
            reach = await reach_subject(session, actor, record_id, permission=Permission.ESCALATE)
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
        if action is None or action.locality_id not in groups:
            raise NotFound()
        caller = Caller(member, action.locality_id, groups[action.locality_id])
        audit.act_as(session.sync_session, f"member:{member.id}", action.locality_id)
        caller.require(Permission.ESCALATE)
        if action.status != ActionStatus.OPEN:
            raise Conflict("Only an open action can be escalated.")
        return Raised(escalation_kind, action.locality_id, action_id=action.id), member

    # -- the oversight group ------------------------------------------------------------------

    async def view(self, actor: ActorRef, escalation_id: object) -> EscalationView:
        async with self.store.reading() as session:
            escalation, _, stands = await self._reach(session, actor, escalation_id)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "escalations",
                escalation.id,
                locality_id=escalation.locality_id,
            )
            return await _view(session, escalation, stands, self.clock.now())

    async def respond(
        self,
        actor: ActorRef,
        activity_id: str | None,
        escalation_id: object,
        data: Mapping[str, object],
    ) -> EscalationView:
        """The group's response and decision, by its chair or one of its members; the
        locality's chairs and deputies are told (by reference only)."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=activity_id, now=now) as session:
            escalation, member, stands = await self._reach(session, actor, escalation_id)
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
            response = _text(data, FIELD_RESPONSE, "The response", errors, self.clock)
            decision = _text(data, FIELD_DECISION, "The decision", errors, self.clock)
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
            return await _view(session, escalation, stands, self.clock.now())

    # -- the locality closes it ---------------------------------------------------------------

    async def close(
        self,
        actor: ActorRef,
        activity_id: str | None,
        escalation_id: object,
        data: Mapping[str, object],
    ) -> EscalationView:
        """Closed by a chair or deputy chair of the locality, with a note, once the group
        has responded: it then leaves item 8."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=activity_id, now=now) as session:
            escalation, member, stands = await self._reach(session, actor, escalation_id)
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
            note = _text(data, FIELD_CLOSE_NOTE, "The note", errors, self.clock)
            if errors:
                raise InvalidInput(errors)
            escalation.close_note = note
            escalation.closed_by_member_id = member.id
            escalation.closed_at = now
            escalation.status = EscalationStatus.CLOSED
            await session.flush()
            return await _view(session, escalation, stands, self.clock.now())

    # -- lists --------------------------------------------------------------------------------

    async def open_ones(self, actor: ActorRef) -> EscalationListView:
        """``escalations``: the open and responded escalations of each locality the person
        chairs, deputises or coordinates, and those sent to each oversight group they are
        a member of; nothing else."""
        async with self.store.reading() as session:
            member, groups = await member_groups(session, actor)
            if member is None:
                raise NotPermitted(attempted="list escalations")
            localities = sorted(
                lid for lid, roles in groups.items() if roles & set(LOCALITY_VIEWERS)
            )
            oversight = await _oversight_groups_of(session, member.id)
            if not localities and not oversight:
                raise NotPermitted(LIST_IS_FOR, attempted="list escalations")
            now = self.clock.now()
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
                views = [await _view(session, row, ONLY_OVERSIGHT, now) for row in rows]
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
                views = [await _view(session, row, stands, now) for row in rows]
                sections.append((f"Escalated by {locality.name}", tuple(views)))
            audit.note(session, audit.AuditAction.VIEW, "escalations", detail="open escalations")
            return EscalationListView(tuple(sections))

    # -- who may ------------------------------------------------------------------------------

    async def _reach(
        self, session: AsyncSession, actor: ActorRef, escalation_id: object
    ) -> tuple[t.Escalation, t.Member, frozenset[str]]:
        """The escalation and how the person stands to it: a member of its oversight group
        (``OVERSIGHT``), a chair or deputy of its locality (``LOCALITY_CHAIR``), or its
        coordinator (``LOCALITY_VIEWER``). Anyone else: not found."""
        escalation = (
            await session.get(t.Escalation, escalation_id)
            if isinstance(escalation_id, int) and not isinstance(escalation_id, bool)
            else None
        )
        member, groups = await member_groups(session, actor)
        if escalation is None or member is None:
            raise NotFound(NO_SUCH_ESCALATION)
        standing: set[str] = set()
        in_group = await session.scalar(
            select(t.OversightMembership.id).where(
                t.OversightMembership.member_id == member.id,
                t.OversightMembership.group_id == escalation.group_id,
            )
        )
        if in_group is not None:
            standing.add(OVERSIGHT)
        roles = groups.get(escalation.locality_id, frozenset())
        if roles & {Role.CHAIR, Role.DEPUTY_CHAIR}:
            standing.add(LOCALITY_CHAIR)
        elif Role.COORDINATOR in roles:
            standing.add(LOCALITY_VIEWER)
        if not standing:
            raise NotFound(NO_SUCH_ESCALATION)
        audit.act_as(session.sync_session, f"member:{member.id}", escalation.locality_id)
        return escalation, member, frozenset(standing)


#: How a person stands to an escalation (``_reach``): a member of the group it went to,
#: a chair or deputy chair of its locality, or a coordinator there.
OVERSIGHT = "oversight"
LOCALITY_CHAIR = "locality_chair"
LOCALITY_VIEWER = "locality_viewer"
ONLY_OVERSIGHT = frozenset({OVERSIGHT})


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
    group = await _chosen_group(session, tier, tier_field, errors)
    why = _text(data, why_field, "Why it is escalated", errors, clock)
    if group is not None:
        raised = Raised(EscalationKind.CHALLENGE, challenge.locality_id, challenge_id=challenge.id)
        await _not_already(session, raised, group, tier_field, errors)
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
    return await _raise(session, raised, group, challenge.text, why, member_id, in_progress, now)


async def _raise(
    session: AsyncSession,
    raised: Raised,
    group: t.OversightGroup,
    what: str,
    why: str,
    member_id: int,
    meeting_id: int | None,
    now: datetime,
) -> t.Escalation:
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
    members = await _oversight_members(session, group.id)
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


async def _chosen_group(
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


async def _not_already(
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
    record = _record_id(raised)
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


def _text(
    data: Mapping[str, object], field: str, label: str, errors: dict[str, str], clock: Clock
) -> str:
    text = clean_text(data.get(field))
    require_text(errors, field, text, label, MAX_ESCALATION_CHARS)
    check_identifying_details(errors, field, text, london_today(clock), data)
    return text


def _record_id(raised: Raised) -> int:
    record = raised.action_id or raised.challenge_id or raised.subject_id
    assert record is not None
    return record


def _record_table(raised: Raised) -> str:
    return {
        EscalationKind.ACTION: "actions",
        EscalationKind.CHALLENGE: "challenges",
        EscalationKind.SUBJECT: "subjects",
    }[raised.kind]


# -- reading --------------------------------------------------------------------------------------


async def _oversight_members(session: AsyncSession, group_id: int) -> list[int]:
    """The active members of an oversight group, chair and members, each once."""
    return sorted(
        set(
            await session.scalars(
                select(t.OversightMembership.member_id)
                .join(t.Member, t.Member.id == t.OversightMembership.member_id)
                .where(t.OversightMembership.group_id == group_id, t.Member.active.is_(True))
            )
        )
    )


async def _oversight_groups_of(session: AsyncSession, member_id: int) -> list[t.OversightGroup]:
    return list(
        (
            await session.scalars(
                select(t.OversightGroup)
                .join(t.OversightMembership, t.OversightMembership.group_id == t.OversightGroup.id)
                .where(t.OversightMembership.member_id == member_id)
                .order_by(t.OversightGroup.tier, t.OversightGroup.name)
            )
        )
        .unique()
        .all()
    )


async def _form_view(session: AsyncSession, raised: Raised) -> EscalationFormView:
    locality = await session.get_one(t.Locality, raised.locality_id)
    groups = await session.execute(
        select(t.OversightGroup.tier, t.OversightGroup.name).order_by(t.OversightGroup.tier)
    )
    seen: dict[OversightTier, str] = {}
    for tier, name in groups:
        seen.setdefault(OversightTier(tier), name)
    return EscalationFormView(
        kind=raised.kind,
        record_id=_record_id(raised),
        record_reference=await _record_reference(
            session, raised.kind, raised.action_id, raised.challenge_id, raised.subject_id
        ),
        locality=locality.name,
        groups=tuple(sorted(seen.items(), key=lambda g: list(OversightTier).index(g[0]))),
    )


async def _record_reference(
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


async def _view(
    session: AsyncSession,
    escalation: t.Escalation,
    stands: frozenset[str],
    now: datetime,
) -> EscalationView:
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
    reference = await _record_reference(
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
