"""``create_app`` takes its parts (adapter, live cards, jobs) instead of tests patching the
built app, and declares the bot's jobs from ``bot.jobs.schedule``; ``ServiceFactory`` wires each
service once. Nothing here serves, sends or starts: the app is built and looked at."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from bot.app import COMPONENTS, create_app
from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.jobs.schedule import ON_DEMAND, ScheduledJob
from bot.observability.metrics import METRICS
from bot.services.factory import ServiceFactory
from bot.store.db import Store, make_engine, sqlite_url
from bot.teams.live_cards import EDIT_GAP, LiveCards
from bot.teams.pacing import CONVERSATION_LIMITS
from tests.support.keys import keys_for_tests

SETTINGS = Settings(load_demo_data=False, run_jobs=False, metrics_port=0)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """A store never connected to: building the app opens nothing."""
    store = Store(make_engine(sqlite_url(tmp_path)), keys_for_tests())
    yield store
    await store.close()


def adapter() -> CloudAdapter:
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(Settings().bot_framework_config()))


def test_the_app_declares_the_bot_jobs(store: Store, clock: FrozenClock) -> None:
    jobs = create_app(SETTINGS, store=store, clock=clock)[COMPONENTS].jobs
    assert jobs.names == ["briefs", "chase", "outbox", "retention"], "no Graph, no members job"
    assert [j.name for j in jobs.declared if j.catch_up] == ["chase", "briefs"]
    assert sorted(j.id for j in jobs.scheduler.get_jobs()) == ["briefs", "chase", "retention"]


def test_with_graph_configured_members_are_read_every_morning(
    store: Store, clock: FrozenClock
) -> None:
    settings = replace(
        SETTINGS,
        APP_ID="00000000-0000-0000-0000-00000000b07a",
        APP_PASSWORD="not-a-real-secret",
        APP_TENANTID="00000000-0000-0000-0000-0000000007e7",
    )
    assert settings.graph_enabled
    jobs = create_app(settings, store=store, clock=clock, adapter=adapter())[COMPONENTS].jobs
    assert "members" in jobs.names
    assert "members" in {j.id for j in jobs.scheduler.get_jobs()}


async def test_given_jobs_replace_the_bot_jobs_and_are_counted(
    store: Store, clock: FrozenClock
) -> None:
    async def tidy() -> object:
        return "tidied"

    app = create_app(
        SETTINGS, store=store, clock=clock, jobs=[ScheduledJob("tidy", tidy, ON_DEMAND)]
    )
    jobs = app[COMPONENTS].jobs
    assert jobs.names == ["tidy"]
    assert await jobs.fire("tidy") == "tidied"
    runs = app[METRICS].registry.get_sample_value(
        "mace_job_runs_total", {"job": "tidy", "outcome": "ok"}
    )
    assert runs == 1


def test_twice_declared_jobs_stop_the_app_being_built(store: Store, clock: FrozenClock) -> None:
    async def tidy() -> object:
        return None

    twice = [ScheduledJob("tidy", tidy, ON_DEMAND), ScheduledJob("tidy", tidy, ON_DEMAND)]
    with pytest.raises(ValueError, match="declared more than once: tidy"):
        create_app(SETTINGS, store=store, clock=clock, jobs=twice)


def test_the_given_adapter_and_live_cards_are_the_ones_used(
    store: Store, clock: FrozenClock
) -> None:
    given, cards = adapter(), LiveCards(min_gap=0)
    parts = create_app(SETTINGS, store=store, clock=clock, adapter=given, live_cards=cards)[
        COMPONENTS
    ]
    assert parts.adapter is given
    assert parts.bot.live_cards is cards
    assert parts.outbox.messenger.inner.adapter is given  # type: ignore[attr-defined]


def test_by_default_the_app_paces_card_edits_at_the_edit_gap(
    store: Store, clock: FrozenClock
) -> None:
    parts = create_app(SETTINGS, store=store, clock=clock)[COMPONENTS]
    assert parts.bot.live_cards.min_gap == EDIT_GAP
    pacer = parts.bot.live_cards.pacer
    assert pacer is not None and pacer.limits == CONVERSATION_LIMITS, "and within Teams' limits"
    assert parts.adapter.on_turn_error is not None


def test_services_are_built_once_and_shared(store: Store, clock: FrozenClock) -> None:
    parts = create_app(SETTINGS, store=store, clock=clock)[COMPONENTS]
    services = parts.services
    assert services.exports.actions is services.actions
    assert parts.router.members is services.members
    assert parts.router.actions is services.actions
    assert services.chase.calendar is services.briefs.calendar is services.calendar


def test_a_command_builds_only_what_it_uses(
    store: Store, clock: FrozenClock, tmp_path: Path
) -> None:
    """``mace-bot chase run`` opens no Graph client and writes nothing to the data folder."""
    settings = replace(SETTINGS, data_dir=tmp_path / "data")
    services = ServiceFactory(settings, store, clock)
    assert services.chase is not None
    assert "links" not in vars(services) and "directory" not in vars(services)
    assert not (tmp_path / "data").exists()
