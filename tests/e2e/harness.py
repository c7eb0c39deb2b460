"""The bot on a real aiohttp server on loopback, talking to a recording fake connector.

Tests POST Teams-shaped activities to ``/api/messages`` exactly as Teams would and assert
on what the bot posted and edited at the fake Bot Connector.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bot.app import COMPONENTS, create_app
from bot.config import Settings
from bot.domain.clock import Clock
from bot.observability.metrics import METRICS_SERVER, serve_metrics
from bot.store.db import Store
from bot.teams.live_cards import EDIT_GAP, LiveCards
from tests.support.activities import PERSONAL_CONVERSATION_ID, TeamsUser, message
from tests.support.fake_connector import FakeConnector

DEMO = {
    "chair": TeamsUser("user-id-0", "Alex Wilber", "00000000-0000-0000-0000-0000000000020"),
    "minute_taker": TeamsUser("user-id-101", "Sam Okafor", "00000000-0000-0000-0000-0000000000101"),
    "coordinator": TeamsUser("user-id-102", "Riley Quinn", "00000000-0000-0000-0000-0000000000102"),
    "police": TeamsUser("user-id-103", "Priya Shah", "00000000-0000-0000-0000-0000000000103"),
    "social_care": TeamsUser("user-id-104", "Tom Hughes", "00000000-0000-0000-0000-0000000000104"),
    "health": TeamsUser("user-id-105", "Dana Reeves", "00000000-0000-0000-0000-0000000000105"),
    "education": TeamsUser("user-id-106", "Chris Lowe", "00000000-0000-0000-0000-0000000000106"),
    "harrogate_chair": TeamsUser(
        "user-id-110", "Harper Lane", "00000000-0000-0000-0000-0000000000110"
    ),
    "stranger": TeamsUser("user-id-999", "Nestor Wilke", "00000000-0000-0000-0000-0000000000999"),
}


class BotUnderTest:
    def __init__(
        self, server: TestServer, session: aiohttp.ClientSession, connector: FakeConnector
    ) -> None:
        self.server = server
        self.session = session
        self.connector = connector
        #: The X-Request-Id the bot answered the last ``send`` with.
        self.last_request_id: str | None = None

    @property
    def url(self) -> str:
        return str(self.server.make_url("/api/messages"))

    @property
    def metrics_url(self) -> str:
        """Where the metrics are scraped (only with ``running_bot(..., metrics=True)``)."""
        return self.server.app[METRICS_SERVER].url

    async def send(self, activity: dict[str, Any]) -> tuple[int, Any]:
        """POST an activity; returns the HTTP status and the JSON body (or None)."""
        activity.setdefault("serviceUrl", self.connector.url)
        activity["serviceUrl"] = self.connector.url
        async with self.session.post(self.url, json=activity) as response:
            self.last_request_id = response.headers.get("X-Request-Id")
            status, body = response.status, await response.read()
        await self.settled()
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body.decode(errors="replace")
        return status, parsed

    async def settled(self) -> None:
        """Card edits a turn handed to the background (see bot.teams.live_cards) are part
        of what it did: wait for them before the test looks at the connector."""
        await self.server.app[COMPONENTS].bot.live_cards.settled()

    async def send_personal(self, who: str, text: str) -> tuple[int, Any]:
        """A message in ``who``'s own 1:1 chat with the bot (a conversation id per person,
        as in Teams)."""
        return await self.send(
            message(
                text,
                conversation="personal",
                user=DEMO[who],
                conversation_id=f"{PERSONAL_CONVERSATION_ID}-{who}",
            )
        )

    async def post_raw(
        self, data: bytes, content_type: str = "application/json"
    ) -> tuple[int, bytes]:
        async with self.session.post(
            self.url, data=data, headers={"Content-Type": content_type}
        ) as response:
            return response.status, await response.read()


@asynccontextmanager
async def running_bot(
    store: Store,
    clock: Clock,
    settings: Settings | None = None,
    *,
    metrics: bool = False,
    live_cards: LiveCards | None = None,
) -> AsyncIterator[BotUnderTest]:
    """``metrics=True`` also serves the metrics, on a free loopback port (``metrics_url``).

    Card edits are paced 50 times faster than in the app (EDIT_GAP) unless ``live_cards``
    says otherwise: these tests are about what is saved and shown, and settle() would
    otherwise wait out every gap in real time. Pacing itself: tests/teams/test_live_cards.py,
    and the browser test (tests/browser) runs `mace-bot serve` as deployed."""
    settings = settings or Settings(load_demo_data=False, run_jobs=False)
    # Jobs never run on their own in tests: a test fires them with a frozen clock. No
    # fixed metrics port either: tests run side by side.
    settings = replace(settings, run_jobs=False, metrics_port=0)
    async with FakeConnector() as connector:
        app = create_app(
            settings,
            store=store,
            clock=clock,
            live_cards=LiveCards(min_gap=EDIT_GAP / 50) if live_cards is None else live_cards,
        )
        if metrics:
            serve_metrics(app, "127.0.0.1", 0)
        # As `mace-bot serve`: no aiohttp access log (the bot logs each request itself).
        server = TestServer(app, host="127.0.0.1")
        await server.start_server(access_log=None)
        try:
            async with aiohttp.ClientSession() as session:
                yield BotUnderTest(server, session, connector)
        finally:
            await server.close()
