"""Scale-out: two `mace-bot serve` processes share one PostgreSQL and nothing else.

One meeting is driven through both at once: presses that race on the same card never
lose a change (one is applied, the other told to press again, with nothing saved),
additive answers from many agencies all land, the audit chain written by both verifies,
and the agenda card ends drawn from the final state.
"""

from __future__ import annotations

import asyncio
import copy
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.domain.errors import CONCURRENT_CHANGE
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store
from cards import verbs as v
from tests.e2e.cardtools import action, text_of
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import invoke_message, ok, press, say, start_meeting
from tests.support.activities import PERSONAL_CONVERSATION_ID, message
from tests.support.fake_connector import FakeConnector
from tests.support.keys import TEST_KEYS_SPEC

READY = "Ready: accepting traffic."


class Instance(BotUnderTest):
    """One running `mace-bot serve` process, driven like the in-process bot."""

    def __init__(self, url: str, session: aiohttp.ClientSession, connector: FakeConnector) -> None:
        self._url = url
        self.session = session
        self.connector = connector

    @property
    def url(self) -> str:
        return self._url

    async def settled(self) -> None:
        """Another process: its background card edits are awaited through the connector."""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def serve(database_url: str, data_dir: Path) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MACE_DATA_KEYS": TEST_KEYS_SPEC,
        "MACE_DATA_DIR": str(data_dir),
        "MACE_JOBS": "off",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "METRICS_PORT": "0",
        "LOG_FORMAT": "text",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("APP_ID", "APP_PASSWORD", "APP_TENANTID", "ALLOWED_TENANTS", "MACE_DEMO"):
        env.pop(name, None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; from bot.cli import main; sys.exit(main(['serve']))",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    seen: list[str] = []
    async with asyncio.timeout(60):
        while True:
            line = (await process.stdout.readline()).decode()
            if not line:
                raise AssertionError("the bot exited before it was ready:\n" + "".join(seen))
            seen.append(line)
            if READY in line:
                break
    return process, f"http://127.0.0.1:{port}/api/messages"


@pytest.fixture
async def two(demo_store: Store, tmp_path: Path) -> AsyncIterator[tuple[Instance, Instance, Store]]:
    if demo_store.engine.dialect.name != "postgresql":
        pytest.skip("several instances share one PostgreSQL; SQLite is one host's store")
    url = demo_store.engine.url.render_as_string(hide_password=False)
    async with AsyncExitStack() as stack:
        connector = await stack.enter_async_context(FakeConnector())
        session = await stack.enter_async_context(aiohttp.ClientSession())
        processes = []
        instances = []
        for name in ("a", "b"):
            process, endpoint = await serve(url, tmp_path / name)
            processes.append(process)
            instances.append(Instance(endpoint, session, connector))
        try:
            yield instances[0], instances[1], demo_store
        finally:
            for process in processes:
                process.terminate()
                await process.wait()


def told_to_retry(reply: tuple[int, Any]) -> bool:
    """True when the press was refused as concurrent; otherwise it must have been saved
    (the answer is the updated card)."""
    status, body = reply
    assert status == 200, reply
    if body.get("type") == "application/vnd.microsoft.card.adaptive":
        return False
    assert CONCURRENT_CHANGE in invoke_message(body), body
    return True


async def test_one_meeting_driven_through_two_instances(
    two: tuple[Instance, Instance, Store],
) -> None:
    a, b, store = two
    meeting = await start_meeting(a, to_position=2)
    # Both instances see and drive the same meeting.
    ok(await say(b, "police", "here"))
    ok(await say(a, "health", "here"))

    # Racing "next" presses from the same card: the agenda moves one step per race.
    for position in (2, 3):
        data = {**action(meeting.card(a), v.MEETING_NEXT)["data"], "position": position}
        replies = await asyncio.gather(
            press(a, "chair", v.MEETING_NEXT, data, card_id=meeting.agenda_id),
            press(b, "chair", v.MEETING_NEXT, data, card_id=meeting.agenda_id),
        )
        assert all(status == 200 for status, _ in replies)
        async with store.reading() as session:
            now_at = await session.scalar(
                select(t.Meeting.current_position).where(t.Meeting.id == meeting.id)
            )
        assert now_at == position + 1, "two presses of one card move the agenda once"

    # Minutes typed at the same moment on both instances: additions queue on the meeting's
    # row, so every one is saved at the first press. None is lost, none bounced.
    item = meeting.current_item(a)
    where = {"meetingId": meeting.id, "itemId": item}
    pending = [f"Minute {n} from instance {'ab'[n % 2]}" for n in range(12)]
    rounds = retried = 0
    while pending and rounds < 3:
        rounds += 1
        replies = await asyncio.gather(
            *(
                press(
                    a if n % 2 == 0 else b,
                    "minute_taker",
                    v.ITEM_MINUTE,
                    where,
                    {"minuteText": text},
                    card_id=meeting.agenda_id,
                )
                for n, text in enumerate(pending)
            )
        )
        pending = [
            text for text, reply in zip(pending, replies, strict=True) if told_to_retry(reply)
        ]
        retried += len(pending)
    assert not pending and retried == 0, "additions made at the same moment all succeed"
    async with store.reading() as session:
        texts = [m.text for m in await session.scalars(select(t.MinuteEntry))]
    assert sorted(texts) == sorted(f"Minute {n} from instance {'ab'[n % 2]}" for n in range(12))

    # The live card, after all that, was last drawn from the final state (an edit handed
    # to an instance's background may still be on its way: wait for it, bounded).
    await a.connector.until(lambda _: "12 minutes" in text_of(meeting.card(a)))
    async with store.reading() as session:
        version = await session.scalar(select(t.Meeting.version).where(t.Meeting.id == meeting.id))
        entries = await session.scalar(select(func.count()).select_from(t.AuditEntry))
    assert version and version > 5
    assert entries and entries > 50
    verdict = await audit.verify_store(store.engine)
    assert verdict.ok, verdict


async def test_a_resend_to_the_other_instance_is_answered_once(
    two: tuple[Instance, Instance, Store],
) -> None:
    """Teams may resend a slow turn to any instance: whichever answers first, the person
    sees one answer, for a turn that only reads as for one that writes."""
    a, b, _store = two
    for text, conversation, who in (
        ("help", "channel", "chair"),
        ("my actions", "personal", "police"),
    ):
        before = len(a.connector.posted())
        activity = message(text, conversation=conversation, user=DEMO[who])
        replies = await asyncio.gather(a.send(copy.deepcopy(activity)), b.send(activity))
        assert all(status in (200, 201) for status, _ in replies), replies
        ok(await b.send(copy.deepcopy(activity)))
        assert len(a.connector.posted()) == before + 1, a.connector.sent()[before:]


async def test_one_activity_id_in_two_chats_is_answered_by_either_instance(
    two: tuple[Instance, Instance, Store],
) -> None:
    """Teams' message ids are unique within a conversation only: the same id in two
    people's chats, one to each instance, is two turns, both answered; resent the other
    way round, neither is answered again."""
    a, b, _store = two
    asked = [
        message(
            "my actions",
            conversation="personal",
            user=DEMO[who],
            conversation_id=f"{PERSONAL_CONVERSATION_ID}-{who}",
            activity_id="1795400000789",
        )
        for who in ("police", "health")
    ]
    replies = await asyncio.gather(a.send(copy.deepcopy(asked[0])), b.send(copy.deepcopy(asked[1])))
    assert all(status in (200, 201) for status, _ in replies), replies
    chats = [activity["conversation"]["id"] for activity in asked]
    assert [len(a.connector.posted(chat)) for chat in chats] == [1, 1]
    ok(await b.send(copy.deepcopy(asked[0])))
    ok(await a.send(copy.deepcopy(asked[1])))
    assert [len(a.connector.posted(chat)) for chat in chats] == [1, 1]
