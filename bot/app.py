"""The composition root: builds the whole bot from settings. No module-level globals.

Tests call ``create_app`` with their own store and frozen clock (and, where they need
them, their own adapter, live cards or jobs); ``mace-bot serve`` calls it with the
settings from the environment. The services come from ``bot.services.factory`` (as the
``mace-bot`` commands' do) and the jobs from ``bot.jobs.schedule``; what is built here
is the Teams side around them: the adapter, the handler, the outbox sender and runner.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from bot.config import SettingError, Settings
from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import Clock, SystemClock
from bot.domain.page_addresses import PageAddresses
from bot.http.health import add_health_routes, expected_revisions, store_revisions
from bot.jobs.schedule import ScheduledJob, bot_jobs
from bot.jobs.scheduler import Jobs
from bot.observability.context import note_turn_failed
from bot.observability.logs import install_record_factory, request_ids
from bot.observability.metrics import METRICS, Metrics, serve_metrics
from bot.services.factory import ServiceFactory, build_store
from bot.services.outbox import (
    DrainReport,
    Messenger,
    OutboxSender,
    Renderer,
)
from bot.services.outbox_runner import OutboxRunner
from bot.services.reference_data import DEMO_DATA, load_reference_data, read_data_file
from bot.services.send_budget import send_budget_for
from bot.store.db import Store, migrate
from bot.teams.endpoint import messages_handler
from bot.teams.handler import MaceBot, on_turn_error
from bot.teams.live_cards import LiveCards
from bot.teams.proactive import BotMessenger
from bot.teams.sdk.clients import ReusingAuthentication
from bot.teams.sdk.invoke_guard import install_invoke_response_guard
from bot.teams.tokens import TokenValidator
from bot.web.routes import add_web
from dialogs.notices import NoticeRenderer
from dialogs.router import Router

log = logging.getLogger(__name__)

#: How long the store may take to answer at start before the bot gives up.
STARTUP_STORE_TIMEOUT = 15.0


@dataclass
class Components:
    settings: Settings
    store: Store
    clock: Clock
    router: Router
    adapter: CloudAdapter
    bot: MaceBot
    jobs: Jobs
    outbox: OutboxSender
    #: The sender running continuously while the process serves (started with the jobs).
    runner: OutboxRunner
    services: ServiceFactory


COMPONENTS = web.AppKey("components", Components)

#: Proactive messages the outbox sender has on their way at once: one at a time, a round
#: trip to Teams and two to the store each kept a chase run well below the rate Teams
#: allows (bench/changes.md).
OUTBOX_IN_FLIGHT = 8

#: How long a stopping process (SIGTERM) lets the messages on their way finish, and, at the
#: same time (``settle_at_stop``), the live card edits under way. Container Apps kills a
#: replica 30 s after SIGTERM by default: with the requests' SHUTDOWN_SECONDS (5 s,
#: bot.http.serving) before them, a stop's waits add up to at most 25 s, leaving 5 s for
#: the last writes (what is put back) and closing the clients.
OUTBOX_GRACE_SECONDS = 20.0
LIVE_CARDS_GRACE_SECONDS = 10.0


def build_outbox(
    settings: Settings,
    store: Store,
    clock: Clock,
    messenger: Messenger,
    renderer: Renderer,
    calendar: WorkingCalendar,
    *,
    install: Callable[[int], Awaitable[bool]] | None = None,
) -> OutboxSender:
    """The outbox sender as the bot runs it (and the benchmark measures it).

    The worker id names the host and process, plus a random part: a restarted container
    often has the same host name and process id, and must not be taken for its
    predecessor (whose rows are claimable once its heartbeat is stale)."""
    worker_id = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return OutboxSender(
        store,
        clock,
        messenger,
        renderer,
        worker_id=worker_id,
        lease_seconds=300,
        sending_hours=calendar.in_working_hours,
        install=install,
        per_second_cap=settings.outbox_rate,
        in_flight=OUTBOX_IN_FLIGHT,
        # OUTBOX_RATE is the app's, shared by every instance on PostgreSQL.
        budget=send_budget_for(store.engine, settings.outbox_rate, clock, holder=worker_id),
        # On PostgreSQL heartbeats are on the database's clock: hosts' clocks may disagree.
        database_heartbeats=True,
    )


def create_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    adapter: CloudAdapter | None = None,
    live_cards: LiveCards | None = None,
    jobs: Sequence[ScheduledJob] | None = None,
) -> web.Application:
    """The bot from settings. Tests give their own parts instead of patching the built app:
    ``store`` and ``clock``; ``adapter`` (used as given, and closed by whoever built it;
    by default the pooled, token-checking adapter below, closed at cleanup);
    ``live_cards`` (the card editors, by default paced at ``EDIT_GAP``); ``jobs`` (by
    default ``bot.jobs.schedule.bot_jobs``). Every job run is counted in the metrics."""
    install_invoke_response_guard()
    install_record_factory()
    clock = clock or SystemClock()
    store = store or build_store(settings)
    services = ServiceFactory(settings, store, clock)
    router = Router(
        services.groups,
        services.meetings,
        services.rounds,
        services.actions,
        clock,
        # Cards' download buttons open these pages, which sign in first (issue 17).
        PageAddresses(settings.base_url),
        members=services.members,
        hints=services.hints,
        register=services.register_reads,
        register_edits=services.register_edits,
        moves=services.register_moves,
        action_control=services.action_control,
        reports=services.reports,
        corrections=services.corrections,
        escalations=services.escalations,
        minutes=services.minutes_reads,
        ratings=services.ratings,
    )
    authentication: ReusingAuthentication | None = None
    if adapter is None:
        # Connector clients are pooled (bot.teams.sdk.clients): the stock adapter builds two per
        # turn. Incoming tokens are checked by bot.teams.tokens, off botbuilder's blocking
        # fetches.
        authentication = ReusingAuthentication(
            ConfigurationBotFrameworkAuthentication(settings.bot_framework_config()),
            token_validator(settings),
        )
        adapter = CloudAdapter(authentication)
        adapter.on_turn_error = _noting_failure
    bot = MaceBot(router, services.contacts, live_cards)
    installer = services.installer
    outbox = build_outbox(
        settings,
        store,
        clock,
        BotMessenger(adapter, settings.APP_ID),
        NoticeRenderer(store, clock, services.calendar),
        services.calendar,
        install=installer if installer.enabled else None,
    )
    metrics = Metrics(store)
    runner = OutboxRunner(outbox, observe=metrics.observe_drain, grace_seconds=OUTBOX_GRACE_SECONDS)
    if jobs is None:
        jobs = bot_jobs(
            # Woken after each transaction of the run too: the first digests go out
            # while the rest are queued.
            chase=_then_wake(partial(services.chase.run, queued=runner.wake), runner),
            briefs=_then_wake(services.briefs.run, runner),
            outbox=lambda: drain_until_idle(outbox, observe=metrics.observe_drain),
            retention=services.retention.run,
            members=services.membership_sync.run if services.directory.enabled else None,
        )
    scheduled = Jobs(counted(jobs, metrics))
    app = web.Application(client_max_size=1024 * 1024)
    app.middlewares.append(request_ids)
    app.middlewares.append(metrics.middleware)
    app[METRICS] = metrics
    app[COMPONENTS] = Components(
        settings, store, clock, router, adapter, bot, scheduled, outbox, runner, services
    )
    if not settings.tenant_allow_list:
        log.warning("no tenant allow-list: activities from any tenant are accepted")
    app.router.add_post("/api/messages", messages_handler(adapter, bot, settings.tenant_allow_list))
    add_health_routes(app, store)
    add_web(app, settings, store, clock, services)

    async def startup(app: web.Application) -> None:
        try:
            current = await store_revisions(store.engine, STARTUP_STORE_TIMEOUT)
        except Exception as exc:
            raise SettingError(
                f"DATABASE_URL: the database cannot be reached ({type(exc).__name__})"
            ) from None
        try:
            # A store already at this code's head (a new instance beside running ones) has
            # nothing to migrate: Alembic, about 0.1 s to import and run, is not needed.
            if current != expected_revisions():
                await migrate(store.engine)
        except Exception as exc:
            raise SettingError(
                f"DATABASE_URL: the store could not be brought up to date ({type(exc).__name__})"
            ) from None
        if settings.load_demo_data:
            await load_reference_data(store, read_data_file(DEMO_DATA), clock.now())
            # Meetings, a register and actions to explore, on a demo store still empty.
            # Imported here: its invented tables are for the demo only (a start without
            # them is quicker, issue 18).
            from bot.demo.history import seed_demo_history

            await seed_demo_history(store, clock.now())
        if settings.run_jobs:
            await runner.start()
            await scheduled.start()

    async def shutdown(app: web.Application) -> None:
        # The first moment of a stop (aiohttp runs on_shutdown at SIGTERM, before waiting
        # for the requests in flight): claim nothing more from now on.
        runner.stop_claiming()

    async def cleanup(app: web.Application) -> None:
        await scheduled.stop()
        # SIGTERM (deploy, scale-in): let what is on its way finish and record it, put the
        # rest back for another instance; card edits under way finish too. Before the
        # clients close.
        await settle_at_stop(runner, bot.live_cards.settled)
        if authentication is not None:
            await authentication.close()
        await services.close()
        await store.close()

    app.on_startup.append(startup)
    app.on_shutdown.append(shutdown)
    app.on_cleanup.append(cleanup)
    if settings.metrics_port:
        serve_metrics(
            app,
            settings.metrics_listen_host,
            settings.metrics_port,
            may_move=settings.metrics_port_may_move,
        )
    return app


def token_validator(settings: Settings) -> TokenValidator | None:
    """What checks incoming tokens; None with authentication off (no APP_ID)."""
    if not settings.auth_enabled:
        return None
    return TokenValidator(
        settings.APP_ID,
        tenant_id=settings.APP_TENANTID,
        # Single-tenant (and managed identity) bots' tokens come from their own tenant.
        single_tenant=settings.APP_TYPE.lower() in {"singletenant", "userassignedmsi"},
        channel_metadata_url=settings.bot_openid_metadata_url,
        entra_metadata_url=settings.entra_openid_metadata_url,
        ca_file=settings.openid_ca_file or None,
        total_timeout=settings.openid_timeout,
    )


async def settle_at_stop(
    runner: OutboxRunner,
    live_cards_settled: Callable[[], Awaitable[None]],
    *,
    cards_grace: float = LIVE_CARDS_GRACE_SECONDS,
) -> int:
    """A stop's two waits, side by side: the outbox runner's (the sends on their way finish
    within its grace; the rest is put back) and the live card edits under way (within
    ``cards_grace``). One after the other they would wait 30 s, which with the requests'
    5 s is more than the platform gives. Returns how many rows were put back."""

    async def cards() -> None:
        try:
            async with asyncio.timeout(cards_grace):
                await live_cards_settled()
        except TimeoutError:
            log.warning("live card edits still running at shutdown: abandoned")

    put_back, _ = await asyncio.gather(runner.stop(), cards())
    return put_back


def counted(jobs: Sequence[ScheduledJob], metrics: Metrics) -> list[ScheduledJob]:
    """The same declarations, each run counted by outcome (``Metrics.jobs``)."""
    runs = metrics.jobs({job.name: job.run for job in jobs})
    return [replace(job, run=runs[job.name]) for job in jobs]


def _then_wake(
    job: Callable[[], Awaitable[object]], runner: OutboxRunner
) -> Callable[[], Awaitable[object]]:
    """A job that queues messages, then wakes the sender so they go out at once."""

    async def run() -> object:
        try:
            return await job()
        finally:
            runner.wake()

    return run


async def drain_until_idle(
    outbox: OutboxSender,
    *,
    rounds: int = 50,
    observe: Callable[[DrainReport], None] | None = None,
) -> int:
    """One drain sends at most the per-second cap; keep draining while there is work
    that is due and Teams has not asked us to slow down. For on-demand drains (tests,
    the one-off worker); a serving process runs ``OutboxRunner`` instead."""
    sent = 0
    for _ in range(rounds):
        report = await outbox.drain()
        if observe is not None:
            observe(report)
        sent += report.sent
        if not report.claimed or report.paused_until is not None:
            break
    return sent


async def _noting_failure(turn_context: TurnContext, error: Exception) -> None:
    """The turn-error handler, with the failure noted for the turn metrics."""
    note_turn_failed()
    await on_turn_error(turn_context, error)
