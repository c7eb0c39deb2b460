"""What a conversation sees on arrival or on ``setup``, and the groups it may be linked to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import Role
from bot.domain.permissions import Permission, permitted
from bot.domain.views import GroupChoice, LocalityView, WelcomeView
from bot.services.context import ActorRef, TurnRef, find_member, linked_locality_id, roles_in
from bot.store import tables as t


async def link_choices(
    session: AsyncSession, actor: ActorRef, linked_id: int | None
) -> tuple[GroupChoice, ...]:
    """The groups this person may link a conversation to: those they chair, or all
    for an administrator."""
    member = await find_member(session, actor)
    if member is None:
        return ()
    localities = (await session.scalars(select(t.Locality).order_by(t.Locality.name))).all()
    if not member.is_admin:
        chaired = set(
            await session.scalars(
                select(t.Membership.locality_id).where(
                    t.Membership.member_id == member.id,
                    t.Membership.role.in_([Role.CHAIR, Role.DEPUTY_CHAIR]),
                )
            )
        )
        localities = [loc for loc in localities if loc.id in chaired]
    return tuple(
        GroupChoice(LocalityView(loc.id, loc.name), loc.id == linked_id) for loc in localities
    )


async def welcome_view(session: AsyncSession, turn: TurnRef) -> WelcomeView:
    """The group the conversation belongs to and what this person can do there, or the
    groups they may link it to."""
    locality_id = await linked_locality_id(session, turn.conversation)
    if locality_id is None:
        return WelcomeView(None, False, choices=await link_choices(session, turn.actor, None))
    locality = await session.get_one(t.Locality, locality_id)
    member = await find_member(session, turn.actor)
    roles = await roles_in(session, member.id, locality_id) if member else frozenset()
    running = await meeting_in_progress(session, locality_id)
    return WelcomeView(
        LocalityView(locality.id, locality.name),
        can_start=permitted(roles, Permission.RUN_MEETING),
        meeting_in_progress_id=running if roles else None,
    )


async def meeting_in_progress(session: AsyncSession, locality_id: int) -> int | None:
    """The id of the group's meeting in progress, if one is."""
    return await session.scalar(
        select(t.Meeting.id).where(t.Meeting.in_progress_locality_id == locality_id)
    )
