"""A catch-all aiohttp server on 127.0.0.1 and a free port: the base of every fake that
stands in for a service outside the machine (Bot Connector, Graph, the token endpoint)."""

from __future__ import annotations

import socket
import ssl
from types import TracebackType
from typing import Protocol, Self

from aiohttp import web


class ServerTls(Protocol):
    def server_context(self) -> ssl.SSLContext: ...


class LoopbackServer:
    """Serves ``_handle`` for every path, optionally over TLS. Idempotent start/stop;
    use as ``async with``. Subclasses implement ``_handle`` and may reshape ``url``."""

    def __init__(self, *, tls: ServerTls | None = None) -> None:
        self._tls = tls
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    async def start(self) -> None:
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        context = self._tls.server_context() if self._tls else None
        await web.SockSite(runner, sock, ssl_context=context).start()
        self._runner = runner

    async def stop(self) -> None:
        """Stop serving; what a fake recorded stays readable for assertions."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self._port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError
