"""A bot process for the kill-and-restart test: runs the chase job and drains the outbox
against a store file, with a frozen clock, sending through the real CloudAdapter.

``--die-before-send N`` ends the process abruptly (``os._exit``, no clean-up, as a kill
would) when it is about to make its N-th send, i.e. after N-1 messages went out.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import datetime
from typing import Any

from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.app import drain_until_idle
from bot.config import Settings
from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import FrozenClock
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--die-before-send", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.now, args.die_before_send))
