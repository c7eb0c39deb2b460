"""A bot process killed in the middle of a chase run, then restarted: every reminder is
delivered exactly once (real processes, a real SIGKILL-like exit, the real adapter)."""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.store import tables as t
from bot.store.db import Store
from tests.services.test_chase_run import at_london, seed_actions
from tests.support.fake_connector import FakeConnector

REPO = Path(__file__).resolve().parents[2]
OWNERS = ["Priya Shah", "Dana Reeves", "Chris Lowe", "Jo Marsh", "Morgan Bell"]


async def give_contacts(store: Store, service_url: str) -> None:
    async with store.transaction() as session:
        for member in await session.scalars(select(t.Member).where(t.Member.name.in_(OWNERS))):
            session.add(
                t.MemberContact(
                    member_id=member.id,
                    teams_user_id=f"user-{member.id}",
                    tenant_id="tenant",
                    service_url=service_url,
                    bot_id="bot",
                    conversation_id=f"a:chat-{member.id}",
                    seen_at=at_london(date(2026, 11, 20)),
                )
            )


async def worker(url: str, now: str, die_before: int = 0) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.chase_worker",
        "--url",
        url,
        "--now",
        now,
        "--die-before-send",
        str(die_before),
        cwd=REPO,
    )
    return await process.wait()


def store_url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


async def test_a_killed_chase_run_delivers_every_reminder_once(demo_store: Store) -> None:
    async with FakeConnector() as fake:
        for owner in OWNERS:
            await seed_actions(demo_store, owner, [date(2026, 12, 3), date(2026, 12, 4)])
        await give_contacts(demo_store, fake.url)
        url = store_url(demo_store)
        now = at_london(date(2026, 12, 3), 10)

        assert await worker(url, now.isoformat(), die_before=3) == 137
        assert len(fake.posted()) == 2, "killed after two of five digests went out"

        # Restarted after the dead process's lease has expired.
        later = now + timedelta(minutes=10)
        assert await worker(url, later.isoformat()) == 0
        # And once more, as a second restart or another process would.
        assert await worker(url, (later + timedelta(minutes=1)).isoformat()) == 0

        per_conversation = sorted(p.conversation_id for p in fake.posted())
        assert len(per_conversation) == len(OWNERS), per_conversation
        assert len(set(per_conversation)) == len(OWNERS), "nobody got a digest twice"
        async with demo_store.reading() as session:
            statuses = list(await session.scalars(select(t.OutboxMessage.status)))
        assert statuses == ["sent"] * len(OWNERS)
