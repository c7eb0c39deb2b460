"""OUTBOX_RATE holds for the app, not per instance: two and three senders, each with its
own engine (as separate instances have), share one PostgreSQL and send through the real
CloudAdapter to the fake connector in real time. Measured from the connector's receive
times: no one-second window (sliding) holds more than the cap, and the run takes at most
1.2x the minimum (N messages / cap seconds). An open hold counts for as long as its holder
lives and is still sending (past the 11 s after which it lapsed before), and a killed
holder's stops counting within ``hold_seconds`` of its death. Tokens taken ahead are
counted all along, usable only once they free, and given back unused still counted.

On SQLite a single process is the only instance, so its budget is the in-process one
(``LocalSendBudget``, tested with a frozen clock in tests/services/test_outbox.py); the
holds themselves are tested here on both."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from sqlalchemy import delete, func, select, text

from bot.config import Settings
from bot.domain.clock import FrozenClock, SystemClock
from bot.services.outbox import OutboxSender
from bot.services.outbox_runner import run_sender
from bot.services.send_budget import (
    CLOCK_MARGIN,
    LocalSendBudget,
    PostgresSendBudget,
    SendBudget,
    send_budget_for,
)
from bot.store import tables as t
from bot.store.db import Store, make_engine
from bot.teams.proactive import BotMessenger
from bot.teams.sdk.clients import ReusingAuthentication
from tests.support.activities import BOT_ID, TENANT_ID
from tests.support.fake_connector import FakeConnector
from tests.support.keys import keys_for_tests

CAP = 20
MESSAGES = 200


class TimedConnector(FakeConnector):
    """The fake connector, noting when each message (a POST of an activity) arrived."""

    def __init__(self) -> None:
        super().__init__(wait_limit=60.0)
        self.arrivals: list[float] = []

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.method == "POST" and request.path.endswith("/activities"):
            self.arrivals.append(time.monotonic())
        return await super()._handle(request)


def busiest_second(arrivals: list[float]) -> int:
    """The most arrivals in any one-second window [t, t + 1), t anywhere."""
    times = sorted(arrivals)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


async def render(kind: str, payload: Mapping[str, Any], recipient: int) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5", "body": [], "n": payload["n"]}


class HeldConnector(FakeConnector):
    """The fake connector, holding its answer to each message until ``answer`` is set:
    a send still under way, as when Teams is slow to answer."""

    def __init__(self) -> None:
        super().__init__(wait_limit=60.0)
        self.answer = asyncio.Event()
        self.arrived = asyncio.Event()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.method == "POST" and request.path.endswith("/activities"):
            self.arrived.set()
            await self.answer.wait()
        return await super()._handle(request)


def new_authentication() -> ReusingAuthentication:
    return ReusingAuthentication(
        ConfigurationBotFrameworkAuthentication(Settings().bot_framework_config())
    )


async def queue_messages(store: Store, service_url: str, count: int = MESSAGES) -> None:
    """``count`` rows to the demo members in turn, each member with a personal chat."""
    now = SystemClock().now()
    async with store.transaction() as session:
        members = list(await session.scalars(select(t.Member.id).order_by(t.Member.id)))
        for member_id in members:
            session.add(
                t.MemberContact(
                    member_id=member_id,
                    teams_user_id=f"29:user-{member_id}",
                    tenant_id=TENANT_ID,
                    service_url=service_url,
                    bot_id=BOT_ID,
                    conversation_id=f"a:personal-{member_id}",
                    seen_at=now,
                )
            )
        for n in range(count):
            session.add(
                t.OutboxMessage(
                    dedupe_key=f"budget:{n}",
                    kind="reminder",
                    recipient_member_id=members[n % len(members)],
                    payload=json.dumps({"n": n}),
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    last_error="",
                    created_at=now,
                )
            )


@pytest.fixture
async def pg_store(demo_store: Store) -> AsyncIterator[Store]:
    if demo_store.engine.dialect.name != "postgresql":
        pytest.skip(
            "a budget shared by instances is kept in PostgreSQL; on SQLite one process is "
            "the only instance and its budget is the in-process one (test_outbox.py)"
        )
    yield demo_store


@pytest.mark.parametrize("instances", [2, 3])
async def test_instances_share_one_rate_and_still_send_at_it(
    pg_store: Store, instances: int
) -> None:
    url = pg_store.engine.url.render_as_string(hide_password=False)
    stores = [Store(make_engine(url), keys_for_tests()) for _ in range(instances)]
    authentications = [new_authentication() for _ in range(instances)]
    stop = asyncio.Event()
    async with TimedConnector() as connector:
        await queue_messages(pg_store, connector.url)
        clock = SystemClock()
        senders = [
            OutboxSender(
                store,
                clock,
                BotMessenger(CloudAdapter(authentication), ""),
                render,
                worker_id=f"instance-{n}",
                per_recipient_spacing=0,
                per_second_cap=CAP,
                in_flight=8,
                budget=send_budget_for(store.engine, CAP, clock, holder=f"instance-{n}"),
            )
            for n, (store, authentication) in enumerate(zip(stores, authentications, strict=True))
        ]
        began = time.monotonic()
        running = [asyncio.create_task(run_sender(s, stop)) for s in senders]
        try:
            await connector.until(lambda f: len(f.arrivals) >= MESSAGES)
            took = connector.arrivals[-1] - began
        finally:
            stop.set()
            await asyncio.gather(*running, return_exceptions=True)
            for authentication in authentications:
                await authentication.close()
            for store in stores:
                await store.close()

    numbers = Counter(
        call.json["attachments"][0]["content"]["n"]
        for call in connector.calls
        if call.method == "POST" and call.path.endswith("/activities")
    )
    assert sorted(numbers) == list(range(MESSAGES)) and set(numbers.values()) == {1}
    busiest = busiest_second(connector.arrivals)
    minimum = MESSAGES / CAP
    print(
        f"{instances} instances: {MESSAGES} messages in {took:.2f} s "
        f"({took / minimum:.2f}x the minimum {minimum:.0f} s), busiest second {busiest}"
    )
    assert busiest <= CAP, f"{busiest} requests in one second; the app's cap is {CAP}"
    assert took <= 1.2 * minimum, f"{took:.2f} s, over 1.2x the minimum {minimum:.0f} s"
    async with pg_store.reading() as session:
        assert (
            await session.scalar(
                select(func.count())
                .select_from(t.OutboxMessage)
                .where(t.OutboxMessage.status != "sent")
            )
            == 0
        )
        # Holds are deleted as they stop counting (at each take): what remains is at most
        # the last second's, each row holding one token or more.
        left = await session.scalar(select(func.count()).select_from(t.SendBudgetHold))
        assert left is not None and left <= 2 * CAP, f"{left} holds kept"


async def test_a_hold_counts_while_open_and_one_second_after_it_settles(store: Store) -> None:
    """The holds on each engine, with the time stepped by hand (frozen clock on SQLite)
    or waited for (the database's own clock on PostgreSQL)."""
    clock = FrozenClock(SystemClock().now())
    budget = send_budget_for(store.engine, 5, clock, holder="test")
    first = await budget.take(3)
    assert first.tokens == 3
    second = await budget.take(10)
    assert second.tokens == 2
    assert (await budget.take(1)).tokens == 0  # both holds open: all five count
    first.spent = 1
    await budget.settle(first)  # two come back at once, one counts for a second more
    third = await budget.take(10)
    assert third.tokens == 2
    third.spent = 0
    await budget.settle(third)
    second.spent = 2
    await budget.settle(second)
    fourth = await budget.take(10)
    assert fourth.tokens == 2  # three still count, within their second
    if isinstance(budget, LocalSendBudget):
        clock.advance(seconds=1)
    else:
        assert isinstance(budget, PostgresSendBudget)
        await asyncio.sleep(1.05)
    # The open hold of two from the line above still counts; the rest are free.
    last = await budget.take(10)
    assert last.tokens == 3
    await budget.settle(fourth, last)


async def hold_age(store: Store, holder: str) -> float:
    """Seconds since ``holder``'s open hold was granted, on the database's clock."""
    async with store.reading() as session:
        age = await session.scalar(
            text(
                "SELECT extract(epoch FROM clock_timestamp() AT TIME ZONE 'UTC' - taken_at)"
                " FROM send_budget_holds WHERE holder = :holder AND NOT settled"
            ),
            {"holder": holder},
        )
    assert age is not None, f"{holder} holds nothing open"
    return float(age)


async def test_a_live_senders_hold_counts_while_its_send_is_under_way(pg_store: Store) -> None:
    """A sender built as the bot builds it (``send_budget_for``, the holder its worker id)
    takes its batch's tokens and starts a send that Teams has not answered 12 s later.
    Those tokens still count: another instance is refused them. (Before, an unsettled
    hold stopped counting 11 s after it was granted, whatever its sends were doing.)
    Once the answer comes and the batch settles, the unused tokens come back at once."""
    url = pg_store.engine.url.render_as_string(hide_password=False)
    other_store = Store(make_engine(url), keys_for_tests())
    auth = new_authentication()
    clock = SystemClock()
    other = send_budget_for(other_store.engine, CAP, clock, holder="instance-b")
    try:
        await hold_a_send_open(pg_store, auth, clock, other)
    finally:
        await auth.close()
        await other_store.close()


async def hold_a_send_open(
    pg_store: Store, auth: ReusingAuthentication, clock: SystemClock, other: SendBudget
) -> None:
    async with HeldConnector() as connector:
        await queue_messages(pg_store, connector.url, count=1)
        sender = OutboxSender(
            pg_store,
            clock,
            BotMessenger(CloudAdapter(auth), ""),
            render,
            worker_id="instance-a",
            per_recipient_spacing=0,
            per_second_cap=CAP,
            budget=send_budget_for(pg_store.engine, CAP, clock, holder="instance-a"),
        )
        draining = asyncio.create_task(sender.drain())
        try:
            async with asyncio.timeout(10):
                await connector.arrived.wait()
            assert (await other.take(CAP)).tokens == 0  # the batch took every token
            # The database's clock and this one run at the same rate: sleep out the rest.
            await asyncio.sleep(max(0.0, 12.0 - await hold_age(pg_store, "instance-a")))
            age = await hold_age(pg_store, "instance-a")
            assert age >= 12.0
            refused = await other.take(CAP)
            assert refused.tokens == 0, (
                f"{refused.tokens} tokens granted to another instance while a send "
                f"paid for by them was still under way, {age:.1f} s after they were held"
            )
            connector.answer.set()
            report = await draining
        finally:
            connector.answer.set()
            await asyncio.gather(draining, return_exceptions=True)
    assert report.sent == 1 and len(connector.sent()) == 1
    # Settled: the 19 unused tokens are back at once; the used one counts a second.
    back = await other.take(CAP)
    assert back.tokens == CAP - 1
    await other.settle(back)


#: A holder in a process of its own, so that it can be killed (SIGKILL: no settle, no
#: cleanup), renewing its hold every half second, the hold lapsing 2 s after a renewal.
HOLDER = """
import asyncio, sys
from bot.services.send_budget import PostgresSendBudget
from bot.store.db import make_engine

async def hold() -> None:
    budget = PostgresSendBudget(
        make_engine(sys.argv[1]), 4, holder="dies", hold_seconds=2.0, renew_seconds=0.5
    )
    print((await budget.take(4)).tokens, flush=True)
    await asyncio.Event().wait()

asyncio.run(hold())
"""


async def test_a_dead_senders_hold_stops_counting_within_hold_seconds(pg_store: Store) -> None:
    url = pg_store.engine.url.render_as_string(hide_password=False)
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLDER, url, stdout=asyncio.subprocess.PIPE
    )
    survivor = PostgresSendBudget(pg_store.engine, 4, holder="survivor")
    try:
        assert holder.stdout is not None
        async with asyncio.timeout(30):
            assert (await holder.stdout.readline()).strip() == b"4"
        # Alive, the holder renews its hold: it still counts well past its 2 s lapse.
        await asyncio.sleep(max(0.0, 3.0 - await hold_age(pg_store, "dies")))
        assert await hold_age(pg_store, "dies") >= 3.0
        assert (await survivor.take(4)).tokens == 0
    finally:
        holder.kill()
        await holder.wait()
    killed = time.monotonic()
    assert (await survivor.take(4)).tokens == 0  # just dead: counted until it lapses
    while (grant := await survivor.take(4)).tokens == 0:
        assert time.monotonic() - killed < 5.0, "a dead holder's hold still counts after 5 s"
        await asyncio.sleep(0.05)
    lapsed = time.monotonic() - killed
    await survivor.settle(grant)
    print(f"a killed holder's hold stopped counting {lapsed:.2f} s after the kill (bound 2 s)")
    # Its last renewal was at most 0.5 s (plus a round trip) before the kill.
    assert 1.0 <= lapsed <= 2.0 + 0.3, f"stopped counting {lapsed:.2f} s after the kill"


async def test_renewals_keep_a_grant_usable_and_a_lapsed_hold_is_used_no_more(
    pg_store: Store,
) -> None:
    """A grant may start sends while its hold was renewed within half of hold_seconds;
    a hold found gone at a renewal (it lapsed while its process stalled, and another
    instance's take dropped it) is used no more: the sender takes a fresh grant."""
    budget = PostgresSendBudget(
        pg_store.engine, 4, holder="renews", hold_seconds=2.0, renew_seconds=0.5
    )
    grant = await budget.take(4)
    await asyncio.sleep(1.5)  # past half of hold_seconds: still usable, being renewed
    assert grant.left == 4
    async with pg_store.transaction() as session:
        await session.execute(delete(t.SendBudgetHold))
    await asyncio.sleep(1.2)  # two renewals at least
    assert grant.left == 0
    await budget.settle(grant)


def test_a_local_budget_frees_on_its_clock() -> None:
    clock = FrozenClock(SystemClock().now())
    budget = LocalSendBudget(2, clock)

    async def run() -> None:
        grant = await budget.take(2)
        grant.spent = 2
        await budget.settle(grant)
        refused = await budget.take(1)
        assert refused.tokens == 0 and refused.retry_in == 1.0
        clock.advance(seconds=1)
        assert (await budget.take(5)).tokens == 2

    asyncio.run(run())


def test_a_local_hold_counts_until_it_is_settled_however_long() -> None:
    """In-process (SQLite) the rule is the same: an open hold never lapses by time."""
    clock = FrozenClock(SystemClock().now())
    budget = LocalSendBudget(3, clock)

    async def run() -> None:
        grant = await budget.take(3)
        clock.advance(seconds=3600)
        assert (await budget.take(1)).tokens == 0
        grant.spent = 1
        await budget.settle(grant)
        assert (await budget.take(3)).tokens == 2

    asyncio.run(run())


def test_each_token_is_freed_a_second_after_its_own_answer() -> None:
    """Sending stays steady: a token answered early in a batch frees early, not with the
    batch's last."""
    clock = FrozenClock(SystemClock().now())
    budget = LocalSendBudget(2, clock)

    async def run() -> None:
        grant = await budget.take(2)
        grant.spent = 2
        grant.answered.append((budget.stamp(), 1))
        clock.advance(seconds=0.5)
        grant.answered.append((budget.stamp(), 1))
        await budget.settle(grant)
        clock.advance(seconds=0.5)
        assert (await budget.take(2)).tokens == 1
        clock.advance(seconds=0.5)
        assert (await budget.take(2)).tokens == 1

    asyncio.run(run())


async def holds_total(store: Store) -> int:
    async with store.reading() as session:
        return int(
            await session.scalar(select(func.coalesce(func.sum(t.SendBudgetHold.tokens), 0))) or 0
        )


async def test_a_token_taken_ahead_counts_all_along_and_is_used_only_once_it_frees(
    pg_store: Store,
) -> None:
    """Two tokens spent and answered now free in a second. Taken ahead, they move into
    the taker's hold (the table still counts two, nobody else gets them), may not be
    spent before the moment they free, and may be once it has come. On the database's
    clock, so this waits the second out."""
    budget = PostgresSendBudget(pg_store.engine, 2, holder="ahead")
    other = PostgresSendBudget(pg_store.engine, 2, holder="other")
    first = await budget.take(2)
    first.spent = 2
    await budget.settle(first)
    answered = time.monotonic()
    assert (await budget.take(2)).tokens == 0  # counted for a second after the answers

    ahead = await budget.take(2, ahead=1.5)
    assert (ahead.tokens, ahead.left, len(ahead.reserved)) == (2, 0, 2)
    usable = ahead.next_usable()
    # About a second after the answers (the settle's round trip is the slack).
    assert usable is not None and answered + 0.9 <= usable <= time.monotonic() + 1.0 + CLOCK_MARGIN
    assert await holds_total(pg_store) == 2
    assert (await other.take(2, ahead=1.5)).tokens == 0
    await asyncio.sleep(max(0.0, usable - time.monotonic()))
    assert ahead.left == 2
    ahead.spent = 2
    await budget.settle(ahead)
    assert (await other.take(2)).tokens == 0  # each counts a second after its new answer


async def test_a_token_taken_ahead_and_not_used_counts_until_it_would_have_freed(
    pg_store: Store,
) -> None:
    budget = PostgresSendBudget(pg_store.engine, 2, holder="ahead")
    other = PostgresSendBudget(pg_store.engine, 2, holder="other")
    first = await budget.take(2)
    first.spent = 2
    await budget.settle(first)
    ahead = await budget.take(2, ahead=1.5)
    assert ahead.tokens == 2
    usable = ahead.next_usable()
    assert usable is not None

    await budget.settle(ahead)  # neither used: given back, still counted until they free
    assert (await other.take(2)).tokens == 0
    await asyncio.sleep(max(0.0, usable - time.monotonic()))
    back = await other.take(2)
    assert back.tokens == 2
    await other.settle(back)


async def test_tokens_are_taken_ahead_only_within_the_horizon(pg_store: Store) -> None:
    budget = PostgresSendBudget(pg_store.engine, 3, holder="ahead")
    first = await budget.take(3)
    first.spent = 3
    await budget.settle(first)
    assert (await budget.take(3, ahead=0.5)).tokens == 0  # they free a second from now
    partial = await budget.take(2, ahead=1.5)
    assert (partial.tokens, partial.left) == (2, 0)
    rest = await budget.take(3, ahead=1.5)
    assert rest.tokens == 1  # the one the first take left in its settled hold
    assert await holds_total(pg_store) == 3
    await budget.settle(partial, rest)
