"""Who may see and change which actions, as rules the database can apply.

Shared by the action commands (``bot.services.actions``), which check one action against
them, and the lists read for people (``bot.services.readmodels.actions``), which select by
them: one statement of the rule, so a list never shows what a change would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, not_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import NotPermitted
from bot.domain.model import Role
from bot.domain.permissions import ROLE_PERMISSIONS, Permission
from bot.services.context import NOT_A_MEMBER, ActorRef, find_member_and_groups
from bot.store import tables as t


@dataclass(frozen=True, slots=True)
class Reach:
    """What one member may see and change: by locality, by agency, or their own."""

    member: t.Member
    all_in: frozenset[int]  # localities where they manage every action
    agency_in: frozenset[int]  # localities where they manage their agency's actions
    deciding_in: frozenset[int]  # localities where they decide due-date requests
    member_of: frozenset[int]

    def ways(self) -> list[ColumnElement[bool]]:
        """What the member may see, as conditions on ``actions`` no two of which hold for
        the same action: every action of the groups they manage, their agency's in the
        groups where they lead it (and manage no more), and their own anywhere else.
        Together (OR) they allow what ``may_change`` allows; apart, a list finds each
        one's actions through the index on the groups it names and adds them up with no
        duplicates to remove (``readmodels.actions.outstanding_rows``)."""
        a = t.Action
        ways: list[ColumnElement[bool]] = []
        if self.all_in:
            ways.append(a.locality_id.in_(self.all_in))
        if self.agency_in - self.all_in:
            ways.append(
                and_(
                    a.locality_id.in_(self.agency_in - self.all_in),
                    a.agency_id == self.member.agency_id,
                )
            )
        ways.append(and_(a.owner_member_id == self.member.id, *(not_(way) for way in ways)))
        return ways

    def may_change(self, action: t.Action) -> bool:
        return (
            action.owner_member_id == self.member.id
            or action.locality_id in self.all_in
            or (action.locality_id in self.agency_in and action.agency_id == self.member.agency_id)
        )


async def reach_of(session: AsyncSession, actor: ActorRef) -> Reach:
    member, rows = await find_member_and_groups(session, actor)
    if member is None:
        raise NotPermitted(NOT_A_MEMBER)

    def where(permission: Permission) -> frozenset[int]:
        return frozenset(
            locality for locality, role in rows if permission in ROLE_PERMISSIONS[Role(role)]
        )

    return Reach(
        member=member,
        all_in=where(Permission.MANAGE_ACTIONS),
        agency_in=where(Permission.MANAGE_AGENCY_ACTIONS),
        deciding_in=where(Permission.DECIDE_DUE_DATES),
        member_of=frozenset(locality for locality, _ in rows),
    )
