"""Prometheus metrics on their own port: turns by type and outcome, turn latency, the
outbox's depth read at each scrape, and what chasing and delivery did. No label carries
anything about a person or a record."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import COMPONENTS, create_app
from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.observability.metrics import METRICS_SERVER
from bot.store.db import Store
from tests.e2e.harness import BotUnderTest, running_bot
from tests.e2e.scenario import ok, say
from tests.e2e.test_between_meetings import agree_actions
from tests.services.test_chase_run import at_london
from tests.support.activities import invoke_action, message

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
    secret = "test-only-link-secret-0123456789"
    off = create_app(Settings(metrics_port=0, link_secret=secret), store=demo_store)
    assert METRICS_SERVER not in off
    on = create_app(
        Settings(host="127.0.0.1", metrics_port=9464, link_secret=secret), store=demo_store
    )
    assert on[METRICS_SERVER].url == "http://127.0.0.1:9464/metrics"
    elsewhere = create_app(
        Settings(metrics_port=9500, metrics_host="10.0.0.5", link_secret=secret),
        store=demo_store,
    )
    assert elsewhere[METRICS_SERVER].url == "http://10.0.0.5:9500/metrics"
    assert Settings.from_env({}).metrics_port == 9464
    assert Settings.from_env({"METRICS_PORT": "0"}).metrics_port == 0
