"""A bot process for the kill-and-restart tests, against a store given by URL.

Two ways to run:

* default: runs the chase job and drains the outbox once, with a frozen clock, sending
  through the real CloudAdapter. ``--die-before-send N`` ends the process abruptly
  (``os._exit``, no clean-up, as a kill would) when it is about to make its N-th send,
  i.e. after N-1 messages went out.
* ``--serve PORT``: the bot exactly as ``mace-bot serve`` runs it (``create_app`` with the
  jobs on, under ``bot.http.serving.run_app`` as ``serve`` runs it, so SIGTERM is
  aiohttp's graceful exit), except for the
  clock: it starts at ``--now`` and moves with real time, so a test can put it on a
  working morning whatever the hour. The chase job runs at start (the catch-up run) and
  the outbox sender runs from start to shutdown. Prints ``Ready: accepting traffic.`` once
  listening, as ``serve`` does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.app import create_app, drain_until_idle
from bot.config import Settings
from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import FrozenClock
from bot.http import serving
from bot.services.chasing import ChaseService
from bot.services.outbox import OutboxSender, Recipient, SendResult
from bot.store.db import Store, make_engine
from bot.teams.proactive import BotMessenger
from dialogs.notices import NoticeRenderer
from tests.support.keys import keys_for_tests


class DyingMessenger:
    def __init__(self, inner: BotMessenger, die_before: int) -> None:
        self.inner = inner
        self.die_before = die_before
        self.sends = 0

    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        self.sends += 1
        if self.die_before and self.sends == self.die_before:
            os._exit(137)
        return await self.inner.send(to, card)


class MovingClock:
    """Real time, starting at ``start``."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.began = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


async def main(url: str, now: str, die_before: int) -> None:
    clock = FrozenClock(datetime.fromisoformat(now))
    calendar = WorkingCalendar()
    store = Store(make_engine(url), keys_for_tests())
    adapter = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(Settings().bot_framework_config())
    )
    sender = OutboxSender(
        store,
        clock,
        DyingMessenger(BotMessenger(adapter, ""), die_before),
        NoticeRenderer(store, clock, calendar),
        worker_id=f"worker-{os.getpid()}",
        per_recipient_spacing=0,
    )
    await ChaseService(store, clock, calendar).run()
    await drain_until_idle(sender)
    await store.close()


def serve(url: str, now: str, port: int, data_dir: Path) -> None:
    settings = replace(
        Settings(),
        database_url=url,
        data_dir=data_dir,
        host="127.0.0.1",
        port=port,
        run_jobs=True,
        metrics_port=0,
    )
    store = Store(make_engine(url), keys_for_tests())
    app = create_app(settings, store=store, clock=MovingClock(datetime.fromisoformat(now)))
    serving.run_app(
        app,
        host=settings.host,
        port=port,
        limits=serving.Limits(
            idle_timeout=settings.http_idle_timeout,
            body_timeout=settings.http_body_timeout,
            max_connections=settings.http_max_connections,
        ),
        ready=lambda: print("Ready: accepting traffic.", flush=True),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--die-before-send", type=int, default=0)
    parser.add_argument("--serve", type=int, default=0, metavar="PORT")
    parser.add_argument("--data-dir", type=Path, default=Path("data"))
    args = parser.parse_args()
    if args.serve:
        serve(args.url, args.now, args.serve, args.data_dir)
    else:
        asyncio.run(main(args.url, args.now, args.die_before_send))
