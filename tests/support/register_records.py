"""Register records (issue 15) written straight into a demo store through the ORM, for the
retention, export, subject access and at-rest tests.

The chat features that write these rows are another helper's work; until they land, these
tests write the rows the way the services will (inside ``store.transaction``, so each row
is audited like the real thing). Everything is invented: CR-0101, "Bus station", etc.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.domain.register import ChildChecks
from bot.store import tables as t
from bot.store.crypto import subject_index
from tests.support.records import MeetingIds, Records, utc


class RegisterRecords(Records):
    async def register_subject(
        self,
        locality: str,
        reference: str,
        initials: str = "",
        *,
        kind: str = "child",
        created: datetime | None = None,
        updated: datetime | None = None,
        risk: str | None = None,
        status: str = "open",
        status_reason: str | None = None,
        lead_agency: str | None = None,
        first_discussed: date | None = None,
        last_discussed: date | None = None,
        checks: ChildChecks | None = None,
    ) -> int:
        locality_id = await self.locality(locality)
        lead = await self.agency(lead_agency) if lead_agency else None
        row = await self._add(
            t.Subject(
                locality_id=locality_id,
                kind=kind,
                reference=reference,
                initials=initials,
                reference_index=subject_index(self.store.keys, locality_id, kind, reference),
                created_at=created or utc(2026, 11, 19),
                updated_at=updated,
                risk_level=risk,
                status=status,
                status_reason=status_reason,
                lead_agency_id=lead,
                first_discussed_on=first_discussed,
                last_discussed_on=last_discussed,
                checks=checks.to_json() if checks is not None else None,
            )
        )
        return int(row.id)

    async def event(
        self,
        subject_id: int,
        kind: str,
        *,
        value: str = "",
        previous: str = "",
        reason: str = "",
        meeting: MeetingIds | None = None,
        by: str | None = "Alex Wilber",
        at: datetime | None = None,
    ) -> int:
        member = await self.member(by) if by else None
        async with self.store.reading() as session:
            locality_id = await session.scalar(
                select(t.Subject.locality_id).where(t.Subject.id == subject_id)
            )
        assert locality_id is not None
        row = await self._add(
            t.SubjectEvent(
                subject_id=subject_id,
                kind=kind,
                value=value,
                previous=previous,
                reason=reason,
                meeting_id=meeting.id if meeting else None,
                member_id=member.id if member else None,
                locality_id=locality_id,
                at=at or utc(2026, 11, 19, 11),
            )
        )
        return int(row.id)

    async def strand(self, subject_id: int, code: str) -> int:
        async with self.store.reading() as session:
            strand_id = await session.scalar(select(t.Strand.id).where(t.Strand.code == code))
        assert strand_id is not None, code
        row = await self._add(t.SubjectStrand(subject_id=subject_id, strand_id=strand_id))
        return int(row.id)

    async def link(
        self,
        one: int,
        other: int,
        *,
        reason: str = "",
        meeting: MeetingIds | None = None,
        by: str = "Alex Wilber",
        at: datetime | None = None,
        removed: datetime | None = None,
    ) -> int:
        member = await self.member(by)
        a, b = min(one, other), max(one, other)
        async with self.store.reading() as session:
            locality_id = await session.scalar(
                select(t.Subject.locality_id).where(t.Subject.id == one)
            )
        assert locality_id is not None
        row = await self._add(
            t.SubjectLink(
                subject_a_id=a,
                subject_b_id=b,
                reason=reason,
                locality_id=locality_id,
                meeting_id=meeting.id if meeting else None,
                member_id=member.id,
                created_at=at or utc(2026, 11, 19, 11),
                removed_at=removed,
                removed_by_member_id=member.id if removed else None,
            )
        )
        return int(row.id)

    async def item_subject(
        self, meeting: MeetingIds, subject_id: int, *, position: int = 1, status: str = "done"
    ) -> int:
        member = await self.member("Alex Wilber")
        row = await self._add(
            t.ItemSubject(
                meeting_id=meeting.id,
                item_id=meeting.item_id,
                subject_id=subject_id,
                position=position,
                status=status,
                added_by_member_id=member.id,
                added_at=utc(2026, 11, 19, 10),
            )
        )
        return int(row.id)

    async def subject_share(
        self,
        subject_id: int,
        to_locality: str,
        *,
        mode: str = "share",
        status: str = "accepted",
        reason: str = "",
        by: str = "Alex Wilber",
    ) -> int:
        member = await self.member(by)
        async with self.store.reading() as session:
            subject = await session.get(t.Subject, subject_id)
            assert subject is not None
            from_locality = subject.locality_id
        row = await self._add(
            t.SubjectShare(
                subject_id=subject_id,
                mode=mode,
                from_locality_id=from_locality,
                to_locality_id=await self.locality(to_locality),
                status=status,
                reason=reason,
                asked_by_member_id=member.id,
                asked_at=utc(2026, 11, 20),
                decided_by_member_id=member.id if status != "asked" else None,
                decided_at=utc(2026, 11, 21) if status != "asked" else None,
            )
        )
        return int(row.id)

    async def subject_minute(
        self,
        meeting: MeetingIds,
        text: str,
        subject_id: int | None,
        *,
        kind: str = "minute",
        by: str = "Sam Okafor",
        minutes_in: int = 20,
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
                subject_id=subject_id,
                author_member_id=author.id,
                created_at=started + timedelta(minutes=minutes_in),
            )
        )
        return int(row.id)

    async def subject_round(
        self,
        meeting: MeetingIds,
        subject_id: int | None,
        turns: list[tuple[str, str, str, str | None]],
    ) -> tuple[int, list[int]]:
        """A closed round about ``subject_id``: one turn per (member, outcome, text, service)."""
        opener = await self.member("Alex Wilber")
        async with self.store.reading() as session:
            started = await session.scalar(
                select(t.Meeting.started_at).where(t.Meeting.id == meeting.id)
            )
        assert started is not None
        share = await self._add(
            t.ShareRound(
                meeting_id=meeting.id,
                item_id=meeting.item_id,
                status="closed",
                opened_by_member_id=opener.id,
                opened_at=started + timedelta(minutes=30),
                closed_at=started + timedelta(minutes=40),
                subject_id=subject_id,
            )
        )
        turn_ids = []
        for name, outcome, text, service in turns:
            member = await self.member(name)
            turn = await self._add(
                t.RoundTurn(
                    round_id=share.id,
                    agency_id=member.agency_id,
                    outcome=outcome,
                    text=text,
                    service=service,
                    member_id=member.id,
                    at=started + timedelta(minutes=35),
                )
            )
            turn_ids.append(int(turn.id))
        return int(share.id), turn_ids
