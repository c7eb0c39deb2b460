"""Who attended a meeting, by agency: "I'm here" pressed by a member for their own agency,
and the attendance form, on which whoever records attendance sets any agency's line.

Its own module because attendance is a record of its own (one row per agency, shown on
the agenda card and counted by the report and the dashboard) with its own checks, and has
nothing to do with moving through the agenda. ``MeetingService.mark_present`` and
``record_attendance`` (bot/services/meetings.py) still open the transaction, check the
caller's role and find the meeting (an "I'm here" takes the meeting's row first, so many
pressed at once all count; the form is a change of state, checked against the version);
they call here inside it, as recording calls bot/services/meeting_records.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import AttendanceStatus
from bot.domain.rules import MAX_NAME_CHARS, clean_text, optional_text, raise_if
from bot.services import ratings
from bot.services.context import Caller
from bot.services.records import row_named
from bot.store import tables as t


async def mark_present(
    session: AsyncSession, caller: Caller, meeting: t.Meeting, now: datetime
) -> None:
    """'I'm here': the clicker's own agency is present, with their name added."""
    row = await session.scalar(
        select(t.Attendance).where(
            t.Attendance.meeting_id == meeting.id,
            t.Attendance.agency_id == caller.member.agency_id,
        )
    )
    name = caller.member.name
    if row is None:
        session.add(
            t.Attendance(
                meeting_id=meeting.id,
                agency_id=caller.member.agency_id,
                status=AttendanceStatus.PRESENT,
                people=name,
                recorded_by_member_id=caller.member.id,
                recorded_at=now,
            )
        )
    else:
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
    who), set whole; its entries are refused with the errors beside the fields."""
    errors: dict[str, str] = {}
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
    row = await session.scalar(
        select(t.Attendance).where(
            t.Attendance.meeting_id == meeting.id, t.Attendance.agency_id == agency.id
        )
    )
    if row is None:
        session.add(
            t.Attendance(
                meeting_id=meeting.id,
                agency_id=agency.id,
                status=status,
                people=people,
                recorded_by_member_id=caller.member.id,
                recorded_at=now,
            )
        )
    else:
        row.status, row.people = status, people
        row.recorded_by_member_id, row.recorded_at = caller.member.id, now
