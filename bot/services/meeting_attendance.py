"""Who attended a meeting, by agency: "I'm here" pressed by a member for their own agency,
and the attendance form, on which whoever records attendance sets any agency's line.

Its own module because attendance is a record of its own (one row per agency, shown on
the agenda card and counted by the report and the dashboard) with its own checks, and has
nothing to do with moving through the agenda. ``MeetingService.mark_present`` and
``record_attendance`` (bot/services/meetings.py) still open the transaction, check the
caller's role and find the meeting; they call here inside it, as recording calls
bot/services/meeting_records.py.

Both take the agency's line first (``_locked_line``: on PostgreSQL its row locked, inserted
first if there is none; SQLite runs one writer at a time) and the meeting's row after it,
when committing. "I'm here" is an addition: presses made at once queue on a line only when
they are of the same agency, each then adding its name to the line as the one before left
it, and on the meeting's row only while committing (``MeetingService._changing``,
``meeting_last``), where it is checked that the meeting is still in progress. The form is a
change of state, checked against the meeting's version when it commits. Taking the two
rows in the same order in both keeps a press and the form for one agency from deadlocking.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import AttendanceStatus
from bot.domain.rules import MAX_NAME_CHARS, clean_text, optional_text, raise_if
from bot.services import ratings
from bot.services.context import Caller
from bot.services.records import row_named
from bot.store import audit
from bot.store import tables as t
from bot.store.upsert import on_conflict

#: An agency's line of a meeting, locked (FOR UPDATE; nothing on SQLite, whose writers
#: take turns whole) and read afresh, so the line is as the last one to change it left it.
_LINE = (
    select(t.Attendance)
    .where(
        t.Attendance.meeting_id == bindparam("meeting_id"),
        t.Attendance.agency_id == bindparam("agency_id"),
    )
    .with_for_update()
    .execution_options(populate_existing=True)
)
#: A new line, unless one for the agency is there already (or being inserted by another
#: transaction, which this one then waits for): its id if inserted. Built once per dialect.
_LINES = t.table_of(t.Attendance)
_NEW_LINE = {
    dialect: on_conflict(dialect, _LINES, None, ["meeting_id", "agency_id"]).returning(_LINES.c.id)
    for dialect in ("postgresql", "sqlite")
}


async def _locked_line(
    session: AsyncSession, meeting_id: int, agency_id: int, new: Mapping[str, Any]
) -> t.Attendance | None:
    """The agency's line of the meeting, locked until the transaction ends; or None when
    there was none and ``new`` (its columns) has been inserted as the line, which is as
    much this transaction's until it ends.

    Without autoflush: a change of state has dirtied the meeting (``_changing``), and a
    flush here would take the meeting's row before the line. The insert is a plain
    statement (two at once: one inserts, the other waits for it and then locks the line
    it made), so the unit of work does not see it; its audit entry is noted here, the
    entry the unit of work makes for a new row."""
    keys = {"meeting_id": meeting_id, "agency_id": agency_id}
    with session.no_autoflush:
        row = await session.scalar(_LINE, keys)
        if row is not None:
            return row
        dialect = session.get_bind().dialect.name
        inserted = await session.scalar(_NEW_LINE[dialect], {**new, **keys})
        if inserted is not None:
            audit.note(session, audit.AuditAction.CREATE, _LINES.name, inserted)
            return None
        return (await session.scalars(_LINE, keys)).one()


async def mark_present(
    session: AsyncSession, caller: Caller, meeting: t.Meeting, now: datetime
) -> None:
    """'I'm here': the clicker's own agency is present, with their name added."""
    name = caller.member.name
    new = {
        "status": AttendanceStatus.PRESENT,
        "people": name,
        "recorded_by_member_id": caller.member.id,
        "recorded_at": now,
    }
    row = await _locked_line(session, meeting.id, caller.member.agency_id, new)
    if row is not None:
        people = [p.strip() for p in row.people.split(",") if p.strip()]
        if name not in people:
            people.append(name)
        row.people = ", ".join(people)
        if row.status == AttendanceStatus.APOLOGIES:
            row.status = AttendanceStatus.PRESENT
        row.recorded_by_member_id = caller.member.id
        row.recorded_at = now
    # Who said they were there themselves is asked to rate the meeting (issue 16).
    await ratings.record_attendee(session, meeting.id, caller.member.id, now)


async def record_attendance(
    session: AsyncSession,
    caller: Caller,
    meeting: t.Meeting,
    data: Mapping[str, object],
    now: datetime,
) -> None:
    """The attendance form: one agency's line (present, apologies or a substitute, and
    who), set whole; its entries are refused with the errors beside the fields.

    Read without autoflush until the line is locked: the meeting, dirtied as a change of
    state (``_changing``), is written (its row taken) only after the line."""
    errors: dict[str, str] = {}
    with session.no_autoflush:
        agency = await row_named(session, t.Agency, data.get("agencyId"))
    if agency is None:
        errors["agencyId"] = "Choose the agency."
    status_text = clean_text(data.get("attendanceStatus"))
    try:
        status = AttendanceStatus(status_text)
    except ValueError:
        errors["attendanceStatus"] = "Choose present, apologies or substitute."
        status = AttendanceStatus.PRESENT
    people = optional_text(
        errors, "people", data.get("people"), "Say who attended (or who is substituting)."
    )
    if "people" in errors:
        pass  # not text at all: said above
    elif len(people) > MAX_NAME_CHARS * 3:
        errors["people"] = f"Keep this to at most {MAX_NAME_CHARS * 3} characters."
    elif not people and status is not AttendanceStatus.APOLOGIES:
        errors["people"] = "Say who attended (or who is substituting)."
    raise_if(errors)
    assert agency is not None
    new = {
        "status": status,
        "people": people,
        "recorded_by_member_id": caller.member.id,
        "recorded_at": now,
    }
    row = await _locked_line(session, meeting.id, agency.id, new)
    if row is not None:
        row.status, row.people = status, people
        row.recorded_by_member_id, row.recorded_at = caller.member.id, now
