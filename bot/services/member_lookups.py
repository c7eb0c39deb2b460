"""The store reads that managing members shares between the operator and chat: finding a
member or a locality group from what was typed, the caller's administrator check, the
members card's view, and who oversees a group.

Every function takes the caller's session, so it reads inside their transaction. Messages
are safe to show: they name fields and codes, never what was typed into an email field.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import InvalidInput, NotFound, NotPermitted
from bot.domain.members import is_aad_object_id, is_email, quoted_code
from bot.domain.model import ActionStatus
from bot.domain.permissions import OVERSIGHT_ROLES
from bot.services.context import ActorRef, find_member
from bot.store import tables as t


async def require_admin(session: AsyncSession, caller: ActorRef) -> t.Member:
    member = await find_member(session, caller)  # active members only
    if member is None or not member.is_admin:
        raise NotPermitted()
    return member


async def find_by_ident(session: AsyncSession, ident: str) -> t.Member | None:
    """A member (active or not) by email, case-insensitive, or by Entra object id."""
    if not ident:
        raise InvalidInput({"member": "Give the member's email or Entra object id."})
    if "@" in ident:
        if not is_email(ident):
            raise InvalidInput({"member": "That is not a valid email address."})
        found = list(
            await session.scalars(
                select(t.Member).where(func.lower(t.Member.email) == ident.lower()).limit(2)
            )
        )
        if len(found) > 1:
            raise InvalidInput(
                {"member": "More than one member has that email: use their Entra object id."}
            )
        return found[0] if found else None
    if not is_aad_object_id(ident):
        raise InvalidInput({"member": "Give an email address or an Entra object id."})
    return await session.scalar(select(t.Member).where(t.Member.aad_object_id == ident))


async def known_codes(session: AsyncSession) -> str:
    return ", ".join(await session.scalars(select(t.Locality.code).order_by(t.Locality.code)))


async def locality_or_note(
    session: AsyncSession, code: str, errors: dict[str, str]
) -> t.Locality | None:
    try:
        return await locality_by_code(session, code)
    except InvalidInput as exc:
        errors.update(exc.field_errors)
        return None


async def locality_by_code(session: AsyncSession, code: str) -> t.Locality:
    if not code:
        raise InvalidInput({"locality": "Choose the locality group."})
    locality = await session.scalar(
        select(t.Locality).where(func.lower(t.Locality.code) == code.lower())
    )
    if locality is None:
        raise InvalidInput(
            {
                "locality": f"Unknown locality code{quoted_code(code.lower())}: use one of "
                f"{await known_codes(session)}."
            }
        )
    return locality


async def pick_locality(session: AsyncSession, admin: t.Member, code: str) -> t.Locality:
    if code:
        chosen = await session.scalar(
            select(t.Locality).where(func.lower(t.Locality.code) == code.lower())
        )
        if chosen is not None:
            return chosen
    own = await session.scalar(
        select(t.Locality)
        .join(t.Membership, t.Membership.locality_id == t.Locality.id)
        .where(t.Membership.member_id == admin.id)
        .order_by(t.Locality.name)
        .limit(1)
    )
    first = own or await session.scalar(select(t.Locality).order_by(t.Locality.name).limit(1))
    if first is None:
        raise NotFound("There are no locality groups yet: load the reference data first.")
    return first


async def open_action_count(session: AsyncSession, member_id: int, locality_id: int | None) -> int:
    """How many open actions the member owns: in one group, or (None) in all of them."""
    query = select(func.count(t.Action.id)).where(
        t.Action.owner_member_id == member_id, t.Action.status == ActionStatus.OPEN.value
    )
    if locality_id is not None:
        query = query.where(t.Action.locality_id == locality_id)
    return int(await session.scalar(query) or 0)


async def oversight(session: AsyncSession, locality_ids: Sequence[int]) -> dict[int, set[int]]:
    """Per group, its active chairs, deputy chairs and coordinators, read before a grant
    (so a newly made chair is not told of their own grant, while the others are)."""
    rows = await session.execute(
        select(t.Membership.locality_id, t.Membership.member_id)
        .join(t.Member, t.Member.id == t.Membership.member_id)
        .where(
            t.Membership.locality_id.in_(locality_ids),
            t.Membership.role.in_([role.value for role in OVERSIGHT_ROLES]),
            t.Member.active.is_(True),
        )
    )
    found: dict[int, set[int]] = {}
    for locality_id, member_id in rows:
        found.setdefault(locality_id, set()).add(member_id)
    return found
