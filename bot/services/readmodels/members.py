"""The people of a locality group: as a form offers them to choose from, as the members
card shows them to an administrator, as the operator lists them, and who holds which
roles there (the people a notice about the group goes to)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.members import (
    CodeChoice,
    MemberLine,
    MemberRoles,
    MembersView,
    RoleHeld,
    role_sort_key,
)
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


async def members_view(session: AsyncSession, locality: t.Locality) -> MembersView:
    """One locality group's active members and their roles, for the members card, with the
    groups and agencies its add form offers."""
    rows = await session.execute(
        select(
            t.Membership.id,
            t.Membership.role,
            t.Member.id,
            t.Member.name,
            t.Member.email,
            t.Agency.name,
        )
        .join(t.Member, t.Member.id == t.Membership.member_id)
        .join(t.Agency, t.Agency.id == t.Member.agency_id)
        .where(t.Membership.locality_id == locality.id, t.Member.active.is_(True))
    )
    people: dict[int, tuple[str, str, str, list[RoleHeld]]] = {}
    for membership_id, role, member_id, name, email, agency_name in rows:
        entry = people.setdefault(member_id, (name, agency_name, email or "", []))
        entry[3].append(RoleHeld(membership_id, Role(role)))
    members = tuple(
        MemberRoles(
            member_id,
            name,
            agency_name,
            email,
            tuple(sorted(held, key=lambda h: role_sort_key(h.role))),
        )
        for member_id, (name, agency_name, email, held) in sorted(
            people.items(), key=lambda item: (item[1][0].lower(), item[0])
        )
    )
    localities = tuple(
        CodeChoice(loc.code, loc.name)
        for loc in await session.scalars(select(t.Locality).order_by(t.Locality.name))
    )
    agencies = tuple(
        CodeChoice(a.code, a.name)
        for a in await session.scalars(
            select(t.Agency).order_by(t.Agency.sort_order, t.Agency.name)
        )
    )
    return MembersView(CodeChoice(locality.code, locality.name), members, localities, agencies)


async def member_lines(session: AsyncSession, locality_id: int) -> list[MemberLine]:
    """The active members of one locality group, by name, with their roles there."""
    rows = await session.execute(
        select(t.Member.id, t.Member.name, t.Agency.code, t.Membership.role)
        .join(t.Membership, t.Membership.member_id == t.Member.id)
        .join(t.Agency, t.Agency.id == t.Member.agency_id)
        .where(t.Membership.locality_id == locality_id, t.Member.active.is_(True))
    )
    found: dict[int, tuple[str, str, list[Role]]] = {}
    for member_id, name, agency_code, role in rows:
        found.setdefault(member_id, (name, agency_code, []))[2].append(Role(role))
    return [
        MemberLine(name, agency_code, tuple(sorted(roles, key=role_sort_key)))
        for name, agency_code, roles in sorted(found.values(), key=lambda f: f[0].lower())
    ]


async def people_in(session: AsyncSession, locality_id: int, roles: Sequence[Role]) -> list[int]:
    """The ids of the group's members holding any of ``roles``, each once, in id order:
    a group's chairs, deputy chairs or coordinators, to queue a notice to each."""
    return sorted(
        set(
            await session.scalars(
                select(t.Membership.member_id).where(
                    t.Membership.locality_id == locality_id,
                    t.Membership.role.in_([r.value for r in roles]),
                )
            )
        )
    )
