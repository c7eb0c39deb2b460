"""``mace-bot serve``'s HTTP server: aiohttp's, with limits on what a client may hold.

aiohttp's ``run_app`` keeps a connection that sends nothing for 75 seconds, a request body
that trickles in for as long as the client likes, and any number of connections. A few
thousand slow or idle clients (a slow-loris) would then hold the process's file
descriptors and memory. Here:

- **idle and header time** (``HTTP_IDLE_TIMEOUT``): a connection that has not completed a
  request's headers within this time of opening, or of its last answer, is closed.
  aiohttp's keep-alive timer starts when the connection opens and is not extended by
  bytes that do not complete a request, so one timer covers both (trickled headers too).
- **body time** (``HTTP_BODY_TIMEOUT``): a request body not fully received this long
  after its headers is answered 408 and the connection closed (``body_deadline``).
- **connections held** (``HTTP_MAX_CONNECTIONS``): a new connection beyond the bound
  closes the oldest idle one (waiting for a request, or mid-headers), else the one
  longest still receiving a request body; only if every connection is running a handler
  past its body is the new one answered 503 and closed. So a flood of idle connections,
  or of bodies trickled in (each renewed as its ``HTTP_BODY_TIMEOUT`` ends), cannot keep
  a real caller, or the health probe, out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from aiohttp.web_protocol import RequestHandler

from bot.teams.endpoint import MAX_BODY_BYTES

log = logging.getLogger(__name__)

#: How long an answer given before its body was read (408, 413) waits for the rest of
#: the body, so the client reads the answer rather than a reset; aiohttp's default is 10 s.
LINGER_SECONDS = 1.0
#: Connections waiting to be accepted (aiohttp's default, 128, drops a burst's SYNs).
BACKLOG = 1024
#: File descriptors kept beside the connections: the store's pool, logs, the metrics port.
SPARE_DESCRIPTORS = 128
#: Asked of a process being stopped: requests in flight get this long to finish, before the
#: app's clean-up, whose longest wait is 20 s (bot.app: the outbox sends on their way, with
#: the live card edits' 10 s at the same time). Its waits add up to at most 25 s, inside
#: the 30 s a platform such as Container Apps waits after SIGTERM, with 5 s left for the
#: last writes and closing the clients; aiohttp's default is 60.
SHUTDOWN_SECONDS = 5.0

#: How long a handler handed out for a new connection counts before it starts.
STARTING = 2.0

BUSY = b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"


@dataclass(frozen=True, slots=True)
class Limits:
    idle_timeout: float
    body_timeout: float
    max_connections: int


class Receiving:
    """The connections whose request body is still arriving, longest first:
    ``body_deadline`` notes them, and ``ConnectionBound`` may close them for a new
    connection. Nothing has run for such a request yet, so closing it loses no work (a
    real sender resends), and a client trickling bodies holds nothing the health probe
    needs."""

    def __init__(self) -> None:
        self._since: dict[RequestHandler, None] = {}  # insertion order: longest first

    def add(self, handler: RequestHandler) -> None:
        self._since[handler] = None

    def discard(self, handler: RequestHandler) -> None:
        self._since.pop(handler, None)

    def __contains__(self, handler: object) -> bool:
        return handler in self._since

    def longest(self) -> RequestHandler | None:
        """The connection receiving its body for the longest, still open."""
        return next((h for h in self._since if h.transport is not None), None)


def body_deadline(timeout: float, max_body: int, receiving: Receiving | None = None) -> Middleware:
    """Read a request's body within ``timeout`` of its headers, else answer 408.

    The body is read here (aiohttp keeps it, so the handler's ``read`` returns at once).
    A body declared larger than ``max_body`` is left to the handler to refuse unread.
    While the body arrives, its connection is in ``receiving``."""

    @web.middleware
    async def deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
        declared = request.content_length
        if request.body_exists and (declared is None or declared <= max_body):
            connection = request.protocol
            if receiving is not None:
                receiving.add(connection)
            try:
                async with asyncio.timeout(timeout):
                    await request.read()
            except TimeoutError:
                log.warning("request body not received within %.0f s: 408", timeout)
                return _closing(408, "the request body did not arrive in time")
            except OSError:
                # The connection closed mid-body (by the client, or for a new connection
                # when the bound was reached): no one is left to answer.
                return _closing(400, "the request body was cut off")
            finally:
                if receiving is not None:
                    receiving.discard(connection)
        return await handler(request)

    return deadline


def _closing(status: int, error: str) -> web.Response:
    response = web.json_response({"error": error}, status=status)
    response.force_close()
    return response


def _idle(handler: RequestHandler) -> bool:
    """Waiting for a request (none started, or headers still arriving): aiohttp's handler
    then awaits its ``_waiter``; while it handles a request it has none."""
    waiter = getattr(handler, "_waiter", None)
    return waiter is not None and not waiter.done()


class _Busy(asyncio.Protocol):
    """Answers 503 and closes: every held connection is busy with a request."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(BUSY)
        transport.close()


class ConnectionBound:
    """The protocol factory given to the listening socket: aiohttp's handler for each
    connection while fewer than ``limit`` are open; beyond that it closes the oldest
    idle connection (aiohttp's server lists them in the order they opened), else the one
    longest receiving a request body (``receiving``). Idle ones go first: closing one
    costs its client a reconnect, closing one mid-body costs a request (resent).

    asyncio accepts a burst of connections together and starts their handlers a moment
    later, so handlers handed out but not yet started count too (for at most
    ``STARTING_SECONDS``, in case a connection fails before it starts)."""

    def __init__(self, server: web.Server, limit: int, receiving: Receiving | None = None) -> None:
        self.server = server
        self.limit = limit
        self.receiving = receiving or Receiving()
        self._starting: list[tuple[RequestHandler, float]] = []
        self._warned_at: float | None = None

    def __call__(self) -> asyncio.BaseProtocol:
        now = asyncio.get_running_loop().time()
        self._starting = [
            (h, at) for h, at in self._starting if h.transport is None and now - at < STARTING
        ]
        held = self.server.connections
        if len(held) + len(self._starting) >= self.limit:
            # A connection closed here leaves the list only when its close completes.
            open_now = [h for h in held if h.transport is not None]
            if len(open_now) + len(self._starting) >= self.limit:
                self._warn(now)
                evicted = next((h for h in open_now if _idle(h)), None)
                if evicted is None:
                    evicted = self.receiving.longest()
                if evicted is None:
                    return _Busy()
                evicted.force_close()
        handler = self.server()
        self._starting.append((handler, now))
        return handler

    def _warn(self, now: float) -> None:
        """Say so when the bound is reached, at most once a minute (a flood would
        otherwise flood the log too)."""
        if self._warned_at is None or now - self._warned_at >= 60:
            self._warned_at = now
            log.warning(
                "%d connections held (HTTP_MAX_CONNECTIONS): closing the oldest idle one, "
                "or the longest receiving a body, for each new one",
                self.limit,
            )


class BoundedSite(web.TCPSite):
    """aiohttp's TCP site, listening through a ``ConnectionBound``."""

    def __init__(
        self,
        runner: web.AppRunner,
        host: str,
        port: int,
        limit: int,
        receiving: Receiving | None = None,
    ) -> None:
        super().__init__(runner, host, port, backlog=BACKLOG)
        self.limit = limit
        self.receiving = receiving

    async def start(self) -> None:
        await web.BaseSite.start(self)  # registers the site with its runner
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            ConnectionBound(server, self.limit, self.receiving),
            self._host,
            self._port,
            backlog=self._backlog,
        )


def _enough_descriptors(connections: int) -> None:
    """Raise the soft limit on open files (up to the hard one) to hold the connections;
    a process started with 1,024 would otherwise fail to accept long before the bound."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
        if raised < wanted:
            log.warning(
                "open-file limit %d is below HTTP_MAX_CONNECTIONS + %d; lower "
                "HTTP_MAX_CONNECTIONS or raise the limit",
                raised,
                SPARE_DESCRIPTORS,
            )


async def _serve(
    app: web.Application, host: str, port: int, limits: Limits, ready: Callable[[], None]
) -> None:
    receiving = Receiving()
    app.middlewares.insert(0, body_deadline(limits.body_timeout, MAX_BODY_BYTES, receiving))
    runner = web.AppRunner(
        app,
        access_log=None,
        handle_signals=True,
        shutdown_timeout=SHUTDOWN_SECONDS,
        keepalive_timeout=limits.idle_timeout,
        lingering_time=LINGER_SECONDS,
    )
    await runner.setup()
    try:
        await BoundedSite(runner, host, port, limits.max_connections, receiving).start()
        ready()
        await asyncio.Event().wait()  # until SIGINT or SIGTERM (web.GracefulExit)
    finally:
        await runner.cleanup()


def _ignore_further_stop_signals(loop: asyncio.AbstractEventLoop) -> None:
    """Replace aiohttp's handlers (which raise ``GracefulExit``) with one that logs."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(sig, log.warning, "already stopping: %s ignored", sig.name)


def run_app(
    app: web.Application, *, host: str, port: int, limits: Limits, ready: Callable[[], None]
) -> None:
    """Serve ``app`` until SIGINT or SIGTERM, as ``web.run_app`` does, within ``limits``.
    ``ready`` is called once the port is bound. Errors in start-up (a port taken, a
    setting refused by a start-up hook) are raised to the caller.

    A stop signal ends the serving task alone first, so the app's clean-up (the outbox
    sender finishing what is on its way and putting the rest back) runs while its
    background tasks are still alive; only then is whatever remains cancelled. Cancelling
    every task at once, as ``asyncio.run`` does, would cut sends short with their outcome
    unknown (tests/e2e/test_delivery_faults.py).

    From the first stop signal on, further SIGTERMs and SIGINTs are logged and ignored: a
    second one (an impatient supervisor) would otherwise raise ``GracefulExit`` again in
    the middle of the clean-up and cut it short. The platform's SIGKILL after its grace
    period still ends the process."""
    _enough_descriptors(limits.max_connections)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    main = loop.create_task(_serve(app, host, port, limits, ready))
    stopping = False
    try:
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        stopping = True
        _ignore_further_stop_signals(loop)
    finally:
        try:
            main.cancel()
            with contextlib.suppress(asyncio.CancelledError, web.GracefulExit):
                loop.run_until_complete(main)  # its ``finally``: the runner's clean-up
        finally:
            if stopping:  # the runner's clean-up gave the signals back to their defaults
                _ignore_further_stop_signals(loop)
            rest = [task for task in asyncio.all_tasks(loop) if not task.done()]
            for task in rest:
                task.cancel()
            if rest:
                loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            asyncio.set_event_loop(None)
            loop.close()
