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
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bench.activities import (
    COORDINATOR,
    OWNER,
    meeting_in_progress,
    minute,
    personal,
    start_meeting,
)
from bench.chase import TENANT_RATE, ChaseResult, chase_targets, chase_text, measure_chase
from bench.measure import (
    LATENCY_CHATS,
    LATENCY_COUNT,
    SECONDS,
    WARMUP,
    WORKERS,
    Row,
    _ms,
    drive,
    table,
    target,
)
from bench.pages import (
    DASHBOARD_LOCALITY,
    dashboard_page,
    dashboard_target,
    subject_page,
    subject_target,
)
from bench.report3y import measure_report
from bench.scale import measure_outstanding_1m
from bench.seed import BENCH_OWNER_OPEN, BENCH_SUBJECT, MEMBERS, Seeded, seed
from bench.servers import ROOT, _free_port, bot, bot_command, echo
from bench.start import readyz_start
from bench.stores import _postgres, _sqlite
from bench.storm import measure_storm
from bot.store.crypto import KeyRing
from tests.support.fake_connector import FakeConnector
from tests.support.keys import TEST_KEYS_SPEC

DOCS = ROOT / "docs" / "benchmarks.md"
CHASE = os.environ.get("BENCH_CHASE", "1") not in {"0", "off", "no"}
BIG, SMALL = 100_000, 10_000
#: What each change bought, kept by hand and appended to docs/benchmarks.md on each run.
CHANGES = ROOT / "bench" / "changes.md"


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
            outstanding = personal(
                "outstanding actions", COORDINATOR, svc, "out", chats=LATENCY_CHATS
            )
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
            # Issue 18 at scale: outstanding actions at 1,000,000; the three-year report.
            scaled = [
                await measure_outstanding_1m(stores.million, keys, folder, session, fake, b3, e3),
                await measure_report(stores.big, folder, session, fake),
            ]
            rows += [row for m in scaled for row in m.rows]
            chase: ChaseResult | None = None
            if CHASE:
                print("Scenario: chase run (10,000 due actions, 2,000 owners)...", flush=True)
                fake.reset()
                chase = await measure_chase(stores.chase, keys, fake)
            # (8) a meeting's busiest minute, on the 10,000-action store (bench/storm.py).
            print("Scenario: meeting storm (40 I'm here, 10 minutes in 1 s)...", flush=True)
            storm, storm_text = await measure_storm(stores.small, keys, folder, stores.engine)
        # -- targets --
        r1 = b1.rate / e1.rate
        p1 = b1.pct(95) / e1.pct(95)
        r2 = b2.rate / e1.rate
        scale = b3.pct(95) / small_out.pct(95)
        floor = MEMBERS / TENANT_RATE
        targets = [
            target("my_actions_throughput", f"{r1:.2f}x", ">=3.0x_echo", r1 >= 3.0),
            target("my_actions_p95", f"{p1:.2f}x", "<=0.35x_echo", p1 <= 0.35),
            target("minute_p99", f"{_ms(b2.pct(99))}ms", "<500ms", b2.pct(99) < 0.5),
            target("minute_throughput", f"{r2:.2f}x", ">=2.5x_echo_message", r2 >= 2.5),
            target("outstanding_p95_100k", f"{_ms(b3.pct(95))}ms", "<50ms", b3.pct(95) < 0.050),
            target("outstanding_p95_scaling", f"{scale:.2f}x", "<=2.0x_of_10k", scale <= 2.0),
            subject_target(b4, b4_missing),
            dashboard_target(b5, b5_missing),
            *chase_targets(chase, floor),
            target("rss", f"{rss:.0f}MB", "<150MB", rss < 150),
            target(
                "readyz_start_slowest",
                f"{max(starts):.2f}s(" + "/".join(f"{s:.2f}" for s in starts) + ")",
                "<2s",
                max(starts) < 2.0,
            ),
            *(line for m in scaled for line in m.targets),
            *storm,
        ]
        notes = [m.text for m in scaled] + [storm_text]
        report = render(stores.engine, seeded, seeded_small, rows, targets, floor, chase, notes)
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


def render(
    engine: str,
    big: Seeded,
    small: Seeded,
    rows: list[Row],
    targets: list[str],
    floor: float,
    chase: ChaseResult | None,
    notes: list[str],
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
            *notes,
            f"- Measured for {SECONDS:g} s per throughput scenario after a {WARMUP:g} s "
            f"warm-up; {LATENCY_COUNT} requests per latency scenario",
            "",
            table(rows),
            "",
            chase_text(chase, floor),
            "",
            *(line for note in notes or [] for line in (note, "")),
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
