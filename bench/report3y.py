"""Issue 18: "the three-year ``report`` for all localities in under 5 s and under 200 MB".

Measured on the path a coordinator takes, against a fresh ``mace-bot serve`` on the
100,000-action store: the coordinator of all seven groups signs in to the pages (the
local stand-in, as the dashboard scenario does), then, in each of a few rounds, types
``report FROM to TO`` in their personal chat (the card with the headline figures: POST
to response, through the real endpoint, the card posted to the fake connector included),
opens the card's button (``GET /reports?from=..&to=..``: the page with the figures and
the download forms) and downloads the workbook and the Word summary from it (the page's
form posts with its CSRF token, to the last byte of the file). Every one of them builds
the report afresh, as the bot does. The time is the slowest request of all; the memory
is the process's peak resident set (VmHWM in /proc) after them, a process that has served
nothing else.
"""

from __future__ import annotations

import json
import re
import time
from datetime import date, timedelta
from pathlib import Path

import aiohttp

from bench.activities import COORDINATOR, personal
from bench.measure import SESSION_COOKIE, Result, Row, _one, target
from bench.pages import pages_url, stand_in_session
from bench.scale import Measured
from bench.servers import Server, bot
from bot.domain.clock import SystemClock, london_today
from bot.services.reference_data import DEMO_DATA, read_data_file
from tests.support.fake_connector import FakeConnector

#: Rounds of the four requests; the first of them is the fresh process's first report.
ROUNDS = 3
YEARS = 3
#: The paths, in the order a coordinator takes them.
PATHS = ("card", "page", "xlsx", "docx")


def three_years(today: date) -> tuple[date, date]:
    """The three years ending today: from the day after the same day three years ago."""
    try:
        back = today.replace(year=today.year - YEARS)
    except ValueError:  # 29 February
        back = today.replace(year=today.year - YEARS, day=28)
    return back + timedelta(days=1), today


def peak_mb(server: Server) -> float:
    """The process's peak resident set so far (VmHWM), in MB."""
    for line in Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure_report(
    url: str, folder: Path, session: aiohttp.ClientSession, fake: FakeConnector
) -> Measured:
    print("Scenario: three-year report (card, page, workbook, Word)...", flush=True)
    start, end = three_years(london_today(SystemClock()))
    times: dict[str, Result] = {path: Result() for path in PATHS}
    async with bot(url, folder / "report-data", folder / "bot-report.log") as b:
        at_start = peak_mb(b)
        base = pages_url(b)
        cookie = await stand_in_session(session, base, COORDINATOR.name)
        ask = personal(
            f"report {start.isoformat()} to {end.isoformat()}", COORDINATOR, fake.url, "report"
        )
        missing = ""
        for n in range(ROUNDS):
            missing = await _round(session, b, base, cookie, fake, ask(n), times)
            if missing:
                break
        peak = peak_mb(b)
    return Measured(
        report_targets(times, peak, missing),
        report_text(start, end, at_start),
        [
            Row(f"report {YEARS} years, 7 groups: {_LABELS[path]}", 1, result, None)
            for path, result in times.items()
            if result.latencies
        ],
    )


_LABELS = {
    "card": "chat card",
    "page": "report page",
    "xlsx": "workbook download",
    "docx": "Word download",
}


async def _round(
    session: aiohttp.ClientSession,
    b: Server,
    base: str,
    cookie: str,
    fake: FakeConnector,
    activity: dict[str, object],
    times: dict[str, Result],
) -> str:
    """The four requests once, each timed into ``times``; why not, if one was not what
    it should be ('' when all were)."""
    fake.keep_bodies = True
    try:
        cpu = b.cpu_seconds()
        ok, took = await _one(session, b.url, activity)
        card = json.dumps(fake.sent()[-1]) if ok and fake.sent() else ""
    finally:
        fake.keep_bodies = False
    groups = [g["name"] for g in read_data_file(DEMO_DATA)["localities"]]
    button = re.search(r'"url": "([^"]*/reports\?[^"]*)"', card)
    if "Performance report" not in card or button is None:
        return "reply_is_not_the_report_card"
    if not all(name in card for name in groups):
        return "card_is_not_of_all_seven_groups"
    _note(times["card"], took, b.cpu_seconds() - cpu)
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    page_url = button.group(1)
    if not page_url.startswith(base + "/reports?"):
        return "button_is_not_this_bots_report_page"
    began, cpu = time.perf_counter(), b.cpu_seconds()
    async with session.get(page_url, headers=headers, allow_redirects=False) as response:
        page = await response.text()
    _note(times["page"], time.perf_counter() - began, b.cpu_seconds() - cpu)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    if response.status != 200 or csrf is None:
        return f"page_answered_{response.status}"
    form = {"csrf": csrf.group(1), **dict(re.findall(r'name="(from|to)" value="([^"]+)"', page))}
    for fmt in ("xlsx", "docx"):
        began, cpu = time.perf_counter(), b.cpu_seconds()
        async with session.post(
            f"{base}/reports/report.{fmt}",
            data=form,
            headers={**headers, "Origin": base},
            allow_redirects=False,
        ) as response:
            body = await response.read()
        _note(times[fmt], time.perf_counter() - began, b.cpu_seconds() - cpu)
        if response.status != 200 or not body.startswith(b"PK"):
            return f"{fmt}_answered_{response.status}"
    return ""


def _note(result: Result, seconds: float, cpu: float) -> None:
    """One request of a path: its time, and the server's CPU per request so far (one at
    a time, so the rate is requests over the time they took)."""
    done = len(result.latencies)
    spent = 0.0 if done == 0 else result.cpu_per_request * done
    result.latencies.append(seconds)
    result.elapsed += seconds
    result.cpu_per_request = (spent + cpu) / (done + 1)


def report_targets(times: dict[str, Result], peak: float, missing: str) -> list[str]:
    if missing:
        return [
            target("report_3y_seconds", f"not-measured({missing})", "<5s", False),
            target("report_3y_peak_mb", f"not-measured({missing})", "<200MB", False),
        ]
    slowest = {path: max(result.latencies) for path, result in times.items()}
    worst = max(slowest, key=lambda path: slowest[path])
    each = "/".join(f"{path}:{seconds:.2f}" for path, seconds in slowest.items())
    return [
        target(
            "report_3y_seconds",
            f"{slowest[worst]:.2f}s({worst};{each})",
            "<5s",
            slowest[worst] < 5.0,
        ),
        target("report_3y_peak_mb", f"{peak:.0f}MB", "<200MB", peak < 200),
    ]


def report_text(start: date, end: date, at_start: float) -> str:
    return (
        f"- `report_3y_*`: the three-year performance report of all seven groups "
        f"({start.isoformat()} to {end.isoformat()}) for their coordinator, on the "
        "100,000-action store (in `make bench`, as the scenarios above left it), against "
        "a fresh `mace-bot serve` that serves nothing else: "
        "after one sign-in through the local stand-in, "
        f"{ROUNDS} rounds of the coordinator's path, each request building the report "
        f"afresh: `report {start.isoformat()} to {end.isoformat()}` in personal chat (POST "
        "to response, the card posted to the fake connector included), the card's button "
        "(`GET /reports?from=..&to=..`, the page with the figures), and the page's two "
        "downloads (`POST /reports/report.xlsx`, the workbook with charts, and "
        "`/reports/report.docx`, the Word summary, to the file's last byte). "
        "`report_3y_seconds` is the slowest single request (which one is named, then the "
        "slowest of each); `report_3y_peak_mb` is the process's peak resident set "
        f"(VmHWM) after them all ({at_start:.0f} MB when it had started)"
    )
