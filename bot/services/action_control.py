"""An action's own card, and the chair's control of actions: marking one done, carrying
it forward to a new date, reassigning it to anyone in the group, or cancelling it.

Item 3 of every locality meeting reviews the actions still open; a chair who can only
read them cannot close the loop, and an owner told "ask the chair" to move an action to
another agency needs the chair to be able to. These steps are the chair's (and the
coordinator's, between meetings): Permission.MANAGE_ACTIONS in the action's group,
checked here for every read and write (a crafted card can carry any id). Who may see an
action at all is the one rule of ``bot.services.action_access`` (owner, their agency's
lead, the group's chair, deputy chair or coordinator); anyone else is told it could not
be found, whether or not it exists. Every step is kept in the action's history with who,
when and, from the agenda, in which meeting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.action_refs import action_number
from bot.domain.clock import Clock, london_today
from bot.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from bot.domain.model import ActionEventKind, ActionStatus, ConversationKind, MeetingStatus
from bot.domain.notices import Notice, NoticeKind
from bot.domain.rules import (
    MAX_ENTRY_CHARS,
    clean_text,
    parse_new_due_date,
    recorded_text,
)
from bot.domain.views import ActionCardView
from bot.services.action_access import Reach, reach_of
from bot.services.context import TurnRef, caller_here
from bot.services.outbox import IfQueued, enqueue
from bot.services.readmodels.action_history import action_card_view
from bot.services.readmodels.lookups import load_lookups
from bot.services.readmodels.members import group_members
from bot.services.records import row_named
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

#: The same answer for an action that does not exist and one the person may not see.
NO_SUCH_ACTION = "I could not find that action. Check its reference (for example A-36)."
NOT_A_CHAIR = (
    "Only the group's chair, deputy chair or coordinator can mark an action done, carry "
    "it forward, reassign or cancel it."
)
ALREADY_CLOSED = "That action is already closed."
MEETING_ENDED = "That meeting has ended; review the action from its card in a personal chat."

#: The four steps, as the review form's buttons name them (``step`` in their data).
DONE, CARRY, REASSIGN, CANCEL = "done", "carry", "reassign", "cancel"
STEPS = (DONE, CARRY, REASSIGN, CANCEL)
#: The form's fields, one set per step.
DONE_NOTE = "doneNote"
CARRY_DATE = "carryDate"
CARRY_REASON = "carryReason"
REASSIGN_TO = "reassignTo"
CANCEL_REASON = "cancelReason"


@dataclass(frozen=True, slots=True)
class ReviewDone:
    """A step saved: which action, which step, and the meeting it was taken in (whose
    live agenda is then redrawn), if any."""

    action_id: int
    step: str
    meeting_id: int | None
    #: The group's meeting in progress, if any, whose live agenda lists the action at
    #: item 3: redrawn after a step taken from a personal chat too.
    agenda_meeting_id: int | None = None


class ActionControlService:
    def __init__(self, store: Store, clock: Clock, key_agencies: Sequence[str]) -> None:
        self.store = store
        self.clock = clock
        self.key_agencies = tuple(key_agencies)

    # -- reading ---------------------------------------------------------------------------

    async def show(self, turn: TurnRef, action_id: object) -> ActionCardView:
        """The action's card, with its history, for anyone within reach of it."""
        async with self.store.reading() as session:
            reach = await reach_of(session, turn.actor)
            action = await _visible(session, reach, action_id)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "actions",
                action.id,
                locality_id=action.locality_id,
                detail="action card",
            )
            lookups = await load_lookups(session, self.key_agencies)
            return await action_card_view(
                session,
                action,
                lookups,
                london_today(self.clock),
                may_control=_may_control(reach, action),
            )

    async def find(self, turn: TurnRef, words: str) -> ActionCardView:
        """The card of the action a typed reference names (``A-36``); the same answer for
        words that are no reference, an action that does not exist and one out of reach."""
        number = action_number(words)
        if number is None:
            raise NotFound(NO_SUCH_ACTION)
        return await self.show(turn, number)

    async def review_form(
        self, turn: TurnRef, action_id: object, meeting_id: object = None
    ) -> ActionCardView:
        """The action with the group's members (for reassigning), for the review form;
        refused at once to anyone who may not take the steps, rather than after filling
        it in."""
        async with self.store.reading() as session:
            reach = await reach_of(session, turn.actor)
            action = await _controllable(session, reach, action_id)
            meeting = await _meeting_here(session, turn, action, meeting_id)
            lookups = await load_lookups(session, self.key_agencies)
            owners = await group_members(session, action.locality_id, lookups)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "actions",
                action.id,
                locality_id=action.locality_id,
                detail="review form",
            )
            return await action_card_view(
                session,
                action,
                lookups,
                london_today(self.clock),
                may_control=True,
                owners=owners,
                meeting_id=meeting.id if meeting is not None else None,
            )

    # -- the steps ------------------------------------------------------------------------

    async def review(
        self, turn: TurnRef, action_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> ReviewDone:
        """One step (``data["step"]``) taken on an open action, kept in its history; a
        reassignment tells both owners (by reference, through the outbox)."""
        step = clean_text(data.get("step"))
        if step not in STEPS:
            raise InvalidInput(
                {"step": "Choose what to do: done, carry forward, reassign or cancel."}
            )
        now = self.clock.now()
        today = london_today(self.clock)
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            reach = await reach_of(session, turn.actor)
            # Locked: two chairs pressing at once take turns, and the second finds it
            # closed (or carried forward) rather than writing over the first.
            action = await _controllable(session, reach, action_id, lock=True)
            meeting = await _meeting_here(session, turn, action, meeting_id)
            if step == DONE:
                note = recorded_text(data, DONE_NOTE, "What was done", MAX_ENTRY_CHARS, today)
                action.status = ActionStatus.DONE
                kind = ActionEventKind.DONE
            elif step == CANCEL:
                note = recorded_text(data, CANCEL_REASON, "Why", MAX_ENTRY_CHARS, today)
                action.status = ActionStatus.CANCELLED
                kind = ActionEventKind.CANCELLED
            elif step == CARRY:
                note = _carried(action, data, today)
                kind = ActionEventKind.CARRIED_FORWARD
            else:
                before, after = await _reassigned(session, action, data)
                note = f"{before}->{after}"
                kind = ActionEventKind.REASSIGNED
            if step != REASSIGN:
                # Decided now: a request for a new date waiting on it is answered by this.
                action.requested_due_date = None
                action.request_reason = ""
                action.requested_by_member_id = None
                action.requested_at = None
            action.updated_at = now
            session.add(
                t.ActionEvent(
                    action_id=action.id,
                    kind=kind.value,
                    note=note,
                    member_id=reach.member.id,
                    at=now,
                    meeting_id=meeting.id if meeting is not None else None,
                )
            )
            if kind is ActionEventKind.REASSIGNED:
                await _tell_owners(session, action.id, before, after, now)
            running = (
                meeting.id
                if meeting is not None
                else await session.scalar(
                    select(t.Meeting.id).where(
                        t.Meeting.in_progress_locality_id == action.locality_id
                    )
                )
            )
            if running is not None:
                # Item 3's list changes: the live agenda is redrawn, and its recheck
                # (dialogs.upkeep) sees the meeting moved on.
                await session.execute(
                    update(t.Meeting)
                    .where(t.Meeting.id == running)
                    .values(version=t.Meeting.version + 1)
                )
            return ReviewDone(action.id, step, meeting.id if meeting is not None else None, running)


# -- the rules -------------------------------------------------------------------------------


def _may_control(reach: Reach, action: t.Action) -> bool:
    return action.locality_id in reach.all_in and action.status == ActionStatus.OPEN


async def _visible(session: AsyncSession, reach: Reach, action_id: object) -> t.Action:
    """The action, if the person may see it (``action_access``): else "not found"."""
    action = await row_named(session, t.Action, action_id)
    if action is None or action.status == ActionStatus.WITHDRAWN or not reach.may_change(action):
        raise NotFound(NO_SUCH_ACTION)
    return action


async def _controllable(
    session: AsyncSession, reach: Reach, action_id: object, *, lock: bool = False
) -> t.Action:
    """An open action of a group where the person manages every action (with ``lock``,
    its row locked for the change). A member of the group, the owner or their lead is told
    who may; anyone else that it could not be found."""
    action = await row_named(session, t.Action, action_id)
    if action is not None and lock:
        await session.refresh(action, with_for_update=True)
    if action is None or action.status == ActionStatus.WITHDRAWN:
        raise NotFound(NO_SUCH_ACTION)
    if action.locality_id not in reach.all_in:
        if action.locality_id in reach.member_of or reach.may_change(action):
            raise NotPermitted(NOT_A_CHAIR)
        raise NotFound(NO_SUCH_ACTION)
    if action.status != ActionStatus.OPEN:
        raise Conflict(ALREADY_CLOSED)
    return action


async def _meeting_here(
    session: AsyncSession, turn: TurnRef, action: t.Action, meeting_id: object
) -> t.Meeting | None:
    """The meeting a step is taken in: in a personal chat none; in the group's
    conversation the meeting in progress there, which must be the action's group's."""
    if turn.conversation.kind is ConversationKind.PERSONAL:
        return None
    caller = await caller_here(session, turn)
    meeting = await row_named(session, t.Meeting, meeting_id)
    if (
        meeting is None
        or meeting.locality_id != caller.locality_id
        or action.locality_id != meeting.locality_id
    ):
        raise NotFound(NO_SUCH_ACTION)
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise Conflict(MEETING_ENDED)
    return meeting


def _carried(action: t.Action, data: Mapping[str, object], today: date) -> str:
    """A new due date and why; the reminder ladder starts again for the new date (its
    keys carry the due date, bot.domain.chasing) and the escalation flag is cleared."""
    wanted, reason = parse_new_due_date(
        data, (CARRY_DATE, CARRY_REASON), "Why", action.due_date, today
    )
    before = action.due_date
    action.due_date = wanted
    action.escalated_at = None
    return f"New due date {wanted.isoformat()} (was {before.isoformat()}): {reason}"


async def _reassigned(
    session: AsyncSession, action: t.Action, data: Mapping[str, object]
) -> tuple[int, int]:
    """Any active member of the group, of any agency; the action's agency becomes theirs.
    The old and the new owner's ids (the history keeps them; names are drawn when shown)."""
    member = await row_named(session, t.Member, data.get(REASSIGN_TO))
    in_group = False
    if member is not None and member.active:
        in_group = (
            await session.scalar(
                select(t.Membership.id)
                .where(
                    t.Membership.member_id == member.id,
                    t.Membership.locality_id == action.locality_id,
                )
                .limit(1)
            )
        ) is not None
    if member is None or not in_group:
        raise InvalidInput({REASSIGN_TO: "Choose a member of the group from the list."})
    if member.id == action.owner_member_id:
        raise InvalidInput({REASSIGN_TO: "They already own it: choose someone else."})
    before = action.owner_member_id
    action.owner_member_id = member.id
    action.agency_id = member.agency_id
    return before, member.id


async def _tell_owners(
    session: AsyncSession, action_id: int, before: int, after: int, now: datetime
) -> None:
    """Both owners are told, by reference only: the notice is drawn at send time."""
    payload = {"action_id": action_id, "from_member_id": before, "to_member_id": after}
    notices = [
        Notice(
            NoticeKind.ACTION_REASSIGNED,
            member_id,
            payload,
            f"action-reassigned:{action_id}:{now.isoformat()}:{member_id}",
        )
        for member_id in (before, after)
    ]
    await enqueue(session, notices, due=now, if_queued=IfQueued.REFUSE)
