"""The people of a locality group, as a form offers them to choose from."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import Role
from bot.domain.views import MemberView
from bot.services.readmodels.lookups import Lookups
from bot.store import tables as t


async def group_members(
    session: AsyncSession, locality_id: int, lookups: Lookups
) -> tuple[MemberView, ...]:
    """Everyone in the group, for choosing an action's owner. Columns, not entities: a
    group can have hundreds of members."""
    rows = await session.execute(
        select(t.Member.id, t.Member.name, t.Member.agency_id, t.Membership.role)
        .join(t.Membership, t.Membership.member_id == t.Member.id)
        .where(t.Membership.locality_id == locality_id, t.Member.active.is_(True))
        .order_by(t.Member.name, t.Member.id)
    )
    roles: dict[int, list[Role]] = {}
    members: dict[int, tuple[str, int]] = {}
    for member_id, name, agency_id, role in rows:
        members[member_id] = (name, agency_id)
        roles.setdefault(member_id, []).append(Role(role))
    return tuple(
        MemberView(
            member_id, name, agency_id, lookups.agency_name(agency_id), tuple(roles[member_id])
        )
        for member_id, (name, agency_id) in members.items()
    )
