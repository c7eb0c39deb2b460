"""Running a locality meeting: start, attendance, moving through items, recording, ending.

Every method is one transaction that also records the id of the Teams activity behind it,
so what a person enters is stored the moment they enter it, and a resent activity writes
nothing twice (minutes and decisions recorded at the same moment share one, with an id
each: bot/services/entry_batches.py). Every method checks the caller's role in the
meeting's locality itself: a card's buttons are a convenience, not a control.

What a minute, decision or action checks and writes is in bot/services/meeting_records.py
(the subjects under items 4-7 in bot/services/item_subjects.py, attendance in
bot/services/meeting_attendance.py, the way through the agenda from start to end in
bot/services/meeting_agenda.py): this service opens the transaction, checks the role and
finds the meeting and the item, then calls there. A minute or decision is checked here
(the role, the meeting, the text) before any transaction, and its item found, with the
subject current under it, as its batch inserts it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from bot.domain.clock import Clock, london_today
from bot.domain.errors import Conflict, DomainError, Duplicate, InvalidInput, NotFound
from bot.domain.model import EntryKind, MeetingStatus, MinutesStatus
from bot.domain.permissions import Permission
from bot.domain.rules import parse_meeting_date
from bot.domain.views import ActionFormView, MeetingView
from bot.services import item_subjects, meeting_agenda, meeting_attendance, meeting_records
from bot.services.context import Caller, TurnRef, caller_here
from bot.services.entry_batches import CheckedEntry, EntryBatches
from bot.services.meeting_records import BUMP, BUMP_RETURNING_STATUS, MEETING_ENDED
from bot.services.readmodels.lookups import load_lookups
from bot.services.readmodels.meetings import meeting_view
from bot.services.readmodels.members import group_members
from bot.services.records import row_here, row_named, shown_after_saving
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store


@dataclass(frozen=True, slots=True)
class StartResult:
    view: MeetingView
    already_running: bool
    agenda_activity_id: str | None
    agenda_conversation_id: str


_MEETINGS = t.table_of(t.Meeting)
#: Ending's first hold on the meeting's row: the strongest lock (FOR UPDATE), taken before
#: anything is written. See ``MeetingService.end``.
_TAKE_TO_END = (
    select(_MEETINGS.c.id).where(_MEETINGS.c.id == bindparam("meeting_id")).with_for_update()
)


class MeetingService:
    def __init__(self, store: Store, clock: Clock, key_agencies: Sequence[str]) -> None:
        self.store = store
        self.clock = clock
        self.key_agencies = tuple(key_agencies)
        #: Minutes and decisions being written, per meeting.
        self.entries = EntryBatches(store)

    async def _view(self, session: AsyncSession, meeting: t.Meeting) -> MeetingView:
        await session.flush()
        return await meeting_view(
            session,
            meeting,
            key_codes=self.key_agencies,
            now=self.clock.now(),
            today=london_today(self.clock),
        )

    async def _meeting(
        self, session: AsyncSession, caller: Caller, meeting_id: object, *, in_progress: bool = True
    ) -> t.Meeting:
        """The meeting named by a card, only if it belongs to the caller's locality here."""
        meeting = await row_here(session, t.Meeting, meeting_id, caller, "meeting")
        if in_progress and meeting.status != MeetingStatus.IN_PROGRESS:
            raise Conflict(MEETING_ENDED)
        return meeting

    @asynccontextmanager
    async def _changing(
        self,
        turn: TurnRef,
        permission: Permission,
        meeting_id: object,
        now: datetime,
        *,
        additive: bool = False,
        meeting_last: bool = False,
    ) -> AsyncIterator[tuple[AsyncSession, Caller, t.Meeting]]:
        """One write to a meeting in progress: a transaction that claims the activity id,
        checks the caller's role in the meeting's locality, and finds the meeting.

        Every change bumps the meeting's version (its card changes). A change of state
        (moving on, ending, overwriting attendance) is optimistic: if someone changed the
        meeting since it was read, nothing is saved and the person is asked to press again.
        An addition (an action, "I'm here"; minutes and decisions are written in batches,
        bot.services.entry_batches, the same way) is not refused for another made at the
        same moment: additions queue on the meeting's row and all succeed. An action takes
        the row first, and holds it through its reads and checks. One that takes it last
        (``meeting_last``), just before committing, holds it only while committing: "I'm
        here" first locks the one row it reads and rewrites, its agency's attendance line
        (bot/services/meeting_attendance.py). Taking the row last, it then checks the
        meeting is still in progress, and one ended meanwhile saves nothing.
        """
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            caller = await caller_here(session, turn)
            caller.require(permission)
            meeting = await self._meeting(session, caller, meeting_id)
            if additive and meeting_last:
                yield session, caller, meeting
                status = await session.scalar(BUMP_RETURNING_STATUS, {"meeting_id": meeting.id})
                if status != MeetingStatus.IN_PROGRESS:
                    raise Conflict(MEETING_ENDED)
                return
            if additive:
                await session.execute(BUMP, {"meeting_id": meeting.id})
                await session.refresh(meeting)
                if meeting.status != MeetingStatus.IN_PROGRESS:
                    raise Conflict(MEETING_ENDED)
            else:
                flag_modified(meeting, "status")
            yield session, caller, meeting

    async def _running(self, session: AsyncSession, caller: Caller) -> t.Meeting | None:
        return await session.scalar(
            select(t.Meeting).where(t.Meeting.in_progress_locality_id == caller.locality_id)
        )

    # -- reading ---------------------------------------------------------------------

    async def current(
        self,
        turn: TurnRef,
        meeting_id: object = None,
        *,
        require: Permission = Permission.VIEW_MEETING,
    ) -> MeetingView:
        """The meeting a card names, or the one in progress for this conversation's group.

        ``require`` lets a caller ask for more than viewing before a form is shown, so a
        partner is refused "end meeting" at once rather than after filling the form in.
        """
        async with self.store.reading() as session:
            meeting = await self._shown(session, turn, meeting_id, require)
            return await self._view(session, meeting)

    async def action_form(self, turn: TurnRef, meeting_id: object) -> ActionFormView:
        """The meeting and its group's members, for the form an action is recorded on.

        Only those who may record are shown it, so nobody fills in a form they cannot
        send."""
        async with self.store.reading() as session:
            meeting = await self._shown(session, turn, meeting_id, Permission.RECORD)
            view = await self._view(session, meeting)
            if view.status is MeetingStatus.ENDED:  # its card says so and offers no form
                return ActionFormView(view, ())
            lookups = await load_lookups(session, self.key_agencies)
            owners = await group_members(session, meeting.locality_id, lookups)
            return ActionFormView(view, owners)

    async def _shown(
        self, session: AsyncSession, turn: TurnRef, meeting_id: object, require: Permission
    ) -> t.Meeting:
        """The meeting a card names (or the one in progress), seen by a caller allowed
        ``require``; the viewing is audited."""
        caller = await caller_here(session, turn)
        caller.require(require)
        if meeting_id is None:
            meeting = await self._running(session, caller)
            if meeting is None:
                raise NotFound(
                    "No meeting is in progress for this group. A chair can type **start meeting**."
                )
        else:
            meeting = await self._meeting(session, caller, meeting_id, in_progress=False)
        audit.note(session, audit.AuditAction.VIEW, "meetings", meeting.id)
        return meeting

    async def drawn(self, meeting_id: int) -> MeetingView:
        """The meeting as it is once a change is committed.

        Drawn after the change's transaction, not inside it: a change holds the meeting's
        row until it commits (additions queue on it by design), and drawing the agenda
        reads and decrypts a good deal, so drawing inside made every other addition to the
        meeting wait for it. If the store fails here the change is already saved: say so,
        so that nobody enters it twice."""
        async with shown_after_saving("agenda"), self.store.reading() as session:
            meeting = await session.get_one(t.Meeting, meeting_id)
            return await self._view(session, meeting)

    async def newer_view(self, meeting_id: int, version: int) -> MeetingView | None:
        """The meeting as it is now, if it changed after ``version``: for redrawing the
        live agenda card when two changes were drawn and sent out of order. No caller
        check: the card is the one already shown to everyone in that conversation."""
        async with self.store.reading() as session:
            meeting = await row_named(session, t.Meeting, meeting_id)
            if meeting is None or meeting.version <= version:
                return None
            return await self._view(session, meeting)

    async def agenda_location(self, meeting_id: int) -> tuple[str, str | None]:
        async with self.store.reading() as session:
            meeting = await session.get_one(t.Meeting, meeting_id)
            return meeting.conversation_id, meeting.agenda_activity_id

    # -- starting and moving ------------------------------------------------------------

    async def start(self, turn: TurnRef) -> StartResult:
        """Start a meeting of this conversation's group, its agenda laid out
        (bot.services.meeting_agenda.open_meeting), or show the one already in progress."""
        now = self.clock.now()
        try:
            async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
                caller = await caller_here(session, turn)
                caller.require(Permission.RUN_MEETING)
                running = await self._running(session, caller)
                if running is not None:
                    return StartResult(
                        await self._view(session, running),
                        True,
                        running.agenda_activity_id,
                        running.conversation_id,
                    )
                meeting = await meeting_agenda.open_meeting(
                    session, caller, turn.conversation.id, now
                )
                return StartResult(
                    await self._view(session, meeting), False, None, meeting.conversation_id
                )
        except IntegrityError:
            # Two chairs pressed start at once: the other one won; show theirs.
            view = await self.current(turn)
            conversation_id, activity_id = await self.agenda_location(view.id)
            return StartResult(view, True, activity_id, conversation_id)

    async def remember_agenda_card(
        self, meeting_id: int, conversation_id: str, activity_id: str
    ) -> None:
        """The newest agenda card is the live one: later changes edit it in place."""
        async with self.store.transaction() as session:
            # Where the card is, not what it shows: no version check, so remembering the
            # card never collides with a change made meanwhile.
            await session.execute(
                update(t.Meeting)
                .where(t.Meeting.id == meeting_id)
                .values(conversation_id=conversation_id, agenda_activity_id=activity_id)
                .execution_options(synchronize_session=False)
            )

    async def move(
        self,
        turn: TurnRef,
        meeting_id: object,
        expected_position: object,
        step: int,
        expected_sub_item: object = None,
    ) -> MeetingView:
        """Move to the next or previous item, or subject within the current item
        (bot.services.meeting_agenda.move); a stale card moves nothing."""
        now = self.clock.now()
        async with self._changing(turn, Permission.RUN_MEETING, meeting_id, now) as change:
            session, caller, meeting = change
            changed = meeting.id
            await meeting_agenda.move(
                session, caller, meeting, expected_position, step, expected_sub_item, now
            )
        return await self.drawn(changed)

    # -- attendance -------------------------------------------------------------------

    async def mark_present(self, turn: TurnRef, meeting_id: object) -> MeetingView:
        """'I'm here' (bot.services.meeting_attendance.mark_present): an addition, so many
        pressed at once all count; it takes the meeting's row last, after its agency's
        line."""
        now = self.clock.now()
        async with self._changing(
            turn, Permission.VIEW_MEETING, meeting_id, now, additive=True, meeting_last=True
        ) as change:
            session, caller, meeting = change
            await meeting_attendance.mark_present(session, caller, meeting, now)
            changed = meeting.id
        return await self.drawn(changed)

    async def record_attendance(
        self, turn: TurnRef, meeting_id: object, data: Mapping[str, object]
    ) -> MeetingView:
        """The attendance form (bot.services.meeting_attendance.record_attendance)."""
        now = self.clock.now()
        async with self._changing(turn, Permission.RECORD_ATTENDANCE, meeting_id, now) as change:
            session, caller, meeting = change
            await meeting_attendance.record_attendance(session, caller, meeting, data, now)
            changed = meeting.id
        return await self.drawn(changed)

    # -- recording (what is checked and written: bot.services.meeting_records) ----------

    async def _item(
        self, session: AsyncSession, meeting: t.Meeting, item_id: object
    ) -> t.AgendaItem:
        item = await row_named(session, t.AgendaItem, item_id)
        if item is None or item.meeting_id != meeting.id:
            raise NotFound()
        return item

    async def record_entry(
        self,
        turn: TurnRef,
        meeting_id: object,
        item_id: object,
        kind: EntryKind,
        data: Mapping[str, object],
    ) -> MeetingChange:
        """Add a minute or decision. Checked here, alone: the caller's role in the meeting's
        locality, the meeting in progress, the text (``meeting_records.entry_values``);
        then written with the others recorded in the meeting at that moment, in one
        transaction (bot.services.entry_batches), and answered once committed. Returns
        where the agenda is, not a drawing of it: when many record at once, one redraw
        shows all their entries (bot.teams.live_cards)."""
        now = self.clock.now()
        try:
            async with self.store.reading() as session:
                caller = await caller_here(session, turn)
                caller.require(Permission.RECORD)
                meeting = await self._meeting(session, caller, meeting_id)
                actor = audit.context_of(session).actor
            values = meeting_records.entry_values(
                caller, meeting, item_id, kind, data, london_today(self.clock), now
            )
        except DomainError:
            # A resend of a turn already written, refused for what changed since (the
            # meeting ended, say), is told it is recorded, as it would have been first.
            if turn.claim_key and await self.store.claimed(turn.claim_key):
                raise Duplicate() from None
            raise
        entry = CheckedEntry(turn.claim_key, actor, caller.locality_id, values)
        await self.entries.write(entry)
        return MeetingChange(meeting.id, meeting.conversation_id, meeting.agenda_activity_id)

    async def record_action(
        self, turn: TurnRef, meeting_id: object, item_id: object, data: Mapping[str, object]
    ) -> MeetingView:
        """Add an action (bot.services.meeting_records.add_action)."""
        now = self.clock.now()
        today = london_today(self.clock)
        async with self._changing(
            turn, Permission.RECORD, meeting_id, now, additive=True
        ) as change:
            session, caller, meeting = change
            item = await self._item(session, meeting, item_id)
            await meeting_records.add_action(session, caller, meeting, item, data, today, now)
            changed = meeting.id
        return await self.drawn(changed)

    async def agree_previous_minutes(
        self, turn: TurnRef, meeting_id: object, previous_meeting_id: object
    ) -> MeetingView:
        now = self.clock.now()
        async with self._changing(turn, Permission.AGREE_MINUTES, meeting_id, now) as change:
            session, caller, meeting = change
            previous = await self._meeting(session, caller, previous_meeting_id, in_progress=False)
            if previous.status != MeetingStatus.ENDED or previous.id == meeting.id:
                raise Conflict("Only the minutes of an earlier, ended meeting can be agreed.")
            if previous.minutes_status == MinutesStatus.DRAFT:
                previous.minutes_status = MinutesStatus.AGREED
                previous.minutes_agreed_at = now
                previous.minutes_agreed_in_meeting_id = meeting.id
            changed = meeting.id
        return await self.drawn(changed)

    # -- subjects discussed under items 4-7 (bot.services.item_subjects) ---------------

    async def add_subject(
        self, turn: TurnRef, meeting_id: object, item_id: object, data: Mapping[str, object]
    ) -> MeetingView:
        """The chair adds a subject to discuss under an item: new to the register, or
        found there by its reference."""
        now = self.clock.now()
        async with self._changing(turn, Permission.RUN_MEETING, meeting_id, now) as change:
            session, caller, meeting = change
            item = await self._item(session, meeting, item_id)
            await item_subjects.add(
                session, caller, meeting, item, data, london_today(self.clock), now
            )
            changed = meeting.id
        return await self.drawn(changed)

    async def remove_subject(
        self, turn: TurnRef, meeting_id: object, item_subject_id: object
    ) -> MeetingView:
        now = self.clock.now()
        async with self._changing(turn, Permission.RUN_MEETING, meeting_id, now) as change:
            session, _, meeting = change
            await item_subjects.remove(session, meeting, item_subject_id)
            changed = meeting.id
        return await self.drawn(changed)

    async def move_subject(
        self, turn: TurnRef, meeting_id: object, item_subject_id: object, direction: object
    ) -> MeetingView:
        now = self.clock.now()
        async with self._changing(turn, Permission.RUN_MEETING, meeting_id, now) as change:
            session, _, meeting = change
            await item_subjects.move_row(session, meeting, item_subject_id, direction)
            changed = meeting.id
        return await self.drawn(changed)

    # -- ending -----------------------------------------------------------------------

    async def end(
        self, turn: TurnRef, meeting_id: object, data: Mapping[str, object]
    ) -> MeetingView:
        """End the meeting (bot.services.meeting_agenda.end), with the date of the next one
        if given."""
        now = self.clock.now()
        async with self._changing(turn, Permission.RUN_MEETING, meeting_id, now) as change:
            session, _, meeting = change
            next_date, error = parse_meeting_date(
                data.get("nextMeetingDate"), london_today(self.clock)
            )
            if error:
                raise InvalidInput({"nextMeetingDate": error})
            # Ending clears the meeting's unique in_progress_locality_id, so on PostgreSQL
            # it needs the row's strongest lock, which waits for every transaction that
            # has inserted a row naming the meeting (a minute, an attendance line, an
            # attendee: their foreign key's KEY SHARE lock on it) to end. Minutes, decisions
            # and "I'm here" take the meeting's row last: had ending first taken the weaker
            # lock its first write takes, one waiting for that row while holding its KEY
            # SHARE would deadlock with it. Taken first (without a flush, which would
            # write the meeting), those in flight commit first (the meeting then changed,
            # ending is refused as any change of state is) and any later one waits and
            # finds the meeting ended.
            with session.no_autoflush:
                await session.execute(_TAKE_TO_END, {"meeting_id": meeting.id})
            await meeting_agenda.end(session, meeting, next_date, now)
            changed = meeting.id
        return await self.drawn(changed)


@dataclass(frozen=True, slots=True)
class MeetingChange:
    """A change saved to a meeting, and where its live agenda card is: enough to have the
    card redrawn by whoever edits it next, without drawing it here."""

    meeting_id: int
    conversation_id: str
    agenda_activity_id: str | None


def default_next_meeting(today: date) -> date:
    """Locality groups meet monthly: suggest four weeks on, the same weekday."""
    return today + timedelta(weeks=4)
