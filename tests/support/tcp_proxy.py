"""A loopback TCP proxy that can black-hole a connection path: the database is still
"there" (connections open, bytes accepted) but nothing moves, as when a network path or a
failover leaves packets unanswered. What is sent meanwhile is held, not lost, and is
delivered, in order, when the path resumes: as TCP retransmission would deliver it. A
side that closed during the black hole is closed on the other side only after what it
sent before closing has been delivered."""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Self


class BlackHoleProxy:
    """Forwards 127.0.0.1:<port> to ``upstream_host:upstream_port`` until ``black_hole()``;
    ``resume()`` delivers what was held and forwards again."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0
        #: Connections accepted so far (a client that reconnects shows here).
        self.accepted = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._flowing.set()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

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

    def black_hole(self) -> None:
        """From now on nothing moves in either direction (bytes are held)."""
        self._flowing.clear()

    def resume(self) -> None:
        """Deliver what was held, in order, and forward again."""
        self._flowing.set()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self._writers.add(up_writer)
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.get_running_loop().create_task(self._pump(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Read as it comes (held while black-holed); write only while flowing."""
        chunks: asyncio.Queue[bytes] = asyncio.Queue()

        async def read() -> None:
            try:
                while data := await source.read(65536):
                    chunks.put_nowait(data)
            except OSError:
                pass
            chunks.put_nowait(b"")  # end of stream, delivered after what came before

        reading = asyncio.get_running_loop().create_task(read())
        try:
            while True:
                data = await chunks.get()
                await self._flowing.wait()
                if not data:
                    break
                sink.write(data)
                await sink.drain()
        except OSError:
            pass
        finally:
            reading.cancel()
            with contextlib.suppress(OSError, RuntimeError):
                if sink.can_write_eof():
                    sink.write_eof()
                sink.close()
