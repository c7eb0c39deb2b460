"""Reading for corrections (issue 16): which meeting and which entry a caller may correct,
and what the correction list shows of a meeting's items and of one item's entries.

A room of its own because these checks are the control, not the cards: every list and
form of ``CorrectionService`` (bot/services/corrections.py, which keeps the transactions,
the audit and the writing) finds the meeting here, and every form and save the entry, so
a crafted payload meets the same refusal wherever it is sent (a save checks the meeting
itself, after taking its row). What is listed is read here too, with the rule that an
entry about a person of concern is named only to someone who may see them (the group's
rule, as the Word minutes apply it).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.corrections import (
    ALREADY_WITHDRAWN,
    MINUTES_LOCKED,
    CorrectableEntry,
    ItemRecords,
    RecordKind,
)
from bot.domain.errors import Conflict, NotFound
from bot.domain.model import ActionStatus, EntryKind, MinutesStatus, SubjectKind
from bot.domain.permissions import Permission
from bot.domain.rules import clean_text, subject_display
from bot.services.context import Caller, TurnRef, caller_here
from bot.services.readmodels.actions import corrected_actions
from bot.services.readmodels.lookups import member_names
from bot.services.records import row_here, row_named
from bot.services.register_access import persons_in
from bot.store import tables as t

#: How much of an entry a correction list shows (the form shows it whole).
LIST_TEXT_CHARS = 140
#: An action's subject when it is a person of concern: never named on a card drawn in the
#: group's conversation (bot.domain.agenda.channel_label).
PERSON_OF_CONCERN = "A person of concern"
#: An entry about a person of concern, listed for someone who may not see them.
RESTRICTED = "About a person of concern (restricted)"


async def meeting_to_correct(
    session: AsyncSession, turn: TurnRef, meeting_id: object
) -> tuple[Caller, t.Meeting]:
    """The meeting a card names, in the caller's locality, for someone who may correct
    it, while its minutes are not yet agreed."""
    caller = await caller_here(session, turn)
    caller.require(Permission.CORRECT_RECORDS)
    meeting = await row_here(session, t.Meeting, meeting_id, caller, "correct records")
    if meeting.minutes_status == MinutesStatus.AGREED:
        raise Conflict(MINUTES_LOCKED)
    return caller, meeting


async def record_to_correct(
    session: AsyncSession,
    caller: Caller,
    meeting: t.Meeting,
    kind: RecordKind,
    record_id: object,
) -> t.MinuteEntry | t.Action:
    """The entry a card names, only if it is of that kind, of that meeting, about no
    person of concern the caller may not see, and not withdrawn already."""
    row: t.MinuteEntry | t.Action | None
    if kind is RecordKind.ACTION:
        row = await row_named(session, t.Action, record_id)
        withdrawn = row is not None and row.status == ActionStatus.WITHDRAWN
    else:
        entry = await row_named(session, t.MinuteEntry, record_id)
        row = entry if entry is not None and entry.kind == kind.value else None
        withdrawn = entry is not None and entry.withdrawn_at is not None
    if row is None or row.meeting_id != meeting.id:
        raise NotFound()
    if await _is_person(session, row.subject_id) and not await may_see_persons(session, caller):
        raise NotFound()
    if withdrawn:
        raise Conflict(ALREADY_WITHDRAWN)
    return row


async def items_with_records(session: AsyncSession, meeting: t.Meeting) -> tuple[ItemRecords, ...]:
    """The meeting's items with how many entries (withdrawn ones aside) each holds."""
    counts: dict[int, int] = {}
    for item_id, count in await session.execute(
        select(t.MinuteEntry.item_id, func.count())
        .where(t.MinuteEntry.meeting_id == meeting.id, t.MinuteEntry.withdrawn_at.is_(None))
        .group_by(t.MinuteEntry.item_id)
    ):
        counts[item_id] = counts.get(item_id, 0) + int(count)
    for item_id, count in await session.execute(
        select(t.Action.item_id, func.count())
        .where(t.Action.meeting_id == meeting.id, t.Action.status != ActionStatus.WITHDRAWN)
        .group_by(t.Action.item_id)
    ):
        counts[item_id] = counts.get(item_id, 0) + int(count)
    items = await session.execute(
        select(t.AgendaItem.id, t.AgendaItem.position, t.AgendaItem.title)
        .where(t.AgendaItem.meeting_id == meeting.id)
        .order_by(t.AgendaItem.position)
    )
    return tuple(
        ItemRecords(item_id, position, title, counts[item_id])
        for item_id, position, title in items
        if counts.get(item_id)
    )


async def item_entries(
    session: AsyncSession, meeting: t.Meeting, item_id: int, sees_persons: bool
) -> list[CorrectableEntry]:
    """An item's minutes and decisions, then its actions, each in the order recorded.
    One about a person of concern the caller may not see is listed without its text
    and cannot be opened (as the Word minutes leave it out for them)."""
    minutes = [
        e
        for e in await session.scalars(
            select(t.MinuteEntry)
            .where(t.MinuteEntry.meeting_id == meeting.id, t.MinuteEntry.item_id == item_id)
            .order_by(t.MinuteEntry.id)
        )
        if e.kind in (EntryKind.MINUTE, EntryKind.DECISION)
    ]
    actions = (
        await session.scalars(
            select(t.Action)
            .where(t.Action.meeting_id == meeting.id, t.Action.item_id == item_id)
            .order_by(t.Action.id)
        )
    ).all()
    hidden = (
        set()
        if sees_persons
        else await _persons(
            session, [e.subject_id for e in minutes] + [a.subject_id for a in actions]
        )
    )
    entries = [
        CorrectableEntry(
            RecordKind(e.kind),
            e.id,
            RESTRICTED if e.subject_id in hidden else _clip(e.text),
            corrected=e.corrected_at is not None,
            withdrawn=e.withdrawn_at is not None,
            restricted=e.subject_id in hidden,
        )
        for e in minutes
    ]
    corrected = await corrected_actions(session, [a.id for a in actions])
    names = await member_names(session, (a.owner_member_id for a in actions))
    for a in actions:
        restricted = a.subject_id in hidden
        entries.append(
            CorrectableEntry(
                RecordKind.ACTION,
                a.id,
                RESTRICTED if restricted else _clip(a.description),
                corrected=a.id in corrected,
                withdrawn=a.status == ActionStatus.WITHDRAWN,
                detail=""
                if restricted
                else (f"{names.get(a.owner_member_id, '')}, due {a.due_date:%d %b %Y}"),
                restricted=restricted,
            )
        )
    return entries


async def may_see_persons(session: AsyncSession, caller: Caller) -> bool:
    """Whether the caller may see persons of concern in their group (the group's rule)."""
    groups = {caller.locality_id: caller.roles}
    return caller.locality_id in await persons_in(session, caller.member, groups)


async def _persons(session: AsyncSession, subject_ids: Sequence[int | None]) -> set[int]:
    """Of these subjects, the persons of concern."""
    wanted = {s for s in subject_ids if s is not None}
    if not wanted:
        return set()
    return set(
        await session.scalars(
            select(t.Subject.id).where(
                t.Subject.id.in_(wanted), t.Subject.kind == SubjectKind.PERSON.value
            )
        )
    )


async def _is_person(session: AsyncSession, subject_id: int | None) -> bool:
    return bool(await _persons(session, [subject_id]))


def kind_named(value: object) -> RecordKind:
    try:
        return RecordKind(clean_text(value))
    except ValueError:
        raise NotFound() from None


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= LIST_TEXT_CHARS else flat[: LIST_TEXT_CHARS - 1] + "…"


async def locality_name(session: AsyncSession, meeting: t.Meeting) -> str:
    locality = await session.get_one(t.Locality, meeting.locality_id)
    return locality.name


async def subject_label(
    session: AsyncSession, subject_id: int | None, *, restricted: bool = True
) -> str:
    """An action's subject as a card in the group's conversation may name it (a person of
    concern unnamed); ``restricted=False`` for what the encrypted correction keeps."""
    if subject_id is None:
        return ""
    subject = await session.get(t.Subject, subject_id)
    if subject is None:
        return ""
    kind = SubjectKind(subject.kind)
    if kind is SubjectKind.PERSON and restricted:
        return PERSON_OF_CONCERN
    return subject_display(kind, subject.reference, subject.initials)
