"""Teams meeting start and end events, taken as hints and nothing more.

With resource-specific consent (``OnlineMeeting.ReadBasic.Chat``,
``ChannelMeeting.ReadBasic.Group`` in the app manifest) Teams tells the bot when a
meeting in a chat or channel starts or ends. The events are unreliable (late, repeated or
missing), so nothing depends on them: the chair starts and ends a MACE meeting explicitly.
An event only decides whether to offer the chair the start card or the end form, and:

- only in a conversation linked to a locality group; in any other nothing is read beyond
  the link and nothing is written;
- only once per event: the event's key is claimed in the store like an activity id, so a
  resent or duplicated event offers nothing twice;
- never starts or ends anything itself: what is offered is a card whose button does
  that, with the usual permission checks, when the chair presses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock, london_today
from bot.domain.errors import Duplicate
from bot.domain.views import LocalityView, MeetingView
from bot.services.context import ConversationRef, linked_locality_id
from bot.services.readmodels.meetings import meeting_view
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

#: Who the audit trail names for what an event caused (no person acted).
ACTOR = "teams:meeting-event"


class MeetingEvent(StrEnum):
    STARTED = "start"
    ENDED = "end"


@dataclass(frozen=True, slots=True)
class MeetingHint:
    """What to offer: the start card (no meeting running) or the end form for ``meeting``."""

    event: MeetingEvent
    locality: LocalityView
    meeting: MeetingView | None = None


class MeetingHintService:
    def __init__(self, store: Store, clock: Clock, key_agencies: Sequence[str]) -> None:
        self.store = store
        self.clock = clock
        self.key_agencies = tuple(key_agencies)

    async def offer(
        self, conversation: ConversationRef, event: MeetingEvent, key: str
    ) -> MeetingHint | None:
        """The hint for this event here, or None: not linked, nothing to offer (a start
        while a meeting runs, an end while none does), or this event was seen before."""
        async with self.store.reading() as session:
            if await self._situation(session, conversation, event) is None:
                return None
        try:
            async with self.store.transaction(activity_id=key, now=self.clock.now()) as session:
                audit.act_as(session.sync_session, ACTOR)
                found = await self._situation(session, conversation, event)
                if found is None:
                    return None
                locality, running = found
                if running is None:
                    return MeetingHint(event, locality)
                audit.note(
                    session, audit.AuditAction.VIEW, "meetings", running.id, locality_id=locality.id
                )
                view = await meeting_view(
                    session,
                    running,
                    key_codes=self.key_agencies,
                    now=self.clock.now(),
                    today=london_today(self.clock),
                )
                return MeetingHint(event, locality, view)
        except Duplicate:
            return None

    @staticmethod
    async def _situation(
        session: AsyncSession, conversation: ConversationRef, event: MeetingEvent
    ) -> tuple[LocalityView, t.Meeting | None] | None:
        """The linked group and its meeting in progress, when the event calls for an offer."""
        locality_id = await linked_locality_id(session, conversation)
        if locality_id is None:
            return None
        running = await session.scalar(
            select(t.Meeting).where(t.Meeting.in_progress_locality_id == locality_id)
        )
        if (event is MeetingEvent.ENDED) != (running is not None):
            return None
        locality = await session.get_one(t.Locality, locality_id)
        return LocalityView(locality.id, locality.name), running
