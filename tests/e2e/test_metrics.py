"""Prometheus metrics on their own port: turns by type and outcome, turn latency, the
outbox's depth read at each scrape, and what chasing and delivery did. No label carries
anything about a person or a record."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.app import COMPONENTS, create_app
from bot.config import SettingError, Settings
from bot.domain.clock import FrozenClock
from bot.observability.metrics import METRICS_SERVER
from bot.store.db import Store
from tests.e2e.harness import BotUnderTest, running_bot
from tests.e2e.scenario import ok, say
from tests.e2e.test_between_meetings import agree_actions
from tests.services.test_chase_run import at_london
from tests.support.activities import invoke_action, message
from tests.support.serving import serving, start

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def bot(demo_store: Store, clock: FrozenClock) -> AsyncIterator[BotUnderTest]:
    async with running_bot(demo_store, clock, metrics=True) as running:
        yield running


async def scrape(bot: BotUnderTest) -> Samples:
    async with bot.session.get(bot.metrics_url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        body = await response.text()
    samples: Samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_turns_are_counted_by_type_and_outcome_and_timed(bot: BotUnderTest) -> None:
    before = await scrape(bot)
    ok(await bot.send(message("help")))
    ok(await bot.send(message("help")))
    ok(await bot.send(invoke_action("help.show", {})))
    status, _ = await bot.post_raw(b"not json")
    assert status == 400
    status, _ = await bot.send({"type": "message"})  # no conversation, no sender
    assert status == 400
    bot.connector.fail_next(500, times=20, method="POST")
    await bot.send(message("help"))  # the reply cannot be sent: the turn fails
    bot.connector.reset()
    after = await scrape(bot)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    turns = "mace_turns_total"
    assert moved(turns, activity_type="message", outcome="ok") == 2
    assert moved(turns, activity_type="invoke", outcome="ok") == 1
    assert moved(turns, activity_type="invalid", outcome="refused") == 2
    assert moved(turns, activity_type="message", outcome="error") == 1
    assert moved("mace_turn_duration_seconds_count", activity_type="message") == 3
    assert moved("mace_turn_duration_seconds_sum", activity_type="message") > 0
    # The outbox gauge is there at every scrape, read from the store.
    for status in ("pending", "retry", "sending"):
        assert ("mace_outbox_messages", (("status", status),)) in after
    assert value(after, "mace_store_up") == 1
    # Labels carry kinds and outcomes, never text or ids.
    labels = {v for _name, pairs in after for _k, v in pairs}
    assert "help" not in labels and not any("user-id" in label for label in labels)


async def test_chasing_and_delivery_are_counted(bot: BotUnderTest, clock: FrozenClock) -> None:
    await agree_actions(
        bot, [{"description": "Visit at school.", "owner": "Priya Shah", "due": "2026-12-03"}]
    )
    ok(await say(bot, "police", "here"))
    jobs = bot.server.app[COMPONENTS].jobs
    clock.set(at_london(date(2026, 11, 30), 7))
    await jobs.fire("chase")
    queued = await scrape(bot)
    assert value(queued, "mace_chase_reminders_total") == 1
    assert value(queued, "mace_outbox_messages", status="pending") == 1
    assert value(queued, "mace_job_runs_total", job="chase", outcome="ok") == 1

    clock.set(at_london(date(2026, 11, 30), 9))
    bot.connector.fail_next(503, method="POST")
    await jobs.fire("outbox")
    retried = await scrape(bot)
    assert value(retried, "mace_outbox_delivery_failures_total", reason="retry") == 1
    assert value(retried, "mace_outbox_messages", status="retry") == 1

    clock.set(at_london(date(2026, 11, 30), 12))
    await jobs.fire("outbox")
    sent = await scrape(bot)
    assert value(sent, "mace_outbox_sent_total") == 1
    assert value(sent, "mace_outbox_messages", status="retry") == 0
    assert value(sent, "mace_outbox_messages", status="pending") == 0


async def test_two_apps_in_one_process_keep_their_own_counts(
    demo_store: Store, clock: FrozenClock
) -> None:
    """Each app has its own registry and its own port: no clash over metric names."""
    async with (
        running_bot(demo_store, clock, metrics=True) as first,
        running_bot(demo_store, clock, metrics=True) as second,
    ):
        assert first.metrics_url != second.metrics_url
        ok(await first.send(message("help")))
        turns = {"activity_type": "message", "outcome": "ok"}
        assert value(await scrape(first), "mace_turns_total", **turns) == 1
        assert value(await scrape(second), "mace_turns_total", **turns) == 0


async def test_the_metrics_port_follows_the_settings(demo_store: Store) -> None:
    off = create_app(Settings(metrics_port=0), store=demo_store)
    assert METRICS_SERVER not in off
    on = create_app(Settings(host="127.0.0.1", metrics_port=9464), store=demo_store)
    assert on[METRICS_SERVER].url == "http://127.0.0.1:9464/metrics"
    elsewhere = create_app(
        Settings(metrics_port=9500, metrics_host="10.0.0.5"),
        store=demo_store,
    )
    assert elsewhere[METRICS_SERVER].url == "http://10.0.0.5:9500/metrics"
    assert Settings.from_env({}).metrics_port == 9464
    assert Settings.from_env({"METRICS_PORT": "0"}).metrics_port == 0


# -- a second bot on the same machine ----------------------------------------------------

APP_ID = "11111111-2222-3333-4444-555555555555"


def test_only_a_local_default_metrics_port_may_move() -> None:
    assert Settings.from_env({}).metrics_port_may_move
    assert not Settings.from_env({"METRICS_PORT": "9464"}).metrics_port_may_move
    assert not Settings.from_env({"APP_ID": APP_ID}).metrics_port_may_move
    assert not Settings.from_env({"METRICS_HOST": "10.0.0.5"}).metrics_port_may_move


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program is listening on."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield int(held.getsockname()[1])


async def test_a_taken_default_metrics_port_moves_to_a_free_one_locally(
    demo_store: Store, taken_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(host="127.0.0.1", metrics_port=taken_port)
    app = create_app(replace(settings, run_jobs=False), store=demo_store)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        server = app[METRICS_SERVER]
        assert server.port not in (0, taken_port)
        async with aiohttp.ClientSession() as session, session.get(server.url) as response:
            assert response.status == 200
        said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert (
            f"metrics port {taken_port} is taken (another bot on this machine?): metrics on "
            f"{server.url}"
        ) in said
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    "settings",
    [
        Settings(host="127.0.0.1", metrics_port_explicit=True),
        Settings(
            host="127.0.0.1",
            APP_ID=APP_ID,
            APP_PASSWORD="test-only-password",
            APP_TENANTID=APP_ID,
        ),
    ],
    ids=["METRICS_PORT given", "production"],
)
async def test_a_taken_metrics_port_stops_the_start_when_given_or_in_production(
    demo_store: Store, taken_port: int, settings: Settings
) -> None:
    settings = replace(settings, metrics_port=taken_port, run_jobs=False)
    runner = web.AppRunner(create_app(settings, store=demo_store))
    with pytest.raises(SettingError) as refused:
        await runner.setup()
    await runner.cleanup()
    assert str(refused.value).startswith(
        f"METRICS_PORT: cannot listen on 127.0.0.1:{taken_port} (Address already in use)"
    )


METRICS_AT = re.compile(r"metrics on (http://127\.0\.0\.1:\d+/metrics)")


async def test_two_bots_on_one_machine_both_start_each_with_its_metrics(
    tmp_path: Path,
) -> None:
    """Two real ``mace-bot serve`` processes with METRICS_PORT left at its default (9464):
    the second (or both, if something else holds 9464) serves metrics on a free port and
    logs where."""
    async with (
        serving(tmp_path / "first") as first,
        serving(tmp_path / "second") as second,
        aiohttp.ClientSession() as session,
    ):
        urls = []
        for served in (first, second):
            assert served.process.returncode is None, "".join(served.output)
            found = [m.group(1) for line in served.output if (m := METRICS_AT.search(line))]
            assert len(found) == 1, served.output
            urls.append(found[0])
            async with session.get(found[0]) as response:
                assert response.status == 200
                assert "mace_turns_total" in await response.text()
        assert urls[0] != urls[1]
        assert second.said("metrics port 9464 is taken"), second.output


async def test_a_given_metrics_port_that_is_taken_stops_the_start_with_one_line(
    tmp_path: Path, taken_port: int
) -> None:
    served = await start(tmp_path, METRICS_PORT=str(taken_port))
    assert served.process.returncode == 2
    assert served.output[-1].startswith(
        f"Cannot start: METRICS_PORT: cannot listen on 127.0.0.1:{taken_port} "
    ), served.output
