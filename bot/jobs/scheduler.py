"""The bot's own clockwork: APScheduler (3.x) inside the bot process.

The jobs, each a thin call into a service that keeps its state in the store:
- ``chase`` plans reminders and escalations (working days, 07:30 Europe/London);
- ``briefs`` queues pre-meeting briefs (working days, 07:45);
- ``outbox`` drains the outbox once, on demand only (``fire``): it is not on the clock. A
  serving process sends continuously instead (``bot.services.outbox_runner.OutboxRunner``,
  started and stopped with the jobs in bot/app.py), woken when a job has queued messages;
  a 20-second tick sent at most one second's worth of messages per tick.
- ``retention`` deletes what has outlived its retention period, except what a legal
  hold keeps (every day, 02:30; bot.domain.retention has the rules).
- ``members`` reads each linked team's or chat's members from Microsoft Graph: adds
  missing partner roles, reports who is in none (every day, 06:45; only with Graph
  configured, bot.services.membership_sync).

Jobs carry names, never objects: what a run must remember lives in ``reminders_sent``
and ``outbox``, so a restart loses nothing. The schedule itself is code, rebuilt at
start; runs missed while the bot was down are caught up by the next run (the chase rules
catch up by design) and one catch-up run is made at start. Tests do not wait for the
clock: they call ``fire(name)`` with a frozen clock.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.domain.calendar import LONDON

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class Jobs:
    def __init__(self, jobs: Mapping[str, Job]) -> None:
        self._jobs = dict(jobs)
        self.scheduler = AsyncIOScheduler(timezone=LONDON)
        triggers = {
            "chase": CronTrigger(day_of_week="mon-fri", hour=7, minute=30, timezone=LONDON),
            "briefs": CronTrigger(day_of_week="mon-fri", hour=7, minute=45, timezone=LONDON),
            "retention": CronTrigger(hour=2, minute=30, timezone=LONDON),
            "members": CronTrigger(hour=6, minute=45, timezone=LONDON),
        }
        for name, trigger in triggers.items():
            if name in self._jobs:
                self.scheduler.add_job(
                    self.fire,
                    trigger,
                    args=[name],
                    id=name,
                    name=name,
                    coalesce=True,
                    max_instances=1,
                    misfire_grace_time=3600,
                    replace_existing=True,
                )

    @property
    def names(self) -> list[str]:
        return sorted(self._jobs)

    async def fire(self, name: str) -> object:
        """Run one job now. A failure is logged by kind and retried at its next time."""
        try:
            return await self._jobs[name]()
        except Exception as exc:
            log.error("job %s failed: %s", name, type(exc).__name__)
            return None

    async def start(self) -> None:
        self.scheduler.start()
        for name in ("chase", "briefs"):
            if name in self._jobs:
                await self.fire(name)  # catch up on anything missed while down

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
