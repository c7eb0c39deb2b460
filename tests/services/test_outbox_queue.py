"""``enqueue``, the one way into the outbox: rows as the sender reads them, once per key
(skipped, or refused when the producer asks), many in few statements."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.domain.clock import FrozenClock
from bot.domain.notices import MAX_KEY_CHARS, Notice, NoticeKind
from bot.services.outbox import IfQueued, enqueue
from bot.store import tables as t
from bot.store.db import Store


async def some_member(store: Store) -> int:
    async with store.reading() as session:
        member = await session.scalar(select(t.Member.id).order_by(t.Member.id).limit(1))
    assert member is not None
    return member


async def outbox(store: Store) -> list[t.OutboxMessage]:
    async with store.reading() as session:
        return list(await session.scalars(select(t.OutboxMessage).order_by(t.OutboxMessage.id)))


async def test_a_notice_becomes_a_pending_row(demo_store: Store, clock: FrozenClock) -> None:
    who = await some_member(demo_store)
    due = clock.now() + timedelta(hours=3)
    notice = Notice(NoticeKind.BRIEF, who, {"meeting_date": "2026-12-07", "locality_id": 3}, "k:1")
    async with demo_store.transaction() as session:
        assert await enqueue(session, [notice], due=due, created_at=clock.now()) == 1
    [row] = await outbox(demo_store)
    assert (row.dedupe_key, row.kind, row.recipient_member_id) == ("k:1", "brief", who)
    assert row.payload == '{"locality_id": 3, "meeting_date": "2026-12-07"}'
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, "")
    assert (row.next_attempt_at, row.created_at) == (due, clock.now())
    assert row.lease_owner is None and row.sent_at is None


async def test_created_defaults_to_due_and_a_key_may_fill_the_column(
    demo_store: Store, clock: FrozenClock
) -> None:
    who = await some_member(demo_store)
    key = "x" * MAX_KEY_CHARS
    async with demo_store.transaction() as session:
        await enqueue(session, [Notice(NoticeKind.DIGEST, who, {}, key)], due=clock.now())
    [row] = await outbox(demo_store)
    assert row.created_at == row.next_attempt_at == clock.now()
    assert row.dedupe_key == key


@pytest.mark.parametrize("if_queued", list(IfQueued))
async def test_a_key_too_long_is_refused_not_cut(
    demo_store: Store, clock: FrozenClock, if_queued: IfQueued
) -> None:
    """Cut to the column, two keys sharing their first 200 characters would be one and
    the second notice skipped. Refused instead, the batch with it, naming the kind only:
    a key may name people or records."""
    who = await some_member(demo_store)
    fine = Notice(NoticeKind.BRIEF, who, {}, "brief:1:2026-12-07:1")
    long = Notice(NoticeKind.DIGEST, who, {}, "secret-" + "x" * MAX_KEY_CHARS)
    with pytest.raises(ValueError, match="digest notice") as raised:
        async with demo_store.transaction() as session:
            await enqueue(session, [fine, long], due=clock.now(), if_queued=if_queued)
    assert "secret" not in str(raised.value) and "xxx" not in str(raised.value)
    assert await outbox(demo_store) == []


async def test_a_key_already_queued_is_skipped(demo_store: Store, clock: FrozenClock) -> None:
    who = await some_member(demo_store)
    first = Notice(NoticeKind.UNREACHABLE, who, {"reason": "blocked"}, "same")
    again = Notice(NoticeKind.UNREACHABLE, who, {"reason": "no_contact"}, "same")
    async with demo_store.transaction() as session:
        assert await enqueue(session, [first], due=clock.now()) == 1
    async with demo_store.transaction() as session:
        other = Notice(NoticeKind.UNREACHABLE, who, {}, "other")
        assert await enqueue(session, [again, other], due=clock.now()) == 1
    assert [(r.dedupe_key, json.loads(r.payload)) for r in await outbox(demo_store)] == [
        ("same", {"reason": "blocked"}),
        ("other", {}),
    ]


async def test_refusing_a_key_already_queued_rolls_back_its_cause(
    demo_store: Store, clock: FrozenClock
) -> None:
    who = await some_member(demo_store)
    notice = Notice(NoticeKind.DATE_DECIDED, who, {"action_id": 1}, "date-decided:1:t")
    async with demo_store.transaction() as session:
        await enqueue(session, [notice], due=clock.now(), if_queued=IfQueued.REFUSE)
    with pytest.raises(IntegrityError):
        async with demo_store.transaction() as session:
            await enqueue(session, [notice], due=clock.now(), if_queued=IfQueued.REFUSE)
    assert len(await outbox(demo_store)) == 1


@pytest.mark.parametrize("if_queued", list(IfQueued))
async def test_thousands_go_in_one_call(
    demo_store: Store, clock: FrozenClock, if_queued: IfQueued
) -> None:
    who = await some_member(demo_store)
    notices = [
        Notice(NoticeKind.DIGEST, who, {"n": n, "today": "2026-12-04"}, f"digest:{n}")
        for n in range(2500)
    ]
    async with demo_store.transaction() as session:
        assert await enqueue(session, notices, due=clock.now(), if_queued=if_queued) == 2500
    async with demo_store.reading() as session:
        assert await session.scalar(select(func.count()).select_from(t.OutboxMessage)) == 2500
    rows = await outbox(demo_store)
    assert [json.loads(r.payload)["n"] for r in rows] == list(range(2500))  # in order


async def test_nothing_to_queue(demo_store: Store, clock: FrozenClock) -> None:
    async with demo_store.transaction() as session:
        assert await enqueue(session, [], due=clock.now()) == 0
    assert await outbox(demo_store) == []
