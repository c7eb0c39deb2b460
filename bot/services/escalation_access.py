"""Who may see and act on an escalation (issue 16, point 3), decided here only.

An escalation is seen by two kinds of people who otherwise share nothing: the members of
the oversight group it went to (who see it and nothing else of the locality), and the
locality's chairs, deputy chairs and coordinators. Every read and write of one starts
with ``reach_escalation``, which says how the person stands to it; anyone else is told
it does not exist. Kept apart from the raising, answering and reading so that rule has
one home that each of them calls.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import NotFound
from bot.domain.escalations import NO_SUCH_ESCALATION
from bot.domain.model import Role
from bot.services.context import ActorRef
from bot.services.register_access import member_groups
from bot.store import audit
from bot.store import tables as t

#: Who in the locality sees its escalations in a personal chat (``escalations``).
LOCALITY_VIEWERS = (Role.CHAIR, Role.DEPUTY_CHAIR, Role.COORDINATOR)

#: How a person stands to an escalation (``reach_escalation``): a member of the group it
#: went to, a chair or deputy chair of its locality, or a coordinator there.
OVERSIGHT = "oversight"
LOCALITY_CHAIR = "locality_chair"
LOCALITY_VIEWER = "locality_viewer"
ONLY_OVERSIGHT = frozenset({OVERSIGHT})


async def reach_escalation(
    session: AsyncSession, actor: ActorRef, escalation_id: object
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


async def oversight_members(session: AsyncSession, group_id: int) -> list[int]:
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


async def oversight_groups_of(session: AsyncSession, member_id: int) -> list[t.OversightGroup]:
    """The oversight groups a member belongs to, Operational before Strategic."""
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
