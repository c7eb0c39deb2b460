"""``python -m bench.scale_run [outstanding] [report]``: issue 18's scale scenarios alone,
as ``make bench`` runs them, without the rest of the benchmark.

New stores (bench/stores.py: PostgreSQL databases when it listens, dropped at the end;
else SQLite files), the 100,000-action store seeded as ``make bench`` seeds it (its seed
timed), then: ``outstanding`` measures ``outstanding actions`` at 100,000 actions (as
``outstanding_p95_100k``) and then over the ten-partnership store (seeded and timed
there); ``report`` measures the three-year report. Prints the rows, the target lines and
what was measured. Figures here are for trying a change; the record is ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.activities import COORDINATOR, personal
from bench.measure import LATENCY_CHATS, LATENCY_COUNT, WORKERS, Row, drive, table
from bench.report3y import measure_report
from bench.scale import PER_PARTNERSHIP, Measured, measure_outstanding_1m
from bench.seed import seed
from bench.servers import bot
from bench.stores import _postgres, _sqlite
from bot.store.crypto import KeyRing
from tests.support.fake_connector import FakeConnector
from tests.support.keys import TEST_KEYS_SPEC

SCENARIOS = ("outstanding", "report")


async def main(scenarios: list[str]) -> None:
    keys = KeyRing.from_spec(TEST_KEYS_SPEC)
    folder = Path(tempfile.mkdtemp(prefix="mace-scale-"))
    stores = await _postgres() or _sqlite(folder)
    measured: list[Measured] = []
    rows: list[Row] = []
    try:
        began = time.perf_counter()
        print(f"Seeding the {stores.engine} {PER_PARTNERSHIP:,}-action store...", flush=True)
        await seed(stores.big, keys, PER_PARTNERSHIP)
        print(f"Seeded in {time.perf_counter() - began:.1f} s", flush=True)
        async with (
            FakeConnector() as fake,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=WORKERS * 2),
                timeout=aiohttp.ClientTimeout(total=60),
            ) as session,
        ):
            fake.keep_bodies = False
            if "outstanding" in scenarios:
                ask = personal(
                    "outstanding actions", COORDINATOR, fake.url, "out", chats=LATENCY_CHATS
                )
                async with bot(stores.big, folder / "big-data", folder / "bot-big.log") as b:
                    at_100k = await drive(
                        session, b.url, ask, workers=1, count=LATENCY_COUNT, server=b
                    )
                rows.append(
                    Row(f"outstanding actions, {PER_PARTNERSHIP:,} actions", 1, at_100k, None)
                )
                measured.append(
                    await measure_outstanding_1m(
                        stores.million, keys, folder, session, fake, at_100k
                    )
                )
            if "report" in scenarios:
                measured.append(await measure_report(stores.big, folder, session, fake))
        rows += [row for m in measured for row in m.rows]
        print(table(rows))
        print("\n".join(m.text for m in measured))
        print("```")
        print("\n".join(line for m in measured for line in m.targets))
        print("```")
    except BaseException:
        print(f"Failed; logs kept in {folder}")
        raise
    else:
        shutil.rmtree(folder, ignore_errors=True)
    finally:
        await stores.cleanup()


def entry() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", help="outstanding, report (default: both)")
    scenarios = parser.parse_args().scenarios or list(SCENARIOS)
    if not set(scenarios) <= set(SCENARIOS):
        parser.error(f"scenarios are {', '.join(SCENARIOS)}")
    asyncio.run(main(scenarios))


if __name__ == "__main__":
    entry()
