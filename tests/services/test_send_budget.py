"""OUTBOX_RATE holds for the app, not per instance: two and three senders, each with its
own engine (as separate instances have), share one PostgreSQL and send through the real
CloudAdapter to the fake connector in real time. Measured from the connector's receive
times: no one-second window (sliding) holds more than the cap, and the run takes at most
1.2x the minimum (N messages / cap seconds).

On SQLite a single process is the only instance, so its budget is the in-process one
(``LocalSendBudget``, tested with a frozen clock in tests/services/test_outbox.py); the
holds themselves are tested here on both."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from aiohttp import web
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from sqlalchemy import func, select

from bot.config import Settings
from bot.domain.clock import FrozenClock, SystemClock
from bot.services.outbox import OutboxSender
from bot.services.outbox_runner import run_sender
from bot.services.send_budget import LocalSendBudget, PostgresSendBudget, send_budget_for
from bot.store import tables as t
from bot.store.db import Store, make_engine
from bot.teams.clients import ReusingAuthentication
from bot.teams.proactive import BotMessenger
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


async def queue_messages(store: Store, service_url: str) -> None:
    """MESSAGES rows to the demo members in turn, each member with a personal chat."""
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
        for n in range(MESSAGES):
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
    authentications = [
        ReusingAuthentication(
            ConfigurationBotFrameworkAuthentication(Settings().bot_framework_config())
        )
        for _ in range(instances)
    ]
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
    assert (await budget.take(10)).tokens == 2  # three still count, within their second
    if isinstance(budget, LocalSendBudget):
        clock.advance(seconds=1)
    else:
        assert isinstance(budget, PostgresSendBudget)
        await asyncio.sleep(1.05)
    # The open hold of two from the line above still counts; the rest are free.
    assert (await budget.take(10)).tokens == 3


async def test_a_dead_senders_hold_stops_counting_after_its_time(store: Store) -> None:
    if store.engine.dialect.name != "postgresql":
        pytest.skip("only a shared budget outlives a sender: on SQLite it dies with it")
    budget = PostgresSendBudget(store.engine, 4, holder="dies", max_hold_seconds=1.2)
    grant = await budget.take(4)
    assert grant.tokens == 4 and grant.left == 4
    survivor = PostgresSendBudget(store.engine, 4, holder="survivor")
    refused = await survivor.take(4)
    assert refused.tokens == 0 and 0 < refused.retry_in <= 1
    await asyncio.sleep(0.3)
    assert grant.left == 0  # usable for max_hold less a second (0.2 s), then no longer
    await asyncio.sleep(2.0)  # counted until max_hold plus a second (2.2 s) after taking
    assert (await survivor.take(4)).tokens == 4


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
