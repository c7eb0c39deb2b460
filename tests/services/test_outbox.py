"""The outbox sender against real stores (SQLite and PostgreSQL), a scripted fake
Messenger and a frozen clock moved by hand: the sender never sleeps, so neither do these
tests."""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import OperationalError

from bot.domain.clock import FrozenClock
from bot.domain.notices import NoticeKind
from bot.services.outbox import (
    DeliveryError,
    OutboxSender,
    Recipient,
    SendResult,
)
from bot.services.outbox_runner import OutboxRunner, run_sender
from bot.store import tables as t
from bot.store.db import Store, make_engine
from tests.support.keys import keys_for_tests

# --- fakes and helpers -------------------------------------------------------------------


@dataclass
class FakeMessenger:
    """Records every send; ``script[member_id]`` lists what successive sends to that
    member do (an exception to raise, or None to succeed); then they succeed."""

    script: dict[int, list[Exception | None]] = field(default_factory=dict)
    calls: list[tuple[Recipient, dict[str, Any]]] = field(default_factory=list)
    new_conversation: str | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        await asyncio.sleep(0)  # a real send yields to the loop: let other senders run
        self.calls.append((to, card))
        steps = self.script.get(to.member_id)
        if steps:
            step = steps.pop(0)
            if step is not None:
                raise step
        conversation = to.conversation_id or self.new_conversation
        return SendResult(f"activity-{next(self._ids)}", conversation)

    def sent_numbers(self) -> list[int]:
        return [card["n"] for _, card in self.calls]


@dataclass
class FakeRenderer:
    """Draws a 'card' naming the row's number; rows whose number is in ``obsolete`` are
    dropped; ``fail`` numbers raise."""

    obsolete: set[int] = field(default_factory=set)
    fail: set[int] = field(default_factory=set)
    seen: list[tuple[str, dict[str, Any], int]] = field(default_factory=list)

    async def __call__(
        self, kind: str, payload: Mapping[str, Any], recipient: int
    ) -> dict[str, Any] | None:
        self.seen.append((kind, dict(payload), recipient))
        n = int(payload.get("n", 0))
        if n in self.fail:
            raise KeyError("a bug")
        if n in self.obsolete:
            return None
        return {"type": "AdaptiveCard", "n": n, "kind": kind}


async def member_ids(store: Store) -> dict[str, int]:
    async with store.reading() as session:
        return {m.name: m.id for m in (await session.scalars(select(t.Member))).all()}


async def add_contacts(
    store: Store,
    clock: FrozenClock,
    ids: Sequence[int],
    *,
    conversation: bool = True,
    unreachable: bool = False,
) -> None:
    async with store.transaction() as session:
        for member_id in ids:
            session.add(
                t.MemberContact(
                    member_id=member_id,
                    teams_user_id=f"29:user-{member_id}",
                    tenant_id="tenant-1",
                    service_url="https://smba.example/amer/",
                    bot_id="28:bot",
                    conversation_id=f"a:personal-{member_id}" if conversation else None,
                    seen_at=clock.now(),
                    unreachable_at=clock.now() if unreachable else None,
                )
            )


_numbers = itertools.count(1)


async def enqueue(
    store: Store, clock: FrozenClock, recipients: Sequence[int], kind: str = "reminder"
) -> list[int]:
    """One outbox row per recipient (repeats allowed); returns their numbers ``n``."""
    numbers = []
    async with store.transaction() as session:
        for member_id in recipients:
            n = next(_numbers)
            numbers.append(n)
            session.add(
                t.OutboxMessage(
                    dedupe_key=f"test:{n}",
                    kind=kind,
                    recipient_member_id=member_id,
                    payload=json.dumps({"n": n}),
                    status="pending",
                    attempts=0,
                    next_attempt_at=clock.now(),
                    last_error="",
                    created_at=clock.now(),
                )
            )
    return numbers


async def rows(store: Store) -> list[t.OutboxMessage]:
    async with store.reading() as session:
        return list(await session.scalars(select(t.OutboxMessage).order_by(t.OutboxMessage.id)))


async def row(store: Store, n: int) -> t.OutboxMessage:
    [found] = [r for r in await rows(store) if r.dedupe_key == f"test:{n}"]
    return found


async def contact(store: Store, member_id: int) -> t.MemberContact:
    async with store.reading() as session:
        found = await session.scalar(
            select(t.MemberContact).where(t.MemberContact.member_id == member_id)
        )
        assert found is not None
        return found


def sender(
    store: Store,
    clock: FrozenClock,
    messenger: FakeMessenger,
    renderer: FakeRenderer | None = None,
    *,
    worker_id: str = "worker-a",
    **options: Any,
) -> OutboxSender:
    options.setdefault("rng", random.Random(7))
    return OutboxSender(
        store, clock, messenger, renderer or FakeRenderer(), worker_id=worker_id, **options
    )


@pytest.fixture
async def people(demo_store: Store, clock: FrozenClock) -> dict[str, int]:
    """Demo members by name, every one of them with a personal conversation."""
    ids = await member_ids(demo_store)
    await add_contacts(demo_store, clock, list(ids.values()))
    return ids


# --- sending -----------------------------------------------------------------------------


async def test_a_row_is_sent_once_and_marked_sent(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya = people["Priya Shah"]
    [n] = await enqueue(demo_store, clock, [priya])
    messenger = FakeMessenger()
    outbox = sender(demo_store, clock, messenger)

    report = await outbox.drain()

    assert (report.claimed, report.sent) == (1, 1)
    [(to, card)] = messenger.calls
    assert to == Recipient(
        priya, f"29:user-{priya}", "tenant-1", "https://smba.example/amer/",
        f"a:personal-{priya}", "28:bot",
    )  # fmt: skip
    assert card["n"] == n
    sent = await row(demo_store, n)
    assert (sent.status, sent.attempts, sent.activity_id) == ("sent", 1, "activity-1")
    assert sent.sent_at == clock.now()
    assert sent.lease_until is None and sent.last_error == ""
    assert report.next_due_at is None

    clock.advance(minutes=10)
    again = await outbox.drain()
    assert again.claimed == 0
    assert len(messenger.calls) == 1


async def test_rows_not_yet_due_wait(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    [n] = await enqueue(demo_store, clock, [people["Priya Shah"]])
    clock.advance(seconds=-30)
    messenger = FakeMessenger()
    report = await sender(demo_store, clock, messenger).drain()
    assert report.claimed == 0 and messenger.calls == []
    assert report.next_due_at == (await row(demo_store, n)).next_attempt_at


async def test_the_first_message_to_someone_creates_the_conversation_and_keeps_it(
    demo_store: Store, clock: FrozenClock
) -> None:
    ids = await member_ids(demo_store)
    priya = ids["Priya Shah"]
    await add_contacts(demo_store, clock, [priya], conversation=False)
    await enqueue(demo_store, clock, [priya])
    messenger = FakeMessenger(new_conversation="a:created-1")

    await sender(demo_store, clock, messenger).drain()

    assert messenger.calls[0][0].conversation_id is None
    assert (await contact(demo_store, priya)).conversation_id == "a:created-1"


async def test_an_obsolete_row_is_dropped_unsent(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    [n] = await enqueue(demo_store, clock, [people["Priya Shah"]])
    messenger = FakeMessenger()
    report = await sender(demo_store, clock, messenger, FakeRenderer(obsolete={n})).drain()
    assert report.dropped == 1
    assert messenger.calls == []
    assert (await row(demo_store, n)).status == "dropped"


# --- retries -------------------------------------------------------------------------------


async def test_429_with_retry_after_waits_at_least_that_long(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya = people["Priya Shah"]
    [n] = await enqueue(demo_store, clock, [priya])
    messenger = FakeMessenger(script={priya: [DeliveryError(429, 30.0, "Throttled")]})
    outbox = sender(demo_store, clock, messenger)
    start = clock.now()

    report = await outbox.drain()

    waiting = await row(demo_store, n)
    assert (report.retried, waiting.status, waiting.last_error) == (1, "retry", "Throttled")
    assert waiting.next_attempt_at >= start + timedelta(seconds=30)
    assert waiting.lease_until is None
    assert report.paused_until is not None and report.paused_until >= start + timedelta(seconds=30)

    clock.advance(seconds=29)
    assert (await outbox.drain()).claimed == 0
    clock.set(waiting.next_attempt_at)
    assert (await outbox.drain()).sent == 1
    assert len(messenger.calls) == 2
    done = await row(demo_store, n)
    assert (done.status, done.attempts, done.last_error) == ("sent", 2, "")


async def test_429_without_retry_after_backs_off_within_the_bounds(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya = people["Priya Shah"]
    [n] = await enqueue(demo_store, clock, [priya])
    throttled = [DeliveryError(429, None, "Throttled") for _ in range(4)]
    messenger = FakeMessenger(script={priya: list(throttled)})
    outbox = sender(demo_store, clock, messenger, backoff_base=2.0, backoff_cap=10.0)

    for attempt, ceiling in enumerate([2.0, 4.0, 8.0, 10.0], start=1):
        before = clock.now()
        await outbox.drain()
        waiting = await row(demo_store, n)
        assert (waiting.status, waiting.attempts) == ("retry", attempt)
        assert before <= waiting.next_attempt_at <= before + timedelta(seconds=ceiling)
        clock.set(waiting.next_attempt_at)
    await outbox.drain()
    assert (await row(demo_store, n)).status == "sent"


def test_full_jitter_spreads_over_the_whole_range(clock: FrozenClock) -> None:
    outbox = OutboxSender(
        None,  # type: ignore[arg-type]  # retry_delay touches no store
        clock,
        FakeMessenger(),
        FakeRenderer(),
        worker_id="w",
        rng=random.Random(1),
    )
    delays = [outbox.outcomes.retry_delay(3, None) for _ in range(2000)]
    assert 0 <= min(delays) < 0.5 and 7.5 < max(delays) <= 8.0
    capped = [outbox.outcomes.retry_delay(30, None) for _ in range(200)]
    assert max(capped) <= 300.0
    assert all(outbox.outcomes.retry_delay(1, 42.0) >= 42.0 for _ in range(200))


async def test_500s_then_success(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya = people["Priya Shah"]
    [n] = await enqueue(demo_store, clock, [priya])
    messenger = FakeMessenger(
        script={priya: [DeliveryError(500), DeliveryError(503), DeliveryError(0, None, "Timeout")]}
    )
    outbox = sender(demo_store, clock, messenger)
    for _ in range(4):
        await outbox.drain()
        clock.advance(seconds=300)
    done = await row(demo_store, n)
    assert (done.status, done.attempts) == ("sent", 4)
    assert messenger.sent_numbers() == [n] * 4


async def test_out_of_attempts_the_row_fails_with_the_code_only(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya = people["Priya Shah"]
    [n] = await enqueue(demo_store, clock, [priya])
    messenger = FakeMessenger(script={priya: [DeliveryError(502, None, "BadGateway")] * 10})
    outbox = sender(demo_store, clock, messenger, max_attempts=3)
    for _ in range(5):
        await outbox.drain()
        clock.advance(seconds=600)
    dead = await row(demo_store, n)
    assert (dead.status, dead.attempts, dead.last_error) == ("failed", 3, "BadGateway")
    assert len(messenger.calls) == 3


async def test_a_permanent_error_fails_at_once(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya = people["Priya Shah"]
    [n] = await enqueue(demo_store, clock, [priya])
    messenger = FakeMessenger(script={priya: [DeliveryError(400, None, "BadArgument")]})
    report = await sender(demo_store, clock, messenger).drain()
    assert report.failed == 1
    assert ((await row(demo_store, n)).status, (await row(demo_store, n)).last_error) == (
        "failed",
        "BadArgument",
    )


async def test_a_renderer_failure_is_retried_not_sent(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    [n] = await enqueue(demo_store, clock, [people["Priya Shah"]])
    renderer = FakeRenderer(fail={n})
    messenger = FakeMessenger()
    outbox = sender(demo_store, clock, messenger, renderer)
    await outbox.drain()
    assert ((await row(demo_store, n)).status, (await row(demo_store, n)).last_error) == (
        "retry",
        "RenderError",
    )
    renderer.fail.clear()
    clock.advance(seconds=10)
    await outbox.drain()
    assert (await row(demo_store, n)).status == "sent"
    assert len(messenger.calls) == 1


async def test_a_429_holds_back_the_rest_of_the_batch_uncounted(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya, dana, chris = people["Priya Shah"], people["Dana Reeves"], people["Chris Lowe"]
    first, second, third = await enqueue(demo_store, clock, [priya, dana, chris])
    messenger = FakeMessenger(script={priya: [DeliveryError(429, 10.0, "Throttled")]})
    outbox = sender(demo_store, clock, messenger)

    report = await outbox.drain()

    assert (report.retried, report.deferred, len(messenger.calls)) == (1, 2, 1)
    for n in (second, third):
        held = await row(demo_store, n)
        assert (held.status, held.attempts) == ("pending", 0)
        assert held.next_attempt_at >= clock.now() + timedelta(seconds=10)
    clock.advance(seconds=15)
    report = await outbox.drain()
    assert report.sent == 3
    assert sorted(messenger.sent_numbers()) == sorted([first, first, second, third])


# --- rates -----------------------------------------------------------------------------------


async def test_messages_to_one_person_are_spaced_by_next_attempt_at(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya = people["Priya Shah"]
    first, second = await enqueue(demo_store, clock, [priya, priya])
    messenger = FakeMessenger()
    outbox = sender(demo_store, clock, messenger, per_recipient_spacing=2.0)

    report = await outbox.drain()

    assert (report.sent, report.deferred) == (1, 1)
    held = await row(demo_store, second)
    assert (held.status, held.attempts) == ("pending", 0)
    assert held.next_attempt_at == clock.now() + timedelta(seconds=2)
    clock.advance(seconds=1)
    assert (await outbox.drain()).claimed == 0
    clock.advance(seconds=1)
    assert (await outbox.drain()).sent == 1
    assert messenger.sent_numbers() == [first, second]


async def test_spacing_holds_across_senders(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """The last send time comes from the store, so another process's sender keeps it."""
    priya = people["Priya Shah"]
    await enqueue(demo_store, clock, [priya])
    messenger = FakeMessenger()
    await sender(demo_store, clock, messenger, worker_id="a").drain()
    [later] = await enqueue(demo_store, clock, [priya])
    report = await sender(demo_store, clock, messenger, worker_id="b").drain()
    assert report.deferred == 1
    assert (await row(demo_store, later)).next_attempt_at == clock.now() + timedelta(seconds=2)


async def test_the_per_second_cap_limits_each_drain(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    names = ["Priya Shah", "Dana Reeves", "Chris Lowe", "Jo Marsh", "Morgan Bell"]
    await enqueue(demo_store, clock, [people[name] for name in names])
    messenger = FakeMessenger()
    outbox = sender(demo_store, clock, messenger, per_second_cap=3)

    first = await outbox.drain()
    assert first.sent == 3
    blocked = await outbox.drain()
    assert blocked.claimed == 0
    assert blocked.paused_until == clock.now() + timedelta(seconds=1)
    clock.advance(seconds=1)
    assert (await outbox.drain()).sent == 2
    assert len(messenger.calls) == 5


# --- unreachable people -----------------------------------------------------------------------


async def notices(store: Store) -> list[t.OutboxMessage]:
    return [r for r in await rows(store) if r.kind == NoticeKind.UNREACHABLE]


async def test_403_marks_the_person_unreachable_and_tells_the_coordinator(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya, riley = people["Priya Shah"], people["Riley Quinn"]
    [n] = await enqueue(demo_store, clock, [priya])
    messenger = FakeMessenger(script={priya: [DeliveryError(403, None, "MessageWritesBlocked")]})
    outbox = sender(demo_store, clock, messenger)

    report = await outbox.drain()

    assert report.unreachable == 1
    blocked = await row(demo_store, n)
    assert (blocked.status, blocked.last_error) == ("unreachable", "MessageWritesBlocked")
    assert (await contact(demo_store, priya)).unreachable_at == clock.now()
    [notice] = await notices(demo_store)
    assert notice.recipient_member_id == riley
    assert notice.dedupe_key == f"unreachable:{priya}:2026-11-19:{riley}"
    async with demo_store.reading() as session:
        localities = {loc.code: loc.id for loc in (await session.scalars(select(t.Locality))).all()}
    assert json.loads(notice.payload) == {
        "member_id": priya,
        "locality_ids": sorted([localities["scarborough"], localities["ryedale"]]),
        "reason": "blocked",
    }

    # Never retried; the coordinator's notice goes out on the next drain.
    clock.advance(hours=1)
    later = await outbox.drain()
    assert later.sent == 1
    assert [to.member_id for to, _ in messenger.calls] == [priya, riley]
    assert (await row(demo_store, n)).status == "unreachable"


async def test_a_known_unreachable_person_is_not_tried_and_notices_are_one_a_day(
    demo_store: Store, clock: FrozenClock
) -> None:
    ids = await member_ids(demo_store)
    priya = ids["Priya Shah"]
    await add_contacts(demo_store, clock, [priya], unreachable=True)
    await add_contacts(demo_store, clock, [i for name, i in ids.items() if name != "Priya Shah"])
    first, second = await enqueue(demo_store, clock, [priya, priya])
    messenger = FakeMessenger()

    report = await sender(demo_store, clock, messenger, per_recipient_spacing=0).drain()

    assert report.unreachable == 2
    assert all(to.member_id != priya for to, _ in messenger.calls)
    for n in (first, second):
        assert ((await row(demo_store, n)).status, (await row(demo_store, n)).last_error) == (
            "unreachable",
            "KnownUnreachable",
        )
    assert len(await notices(demo_store)) == 1


async def test_no_contact_is_recorded_and_the_coordinator_told(
    demo_store: Store, clock: FrozenClock
) -> None:
    ids = await member_ids(demo_store)
    jo = ids["Jo Marsh"]
    [n] = await enqueue(demo_store, clock, [jo])
    messenger = FakeMessenger()
    report = await sender(demo_store, clock, messenger).drain()
    assert report.no_contact == 1
    assert (await row(demo_store, n)).status == "no_contact"
    [notice] = await notices(demo_store)
    assert notice.recipient_member_id == ids["Riley Quinn"]
    assert json.loads(notice.payload)["reason"] == "no_contact"
    assert messenger.calls == []


async def test_where_a_group_has_no_coordinator_its_chair_is_told(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    kit, riley, harper = people["Kit Fenwick"], people["Riley Quinn"], people["Harper Lane"]
    async with demo_store.transaction() as session:
        harrogate = await session.scalar(
            select(t.Locality.id).where(t.Locality.code == "harrogate")
        )
        await session.execute(
            delete(t.Membership).where(
                t.Membership.member_id == riley, t.Membership.locality_id == harrogate
            )
        )
    await enqueue(demo_store, clock, [kit])
    messenger = FakeMessenger(script={kit: [DeliveryError(403)]})
    await sender(demo_store, clock, messenger).drain()
    assert [r.recipient_member_id for r in await notices(demo_store)] == [harper]


async def test_an_undeliverable_notice_does_not_start_a_chain(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    priya, riley = people["Priya Shah"], people["Riley Quinn"]
    await enqueue(demo_store, clock, [priya])
    messenger = FakeMessenger(script={priya: [DeliveryError(403)], riley: [DeliveryError(403)]})
    outbox = sender(demo_store, clock, messenger)
    await outbox.drain()
    clock.advance(seconds=5)
    await outbox.drain()
    [notice] = await notices(demo_store)
    assert notice.status == "unreachable"
    assert (await contact(demo_store, riley)).unreachable_at is not None


# --- two senders, crashes --------------------------------------------------------------------


async def drain_until_empty(outbox: OutboxSender, limit: int) -> None:
    """Drain until nothing is left that this sender could claim now (rows the other
    sender holds under a live lease are its business)."""
    for _ in range(1000):
        report = await outbox.drain(limit)
        if report.claimed == 0 and (
            report.next_due_at is None or report.next_due_at > outbox.clock.now()
        ):
            return
    raise AssertionError("the outbox never emptied")


@pytest.mark.parametrize("separate_engines", [False, True], ids=["one-pool", "two-engines"])
async def test_two_senders_draining_at_once_never_send_a_row_twice(
    demo_store: Store, clock: FrozenClock, people: dict[str, int], separate_engines: bool
) -> None:
    recipients = list(people.values()) * 10
    numbers = await enqueue(demo_store, clock, recipients)
    messenger = FakeMessenger()
    other_store = (
        Store(
            make_engine(demo_store.engine.url.render_as_string(hide_password=False)),
            keys_for_tests(),
        )
        if separate_engines
        else demo_store
    )
    try:
        a = sender(
            demo_store,
            clock,
            messenger,
            worker_id="a",
            per_recipient_spacing=0,
            per_second_cap=1000,
        )
        b = sender(
            other_store,
            clock,
            messenger,
            worker_id="b",
            per_recipient_spacing=0,
            per_second_cap=1000,
        )
        await asyncio.gather(drain_until_empty(a, 7), drain_until_empty(b, 7))
    finally:
        if separate_engines:
            await other_store.close()

    counts = Counter(messenger.sent_numbers())
    assert sorted(counts) == sorted(numbers)
    assert set(counts.values()) == {1}
    final = await rows(demo_store)
    assert {r.status for r in final} == {"sent"}
    assert {r.attempts for r in final} == {1}
    assert {r.lease_owner for r in final} <= {"a", "b"}


@pytest.mark.parametrize("separate_engines", [False, True], ids=["one-pool", "two-engines"])
async def test_claims_made_at_the_same_moment_are_disjoint(
    demo_store: Store, clock: FrozenClock, people: dict[str, int], separate_engines: bool
) -> None:
    """Both senders read the same due rows at once; each row goes to exactly one."""
    await enqueue(demo_store, clock, list(people.values()) * 3)
    other_store = (
        Store(
            make_engine(demo_store.engine.url.render_as_string(hide_password=False)),
            keys_for_tests(),
        )
        if separate_engines
        else demo_store
    )
    try:
        senders = [
            sender(demo_store, clock, FakeMessenger(), worker_id="a"),
            sender(other_store, clock, FakeMessenger(), worker_id="b"),
            sender(demo_store, clock, FakeMessenger(), worker_id="c"),
        ]
        claimed = await asyncio.gather(*(s.claim(100) for s in senders))
    finally:
        if separate_engines:
            await other_store.close()
    ids = [c.id for claims in claimed for c in claims]
    assert len(ids) == len(set(ids)) == 3 * len(people)
    owners = {r.id: r.lease_owner for r in await rows(demo_store)}
    for worker, claims in zip("abc", claimed, strict=True):
        assert all(owners[c.id] == worker for c in claims)
        assert all(c.attempts == 1 for c in claims)


async def test_a_sender_that_crashed_after_claiming_is_taken_over_after_its_lease(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    numbers = await enqueue(demo_store, clock, [people["Priya Shah"], people["Dana Reeves"]])
    messenger = FakeMessenger()
    crashed = sender(demo_store, clock, messenger, worker_id="crashed", lease_seconds=120)
    claims = await crashed.claim(10)
    assert [c.attempts for c in claims] == [1, 1]
    del crashed  # it dies holding the rows

    survivor = sender(demo_store, clock, messenger, worker_id="survivor", lease_seconds=120)
    clock.advance(seconds=119)
    assert (await survivor.drain()).claimed == 0
    clock.advance(seconds=2)
    report = await survivor.drain()
    assert report.sent == 2
    assert sorted(messenger.sent_numbers()) == sorted(numbers)
    for n in numbers:
        taken = await row(demo_store, n)
        assert (taken.status, taken.lease_owner, taken.attempts) == ("sent", "survivor", 2)
    clock.advance(hours=1)
    assert (await survivor.drain()).claimed == 0
    assert len(messenger.calls) == 2


async def test_a_stalled_sender_cannot_overwrite_the_row_a_new_owner_sent(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """The residual at-least-once window: a send that outlasts the lease can be repeated by
    the sender that takes over. The stale sender's record is refused and reported."""
    priya = people["Priya Shah"]
    [n] = await enqueue(demo_store, clock, [priya])
    release = asyncio.Event()
    started = asyncio.Event()

    class Stalling(FakeMessenger):
        async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
            started.set()
            await release.wait()
            return await super().send(to, card)

    stalled_messenger = Stalling()
    stalled = sender(demo_store, clock, stalled_messenger, worker_id="stalled")
    task = asyncio.create_task(stalled.drain())
    await started.wait()

    clock.advance(seconds=121)
    messenger = FakeMessenger()
    taken = await sender(demo_store, clock, messenger, worker_id="new").drain()
    assert taken.sent == 1
    release.set()
    stale = await task
    assert stale.lost == 1
    final = await row(demo_store, n)
    assert (final.status, final.lease_owner, final.activity_id) == ("sent", "new", "activity-1")


async def test_a_slow_batch_renews_its_lease_so_nobody_takes_its_rows(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    names = ["Priya Shah", "Dana Reeves", "Chris Lowe", "Jo Marsh", "Morgan Bell"]
    numbers = await enqueue(demo_store, clock, [people[name] for name in names])
    other = sender(demo_store, clock, FakeMessenger(), worker_id="other", lease_seconds=10)
    taken_by_other: list[int] = []

    class Slow(FakeMessenger):
        async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
            clock.advance(seconds=3)  # each send takes 3 s of the 10 s lease
            taken_by_other.extend(c.id for c in await other.claim(10))
            return await super().send(to, card)

    messenger = Slow()
    report = await sender(demo_store, clock, messenger, lease_seconds=10).drain()

    assert report.sent == 5 and report.lost == 0
    assert taken_by_other == []
    assert messenger.sent_numbers() == numbers
    assert {r.status for r in await rows(demo_store)} == {"sent"}


async def test_a_send_the_database_could_not_record_is_recorded_on_the_next_drain(
    demo_store: Store,
    clock: FrozenClock,
    people: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = await enqueue(demo_store, clock, [people["Priya Shah"], people["Dana Reeves"]])
    messenger = FakeMessenger()
    outbox = sender(demo_store, clock, messenger)
    real = outbox._record_sent
    failures = [OperationalError("UPDATE", {}, Exception("the database went away"))]

    async def flaky(*args: Any) -> bool:
        if failures:
            raise failures.pop()
        return await real(*args)

    monkeypatch.setattr(outbox, "_record_sent", flaky)
    report = await outbox.drain()
    assert (report.sent, report.unrecorded) == (1, 1)
    assert (await row(demo_store, first)).status == "sending"  # still leased to us
    assert (await row(demo_store, second)).status == "sending"  # not sent: we stopped

    report = await outbox.drain()
    assert (await row(demo_store, first)).status == "sent"
    assert report.unrecorded == 0
    clock.advance(seconds=121)
    await outbox.drain()
    assert (await row(demo_store, second)).status == "sent"
    assert messenger.sent_numbers() == [first, second]


async def test_run_sender_drains_until_stopped(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    [n] = await enqueue(demo_store, clock, [people["Priya Shah"]])
    stop = asyncio.Event()

    class StopAfterOne(FakeMessenger):
        async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
            stop.set()
            return await super().send(to, card)

    messenger = StopAfterOne()
    await asyncio.wait_for(run_sender(sender(demo_store, clock, messenger), stop), timeout=10)
    assert messenger.sent_numbers() == [n]


async def test_logs_carry_ids_and_codes_never_content(
    demo_store: Store,
    clock: FrozenClock,
    people: dict[str, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    priya = people["Priya Shah"]
    await enqueue(demo_store, clock, [priya, people["Dana Reeves"]])
    messenger = FakeMessenger(script={priya: [DeliveryError(403, None, "MessageWritesBlocked")]})

    class Secretive(FakeRenderer):
        async def __call__(
            self, kind: str, payload: Mapping[str, Any], recipient: int
        ) -> dict[str, Any] | None:
            return {"type": "AdaptiveCard", "n": payload["n"], "text": "CR-0001 SENTINEL"}

    caplog.set_level("DEBUG", logger="bot.services.outbox")
    await sender(demo_store, clock, messenger, Secretive()).drain()
    assert "MessageWritesBlocked" in caplog.text
    assert "SENTINEL" not in caplog.text and "Priya" not in caplog.text
    assert '"n"' not in caplog.text


def test_now_is_never_read_from_the_system(clock: FrozenClock) -> None:
    """Everything the sender stamps comes from its clock: check the module has no other
    source of time."""
    import importlib
    import inspect
    import pkgutil

    import bot.services.outbox as package

    for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
        source = inspect.getsource(importlib.import_module(module.name))
        assert "datetime.now" not in source and "time.time" not in source, module.name
    assert "asyncio.sleep(" not in inspect.getsource(OutboxSender)
    assert isinstance(clock.now(), datetime)


# --- several on their way at once --------------------------------------------------------


@dataclass
class GatedMessenger(FakeMessenger):
    """Holds every send until released, counting how many are on their way at once."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: list[int] = field(default_factory=list)
    most_at_once: int = 0
    same_person_at_once: bool = False
    #: Set once ``expect`` sends are on their way together.
    expect: int = 4
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        if to.member_id in self.in_flight:
            self.same_person_at_once = True
        self.in_flight.append(to.member_id)
        self.most_at_once = max(self.most_at_once, len(self.in_flight))
        if len(self.in_flight) >= self.expect:
            self.reached.set()
        try:
            await self.gate.wait()
            return await super().send(to, card)
        finally:
            self.in_flight.remove(to.member_id)


async def test_several_messages_go_at_once_but_never_two_to_one_person(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    ids = sorted(people.values())[:6]
    first = ids[0]
    numbers = await enqueue(demo_store, clock, [first, *ids[1:], first])
    messenger = GatedMessenger()
    outbox = sender(demo_store, clock, messenger, in_flight=4, per_recipient_spacing=0)

    draining = asyncio.create_task(outbox.drain())
    async with asyncio.timeout(5):
        await messenger.reached.wait()  # the first four are started together
    assert messenger.most_at_once == 4
    messenger.gate.set()
    report = await draining

    assert report.sent == len(numbers) == 7
    assert sorted(messenger.sent_numbers()) == numbers, "each row once"
    assert not messenger.same_person_at_once
    assert all(r.status == "sent" for r in await rows(demo_store))


async def test_with_several_at_once_a_429_still_holds_back_what_has_not_started(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    ids = sorted(people.values())[:6]
    throttled = DeliveryError(429, 30.0, "Throttled")
    messenger = FakeMessenger(script={ids[0]: [throttled]})
    numbers = await enqueue(demo_store, clock, ids)
    outbox = sender(demo_store, clock, messenger, in_flight=2)

    report = await outbox.drain()

    started = len(messenger.calls)
    assert started < len(numbers), "the rest of the batch was not sent into the throttle"
    assert report.retried == 1 and report.deferred == len(numbers) - started
    assert report.paused_until is not None


# --- a drain that follows the queue (as run_sender drains) ---------------------------------


@dataclass
class CountingMessenger(FakeMessenger):
    """Sets ``reached`` once ``expect`` messages were sent."""

    expect: int = 3
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        result = await super().send(to, card)
        if len(self.calls) >= self.expect:
            self.reached.set()
        return result


async def test_a_following_drain_waits_for_tokens_instead_of_putting_rows_back(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """Three tokens a second and five rows: the drain sends three, keeps the other two
    (drawn, not put back) until the budget has tokens again, and sends them in the same
    drain. The budget frees its tokens only once the drain settled what the first three
    took, while the drain was still under way."""
    numbers = await enqueue(demo_store, clock, list(people.values())[:5])
    messenger = CountingMessenger(expect=3)
    outbox = sender(demo_store, clock, messenger, per_second_cap=3, in_flight=2)

    draining = asyncio.create_task(outbox.drain(follow=True))
    await asyncio.wait_for(messenger.reached.wait(), 10)
    assert len(messenger.calls) == 3
    assert not draining.done()
    # Nothing put back: the two not yet sent are still held by this sender.
    assert all(
        r.status in ("sent", "sending") and r.lease_owner == "worker-a"
        for r in await rows(demo_store)
    )
    clock.advance(seconds=1)  # the first three tokens free a second after their answers
    outbox.wake()
    report = await asyncio.wait_for(draining, 10)

    assert (report.claimed, report.sent, report.deferred) == (5, 5, 0)
    assert sorted(messenger.sent_numbers()) == numbers, "each row once"
    assert all(r.status == "sent" for r in await rows(demo_store))


async def test_a_following_drain_claims_what_is_queued_while_it_runs(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    ids = list(people.values())
    [first] = await enqueue(demo_store, clock, ids[:1])
    messenger = GatedMessenger(expect=1)
    outbox = sender(demo_store, clock, messenger, in_flight=2)

    draining = asyncio.create_task(outbox.drain(follow=True))
    await asyncio.wait_for(messenger.reached.wait(), 10)  # the first on its way
    [second] = await enqueue(demo_store, clock, ids[1:2])
    outbox.wake()  # as OutboxRunner.wake does once something is queued
    messenger.gate.set()
    report = await asyncio.wait_for(draining, 10)

    assert (report.claimed, report.sent) == (2, 2)
    assert sorted(messenger.sent_numbers()) == [first, second]


async def test_a_following_drain_stopped_while_it_waits_puts_the_rest_back(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    numbers = await enqueue(demo_store, clock, list(people.values())[:5])
    messenger = CountingMessenger(expect=3)
    outbox = sender(demo_store, clock, messenger, per_second_cap=3, in_flight=2)
    await outbox.heartbeat()

    draining = asyncio.create_task(outbox.drain(follow=True))
    await asyncio.wait_for(messenger.reached.wait(), 10)
    outbox.stop_claiming()
    report = await asyncio.wait_for(draining, 10)

    assert (report.sent, report.deferred) == (3, 2)
    assert outbox.put_back_at_stop == 2
    assert await outbox.retire() == 0  # nothing else held
    sent = set(messenger.sent_numbers())
    for n in set(numbers) - sent:
        r = await row(demo_store, n)
        assert (r.status, r.attempts, r.lease_owner) == ("pending", 0, None)
        assert r.next_attempt_at == clock.now()


async def test_a_following_drain_stops_sending_when_working_hours_end(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """A drain that follows the queue may outlast the working day: what it holds when the
    day ends is put back, not sent at 18:00:01."""
    numbers = await enqueue(demo_store, clock, list(people.values())[:5])
    end = clock.now() + timedelta(seconds=0.5)
    messenger = CountingMessenger(expect=3)
    outbox = sender(
        demo_store,
        clock,
        messenger,
        per_second_cap=3,
        in_flight=2,
        sending_hours=lambda now: now < end,
    )

    draining = asyncio.create_task(outbox.drain(follow=True))
    await asyncio.wait_for(messenger.reached.wait(), 10)
    clock.advance(seconds=1)  # tokens free again, but the day is over
    outbox.wake()
    report = await asyncio.wait_for(draining, 10)

    assert (report.sent, report.deferred) == (3, 2)
    assert len(messenger.calls) == 3
    unsent = [await row(demo_store, n) for n in numbers if n not in messenger.sent_numbers()]
    assert [(r.status, r.attempts) for r in unsent] == [("pending", 0)] * 2


# --- stopping, heartbeats, and the runner serve starts --------------------------------------


async def workers(store: Store) -> list[str]:
    async with store.reading() as session:
        return list(await session.scalars(select(t.OutboxWorker.worker_id)))


async def test_a_stopping_sender_finishes_what_is_on_its_way_and_puts_the_rest_back(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """SIGTERM mid-batch: the two sends on their way finish and are recorded as sent; the
    four not started are put back, due now and uncounted, for another instance at once."""
    numbers = await enqueue(demo_store, clock, list(people.values())[:6])
    messenger = GatedMessenger(expect=2)
    stopping = sender(demo_store, clock, messenger, in_flight=2, per_recipient_spacing=0)
    await stopping.heartbeat()
    draining = asyncio.create_task(stopping.drain())
    await asyncio.wait_for(messenger.reached.wait(), 10)

    stopping.stop_claiming()
    messenger.gate.set()
    report = await asyncio.wait_for(draining, 10)
    assert (report.sent, report.deferred) == (2, 4)
    assert await stopping.retire() == 0  # nothing else held
    assert await workers(demo_store) == []  # and no heartbeat left to wait on
    assert (await stopping.drain()).claimed == 0  # a stopped sender claims nothing

    sent = set(messenger.sent_numbers())
    for n in numbers:
        r = await row(demo_store, n)
        if n in sent:
            assert (r.status, r.attempts) == ("sent", 1)
        else:
            assert (r.status, r.attempts, r.lease_owner) == ("pending", 0, None)
            assert r.next_attempt_at == clock.now()

    other = sender(demo_store, clock, messenger, worker_id="worker-b", per_recipient_spacing=0)
    assert (await other.drain()).sent == 4  # at once, with no lease to wait out
    assert sorted(messenger.sent_numbers()) == sorted(numbers), "each sent exactly once"


async def test_retire_puts_back_what_was_claimed_and_never_started(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    numbers = await enqueue(demo_store, clock, list(people.values())[:3])
    stopping = sender(demo_store, clock, FakeMessenger(), lease_seconds=300)
    await stopping.heartbeat()
    assert len(await stopping.claim(10)) == 3
    stopping.stop_claiming()

    assert await stopping.retire() == 3
    assert await workers(demo_store) == []
    other = sender(demo_store, clock, FakeMessenger(), worker_id="worker-b")
    claims = await other.claim(10)
    assert sorted(c.id for c in claims) == sorted([(await row(demo_store, n)).id for n in numbers])
    assert [c.attempts for c in claims] == [1, 1, 1], "the stopped sender's attempt is uncounted"


async def test_a_dead_senders_rows_are_taken_over_once_its_heartbeat_is_stale(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """A crash (kill -9, or the host gone): its rows go out again once its heartbeat is
    older than dead_after (15 s), not after the 300-s lease. A live sender keeps its own."""
    numbers = await enqueue(demo_store, clock, [people["Priya Shah"], people["Dana Reeves"]])
    crashed = sender(demo_store, clock, FakeMessenger(), worker_id="crashed", lease_seconds=300)
    await crashed.heartbeat()
    assert len(await crashed.claim(10)) == 2
    survivor = sender(demo_store, clock, FakeMessenger(), worker_id="survivor", lease_seconds=300)
    await survivor.heartbeat()

    clock.advance(seconds=10)
    await crashed.heartbeat()  # still alive at +10 s: its rows stay its own
    await survivor.heartbeat()
    clock.advance(seconds=14)
    await survivor.heartbeat()
    assert (await survivor.drain()).claimed == 0
    clock.advance(seconds=2)  # +26 s: 16 s since the crashed sender's last heartbeat
    await survivor.heartbeat()
    report = await survivor.drain()
    assert report.sent == 2
    for n in numbers:
        taken = await row(demo_store, n)
        assert (taken.status, taken.lease_owner, taken.attempts) == ("sent", "survivor", 2)


async def test_a_sender_that_cannot_renew_its_heartbeat_claims_nothing(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """Past half of dead_after without a heartbeat, others may soon take it for dead:
    sending then could send a row twice, so it holds back until it beats again."""
    [n] = await enqueue(demo_store, clock, [people["Priya Shah"]])
    messenger = FakeMessenger()
    lapsed = sender(demo_store, clock, messenger)
    await lapsed.heartbeat()
    clock.advance(seconds=8)
    report = await lapsed.drain()
    assert (report.claimed, messenger.calls) == (0, [])
    await lapsed.heartbeat()
    assert (await lapsed.drain()).sent == 1
    assert messenger.sent_numbers() == [n]


async def test_the_runner_sends_continuously_and_stops_within_its_grace(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """The runner serve starts: sends as soon as it is woken, with no tick to wait for; on
    stop, a send that never returns is abandoned after the grace, its row left held (its
    outcome is unknown: it goes out again once this sender's heartbeat is stale), and the
    rows not started are put back."""
    ids = list(people.values())
    messenger = GatedMessenger(expect=1)
    messenger.gate.set()
    outbox = sender(demo_store, clock, messenger, in_flight=1, per_recipient_spacing=0)
    recorded = asyncio.Event()
    runner = OutboxRunner(
        outbox,
        grace_seconds=0.2,
        idle_seconds=60,
        observe=lambda report: recorded.set() if report.sent else None,
    )
    await runner.start()
    [first] = await enqueue(demo_store, clock, ids[:1])
    runner.wake()
    await asyncio.wait_for(recorded.wait(), 10)
    assert (await row(demo_store, first)).status == "sent"

    messenger.gate.clear()  # Teams stops answering
    messenger.reached.clear()
    stuck, *rest = await enqueue(demo_store, clock, ids[1:4])
    runner.wake()
    await asyncio.wait_for(messenger.reached.wait(), 10)
    assert await asyncio.wait_for(runner.stop(), 10) == 2
    assert (await row(demo_store, stuck)).status == "sending"
    assert [(await row(demo_store, n)).status for n in rest] == ["pending", "pending"]
    assert await workers(demo_store) == ["worker-a"], "kept, to go stale"


class NotedBeats(OutboxSender):
    """The sender, telling the test each time its heartbeat has been written."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.beats: asyncio.Queue[datetime] = asyncio.Queue()

    async def heartbeat(self) -> None:
        await super().heartbeat()
        self.beats.put_nowait(self.clock.now())

    async def beaten(self, at: datetime) -> bool:
        """Whether a heartbeat stamped ``at`` or later is written (within a second)."""
        try:
            async with asyncio.timeout(1):
                while await self.beats.get() < at:
                    pass
        except TimeoutError:
            return False
        return True


async def test_a_stopping_runner_beats_until_its_last_send_is_recorded(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """SIGTERM while Teams is slow to answer a send, slower than dead_after (15 s): the
    runner goes on beating until the send has finished, so another instance never takes
    the row for a dead sender's and sends it a second time."""
    [n] = await enqueue(demo_store, clock, [people["Priya Shah"]])
    messenger = GatedMessenger(expect=1)
    stopping = NotedBeats(
        demo_store, clock, messenger, FakeRenderer(), worker_id="worker-a", per_recipient_spacing=0
    )
    runner = OutboxRunner(stopping, heartbeat_seconds=0.02, idle_seconds=60, grace_seconds=30)
    await runner.start()
    await asyncio.wait_for(messenger.reached.wait(), 10)  # the send is on its way
    stop = asyncio.create_task(runner.stop())

    other_messenger = FakeMessenger()
    other = sender(
        demo_store, clock, other_messenger, worker_id="worker-b", per_recipient_spacing=0
    )
    kept_beating = []
    for _ in range(8):  # 40 s of waiting on Teams, in steps shorter than dead_after
        clock.advance(seconds=5)
        assert (await other.drain()).claimed == 0, "taken for dead while its send was on its way"
        kept_beating.append(await stopping.beaten(clock.now()))
    assert all(kept_beating)

    messenger.gate.set()  # Teams answers at last
    assert await asyncio.wait_for(stop, 10) == 0
    final = await row(demo_store, n)
    assert (final.status, final.lease_owner, final.attempts) == ("sent", "worker-a", 1)
    assert await workers(demo_store) == []
    assert (await other.drain()).claimed == 0
    assert messenger.sent_numbers() == [n] and other_messenger.calls == [], "sent exactly once"


async def test_a_stale_sender_does_not_put_back_a_row_claimed_again_since(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """A sender stalls past its lease, and the rows are claimed again by a sender of the
    same name (a process restarted with the same host name and pid): when the stale one
    stops, it must not put back what the new one now holds (a new attempt), or the row
    would go out from both."""
    numbers = await enqueue(demo_store, clock, [people["Priya Shah"], people["Dana Reeves"]])
    messenger = GatedMessenger(expect=1)
    stale = sender(demo_store, clock, messenger, in_flight=1, per_recipient_spacing=0)
    draining = asyncio.create_task(stale.drain())
    await asyncio.wait_for(messenger.reached.wait(), 10)  # the first send stalls

    clock.advance(seconds=121)  # past the 120-s lease
    successor = sender(demo_store, clock, FakeMessenger(), per_recipient_spacing=0)
    assert sorted(c.attempts for c in await successor.claim(10)) == [2, 2]
    stale.stop_claiming()
    messenger.gate.set()
    report = await asyncio.wait_for(draining, 10)

    assert (report.deferred, report.lost) == (0, 2)
    for n in numbers:
        held = await row(demo_store, n)
        assert (held.status, held.lease_owner, held.attempts) == ("sending", "worker-a", 2)


def test_a_stop_waits_at_most_25_seconds_of_the_platforms_30() -> None:
    """Requests first (SHUTDOWN_SECONDS), then the outbox and the live card edits side by
    side (bot.app.settle_at_stop): 5 s for the last writes and closing the clients."""
    from bot.app import LIVE_CARDS_GRACE_SECONDS, OUTBOX_GRACE_SECONDS
    from bot.http.serving import SHUTDOWN_SECONDS

    assert SHUTDOWN_SECONDS + max(OUTBOX_GRACE_SECONDS, LIVE_CARDS_GRACE_SECONDS) <= 25


async def test_at_a_stop_the_outbox_and_the_live_cards_are_waited_for_side_by_side(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """A send Teams never answers and a card edit that never ends: the stop takes the
    longer of the two graces, not their sum."""
    from bot.app import settle_at_stop

    messenger = GatedMessenger(expect=1)
    outbox = sender(demo_store, clock, messenger, per_recipient_spacing=0)
    runner = OutboxRunner(outbox, grace_seconds=0.6, idle_seconds=60)
    await runner.start()
    await enqueue(demo_store, clock, [people["Priya Shah"]])
    runner.wake()
    await asyncio.wait_for(messenger.reached.wait(), 10)
    edit_never_ends = asyncio.Event()

    loop = asyncio.get_running_loop()
    began = loop.time()
    await asyncio.wait_for(settle_at_stop(runner, edit_never_ends.wait, cards_grace=0.6), 10)
    took = loop.time() - began
    assert 0.6 <= took < 1.1, f"{took:.2f} s: the two graces one after the other"


async def test_on_postgresql_heartbeats_are_judged_on_the_database_clock(
    demo_store: Store, clock: FrozenClock, people: dict[str, int]
) -> None:
    """Two hosts whose clocks disagree by a minute: the one ahead does not take the other,
    alive, for dead. Once the database's clock says a sender's heartbeat is older than
    dead_after (15 s), its rows are taken over, whatever either host's clock says."""
    if demo_store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serves one host: heartbeats are on the app's clock there")
    await enqueue(demo_store, clock, [people["Priya Shah"]])
    alive = sender(demo_store, clock, FakeMessenger(), worker_id="behind", database_heartbeats=True)
    await alive.heartbeat()
    assert len(await alive.claim(10)) == 1
    ahead = FrozenClock(clock.now() + timedelta(seconds=60))
    other = sender(demo_store, ahead, FakeMessenger(), worker_id="ahead", database_heartbeats=True)
    await other.heartbeat()
    assert await other.claim(10) == [], "taken for dead by a host whose clock is ahead"

    async with demo_store.transaction() as session:  # its last beat, 16 s ago on the database
        await session.execute(
            text(
                "UPDATE outbox_workers SET last_seen = last_seen - interval '16 seconds'"
                " WHERE worker_id = 'behind'"
            )
        )
    assert [c.attempts for c in await other.claim(10)] == [2]
