"""Remembers where each member can be reached one to one, whenever the bot sees them.

Reminders are proactive: the bot can only message someone whose Teams id, tenant and
service URL it has kept. These are refreshed on every contact (cheaply: an in-process
memo skips the write when the same person was seen the same way in the last
``REFRESH`` minutes) and from a team's roster when the bot is added, so owners who never
opened a chat with the bot can still be reached.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.model import ConversationKind
from bot.services.context import ActorRef, TurnRef, find_member
from bot.store import tables as t
from bot.store.db import Store

MEMO_SIZE = 4096
#: How long a contact written is taken as current. Written again after that even when
#: nothing changed, so ``seen_at`` stays fresh and someone who blocked the bot and talks
#: to it again is reachable again within this time.
REFRESH = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class RosterEntry:
    teams_user_id: str
    aad_object_id: str | None
    name: str = ""


class ContactService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        #: (person, how seen) -> when written. Several ways of seeing one person are kept:
        #: turns arriving from two of their conversations in turn would otherwise write
        #: the contact on every turn, each queuing on the contact's row.
        self._memo: OrderedDict[tuple[str, str, str, str | None], datetime] = OrderedDict()

    async def seen(self, turn: TurnRef, bot_id: str | None) -> None:
        """Keep (or refresh) how to reach the person behind this turn."""
        actor = turn.actor
        if not actor.teams_user_id or not turn.conversation.service_url:
            return
        personal = turn.conversation.kind is ConversationKind.PERSONAL
        conversation = turn.conversation.id if personal else None
        key = (
            actor.aad_object_id or actor.teams_user_id,
            actor.teams_user_id,
            turn.conversation.service_url,
            conversation,
        )
        written = self._memo.get(key)
        if written is not None and self.clock.now() - written < REFRESH:
            return
        async with self.store.transaction() as session:
            member = await find_member(session, actor)
            if member is None:
                return  # strangers are refused elsewhere and never kept
            await self._keep(
                session,
                member,
                actor.teams_user_id,
                turn.conversation.tenant_id,
                turn.conversation.service_url,
                bot_id,
                conversation,
                talking=True,
            )
        self._memo[key] = self.clock.now()
        self._memo.move_to_end(key)
        while len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)

    async def roster(
        self,
        entries: Sequence[RosterEntry],
        *,
        tenant_id: str | None,
        service_url: str,
        bot_id: str | None,
    ) -> int:
        """Members found in a team or chat roster; returns how many were known members."""
        known = 0
        async with self.store.transaction() as session:
            for entry in entries:
                member = await find_member(
                    session, ActorRef(entry.teams_user_id, entry.aad_object_id, entry.name)
                )
                if member is None:
                    continue
                known += 1
                await self._keep(
                    session,
                    member,
                    entry.teams_user_id,
                    tenant_id,
                    service_url,
                    bot_id,
                    None,
                    talking=False,
                )
        return known

    async def _keep(
        self,
        session: AsyncSession,
        member: t.Member,
        teams_user_id: str,
        tenant_id: str | None,
        service_url: str,
        bot_id: str | None,
        conversation_id: str | None,
        *,
        talking: bool,
    ) -> None:
        now = self.clock.now()
        if member.teams_user_id != teams_user_id:
            member.teams_user_id = teams_user_id
        contact = await session.scalar(
            select(t.MemberContact).where(t.MemberContact.member_id == member.id)
        )
        if contact is None:
            session.add(
                t.MemberContact(
                    member_id=member.id,
                    teams_user_id=teams_user_id,
                    tenant_id=tenant_id,
                    service_url=service_url,
                    bot_id=bot_id,
                    conversation_id=conversation_id,
                    seen_at=now,
                )
            )
            return
        contact.teams_user_id = teams_user_id
        contact.service_url = service_url
        contact.tenant_id = tenant_id or contact.tenant_id
        contact.bot_id = bot_id or contact.bot_id
        if conversation_id:
            contact.conversation_id = conversation_id
        contact.seen_at = now
        if talking:
            # They are talking to the bot again, so it is no longer blocked.
            contact.unreachable_at = None
