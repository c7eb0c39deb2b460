"""Retention and legal holds over the register (issue 15, point 9): a subject that expires
takes all that belongs to it; what belongs to a meeting loses the pointer; a subject hold
keeps all of it. On SQLite and PostgreSQL, the clock frozen and moved past the period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.retention import RetentionPolicy
from bot.services.legal_holds import LegalHoldService
from bot.services.retention import RetentionService
from bot.store import tables as t
from bot.store.db import Store
from tests.services.test_retention import LATER, chain_verdict, fire, ids
from tests.support.records import MeetingIds, utc
from tests.support.register_records import RegisterRecords

POLICY = RetentionPolicy(meetings=2190, actions=2190, subjects=2190, housekeeping=30)


@dataclass
class Seeded:
    old: MeetingIds  # Scarborough, Nov 2026: discussed CR-0101, CR-0102 and the bus station
    held_meeting: MeetingIds  # Scarborough, Oct 2026: discussed CR-0103 (held) only
    gone: int  # CR-0101: untouched since 2026
    gone_events: list[int]
    gone_link: int  # CR-0101 to the bus station
    gone_share: int
    gone_minute: int  # about CR-0101, at the old meeting
    location: int  # "Bus station": untouched since 2026
    kept: int  # CR-0102: recorded 2026, discussed again in 2032
    kept_event_at_old: int  # its "discussed" entry at the old meeting
    kept_link: int  # CR-0102 to the bus station: goes with the location (either end)
    held: int  # CR-0103: under a subject hold
    held_group: int  # "Harbour crew", linked to CR-0103: kept with it
    held_link: int
    held_events: list[int]
    held_item: int
    held_minute: int
    held_round: int
    held_turns: list[int]
    held_share: int


async def seed(store: Store) -> Seeded:
    r = RegisterRecords(store)
    old = await r.meeting("scarborough", utc(2026, 11, 19))
    held_meeting = await r.meeting("scarborough", utc(2026, 10, 15))
    gone = await r.register_subject(
        "scarborough", "CR-0101", "JS", risk="high", last_discussed=date(2026, 11, 19)
    )
    location = await r.register_subject("scarborough", "Bus station", kind="location")
    kept = await r.register_subject(
        "scarborough",
        "CR-0102",
        "AB",
        updated=utc(2032, 6, 1),
        last_discussed=date(2032, 6, 1),
    )
    held = await r.register_subject("scarborough", "CR-0103", "KT", risk="very_high")
    held_group = await r.register_subject("scarborough", "Harbour crew", kind="group")
    gone_events = [
        await r.event(gone, "created"),
        await r.event(gone, "risk", value="high", reason="Seen with older males.", meeting=old),
    ]
    await r.strand(gone, "cce")
    gone_link = await r.link(gone, location, reason="Dropped off there.", meeting=old)
    gone_share = await r.subject_share(gone, "ryedale", reason="Moved school.")
    await r.item_subject(old, gone, position=1)
    await r.item_subject(old, location, position=2)
    gone_minute = await r.subject_minute(old, "CR-0101 seen twice at the bus station.", gone)
    await r.subject_round(old, gone, [("Priya Shah", "shared", "Stop and search.", "Response")])
    kept_event_at_old = await r.event(kept, "discussed", meeting=old)
    kept_link = await r.link(kept, location, reason="Same station.")
    held_events = [
        await r.event(held, "created"),
        await r.event(held, "status", value="monitoring", reason="Placement stable."),
    ]
    await r.strand(held, "cse")
    held_link = await r.link(held, held_group, reason="Named by CR-0103.", meeting=held_meeting)
    held_share = await r.subject_share(held, "selby", mode="transfer", status="declined")
    held_item = await r.item_subject(held_meeting, held)
    held_minute = await r.subject_minute(held_meeting, "CR-0103 placement review.", held)
    held_round, held_turns = await r.subject_round(
        held_meeting, held, [("Dana Reeves", "shared", "Seen by school nurse.", "School nursing")]
    )
    return Seeded(**{k: v for k, v in locals().items() if k in Seeded.__annotations__})


async def rows(store: Store, model: Any, *columns: Any) -> set[Any]:
    async with store.reading() as session:
        return set((await session.execute(select(model.id, *columns))).all())


async def test_an_expired_subject_goes_with_all_that_belongs_to_it(demo_store: Store) -> None:
    s = await seed(demo_store)
    clock = FrozenClock(LATER)
    service = RetentionService(demo_store, clock, POLICY)
    legal_holds = LegalHoldService(demo_store, clock)
    await legal_holds.place_hold("subject", s.held, "Serious case review", "cli:dpo")
    report = await service.run()

    # CR-0101 and the bus station: gone, with their history, strands, links and shares.
    assert await ids(demo_store, t.Subject) == {s.kept, s.held, s.held_group}
    async with demo_store.reading() as session:
        events = set(await session.scalars(select(t.SubjectEvent.id)))
        strands = set(await session.scalars(select(t.SubjectStrand.subject_id)))
        links = set(await session.scalars(select(t.SubjectLink.id)))
        shares = set(await session.scalars(select(t.SubjectShare.id)))
        items = set(await session.scalars(select(t.ItemSubject.id)))
    assert events == {s.kept_event_at_old, *s.held_events}
    assert strands == {s.held}
    assert links == {s.held_link}, "a link goes when either end goes"
    assert shares == {s.held_share}
    assert items == {s.held_item}
    # The old meeting had no action: it went whole; CR-0102's history entry stays, its
    # meeting pointer cleared.
    assert s.old.id not in await ids(demo_store, t.Meeting)
    assert s.gone_minute not in await ids(demo_store, t.MinuteEntry)
    assert await rows(demo_store, t.SubjectEvent, t.SubjectEvent.meeting_id) >= {
        (s.kept_event_at_old, None)
    }
    # The held subject keeps its meeting whole: item, minute, round and its answers.
    assert s.held_meeting.id in await ids(demo_store, t.Meeting)
    assert await rows(demo_store, t.MinuteEntry, t.MinuteEntry.subject_id) == {
        (s.held_minute, s.held)
    }
    assert await rows(demo_store, t.ShareRound, t.ShareRound.subject_id) == {(s.held_round, s.held)}
    assert await ids(demo_store, t.RoundTurn) == set(s.held_turns)
    assert report.held == {"subjects": 2, "meetings": 1}
    assert report.deleted["subjects"] == 2
    assert report.deleted["subject_events"] == 2
    assert report.deleted["subject_links"] == 2
    assert (await chain_verdict(demo_store)).ok


async def test_a_subject_that_goes_leaves_its_meetings_minutes_without_the_pointer(
    demo_store: Store,
) -> None:
    """A meeting still needed by an open action keeps its minutes; a subject that expires
    meanwhile only takes the pointer from them (and from the round about it)."""
    r = RegisterRecords(demo_store)
    meeting = await r.meeting("scarborough", utc(2031, 3, 12))
    subject = await r.register_subject("scarborough", "CR-0201", "PQ")
    minute = await r.subject_minute(meeting, "CR-0201 closed to the group.", subject)
    round_id, _ = await r.subject_round(meeting, subject, [("Priya Shah", "nothing", "", None)])
    item = await r.item_subject(meeting, subject)
    service = RetentionService(demo_store, FrozenClock(LATER), POLICY)
    await fire(service)

    assert subject not in await ids(demo_store, t.Subject)
    assert await rows(demo_store, t.MinuteEntry, t.MinuteEntry.subject_id) >= {(minute, None)}
    assert await rows(demo_store, t.ShareRound, t.ShareRound.subject_id) >= {(round_id, None)}
    assert item not in await ids(demo_store, t.ItemSubject)
    async with demo_store.reading() as session:
        entries = list(
            await session.scalars(
                select(t.AuditEntry).where(
                    t.AuditEntry.record_type == "minute_entries",
                    t.AuditEntry.record_id == str(minute),
                    t.AuditEntry.action == "change",
                )
            )
        )
    assert [e.actor for e in entries] == ["system:retention"]
    assert "CR-0201" not in str([vars(e) for e in entries])


async def test_a_lifted_subject_hold_lets_all_of_it_go(demo_store: Store) -> None:
    s = await seed(demo_store)
    clock = FrozenClock(LATER)
    service = RetentionService(demo_store, clock, POLICY)
    legal_holds = LegalHoldService(demo_store, clock)
    hold = await legal_holds.place_hold("subject", s.held, "Serious case review", "cli:dpo")
    await fire(service)
    await legal_holds.lift_hold(hold.id, "cli:dpo")
    await fire(service)
    assert await ids(demo_store, t.Subject) == {s.kept}
    assert s.held_meeting.id not in await ids(demo_store, t.Meeting)
    assert await ids(demo_store, t.SubjectLink) == set()
    assert (await chain_verdict(demo_store)).ok


async def test_a_locality_hold_keeps_subjects_shared_with_that_group(demo_store: Store) -> None:
    r = RegisterRecords(demo_store)
    shared = await r.register_subject("scarborough", "CR-0301", "MN")
    await r.subject_share(shared, "ryedale")
    not_shared = await r.register_subject("scarborough", "CR-0302", "OP")
    clock = FrozenClock(LATER)
    service = RetentionService(demo_store, clock, POLICY)
    legal_holds = LegalHoldService(demo_store, clock)
    await legal_holds.place_hold("locality", await r.locality("ryedale"), "Inquiry", "cli:dpo")
    await fire(service)
    found = await ids(demo_store, t.Subject)
    assert shared in found and not_shared not in found
