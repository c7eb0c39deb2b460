"""Who is asking, from where: the facts a service needs about a turn, free of Teams types.

The Teams edge builds these from an activity; tests build them from literals.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.errors import NotLinked, NotPermitted
from bot.domain.model import ConversationKind, Role
from bot.domain.permissions import Permission, permitted
from bot.store import audit
from bot.store import tables as t


@dataclass(frozen=True, slots=True)
class ActorRef:
    """The person behind a turn, as Teams identifies them."""

    teams_user_id: str
    aad_object_id: str | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class ConversationRef:
    id: str
    kind: ConversationKind
    tenant_id: str | None = None
    service_url: str | None = None
    #: For a channel: its team's Microsoft 365 group id, when Teams says it.
    team_group_id: str | None = None

    @property
    def base_id(self) -> str:
        """A channel thread id carries ``;messageid=...``; the channel is what gets linked."""
        return self.id.split(";", 1)[0]


@dataclass(frozen=True, slots=True)
class TurnRef:
    actor: ActorRef
    conversation: ConversationRef
    activity_id: str | None = None

    @property
    def claim_key(self) -> str | None:
        """What this turn claims in ``processed_activities`` so that a resend of it writes
        and answers nothing twice (``Store.transaction``, ``Store.claim_answer``): its
        activity id within its conversation. Teams makes message ids unique only within
        a conversation (a channel's are millisecond timestamps), so two people writing in
        two chats in the same millisecond must not share a claim. Hashed (sha256, hex):
        conversation ids can be longer than the column. None without an activity id."""
        if not self.activity_id:
            return None
        scoped = f"{self.conversation.id}\n{self.activity_id}"
        return hashlib.sha256(scoped.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Caller:
    """A resolved member and their roles in one locality."""

    member: t.Member
    locality_id: int
    roles: frozenset[Role]

    def can(self, permission: Permission) -> bool:
        return permitted(self.roles, permission, is_admin=self.member.is_admin)

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise NotPermitted(attempted=permission.value)


async def find_member(session: AsyncSession, actor: ActorRef) -> t.Member | None:
    """Match on the Entra object id first (stable across tenants' Teams ids), then Teams id.

    The unit of work is audited as this person from here on: by member id once known,
    by Teams id (for a refusal) otherwise.
    """
    member, _ = await find_member_and_groups(session, actor, groups=False)
    return member


async def find_member_and_groups(
    session: AsyncSession, actor: ActorRef, *, groups: bool = True
) -> tuple[t.Member | None, list[tuple[int, str]]]:
    """``find_member``, and with ``groups`` the member's (locality id, role) pairs read in
    the same statement: every action a partner takes starts here, so one round trip."""
    member, memberships, _ = await _identify(session, actor, groups=groups)
    return member, memberships


async def _identify(
    session: AsyncSession,
    actor: ActorRef,
    *,
    groups: bool = True,
    here: ConversationRef | None = None,
) -> tuple[t.Member | None, list[tuple[int, str]], int | None]:
    """The member, their groups, and (with ``here``) the locality that conversation is
    linked to, in one statement. The linked locality is only known when a member row was
    found; otherwise the caller asks for it separately (a refusal: rare)."""
    audit.act_as(session.sync_session, f"teams:{actor.teams_user_id}")
    member: t.Member | None = None
    memberships: list[tuple[int, str]] = []
    linked: int | None = None
    for by, value in (("aad", actor.aad_object_id), ("teams", actor.teams_user_id)):
        if not value:
            continue
        if groups:
            query = _MEMBER_AND_GROUPS[by, here is not None]
            parameters = {"who": value}
            if here is not None:
                parameters["conversation"] = here.base_id
            rows = (await session.execute(query, parameters)).all()
            if rows:
                member = rows[0][0]
                memberships = [
                    (row.locality_id, row.role) for row in rows if row.locality_id is not None
                ]
                linked = rows[0].linked if here is not None else None
        else:
            member = await session.scalar(_MEMBER[by], {"who": value})
        if member is not None:
            break
    if member is None or not member.active:
        return None, [], None
    audit.act_as(session.sync_session, f"member:{member.id}")
    return member, memberships, linked


_WHO = {"aad": t.Member.aad_object_id, "teams": t.Member.teams_user_id}
#: The caller's look-ups, built once (every turn makes one): by Entra object id or Teams id,
#: with the member's groups and, where a conversation is given, the group it is linked to.
#: Built per turn they cost more CPU than the round trip (statement and cache key).
_MEMBER = {by: select(t.Member).where(column == bindparam("who")) for by, column in _WHO.items()}
_MEMBER_AND_GROUPS: dict[tuple[str, bool], Executable] = {}
for _by, _column in _WHO.items():
    _query = (
        select(t.Member, t.Membership.locality_id, t.Membership.role)
        .outerjoin(t.Membership, t.Membership.member_id == t.Member.id)
        .where(_column == bindparam("who"))
    )
    _MEMBER_AND_GROUPS[_by, False] = _query
    _MEMBER_AND_GROUPS[_by, True] = _query.add_columns(
        select(t.LinkedConversation.locality_id)
        .where(t.LinkedConversation.conversation_id == bindparam("conversation"))
        .scalar_subquery()
        .label("linked")
    )


async def roles_in(session: AsyncSession, member_id: int, locality_id: int) -> frozenset[Role]:
    rows = await session.scalars(
        select(t.Membership.role).where(
            t.Membership.member_id == member_id, t.Membership.locality_id == locality_id
        )
    )
    return frozenset(Role(r) for r in rows)


async def linked_locality_id(session: AsyncSession, conversation: ConversationRef) -> int | None:
    return await session.scalar(
        select(t.LinkedConversation.locality_id).where(
            t.LinkedConversation.conversation_id == conversation.base_id
        )
    )


async def caller_here(session: AsyncSession, turn: TurnRef) -> Caller:
    """The caller in the locality this conversation is linked to.

    Refuses (without saying what exists) when the conversation is not linked or the person
    is not a member of that locality group.
    """
    member, groups, locality_id = await _identify(session, turn.actor, here=turn.conversation)
    if member is None:  # not found: whether the conversation is linked decides the refusal
        locality_id = await linked_locality_id(session, turn.conversation)
    if locality_id is None:
        audit.act_as(session.sync_session, f"teams:{turn.actor.teams_user_id}")
        raise NotLinked()
    audit.act_as(session.sync_session, f"teams:{turn.actor.teams_user_id}", locality_id)
    return _caller(session, member, groups, locality_id)


async def caller_in(session: AsyncSession, actor: ActorRef, locality_id: int) -> Caller:
    audit.act_as(session.sync_session, f"teams:{actor.teams_user_id}", locality_id)
    member, groups = await find_member_and_groups(session, actor)
    return _caller(session, member, groups, locality_id)


def _caller(
    session: AsyncSession,
    member: t.Member | None,
    groups: list[tuple[int, str]],
    locality_id: int,
) -> Caller:
    """The member as a caller in ``locality_id``, or refused if they are not in it. The
    unit of work is audited as them, in that locality."""
    if member is None:
        raise NotPermitted(NOT_A_MEMBER, attempted="member of locality")
    audit.act_as(session.sync_session, f"member:{member.id}", locality_id)
    roles = frozenset(Role(role) for locality, role in groups if locality == locality_id)
    if not roles:
        raise NotPermitted(NOT_A_MEMBER, attempted="member of locality")
    return Caller(member=member, locality_id=locality_id, roles=roles)


NOT_A_MEMBER = (
    "Sorry, I can only help members of this MACE locality group, and I could not find you "
    "in it. If you should be, ask the MACE coordinator to add you."
)
