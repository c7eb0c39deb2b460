"""How the benchmark measures: concurrent loops posting activities (or GETting a page) over
loopback HTTP, the latencies the client sees, and the server's CPU per request from /proc.
The table and the ``name value target pass|fail`` lines every scenario reports through."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from bench.servers import Server

SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "1.5"))
WORKERS = 20
#: Each worker's personal-chat requests go round this many chats of its own (see
#: ``bench.activities.personal``); its warm-up lasts at least this many requests, so every
#: chat has had its first turn (which keeps the person's contact, a write the bot then
#: repeats only every ten minutes) before anything is measured, on a machine of any speed.
THROUGHPUT_CHATS = 10
#: The same for the one worker of a latency scenario (one request at a time).
LATENCY_CHATS = 60
LATENCY_COUNT = int(os.environ.get("BENCH_LATENCY_COUNT", "300"))


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


async def exchange(
    session: aiohttp.ClientSession, url: str, activity: dict[str, Any]
) -> tuple[bool, int, bytes]:
    """One request as the benchmark sends it (a POSTed activity, or a GET of a page with
    ``{PAGE: cookie}``): whether it counts as answered, the HTTP status and the body. Apart
    from ``_one`` so that tests/bench sends exactly the measured requests and reads what
    they were answered."""
    if PAGE in activity:
        headers = {"Cookie": f"{SESSION_COOKIE}={activity[PAGE]}"}
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            body = await response.read()
            return response.status == 200, response.status, body
    async with session.post(url, json=activity) as response:
        body = await response.read()
        ok = 200 <= response.status < 300
        if ok and activity.get("type") == "invoke" and body:
            ok = json.loads(body).get("statusCode", 200) == 200
        return ok, response.status, body


async def _one(
    session: aiohttp.ClientSession, url: str, activity: dict[str, Any]
) -> tuple[bool, float]:
    began = time.perf_counter()
    ok, _status, _body = await exchange(session, url, activity)
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
    that is not recorded: ``WARMUP`` seconds, and at least ``THROUGHPUT_CHATS`` requests
    from each worker, or ``LATENCY_CHATS`` from a lone one), or ``count`` requests in all.
    With ``server``, also its CPU per request over the recorded part."""
    result = Result()
    remaining = [count or 0]

    async def worker(n: int, until: float, record: bool) -> None:
        warming = 0 if record else (THROUGHPUT_CHATS if workers > 1 else LATENCY_CHATS)
        while time.perf_counter() < until or warming > 0:
            warming -= 1
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
