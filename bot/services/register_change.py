"""One change to one subject of the register, as the field writes
(``bot/services/register.py``) and the link writes (``bot/services/register_links.py``)
both make it: the subject reached for a change, the meeting it is recorded in, and the
history entry each write appends.

It is its own module so that both writers share it without importing each other: the
service in ``register.py`` opens the transaction and hands the change to either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.card_fields import card_id
from bot.domain.errors import NotFound, NotLinked
from bot.domain.model import ConversationKind, MeetingStatus
from bot.domain.permissions import Permission
from bot.domain.register import SubjectEventKind
from bot.services.context import TurnRef, linked_locality_id
from bot.services.records import row_named
from bot.services.register_access import NO_SUCH_SUBJECT, SubjectReach, reach_subject
from bot.store import tables as t

NO_SUCH_MEETING = "I could not find that meeting in this group's record, so nothing was saved."
_EDITABLE_MEETINGS = frozenset({MeetingStatus.IN_PROGRESS.value, MeetingStatus.ENDED.value})


@dataclass(frozen=True, slots=True)
class SubjectChange:
    """One write in progress: its session, the subject as reached, the meeting named."""

    session: AsyncSession
    reach: SubjectReach
    meeting_id: int | None
    now: datetime

    @property
    def subject(self) -> t.Subject:
        return self.reach.subject

    @property
    def member_id(self) -> int:
        return self.reach.caller.member.id

    def event(
        self,
        kind: SubjectEventKind,
        value: str = "",
        previous: str = "",
        reason: str = "",
        subject: t.Subject | None = None,
    ) -> None:
        """One entry of the subject's history, and the subject marked as changed."""
        target = subject or self.subject
        target.updated_at = self.now
        self.session.add(
            t.SubjectEvent(
                subject_id=target.id,
                kind=kind.value,
                value=value,
                previous=previous,
                reason=reason,
                meeting_id=self.meeting_id,
                member_id=self.member_id,
                locality_id=self.reach.caller.locality_id,
                at=self.now,
            )
        )


async def reach_to_change(session: AsyncSession, turn: TurnRef, subject_id: object) -> SubjectReach:
    """The subject, for a change: in a group's conversation, only one of the linked
    group's (reached through it); in a personal chat, through any group."""
    linked: int | None = None
    if turn.conversation.kind is not ConversationKind.PERSONAL:
        linked = await linked_locality_id(session, turn.conversation)
        if linked is None:
            raise NotLinked()
    # Read at the boundary (``card_id``): a crafted id beyond the store's integers is
    # "not found", never a driver's overflow.
    reach = await reach_subject(
        session,
        turn.actor,
        card_id(subject_id),
        permission=Permission.EDIT_REGISTER,
        prefer_locality=linked,
        refusal="change subject",
    )
    if linked is not None and reach.caller.locality_id != linked:
        raise NotFound(NO_SUCH_SUBJECT)
    return reach


async def meeting_of(session: AsyncSession, reach: SubjectReach, meeting_id: object) -> int | None:
    """The meeting a change is recorded in: none, or a meeting (in progress or ended) of
    the group the subject was reached through; any other is refused."""
    if meeting_id is None or meeting_id == "":
        return None
    meeting = await row_named(session, t.Meeting, meeting_id)
    if (
        meeting is None
        or meeting.locality_id != reach.caller.locality_id
        or meeting.status not in _EDITABLE_MEETINGS
    ):
        raise NotFound(NO_SUCH_MEETING)
    return meeting.id
