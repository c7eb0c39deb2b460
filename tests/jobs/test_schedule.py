"""The job declarations (bot.jobs.schedule) and the scheduler that runs them
(bot.jobs.scheduler): times, days and catch-up rules read off the declarations, without
a store, a clock or a network."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.calendar import LONDON
from bot.jobs.schedule import (
    ON_DEMAND,
    Daily,
    Job,
    OnDemand,
    ScheduledJob,
    bot_jobs,
)
from bot.jobs.scheduler import MISFIRE_GRACE_SECONDS, Jobs


def job(result: object = None) -> Job:
    async def run() -> object:
        return result

    return run


def declared(*, members: bool = True) -> dict[str, ScheduledJob]:
    jobs = bot_jobs(
        chase=job("chase"),
        briefs=job("briefs"),
        outbox=job("outbox"),
        retention=job("retention"),
        members=job("members") if members else None,
    )
    return {j.name: j for j in jobs}


def next_runs(when: Daily, after: datetime, count: int) -> list[datetime]:
    """The next ``count`` times the trigger fires after ``after``, in London time."""
    trigger = when.trigger()
    runs: list[datetime] = []
    previous = None
    now = after
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        runs.append(fire.astimezone(LONDON))
        previous, now = fire, fire + timedelta(seconds=1)
    return runs


def london(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


# A Friday in November (GMT), after the morning jobs have run.
FRIDAY = date(2026, 11, 20)


def test_the_bot_declares_its_five_jobs_in_catch_up_order() -> None:
    assert list(declared()) == ["chase", "briefs", "outbox", "retention", "members"]
    assert [j.name for j in declared().values() if j.catch_up] == ["chase", "briefs"]


def test_without_graph_there_is_no_members_job() -> None:
    assert list(declared(members=False)) == ["chase", "briefs", "outbox", "retention"]


@pytest.mark.parametrize(("name", "at"), [("chase", time(7, 30)), ("briefs", time(7, 45))])
def test_chase_and_briefs_run_on_working_mornings_only(name: str, at: time) -> None:
    when = declared()[name].when
    assert when == Daily(at, "mon-fri")
    assert isinstance(when, Daily)
    runs = next_runs(when, london(FRIDAY, time(8, 0)), 6)
    assert [r.date().isoformat() for r in runs] == [
        "2026-11-23",  # Monday: the weekend is skipped
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
        "2026-11-30",
    ]
    assert {r.time() for r in runs} == {at}


@pytest.mark.parametrize(("name", "at"), [("retention", time(2, 30)), ("members", time(6, 45))])
def test_retention_and_members_run_every_day(name: str, at: time) -> None:
    when = declared()[name].when
    assert when == Daily(at)
    assert isinstance(when, Daily)
    runs = next_runs(when, london(FRIDAY, time(8, 0)), 3)
    assert [(r.date(), r.time()) for r in runs] == [
        (date(2026, 11, 21), at),  # Saturday too
        (date(2026, 11, 22), at),
        (date(2026, 11, 23), at),
    ]


def test_times_are_london_times_across_the_clock_change() -> None:
    """07:30 in London is 07:30 UTC in winter and 06:30 UTC in summer."""
    when = declared()["chase"].when
    assert isinstance(when, Daily)
    [winter] = next_runs(when, london(FRIDAY, time(8, 0)), 1)
    [summer] = next_runs(when, london(date(2026, 7, 3), time(8, 0)), 1)
    assert winter.astimezone(UTC).time() == time(7, 30)
    assert summer.astimezone(UTC).time() == time(6, 30)


def test_the_outbox_is_on_demand_only() -> None:
    outbox = declared()["outbox"]
    assert outbox.when is ON_DEMAND and not outbox.catch_up


def test_a_job_without_its_callable_or_schedule_cannot_be_declared() -> None:
    with pytest.raises(TypeError):
        ScheduledJob("chase", None, ON_DEMAND)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ScheduledJob("chase", job(), "07:30")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ScheduledJob("chase", job())  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="a job needs a name"):
        ScheduledJob("", job(), ON_DEMAND)
    with pytest.raises(ValueError, match="nothing to catch up"):
        ScheduledJob("outbox", job(), OnDemand(), catch_up=True)


def test_a_name_declared_twice_is_refused() -> None:
    twice = [
        ScheduledJob("chase", job(), Daily(time(7, 30), "mon-fri")),
        ScheduledJob("briefs", job(), ON_DEMAND),
        ScheduledJob("chase", job(), ON_DEMAND),
    ]
    with pytest.raises(ValueError, match="declared more than once: chase"):
        Jobs(twice)


def test_the_scheduler_holds_every_clock_job_with_the_same_settings() -> None:
    jobs = Jobs(list(declared().values()))
    assert jobs.names == ["briefs", "chase", "members", "outbox", "retention"]
    scheduled = {j.id: j for j in jobs.scheduler.get_jobs()}
    assert list(scheduled) == ["chase", "briefs", "retention", "members"], "outbox is not"
    for name, entry in scheduled.items():
        assert entry.name == name and entry.args == (name,)
        assert entry.coalesce is True
        assert entry.max_instances == 1
        assert entry.misfire_grace_time == MISFIRE_GRACE_SECONDS == 3600
        assert str(entry.trigger) == str(declared()[name].when.trigger())  # type: ignore[union-attr]
        assert entry.trigger.timezone == LONDON


async def test_start_catches_up_in_declaration_order_and_fire_runs_any_job() -> None:
    ran: list[str] = []

    def recording(name: str) -> Job:
        async def run() -> object:
            ran.append(name)
            return name

        return run

    jobs = Jobs(
        [
            ScheduledJob("chase", recording("chase"), Daily(time(7, 30)), catch_up=True),
            ScheduledJob("outbox", recording("outbox"), ON_DEMAND),
            ScheduledJob("briefs", recording("briefs"), Daily(time(7, 45)), catch_up=True),
            ScheduledJob("retention", recording("retention"), Daily(time(2, 30))),
        ]
    )
    await jobs.start()
    try:
        assert ran == ["chase", "briefs"]
        assert await jobs.fire("outbox") == "outbox"
    finally:
        await jobs.stop()


async def test_a_failing_job_is_logged_by_kind_and_returns_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def failing() -> object:
        raise RuntimeError("with a secret in it")

    jobs = Jobs([ScheduledJob("retention", failing, ON_DEMAND)])
    with caplog.at_level(logging.ERROR, logger="bot.jobs.scheduler"):
        assert await jobs.fire("retention") is None
        assert await jobs.fire("no such job") is None
    assert "job retention failed: RuntimeError" in caplog.text
    assert "secret" not in caplog.text
