"""A chase run (400 owners, 3,000 actions due today) delivered by real bot processes on one
PostgreSQL that are stopped mid-run: by SIGTERM (a deploy or scale-in) and by SIGKILL (a
crash), then started again. The fake connector answers each message after a little
latency, as Teams does, so messages are on their way at the moment of each stop.

What must hold: after SIGTERMs, every owner gets exactly one digest and nothing is left
held; after SIGKILLs, nobody is missed, and the only duplicates are the messages Teams had
accepted when the process died and that it had not yet recorded (measured at each kill;
at most OUTBOX_IN_FLIGHT); a restarted process resumes within seconds, not after the
five-minute lease.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, insert, select

from bot.app import OUTBOX_IN_FLIGHT
from bot.domain.model import Role
from bot.store import tables as t
from bot.store.db import Store
from tests.e2e.test_two_instances import free_port
from tests.services.test_chase_run import at_london
from tests.support.fake_connector import FakeConnector
from tests.support.records import Records

REPO = Path(__file__).resolve().parents[2]
READY = "Ready: accepting traffic."
OWNERS = 400
DUE_ACTIONS = 3_000
#: A Thursday, 10:00 in London: a working morning whatever the hour the tests run.
START = at_london(date(2026, 12, 3), 10)
CHAT = "a:chat-"


class SlowConnector(FakeConnector):
    """The fake connector, answering each request ``latency`` seconds after accepting it
    (it is recorded as posted at once): Teams has the message while the bot still waits."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.wait_limit = 90.0
        #: When each request arrived (time.monotonic()), in order.
        self.arrived: list[float] = []

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.arrived.append(time.monotonic())
        response = await super()._handle(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        return response

    def chats(self) -> list[str]:
        return [p.conversation_id for p in self.posted() if p.conversation_id.startswith(CHAT)]


async def seed_chase(store: Store, service_url: str) -> list[int]:
    """400 partner members in Scarborough, each with a known 1:1 chat, owning 3,000 actions
    due today between them (seven or eight each). Returns the owners' member ids."""
    meeting = await Records(store).meeting("scarborough", START - timedelta(days=20))
    locality_id, meeting_id, item_id = meeting.locality_id, meeting.id, meeting.item_id
    async with store.reading() as session:
        agency_id = await session.scalar(select(func.min(t.Agency.id)))
        chair = await session.scalar(select(func.min(t.Member.id)))
        assert agency_id is not None and chair is not None
    created = START - timedelta(days=20)
    async with store.engine.begin() as conn:
        ids = list(
            (
                await conn.execute(
                    insert(t.Member).returning(t.Member.id),
                    [
                        {
                            "name": f"Owner {n:03d}",
                            "teams_user_id": f"29:owner-{n}",
                            "agency_id": agency_id,
                            "is_admin": False,
                            "active": True,
                        }
                        for n in range(OWNERS)
                    ],
                )
            ).scalars()
        )
        await conn.execute(
            insert(t.Membership),
            [{"member_id": m, "locality_id": locality_id, "role": Role.PARTNER} for m in ids],
        )
        await conn.execute(
            insert(t.MemberContact),
            [
                {
                    "member_id": m,
                    "teams_user_id": f"29:owner-{n}",
                    "tenant_id": "tenant",
                    "service_url": service_url,
                    "bot_id": "bot",
                    "conversation_id": f"{CHAT}{m}",
                    "seen_at": created,
                }
                for n, m in enumerate(ids)
            ],
        )
        await conn.execute(
            insert(t.Base.metadata.tables["actions"]),
            [
                {
                    "locality_id": locality_id,
                    "meeting_id": meeting_id,
                    "item_id": item_id,
                    "description": f"Invented follow-up {n}",
                    "owner_member_id": ids[n % OWNERS],
                    "agency_id": agency_id,
                    "due_date": START.date(),
                    "status": "open",
                    "created_by_member_id": chair,
                    "created_at": created,
                    "updated_at": created,
                }
                for n in range(DUE_ACTIONS)
            ],
        )
    return ids


@dataclass
class Bot:
    process: asyncio.subprocess.Process
    ready_at: float
    port: int


class Timeline:
    """Starts bot processes whose clocks continue one timeline from START, in real time."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url = url
        self.tmp_path = tmp_path
        self.began = time.monotonic()
        self.started = 0

    def now(self) -> datetime:
        return START + timedelta(seconds=time.monotonic() - self.began)

    async def start(self) -> Bot:
        self.started += 1
        folder = self.tmp_path / f"bot-{self.started}"
        folder.mkdir()
        log = (folder / "stderr.log").open("wb")
        port = free_port()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.support.chase_worker",
            "--url",
            self.url,
            "--now",
            self.now().isoformat(),
            "--serve",
            str(port),
            "--data-dir",
            str(folder),
            cwd=REPO,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        assert process.stdout is not None
        async with asyncio.timeout(60):
            while READY not in (line := (await process.stdout.readline()).decode()):
                if not line:
                    raise AssertionError("the bot exited before it was ready")
        return Bot(process, time.monotonic(), port)


async def request_in_flight(port: int) -> asyncio.StreamWriter:
    """A request the bot is handling: its headers are in, answered ``100 Continue``, and its
    body never comes, so a stop waits SHUTDOWN_SECONDS for it before the app's clean-up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /api/messages HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\nExpect: 100-continue\r\n\r\n"
    )
    await writer.drain()
    assert (await reader.readline()).startswith(b"HTTP/1.1 100 Continue")
    return writer


async def statuses(store: Store) -> Counter[str]:
    async with store.reading() as session:
        rows = await session.execute(
            select(t.OutboxMessage.status, func.count()).group_by(t.OutboxMessage.status)
        )
        return Counter({status: count for status, count in rows.all()})


async def until_all_sent(store: Store, total: int, limit: float = 60.0) -> None:
    """Wait for a running bot process (outside this test's control, so its progress is
    read from the store) to have recorded every message as sent. Every owner having a
    digest is not enough: a row a killed process sent but did not record is re-sent, and
    recorded, only once its heartbeat is stale."""
    async with asyncio.timeout(limit):
        # Another process writes these rows: there is no event in this one to wait on.
        while (await statuses(store))["sent"] < total:  # noqa: ASYNC110
            await asyncio.sleep(0.2)


async def held(store: Store) -> dict[str, set[str]]:
    """Sender -> the chats of rows it holds (claimed, outcome not recorded)."""
    async with store.reading() as session:
        rows = await session.execute(
            select(t.OutboxMessage.lease_owner, t.OutboxMessage.recipient_member_id).where(
                t.OutboxMessage.status == "sending"
            )
        )
        by_sender: dict[str, set[str]] = {}
        for sender, member in rows.all():
            by_sender.setdefault(str(sender), set()).add(f"{CHAT}{member}")
        return by_sender


async def workers(store: Store) -> int:
    async with store.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(t.OutboxWorker)) or 0)


@pytest.fixture
async def pg_store(demo_store: Store) -> AsyncIterator[Store]:
    if demo_store.engine.dialect.name != "postgresql":
        pytest.skip("real processes sharing one store: shown on PostgreSQL, as deployed")
    yield demo_store


async def test_the_served_bot_sends_a_chase_at_the_rate_limit(
    pg_store: Store, tmp_path: Path
) -> None:
    """The path ``serve`` runs (create_app's start-up: the chase catch-up, then the outbox
    runner) delivers 400 digests at OUTBOX_RATE (50/s): about 8 s, where the 20-s outbox
    tick took 160 s. The benchmark measures this same runner (bench/chase.py)."""
    async with SlowConnector(latency=0) as fake:
        await seed_chase(pg_store, fake.url)
        timeline = Timeline(pg_store.engine.url.render_as_string(hide_password=False), tmp_path)
        bot = await timeline.start()  # ready once the chase has queued the digests
        await fake.until(lambda f: len(f.chats()) >= OWNERS)
        wall = time.monotonic() - bot.ready_at
        bot.process.send_signal(signal.SIGTERM)
        assert await bot.process.wait() == 0
    floor = OWNERS / 50
    first_second = sum(1 for at in fake.arrived if at - fake.arrived[0] < 1.0)
    print(f"\nserve path: {OWNERS} digests in {wall:.1f} s ({wall / floor:.2f}x the floor)")
    assert Counter(fake.chats()).most_common(1)[0][1] == 1
    # The floor is 8 s; the 20-s tick took 160 s. Generous for a shared, busy test machine:
    # the benchmark gives the precise figure.
    assert wall <= 3 * floor, f"{wall:.1f}s for {OWNERS} digests: not at the rate limit"
    assert first_second <= 50 + OUTBOX_IN_FLIGHT


async def test_repeated_sigterms_during_a_chase_send_every_digest_exactly_once(
    pg_store: Store, tmp_path: Path
) -> None:
    async with SlowConnector(latency=0.2) as fake:
        owners = await seed_chase(pg_store, fake.url)
        timeline = Timeline(pg_store.engine.url.render_as_string(hide_password=False), tmp_path)
        resumed: list[float] = []
        for stop_after in (130, 270):
            bot = await timeline.start()
            before = len(fake.chats())
            if resumed or before:
                await fake.until(lambda f, n=before: len(f.chats()) > n)
                resumed.append(time.monotonic() - bot.ready_at)
            await fake.until(lambda f, n=stop_after: len(f.chats()) >= n)
            # The second stop comes while a request is in flight: aiohttp waits for it (up
            # to SHUTDOWN_SECONDS) before the app's clean-up, with sends still on their way.
            request = await request_in_flight(bot.port) if stop_after == 270 else None
            bot.process.send_signal(signal.SIGTERM)
            stopping = time.monotonic()
            if request is not None:  # an impatient supervisor: a second SIGTERM mid-stop
                await asyncio.sleep(0.1)  # paces the fault; nothing is waited for here
                bot.process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                assert await bot.process.wait() == 0
            if request is not None:
                request.close()
                # Claiming stopped at the first SIGTERM, not once the request was done:
                # only the sends already on their way reached Teams after it.
                late = [at - stopping for at in fake.arrived if at > stopping + 1.0]
                assert late == [], f"sends started {late} s after SIGTERM"
            took = time.monotonic() - stopping
            assert took < 25, f"stopped in {took:.1f}s: over the platform's 30-s grace"
            # Everything it had sent is recorded as sent; nothing is left held by it, and
            # its heartbeat is gone: the next instance may take everything at once.
            assert await held(pg_store) == {}
            assert await workers(pg_store) == 0
            assert (await statuses(pg_store))["sent"] == len(fake.chats())

        last = await timeline.start()
        before = len(fake.chats())
        await fake.until(lambda f: len(f.chats()) > before)
        resumed.append(time.monotonic() - last.ready_at)
        await fake.until(lambda f: len(set(f.chats())) >= OWNERS)
        last.process.send_signal(signal.SIGTERM)
        assert await last.process.wait() == 0

    per_chat = Counter(fake.chats())
    assert set(per_chat) == {f"{CHAT}{m}" for m in owners}, "nobody missed"
    assert [c for c, n in per_chat.items() if n > 1] == [], "nobody got a digest twice"
    assert await statuses(pg_store) == Counter({"sent": OWNERS})
    assert all(r < 5 for r in resumed), f"resumed after {resumed} s"


async def test_sigkills_during_a_chase_lose_nothing_and_resend_only_what_was_in_flight(
    pg_store: Store, tmp_path: Path
) -> None:
    async with SlowConnector(latency=0.2) as fake:
        owners = await seed_chase(pg_store, fake.url)
        timeline = Timeline(pg_store.engine.url.render_as_string(hide_password=False), tmp_path)
        in_flight: list[set[str]] = []  # per kill: accepted by Teams, not recorded as sent
        held_at_kill: set[str] = set()  # every chat whose row a killed process held
        dead: set[str] = set()
        for kill_after in (130, 270):
            bot = await timeline.start()
            await fake.until(lambda f, n=kill_after: len(f.chats()) >= n)
            bot.process.send_signal(signal.SIGKILL)
            assert await bot.process.wait() == -signal.SIGKILL
            # What the killed process held (its predecessor's rows it had not taken over
            # yet are still under the predecessor's name), of it what Teams had accepted.
            holding = await held(pg_store)
            killed = set().union(*(chats for s, chats in holding.items() if s not in dead))
            dead |= set(holding)
            held_at_kill |= killed
            in_flight.append(killed & set(fake.chats()))

        last = await timeline.start()
        # The dead processes' rows are taken over once their heartbeat is stale (15 s),
        # not after the 300-s lease.
        await fake.until(lambda f: len(set(f.chats())) >= OWNERS)
        recovered = time.monotonic() - last.ready_at
        await until_all_sent(pg_store, OWNERS)
        last.process.send_signal(signal.SIGTERM)
        assert await last.process.wait() == 0

    per_chat = Counter(fake.chats())
    twice = {c for c, n in per_chat.items() if n > 1}
    print(
        f"\nSIGKILL x2: in flight (accepted, unrecorded) at each kill: "
        f"{[len(s) for s in in_flight]}; owners who got two digests: {len(twice)}; "
        f"all delivered {recovered:.1f} s after the restart"
    )
    assert set(per_chat) == {f"{CHAT}{m}" for m in owners}, "nobody missed"
    assert max(per_chat.values()) <= 2
    # A duplicate is only ever a message a killed process held at its death, and there are
    # never more than it had on their way at once. (Which of them Teams had accepted is
    # measured, and printed, from a snapshot taken as the process dies: a COMMIT or a
    # request it sent in its last instant may land just after, so the snapshot is a
    # figure to report, not an exact set to compare.)
    assert twice <= held_at_kill, "a duplicate that no killed process held"
    assert len(twice) <= OUTBOX_IN_FLIGHT * len(in_flight)
    assert all(len(s) <= OUTBOX_IN_FLIGHT for s in in_flight)
    assert await statuses(pg_store) == Counter({"sent": OWNERS})
    assert recovered < 40, f"took {recovered:.0f}s after the restart: waited out the lease"
