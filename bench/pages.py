"""The scenarios that read a page of the register or the pages: ``subject CR-...`` in chat
and the locality dashboard in the browser, each measured only once the answer is shown to
be that page (and the target says why when it is not)."""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp

from bench.activities import CHAIR, COORDINATOR, personal
from bench.measure import (
    LATENCY_CHATS,
    LATENCY_COUNT,
    PAGE,
    SESSION_COOKIE,
    Result,
    _ms,
    _one,
    drive,
    target,
)
from bench.seed import BENCH_SUBJECT
from bench.servers import Server
from tests.support.fake_connector import FakeConnector


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
    page = personal(text, CHAIR, svc, "subject", chats=LATENCY_CHATS)
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
