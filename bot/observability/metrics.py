"""Prometheus metrics, served on a port of their own (``METRICS_PORT``, default 9464).

Each app has its own registry (never the process-wide default), so several apps in one
test process do not clash. Labels hold kinds and outcomes only, never anything a person
typed or who they are:

- ``mace_turns_total{activity_type, outcome}``: activities posted to ``/api/messages``.
  ``outcome`` is ``ok``; ``refused`` (answered 4xx before any handler ran: not an
  activity, wrong tenant, failed authentication); or ``error`` (the turn failed, or a 5xx).
  ``activity_type`` is one the endpoint knows, or ``invalid``.
- ``mace_turn_duration_seconds{activity_type}``: how long each took to answer.
- ``mace_outbox_messages{status}``: messages waiting in the outbox (``pending``, ``retry``,
  ``sending``), read from the store at each scrape; ``mace_store_up`` is 0 when it could
  not be read.
- ``mace_chase_reminders_total``, ``mace_chase_escalations_total``: what chase runs queued.
- ``mace_outbox_sent_total`` and ``mace_outbox_delivery_failures_total{reason}``
  (``retry``, ``failed``, ``unreachable``, ``no_contact``) from each outbox drain.
- ``mace_job_runs_total{job, outcome}``: scheduled job runs (``ok`` or ``error``).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from sqlalchemy import func, select

from bot.config import SettingError
from bot.observability import context
from bot.services.chasing import ChaseReport
from bot.services.outbox import WAITING, DrainReport, OutboxStatus
from bot.store import tables as t
from bot.store.db import Store

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
#: Outbox statuses counted as not yet delivered.
QUEUED = (*WAITING, OutboxStatus.SENDING)
#: Teams gives a bot 15 seconds to answer; the buckets are finer below that.
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 15.0, 30.0)
SCRAPE_TIMEOUT = 5.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Job = Callable[[], Awaitable[object]]


class Metrics:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.turns = Counter(
            "mace_turns",
            "Activities posted to /api/messages, by type and outcome",
            ["activity_type", "outcome"],
            registry=r,
        )
        self.turn_seconds = Histogram(
            "mace_turn_duration_seconds",
            "Time to answer an activity",
            ["activity_type"],
            buckets=TURN_BUCKETS,
            registry=r,
        )
        self.outbox = Gauge(
            "mace_outbox_messages", "Outbox messages not yet delivered", ["status"], registry=r
        )
        self.store_up = Gauge(
            "mace_store_up", "1 when the store answered the last scrape, else 0", registry=r
        )
        self.reminders = Counter(
            "mace_chase_reminders", "Reminders queued by chase runs", registry=r
        )
        self.escalations = Counter(
            "mace_chase_escalations", "Escalations queued by chase runs", registry=r
        )
        self.sent = Counter("mace_outbox_sent", "Outbox messages delivered", registry=r)
        self.delivery_failures = Counter(
            "mace_outbox_delivery_failures",
            "Outbox deliveries that did not succeed, by what happened",
            ["reason"],
            registry=r,
        )
        self.job_runs = Counter(
            "mace_job_runs", "Scheduled job runs, by outcome", ["job", "outcome"], registry=r
        )
        for status in QUEUED:
            self.outbox.labels(status.value)
        for reason in ("retry", "failed", "unreachable", "no_contact"):
            self.delivery_failures.labels(reason)

    # -- turns ----------------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Count and time every POST to /api/messages."""
        if request.path != MESSAGES_PATH:
            return await handler(request)
        note = context.TurnNote()
        token = context.turn_note.set(note)
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            context.turn_note.reset(token)
            if note.failed or status >= 500:
                outcome = "error"
            elif status >= 400:
                outcome = "refused"
            else:
                outcome = "ok"
            self.turns.labels(note.activity_type, outcome).inc()
            self.turn_seconds.labels(note.activity_type).observe(time.perf_counter() - started)

    # -- jobs -----------------------------------------------------------------------------

    def observe_chase(self, report: ChaseReport) -> None:
        self.reminders.inc(report.reminders)
        self.escalations.inc(report.escalations)

    def observe_drain(self, report: DrainReport) -> None:
        self.sent.inc(report.sent)
        for reason, count in (
            ("retry", report.retried),
            ("failed", report.failed),
            ("unreachable", report.unreachable),
            ("no_contact", report.no_contact),
        ):
            if count:
                self.delivery_failures.labels(reason).inc(count)

    def jobs(self, jobs: Mapping[str, Job]) -> dict[str, Job]:
        """The same jobs, each run counted by outcome (and a chase run's report kept)."""

        def counted(name: str, job: Job) -> Job:
            async def run() -> object:
                try:
                    result = await job()
                except Exception:
                    self.job_runs.labels(name, "error").inc()
                    raise
                self.job_runs.labels(name, "ok").inc()
                if isinstance(result, ChaseReport):
                    self.observe_chase(result)
                return result

            return run

        return {name: counted(name, job) for name, job in jobs.items()}

    # -- scraping -------------------------------------------------------------------------

    async def refresh(self) -> None:
        """Read what the gauges show from the store (at every scrape)."""
        try:
            async with asyncio.timeout(SCRAPE_TIMEOUT), self.store.reading() as session:
                rows = await session.execute(
                    select(t.OutboxMessage.status, func.count())
                    .where(t.OutboxMessage.status.in_([s.value for s in QUEUED]))
                    .group_by(t.OutboxMessage.status)
                )
                counts = {str(status): int(n) for status, n in rows}
        except Exception as exc:
            log.warning("metrics: the store could not be read: %s", type(exc).__name__)
            self.store_up.set(0)
            return
        self.store_up.set(1)
        for status in QUEUED:
            self.outbox.labels(status.value).set(counts.get(status.value, 0))

    async def scrape(self, request: web.Request) -> web.Response:
        await self.refresh()
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(self.registry), headers={"Content-Type": content_type})


class MetricsServer:
    """A small aiohttp app serving ``GET /metrics`` on its own host and port."""

    def __init__(self, metrics: Metrics, host: str, port: int, *, may_move: bool = False) -> None:
        self.metrics = metrics
        self.host = host
        #: The port asked for; after ``start`` the one bound (0 asks for any free port).
        self.port = port
        #: A taken port is replaced by any free one (``Settings.metrics_port_may_move``).
        self.may_move = may_move
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self.metrics.scrape)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            moved_from = await self._listen(runner)
        except OSError as exc:
            await runner.cleanup()
            raise SettingError(
                f"METRICS_PORT: cannot listen on {self.host}:{self.port} "
                f"({os.strerror(exc.errno) if exc.errno else type(exc).__name__}); "
                "set METRICS_PORT to a free port, "
                "or 0 for no metrics"
            ) from None
        self._runner = runner
        for address in runner.addresses:
            if isinstance(address, tuple) and len(address) >= 2:
                self.port = int(address[1])
                break
        if moved_from is None:
            log.info("metrics on %s", self.url)
        else:
            log.warning(
                "metrics port %d is taken (another bot on this machine?): metrics on %s",
                moved_from,
                self.url,
            )

    async def _listen(self, runner: web.AppRunner) -> int | None:
        """Listen on the port asked for, or (``may_move``) on a free one if it is taken:
        then the port that was taken."""
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            if not (self.may_move and self.port and exc.errno == errno.EADDRINUSE):
                raise
            await web.TCPSite(runner, self.host, 0).start()
            return self.port
        return None

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"


METRICS = web.AppKey("metrics", Metrics)
METRICS_SERVER = web.AppKey("metrics_server", MetricsServer)


def serve_metrics(
    app: web.Application, host: str, port: int, *, may_move: bool = False
) -> MetricsServer:
    """Start the metrics server with ``app`` (after its own start-up: the store is checked
    first) and stop it with ``app``. ``port`` 0 picks a free port (tests); ``may_move``
    lets a taken port be replaced by a free one (a second bot on a developer's machine).
    """
    server = MetricsServer(app[METRICS], host, port, may_move=may_move)
    app[METRICS_SERVER] = server

    async def start(_app: web.Application) -> None:
        await server.start()

    async def stop(_app: web.Application) -> None:
        await server.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return server
