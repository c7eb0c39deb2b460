"""``python -m bench.chase_alone [--runs N] [--sqlite]``: the chase scenario alone.

For trying a change to the chase or the outbox before a full ``make bench``: each run
creates a PostgreSQL database of its own (or an SQLite file with ``--sqlite``), measures
``bench.chase.measure_chase`` against a fresh fake connector, prints its figures and
target lines, and drops the database. About a minute a run. The machine's other work
moves the figures: compare runs made in the same period.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
from pathlib import Path

import asyncpg

from bench.chase import TENANT_RATE, ChaseResult, chase_targets, measure_chase
from bench.seed import MEMBERS
from bench.stores import PG_ADMIN
from bot.store.crypto import KeyRing
from tests.support.fake_connector import FakeConnector


async def _one(sqlite: bool) -> ChaseResult:
    keys = KeyRing.generate()
    if sqlite:
        with tempfile.TemporaryDirectory() as folder:
            return await _measure(f"sqlite+aiosqlite:///{Path(folder) / 'chase.db'}", keys)
    name = f"mace_chase_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        return await _measure(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", keys)
    finally:
        admin = await asyncpg.connect(PG_ADMIN, timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def _measure(url: str, keys: KeyRing) -> ChaseResult:
    async with FakeConnector() as fake:
        fake.keep_bodies = False  # as in bench.run
        return await measure_chase(url, keys, fake)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    floor = MEMBERS / TENANT_RATE
    ok = True
    for _ in range(args.runs):
        chase = await _one(args.sqlite)
        print(chase, flush=True)
        for line in chase_targets(chase, floor):
            print(line, flush=True)
            ok = ok and line.endswith("pass")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
