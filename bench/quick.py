"""``python -m bench.quick SCENARIO``: one scenario, bot beside echo, in under a minute.

For trying a change before a full ``make bench``: the bot (``mace-bot serve``) and the
stock echo bot run as in ``bench.run``, on the store ``bench.profile`` keeps
(``mace_profile_100000``, seeded on first use), driven by the same client for a few
seconds each. Prints one line per scenario: the throughput ratio, p50/p95/p99, each
server's CPU per request, and how busy the whole machine was (idle time left over means
the bot was waiting, not working). Scenarios: ``mine``, ``minute``, ``outstanding``,
``subject``, ``dashboard`` (a GET of the locality dashboard by the coordinator of all seven
groups, signed in through the stand-in; it also prints the ``dashboard_p95`` target line).
Each ``minute`` run records into a meeting of its own (any left in progress is closed
first). Figures here are for comparing before and after; the record is ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from sqlalchemy import update

from bench.activities import (
    CHAIR,
    COORDINATOR,
    OWNER,
    meeting_in_progress,
    minute,
    personal,
    start_meeting,
)
from bench.measure import LATENCY_CHATS, PAGE, WORKERS, Build, drive
from bench.pages import DASHBOARD_LOCALITY, dashboard_target, stand_in_session
from bench.profile import _database
from bench.seed import BENCH_SUBJECT
from bench.servers import bot, echo
from bot.domain.model import MeetingStatus
from bot.store import tables as t
from bot.store.crypto import KeyRing
from bot.store.db import Store, make_engine
from tests.support.fake_connector import FakeConnector
from tests.support.keys import TEST_KEYS_SPEC


def pages_url_of(bot_url: str) -> str:
    return bot_url.removesuffix("/api/messages")


def _target_url(scenario: str, bot_url: str) -> str:
    """Where a scenario's requests go: the messaging endpoint, or the dashboard page."""
    if scenario == "dashboard":
        return f"{pages_url_of(bot_url)}/localities/{DASHBOARD_LOCALITY}/dashboard"
    return bot_url


def _machine() -> list[int]:
    """The machine's CPU counters (user, nice, system, idle, ...) from /proc/stat."""
    return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


async def _build(
    scenario: str, session: aiohttp.ClientSession, url: str, bot_url: str, service: str
) -> Build:
    if scenario == "mine":
        return personal("my actions", OWNER, service, "mine")
    if scenario == "outstanding":
        return personal("outstanding actions", COORDINATOR, service, "out", chats=LATENCY_CHATS)
    if scenario == "subject":
        return personal(f"subject {BENCH_SUBJECT}", CHAIR, service, "subject", chats=LATENCY_CHATS)
    if scenario == "dashboard":
        cookie = await stand_in_session(session, pages_url_of(bot_url), COORDINATOR.name)
        return lambda _n: {PAGE: cookie}
    keys = KeyRing.from_spec(TEST_KEYS_SPEC)
    await _end_meetings(url, keys)
    await start_meeting(session, bot_url, service)
    meeting_id, item_id, card_id = await meeting_in_progress(url, keys)
    return minute(meeting_id, item_id, card_id, service)


async def _end_meetings(url: str, keys: KeyRing) -> None:
    """Close the meeting an earlier run left in progress, so that every run records its
    minutes into a new meeting (as ``make bench`` does): minutes piling up in one kept
    meeting made each run slower than the last."""
    store = Store(make_engine(url), keys)
    try:
        async with store.transaction() as session:
            await session.execute(
                update(t.Meeting)
                .where(t.Meeting.status == MeetingStatus.IN_PROGRESS)
                .values(
                    status=MeetingStatus.ENDED,
                    ended_at=datetime.now(UTC),
                    current_position=None,
                    in_progress_locality_id=None,
                )
            )
    finally:
        await store.close()


async def main(args: argparse.Namespace) -> None:
    url = await _database(args.store, 100_000, KeyRing.from_spec(TEST_KEYS_SPEC), drop=False)
    folder = Path(tempfile.mkdtemp(prefix="mace-quick-"))
    workers = 1 if args.scenario in ("outstanding", "subject", "dashboard") else WORKERS
    async with (
        FakeConnector() as fake,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=WORKERS * 2)) as session,
        echo(folder / "echo.log") as echo_bot,
        bot(url, folder / "data", folder / "bot.log") as the_bot,
    ):
        fake.keep_bodies = False
        build = await _build(args.scenario, session, url, the_bot.url, fake.url)
        # The echo bot answers any message the same way: measured on "my actions".
        versus = personal("my actions", OWNER, fake.url, "echo")
        for _ in range(args.repeat):
            e = await drive(
                session,
                echo_bot.url,
                versus,
                workers=workers,
                seconds=args.seconds,
                server=echo_bot,
            )
            before = _machine()
            own = time.process_time()
            b = await drive(
                session,
                _target_url(args.scenario, the_bot.url),
                build,
                workers=workers,
                seconds=args.seconds,
                server=the_bot,
            )
            own = (time.process_time() - own) / max(len(b.latencies) + b.errors, 1)
            spent = [y - x for x, y in zip(before, _machine(), strict=True)]
            idle = 200 * (spent[3] + spent[4]) / max(sum(spent), 1)
            print(
                f"{args.scenario}: {b.rate / e.rate:.2f}x echo ({b.rate:.0f} vs {e.rate:.0f}/s), "
                f"p50/p95/p99 {b.pct(50) * 1000:.0f}/{b.pct(95) * 1000:.0f}/"
                f"{b.pct(99) * 1000:.0f} ms (echo p95 {e.pct(95) * 1000:.0f}), CPU "
                f"{b.cpu_per_request * 1000:.1f} vs {e.cpu_per_request * 1000:.1f} ms/req, "
                f"client and fake connector {own * 1000:.1f} ms/req, "
                f"machine idle {idle:.0f}% of 200%, errors {b.errors}",
                flush=True,
            )
            if args.scenario == "dashboard":
                print(dashboard_target(b if b.latencies else None, "no_answer"), flush=True)


def entry() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "scenario", choices=["mine", "minute", "outstanding", "subject", "dashboard"]
    )
    parser.add_argument("--seconds", type=float, default=6.0)
    # Another database than the shared one: the bot migrates its store as it starts, so a
    # branch with a new migration measures on a copy (CREATE DATABASE ... TEMPLATE) and
    # leaves the shared store at a revision every branch knows.
    parser.add_argument("--store", default="mace_profile_100000")
    parser.add_argument("--repeat", type=int, default=1)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    entry()
