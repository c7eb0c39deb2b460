"""The subjects discussed under items 4-7 of a meeting: added by the chair, in order, and
walked through by "next" like the items themselves (issue 15, point 3).

Each subject the chair adds (a new one, or one already on the register, found by its
reference) becomes an ``item_subjects`` row: a sub-item of the agenda card. While a
sub-item is current, what is recorded (minutes, decisions, actions, a round) is recorded
about its subject; when it becomes current the subject is recorded as discussed on the
meeting's date (``subjects.first_discussed_on``/``last_discussed_on``, and one
``discussed`` history entry per meeting).

These functions run inside a ``MeetingService`` transaction (``_changing``): they take the
session, the caller and the meeting it already checked, so the permission, the claim of
the activity and the audit are the meeting's own. Kept here, not in meetings.py, so that
the meeting's module stays about the meeting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.agenda import SUBJECT_ITEMS, SubItemStatus, entering_index, walk
from bot.domain.card_fields import card_id
from bot.domain.clock import LONDON
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.model import ItemKind, SubjectKind
from bot.domain.register import INITIALS_FIELD, KIND_FIELD, SubjectEventKind, parse_register_entry
from bot.services.context import Caller
from bot.services.records import row_named
from bot.services.register_access import persons_in
from bot.services.subjects import find_or_add
from bot.store import tables as t
from bot.store.crypto import ring_of

NOT_A_SUBJECT_ITEM = (
    "Subjects are discussed under items 4 to 7 (children, persons of concern, locations, "
    "community intelligence); this item has none."
)
ALREADY_ON_ITEM = "That subject is already on this item."
RECORDED_AGAINST = (
    "That subject stays on the agenda: it has been discussed, or something was recorded "
    "about it. Only a subject still to come, with nothing recorded, can be removed."
)
NOT_ALLOWED_PERSON = "Only those this group allows to see persons of concern can add one."


def meeting_date(meeting: t.Meeting) -> date:
    """The meeting's date as the group knows it (an English calendar date)."""
    return meeting.started_at.astimezone(LONDON).date()


async def rows_of(session: AsyncSession, item_id: int) -> list[t.ItemSubject]:
    """An item's sub-items, in the chair's order."""
    return list(
        await session.scalars(
            select(t.ItemSubject)
            .where(t.ItemSubject.item_id == item_id)
            .order_by(t.ItemSubject.position)
        )
    )


async def current_row(session: AsyncSession, item_id: int) -> t.ItemSubject | None:
    return await session.scalar(
        select(t.ItemSubject).where(
            t.ItemSubject.item_id == item_id,
            t.ItemSubject.status == SubItemStatus.CURRENT.value,
        )
    )


async def subject_in_meeting(
    session: AsyncSession, meeting_id: int, subject_value: object
) -> int | None:
    """The subject a card names, if it is discussed somewhere in this meeting."""
    subject_id = card_id(subject_value)
    if subject_id is None:
        return None
    return await session.scalar(
        select(t.ItemSubject.subject_id)
        .where(t.ItemSubject.meeting_id == meeting_id, t.ItemSubject.subject_id == subject_id)
        .limit(1)
    )


async def add(
    session: AsyncSession,
    caller: Caller,
    meeting: t.Meeting,
    item: t.AgendaItem,
    data: Mapping[str, object],
    today: date,
    now: datetime,
) -> t.ItemSubject:
    """Add the subject a form names to ``item``, after its last sub-item: found on the
    register by kind and reference, or added to it (with a ``created`` history entry)."""
    if ItemKind(item.kind) not in SUBJECT_ITEMS:
        raise Conflict(NOT_A_SUBJECT_ITEM)
    entry = parse_register_entry(data, today)
    if entry.kind is SubjectKind.PERSON and meeting.locality_id not in await persons_in(
        session, caller.member, {meeting.locality_id: caller.roles}
    ):
        raise InvalidInput({KIND_FIELD: NOT_ALLOWED_PERSON})
    keys = ring_of(session.get_bind().dialect)
    subject, _ = await find_or_add(
        session,
        keys,
        meeting.locality_id,
        entry,
        now,
        member_id=caller.member.id,
        meeting_id=meeting.id,
    )
    if entry.kind in (SubjectKind.CHILD, SubjectKind.PERSON) and subject.initials != (
        entry.initials
    ):
        # The register keeps what the group recorded; a different spelling now is more
        # likely a mistyped reference than new initials. Never echo either back.
        raise InvalidInput(
            {INITIALS_FIELD: "The register holds that reference with other initials: check both."}
        )
    taken = await session.scalar(
        select(
            exists().where(t.ItemSubject.item_id == item.id, t.ItemSubject.subject_id == subject.id)
        )
    )
    if taken:
        raise Conflict(ALREADY_ON_ITEM)
    last = await session.scalar(
        select(func.max(t.ItemSubject.position)).where(t.ItemSubject.item_id == item.id)
    )
    row = t.ItemSubject(
        meeting_id=meeting.id,
        item_id=item.id,
        subject_id=subject.id,
        position=(last or 0) + 1,
        status=SubItemStatus.PENDING.value,
        added_by_member_id=caller.member.id,
        added_at=now,
    )
    session.add(row)
    return row


async def named_row(session: AsyncSession, meeting: t.Meeting, row_value: object) -> t.ItemSubject:
    row = await row_named(session, t.ItemSubject, row_value)
    if row is None or row.meeting_id != meeting.id:
        raise NotFound()
    return row


async def remove(session: AsyncSession, meeting: t.Meeting, row_value: object) -> None:
    """Take off a sub-item added in error: only one still to come, with nothing recorded
    about its subject under this item (a minute, decision, action or round)."""
    row = await named_row(session, meeting, row_value)
    if row.status != SubItemStatus.PENDING.value or await _recorded(session, row):
        raise Conflict(RECORDED_AGAINST)
    await session.delete(row)


async def _recorded(session: AsyncSession, row: t.ItemSubject) -> bool:
    for table in (t.MinuteEntry, t.Action, t.ShareRound):
        found = await session.scalar(
            select(exists().where(table.item_id == row.item_id, table.subject_id == row.subject_id))
        )
        if found:
            return True
    return False


async def move_row(
    session: AsyncSession, meeting: t.Meeting, row_value: object, direction: object
) -> None:
    """Move a sub-item one place up or down in its item's order (its neighbour takes
    its place); at either end it stays where it is."""
    row = await named_row(session, meeting, row_value)
    rows = await rows_of(session, row.item_id)
    index = next(i for i, r in enumerate(rows) if r.id == row.id)
    other_index = index - 1 if direction == "up" else index + 1 if direction == "down" else -1
    if not 0 <= other_index < len(rows):
        return
    other = rows[other_index]
    mine, theirs = row.position, other.position
    # (item, position) is unique: park one row while the other takes its place.
    row.position = -row.id
    await session.flush()
    other.position = mine
    await session.flush()
    row.position = theirs


async def step_within(
    session: AsyncSession,
    meeting: t.Meeting,
    item: t.AgendaItem,
    step: int,
    member_id: int,
    now: datetime,
) -> bool:
    """Walk through ``item``'s sub-items; False when the step leaves the item (its
    current sub-item, if any, is then done)."""
    rows = await rows_of(session, item.id)
    current = next((i for i, r in enumerate(rows) if r.status == SubItemStatus.CURRENT.value), None)
    where = walk(current, len(rows), step)
    if current is not None and (where.leave or where.index != current):
        rows[current].status = SubItemStatus.DONE.value
    if where.leave:
        return False
    if where.index is not None:
        await _make_current(session, meeting, rows[where.index], member_id, now)
    return True


async def arrive(
    session: AsyncSession,
    meeting: t.Meeting,
    item: t.AgendaItem,
    step: int,
    member_id: int,
    now: datetime,
) -> None:
    """Entering ``item``: from the item before, at its heading; walking back, at its last
    subject."""
    rows = await rows_of(session, item.id) if ItemKind(item.kind) in SUBJECT_ITEMS else []
    index = entering_index(len(rows), step)
    if index is not None:
        await _make_current(session, meeting, rows[index], member_id, now)


async def _make_current(
    session: AsyncSession, meeting: t.Meeting, row: t.ItemSubject, member_id: int, now: datetime
) -> None:
    row.status = SubItemStatus.CURRENT.value
    await mark_discussed(session, meeting, row.subject_id, member_id, now)


async def mark_discussed(
    session: AsyncSession, meeting: t.Meeting, subject_id: int, member_id: int, now: datetime
) -> None:
    """The subject was discussed at this meeting: its dates, and one ``discussed``
    history entry per meeting however often it is walked past."""
    subject = await session.get_one(t.Subject, subject_id)
    on = meeting_date(meeting)
    if subject.first_discussed_on is None or subject.first_discussed_on > on:
        subject.first_discussed_on = on
    if subject.last_discussed_on is None or subject.last_discussed_on < on:
        subject.last_discussed_on = on
    noted = await session.scalar(
        select(
            exists().where(
                t.SubjectEvent.subject_id == subject_id,
                t.SubjectEvent.kind == SubjectEventKind.DISCUSSED.value,
                t.SubjectEvent.meeting_id == meeting.id,
            )
        )
    )
    if not noted:
        session.add(
            t.SubjectEvent(
                subject_id=subject_id,
                kind=SubjectEventKind.DISCUSSED.value,
                value=on.isoformat(),
                meeting_id=meeting.id,
                member_id=member_id,
                locality_id=meeting.locality_id,
                at=now,
            )
        )


def ordinals(kinds: Sequence[SubjectKind]) -> list[int]:
    """Each subject's number among those of its kind, in order (for "Person of concern 2")."""
    seen: dict[SubjectKind, int] = {}
    numbers = []
    for kind in kinds:
        seen[kind] = seen.get(kind, 0) + 1
        numbers.append(seen[kind])
    return numbers
