"""Minutes and decisions recorded in one meeting at the same moment are written together
(bot.services.entry_batches), on the real store: each kept once, each audited as its own
author's, a resend written never twice, and a batch that cannot be written saving nothing
of anyone's in it.

On PostgreSQL the tests hold the meeting's row from another connection, as another
instance's write would, so that what arrives meanwhile queues for the next batch, and
watch where the batch waits (``pg_stat_activity``)."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import func, select

from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict, Duplicate, NotFound, NotPermitted
from bot.domain.model import EntryKind
from bot.services.context import ActorRef, TurnRef
from bot.services.meetings import MEETING_ENDED, MeetingChange, MeetingService
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store, make_engine
from tests.services.test_attendance_presses import (
    BUMP,
    CHAIR,
    KEY_AGENCIES,
    MINUTE_TAKER,
    WAIT,
    finished,
    item_in_hand_held,
    meeting_row_held,
    officers,
    started,
    turn,
    until_waiting,
    version_of,
)


@pytest.fixture
def service(demo_store: Store, clock: FrozenClock) -> MeetingService:
    return MeetingService(demo_store, clock, KEY_AGENCIES)


def minute(words: str) -> dict[str, object]:
    return {"minuteText": words}


async def record(
    service: MeetingService, who: TurnRef, meeting_id: int, item_id: int, words: str
) -> MeetingChange:
    return await service.record_entry(who, meeting_id, item_id, EntryKind.MINUTE, minute(words))


async def kept(store: Store, meeting_id: int) -> dict[str, int]:
    """The meeting's entries: text -> author's member id."""
    async with store.reading() as session:
        rows = await session.execute(
            select(t.MinuteEntry.text, t.MinuteEntry.author_member_id).where(
                t.MinuteEntry.meeting_id == meeting_id
            )
        )
        return {row.text: row.author_member_id for row in rows}


async def created_links(store: Store, meeting_id: int) -> dict[int, str]:
    """The audit's "create" links of the meeting's entries: entry id -> actor."""
    async with store.reading() as session:
        ids = set(
            await session.scalars(
                select(t.MinuteEntry.id).where(t.MinuteEntry.meeting_id == meeting_id)
            )
        )
        rows = await session.execute(
            select(t.AuditEntry.record_id, t.AuditEntry.actor).where(
                t.AuditEntry.action == audit.AuditAction.CREATE,
                t.AuditEntry.record_type == "minute_entries",
            )
        )
        return {int(r.record_id): r.actor for r in rows if int(r.record_id) in ids}


async def authors_of(store: Store, meeting_id: int) -> dict[int, str]:
    """The meeting's entries: entry id -> its author, as the audit names them."""
    async with store.reading() as session:
        rows = await session.execute(
            select(t.MinuteEntry.id, t.MinuteEntry.author_member_id).where(
                t.MinuteEntry.meeting_id == meeting_id
            )
        )
        return {row.id: f"member:{row.author_member_id}" for row in rows}


async def member_id(store: Store, who: ActorRef) -> int:
    async with store.reading() as session:
        found = await session.scalar(
            select(t.Member.id).where(t.Member.aad_object_id == who.aad_object_id)
        )
        assert found is not None
        return found


async def claimed(store: Store, key: str) -> bool:
    async with store.reading() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(t.ProcessedActivity)
            .where(t.ProcessedActivity.activity_id == key)
        )
        return bool(count)


async def queued(service: MeetingService, meeting_id: int, count: int) -> None:
    """Wait until ``count`` entries wait in this process for the meeting's next batch."""

    async def reached() -> None:
        while True:
            if service.entries.queued(meeting_id) >= count:
                return
            await asyncio.sleep(0.01)  # the next look at the queue (their reads are real)

    await asyncio.wait_for(reached(), WAIT)
    assert service.entries.queued(meeting_id) == count


# -- on both engines ----------------------------------------------------------------------


async def test_minutes_recorded_at_once_are_each_kept_and_audited_as_their_author(
    service: MeetingService, demo_store: Store
) -> None:
    view = (await service.start(turn())).view
    item = view.items[0].id
    people = await officers(demo_store, "police", 6, "minute_taker")

    changes = await asyncio.gather(
        *(record(service, turn(p), view.id, item, f"Noted by {p.name}.") for p in people)
    )

    assert all(c.meeting_id == view.id for c in changes)
    authors = {p.name: await member_id(demo_store, p) for p in people}
    assert await kept(demo_store, view.id) == {
        f"Noted by {name}.": author for name, author in authors.items()
    }
    assert await created_links(demo_store, view.id) == await authors_of(demo_store, view.id)
    assert (await audit.verify_store(demo_store.engine)).ok


async def test_a_resent_minute_at_the_same_moment_is_kept_once(
    service: MeetingService, demo_store: Store
) -> None:
    view = (await service.start(turn())).view
    item = view.items[0].id
    sent = turn(MINUTE_TAKER)

    first, again = await asyncio.gather(
        record(service, sent, view.id, item, "Once only."),
        record(service, sent, view.id, item, "Once only."),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in (first, again)) == ["Duplicate", "MeetingChange"]
    assert list(await kept(demo_store, view.id)) == ["Once only."]
    assert len(await created_links(demo_store, view.id)) == 1


async def test_a_resend_refused_for_the_meetings_end_is_told_it_is_recorded(
    service: MeetingService, demo_store: Store
) -> None:
    """Recorded, then the meeting ended before Teams' resend of the same turn arrived:
    the resend is a duplicate ("Already recorded."), not "the meeting has ended"; a new
    minute is refused for the end."""
    view = (await service.start(turn())).view
    item = view.items[0].id
    sent = turn(MINUTE_TAKER)
    await record(service, sent, view.id, item, "Before the end.")
    await service.end(turn(), view.id, {})

    with pytest.raises(Duplicate):
        await record(service, sent, view.id, item, "Before the end.")
    with pytest.raises(Conflict, match=re.escape(MEETING_ENDED)):
        await record(service, turn(MINUTE_TAKER), view.id, item, "After the end.")
    assert list(await kept(demo_store, view.id)) == ["Before the end."]


async def test_an_item_not_in_the_meeting_saves_nothing_and_gives_its_claim_back(
    service: MeetingService, demo_store: Store
) -> None:
    """Written beside a good minute: the good one is kept; the one naming another
    meeting's item is refused, and its turn's claim is given back (a resend is not
    answered "Already recorded." for what was never recorded)."""
    earlier = (await service.start(turn())).view
    await service.end(turn(), earlier.id, {})
    view = (await service.start(turn())).view
    wrong = turn(MINUTE_TAKER)

    good, refused = await asyncio.gather(
        record(service, turn(CHAIR), view.id, view.items[0].id, "Kept."),
        record(service, wrong, view.id, earlier.items[0].id, "Not this meeting's."),
        return_exceptions=True,
    )

    assert isinstance(good, MeetingChange), good
    assert isinstance(refused, NotFound), refused
    assert list(await kept(demo_store, view.id)) == ["Kept."]
    assert await kept(demo_store, earlier.id) == {}
    assert not await claimed(demo_store, wrong.claim_key or "")


async def test_someone_who_may_not_record_is_refused_audited_and_nothing_is_kept(
    service: MeetingService, demo_store: Store
) -> None:
    """A partner of the group (who may not record minutes) is refused before anything is
    queued: nothing kept, no claim, and the refusal is in the audit trail as theirs."""
    view = (await service.start(turn())).view
    (partner,) = await officers(demo_store, "police", 1)
    sent = turn(partner)

    with pytest.raises(NotPermitted):
        await record(service, sent, view.id, view.items[0].id, "Not mine to record.")

    assert await kept(demo_store, view.id) == {}
    assert not await claimed(demo_store, sent.claim_key or "")
    async with demo_store.reading() as session:
        refusals = list(
            await session.scalars(
                select(t.AuditEntry.actor).where(
                    t.AuditEntry.action == audit.AuditAction.REFUSED,
                    t.AuditEntry.detail == "record",
                )
            )
        )
    assert refusals == [f"member:{await member_id(demo_store, partner)}"]


# -- on PostgreSQL: watching the batches -----------------------------------------------


async def test_minutes_arriving_during_a_write_are_written_together(
    service: MeetingService, pg: Store
) -> None:
    """While another connection holds the meeting's row, the first minute's batch waits at
    the meeting's bump; three more arrive and queue for the next batch. Released, all four
    are kept, and the version moved twice: one bump per batch, not per minute."""
    view = (await service.start(turn())).view
    item = view.items[0].id
    people = await officers(pg, "health", 4, "minute_taker")
    before = await version_of(pg, view.id)

    async with meeting_row_held(pg, view.id):
        first = started(record(service, turn(people[0]), view.id, item, "First."))
        (query,) = await until_waiting(pg, 1, first)
        assert query.startswith(BUMP), query
        rest = [
            started(record(service, turn(p), view.id, item, f"Then {p.name}.")) for p in people[1:]
        ]
        await queued(service, view.id, 3)

    for change in await finished(first, *rest):
        assert isinstance(change, MeetingChange), change
    assert len(await kept(pg, view.id)) == 4
    assert await version_of(pg, view.id) == before + 2
    assert len(await created_links(pg, view.id)) == 4
    assert (await audit.verify_store(pg.engine)).ok


async def test_one_batch_keeps_the_good_refuses_the_rest_and_names_each_author(
    service: MeetingService, pg: Store
) -> None:
    """A batch of four queued behind a held one: a minute and a decision by two people,
    one naming an item of an earlier meeting, and a resend of the first minute's turn.
    Written as one, the minute and the decision are kept, each audited as its author's;
    the wrong item is refused and its claim given back; the resend is a duplicate."""
    earlier = (await service.start(turn())).view
    await service.end(turn(), earlier.id, {})
    view = (await service.start(turn())).view
    first_item, second_item = view.items[0].id, view.items[1].id
    one, two = await officers(pg, "health", 2, "minute_taker")
    sent, wrong = turn(one), turn(two)

    async with meeting_row_held(pg, view.id):
        held = started(record(service, turn(CHAIR), view.id, first_item, "Held."))
        await until_waiting(pg, 1, held)
        batch = [
            started(record(service, sent, view.id, first_item, "A minute.")),
            started(
                service.record_entry(
                    turn(two), view.id, second_item, EntryKind.DECISION, {"decisionText": "Agreed."}
                )
            ),
            started(record(service, wrong, view.id, earlier.items[0].id, "Wrong meeting.")),
            started(record(service, sent, view.id, first_item, "A minute.")),
        ]
        await queued(service, view.id, 4)

    outcomes = await finished(held, *batch)
    assert [type(o).__name__ for o in outcomes] == [
        "MeetingChange",
        "MeetingChange",
        "MeetingChange",
        "NotFound",
        "Duplicate",
    ]
    assert await kept(pg, view.id) == {
        "Held.": await member_id(pg, CHAIR),
        "A minute.": await member_id(pg, one),
        "Agreed.": await member_id(pg, two),
    }
    links = await created_links(pg, view.id)
    assert links == await authors_of(pg, view.id)
    assert len(links) == 3
    assert await claimed(pg, sent.claim_key or "")
    assert not await claimed(pg, wrong.claim_key or "")
    assert (await audit.verify_store(pg.engine)).ok


async def test_minutes_meeting_the_end_are_all_refused_and_nothing_is_kept(
    service: MeetingService, pg: Store
) -> None:
    """The chair ends the meeting (which takes the meeting's row first, then is held up
    at the item in hand, held by another connection) while two minutes are recorded:
    their batch waits for the end at its first write naming the meeting. Released, the
    meeting ends and both are refused: no entry, no claim left behind."""
    view = (await service.start(turn())).view
    item = view.items[0].id
    sent = [turn(MINUTE_TAKER), turn(CHAIR)]

    async with item_in_hand_held(pg, view.id) as holder:
        ending = started(service.end(turn(), view.id, {}))
        await until_waiting(pg, 1, ending)
        minutes = [started(record(service, s, view.id, item, "Too late.")) for s in sent]
        queries = await until_waiting(pg, 2, ending, *minutes)
        assert any(q.startswith("INSERT INTO minute_entries") for q in queries), queries
        await holder.rollback()

    ended, *refused = await finished(ending, *minutes)
    assert getattr(ended, "status", None) == "ended", ended
    for outcome in refused:
        assert isinstance(outcome, Conflict) and str(outcome) == MEETING_ENDED, outcome
    assert await kept(pg, view.id) == {}
    for s in sent:
        assert not await claimed(pg, s.claim_key or "")


async def test_a_batch_that_cannot_be_written_saves_nothing_of_anyones(
    pg: Store, clock: FrozenClock
) -> None:
    """A store that answers too slowly (another connection holds the meeting's row past
    this instance's statement time limit): the first minute's batch fails, and so does
    the batch of the two that queued behind it, as one; each turn gets the store's
    error, and nothing of any of the three is kept or claimed."""
    url = pg.engine.url.render_as_string(hide_password=False)
    hasty = Store(make_engine(url, timeout=1.0), pg.keys)
    try:
        service = MeetingService(hasty, clock, KEY_AGENCIES)
        view = (await service.start(turn())).view
        item = view.items[0].id
        people = await officers(pg, "education", 3, "minute_taker")
        sent = [turn(p) for p in people]
        async with meeting_row_held(pg, view.id):
            first = started(record(service, sent[0], view.id, item, "One."))
            await until_waiting(pg, 1, first)
            rest = [started(record(service, s, view.id, item, "More.")) for s in sent[1:]]
            await queued(service, view.id, 2)
            outcomes = await finished(first, *rest)
        for outcome in outcomes:
            assert isinstance(outcome, Exception), outcome
            assert not isinstance(outcome, Duplicate | NotFound | Conflict), outcome
        assert await kept(pg, view.id) == {}
        for s in sent:
            assert not await claimed(pg, s.claim_key or "")
    finally:
        await hasty.close()
