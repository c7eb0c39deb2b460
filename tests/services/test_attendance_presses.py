"""'I'm here' pressed at the same moment (bot.services.meeting_attendance through
MeetingService), on the real store: a press takes its agency's attendance line first and
the meeting's row last, just before committing, so presses queue on the meeting's row
only for their commits, and only presses of the same agency queue on each other's line.

On PostgreSQL another connection holds the meeting's row as a change of the meeting does
until it commits (``FOR NO KEY UPDATE``: what an UPDATE that changes no key column takes,
which lets a row naming the meeting be inserted meanwhile), and the tests watch, in
``pg_stat_activity`` and ``pg_locks``, where each press waits: having done its reads and
writes, at the meeting's bump; a press of the same agency at the line; the attendance
form at the line too, before the meeting's row, the order a press takes them in, so the
two never deadlock; a press meeting the meeting's end, which takes the meeting's row
first and whole, waits for it and is refused. SQLite runs one writer at a time, so there
the presses are only counted."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.clock import FrozenClock
from bot.domain.errors import CONCURRENT_CHANGE, Conflict
from bot.domain.model import ConversationKind
from bot.domain.views import MeetingView
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.meetings import MEETING_ENDED, MeetingService
from bot.store import tables as t
from bot.store.db import Store

KEY_AGENCIES = ("police", "childrens_social_care", "health", "education")
CHANNEL = ConversationRef("team-id", ConversationKind.CHANNEL, "tenant-1", "https://smba.test")
CHAIR = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020", "Alex Wilber")
MINUTE_TAKER = ActorRef("user-id-101", "00000000-0000-0000-0000-0000000000101", "Sam Okafor")
POLICE = ActorRef("user-id-103", "00000000-0000-0000-0000-0000000000103", "Priya Shah")
#: How long any one wait in these tests may take before the test fails.
WAIT = 15.0
_ids = itertools.count(1)


def turn(actor: ActorRef = CHAIR) -> TurnRef:
    return TurnRef(actor, CHANNEL, f"activity-{next(_ids)}")


@pytest.fixture
def service(demo_store: Store, clock: FrozenClock) -> MeetingService:
    return MeetingService(demo_store, clock, KEY_AGENCIES)


async def officers(
    store: Store, agency_code: str, count: int, role: str = "partner"
) -> list[ActorRef]:
    """``count`` new members of an agency, in the demo channel's group in ``role``."""
    async with store.transaction() as session:
        agency = await session.scalar(select(t.Agency).where(t.Agency.code == agency_code))
        locality = await session.scalar(select(t.Locality).where(t.Locality.code == "scarborough"))
        assert agency is not None and locality is not None
        actors = []
        for n in range(count):
            aad = f"00000000-0000-0000-0000-00000000{n + 5000:04d}"
            member = t.Member(
                aad_object_id=aad,
                teams_user_id=f"user-id-{n + 5000}",
                name=f"{agency_code.title()} Officer {n + 1}",
                agency_id=agency.id,
            )
            session.add(member)
            await session.flush()
            session.add(t.Membership(member_id=member.id, locality_id=locality.id, role=role))
            actors.append(ActorRef(member.teams_user_id or "", aad, member.name))
        return actors


async def line_of(store: Store, meeting_id: int, agency_code: str) -> list[str] | None:
    """The names on an agency's attendance line (None: no line)."""
    async with store.reading() as session:
        line = await session.scalar(
            select(t.Attendance)
            .join(t.Agency, t.Agency.id == t.Attendance.agency_id)
            .where(t.Attendance.meeting_id == meeting_id, t.Agency.code == agency_code)
        )
        return None if line is None else [p.strip() for p in line.people.split(",")]


async def version_of(store: Store, meeting_id: int) -> int:
    async with store.reading() as session:
        return (await session.get_one(t.Meeting, meeting_id)).version


async def attendees(store: Store, meeting_id: int) -> int:
    async with store.reading() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(t.MeetingAttendee)
                .where(t.MeetingAttendee.meeting_id == meeting_id)
            )
            or 0
        )


# -- watching PostgreSQL's locks ------------------------------------------------------------


@asynccontextmanager
async def meeting_row_held(store: Store, meeting_id: int) -> AsyncIterator[AsyncConnection]:
    """Another transaction holding the meeting's row until the block ends (rolled back),
    as a change of the meeting (another addition's bump, a move) does until it commits."""
    async with store.engine.connect() as holder:
        await holder.begin()
        await holder.execute(
            text("SELECT id FROM meetings WHERE id = :id FOR NO KEY UPDATE"), {"id": meeting_id}
        )
        yield holder
        await holder.rollback()


@asynccontextmanager
async def item_in_hand_held(store: Store, meeting_id: int) -> AsyncIterator[AsyncConnection]:
    """Another transaction holding the meeting's item in hand (which ending closes) until
    it is rolled back, in the block (to release it there) or as the block ends."""
    async with store.engine.connect() as holder:
        await holder.begin()
        await holder.execute(
            text(
                "SELECT id FROM agenda_items WHERE meeting_id = :id AND status = 'current' "
                "FOR UPDATE"
            ),
            {"id": meeting_id},
        )
        yield holder
        if holder.in_transaction():
            await holder.rollback()


async def waiting(store: Store) -> list[tuple[int, str]]:
    """The backends of this database waiting for a lock: (pid, the statement waiting)."""
    async with store.engine.connect() as watcher:
        rows = await watcher.execute(
            text(
                "SELECT pid, query FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "ORDER BY pid"
            )
        )
        return [(r.pid, r.query) for r in rows]


async def until_waiting(store: Store, count: int, *tasks: asyncio.Task[object]) -> list[str]:
    """Wait until ``count`` backends wait for a lock (the presses have got as far as they
    can), failing at once if a press ended instead; the statements they wait at."""

    async def reached() -> list[tuple[int, str]]:
        while True:
            for task in tasks:
                if task.done():
                    task.result()  # its error, if it failed
                    raise AssertionError("a press finished instead of waiting")
            found = await waiting(store)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.02)  # the next look at pg_stat_activity

    found = await asyncio.wait_for(reached(), WAIT)
    assert len(found) == count, found
    return [query for _, query in found]


async def relation_locks(store: Store, query_start: str) -> set[tuple[str, str]]:
    """(table, lock mode) held by the backend waiting at the statement starting so."""
    async with store.engine.connect() as watcher:
        rows = await watcher.execute(
            text(
                "SELECT c.relname, l.mode FROM pg_locks l "
                "JOIN pg_class c ON c.oid = l.relation "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE a.datname = current_database() AND a.wait_event_type = 'Lock' "
                "AND a.query LIKE :start AND l.granted"
            ),
            {"start": query_start + "%"},
        )
        return {(r.relname, r.mode) for r in rows}


def started(press: Awaitable[object]) -> asyncio.Task[object]:
    async def run() -> object:
        return await press

    return asyncio.create_task(run())


async def finished(*tasks: asyncio.Task[object]) -> list[object]:
    return list(await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), WAIT))


BUMP = "UPDATE meetings"


# -- the tests ------------------------------------------------------------------------------


async def test_presses_by_one_agency_at_once_all_count_on_both_engines(
    service: MeetingService, demo_store: Store
) -> None:
    view = (await service.start(turn())).view
    before = await version_of(demo_store, view.id)
    police = await officers(demo_store, "police", 5)

    shown = await asyncio.gather(*(service.mark_present(turn(p), view.id) for p in police))

    assert sorted(await line_of(demo_store, view.id, "police") or []) == sorted(
        p.name for p in police
    )
    assert await version_of(demo_store, view.id) == before + len(police)
    assert await attendees(demo_store, view.id) == len(police)
    assert all(isinstance(v, MeetingView) for v in shown)


async def test_presses_of_one_agency_queue_on_its_line_and_all_names_are_kept(
    service: MeetingService, pg: Store
) -> None:
    """Six of the police press while the meeting's row is held elsewhere: one gets as far
    as the meeting's bump, having inserted the police line; the other five wait at the
    line, not at the meeting. Released, all six names are on the line and the version
    moved six times."""
    view = (await service.start(turn())).view
    before = await version_of(pg, view.id)
    police = await officers(pg, "police", 6)

    async with meeting_row_held(pg, view.id):
        presses = [started(service.mark_present(turn(p), view.id)) for p in police]
        queries = await until_waiting(pg, len(police), *presses)
        assert sum(q.startswith(BUMP) for q in queries) == 1, queries
        assert sum("attendance" in q and not q.startswith(BUMP) for q in queries) == 5, queries
        assert ("attendance", "RowExclusiveLock") in await relation_locks(pg, BUMP)

    for shown in await finished(*presses):
        assert isinstance(shown, MeetingView), shown
    assert sorted(await line_of(pg, view.id, "police") or []) == sorted(p.name for p in police)
    assert await version_of(pg, view.id) == before + len(police)
    assert await attendees(pg, view.id) == len(police)


async def test_a_press_does_its_work_before_taking_the_meetings_row(
    service: MeetingService, pg: Store
) -> None:
    """While another transaction holds the meeting's row, a press reads and checks, locks
    its agency's line (already there: the chair's, of the same agency) and waits only at
    the meeting's bump; the line stays its own until it commits."""
    view = (await service.start(turn())).view
    await service.mark_present(turn(CHAIR), view.id)
    before = await version_of(pg, view.id)

    async with meeting_row_held(pg, view.id) as holder:
        press = started(service.mark_present(turn(MINUTE_TAKER), view.id))
        (query,) = await until_waiting(pg, 1, press)
        assert query.startswith(BUMP), query
        assert ("attendance", "RowShareLock") in await relation_locks(pg, BUMP)
        # The line is locked by the waiting press: taking it without waiting fails.
        with pytest.raises(DBAPIError, match="could not obtain lock"):
            async with holder.begin_nested():
                await holder.execute(
                    text(
                        "SELECT a.id FROM attendance a JOIN agencies g ON g.id = a.agency_id "
                        "WHERE a.meeting_id = :id AND g.code = 'nyscp' FOR UPDATE NOWAIT"
                    ),
                    {"id": view.id},
                )

    (shown,) = await finished(press)
    assert isinstance(shown, MeetingView), shown
    assert await line_of(pg, view.id, "nyscp") == ["Alex Wilber", "Sam Okafor"]
    assert await version_of(pg, view.id) == before + 1


async def test_the_form_and_a_press_for_one_agency_take_the_line_first_and_never_deadlock(
    service: MeetingService, pg: Store
) -> None:
    """A press and the attendance form for the police at once: the press holds the police
    line and waits for the meeting's row; the form waits for the line, holding nothing of
    the meeting (had it taken the meeting's row first, the two would deadlock). Released,
    the press is saved and the form, its meeting changed meanwhile, is asked to try again."""
    view = (await service.start(turn())).view
    async with pg.reading() as session:
        police_id = await session.scalar(select(t.Agency.id).where(t.Agency.code == "police"))
    form = {"agencyId": str(police_id), "attendanceStatus": "apologies", "people": ""}

    async with meeting_row_held(pg, view.id):
        press = started(service.mark_present(turn(POLICE), view.id))
        await until_waiting(pg, 1, press)
        recording = started(service.record_attendance(turn(CHAIR), view.id, form))
        queries = await until_waiting(pg, 2, press, recording)
        assert sorted(q.startswith(BUMP) for q in queries) == [False, True], queries
        (at_line,) = (q for q in queries if not q.startswith(BUMP))
        assert at_line.startswith("INSERT INTO attendance"), at_line  # the press's is there

    pressed, recorded = await finished(press, recording)
    assert isinstance(pressed, MeetingView), pressed
    assert isinstance(recorded, Conflict) and str(recorded) == CONCURRENT_CHANGE, recorded
    assert await line_of(pg, view.id, "police") == ["Priya Shah"]


async def test_a_press_after_the_meeting_ended_is_refused_and_saves_nothing(
    service: MeetingService, demo_store: Store
) -> None:
    view = (await service.start(turn())).view
    await service.end(turn(), view.id, {})
    before = await version_of(demo_store, view.id)

    with pytest.raises(Conflict, match=re.escape(MEETING_ENDED)):
        await service.mark_present(turn(POLICE), view.id)

    assert await line_of(demo_store, view.id, "police") is None
    assert await attendees(demo_store, view.id) == 0
    assert await version_of(demo_store, view.id) == before


async def test_a_press_meeting_the_end_of_the_meeting_is_refused_and_saves_nothing(
    service: MeetingService, pg: Store
) -> None:
    """The chair ends the meeting while a police officer presses. Ending takes the
    meeting's row whole first, then is held up (another connection holds the item in
    hand, which ending closes); the press, inserting the police line, which names the
    meeting, waits for the end. Released, the meeting ends and the press is refused,
    saving nothing, not even the line it inserted. (Had ending first taken the weaker
    lock its first write takes, the press would have reached the meeting's bump, holding
    its line's KEY SHARE lock on the meeting's row, and the two would have deadlocked.)"""
    view = (await service.start(turn())).view
    await service.mark_present(turn(CHAIR), view.id)

    async with item_in_hand_held(pg, view.id) as holder:
        ending = started(service.end(turn(), view.id, {}))
        (held_up,) = await until_waiting(pg, 1, ending)
        assert held_up.startswith("UPDATE agenda_items"), held_up
        press = started(service.mark_present(turn(POLICE), view.id))
        queries = await until_waiting(pg, 2, ending, press)
        assert any(q.startswith("INSERT INTO attendance") for q in queries), queries
        await holder.rollback()

    ended, refused = await finished(ending, press)
    assert isinstance(ended, MeetingView) and ended.status == "ended", ended
    assert isinstance(refused, Conflict) and str(refused) == MEETING_ENDED, refused
    assert await line_of(pg, view.id, "police") is None
    assert await attendees(pg, view.id) == 1  # the chair's, before the end
