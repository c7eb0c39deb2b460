"""The composition root: builds the whole bot from settings. No module-level globals.

Tests call ``create_app`` with their own store and frozen clock; ``mace-bot serve`` calls
it with the settings from the environment.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from bot.config import SettingError, Settings
from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import Clock, SystemClock
from bot.graph.client import build_directory
from bot.http.downloads import downloads_handler
from bot.http.health import add_health_routes, store_revisions
from bot.jobs.scheduler import Jobs
from bot.observability.context import note_turn_failed
from bot.observability.logs import install_record_factory, request_ids
from bot.observability.metrics import METRICS, Metrics, serve_metrics
from bot.services.actions import ActionService
from bot.services.briefs import BriefService
from bot.services.chasing import ChaseService
from bot.services.contacts import ContactService
from bot.services.context import ActorRef
from bot.services.directory import AppInstaller
from bot.services.exports import ExportService
from bot.services.groups import GroupService
from bot.services.links import LinkSigner, load_link_key
from bot.services.meeting_hints import MeetingHintService
from bot.services.meetings import MeetingService
from bot.services.members import MemberAdmin
from bot.services.membership_sync import MembershipSync
from bot.services.outbox import DrainReport, OutboxSender
from bot.services.reference_data import DEMO_DATA, load_reference_data, read_data_file
from bot.services.retention import RetentionService
from bot.services.rounds import RoundService
from bot.store.crypto import load_key_ring
from bot.store.db import Store, make_engine, migrate, sqlite_url
from bot.teams.clients import ReusingAuthentication
from bot.teams.endpoint import messages_handler
from bot.teams.guard import install_invoke_response_guard
from bot.teams.handler import MaceBot, on_turn_error
from bot.teams.proactive import BotMessenger
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


COMPONENTS = web.AppKey("components", Components)

#: Proactive messages the outbox sender has on their way at once: one at a time, a round
#: trip to Teams and two to the store each kept a chase run well below the rate Teams
#: allows (bench/changes.md).
OUTBOX_IN_FLIGHT = 8


def build_store(settings: Settings) -> Store:
    url = settings.database_url or sqlite_url(settings.data_dir)
    return Store(make_engine(url), load_key_ring(settings.data_keys, settings.data_dir))


def create_app(
    settings: Settings, *, store: Store | None = None, clock: Clock | None = None
) -> web.Application:
    install_invoke_response_guard()
    install_record_factory()
    clock = clock or SystemClock()
    calendar = WorkingCalendar()
    store = store or build_store(settings)
    directory = build_directory(settings)  # Graph, or NullDirectory when not configured
    installer = AppInstaller(store, directory, settings.teams_app_id)
    actions = ActionService(store, clock, settings.key_agencies, calendar.working_days_between)
    exports = ExportService(store, clock, actions, settings.key_agencies)
    signer = LinkSigner(load_link_key(settings.data_dir, settings.link_secret), clock)

    def link_for(actor: ActorRef, kind: str, params: dict[str, object]) -> str:
        token = signer.sign(
            aad_object_id=actor.aad_object_id or "",
            teams_user_id=actor.teams_user_id,
            kind=kind,
            params=params,
        )
        return f"{settings.base_url}/downloads/{token}"

    router = Router(
        GroupService(store, clock),
        MeetingService(store, clock, settings.key_agencies),
        RoundService(store, clock, settings.key_agencies),
        actions,
        clock,
        link_for,
        members=MemberAdmin(store, clock, directory=directory),
        hints=MeetingHintService(store, clock, settings.key_agencies),
    )
    # Connector clients are pooled (bot.teams.clients): the stock adapter builds two per turn.
    authentication = ReusingAuthentication(
        ConfigurationBotFrameworkAuthentication(settings.bot_framework_config())
    )
    adapter = CloudAdapter(authentication)
    adapter.on_turn_error = _noting_failure
    bot = MaceBot(router, ContactService(store, clock))
    outbox = OutboxSender(
        store,
        clock,
        BotMessenger(adapter, settings.APP_ID),
        NoticeRenderer(store, clock, calendar),
        worker_id=f"{socket.gethostname()[:60]}:{os.getpid()}",
        lease_seconds=300,
        sending_hours=calendar.in_working_hours,
        install=installer if installer.enabled else None,
        per_second_cap=settings.outbox_rate,
        in_flight=OUTBOX_IN_FLIGHT,
    )
    metrics = Metrics(store)
    jobs = Jobs(
        metrics.jobs(
            {
                "chase": ChaseService(store, clock, calendar).run,
                "briefs": BriefService(store, clock, calendar).run,
                "outbox": lambda: drain_until_idle(outbox, observe=metrics.observe_drain),
                "retention": RetentionService(store, clock, settings.retention).run,
                **(
                    {
                        "members": MembershipSync(
                            store, directory, clock, team_ids=dict(settings.graph_team_ids)
                        ).run
                    }
                    if directory.enabled
                    else {}
                ),
            }
        )
    )
    app = web.Application(client_max_size=1024 * 1024)
    app.middlewares.append(request_ids)
    app.middlewares.append(metrics.middleware)
    app[METRICS] = metrics
    app[COMPONENTS] = Components(settings, store, clock, router, adapter, bot, jobs, outbox)
    if not settings.tenant_allow_list:
        log.warning("no tenant allow-list: activities from any tenant are accepted")
    app.router.add_post("/api/messages", messages_handler(adapter, bot, settings.tenant_allow_list))
    add_health_routes(app, store)
    app.router.add_get("/downloads/{token}", downloads_handler(signer, exports))

    async def startup(app: web.Application) -> None:
        try:
            await store_revisions(store.engine, STARTUP_STORE_TIMEOUT)
        except Exception as exc:
            raise SettingError(
                f"DATABASE_URL: the database cannot be reached ({type(exc).__name__})"
            ) from None
        try:
            await migrate(store.engine)
        except Exception as exc:
            raise SettingError(
                f"DATABASE_URL: the store could not be brought up to date ({type(exc).__name__})"
            ) from None
        if settings.load_demo_data:
            await load_reference_data(store, read_data_file(DEMO_DATA), clock.now())
        if settings.run_jobs:
            await jobs.start()

    async def cleanup(app: web.Application) -> None:
        await jobs.stop()
        try:  # card edits still under way in the background finish before the clients close
            async with asyncio.timeout(10):
                await bot.live_cards.settled()
        except TimeoutError:
            log.warning("live card edits still running at shutdown: abandoned")
        await authentication.close()
        await directory.close()
        await store.close()

    app.on_startup.append(startup)
    app.on_cleanup.append(cleanup)
    if settings.metrics_port:
        serve_metrics(
            app,
            settings.metrics_listen_host,
            settings.metrics_port,
            may_move=settings.metrics_port_may_move,
        )
    return app


async def drain_until_idle(
    outbox: OutboxSender,
    *,
    rounds: int = 50,
    observe: Callable[[DrainReport], None] | None = None,
) -> int:
    """One drain sends at most the per-second cap; keep draining while there is work
    that is due and Teams has not asked us to slow down."""
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
