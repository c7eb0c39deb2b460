"""The Word minutes group items 4-7 by register subject, and show a person of concern only
to a downloader the group's rule allows (issue 15, point 9). Built by the export service
on a real store (SQLite and PostgreSQL) and read back with python-docx."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from docx import Document
from sqlalchemy import update

from bot.domain.clock import FrozenClock
from bot.services.actions import ActionService
from bot.services.context import ActorRef
from bot.services.exports import ExportService
from bot.store import tables as t
from bot.store.db import Store
from tests.exports.test_minutes_export import all_text, blocks
from tests.support.records import MeetingIds, utc
from tests.support.register_records import RegisterRecords

CHAIR = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020", "Alex Wilber")
COORDINATOR = ActorRef("user-id-102", "00000000-0000-0000-0000-0000000000102", "Riley Quinn")
KEY_AGENCIES = ("police", "social_care", "health", "education")
PERSON_TEXT = "NYP-0001 seen handing over packages at the bus station."
PERSON_ROUND = "Known to police for supply."


@dataclass
class Seeded:
    meeting: MeetingIds
    child: int
    person: int


async def seed(store: Store) -> Seeded:
    r = RegisterRecords(store)
    meeting = await r.meeting("scarborough", utc(2026, 11, 19))
    child = await r.register_subject("scarborough", "CR-0101", "JS", risk="high")
    person = await r.register_subject("scarborough", "NYP-0001", "KT", kind="person")
    place = await r.register_subject("scarborough", "Bus station", kind="location")
    await r.item_subject(meeting, child, position=1)
    await r.item_subject(meeting, person, position=2)
    await r.item_subject(meeting, place, position=3)
    await r.subject_minute(meeting, "General: two new referrals this month.", None, minutes_in=5)
    await r.subject_minute(meeting, "CR-0101 missing twice since October.", child)
    await r.subject_minute(meeting, "Strategy meeting for CR-0101.", child, kind="decision")
    await r.subject_minute(meeting, PERSON_TEXT, person, minutes_in=25)
    await r.event(
        child,
        "risk",
        value="high",
        previous="medium",
        reason="Found in Leeds.",
        meeting=meeting,
        at=utc(2026, 11, 19, 10),
    )
    await r.event(child, "risk", value="low", previous="high", at=utc(2027, 3, 1))
    await r.link(child, person, reason="Seen together.", meeting=meeting)
    await r.subject_round(meeting, child, [("Dana Reeves", "shared", "Seen by GP.", "Health")])
    await r.subject_round(meeting, person, [("Priya Shah", "shared", PERSON_ROUND, None)])
    await r.action(meeting, "Return home interview for CR-0101.", subject_id=child)
    await r.action(meeting, "Disruption notice for NYP-0001.", subject_id=person)
    return Seeded(meeting, child, person)


async def download(store: Store, actor: ActorRef, meeting_id: int) -> bytes:
    clock = FrozenClock(utc(2026, 11, 20))
    actions = ActionService(store, clock, KEY_AGENCIES, lambda a, b: 0)
    file = await ExportService(store, clock, actions, KEY_AGENCIES).minutes_file(actor, meeting_id)
    return file.content


def section(lines: list[str], heading: str) -> list[str]:
    """The lines from ``heading`` to the next subject or item heading."""
    start = lines.index(heading)
    end = start + 1
    while end < len(lines) and not (
        lines[end].startswith(("Child:", "Person of concern:", "Location of concern:", "A person"))
        or lines[end][:2] in {"5.", "6.", "7."}
        or lines[end] == "Challenges"
    ):
        end += 1
    return lines[start:end]


async def test_items_are_grouped_by_subject_in_the_chairs_order(demo_store: Store) -> None:
    s = await seed(demo_store)
    data = await download(demo_store, CHAIR, s.meeting.id)
    lines = blocks(Document(io.BytesIO(data)))
    headings = [
        line
        for line in lines
        if line.startswith(("Child:", "Person of concern:", "Location of concern:"))
    ]
    assert headings == [
        "Child: CR-0101 (J.S.)",
        "Person of concern: NYP-0001 (K.T.)",
        "Location of concern: Bus station",
    ]
    child = section(lines, "Child: CR-0101 (J.S.)")
    assert "Risk at the meeting: High" in child, "the risk as the meeting left it, not today's"
    assert "CR-0101 missing twice since October." in child
    assert "Strategy meeting for CR-0101." in child
    assert any(line.startswith("A-") and "Return home interview" in line for line in child)
    assert "Risk changed from Medium to High. Reason: Found in Leeds." in child
    assert "Linked to Person of concern: NYP-0001 (K.T.). Reason: Seen together." in child
    assert any("Seen by GP." in line for line in child)
    # The general minute stays under its item, before the sections; nothing is repeated.
    item = lines[lines.index("4. Children at risk") : lines.index("Child: CR-0101 (J.S.)")]
    assert "General: two new referrals this month." in item
    assert "CR-0101 missing twice since October." not in item
    assert lines.count("CR-0101 missing twice since October.") == 1
    assert sum("Return home interview" in line for line in lines) == 1
    person = section(lines, "Person of concern: NYP-0001 (K.T.)")
    assert PERSON_TEXT in person
    assert any(PERSON_ROUND in line for line in person)
    place = section(lines, "Location of concern: Bus station")
    assert "Risk at the meeting: Not rated" in place


async def test_a_coordinator_gets_a_restricted_heading_and_nothing_about_the_person(
    demo_store: Store,
) -> None:
    s = await seed(demo_store)
    data = await download(demo_store, COORDINATOR, s.meeting.id)
    lines = blocks(Document(io.BytesIO(data)))
    text = all_text(data)
    assert "A person of concern (restricted)" in lines
    assert section(lines, "A person of concern (restricted)") == [
        "A person of concern (restricted)"
    ]
    for secret in ("NYP-0001", "K.T.", PERSON_TEXT, PERSON_ROUND, "Disruption notice"):
        assert secret not in text, secret
    child = section(lines, "Child: CR-0101 (J.S.)")
    assert "Linked to a person of concern (restricted)." in child
    assert "Seen together." not in text, "the link's reason could name them"

    # The group widens its rule to coordinators: the coordinator now sees the person.
    async with demo_store.transaction() as session:
        await session.execute(
            update(t.Locality)
            .where(t.Locality.id == s.meeting.locality_id)
            .values(
                register_settings=json.dumps(
                    {"person_of_concern": {"roles": ["chair", "deputy_chair", "coordinator"]}}
                )
            )
        )
    widened = all_text(await download(demo_store, COORDINATOR, s.meeting.id))
    assert PERSON_TEXT in widened and "NYP-0001 (K.T.)" in widened
