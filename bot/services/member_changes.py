"""Granting and removing a role, the core both ways in share (the operator's ``add`` and
``remove``, chat's ``grant``), the sentences that say what changed, and the notice a new
role that opens content queues, in the same transaction, to the group's chairs, deputy
chairs and coordinators (``tell_oversight``).

The caller owns the transaction and has checked who is asking (see bot.services.members
for the trust boundary). Member rows are never deleted, because actions and their history
point at them: removing a member from every group deactivates them instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock, SystemClock
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.members import (
    MAX_MEMBER_NAME_CHARS,
    ROLE_CODES,
    is_aad_object_id,
    is_email,
    parse_role,
    plural,
    quoted_code,
    role_label,
)
from bot.domain.model import Role
from bot.domain.notices import Notice, NoticeKind
from bot.domain.permissions import opens_content
from bot.domain.rules import clean_text, raise_if, require_text
from bot.graph.directory import Directory
from bot.services.directory import resolve_owner
from bot.services.member_lookups import (
    find_by_ident,
    locality_by_code,
    locality_or_note,
    open_action_count,
    oversight,
)
from bot.services.outbox import enqueue
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

NO_SUCH_MEMBER = "No member has that email or Entra object id."
SELF_GRANT_REFUSED = (
    "You cannot grant yourself a role: every role opens the group's meetings and minutes, "
    "and being an administrator does not. Another administrator must grant it."
)


#: Grants named in one ``role_granted`` notice (dialogs.notices draws it; the payload
#: holds ids and codes only); an import adding more says "and N more".
MAX_GRANTS_IN_NOTICE = 25


@dataclass(frozen=True, slots=True)
class Granted:
    member_name: str
    locality_code: str
    locality_name: str
    role: Role
    member_created: bool
    role_added: bool
    reactivated: bool
    has_aad: bool

    def sentence(self) -> str:
        label = role_label(self.role)
        if self.member_created:
            text = f"Added {self.member_name} as a new member, {label} in {self.locality_name}."
        elif self.reactivated:
            text = f"{self.member_name} is active again, {label} in {self.locality_name}."
        elif self.role_added:
            text = f"{self.member_name} is now {label} in {self.locality_name}."
        else:
            return f"{self.member_name} is already {label} in {self.locality_name}: no change."
        if not self.has_aad:
            text += " They have no Entra object id yet, so Teams will not recognise them."
        return text


@dataclass(frozen=True, slots=True)
class Removed:
    member_name: str
    locality_name: str | None
    role: Role | None
    removed: int
    deactivated: bool
    was_active: bool
    open_actions: int

    def sentence(self) -> str:
        if self.deactivated:
            if not self.was_active and not self.removed:
                return f"{self.member_name} was already deactivated: no change."
            text = f"Deactivated {self.member_name} and removed {plural(self.removed, 'role')}."
            where = "anywhere"
        elif self.role is not None:
            text = f"{self.member_name} is no longer {role_label(self.role)} in "
            text += f"{self.locality_name}."
            where = "there"
        else:
            text = (
                f"Removed {self.member_name}'s {plural(self.removed, 'role')} in "
                f"{self.locality_name}."
            )
            where = "there"
        if self.open_actions:
            text += (
                f" They still own {plural(self.open_actions, 'open action')} {where}: "
                "hand them over to a colleague."
            )
        return text


class MembershipChanges:
    """What the operator's and chat's ways in share: the store, the clock, the directory
    for someone new, who the audit trail names, and the grant and removal core."""

    def __init__(
        self,
        store: Store,
        clock: Clock | None = None,
        *,
        operator: str = "system",
        directory: Directory | None = None,
    ) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        #: Looks up someone new given by email (their name and Entra object id).
        self.directory = directory
        #: Who the audit trail names for command-line changes (e.g. ``cli:<os user>``).
        self.operator = operator

    async def _from_directory(self, ident: object, name: Any, aad: Any) -> tuple[Any, Any]:
        """Someone new given by email without a name or Entra object id: fill what is
        missing from the directory (exactly one person with that email), before the
        transaction so no Graph call holds it open. Anything else is left as given."""
        email = clean_text(ident)
        if (
            self.directory is None
            or not self.directory.enabled
            or not is_email(email)
            or (clean_text(name) and clean_text(aad))
        ):
            return name, aad
        async with self.store.reading() as session:
            try:
                if await find_by_ident(session, email) is not None:
                    return name, aad
            except InvalidInput:
                return name, aad
        user = await resolve_owner(self.directory, email)
        if user is None:
            return name, aad
        return (
            clean_text(name) or user.display_name[:MAX_MEMBER_NAME_CHARS] or name,
            clean_text(aad) or user.id,
        )

    async def _grant(
        self,
        session: AsyncSession,
        ident_value: object,
        locality_value: object,
        role_value: object,
        name_value: object,
        agency_value: object,
        aad_value: object,
        granter: t.Member | None,
    ) -> Granted:
        """Grants one role. ``granter`` is the administrator in chat (``None``: the
        operator): they may not grant themself a role that opens content. A new role that
        does is told to the group's chairs, deputy chairs and coordinators."""
        errors: dict[str, str] = {}
        locality = await locality_or_note(session, clean_text(locality_value), errors)
        role = parse_role(clean_text(role_value)) if clean_text(role_value) else None
        if role is None:
            errors["role"] = f"Choose a role: one of {ROLE_CODES}."
        ident = clean_text(ident_value)
        member: t.Member | None = None
        try:
            member = await find_by_ident(session, ident)
        except InvalidInput as exc:
            errors.update(exc.field_errors)
        aad = clean_text(aad_value)
        if aad:
            if not is_aad_object_id(aad):
                errors["aad"] = "That is not an Entra object id (letters, digits and hyphens)."
            elif member is not None and member.aad_object_id not in (None, aad):
                errors["aad"] = "That member already has a different Entra object id."
            elif member is None and ident and "@" not in ident and aad != ident:
                errors["aad"] = "Give the Entra object id once, in the member field."
            else:
                owner = await session.scalar(select(t.Member).where(t.Member.aad_object_id == aad))
                if owner is not None and owner is not member:
                    errors["aad"] = "Another member already has that Entra object id."
        agency: t.Agency | None = None
        name = clean_text(name_value)
        if member is None and "member" not in errors:
            agency_code = clean_text(agency_value).lower()
            if not name and not agency_code:
                errors["member"] = (
                    f"{NO_SUCH_MEMBER} To add someone new, give their name and agency too."
                )
            else:
                require_text(errors, "name", name, "The new member's name", MAX_MEMBER_NAME_CHARS)
                if not agency_code:
                    errors["agency"] = "Choose the new member's agency."
                else:
                    agency = await session.scalar(
                        select(t.Agency).where(func.lower(t.Agency.code) == agency_code)
                    )
                    if agency is None:
                        errors["agency"] = f"Unknown agency code{quoted_code(agency_code)}."
        raise_if(errors)
        assert locality is not None and role is not None
        if (
            granter is not None
            and member is not None
            and member.id == granter.id
            and opens_content(role)
        ):
            # Kept in the trail although the refused work rolls back (store.transaction).
            audit.note(
                session,
                audit.AuditAction.REFUSED,
                "memberships",
                member.id,
                locality_id=locality.id,
                detail=f"self-grant of {role.value}",
            )
            raise InvalidInput({"member": SELF_GRANT_REFUSED})
        created = reactivated = False
        if member is None:
            assert agency is not None
            email = ident if "@" in ident else None
            member = t.Member(
                name=name,
                email=email,
                aad_object_id=(aad or None) if email else ident,
                agency_id=agency.id,
                is_admin=False,
                active=True,
            )
            session.add(member)
            await session.flush()
            created = True
        else:
            if aad and not member.aad_object_id:
                member.aad_object_id = aad
            if not member.active:
                member.active = reactivated = True
        existing = await session.scalar(
            select(t.Membership.id).where(
                t.Membership.member_id == member.id,
                t.Membership.locality_id == locality.id,
                t.Membership.role == role.value,
            )
        )
        if existing is None:
            overseers = await oversight(session, [locality.id])
            membership = t.Membership(member_id=member.id, locality_id=locality.id, role=role.value)
            session.add(membership)
            await session.flush()
            if opens_content(role):
                await tell_oversight(
                    session,
                    locality.id,
                    [(membership.id, member.id, role)],
                    overseers.get(locality.id, set()),
                    granter,
                    self.clock.now(),
                )
        return Granted(
            member.name,
            locality.code,
            locality.name,
            role,
            member_created=created,
            role_added=existing is None,
            reactivated=reactivated,
            has_aad=bool(member.aad_object_id),
        )

    async def _remove(
        self,
        session: AsyncSession,
        ident_value: object,
        locality_value: object,
        role_value: object,
    ) -> Removed:
        role: Role | None = None
        if clean_text(role_value):
            role = parse_role(clean_text(role_value))
            if role is None:
                raise InvalidInput({"role": f"Unknown role: use one of {ROLE_CODES}."})
        locality_code = clean_text(locality_value)
        if role is not None and not locality_code:
            raise InvalidInput({"locality": "Say which locality group the role is in."})
        member = await find_by_ident(session, clean_text(ident_value))
        if member is None:
            raise NotFound(NO_SUCH_MEMBER)
        query = select(t.Membership).where(t.Membership.member_id == member.id)
        locality: t.Locality | None = None
        if locality_code:
            locality = await locality_by_code(session, locality_code)
            query = query.where(t.Membership.locality_id == locality.id)
            if role is not None:
                query = query.where(t.Membership.role == role.value)
        ids = list(await session.scalars(query.with_only_columns(t.Membership.id)))
        if locality is not None and not ids:
            raise NotFound(
                f"{member.name} is not {role_label(role)} in {locality.name}."
                if role is not None
                else f"{member.name} has no role in {locality.name}."
            )
        if ids:
            await session.execute(delete(t.Membership).where(t.Membership.id.in_(ids)))
        was_active = member.active
        if locality is None:
            # Never deleted: actions and their history keep pointing at the row.
            member.active = False
            member.is_admin = False
        await session.flush()
        return Removed(
            member.name,
            locality.name if locality else None,
            role,
            len(ids),
            deactivated=locality is None,
            was_active=was_active,
            open_actions=await open_action_count(
                session, member.id, locality.id if locality else None
            ),
        )


# -- telling a group who was given a role there ---------------------------------------------


async def tell_oversight(
    session: AsyncSession,
    locality_id: int,
    grants: Sequence[tuple[int, int, Role]],
    recipients: set[int],
    granter: t.Member | None,
    now: datetime,
) -> int:
    """Queue, in the granting transaction, one ``role_granted`` notice per chair, deputy
    chair and coordinator of the group (the granting administrator apart: they know),
    naming who was granted which role and by whom. ``grants``: (membership id, member id,
    role). Ids and role codes only: the card is drawn when it is sent. Returns how many."""
    if not grants:
        return 0
    payload = {
        "locality_id": locality_id,
        "grants": [[member_id, role.value] for _, member_id, role in grants][:MAX_GRANTS_IN_NOTICE],
        "count": len(grants),
        "by_member_id": granter.id if granter is not None else None,
    }
    first = min(membership_id for membership_id, _, _ in grants)
    notices = [
        Notice(NoticeKind.ROLE_GRANTED, who, payload, f"{NoticeKind.ROLE_GRANTED}:{first}:{who}")
        for who in sorted(recipients)
        if granter is None or who != granter.id
    ]
    return await enqueue(session, notices, due=now)
