"""``mace-bot chase run`` and ``mace-bot outbox status`` against real stores (SQLite and
PostgreSQL), through the command line's own parser and dispatch."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import _parser, main
from bot.cli_outbox import run
from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.services.outbox import OutboxSender
from bot.store import tables as t
from bot.store.db import Store
from tests.conftest import point_the_cli_at
from tests.e2e.test_killed_chase import OWNERS, give_contacts
from tests.services.test_chase_run import at_london, seed_actions
from tests.support.keys import TEST_KEYS_SPEC

#: A Thursday morning: each owner has actions due today, so each gets one digest.
TODAY = at_london(date(2026, 12, 3), 10)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, demo_store: Store) -> Settings:
    for name in ("APP_ID", "APP_PASSWORD", "HOST", "PORT", "MACE_DEMO"):
        monkeypatch.delenv(name, raising=False)
    point_the_cli_at(monkeypatch, demo_store, tmp_path / "cli-data")
    monkeypatch.setenv("MACE_DATA_KEYS", TEST_KEYS_SPEC)
    return Settings.from_env()


def args(*argv: str) -> argparse.Namespace:
    return _parser().parse_args(list(argv))


async def outbox_rows(store: Store) -> int:
    async with store.reading() as session:
        return int(await session.scalar(select(func.count(t.OutboxMessage.id))) or 0)


async def seed(store: Store) -> None:
    for owner in OWNERS:
        await seed_actions(store, owner, [TODAY.date(), TODAY.date() + timedelta(days=1)])
    await give_contacts(store, "https://smba.example/amer/")


async def test_chase_run_queues_today_once(
    env: Settings, demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(demo_store)
    clock = FrozenClock(TODAY)

    assert await asyncio.to_thread(run, env, args("chase", "run"), clock=clock) == 0
    first = capsys.readouterr().out
    assert f"Queued {len(OWNERS)} digest(s)" in first
    assert await outbox_rows(demo_store) == len(OWNERS)

    # A second run the same day (an operator's, or the 07:30 job's) queues nothing new.
    clock.advance(hours=2)
    assert await asyncio.to_thread(run, env, args("chase", "run"), clock=clock) == 0
    assert "Nothing new to queue" in capsys.readouterr().out
    assert await outbox_rows(demo_store) == len(OWNERS)
    assert "Action due" not in first, "no action text on the operator's screen"


async def test_outbox_status_counts_by_kind_and_state(
    env: Settings, demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(demo_store)
    clock = FrozenClock(TODAY)
    assert await asyncio.to_thread(run, env, args("chase", "run"), clock=clock) == 0
    capsys.readouterr()
    # One sender alive and holding two digests.
    sender = OutboxSender(
        demo_store,
        clock,
        messenger=None,  # type: ignore[arg-type]
        renderer=None,  # type: ignore[arg-type]
        worker_id="host-a:1:abcd",
    )
    await sender.heartbeat()
    assert len(await sender.claim(2)) == 2

    clock.advance(minutes=7)
    assert await asyncio.to_thread(run, env, args("outbox", "status"), clock=clock) == 0
    out = capsys.readouterr().out
    header, digest = out.splitlines()[:2]
    assert header.split() == [
        "kind",
        "pending",
        "retry",
        "sending",
        "sent",
        "failed",
        "dropped",
        "unreachable",
        "no_contact",
    ]
    assert digest.split() == ["digest", str(len(OWNERS) - 2), "0", "2", "0", "0", "0", "0", "0"]
    assert "Oldest message not yet sent: waiting 7 min" in out
    assert "Senders: 0 running (heartbeat within 15 s), 1 stale." in out
    for owner in OWNERS:
        assert owner not in out


def test_outbox_status_is_a_command(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outbox", "status"]) == 0
    out = capsys.readouterr().out
    assert "The outbox is empty." in out and "Nothing waiting to be sent." in out
