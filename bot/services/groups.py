"""Linking Teams conversations to locality groups, and what the bot says on arrival.

Until a conversation is linked the bot records nothing there: a channel that belongs to
no group has no members to check against, so nothing said in it can be protected.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.clock import Clock
from bot.domain.errors import Conflict, InvalidInput, NotPermitted
from bot.domain.model import ConversationKind
from bot.domain.permissions import Permission, permitted
from bot.domain.views import GroupChoice, LocalityView, WelcomeView
from bot.services.context import TurnRef, find_member, linked_locality_id, roles_in
from bot.services.readmodels.groups import link_choices, meeting_in_progress, welcome_view
from bot.services.records import row_named
from bot.store import tables as t
from bot.store.db import Store

PERSONAL_CHAT_SETUP = (
    "Locality groups are linked in their own Teams channel, group chat or meeting chat, "
    "not in a personal chat. Add me there and type **setup**."
)


class GroupService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def welcome(self, turn: TurnRef) -> WelcomeView:
        """What a conversation sees on arrival or on ``setup``: the group it belongs to and
        what this person can do, or the groups they may link it to."""
        async with self.store.reading() as session:
            return await welcome_view(session, turn)

    async def setup_choices(self, turn: TurnRef) -> tuple[GroupChoice, ...]:
        if turn.conversation.kind is ConversationKind.PERSONAL:
            raise Conflict(PERSONAL_CHAT_SETUP)
        async with self.store.reading() as session:
            linked = await linked_locality_id(session, turn.conversation)
            return await link_choices(session, turn.actor, linked)

    async def link(self, turn: TurnRef, locality_value: object) -> WelcomeView:
        if turn.conversation.kind is ConversationKind.PERSONAL:
            raise Conflict(PERSONAL_CHAT_SETUP)
        now = self.clock.now()
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            member = await find_member(session, turn.actor)
            if member is None:
                raise NotPermitted()
            locality = await row_named(session, t.Locality, locality_value)
            if locality is None:
                raise InvalidInput({"localityId": "Choose the locality group."})
            roles = await roles_in(session, member.id, locality.id)
            if not permitted(roles, Permission.LINK_CONVERSATION, is_admin=member.is_admin):
                raise NotPermitted(
                    "Only an administrator or a chair of that locality group "
                    "can link this conversation to it."
                )
            conversation_id = turn.conversation.base_id
            link = await session.scalar(
                select(t.LinkedConversation).where(
                    t.LinkedConversation.conversation_id == conversation_id
                )
            )
            if link is not None and link.locality_id != locality.id:
                old_roles = await roles_in(session, member.id, link.locality_id)
                if not permitted(old_roles, Permission.LINK_CONVERSATION, is_admin=member.is_admin):
                    raise NotPermitted(
                        "This conversation is linked to another group; only an "
                        "administrator or that group's chair can move it."
                    )
                link.locality_id = locality.id
                link.linked_by_member_id, link.linked_at = member.id, now
            elif link is None:
                session.add(
                    t.LinkedConversation(
                        conversation_id=conversation_id,
                        locality_id=locality.id,
                        kind=turn.conversation.kind,
                        tenant_id=turn.conversation.tenant_id,
                        service_url=turn.conversation.service_url,
                        team_group_id=turn.conversation.team_group_id,
                        linked_by_member_id=member.id,
                        linked_at=now,
                    )
                )
            running = await meeting_in_progress(session, locality.id)
            return WelcomeView(
                LocalityView(locality.id, locality.name),
                can_start=permitted(roles, Permission.RUN_MEETING),
                meeting_in_progress_id=running,
            )
