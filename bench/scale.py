"""Issue 18 at scale: ``outstanding actions`` over 1,000,000 actions (ten partnerships'
worth), against its 100,000-action figure.

The store is bench/partnerships.py's (seeded here, and the seed timed); ``mace-bot serve``
runs on it alone, and the coordinator of the first partnership's seven groups (the one
who asks at 100,000) asks ``outstanding actions`` in their personal chat, one request at
a time, as at 100,000 and 10,000. Only once the answer is shown to be their list, with
the same number of open actions as in the 100,000-action store, is it measured.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.activities import COORDINATOR, personal
from bench.measure import LATENCY_CHATS, LATENCY_COUNT, Result, Row, _ms, _one, drive, target
from bench.partnerships import PARTNERSHIPS, Partnerships, seed_partnerships
from bench.servers import bot
from bot.store.crypto import KeyRing
from tests.support.fake_connector import FakeConnector

#: Actions per partnership: the benchmark's big store, ten times over.
PER_PARTNERSHIP = 100_000


@dataclass
class Measured:
    """What a scale scenario reports: its target lines, its table rows and a paragraph
    saying exactly what was measured."""

    targets: list[str]
    text: str
    rows: list[Row] = field(default_factory=list)


async def measure_outstanding_1m(
    url: str,
    keys: KeyRing,
    folder: Path,
    session: aiohttp.ClientSession,
    fake: FakeConnector,
    at_100k: Result,
    echo: Result | None = None,
) -> Measured:
    """Seed the ten-partnership store at ``url``, then measure ``outstanding actions``
    there; ``at_100k`` is the same request's result on the 100,000-action store (the
    ``outstanding_p95_100k`` figure), which the scaling target compares with."""
    print(
        f"Seeding the ten-partnership store ({PARTNERSHIPS * PER_PARTNERSHIP:,} actions)...",
        flush=True,
    )
    seeded = await seed_partnerships(url, keys, PER_PARTNERSHIP)
    print(f"Seeded in {seeded.seconds:.1f} s: {seeded}", flush=True)
    print("Scenario: outstanding actions at 1,000,000 actions...", flush=True)
    ask = personal("outstanding actions", COORDINATOR, fake.url, "out1m", chats=LATENCY_CHATS)
    async with bot(url, folder / "million-data", folder / "bot-million.log") as b:
        missing = await _answer_is_the_list(session, b.url, fake, ask(0), seeded)
        result = None
        if not missing:
            result = await drive(session, b.url, ask, workers=1, count=LATENCY_COUNT, server=b)
    return Measured(
        outstanding_1m_targets(result, at_100k, missing),
        outstanding_1m_text(seeded),
        [Row(f"outstanding actions, {seeded.actions:,} actions", 1, result, echo)]
        if result is not None
        else [],
    )


async def _answer_is_the_list(
    session: aiohttp.ClientSession,
    url: str,
    fake: FakeConnector,
    activity: dict[str, object],
    seeded: Partnerships,
) -> str:
    """Why the answer is not the coordinator's list as at 100,000 actions ('' if it is):
    the card must count the first partnership's open actions, no more and no fewer."""
    fake.keep_bodies = True
    try:
        ok, _ = await _one(session, url, activity)
        answer = json.dumps(fake.sent()[-1]) if ok and fake.sent() else ""
    finally:
        fake.keep_bodies = False
    found = re.search(r"(\d+) open actions", answer)
    if found is None:
        return "reply_is_not_the_outstanding_list"
    if int(found.group(1)) != seeded.first.open_actions:
        return f"list_counts_{found.group(1)}_not_{seeded.first.open_actions}"
    return ""


def outstanding_1m_targets(result: Result | None, at_100k: Result, missing: str) -> list[str]:
    if result is None:
        return [
            target("outstanding_1m_p95", f"not-measured({missing})", "<50ms", False),
            target("outstanding_1m_scaling", f"not-measured({missing})", "<=2.0x_of_100k", False),
        ]
    p95 = result.pct(95)
    scale = p95 / at_100k.pct(95)
    return [
        target("outstanding_1m_p95", f"{_ms(p95)}ms", "<50ms", p95 < 0.050),
        target("outstanding_1m_scaling", f"{scale:.2f}x", "<=2.0x_of_100k", scale <= 2.0),
    ]


def outstanding_1m_text(seeded: Partnerships) -> str:
    first = seeded.first
    return (
        f"- `outstanding_1m_*`: `outstanding actions` over {seeded.actions:,} actions "
        f"({seeded.open_actions:,} open): a store of {seeded.partnerships} partnerships' "
        f"data, {seeded.localities} locality groups (the first partnership seeded as the "
        f"{first.actions:,}-action store above, with its seven groups; each of the nine "
        f"others has seven groups, {PER_PARTNERSHIP:,} actions, a tenth open, and 2,000 "
        "members of its own), asked by the same coordinator of the first partnership's "
        f"seven groups, whose list holds the same {first.open_actions:,} open actions; "
        f"one request at a time, {LATENCY_COUNT} requests, p95 against 50 ms and against "
        "twice `outstanding_p95_100k`. Seeded (migrated, filled through the bot's own "
        f"Store, vacuumed and analysed) in {seeded.seconds:.1f} s"
    )
