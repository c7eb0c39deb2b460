"""Telling the coordinators that someone cannot be reached (blocked the bot, or has no
contact): who is told, and the ``unreachable`` notices queued for them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import LONDON
from bot.domain.model import Role
from bot.domain.notices import Notice, NoticeKind
from bot.store import tables as t

from .queue import enqueue


async def notice_recipients(session: AsyncSession, member_id: int) -> dict[int, list[int]]:
    """Who is told that ``member_id`` cannot be reached: for each of the person's locality
    groups its coordinators, or its chair and deputy chair where it has no coordinator.
    Returns recipient member id -> the locality ids concerned (the person never included,
    only active members)."""
    localities = (
        await session.scalars(
            select(t.Membership.locality_id).where(t.Membership.member_id == member_id).distinct()
        )
    ).all()
    if not localities:
        return {}
    rows = (
        await session.execute(
            select(t.Membership.member_id, t.Membership.locality_id, t.Membership.role)
            .join(t.Member, t.Member.id == t.Membership.member_id)
            .where(
                t.Membership.locality_id.in_(localities),
                t.Membership.role.in_([Role.COORDINATOR, Role.CHAIR, Role.DEPUTY_CHAIR]),
                t.Member.active.is_(True),
                t.Membership.member_id != member_id,
            )
        )
    ).all()
    coordinators: dict[int, set[int]] = {}
    chairs: dict[int, set[int]] = {}
    for who, locality, role in rows:
        target = coordinators if role == Role.COORDINATOR else chairs
        target.setdefault(locality, set()).add(who)
    result: dict[int, set[int]] = {}
    for locality in localities:
        for who in coordinators.get(locality) or chairs.get(locality, set()):
            result.setdefault(who, set()).add(locality)
    return {who: sorted(locs) for who, locs in sorted(result.items())}


async def queue_unreachable_notices(
    session: AsyncSession, member_id: int, reason: str, now: datetime
) -> int:
    """Queue, in the caller's transaction, one ``unreachable`` notice per coordinator about
    ``member_id`` (``reason``: ``blocked`` or ``no_contact``). At most one per coordinator,
    person and day: ``unreachable:<member>:<date>:<coordinator>``. Returns how many were new."""
    recipients = await notice_recipients(session, member_id)
    day = now.astimezone(LONDON).date().isoformat()
    notices = [
        Notice(
            NoticeKind.UNREACHABLE,
            who,
            {"member_id": member_id, "locality_ids": locs, "reason": reason},
            f"{NoticeKind.UNREACHABLE}:{member_id}:{day}:{who}",
        )
        for who, locs in recipients.items()
    ]
    return await enqueue(session, notices, due=now)
