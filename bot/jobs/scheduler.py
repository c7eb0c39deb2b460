"""The bot's own clockwork: APScheduler (3.x) inside the bot process, running the jobs
declared in ``bot.jobs.schedule`` (each job's name, time, callable and catch-up rule).

Jobs carry names, never objects: what a run must remember lives in ``reminders_sent``
and ``outbox``, so a restart loses nothing. The schedule itself is code, rebuilt at
start; runs missed while the bot was down are caught up by the next run (the chase rules
catch up by design) and one catch-up run is made at start. Tests do not wait for the
clock: they call ``fire(name)`` with a frozen clock.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.calendar import LONDON
from bot.jobs.schedule import Daily, ScheduledJob

log = logging.getLogger(__name__)

#: A run the scheduler missed (the event loop busy, the process paused) still runs if it
#: is at most this late; later, the next run catches up (and start makes one).
MISFIRE_GRACE_SECONDS = 3600


class Jobs:
    """The declared jobs on the clock. A name declared twice is refused here, when the
    app is built, rather than one declaration silently replacing the other."""

    def __init__(self, jobs: Sequence[ScheduledJob]) -> None:
        twice = sorted(name for name, n in Counter(job.name for job in jobs).items() if n > 1)
        if twice:
            raise ValueError(f"jobs declared more than once: {', '.join(twice)}")
        self._declared = list(jobs)
        self._jobs = {job.name: job.run for job in jobs}
        self.scheduler = AsyncIOScheduler(timezone=LONDON)
        for job in jobs:
            if isinstance(job.when, Daily):
                self.scheduler.add_job(
                    self.fire,
                    job.when.trigger(),
                    args=[job.name],
                    id=job.name,
                    name=job.name,
                    # Runs piled up while late are one run; never two of a job at once.
                    coalesce=True,
                    max_instances=1,
                    misfire_grace_time=MISFIRE_GRACE_SECONDS,
                    replace_existing=True,
                )

    @property
    def names(self) -> list[str]:
        return sorted(self._jobs)

    @property
    def declared(self) -> list[ScheduledJob]:
        """The declarations, in the order given (catch-up runs are made in this order)."""
        return list(self._declared)

    async def fire(self, name: str) -> object:
        """Run one job now. A failure is logged by kind and retried at its next time."""
        try:
            return await self._jobs[name]()
        except Exception as exc:
            log.error("job %s failed: %s", name, type(exc).__name__)
            return None

    async def start(self) -> None:
        self.scheduler.start()
        for job in self._declared:
            if job.catch_up:
                await self.fire(job.name)  # catch up on anything missed while down

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
