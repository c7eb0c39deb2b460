"""``make bench``: the bot against the stock echo bot, side by side, in one run.

Seeds a large store (PostgreSQL when it listens on 127.0.0.1:5432, else SQLite in a temp
folder), starts ``mace-bot serve`` and the echo bot as subprocesses, both replying to one
recording fake Bot Connector in this process, drives both over loopback HTTP with the same
client, and prints a markdown table (also written to docs/benchmarks.md) ending with one
``name value target pass|fail`` line per target. Every figure that matters is a ratio to
the echo bot measured in the same run, because absolute times on a shared machine are not
stable. Exits 0 whatever the figures: it reports, it does not gate.

Latencies are what the client sees over HTTP on loopback (POST to response), which for a
message includes the bot posting its reply to the fake connector: nothing is subtracted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import select

from bench.chase import ChaseResult, measure_chase
from bench.seed import BENCH_OWNER_OPEN, BENCH_SUBJECT, MEMBERS, Seeded, seed
from bench.start import readyz_start
from bot.app import OUTBOX_IN_FLIGHT
from bot.domain.model import MeetingStatus
from bot.store import tables as t
from bot.store.crypto import KeyRing
from bot.store.db import Store, make_engine
from tests.support.activities import (
    PERSONAL_CONVERSATION_ID,
    PLAYGROUND_USER,
    TeamsUser,
    invoke_action,
    message,
)
from tests.support.fake_connector import FakeConnector
from tests.support.keys import TEST_KEYS_SPEC

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "1.5"))
WORKERS = 20
LATENCY_COUNT = int(os.environ.get("BENCH_LATENCY_COUNT", "300"))
CHASE = os.environ.get("BENCH_CHASE", "1") not in {"0", "off", "no"}
BIG, SMALL = 100_000, 10_000
#: Teams' limit per app per tenant (../shared/platform.md): the floor for a chase run.
TENANT_RATE = 50.0
#: The issue's target: a chase run within 1.2 times that floor.
CHASE_SLACK = 1.2
#: What each change bought, kept by hand and appended to docs/benchmarks.md on each run.
CHANGES = ROOT / "bench" / "changes.md"

# The demo people (bot/demo/demo_data.json).
OWNER = TeamsUser("user-id-103", "Priya Shah", "00000000-0000-0000-0000-0000000000103")
MINUTE_TAKER = TeamsUser("user-id-101", "Sam Okafor", "00000000-0000-0000-0000-0000000000101")
COORDINATOR = TeamsUser("user-id-102", "Riley Quinn", "00000000-0000-0000-0000-0000000000102")
CHAIR = PLAYGROUND_USER


# -- measuring ---------------------------------------------------------------------------


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    #: CPU seconds the server process used per request while measured (user + system,
    #: from /proc): unlike times and rates, hardly moved by whatever else the machine runs.
    cpu_per_request: float = float("nan")

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


Build = Callable[[int], dict[str, Any]]
"""Makes a fresh activity for worker ``n`` (a new activity id every time)."""


#: A page request instead of an activity: ``{PAGE: cookie}`` as what a ``Build`` makes
#: GETs the url with that session cookie (the dashboard scenario).
PAGE = "__page_cookie__"
SESSION_COOKIE = "__Host-mace-session"


async def _one(
    session: aiohttp.ClientSession, url: str, activity: dict[str, Any]
) -> tuple[bool, float]:
    began = time.perf_counter()
    if PAGE in activity:
        headers = {"Cookie": f"{SESSION_COOKIE}={activity[PAGE]}"}
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            await response.read()
            return response.status == 200, time.perf_counter() - began
    async with session.post(url, json=activity) as response:
        body = await response.read()
        ok = 200 <= response.status < 300
        if ok and activity.get("type") == "invoke" and body:
            ok = json.loads(body).get("statusCode", 200) == 200
    return ok, time.perf_counter() - began


async def drive(
    session: aiohttp.ClientSession,
    url: str,
    build: Build,
    *,
    workers: int,
    seconds: float | None = None,
    count: int | None = None,
    server: Server | None = None,
) -> Result:
    """``workers`` concurrent loops posting ``build(n)``: for ``seconds`` (after a warm-up
    that is not recorded), or ``count`` requests in all. With ``server``, also its CPU
    per request over the recorded part."""
    result = Result()
    remaining = [count or 0]

    async def worker(n: int, until: float, record: bool) -> None:
        while time.perf_counter() < until:
            if record and count is not None:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            ok, latency = await _one(session, url, build(n))
            if not record:
                continue
            if ok:
                result.latencies.append(latency)
            else:
                result.errors += 1

    warm_until = time.perf_counter() + WARMUP
    await asyncio.gather(*(worker(n, warm_until, False) for n in range(workers)))
    began = time.perf_counter()
    cpu = server.cpu_seconds() if server else 0.0
    until = began + (seconds if seconds is not None else 3600.0)
    await asyncio.gather(*(worker(n, until, True) for n in range(workers)))
    result.elapsed = time.perf_counter() - began
    requests = len(result.latencies) + result.errors
    if server and requests:
        result.cpu_per_request = (server.cpu_seconds() - cpu) / requests
    return result


# -- processes -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: asyncio.subprocess.Process
    url: str
    drain: asyncio.Task[None]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


@contextlib.asynccontextmanager
async def serving(
    argv: list[str], env: dict[str, str], port: int, log: Path
) -> AsyncIterator[Server]:
    """Start a server process and wait for its "Ready" line on stdout (no polling)."""
    with log.open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            *argv,
            env={**os.environ, **env},
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
        )
        assert process.stdout is not None
        try:
            async with asyncio.timeout(120):
                while True:
                    line = await process.stdout.readline()
                    if not line:
                        raise RuntimeError(f"{argv[0]} exited before it was ready; see {log}")
                    if line.startswith(b"Ready"):
                        break
            drain = asyncio.create_task(_drain(process.stdout))
            yield Server(process, f"http://127.0.0.1:{port}/api/messages", drain)
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    async with asyncio.timeout(15):
                        await process.wait()
                except TimeoutError:
                    process.kill()
                    await process.wait()


def bot(url: str, data_dir: Path, log: Path) -> contextlib.AbstractAsyncContextManager[Server]:
    port = _free_port()
    return serving(*bot_command(url, data_dir, port), port, log)


def bot_command(url: str, data_dir: Path, port: int) -> tuple[list[str], dict[str, str]]:
    """``mace-bot serve`` on that store and port, as every scenario runs it: its argv and
    environment."""
    env = {
        "DATABASE_URL": url,
        "MACE_DATA_KEYS": TEST_KEYS_SPEC,
        "MACE_DATA_DIR": str(data_dir),
        "MACE_JOBS": "off",
        "METRICS_PORT": "0",
        "LOG_LEVEL": "WARNING",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        # The pages' local sign-in (no APP_ID here): the dashboard scenario signs in with it.
        "MACE_WEB_STAND_IN": "on",
    }
    exe = str(Path(sys.executable).with_name("mace-bot"))
    return [exe, "serve"], env


def echo(log: Path) -> contextlib.AbstractAsyncContextManager[Server]:
    port = _free_port()
    return serving([sys.executable, "-m", "bench.echo", str(port)], {}, port, log)


# -- stores ------------------------------------------------------------------------------


@dataclass
class Stores:
    engine: str
    big: str
    small: str
    chase: str
    cleanup: Callable[[], Any]


async def _postgres() -> Stores | None:
    try:
        import asyncpg
    except ImportError:
        return None
    try:
        admin = await asyncpg.connect(PG_ADMIN, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    stem = f"mace_bench_{secrets.token_hex(4)}"
    names = [f"{stem}_big", f"{stem}_small", f"{stem}_chase"]
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN, timeout=5)
        try:
            for name in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    base = "postgresql+asyncpg://postgres@127.0.0.1:5432/"
    big, small, chase = (base + name for name in names)
    return Stores("PostgreSQL", big, small, chase, drop)


def _sqlite(folder: Path) -> Stores:
    async def nothing() -> None:
        return None

    return Stores(
        "SQLite",
        f"sqlite+aiosqlite:///{folder / 'big.db'}",
        f"sqlite+aiosqlite:///{folder / 'small.db'}",
        f"sqlite+aiosqlite:///{folder / 'chase.db'}",
        nothing,
    )


# -- activities ----------------------------------------------------------------------------


def personal(text: str, user: TeamsUser, service_url: str, tag: str) -> Build:
    def build(n: int) -> dict[str, Any]:
        return message(
            text,
            user=user,
            service_url=service_url,
            conversation_id=f"{PERSONAL_CONVERSATION_ID}-{tag}-{n}",
        )

    return build


async def start_meeting(session: aiohttp.ClientSession, url: str, service_url: str) -> None:
    activity = message("start meeting", conversation="channel", user=CHAIR, service_url=service_url)
    ok, _ = await _one(session, url, activity)
    if not ok:
        raise RuntimeError("start meeting failed")


async def meeting_in_progress(url: str, keys: KeyRing) -> tuple[int, int, str]:
    store = Store(make_engine(url), keys)
    try:
        async with store.reading() as session:
            meeting = await session.scalar(
                select(t.Meeting).where(t.Meeting.status == MeetingStatus.IN_PROGRESS)
            )
            assert meeting is not None and meeting.agenda_activity_id
            item = await session.scalar(
                select(t.AgendaItem.id)
                .where(t.AgendaItem.meeting_id == meeting.id)
                .order_by(t.AgendaItem.position)
            )
            assert item is not None
            return meeting.id, item, meeting.agenda_activity_id
    finally:
        await store.close()


def minute(meeting_id: int, item_id: int, card_id: str, service_url: str) -> Build:
    def build(n: int) -> dict[str, Any]:
        return invoke_action(
            "item.minute",
            {"meetingId": meeting_id, "itemId": item_id},
            inputs={"minuteText": f"Worker {n} noted partners' updates on CR-{n:04d}."},
            conversation="channel",
            user=MINUTE_TAKER,
            service_url=service_url,
            reply_to_id=card_id,
            activity_id=str(uuid.uuid4()),
        )

    return build


# -- the run -------------------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    workers: int
    bot: Result
    echo: Result | None


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def table(rows: list[Row]) -> str:
    lines = [
        "| scenario | workers | bot req/s | echo req/s | ratio | bot p50 ms | bot p95 ms "
        "| bot p99 ms | echo p95 ms | p95 ratio | bot CPU ms/req | echo CPU ms/req "
        "| bot errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        e = row.echo
        lines.append(
            f"| {row.scenario} | {row.workers} | {row.bot.rate:.1f} | "
            f"{f'{e.rate:.1f}' if e else '-'} | "
            f"{f'{row.bot.rate / e.rate:.2f}x' if e and e.rate else '-'} | "
            f"{_ms(row.bot.pct(50))} | {_ms(row.bot.pct(95))} | {_ms(row.bot.pct(99))} | "
            f"{_ms(e.pct(95)) if e else '-'} | "
            f"{f'{row.bot.pct(95) / e.pct(95):.2f}x' if e else '-'} | "
            f"{_ms(row.bot.cpu_per_request)} | {_ms(e.cpu_per_request) if e else '-'} | "
            f"{row.bot.errors} |"
        )
    return "\n".join(lines)


def target(name: str, value: str, wanted: str, ok: bool) -> str:
    return f"{name} {value} {wanted} {'pass' if ok else 'fail'}"


async def main() -> int:
    keys = KeyRing.from_spec(TEST_KEYS_SPEC)
    folder = Path(tempfile.mkdtemp(prefix="mace-bench-"))
    stores = await _postgres() or _sqlite(folder)
    print(f"Seeding {stores.engine} stores ({BIG:,} and {SMALL:,} actions)...", flush=True)
    rows: list[Row] = []
    targets: list[str] = []
    try:
        began = time.perf_counter()
        seeded: Seeded = await seed(stores.big, keys, BIG)
        seeded_small = await seed(stores.small, keys, SMALL)
        print(f"Seeded in {time.perf_counter() - began:.1f} s: {seeded}", flush=True)
        async with (
            FakeConnector() as fake,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=WORKERS * 2),
                timeout=aiohttp.ClientTimeout(total=60),
            ) as session,
            echo(folder / "echo.log") as echo_bot,
        ):
            svc = fake.url
            # The fake answers, counts and notes where each message went, but keeps no
            # bodies: this process is also the load generator, and holding every card it
            # received made its own garbage collection stall the run (see changes.md).
            fake.keep_bodies = False
            # (3) at 10,000 actions: its own bot on the small store, then stopped.
            outstanding = personal("outstanding actions", COORDINATOR, svc, "out")
            async with bot(stores.small, folder / "small-data", folder / "bot-small.log") as b:
                small_out = await drive(
                    session, b.url, outstanding, workers=1, count=LATENCY_COUNT, server=b
                )
            async with bot(stores.big, folder / "big-data", folder / "bot-big.log") as b:
                # (1) my actions, 20 conversations at once.
                print("Scenario: my actions...", flush=True)
                mine = personal("my actions", OWNER, svc, "mine")
                e1 = await drive(
                    session, echo_bot.url, mine, workers=WORKERS, seconds=SECONDS, server=echo_bot
                )
                b1 = await drive(session, b.url, mine, workers=WORKERS, seconds=SECONDS, server=b)
                rows.append(Row("my actions (20 open)", WORKERS, b1, e1))
                # (2) a minute recorded from the agenda card of a meeting in progress.
                print("Scenario: record a minute...", flush=True)
                await start_meeting(session, b.url, svc)
                meeting_id, item_id, card_id = await meeting_in_progress(stores.big, keys)
                b2 = await drive(
                    session,
                    b.url,
                    minute(meeting_id, item_id, card_id, svc),
                    workers=WORKERS,
                    seconds=SECONDS,
                    server=b,
                )
                rows.append(Row("record a minute (card invoke) vs echo message", WORKERS, b2, e1))
                # (3) outstanding actions for a coordinator over 100,000 actions.
                print("Scenario: outstanding actions...", flush=True)
                e3 = await drive(
                    session,
                    echo_bot.url,
                    outstanding,
                    workers=1,
                    count=LATENCY_COUNT,
                    server=echo_bot,
                )
                b3 = await drive(
                    session, b.url, outstanding, workers=1, count=LATENCY_COUNT, server=b
                )
                rows.append(Row(f"outstanding actions, {BIG:,} actions", 1, b3, e3))
                rows.append(Row(f"outstanding actions, {SMALL:,} actions", 1, small_out, e3))
                # (4) subject CR-...: the chair's card of a child with 30 links, 3 years.
                b4, b4_missing = await subject_page(session, b, fake, svc)
                if b4 is not None:
                    rows.append(Row(f"subject {BENCH_SUBJECT} (30 links, 3 years)", 1, b4, e3))
                # (5) the locality dashboard, for the coordinator of all seven groups.
                b5, b5_missing = await dashboard_page(session, b)
                if b5 is not None:
                    rows.append(
                        Row(f"dashboard {DASHBOARD_LOCALITY} (coordinator of 7)", 1, b5, e3)
                    )
                rss = b.rss_mb()
            # (6) a new instance's start, on the migrated big store, to /readyz answered.
            print("Scenario: start to /readyz...", flush=True)
            port = _free_port()
            starts = await readyz_start(
                bot_command(stores.big, folder / "start-data", port), port, folder / "start.log"
            )
            chase: ChaseResult | None = None
            if CHASE:
                print("Scenario: chase run (10,000 due actions, 2,000 owners)...", flush=True)
                fake.reset()
                chase = await measure_chase(stores.chase, keys, fake)
        # -- targets --
        r1 = b1.rate / e1.rate
        p1 = b1.pct(95) / e1.pct(95)
        r2 = b2.rate / e1.rate
        scale = b3.pct(95) / small_out.pct(95)
        floor = MEMBERS / TENANT_RATE
        targets = [
            target("my_actions_throughput", f"{r1:.2f}x", ">=2.0x_echo", r1 >= 2.0),
            target("my_actions_p95", f"{p1:.2f}x", "<=0.5x_echo", p1 <= 0.5),
            target("minute_p99", f"{_ms(b2.pct(99))}ms", "<1000ms", b2.pct(99) < 1.0),
            target("minute_throughput", f"{r2:.2f}x", ">=1.5x_echo_message", r2 >= 1.5),
            target("outstanding_p95_100k", f"{_ms(b3.pct(95))}ms", "<50ms", b3.pct(95) < 0.050),
            target("outstanding_p95_scaling", f"{scale:.2f}x", "<=2.0x_of_10k", scale <= 2.0),
            subject_target(b4, b4_missing),
            dashboard_target(b5, b5_missing),
            *chase_targets(chase, floor),
            target("rss", f"{rss:.0f}MB", "<250MB", rss < 250),
            target(
                "readyz_start_slowest",
                f"{max(starts):.2f}s(" + "/".join(f"{s:.2f}" for s in starts) + ")",
                "<2s",
                max(starts) < 2.0,
            ),
        ]
        report = render(stores.engine, seeded, seeded_small, rows, targets, floor, chase)
        print(report)
        DOCS.write_text(report + "\n", encoding="utf-8")
        print(f"\nWritten to {DOCS.relative_to(ROOT)}.")
    except BaseException:
        print(f"Benchmark failed; logs kept in {folder}", file=sys.stderr)
        raise
    else:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        await stores.cleanup()
    return 0


async def subject_page(
    session: aiohttp.ClientSession, b: Server, fake: FakeConnector, svc: str
) -> tuple[Result | None, str]:
    """``subject CR-...`` in the chair's personal chat, one request at a time, through the
    real endpoint like ``my actions``: the bench subject's card (30 links, three years of
    history, actions about it). Not measured (and said why) until the bot answers it with
    that subject's card: the command lands with the register's find-and-review (issue 15)."""
    from dialogs import commands

    text = f"subject {BENCH_SUBJECT}"
    found, _ = commands.split(text)
    if found is None or not str(found).startswith("subject"):
        return None, "no_subject_command"
    print("Scenario: subject page...", flush=True)
    page = personal(text, CHAIR, svc, "subject")
    fake.keep_bodies = True
    try:
        ok, _ = await _one(session, b.url, page(0))
        answer = json.dumps(fake.sent()[-1]) if ok and fake.sent() else ""
    finally:
        fake.keep_bodies = False
    if BENCH_SUBJECT not in answer:
        return None, "reply_is_not_the_subject_card"
    return await drive(session, b.url, page, workers=1, count=LATENCY_COUNT, server=b), ""


#: The group whose dashboard is measured (every group is seeded alike).
DASHBOARD_LOCALITY = "scarborough"


def pages_url(b: Server) -> str:
    return b.url.removesuffix("/api/messages")


async def stand_in_session(session: aiohttp.ClientSession, base: str, name: str) -> str:
    """A page session for the member called ``name``, through the local sign-in stand-in
    (the bench bot runs without APP_ID): the session cookie's value."""
    async with session.get(base + "/signin") as response:
        text = await response.text()
    found = re.search(r'<option value="(\d+)">' + re.escape(name), text)
    if found is None:
        raise RuntimeError(f"{name} is not offered by the sign-in stand-in")
    form = {"member": found.group(1), "next": "/dashboard"}
    async with session.post(
        base + "/signin/stand-in", data=form, allow_redirects=False
    ) as response:
        cookie = response.cookies.get(SESSION_COOKIE)
        if response.status != 303 or cookie is None:
            raise RuntimeError(f"the stand-in sign-in answered {response.status}")
        return cookie.value


async def dashboard_page(session: aiohttp.ClientSession, b: Server) -> tuple[Result | None, str]:
    """``GET /localities/scarborough/dashboard`` (the last 12 months, its default) as the
    coordinator of all seven groups, one request at a time, with a session cookie made by
    the stand-in sign-in. Not measured (and said why) unless the answer is that page."""
    print("Scenario: locality dashboard...", flush=True)
    base = pages_url(b)
    try:
        cookie = await stand_in_session(session, base, COORDINATOR.name)
    except RuntimeError:
        return None, "no_stand_in_session"
    url = f"{base}/localities/{DASHBOARD_LOCALITY}/dashboard"
    async with session.get(url, headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}) as response:
        text = await response.text()
        if response.status != 200 or "Scarborough: dashboard" not in text:
            return None, f"answered_{response.status}_not_the_dashboard"

    def build(_n: int) -> dict[str, Any]:
        return {PAGE: cookie}

    return await drive(session, url, build, workers=1, count=LATENCY_COUNT, server=b), ""


def dashboard_target(result: Result | None, missing: str) -> str:
    if result is None:
        return target("dashboard_p95", f"not-measured({missing})", "<100ms", False)
    p95 = result.pct(95)
    return target("dashboard_p95", f"{_ms(p95)}ms", "<100ms", p95 < 0.100)


def subject_target(result: Result | None, missing: str) -> str:
    if result is None:
        return target("subject_page_p95", f"not-measured({missing})", "<50ms", False)
    p95 = result.pct(95)
    return target("subject_page_p95", f"{_ms(p95)}ms", "<50ms", p95 < 0.050)


def chase_targets(chase: ChaseResult | None, floor: float) -> list[str]:
    """Wall time within 1.2x the floor Teams' limits set, and each owner's digest once."""
    if chase is None:
        return [
            target("chase_wall_time", "not-measured", f"<={CHASE_SLACK * floor:.0f}s", False),
            target("chase_digests_once", "not-measured", f"{MEMBERS}x1", False),
        ]
    once = (
        chase.duplicates == 0
        and chase.owners == MEMBERS
        and chase.delivered == chase.digests_planned == MEMBERS
        and chase.undelivered == 0
    )
    return [
        target(
            "chase_wall_time",
            f"{chase.wall:.1f}s({chase.wall / floor:.2f}x_floor)",
            f"<={CHASE_SLACK * floor:.0f}s({CHASE_SLACK}x_floor_{floor:.0f}s)",
            chase.wall <= CHASE_SLACK * floor,
        ),
        target(
            "chase_digests_once",
            f"{chase.owners}owners/{chase.delivered}sent/{chase.duplicates}dup",
            f"{MEMBERS}x1",
            once,
        ),
    ]


def chase_text(chase: ChaseResult | None, floor: float) -> str:
    limits = (
        f"Its floor under Teams' limits: one digest per owner and about {TENANT_RATE:g} "
        f"requests/s per app per tenant, so {MEMBERS:,} digests take at least {floor:.0f} s "
        "(the per-conversation limits do not bind: one message in each owner's chat)."
    )
    if chase is None:
        return f"Chase run (10,000 due actions, 2,000 owners): not measured. {limits}"
    return (
        f"Chase run (10,000 due actions, {MEMBERS:,} owners; the bot's chase job and the "
        f"outbox runner `mace-bot serve` starts (bot.app build_outbox, OutboxRunner) in the "
        f"benchmark process, sending through a real CloudAdapter to the fake connector): "
        f"{chase.digests_planned:,} digests planned, {chase.delivered:,} "
        f"delivered to {chase.owners:,} owners, {chase.duplicates} duplicates, "
        f"{chase.undelivered} left in the outbox; wall time {chase.wall:.1f} s from the "
        f"start of the run to the last digest, {chase.wall / floor:.2f}x the floor (of it, "
        f"{chase.planning:.1f} s planning: choosing the digests and queueing them). {limits} "
        "The sender runs at OUTBOX_RATE (50 requests/s by default) with up to "
        f"{OUTBOX_IN_FLIGHT} messages on their way at once (bot.app, bot.services.outbox)."
    )


def render(
    engine: str,
    big: Seeded,
    small: Seeded,
    rows: list[Row],
    targets: list[str],
    floor: float,
    chase: ChaseResult | None,
) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            "# Benchmarks",
            "",
            "Written by `make bench` (bench/run.py); do not edit by hand. Every figure is",
            "measured in one run beside the stock echo bot (../shared/bench/echo_bot.py) under",
            "the same client, and compared as a ratio: absolute times on a shared machine are",
            "not stable. Latency is what the client sees over loopback HTTP (POST to response,",
            "including the bot posting its reply to the fake connector); nothing is subtracted.",
            "",
            f"- Run: {now}",
            f"- Machine: {os.cpu_count()} cores, {platform.machine()}, "
            f"Python {platform.python_version()} ({platform.system()})",
            f"- Store: {engine}; {big.actions:,} actions ({big.open_actions:,} open), "
            f"{big.members:,} members ({MEMBERS:,} of them in locality groups), "
            f"{big.meetings} meetings (3 years monthly, 7 groups); "
            f"the small variant has {small.actions:,} actions ({small.open_actions:,} open)",
            f"- `subject {BENCH_SUBJECT}` is asked by the Scarborough chair, one request at a "
            f"time: a child with {big.subject_links} links, {big.subject_events} risk changes "
            f"(monthly for 3 years, each in a meeting with a round about it) and "
            f"{big.subject_actions} actions about it",
            f"- The `my actions` member owns {big.bench_owner_open} open actions "
            f"(expected {BENCH_OWNER_OPEN}); `outstanding actions` is asked by the coordinator "
            "of all seven groups, one request at a time",
            f"- `dashboard` is `GET /localities/{DASHBOARD_LOCALITY}/dashboard` (the last 12 "
            "months) by that coordinator, signed in through the local stand-in, one request at "
            "a time (compared with the echo bot's `outstanding actions` row only for scale)",
            "- `readyz_start_slowest` is the slowest of three starts of `mace-bot serve` on "
            "the migrated 100,000-action store, from the spawn of its process to the first "
            "`GET /readyz` answered 200 (bench/start.py)",
            f"- Measured for {SECONDS:g} s per throughput scenario after a {WARMUP:g} s "
            f"warm-up; {LATENCY_COUNT} requests per latency scenario",
            "",
            table(rows),
            "",
            chase_text(chase, floor),
            "",
            "```",
            *targets,
            "```",
            "",
            CHANGES.read_text(encoding="utf-8").rstrip(),
        ]
    )


def entry() -> None:
    sys.exit(asyncio.run(main()))


if __name__ == "__main__":
    entry()
