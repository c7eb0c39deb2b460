"""What an outbox message is drawn from at the moment it is sent (``dialogs.notices``).

Outbox rows hold ids only; these read the state those ids name now, so an action closed
or handed over since the message was queued drops out. Every notice goes out unasked, so
what is read for one carries ids, names and dates: never a description, subject or
minute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import (
    ActionStatus,
    ChallengeStatus,
    EscalationKind,
    EscalationStatus,
    MeetingStatus,
    MinutesStatus,
    Role,
    SubjectKind,
)
from bot.domain.register import (
    RiskLevel,
    StaleSubject,
    SubjectStatus,
    at_least,
    stale_after_weeks,
    stale_since,
)
from bot.domain.register_moves import MoveMode, MoveOfferView
from bot.domain.views import LocalityView
from bot.services.readmodels.lookups import locality_names
from bot.services.register_access import persons_in, visible_in
from bot.store import tables as t


@dataclass(frozen=True, slots=True)
class NoticeAction:
    """An action as a notice shows it: whose, where, when due; not what it is."""

    id: int
    locality_id: int
    agency_id: int
    owner_member_id: int
    due_date: date
    requested_due_date: date | None
    escalated: bool


@dataclass(frozen=True, slots=True)
class BriefFacts:
    """What a pre-meeting brief counts for one group."""

    #: Open actions, soonest due first.
    open_actions: tuple[NoticeAction, ...]
    open_challenges: int
    #: When the latest ended meeting whose minutes are still a draft started.
    draft_minutes_started_at: datetime | None
    #: That meeting's id, for the brief's button that opens its minutes (issue 16).
    draft_minutes_meeting_id: int | None = None


def _notice_action(action: t.Action) -> NoticeAction:
    return NoticeAction(
        id=action.id,
        locality_id=action.locality_id,
        agency_id=action.agency_id,
        owner_member_id=action.owner_member_id,
        due_date=action.due_date,
        requested_due_date=action.requested_due_date,
        escalated=action.escalated_at is not None,
    )


async def open_actions(session: AsyncSession, ids: Sequence[object]) -> dict[int, NoticeAction]:
    """Those of ``ids`` (as a payload holds them) that name an action still open. The
    columns a notice shows, not the mapped rows: the outbox draws a card per message,
    and loading each action whole decrypted its description for nothing."""
    wanted = [i for i in ids if isinstance(i, int)]
    if not wanted:
        return {}
    rows = await session.execute(
        select(
            t.Action.id,
            t.Action.locality_id,
            t.Action.agency_id,
            t.Action.owner_member_id,
            t.Action.due_date,
            t.Action.requested_due_date,
            t.Action.escalated_at,
        ).where(t.Action.id.in_(wanted), t.Action.status == ActionStatus.OPEN)
    )
    return {
        row.id: NoticeAction(
            id=row.id,
            locality_id=row.locality_id,
            agency_id=row.agency_id,
            owner_member_id=row.owner_member_id,
            due_date=row.due_date,
            requested_due_date=row.requested_due_date,
            escalated=row.escalated_at is not None,
        )
        for row in rows
    }


async def action_by_id(session: AsyncSession, action_id: object) -> NoticeAction | None:
    """The action a payload names, open or not."""
    row = await session.get(t.Action, action_id)
    return _notice_action(row) if row is not None else None


async def place_names(session: AsyncSession) -> tuple[dict[int, str], dict[int, str]]:
    """Every locality group's and every agency's name, by id."""
    localities = await locality_names(session)
    agencies = {r.id: r.name for r in await session.execute(select(t.Agency.id, t.Agency.name))}
    return localities, agencies


async def member_name(session: AsyncSession, member_id: int) -> str:
    """The name of a member who must be on record (an action's owner)."""
    return (await session.get_one(t.Member, member_id)).name


async def member_and_agency(session: AsyncSession, member_id: object) -> tuple[str, int] | None:
    """The name and agency id of the member a payload names, if still on record."""
    member = await session.get(t.Member, member_id)
    return (member.name, member.agency_id) if member is not None else None


async def people_with_agencies(
    session: AsyncSession, member_ids: Iterable[int]
) -> dict[int, tuple[str, str]]:
    """Name and agency name of each of ``member_ids`` still on record."""
    return {
        r.id: (r.name, r.agency)
        for r in await session.execute(
            select(t.Member.id, t.Member.name, t.Agency.name.label("agency"))
            .join(t.Agency, t.Agency.id == t.Member.agency_id)
            .where(t.Member.id.in_(set(member_ids)))
        )
    }


async def locality_by_id(session: AsyncSession, locality_id: object) -> LocalityView | None:
    """The locality group a payload names, if it still exists."""
    row = await session.get(t.Locality, locality_id)
    return LocalityView(row.id, row.name) if row is not None else None


async def brief_facts(session: AsyncSession, locality_id: int) -> BriefFacts:
    actions = (
        await session.scalars(
            select(t.Action)
            .where(t.Action.locality_id == locality_id, t.Action.status == ActionStatus.OPEN)
            .order_by(t.Action.due_date, t.Action.id)
        )
    ).all()
    challenges = await session.scalar(
        select(func.count())
        .select_from(t.Challenge)
        .where(t.Challenge.locality_id == locality_id, t.Challenge.status == ChallengeStatus.OPEN)
    )
    draft = (
        await session.execute(
            select(t.Meeting.started_at, t.Meeting.id)
            .where(
                t.Meeting.locality_id == locality_id,
                t.Meeting.status == MeetingStatus.ENDED,
                t.Meeting.minutes_status == MinutesStatus.DRAFT,
            )
            .order_by(t.Meeting.started_at.desc())
            .limit(1)
        )
    ).first()
    return BriefFacts(
        open_actions=tuple(_notice_action(a) for a in actions),
        open_challenges=int(challenges or 0),
        draft_minutes_started_at=draft[0] if draft else None,
        draft_minutes_meeting_id=draft[1] if draft else None,
    )


#: How many stale subjects a brief lists before "and N more".
STALE_LISTED = 10

#: The levels the brief's "not discussed while high risk" covers (high and very high).
HIGH_RISK = tuple(level.value for level in RiskLevel if at_least(level, RiskLevel.HIGH))


@dataclass(frozen=True, slots=True)
class StaleRegister:
    """The group's subjects at high risk not discussed for its ``stale_after_weeks``."""

    weeks: int
    #: Very high first, then the longest undiscussed (never discussed first); capped.
    subjects: tuple[StaleSubject, ...]
    #: How many there are in all (``subjects`` lists at most STALE_LISTED).
    total: int


async def stale_high_risk(
    session: AsyncSession,
    locality_id: int,
    member_id: int,
    today: date,
    *,
    limit: int = STALE_LISTED,
) -> StaleRegister:
    """The subjects of the group (held there, or shared there and accepted) at high or
    very high risk, not closed, last discussed before ``stale_after_weeks`` ago or never
    (``not_discussed_for``, the boundary of the ``subjects`` filter),
    as ``member_id`` may see them: persons of concern only where the group's rule lets
    this member see them (bot.services.register_access). Nothing for someone no longer
    in the group."""
    locality = await session.get(t.Locality, locality_id)
    member = await session.get(t.Member, member_id)
    weeks = stale_after_weeks(locality.register_settings if locality else None)
    if locality is None or member is None:
        return StaleRegister(weeks, (), 0)
    roles = frozenset(
        Role(role)
        for role in await session.scalars(
            select(t.Membership.role).where(
                t.Membership.member_id == member_id, t.Membership.locality_id == locality_id
            )
        )
    )
    if not roles:
        return StaleRegister(weeks, (), 0)
    where = (
        visible_in({locality_id}, await persons_in(session, member, {locality_id: roles})),
        t.Subject.status != SubjectStatus.CLOSED.value,
        t.Subject.risk_level.in_(HIGH_RISK),
        (t.Subject.last_discussed_on.is_(None))
        | (t.Subject.last_discussed_on < stale_since(today, weeks)),
    )
    total = await session.scalar(select(func.count()).select_from(t.Subject).where(*where))
    rows = await session.execute(
        select(t.Subject.kind, t.Subject.risk_level, t.Subject.last_discussed_on)
        .where(*where)
        .order_by(
            (t.Subject.risk_level == RiskLevel.VERY_HIGH.value).desc(),
            t.Subject.last_discussed_on.is_(None).desc(),
            t.Subject.last_discussed_on,
            t.Subject.id,
        )
        .limit(limit)
    )
    return StaleRegister(
        weeks,
        tuple(
            StaleSubject(
                SubjectKind(kind),
                RiskLevel(risk or RiskLevel.HIGH),
                last,
                (today - last).days // 7 if last is not None else None,
            )
            for kind, risk, last in rows
        ),
        int(total or 0),
    )


# -- a register subject offered to another group (bot.services.register_moves) ---------------


async def offer_view(
    session: AsyncSession, share: t.SubjectShare, *, receiving: bool
) -> MoveOfferView:
    """An offer as a card shows it: ids, kind, groups and names; no reference, no reason."""
    subject = await session.get_one(t.Subject, share.subject_id)
    names = {
        row.id: row.name
        for row in await session.execute(
            select(t.Locality.id, t.Locality.name).where(
                t.Locality.id.in_([share.from_locality_id, share.to_locality_id])
            )
        )
    }
    wanted = [share.asked_by_member_id, share.decided_by_member_id]
    people = {
        row.id: row.name
        for row in await session.execute(
            select(t.Member.id, t.Member.name).where(t.Member.id.in_([w for w in wanted if w]))
        )
    }
    return MoveOfferView(
        share_id=share.id,
        mode=MoveMode(share.mode),
        kind=SubjectKind(subject.kind),
        from_locality=names.get(share.from_locality_id, ""),
        to_locality=names.get(share.to_locality_id, ""),
        asked_by=people.get(share.asked_by_member_id, ""),
        asked_at=share.asked_at,
        status=share.status,
        decided_by=(people.get(share.decided_by_member_id) if share.decided_by_member_id else None),
        receiving=receiving,
    )


async def offer_by_id(
    session: AsyncSession, share_id: object, *, receiving: bool
) -> MoveOfferView | None:
    """The offer a ``move_asked`` or ``move_decided`` payload names, if still on record."""
    if not isinstance(share_id, int) or isinstance(share_id, bool):
        return None
    share = await session.get(t.SubjectShare, share_id)
    return await offer_view(session, share, receiving=receiving) if share is not None else None


@dataclass(frozen=True, slots=True)
class EscalationNotice:
    """An escalation as its notices name it: reference, groups and kind of record only."""

    id: int
    locality: str
    group: str
    kind: EscalationKind
    status: EscalationStatus


async def escalation_notice(
    session: AsyncSession, escalation_id: object
) -> EscalationNotice | None:
    """The escalation a payload names, if it still exists (issue 16)."""
    if not isinstance(escalation_id, int) or isinstance(escalation_id, bool):
        return None
    row = (
        await session.execute(
            select(
                t.Escalation.id,
                t.Escalation.kind,
                t.Escalation.status,
                t.Locality.name.label("locality"),
                t.OversightGroup.name.label("group"),
            )
            .join(t.Locality, t.Locality.id == t.Escalation.locality_id)
            .join(t.OversightGroup, t.OversightGroup.id == t.Escalation.group_id)
            .where(t.Escalation.id == escalation_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return EscalationNotice(
        row.id, row.locality, row.group, EscalationKind(row.kind), EscalationStatus(row.status)
    )
