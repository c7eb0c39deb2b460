"""Where the outbox sender reaches each recipient: their ``member_contacts`` row, read for
a whole batch at once, and the personal conversation Teams created kept on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import tables as t
from bot.store.db import Store

from .messenger import Recipient


@dataclass(frozen=True, slots=True)
class Contact:
    recipient: Recipient
    unreachable: bool

    def with_conversation(self, conversation_id: str) -> Contact:
        """The same contact, reached through ``conversation_id`` from now on."""
        r = self.recipient
        return Contact(
            Recipient(
                r.member_id, r.teams_user_id, r.tenant_id, r.service_url, conversation_id, r.bot_id
            ),
            self.unreachable,
        )


async def contacts_of(store: Store, member_ids: Sequence[int]) -> dict[int, Contact]:
    """The contacts of ``member_ids`` that have one, in one query."""
    async with store.reading() as session:
        rows = (
            await session.scalars(
                select(t.MemberContact).where(t.MemberContact.member_id.in_(member_ids))
            )
        ).all()
    return {
        row.member_id: Contact(
            Recipient(
                member_id=row.member_id,
                teams_user_id=row.teams_user_id,
                tenant_id=row.tenant_id,
                service_url=row.service_url,
                conversation_id=row.conversation_id,
                bot_id=row.bot_id,
            ),
            unreachable=row.unreachable_at is not None,
        )
        for row in rows
    }


async def keep_conversation(session: AsyncSession, member_id: int, conversation_id: str) -> None:
    """Keep the personal conversation Teams used on the member's contact, if it is new."""
    await session.execute(
        update(t.MemberContact)
        .where(
            t.MemberContact.member_id == member_id,
            or_(
                t.MemberContact.conversation_id.is_(None),
                t.MemberContact.conversation_id != conversation_id,
            ),
        )
        .values(conversation_id=conversation_id[:400])
        .execution_options(synchronize_session=False)
    )


async def mark_unreachable(session: AsyncSession, member_id: int, now: datetime) -> None:
    """Mark the member's contact unreachable: Teams answered 403 (blocked or removed)."""
    await session.execute(
        update(t.MemberContact)
        .where(t.MemberContact.member_id == member_id)
        .values(unreachable_at=now)
        .execution_options(synchronize_session=False)
    )
