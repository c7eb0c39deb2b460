"""``python -m bench.profile SCENARIO``: where a bot turn spends its CPU, before optimising.

Runs the bot in this process (the real aiohttp app and CloudAdapter, replying to the
recording fake connector) on a store seeded as ``make bench`` seeds it, drives one scenario
over loopback HTTP with the bench's own client, and prints a cProfile table of the bot's
side (the client and fake connector run in the same process and show up too: read past
them). The seeded PostgreSQL database is kept between runs (``mace_profile_<size>``) so a
second profile starts at once; ``--drop`` removes it.

Scenarios: ``mine`` (my actions, 20 open), ``minute`` (record a minute from the agenda
card), ``outstanding`` (outstanding actions for the coordinator), ``subject`` (``subject
CR-...`` for the chair: the bench subject with 30 links and three years of history).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from dataclasses import replace

import aiohttp
import asyncpg
from aiohttp.test_utils import TestServer

from bench.activities import (
    CHAIR,
    COORDINATOR,
    OWNER,
    meeting_in_progress,
    minute,
    personal,
    start_meeting,
)
from bench.measure import LATENCY_CHATS, drive
from bench.seed import BENCH_SUBJECT, seed
from bench.stores import PG_ADMIN
from bot.app import create_app
from bot.config import Settings
from bot.domain.clock import SystemClock
from bot.store.crypto import KeyRing
from bot.store.db import Store, make_engine
from tests.support.fake_connector import FakeConnector
from tests.support.keys import TEST_KEYS_SPEC

BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/"


async def _database(name: str, actions: int, keys: KeyRing, drop: bool) -> str:
    admin = await asyncpg.connect(PG_ADMIN)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and drop:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = BASE + name
    if not exists:
        print(f"Seeding {name} with {actions:,} actions...", flush=True)
        await seed(url, keys, actions)
    return url


async def main(args: argparse.Namespace) -> None:
    keys = KeyRing.from_spec(TEST_KEYS_SPEC)
    url = await _database(f"mace_profile_{args.actions}", args.actions, keys, args.drop)
    store = Store(make_engine(url), keys)
    settings = replace(
        Settings(load_demo_data=False, run_jobs=False),
        metrics_port=0,
    )
    async with FakeConnector() as fake, aiohttp.ClientSession() as session:
        fake.keep_bodies = False  # as in bench.run: the load generator holds no cards
        app = create_app(settings, store=store, clock=SystemClock())
        server = TestServer(app, host="127.0.0.1")
        await server.start_server(access_log=None)
        bot_url = str(server.make_url("/api/messages"))
        try:
            if args.scenario == "mine":
                build = personal("my actions", OWNER, fake.url, "mine")
            elif args.scenario == "outstanding":
                build = personal(
                    "outstanding actions", COORDINATOR, fake.url, "out", chats=LATENCY_CHATS
                )
            elif args.scenario == "subject":
                build = personal(
                    f"subject {BENCH_SUBJECT}", CHAIR, fake.url, "subject", chats=LATENCY_CHATS
                )
            else:
                try:
                    meeting_id, item_id, card_id = await meeting_in_progress(url, keys)
                except AssertionError:
                    await start_meeting(session, bot_url, fake.url)
                    meeting_id, item_id, card_id = await meeting_in_progress(url, keys)
                build = minute(meeting_id, item_id, card_id, fake.url)
            await drive(session, bot_url, build, workers=args.workers, count=20)
            profile = cProfile.Profile()
            began = time.perf_counter()
            cpu = time.process_time()
            profile.enable()
            result = await drive(session, bot_url, build, workers=args.workers, count=args.turns)
            profile.disable()
            cpu = time.process_time() - cpu
            wall = time.perf_counter() - began
        finally:
            await server.close()
            await store.close()
    turns = len(result.latencies)
    print(
        f"{turns} turns ({result.errors} errors) in {wall:.2f} s: {turns / wall:.1f}/s, "
        f"CPU {cpu * 1000 / max(turns, 1):.2f} ms per turn (bot, client and fake connector)"
    )
    if args.save:
        profile.dump_stats(args.save)
    stats = pstats.Stats(profile).strip_dirs().sort_stats(args.sort)
    stats.print_stats(args.lines)


def entry() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=["mine", "minute", "outstanding", "subject"])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--drop", action="store_true", help="reseed the profile database")
    parser.add_argument("--save", help="also write the raw profile here (for pstats)")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    entry()
