"""The bot's jobs, each declared once: its name, when it runs, what it calls and whether a
run is made at start to catch up. ``bot.jobs.scheduler.Jobs`` runs what is declared here.

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

A job and its schedule are one declaration (as python-telegram-bot's
``JobQueue.run_daily(callback, time, days=...)``): before, the triggers and the callables
were two dicts joined by name, and a misspelt name silently dropped a job. Here a job
without its callable or its schedule cannot be written, and ``bot_jobs`` takes each
callable by keyword, so a misspelling is a type error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time

from apscheduler.triggers.cron import CronTrigger

from bot.domain.calendar import LONDON

Job = Callable[[], Awaitable[object]]

#: APScheduler's spelling of the working week (bank holidays are the services' business:
#: the chase rules and the briefs skip them themselves).
WORKING_DAYS = "mon-fri"


@dataclass(frozen=True)
class Daily:
    """Once a day at ``at``, Europe/London time (so 07:30 stays 07:30 across the clock
    change), on ``days`` (APScheduler's ``day_of_week``; every day when None)."""

    at: time
    days: str | None = None

    def trigger(self) -> CronTrigger:
        days = {} if self.days is None else {"day_of_week": self.days}
        return CronTrigger(**days, hour=self.at.hour, minute=self.at.minute, timezone=LONDON)


@dataclass(frozen=True)
class OnDemand:
    """Not on the clock: run only by ``Jobs.fire`` (tests, the one-off worker)."""


ON_DEMAND = OnDemand()

When = Daily | OnDemand


@dataclass(frozen=True)
class ScheduledJob:
    """One job: what it is called (in logs, metrics and ``fire``), what it runs, when, and
    whether a run is made at start to catch up on what was missed while the bot was down."""

    name: str
    run: Job
    when: When
    catch_up: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a job needs a name")
        if not callable(self.run):
            raise TypeError(f"job {self.name}: run must be callable")
        if not isinstance(self.when, Daily | OnDemand):
            raise TypeError(f"job {self.name}: when must be Daily(...) or ON_DEMAND")
        if self.catch_up and isinstance(self.when, OnDemand):
            raise ValueError(f"job {self.name}: an on-demand job has nothing to catch up")


def bot_jobs(
    *, chase: Job, briefs: Job, outbox: Job, retention: Job, members: Job | None
) -> list[ScheduledJob]:
    """The bot's schedule (see the module's docstring). ``members`` is None without Graph
    configured: the job is then not declared at all. Catch-up runs are made in this order."""
    jobs = [
        ScheduledJob("chase", chase, Daily(time(7, 30), WORKING_DAYS), catch_up=True),
        ScheduledJob("briefs", briefs, Daily(time(7, 45), WORKING_DAYS), catch_up=True),
        # Not on the clock: the runner sends continuously. Fired on demand (tests).
        ScheduledJob("outbox", outbox, ON_DEMAND),
        ScheduledJob("retention", retention, Daily(time(2, 30))),
    ]
    if members is not None:
        jobs.append(ScheduledJob("members", members, Daily(time(6, 45))))
    return jobs
