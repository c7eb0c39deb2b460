"""What is recorded under an agenda item while a meeting runs: a minute, a decision, an
action (with its owner, due date and the subject it concerns).

Its own module because recording is what most people do in a meeting, and its checks
(the text, identifying details, an owner from the group, the subject found or added to
the register) are not about running the meeting. ``MeetingService.record_action``
(bot/services/meetings.py) still opens the transaction, checks the caller may record and
finds the meeting and the item; it calls here inside it, as the subjects under items 4-7
are handled by bot/services/item_subjects.py. A minute or decision is checked here
(``entry_values``) before any transaction, and written with the others recorded in its
meeting at that moment (bot/services/entry_batches.py), finding its item, with the
subject current under it, in one statement (``insert_entry``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import ColumnElement, ScalarSelect, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from bot.domain.agenda import CURRENT_SUBJECT, SubItemStatus
from bot.domain.card_fields import card_id
from bot.domain.errors import NotFound
from bot.domain.model import ActionStatus, EntryKind
from bot.domain.rules import (
    MAX_DESCRIPTION_CHARS,
    MAX_ENTRY_CHARS,
    check_identifying_details,
    clean_text,
    display_initials,
    parse_due_date,
    parse_subject,
    raise_if,
    recorded_text,
    require_text,
)
from bot.services import item_subjects
from bot.services.context import Caller, roles_in
from bot.services.records import row_named
from bot.services.subjects import find_subjects, new_subject
from bot.store import tables as t
from bot.store.crypto import ring_of

#: Refusal of an addition to a meeting no longer in progress.
MEETING_ENDED = "That meeting has ended; nothing more can be recorded in it."

_MEETINGS = t.table_of(t.Meeting)
#: A change's bump of its meeting's version (its card changes), which also takes the
#: meeting's row: built once, on the table (``tables.table_of``), as every minute,
#: decision, "I'm here" and correction runs it.
BUMP = (
    update(_MEETINGS)
    .where(_MEETINGS.c.id == bindparam("meeting_id"))
    .values(version=_MEETINGS.c.version + 1)
)
#: The bump of an addition that takes the row last, telling whether the meeting is still
#: in progress.
BUMP_RETURNING_STATUS = BUMP.returning(_MEETINGS.c.status)

ENTRY_FIELDS = {EntryKind.MINUTE: "minuteText", EntryKind.DECISION: "decisionText"}

_ITEMS = t.table_of(t.AgendaItem)
_ITEM_SUBJECTS = t.table_of(t.ItemSubject)
_ENTRIES = t.table_of(t.MinuteEntry)


def _entry_insert(subject: ScalarSelect[int]) -> ReturningInsert[int]:
    """A minute or decision, inserted only if its item is one of the card's meeting's, about
    ``subject``: one statement, built once, for what most people record. It finds the item
    (and the subject under it) as it inserts, so a minute is one round trip, not three (the
    item, the subject, the insert); and it is a plain statement, not the unit of work,
    whose insert cost more CPU than its round trip (a profile of the busiest minute). The
    audit entry the unit of work would make for the new row is noted beside it."""
    return (
        insert(_ENTRIES)
        .from_select(
            [
                "meeting_id",
                "item_id",
                "kind",
                "text",
                "subject_id",
                "author_member_id",
                "created_at",
            ],
            select(
                _ITEMS.c.meeting_id,
                _ITEMS.c.id,
                bindparam("kind", type_=_ENTRIES.c.kind.type),
                bindparam("text", type_=_ENTRIES.c.text.type),  # encrypted as it is bound
                subject,
                bindparam("author_member_id", type_=_ENTRIES.c.author_member_id.type),
                bindparam("created_at", type_=_ENTRIES.c.created_at.type),
            ).where(
                _ITEMS.c.id == bindparam("item_id"),
                _ITEMS.c.meeting_id == bindparam("meeting_id"),
            ),
        )
        .returning(_ENTRIES.c.id)
    )


def _subject_under_item(*criteria: ColumnElement[bool]) -> ScalarSelect[int]:
    return (
        select(_ITEM_SUBJECTS.c.subject_id)
        .where(_ITEM_SUBJECTS.c.item_id == _ITEMS.c.id, *criteria)
        .limit(1)
        .scalar_subquery()
    )


#: About the subject current under the item, if any (a form that does not say).
_NEW_ENTRY_ON_CURRENT = _entry_insert(
    _subject_under_item(_ITEM_SUBJECTS.c.status == SubItemStatus.CURRENT.value)
)
#: About the sub-item the form was drawn for, if it is one of the item's (else the item).
_NEW_ENTRY_ON_NAMED = _entry_insert(
    _subject_under_item(_ITEM_SUBJECTS.c.subject_id == bindparam("subject_id"))
)


def entry_values(
    caller: Caller,
    meeting: t.Meeting,
    item_value: object,
    kind: EntryKind,
    data: Mapping[str, object],
    today: date,
    now: datetime,
) -> dict[str, object]:
    """A minute or decision checked and ready to write (``insert_entry``): under the item
    a card names (``item_value``), about the subject being discussed if any: the sub-item
    its form was drawn for (``subjectId``; 0 for the item itself), or, from a form that
    does not say (an older card), the item's current sub-item. Raises for text that cannot
    be kept (the form shows why beside the field), before anything is written."""
    item_id = card_id(item_value)
    if item_id is None:
        raise NotFound()
    field = ENTRY_FIELDS[kind]
    label = "The minute" if kind is EntryKind.MINUTE else "The decision"
    values: dict[str, object] = {
        "item_id": item_id,
        "meeting_id": meeting.id,
        "kind": kind,
        "text": recorded_text(data, field, label, MAX_ENTRY_CHARS, today),
        "author_member_id": caller.member.id,
        "created_at": now,
    }
    if "subjectId" in data:
        values["subject_id"] = card_id(data.get("subjectId"))
    return values


async def insert_entry(connection: AsyncConnection, values: Mapping[str, object]) -> int | None:
    """Write an entry made by ``entry_values``; its id, or None (nothing written) if its
    item is not one of its meeting's. The audit entry for it is the caller's to chain."""
    statement = _NEW_ENTRY_ON_NAMED if "subject_id" in values else _NEW_ENTRY_ON_CURRENT
    return (await connection.execute(statement, values)).scalar_one_or_none()


async def add_action(
    session: AsyncSession,
    caller: Caller,
    meeting: t.Meeting,
    item: t.AgendaItem,
    data: Mapping[str, object],
    today: date,
    now: datetime,
) -> None:
    """An action agreed under ``item``: what needs doing, an owner from the group's
    members, a due date, and the subject it concerns (the one being discussed, one the
    register holds, or one added to it now)."""
    errors: dict[str, str] = {}
    description = clean_text(data.get("description"))
    require_text(errors, "description", description, "What needs doing", MAX_DESCRIPTION_CHARS)
    check_identifying_details(errors, "description", description, today, data)
    owner = await _owner(session, meeting.locality_id, data.get("ownerId"))
    if owner is None:
        errors["ownerId"] = "Choose an owner from the members of this group."
    due, due_error = parse_due_date(data.get("dueDate"), today)
    if due_error:
        errors["dueDate"] = due_error
    discussed: int | None = None
    subject_input = None
    if clean_text(data.get("subjectKind")) == CURRENT_SUBJECT:
        # "The subject being discussed": the form names it by id, never reference.
        discussed = await item_subjects.subject_in_meeting(
            session, meeting.id, data.get("subjectId")
        )
        if discussed is None:
            errors["subjectKind"] = "That subject is not on this agenda: choose again."
    else:
        subject_input = parse_subject(
            data.get("subjectKind"),
            data.get("subjectRef"),
            data.get("subjectInitials"),
            errors,
        )
    subject = None
    keys = ring_of(session.get_bind().dialect)
    if subject_input is not None:
        found = await find_subjects(
            session, keys, meeting.locality_id, subject_input.reference, subject_input.kind
        )
        subject = found[0] if found else None
        if subject is not None and subject.initials != subject_input.initials:
            errors["subjectInitials"] = (
                f"{subject.reference} is recorded with the initials "
                f"{display_initials(subject.initials)}; check the case reference."
            )
    raise_if(errors)
    assert owner is not None and due is not None
    if subject_input is not None and subject is None:
        subject = new_subject(keys, meeting.locality_id, subject_input, now)
        session.add(subject)
        await session.flush()
    action = t.Action(
        locality_id=meeting.locality_id,
        meeting_id=meeting.id,
        item_id=item.id,
        description=description,
        owner_member_id=owner.id,
        agency_id=owner.agency_id,
        due_date=due,
        subject_id=subject.id if subject else discussed,
        status=ActionStatus.OPEN,
        created_by_member_id=caller.member.id,
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    await session.flush()
    session.add(
        t.ActionEvent(
            action_id=action.id, kind="created", note="", member_id=caller.member.id, at=now
        )
    )


async def _owner(session: AsyncSession, locality_id: int, owner_id: object) -> t.Member | None:
    member = await row_named(session, t.Member, owner_id)
    if member is None or not member.active:
        return None
    return member if await roles_in(session, member.id, locality_id) else None
