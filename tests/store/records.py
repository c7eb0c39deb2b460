"""Invented records of every encrypted kind, written straight through the store."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.store import tables as t
from bot.store.crypto import ring_of, subject_index
from bot.store.db import Store

NOW = datetime(2026, 11, 19, 10, tzinfo=UTC)


async def write_case_records(store: Store, tag: str, reference: str = "CR-0001") -> dict[str, int]:
    """A Scarborough meeting with a minute, attendance, an action about a child with an
    update, a round answer and a challenge, each text carrying ``tag``."""
    async with store.transaction(now=NOW) as session:
        locality = await session.scalar(select(t.Locality).where(t.Locality.code == "scarborough"))
        chair = await session.scalar(select(t.Member).where(t.Member.name == "Alex Wilber"))
        assert locality is not None and chair is not None
        meeting = t.Meeting(
            locality_id=locality.id,
            conversation_id="team-id",
            status="ended",
            chair_member_id=chair.id,
            started_at=NOW,
            minutes_status="draft",
        )
        session.add(meeting)
        await session.flush()
        item = t.AgendaItem(
            meeting_id=meeting.id,
            position=4,
            kind="children",
            title="Children",
            time_limit_minutes=30,
            status="done",
            elapsed_seconds=0,
        )
        subject = t.Subject(
            locality_id=locality.id,
            kind="child",
            reference=reference,
            initials="AB",
            reference_index=subject_index(
                ring_of(session.get_bind().dialect), locality.id, "child", reference
            ),
            created_at=NOW,
        )
        session.add_all([item, subject])
        await session.flush()
        session.add(
            t.Attendance(
                meeting_id=meeting.id,
                agency_id=chair.agency_id,
                status="present",
                people=f"Alex Wilber {tag}",
                recorded_by_member_id=chair.id,
                recorded_at=NOW,
            )
        )
        session.add(
            t.MinuteEntry(
                meeting_id=meeting.id,
                item_id=item.id,
                kind="minute",
                text=f"Minute {tag}",
                author_member_id=chair.id,
                created_at=NOW,
            )
        )
        action = t.Action(
            locality_id=locality.id,
            meeting_id=meeting.id,
            item_id=item.id,
            description=f"Action {tag}",
            owner_member_id=chair.id,
            agency_id=chair.agency_id,
            due_date=date(2026, 12, 1),
            subject_id=subject.id,
            status="open",
            created_by_member_id=chair.id,
            created_at=NOW,
            updated_at=NOW,
            request_reason=f"Reason {tag}",
        )
        share_round = t.ShareRound(
            meeting_id=meeting.id,
            item_id=item.id,
            status="closed",
            opened_by_member_id=chair.id,
            opened_at=NOW,
        )
        session.add_all([action, share_round])
        await session.flush()
        session.add(
            t.ActionEvent(
                action_id=action.id, kind="update", note=f"Update {tag}", member_id=chair.id, at=NOW
            )
        )
        session.add(
            t.RoundTurn(
                round_id=share_round.id,
                agency_id=chair.agency_id,
                outcome="shared",
                text=f"Shared {tag}",
                member_id=chair.id,
                at=NOW,
            )
        )
        challenge = t.Challenge(
            locality_id=locality.id,
            meeting_id=meeting.id,
            round_id=share_round.id,
            raised_by_member_id=chair.id,
            raised_by_agency_id=chair.agency_id,
            about=f"About {tag}",
            text=f"Challenge {tag}",
            status="resolved",
            response=f"Response {tag}",
            resolution=f"Resolution {tag}",
            created_at=NOW,
        )
        session.add(challenge)
        await session.flush()
        return {"meeting": meeting.id, "action": action.id, "subject": subject.id}


async def all_texts(store: Store) -> list[str]:
    """Every encrypted value, decrypted through the store's own ring."""
    found: list[str] = []
    async with store.reading() as session:
        for row in await session.scalars(select(t.MinuteEntry)):
            found.append(row.text)
        for a in await session.scalars(select(t.Action)):
            found += [a.description, a.request_reason]
        for e in await session.scalars(select(t.ActionEvent)):
            found.append(e.note)
        for r in await session.scalars(select(t.RoundTurn)):
            found.append(r.text)
        for c in await session.scalars(select(t.Challenge)):
            found += [c.about, c.text, c.response, c.resolution]
        for p in await session.scalars(select(t.Attendance)):
            found.append(p.people)
        for s in await session.scalars(select(t.Subject)):
            found += [s.reference, s.initials]
    return found
