"""Meeting records written straight into a demo store, for retention and subject access tests.

Everything is invented: case references like CR-0001, the demo groups' fictional members.
Rows are added through the ORM inside ``store.transaction`` as the services would add
them, so their creation is audited like the real thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.store import tables as t
from bot.store.crypto import subject_index
from bot.store.db import Store


def utc(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class MeetingIds:
    id: int
    item_id: int
    locality_id: int


class Records:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def _add(self, row: Any) -> Any:
        async with self.store.transaction() as session:
            session.add(row)
            await session.flush()
            return row

    async def locality(self, code: str) -> int:
        async with self.store.reading() as session:
            found = await session.scalar(select(t.Locality.id).where(t.Locality.code == code))
        assert found is not None, code
        return found

    async def member(self, name: str) -> t.Member:
        async with self.store.reading() as session:
            found = await session.scalar(select(t.Member).where(t.Member.name == name))
        assert found is not None, name
        return found

    async def agency(self, code: str) -> int:
        async with self.store.reading() as session:
            found = await session.scalar(select(t.Agency.id).where(t.Agency.code == code))
        assert found is not None, code
        return found

    async def meeting(
        self,
        locality: str,
        started: datetime,
        *,
        status: str = "ended",
        chair: str = "Alex Wilber",
    ) -> MeetingIds:
        locality_id = await self.locality(locality)
        chair_id = (await self.member(chair)).id
        async with self.store.transaction() as session:
            meeting = t.Meeting(
                locality_id=locality_id,
                conversation_id=f"19:{locality}-channel@thread.tacv2",
                status=status,
                chair_member_id=chair_id,
                started_at=started,
                ended_at=started + timedelta(hours=2) if status == "ended" else None,
                minutes_status="draft",
                in_progress_locality_id=locality_id if status == "in_progress" else None,
            )
            session.add(meeting)
            await session.flush()
            item = t.AgendaItem(
                meeting_id=meeting.id,
                position=4,
                kind="children",
                title="Children at risk",
                time_limit_minutes=30,
                status="done",
                elapsed_seconds=600,
            )
            session.add(item)
            await session.flush()
            return MeetingIds(meeting.id, item.id, locality_id)

    async def minute(
        self, meeting: MeetingIds, text: str, *, by: str = "Sam Okafor", kind: str = "minute"
    ) -> int:
        author = await self.member(by)
        async with self.store.reading() as session:
            started = await session.scalar(
                select(t.Meeting.started_at).where(t.Meeting.id == meeting.id)
            )
        assert started is not None
        row = await self._add(
            t.MinuteEntry(
                meeting_id=meeting.id,
                item_id=meeting.item_id,
                kind=kind,
                text=text,
                author_member_id=author.id,
                created_at=started + timedelta(minutes=20),
            )
        )
        return int(row.id)

    async def attendance(self, meeting: MeetingIds, agency: str, people: str) -> int:
        recorder = await self.member("Sam Okafor")
        row = await self._add(
            t.Attendance(
                meeting_id=meeting.id,
                agency_id=await self.agency(agency),
                status="present",
                people=people,
                recorded_by_member_id=recorder.id,
                recorded_at=utc(2026, 11, 19),
            )
        )
        return int(row.id)

    async def share_round(
        self, meeting: MeetingIds, turns: list[tuple[str, str, str]]
    ) -> tuple[int, list[int]]:
        """A closed round with one turn per (member name, outcome, text)."""
        opener = await self.member("Alex Wilber")
        share = await self._add(
            t.ShareRound(
                meeting_id=meeting.id,
                item_id=meeting.item_id,
                status="closed",
                opened_by_member_id=opener.id,
                opened_at=utc(2026, 11, 19, 11),
                closed_at=utc(2026, 11, 19, 11),
            )
        )
        turn_ids = []
        for name, outcome, text in turns:
            member = await self.member(name)
            turn = await self._add(
                t.RoundTurn(
                    round_id=share.id,
                    agency_id=member.agency_id,
                    outcome=outcome,
                    text=text,
                    member_id=member.id,
                    at=utc(2026, 11, 19, 11),
                )
            )
            turn_ids.append(int(turn.id))
        return int(share.id), turn_ids

    async def challenge(
        self,
        meeting: MeetingIds,
        round_id: int,
        text: str,
        *,
        by: str = "Dana Reeves",
        to: str | None = "police",
        status: str = "resolved",
        response: str = "",
    ) -> int:
        member = await self.member(by)
        row = await self._add(
            t.Challenge(
                locality_id=meeting.locality_id,
                meeting_id=meeting.id,
                round_id=round_id,
                raised_by_member_id=member.id,
                raised_by_agency_id=member.agency_id,
                to_agency_id=await self.agency(to) if to else None,
                about="",
                text=text,
                status=status,
                response=response,
                resolution="Agreed at the meeting." if status != "open" else "",
                created_at=utc(2026, 11, 19, 11),
            )
        )
        return int(row.id)

    async def subject(
        self,
        locality: str,
        reference: str,
        initials: str,
        *,
        kind: str = "child",
        created: datetime | None = None,
    ) -> int:
        locality_id = await self.locality(locality)
        row = await self._add(
            t.Subject(
                locality_id=locality_id,
                kind=kind,
                reference=reference,
                initials=initials,
                reference_index=subject_index(self.store.keys, locality_id, kind, reference),
                created_at=created or utc(2026, 11, 19),
            )
        )
        return int(row.id)

    async def action(
        self,
        meeting: MeetingIds,
        description: str,
        *,
        owner: str = "Priya Shah",
        status: str = "open",
        subject_id: int | None = None,
        updated: datetime | None = None,
        due: date = date(2026, 12, 3),
        created: datetime | None = None,
        escalated_at: datetime | None = None,
        events: tuple[tuple[str, str] | tuple[str, str, datetime], ...] = (),
    ) -> int:
        """An action (with its "created" event and ``events``: kind, note and optionally
        when, else at ``updated`` or ``created``)."""
        member = await self.member(owner)
        created = created or utc(2026, 11, 19, 11)
        async with self.store.transaction() as session:
            action = t.Action(
                locality_id=meeting.locality_id,
                meeting_id=meeting.id,
                item_id=meeting.item_id,
                description=description,
                owner_member_id=member.id,
                agency_id=member.agency_id,
                due_date=due,
                subject_id=subject_id,
                status=status,
                created_by_member_id=member.id,
                created_at=created,
                updated_at=updated or created,
                escalated_at=escalated_at,
            )
            session.add(action)
            await session.flush()
            session.add(
                t.ActionEvent(action_id=action.id, kind="created", member_id=member.id, at=created)
            )
            for kind, note, *when in events:
                session.add(
                    t.ActionEvent(
                        action_id=action.id,
                        kind=kind,
                        note=note,
                        member_id=member.id,
                        at=when[0] if when else updated or created,
                    )
                )
            return int(action.id)

    async def outbox(self, recipient: str, status: str, created: datetime, *, key: str) -> int:
        member = await self.member(recipient)
        row = await self._add(
            t.OutboxMessage(
                dedupe_key=key,
                kind="digest",
                recipient_member_id=member.id,
                payload='{"reminders": []}',
                status=status,
                attempts=1,
                next_attempt_at=created,
                created_at=created,
                sent_at=created if status == "sent" else None,
            )
        )
        return int(row.id)

    async def reminder(self, action_id: int, key: str, outbox_id: int | None = None) -> int:
        row = await self._add(
            t.ReminderSent(
                action_id=action_id, key=key, outbox_id=outbox_id, created_at=utc(2026, 12, 1)
            )
        )
        return int(row.id)

    async def processed(self, activity_id: str, at: datetime) -> None:
        await self._add(t.ProcessedActivity(activity_id=activity_id, processed_at=at))
