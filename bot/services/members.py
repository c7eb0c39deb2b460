"""Members and roles, managed by an administrator: a CSV import, add, remove and list.

Two ways in, with one trust boundary between them:

- **The operator** (``mace-bot members ...`` on the bot's own host) calls ``import_csv``,
  ``add``, ``remove`` and ``list``. Whoever can run the command can already read the
  database, so these check no caller: that is the documented boundary.
- **Chat** calls ``panel``, ``grant`` and ``revoke``, which take the caller and refuse
  (``NotPermitted``, saying nothing about what exists) anyone who is not an active member
  with ``is_admin`` set. Deny by default: the dialogs never call the operator methods.

Member rows are never deleted, because actions and their history point at them: removing
a member from every group deactivates them instead. Messages are safe to show: they name
fields, rules, codes and members' names, never what was typed into an email field.

Where each part lives: this module holds chat's methods (``MemberAdmin``, which extends
the operator's so one object serves both, as the command line and the app build it); the
operator's methods are in bot.services.member_operator, the grant and removal core (and
the notice a new role queues) in bot.services.member_changes, the shared reads in
bot.services.member_lookups, what the members card and the operator's list show in
bot.services.readmodels.members, and the CSV's rules, pure, in bot.domain.member_import.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.errors import NotFound
from bot.domain.member_import import ImportReport
from bot.domain.members import MemberLine, MembersView
from bot.domain.model import Role
from bot.domain.row_problems import RowProblem
from bot.domain.rules import clean_text
from bot.services.context import ActorRef
from bot.services.member_changes import NO_SUCH_MEMBER, SELF_GRANT_REFUSED, Granted, Removed
from bot.services.member_lookups import (
    locality_by_code,
    open_action_count,
    pick_locality,
    require_admin,
)
from bot.services.member_operator import MemberOperator
from bot.services.readmodels.members import members_view
from bot.store import tables as t

#: Kept importable from here, where callers and tests have always found them.
__all__ = [
    "NO_SUCH_MEMBER",
    "SELF_GRANT_REFUSED",
    "Granted",
    "ImportReport",
    "MemberAdmin",
    "MemberLine",
    "Removed",
    "RowProblem",
]


class MemberAdmin(MemberOperator):
    """Chat's methods; the operator's come from ``MemberOperator`` (see the module
    docstring for which caller may reach which)."""

    # -- chat: the caller must be an active administrator -------------------------------

    async def panel(self, caller: ActorRef, locality_code: object = None) -> MembersView:
        """One locality group's members and roles (the caller's first group by default)."""
        async with self.store.reading() as session:
            admin = await require_admin(session, caller)
            locality = await pick_locality(session, admin, clean_text(locality_code))
            return await members_view(session, locality)

    async def grant(
        self, caller: ActorRef, activity_id: str | None, values: Mapping[str, object]
    ) -> tuple[MembersView, str]:
        """The add form: ``member``, ``locality``, ``role`` and, for someone new, ``name``,
        ``agency`` and ``aad``. Errors are keyed by those field ids."""
        name, aad = await self._from_directory(
            values.get("member"), values.get("name"), values.get("aad")
        )
        values = {**values, "name": name, "aad": aad}
        async with self.store.transaction(activity_id=activity_id, now=self.clock.now()) as s:
            admin = await require_admin(s, caller)
            granted = await self._grant(
                s,
                values.get("member"),
                values.get("locality"),
                values.get("role"),
                values.get("name"),
                values.get("agency"),
                values.get("aad"),
                admin,
            )
            locality = await locality_by_code(s, granted.locality_code)
            return await members_view(s, locality), granted.sentence()

    async def revoke(
        self, caller: ActorRef, activity_id: str | None, membership_id: int | None
    ) -> tuple[MembersView, str]:
        """Removes one membership (a role in a group), from its button on the card."""
        async with self.store.transaction(activity_id=activity_id, now=self.clock.now()) as s:
            await require_admin(s, caller)
            membership = await s.get(t.Membership, membership_id) if membership_id else None
            if membership is None:
                raise NotFound("That role was already removed. Type **members** for a fresh list.")
            member = await s.get_one(t.Member, membership.member_id)
            locality = await s.get_one(t.Locality, membership.locality_id)
            role = Role(membership.role)
            await s.delete(membership)
            await s.flush()
            removed = Removed(
                member.name,
                locality.name,
                role,
                1,
                deactivated=False,
                was_active=member.active,
                open_actions=await open_action_count(s, member.id, locality.id),
            )
            return await members_view(s, locality), removed.sentence()
