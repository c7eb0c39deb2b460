"""Correcting or withdrawing a minute, decision or action recorded in error (issue 16),
from the meeting while it runs and after it ended, until its minutes are agreed.

Every method checks, in the store, that the caller may correct records
(``Permission.CORRECT_RECORDS``: chair, deputy chair, minute-taker) in the meeting's own
locality, and refuses every correction once the meeting's minutes are agreed: a card's
"Correct" button is shown to everyone in the conversation, and a crafted payload can
carry any verb and any id. A correction takes the meeting's row first (it bumps the
meeting's version, so the agenda card is redrawn), so it cannot interleave with the
minutes being agreed: whichever commits second sees the other.

What an entry said before and why it changed go into ``record_corrections`` (both
encrypted); the entry itself is marked (``corrected_at``, ``withdrawn_at``, an action's
``withdrawn`` status and its ``corrected``/``withdrawn`` history event). Creates and
changes are audited by the unit of work; views by ``audit.note``.

This module is the service and the writing side: the transactions, the audit, a
correction checked field by field and saved, and the owners told when an action changes
hands. Finding the meeting and the entry a caller may correct, and what the lists show,
are read in bot/services/correction_reads.py, so the writing here stays readable as one
piece and the checks every list, form and save share stay in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.card_fields import card_id
from bot.domain.clock import Clock, london_today
from bot.domain.corrections import (
    DESCRIPTION_FIELD,
    DUE_FIELD,
    ENTRIES_PER_PAGE,
    FORM_ERROR,
    KEEP_SUBJECT,
    MAX_REASON_CHARS,
    MINUTES_LOCKED,
    NOTHING_CHANGED,
    OWNER_FIELD,
    REASON_FIELD,
    SUBJECT_INITIALS_FIELD,
    SUBJECT_KIND_FIELD,
    SUBJECT_REF_FIELD,
    TEXT_FIELD,
    WITHDRAW_FIELD,
    CorrectionFormView,
    CorrectionListView,
    CorrectionSaved,
    ItemRecords,
    RecordKind,
)
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.model import (
    ActionEventKind,
    ActionStatus,
    CorrectionChange,
    MeetingStatus,
    MinutesStatus,
)
from bot.domain.notices import owner_change_notices
from bot.domain.permissions import Permission
from bot.domain.rules import (
    MAX_DESCRIPTION_CHARS,
    MAX_ENTRY_CHARS,
    check_identifying_details,
    clean_text,
    details_confirmed,
    display_initials,
    parse_due_date,
    parse_subject,
    raise_if,
    require_text,
)
from bot.services.context import Caller, TurnRef, caller_here, roles_in
from bot.services.correction_reads import (
    item_entries,
    items_with_records,
    kind_named,
    locality_name,
    may_see_persons,
    meeting_to_correct,
    record_to_correct,
    subject_label,
)
from bot.services.item_subjects import meeting_date
from bot.services.meeting_records import BUMP
from bot.services.outbox import IfQueued, enqueue
from bot.services.readmodels.lookups import load_lookups
from bot.services.readmodels.members import group_members
from bot.services.records import row_here, row_named
from bot.services.subjects import find_subjects, new_subject
from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import ring_of
from bot.store.db import Store

_MEETINGS = t.table_of(t.Meeting)


class CorrectionService:
    def __init__(self, store: Store, clock: Clock, key_agencies: Sequence[str] = ()) -> None:
        self.store = store
        self.clock = clock
        self.key_agencies = tuple(key_agencies)

    # -- reading -----------------------------------------------------------------------

    async def check(self, turn: TurnRef, meeting_id: object) -> None:
        """Refuse, as the list would, anyone who may not correct that meeting's records (or
        a meeting whose minutes are agreed); else nothing. For a client that cannot be
        answered in place: the refusal comes before "use a current client"."""
        async with self.store.reading() as session:
            await meeting_to_correct(session, turn, meeting_id)

    async def records(
        self, turn: TurnRef, meeting_id: object, item_id: object = None, page: object = 1
    ) -> CorrectionListView:
        """The items of a meeting with entries to correct, or one item's entries (a page
        at a time, withdrawn ones marked): refused at once to anyone who may not correct,
        and once the minutes are agreed."""
        async with self.store.reading() as session:
            caller, meeting = await meeting_to_correct(session, turn, meeting_id)
            audit.note(
                session, audit.AuditAction.VIEW, "meetings", meeting.id, detail="corrections"
            )
            items = await items_with_records(session, meeting)
            base = CorrectionListView(
                meeting_id=meeting.id,
                locality=await locality_name(session, meeting),
                meeting_date=meeting_date(meeting),
                status=MeetingStatus(meeting.status),
                minutes_status=MinutesStatus(meeting.minutes_status),
                items=items,
            )
            wanted = card_id(item_id)
            item = next((i for i in items if i.item_id == wanted), None)
            if wanted is None:
                return base
            if item is None:
                row = await row_named(session, t.AgendaItem, wanted)
                if row is None or row.meeting_id != meeting.id:
                    raise NotFound()
                item = ItemRecords(row.id, row.position, row.title, 0)
            entries = await item_entries(
                session, meeting, item.item_id, await may_see_persons(session, caller)
            )
            pages = max(1, -(-len(entries) // ENTRIES_PER_PAGE))
            number = min(max(card_id(page) or 1, 1), pages)
            start = (number - 1) * ENTRIES_PER_PAGE
            return replace(
                base,
                item=item,
                entries=tuple(entries[start : start + ENTRIES_PER_PAGE]),
                page=number,
                pages=pages,
            )

    async def form(
        self, turn: TurnRef, meeting_id: object, kind: object, record_id: object
    ) -> CorrectionFormView:
        """One entry as it stands, for its correction form (its whole text: the form is
        shown only to the person who pressed, in place of the card). The viewing is
        audited; a withdrawn entry has no form."""
        async with self.store.reading() as session:
            caller, meeting = await meeting_to_correct(session, turn, meeting_id)
            record_kind = kind_named(kind)
            row = await record_to_correct(session, caller, meeting, record_kind, record_id)
            audit.note(session, audit.AuditAction.VIEW, record_kind.table, row.id)
            item = await session.get_one(t.AgendaItem, row.item_id)
            view = CorrectionFormView(
                meeting_id=meeting.id,
                status=MeetingStatus(meeting.status),
                locality=await locality_name(session, meeting),
                meeting_date=meeting_date(meeting),
                item_id=item.id,
                item_position=item.position,
                item_title=item.title,
                kind=record_kind,
                record_id=row.id,
                text=row.text if isinstance(row, t.MinuteEntry) else row.description,
            )
            if isinstance(row, t.MinuteEntry):
                return view
            lookups = await load_lookups(session, self.key_agencies)
            return replace(
                view,
                owner_id=row.owner_member_id,
                due_date=row.due_date,
                subject=await subject_label(session, row.subject_id),
                owners=await group_members(session, meeting.locality_id, lookups),
            )

    async def remember_summary_card(self, meeting_id: int, activity_id: str) -> None:
        """The newest summary card posted for an ended meeting is the one a correction
        redraws (its decisions and actions): kept here, as the agenda card's place is by
        the meetings, because corrections are its only editor (no corrections, nothing to
        redraw)."""
        async with self.store.transaction() as session:
            # Where the card is, not what it shows: no version check, so remembering it
            # never collides with a correction saved meanwhile.
            await session.execute(
                update(_MEETINGS)
                .where(_MEETINGS.c.id == meeting_id)
                .values(summary_activity_id=activity_id)
            )

    # -- correcting ---------------------------------------------------------------------

    async def correct(
        self,
        turn: TurnRef,
        meeting_id: object,
        kind: object,
        record_id: object,
        data: Mapping[str, object],
    ) -> CorrectionSaved:
        """Correct the entry's fields, or withdraw it (``withdraw`` ticked), with a reason.

        Refused with a plain message once the minutes are agreed; entries refused for
        their content (``InvalidInput``) save nothing and come back with the errors."""
        now = self.clock.now()
        today = london_today(self.clock)
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            caller = await caller_here(session, turn)
            caller.require(Permission.CORRECT_RECORDS)
            meeting = await row_here(session, t.Meeting, meeting_id, caller, "correct records")
            # The meeting's row first: agreeing the minutes changes it too, so the two
            # queue and the check below sees whichever committed first.
            await session.execute(BUMP, {"meeting_id": meeting.id})
            await session.refresh(meeting)
            if meeting.minutes_status == MinutesStatus.AGREED:
                raise Conflict(MINUTES_LOCKED)
            record_kind = kind_named(kind)
            row = await record_to_correct(session, caller, meeting, record_kind, record_id)
            errors: dict[str, str] = {}
            reason = clean_text(data.get(REASON_FIELD))
            require_text(errors, REASON_FIELD, reason, "A reason", MAX_REASON_CHARS)
            check_identifying_details(errors, REASON_FIELD, reason, today, data)
            withdraw = details_confirmed(data.get(WITHDRAW_FIELD))
            change = _Change(session, meeting, record_kind, row.id, caller, reason, now)
            if withdraw:
                raise_if(errors)
                change.withdrawn(row)
                note = f"{record_kind.label} withdrawn as recorded in error."
            elif isinstance(row, t.MinuteEntry):
                text = clean_text(data.get(TEXT_FIELD))
                require_text(errors, TEXT_FIELD, text, f"The {record_kind.value}", MAX_ENTRY_CHARS)
                check_identifying_details(errors, TEXT_FIELD, text, today, data)
                raise_if(errors)
                if text == row.text:
                    raise InvalidInput({FORM_ERROR: NOTHING_CHANGED})
                change.corrected("text", row.text)
                row.text, row.corrected_at = text, now
                note = f"{record_kind.label} corrected."
            else:
                await self._correct_action(session, change, row, data, errors, today)
                note = "Action corrected."
            return CorrectionSaved(meeting.id, row.item_id, note)

    async def _correct_action(
        self,
        session: AsyncSession,
        change: _Change,
        action: t.Action,
        data: Mapping[str, object],
        errors: dict[str, str],
        today: date,
    ) -> None:
        """An action's description, owner (and so agency), due date and subject, each
        changed field kept in ``record_corrections`` as it was."""
        description = clean_text(data.get(DESCRIPTION_FIELD))
        require_text(
            errors, DESCRIPTION_FIELD, description, "What needs doing", MAX_DESCRIPTION_CHARS
        )
        check_identifying_details(errors, DESCRIPTION_FIELD, description, today, data)
        owner = await _owner(session, action.locality_id, data.get(OWNER_FIELD))
        if owner is None:
            errors[OWNER_FIELD] = "Choose an owner from the members of this group."
        due_text = clean_text(data.get(DUE_FIELD))
        due: date | None = action.due_date
        if due_text != action.due_date.isoformat():
            # An unchanged date may be past (an ended meeting's action); a new one may not.
            due, due_error = parse_due_date(due_text, today)
            if due_error:
                errors[DUE_FIELD] = due_error
        keep_subject = clean_text(data.get(SUBJECT_KIND_FIELD)) in ("", KEEP_SUBJECT)
        wanted = None
        if not keep_subject:
            wanted = parse_subject(
                data.get(SUBJECT_KIND_FIELD),
                data.get(SUBJECT_REF_FIELD),
                data.get(SUBJECT_INITIALS_FIELD),
                errors,
            )
        subject: t.Subject | None = None
        keys = ring_of(session.get_bind().dialect)
        if wanted is not None:
            found = await find_subjects(
                session, keys, action.locality_id, wanted.reference, wanted.kind
            )
            subject = found[0] if found else None
            if subject is not None and subject.initials != wanted.initials:
                errors[SUBJECT_INITIALS_FIELD] = (
                    f"{subject.reference} is recorded with the initials "
                    f"{display_initials(subject.initials)}; check the case reference."
                )
        raise_if(errors)
        assert owner is not None and due is not None
        changed = False
        if description != action.description:
            change.corrected("description", action.description)
            action.description, changed = description, True
        previous_owner = action.owner_member_id
        if owner.id != previous_owner:
            change.corrected("owner", await _owner_label(session, action))
            action.owner_member_id, action.agency_id, changed = owner.id, owner.agency_id, True
        if due != action.due_date:
            change.corrected("due_date", action.due_date.isoformat())
            action.due_date, changed = due, True
        if not keep_subject:
            if wanted is not None and subject is None:
                subject = new_subject(keys, action.locality_id, wanted, change.now)
                session.add(subject)
                await session.flush()
            new_id = subject.id if subject is not None else None
            if new_id != action.subject_id:
                previous = await subject_label(session, action.subject_id, restricted=False)
                change.corrected("subject", previous)
                action.subject_id, changed = new_id, True
        if not changed:
            raise InvalidInput({FORM_ERROR: NOTHING_CHANGED})
        action.updated_at = change.now
        change.action_event(action, ActionEventKind.CORRECTED)
        if action.owner_member_id != previous_owner:
            await _tell_owners(session, action.id, previous_owner, owner.id, change.now)


class _Change:
    """One correction's rows: what each field said before and why, for one entry."""

    def __init__(
        self,
        session: AsyncSession,
        meeting: t.Meeting,
        kind: RecordKind,
        record_id: int,
        caller: Caller,
        reason: str,
        now: datetime,
    ) -> None:
        self.session, self.meeting, self.kind = session, meeting, kind
        self.record_id, self.caller, self.reason, self.now = record_id, caller, reason, now

    def corrected(self, field: str, previous: str) -> None:
        self._row(CorrectionChange.CORRECTED, field, previous)

    def withdrawn(self, row: t.MinuteEntry | t.Action) -> None:
        self._row(CorrectionChange.WITHDRAWN, "", "")
        if isinstance(row, t.MinuteEntry):
            row.withdrawn_at = self.now
            return
        row.status = ActionStatus.WITHDRAWN
        row.updated_at = self.now
        # A new date asked for is no longer the chair's to decide (the request's reason,
        # who asked and when stay, as the rest of the action does).
        row.requested_due_date = None
        self.action_event(row, ActionEventKind.WITHDRAWN)

    def action_event(self, action: t.Action, kind: ActionEventKind) -> None:
        self.session.add(
            t.ActionEvent(
                action_id=action.id,
                kind=kind.value,
                note=self.reason,
                member_id=self.caller.member.id,
                at=self.now,
                meeting_id=self.meeting.id,
            )
        )

    def _row(self, change: CorrectionChange, field: str, previous: str) -> None:
        self.session.add(
            t.RecordCorrection(
                meeting_id=self.meeting.id,
                record_type=self.kind.table,
                record_id=self.record_id,
                change=change.value,
                field=field,
                previous=previous,
                reason=self.reason,
                member_id=self.caller.member.id,
                at=self.now,
            )
        )


async def _owner(session: AsyncSession, locality_id: int, owner_id: object) -> t.Member | None:
    member = await row_named(session, t.Member, owner_id)
    if member is None or not member.active:
        return None
    return member if await roles_in(session, member.id, locality_id) else None


async def _tell_owners(
    session: AsyncSession, action_id: int, before: int, after: int, now: datetime
) -> None:
    """A corrected owner is an action that changed hands: the new owner must learn they
    own it (the reminders go to them now) and the one recorded in error that it is not
    theirs, as when the chair reassigns it, by reference only."""
    key = f"action-owner-corrected:{action_id}:{now.isoformat()}"
    notices = owner_change_notices(action_id, before, after, key, corrected=True)
    await enqueue(session, notices, due=now, if_queued=IfQueued.REFUSE)


async def _owner_label(session: AsyncSession, action: t.Action) -> str:
    owner = await session.get(t.Member, action.owner_member_id)
    agency = await session.get(t.Agency, action.agency_id)
    name = owner.name if owner is not None else ""
    return f"{name} ({agency.name})" if agency is not None else name
