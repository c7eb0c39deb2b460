"""The operator's way in (``mace-bot members ...`` on the bot's own host): import a CSV,
add, remove and list.

Whoever can run the command can already read the database, so these check no caller: that
is the documented boundary (bot.services.members). The file's rules are pure
(bot.domain.member_import); this module loads what they check against and writes.
"""

from __future__ import annotations

import builtins

from sqlalchemy import select

from bot.domain.member_import import (
    ImportPerson,
    ImportReport,
    check_codes,
    in_order,
    match_people,
    read_import,
)
from bot.domain.members import MemberLine
from bot.domain.model import Role
from bot.domain.permissions import opens_content
from bot.domain.rules import clean_text
from bot.services.member_changes import Granted, MembershipChanges, Removed, tell_oversight
from bot.services.member_lookups import locality_by_code, oversight
from bot.services.readmodels.members import member_lines
from bot.store import audit
from bot.store import tables as t


class MemberOperator(MembershipChanges):
    """The operator's methods: no caller check, see the module docstring."""

    async def import_csv(self, text: str) -> ImportReport:
        """Checks every row, then (only if all are good) upserts members and adds missing
        roles in one transaction. Importing the same file again changes nothing."""
        file = read_import(text)
        rows, people, problems = file.rows, file.people, file.problems
        async with self.store.transaction() as session:
            audit.act_as(session, self.operator)
            agencies = {a.code.lower(): a for a in await session.scalars(select(t.Agency))}
            localities = {
                loc.code.lower(): loc for loc in await session.scalars(select(t.Locality))
            }
            check_codes(rows, agencies, localities, problems)
            existing = await session.scalars(select(t.Member))
            matches = match_people(people, existing, problems)
            if problems:
                # Nothing has been added to the session: leaving writes nothing.
                return ImportReport(problems=in_order(problems))

            added = updated = roles_added = inactive = without_aad = 0
            held = {
                (m.member_id, m.locality_id, m.role)
                for m in await session.scalars(select(t.Membership))
            }
            overseers = await oversight(session, [loc.id for loc in localities.values()])
            new_roles: dict[int, builtins.list[t.Membership]] = {}
            for key, person in people.items():
                member = matches[key]
                agency = agencies[person.agency]
                if member is None:
                    member = t.Member(
                        name=person.name,
                        email=person.email,
                        aad_object_id=person.aad or None,
                        agency_id=agency.id,
                        is_admin=bool(person.admin),
                        active=True,
                    )
                    session.add(member)
                    await session.flush()
                    added += 1
                elif not member.active:
                    inactive += 1
                    continue
                elif _update(member, person, agency.id):
                    updated += 1
                if not member.aad_object_id:
                    without_aad += 1
                for _line, locality_code, role in person.roles:
                    wanted = (member.id, localities[locality_code].id, role.value)
                    if wanted not in held:
                        membership = t.Membership(
                            member_id=wanted[0], locality_id=wanted[1], role=wanted[2]
                        )
                        session.add(membership)
                        new_roles.setdefault(wanted[1], []).append(membership)
                        held.add(wanted)
                        roles_added += 1
            await session.flush()
            for locality_id, memberships in new_roles.items():
                await tell_oversight(
                    session,
                    locality_id,
                    [
                        (m.id, m.member_id, Role(m.role))
                        for m in memberships
                        if opens_content(Role(m.role))
                    ],
                    overseers.get(locality_id, set()),
                    None,
                    self.clock.now(),
                )
            return ImportReport(added, updated, roles_added, inactive, without_aad)

    async def add(
        self,
        email_or_aad: str,
        locality_code: str,
        role: str,
        *,
        name: str | None = None,
        agency: str | None = None,
        aad_object_id: str | None = None,
    ) -> Granted:
        """Grants a role; creates the member when ``name`` and ``agency`` are given and no
        member matches. Granting a role to a deactivated member makes them active again."""
        name, aad_object_id = await self._from_directory(email_or_aad, name, aad_object_id)
        async with self.store.transaction() as session:
            audit.act_as(session, self.operator)
            return await self._grant(
                session, email_or_aad, locality_code, role, name, agency, aad_object_id, None
            )

    async def remove(
        self, email_or_aad: str, locality_code: str | None = None, role: str | None = None
    ) -> Removed:
        """One role (locality and role), every role in a locality (locality only), or,
        with no locality, deactivates the member and removes all their roles."""
        async with self.store.transaction() as session:
            audit.act_as(session, self.operator)
            return await self._remove(session, email_or_aad, locality_code, role)

    # ``list`` last: inside the class body the name would shadow the built-in.
    async def list(self, locality_code: str) -> builtins.list[MemberLine]:
        """The active members of one locality group, by name, with their roles there."""
        async with self.store.reading() as session:
            locality = await locality_by_code(session, clean_text(locality_code))
            return await member_lines(session, locality.id)


def _update(member: t.Member, person: ImportPerson, agency_id: int) -> bool:
    """Brings a stored member in line with the file; True if anything changed."""
    wanted: dict[str, object] = {
        "name": person.name,
        "email": person.email,
        "agency_id": agency_id,
    }
    if person.aad and not member.aad_object_id:
        wanted["aad_object_id"] = person.aad
    if person.admin is not None:
        wanted["is_admin"] = person.admin
    changed = False
    for attribute, value in wanted.items():
        if getattr(member, attribute) != value:
            setattr(member, attribute, value)
            changed = True
    return changed
