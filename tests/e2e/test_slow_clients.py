"""Slow and idle clients cannot pile up (a slow-loris against the real ``mace-bot serve``).

Thousands of connections on loopback, of four kinds: idle from the start, headers sent a
byte at a time, a body sent a byte at a time, and a keep-alive left idle after one answer.
With short limits set for the test, ``/healthz`` keeps answering throughout, the server
never holds more connections than its bound (its open file descriptors, read from /proc),
and every connection is closed by the server within its timeout, measured on the loop's
clock. Timeouts here are seconds; the defaults are 30 s (idle) and 10 s (body).
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from bot.http.serving import BACKLOG, LINGER_SECONDS, SPARE_DESCRIPTORS
from tests.support.serving import Served, serving

IDLE_TIMEOUT = 2.0
BODY_TIMEOUT = 2.0
#: What a busy two-core machine may add to a timeout before the close is seen.
SLACK = 2.5
#: /healthz answers within this even during a burst of connects, on a busy machine.
HEALTHZ_SECONDS = 3.0
WANTED_CLIENTS = 3000
MAX_CONNECTIONS = 1000
KINDS = ("idle", "headers", "body", "keep-alive")
OPENING = {
    "idle": b"",
    "headers": b"POST /api/messages HTTP/1.1\r\nHost: bot\r\n",
    "body": (
        b"POST /api/messages HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        b"Content-Length: 4000\r\n\r\n{"
    ),
    "keep-alive": b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n",
}


@dataclass
class Client:
    kind: str
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    opened: float
    closed: float | None = None
    received: bytearray = field(default_factory=bytearray)


def descriptors_for(clients: int) -> int:
    """Raise this process's open-file limit for the clients (the server, a child,
    inherits it and raises its own for its bound); the clients there is room for."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = clients + 300
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return min(clients, int(soft) - 300)


async def watch(client: Client, loop: asyncio.AbstractEventLoop) -> None:
    """Read until the server closes the connection; note when, on the loop's clock."""
    try:
        while chunk := await client.reader.read(4096):
            client.received += chunk
    except OSError:
        pass  # a reset is a close too
    client.closed = loop.time()


async def trickle(clients: list[Client]) -> None:
    """One byte every 0.3 s on every connection mid-headers or mid-body, as a slow-loris
    does to keep a server waiting."""
    while True:
        await asyncio.sleep(0.3)
        for client in clients:
            if client.kind in ("headers", "body") and client.closed is None:
                with contextlib.suppress(OSError, RuntimeError):
                    client.writer.write(b"X" if client.kind == "headers" else b" ")


def open_descriptors(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


async def probe_health(served: Served, latencies: list[float], stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        while not stop.is_set():
            started = loop.time()
            async with asyncio.timeout(5), session.get(served.base_url + "/healthz") as answer:
                assert answer.status == 200
            latencies.append(loop.time() - started)
            await asyncio.sleep(0.2)


@pytest.mark.skipif(sys.platform != "linux", reason="reads the server's descriptors in /proc")
@pytest.mark.xdist_group("machine_heavy")  # never beside the browser tests (Chromium)
async def test_a_slow_loris_is_bounded_and_freed_while_healthz_answers(tmp_path: Path) -> None:
    count = descriptors_for(WANTED_CLIENTS)
    if count < WANTED_CLIENTS:
        print(f"open-file limit: {count} clients instead of {WANTED_CLIENTS}")
    bound = min(MAX_CONNECTIONS, count // 3)
    loop = asyncio.get_running_loop()
    async with serving(
        tmp_path,
        METRICS_PORT="0",
        LOG_LEVEL="ERROR",
        HTTP_IDLE_TIMEOUT=str(IDLE_TIMEOUT),
        HTTP_BODY_TIMEOUT=str(BODY_TIMEOUT),
        HTTP_MAX_CONNECTIONS=str(bound),
    ) as served:
        assert served.process.returncode is None, "".join(served.output)
        pid = served.process.pid
        baseline = open_descriptors(pid)
        clients: list[Client] = []
        watchers: list[asyncio.Task[None]] = []
        latencies: list[float] = []
        stop = asyncio.Event()
        health = asyncio.create_task(probe_health(served, latencies, stop))
        slow = asyncio.create_task(trickle(clients))
        burst_peak = most_held = 0

        async def connect(kind: str) -> None:
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
            client = Client(kind, reader, writer, loop.time())
            writer.write(OPENING[kind])
            clients.append(client)
            watchers.append(asyncio.create_task(watch(client, loop)))

        for start in range(0, count, 250):
            await asyncio.gather(
                *(connect(KINDS[n % len(KINDS)]) for n in range(start, min(count, start + 250)))
            )
            burst_peak = max(burst_peak, open_descriptors(pid) - baseline)
        all_open = loop.time()
        # Once a new connection is answered, the server has taken in every earlier one
        # (it accepts in order): from here on what it holds is steady, not a burst.
        async with aiohttp.ClientSession() as session, session.get(served.base_url + "/healthz"):
            pass

        # Everything is closed by the server within its timeout (plus the linger after a
        # 408), however many were opened: wait on the watchers, bounded by that.
        deadline = max(IDLE_TIMEOUT, BODY_TIMEOUT + LINGER_SECONDS) + SLACK
        async with asyncio.timeout(deadline + (all_open - clients[0].opened)):
            pending = set(watchers)
            while pending:
                _done, pending = await asyncio.wait(pending, timeout=0.5)
                most_held = max(most_held, open_descriptors(pid) - baseline)
        stop.set()
        await health
        slow.cancel()
        for client in clients:
            client.writer.close()

    held = [c.closed - c.opened for c in clients if c.closed is not None]
    assert len(held) == count
    print(
        f"{count} clients, bound {bound}: the server held at most {most_held} descriptors "
        f"above its baseline ({burst_peak} at the peak of a burst of 250 connects); "
        f"longest held {max(held):.2f} s; /healthz {len(latencies)} probes, slowest "
        f"{max(latencies) * 1000:.0f} ms"
    )
    assert max(held) <= deadline, sorted(held)[-5:]
    assert most_held <= bound + SPARE_DESCRIPTORS
    # In the instant of a burst, connections accepted together are counted only once
    # their handlers start, and evicted ones close a moment later: at most one backlog.
    assert burst_peak <= bound + BACKLOG + SPARE_DESCRIPTORS
    assert latencies and max(latencies) < HEALTHZ_SECONDS, latencies
    # A slow body is answered 408 when its time is up, or 503 straight away when every
    # connection held was busy with a request (none idle to close for it), or closed
    # unanswered when it was the oldest idle one before its headers had arrived.
    answers = {kind: {bytes(c.received[:12]) for c in clients if c.kind == kind} for kind in KINDS}
    assert b"HTTP/1.1 408" in answers["body"]
    assert answers["body"] <= {b"HTTP/1.1 408", b"HTTP/1.1 503", b""}
    assert b"HTTP/1.1 200" in answers["keep-alive"]
    assert answers["keep-alive"] <= {b"HTTP/1.1 200", b"HTTP/1.1 503", b""}
    for kind in ("idle", "headers"):
        assert answers[kind] <= {b"", b"HTTP/1.1 503"}, answers[kind]


#: A body announced, and its first byte, after the server says it is ready for it (which
#: it does once the request's headers are in and its handler has started).
WAITING_BODY = (
    b"POST /api/messages HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
    b"Content-Length: 4000\r\nExpect: 100-continue\r\n\r\n"
)


async def test_trickled_bodies_at_the_bound_leave_room_for_healthz(tmp_path: Path) -> None:
    """As many connections as the bound, each trickling a request body (renewable before
    its ``HTTP_BODY_TIMEOUT`` ends): none is running a handler, so the health probe's
    connection closes the one receiving its body longest and is answered 200, not 503."""
    bound = 40
    async with serving(
        tmp_path,
        METRICS_PORT="0",
        LOG_LEVEL="WARNING",
        HTTP_BODY_TIMEOUT="60",
        HTTP_MAX_CONNECTIONS=str(bound),
    ) as served:
        assert served.process.returncode is None, "".join(served.output)
        loop = asyncio.get_running_loop()
        clients: list[Client] = []
        for _ in range(bound):
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
            writer.write(WAITING_BODY)
            # The server has the headers and is reading the body: it asks for it.
            assert await reader.readuntil(b"\r\n\r\n") == b"HTTP/1.1 100 Continue\r\n\r\n"
            writer.write(b"{")
            clients.append(Client("body", reader, writer, loop.time()))
        watchers = [asyncio.create_task(watch(client, loop)) for client in clients]
        slow = asyncio.create_task(trickle(clients))
        try:
            connector = aiohttp.TCPConnector(force_close=True)
            async with (
                aiohttp.ClientSession(connector=connector) as session,
                asyncio.timeout(HEALTHZ_SECONDS),
                session.get(served.base_url + "/healthz") as answer,
            ):
                assert answer.status == 200
            # The one closed for it was the first to start its body; the rest still wait.
            async with asyncio.timeout(HEALTHZ_SECONDS):
                await watchers[0]
            assert clients[0].received == b"", "closed unanswered: no one read its request"
            assert all(client.closed is None for client in clients[1:])
        finally:
            slow.cancel()
            for watcher in watchers:
                watcher.cancel()
            for client in clients:
                client.writer.close()
        assert not served.said("Error handling request"), "".join(served.output)
