"""The bot as the benchmark runs it, for tests of what the benchmark's requests do.

The store is the benchmark's own seed (bench.seed, with few actions so it takes seconds),
the settings are those bench.servers gives ``mace-bot serve``, and requests are built by
the benchmark's builders and sent by its own ``bench.measure.exchange``: what is tested
is what is measured. The app runs in this process (bot.app's ``create_app`` on a real
aiohttp server, as bench/profile.py runs it), replying to the recording fake connector.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text

from bench.measure import exchange
from bot.store import tables as t
from bot.store.crypto import KeyRing
from bot.store.db import Store
from tests.e2e.harness import BotUnderTest
from tests.support.activities import TeamsUser

#: Actions the seed makes for these tests (the benchmark seeds 100,000): enough for every
#: page the benchmark measures to be full, few enough to seed in seconds.
ACTIONS = 2_000


@dataclass(frozen=True)
class Answer:
    """One request as sent and what came back: the bench's own verdict on it (``ok``), the
    HTTP status and body, and what the bot posted and edited at the connector meanwhile."""

    request: dict[str, Any]
    ok: bool
    status: int
    body: bytes
    posted: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """Everything the person could have seen from it, as one string."""
        return json.dumps([self.posted, self.updated]) + self.body.decode(errors="replace")

    def invoke_answer(self) -> dict[str, Any]:
        answer = json.loads(self.body)
        assert isinstance(answer, dict), answer
        return answer


class BenchBot:
    """The running bot, its store and connector, and the requests' plumbing."""

    def __init__(self, bot: BotUnderTest, store: Store) -> None:
        self.bot = bot
        self.store = store

    @property
    def keys(self) -> KeyRing:
        return self.store.keys

    @property
    def store_url(self) -> str:
        return self.store.engine.url.render_as_string(hide_password=False)

    @property
    def service_url(self) -> str:
        return self.bot.connector.url

    @property
    def messages_url(self) -> str:
        return self.bot.url

    @property
    def pages_url(self) -> str:
        return self.bot.url.removesuffix("/api/messages")

    async def send(self, url: str, request: dict[str, Any]) -> Answer:
        """Send one request exactly as the benchmark does (a copy: a resend is the same
        request sent again), wait for the card edits it handed to the background, and
        return what it was answered and what the connector received meanwhile."""
        fake = self.bot.connector
        posts, updates = len(fake.sent()), len(fake.updated())
        ok, status, body = await exchange(self.bot.session, url, copy.deepcopy(request))
        await self.bot.settled()
        return Answer(request, ok, status, body, fake.sent()[posts:], fake.updated()[updates:])

    async def member_id(self, who: TeamsUser) -> int:
        async with self.store.reading() as session:
            found = await session.scalar(
                select(t.Member.id).where(t.Member.aad_object_id == who.aad_object_id)
            )
        assert found is not None, f"{who.name} is not a member"
        return int(found)

    async def groups_of(self, who: TeamsUser) -> set[int]:
        member = await self.member_id(who)
        async with self.store.reading() as session:
            found = await session.scalars(
                select(t.Membership.locality_id).where(t.Membership.member_id == member)
            )
            return set(found)

    async def count(self, table: Any, *where: Any) -> int:
        async with self.store.reading() as session:
            return int(
                await session.scalar(select(func.count()).select_from(table).where(*where)) or 0
            )

    async def raw(self, table: str, column: str, row_id: int) -> str:
        """A column's value as stored: plain SQL, not the ORM's decrypting type."""
        async with self.store.engine.connect() as conn:
            value = await conn.scalar(
                text(f'SELECT "{column}" FROM "{table}" WHERE id = :id'), {"id": row_id}
            )
        assert isinstance(value, str), (table, column, row_id, value)
        return value
