"""A case's records of every encrypted kind, each text carrying a tag, for the store's
encryption, rotation and audit tests (built with tests.support.records)."""

from __future__ import annotations

from sqlalchemy import select

from bot.store import tables as t
from bot.store.db import Store
from tests.support.records import Records, utc


async def write_case_records(store: Store, tag: str, reference: str = "CR-0001") -> dict[str, int]:
    """A Scarborough meeting with attendance, a minute, an action about a child with an
    update, a round answer and a challenge."""
    records = Records(store)
    meeting = await records.meeting("scarborough", utc(2026, 11, 19))
    subject = await records.subject("scarborough", reference, "AB")
    await records.attendance(meeting, "police", f"Priya Shah {tag}")
    await records.minute(meeting, f"Minute {tag}")
    action = await records.action(
        meeting, f"Action {tag}", subject_id=subject, events=(("update", f"Update {tag}"),)
    )
    round_id, _ = await records.share_round(meeting, [("Priya Shah", "shared", f"Shared {tag}")])
    await records.challenge(meeting, round_id, f"Challenge {tag}", response=f"Response {tag}")
    return {"meeting": meeting.id, "action": action, "subject": subject}


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
