"""Running the outbox sender (bot.services.outbox) for as long as a process serves.

``run_sender`` is the loop: drain, then wait until the next row falls due, something is
queued or a moment passes. ``OutboxRunner`` is that loop as ``mace-bot serve`` runs it
(and the benchmark measures it), with a heartbeat so others take over within seconds
what a dead process held, and a graceful stop that sends nothing twice. Kept apart from
the sender so the sender stays a thing driven by a frozen clock in tests, and this the
only place that waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.services.outbox import DrainReport, OutboxSender

log = logging.getLogger(__name__)


async def run_sender(
    sender: OutboxSender,
    stop: asyncio.Event,
    *,
    wake: asyncio.Event | None = None,
    limit: int = 100,
    idle_seconds: float = 5.0,
    error_seconds: float = 10.0,
    observe: Callable[[DrainReport], None] | None = None,
) -> None:
    """Drain until ``stop`` is set: at once again while rows keep coming, otherwise when the
    next row falls due, ``wake`` is set (something was just queued) or ``idle_seconds``
    pass. A failed drain (the database is down) is logged by kind and tried again later.
    Each drain follows the queue (``OutboxSender.drain(follow=True)``): it goes on while
    rows are due, paced by the send budget, and waits for the budget's tokens itself. The
    rest of the waiting lives here, not in the sender, so tests drive the sender's single
    drains with a frozen clock.
    """
    while not stop.is_set():
        wait = idle_seconds
        try:
            report = await sender.drain(limit, follow=True)
        except Exception as exc:
            log.error("outbox drain failed: %s", type(exc).__name__)
            wait = error_seconds
        else:
            if observe is not None:
                observe(report)
            if report.claimed >= limit and not report.lost:
                wait = 0.0
            else:
                hint = report.paused_until or report.next_due_at
                if hint is not None:
                    seconds = (hint - sender.clock.now()).total_seconds()
                    wait = min(idle_seconds, max(seconds, 0.05))
        if wait <= 0:
            await asyncio.sleep(0)
            continue
        waiters = [asyncio.ensure_future(stop.wait())]
        if wake is not None:
            waiters.append(asyncio.ensure_future(wake.wait()))
        try:
            await asyncio.wait(waiters, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if wake is not None:
            wake.clear()


class OutboxRunner:
    """The sender as ``mace-bot serve`` runs it, from start-up to shutdown: ``run_sender``
    in the background, woken when something is queued, and a heartbeat every
    ``heartbeat_seconds`` so that, if this process dies, others take what it held within
    seconds (``dead_after``) rather than after the lease.

    ``stop`` is the graceful end (SIGTERM: a deploy or a scale-in): claim nothing more, let
    the messages on their way finish within ``grace_seconds`` and record their outcome,
    put back everything held and unsent, then drop the heartbeat. The benchmark
    (bench/chase.py) measures this same runner.

    The heartbeat goes on while the messages on their way finish: it stops only once the
    sending task has ended (or been cut off at the end of the grace), just before
    ``retire``. Were it to stop with the claiming, another instance would take this one for
    dead ``dead_after`` seconds later and send again what is still on its way. So no
    relation between ``grace_seconds`` and ``dead_after`` needs to hold: a send is never
    taken over while this process beats, however long its grace; what must hold is a
    heartbeat well inside ``dead_after`` (checked here) and a lease longer than any one
    send (the sender's ``lease_seconds``).
    """

    def __init__(
        self,
        sender: OutboxSender,
        *,
        observe: Callable[[DrainReport], None] | None = None,
        heartbeat_seconds: float = 3.0,
        idle_seconds: float = 2.0,
        grace_seconds: float = 20.0,
    ) -> None:
        if heartbeat_seconds * 3 > sender.leases.dead_after.total_seconds():
            raise ValueError("heartbeat_seconds must be at most a third of dead_after")
        self.sender = sender
        self.observe = observe
        self.heartbeat_seconds = heartbeat_seconds
        self.idle_seconds = idle_seconds
        self.grace_seconds = grace_seconds
        self._stop = asyncio.Event()
        #: Set once the sending task has ended: only then may the heartbeat stop.
        self._stop_beating = asyncio.Event()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self) -> None:
        """Something was queued: drain now rather than at the next idle check (a drain
        under way claims it at once)."""
        self._wake.set()
        self.sender.wake()

    @property
    def running(self) -> bool:
        return bool(self._tasks) and not self._stop.is_set()

    async def start(self) -> None:
        try:
            await self.sender.heartbeat()
        except (SQLAlchemyError, OSError) as exc:  # the beats go on trying
            log.error("outbox heartbeat failed at start: %s", type(exc).__name__)
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(
                run_sender(
                    self.sender,
                    self._stop,
                    wake=self._wake,
                    idle_seconds=self.idle_seconds,
                    observe=self.observe,
                ),
                name="outbox-sender",
            ),
            loop.create_task(self._beat(), name="outbox-heartbeat"),
        ]

    async def _beat(self) -> None:
        while not self._stop_beating.is_set():
            try:
                async with asyncio.timeout(self.heartbeat_seconds):
                    await self._stop_beating.wait()
                return
            except TimeoutError:
                pass
            try:
                await self.sender.heartbeat()
            except (SQLAlchemyError, OSError) as exc:
                log.error("outbox heartbeat failed: %s", type(exc).__name__)

    def stop_claiming(self) -> None:
        """The first moment of a stop (aiohttp's ``on_shutdown``, at SIGTERM, before the
        requests in flight are waited for): claim nothing more and start no further send.
        ``stop`` follows."""
        self.sender.stop_claiming()

    async def stop(self) -> int:
        """Stop gracefully (see the class docstring); returns how many rows were put back."""
        if not self._tasks:
            return 0
        self.stop_claiming()
        self._stop.set()
        sending, beating = self._tasks
        try:
            async with asyncio.timeout(self.grace_seconds):
                await asyncio.shield(sending)
        except TimeoutError:
            log.error(
                "outbox: %d send(s) still on their way after %.0f s: abandoned",
                len(self.sender.in_flight_ids),
                self.grace_seconds,
            )
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
        # Nothing is on its way any more (sent and recorded, or cut off): the heartbeat may
        # stop. Before ``retire``, so that no late beat brings back the row it deletes.
        self._stop_beating.set()
        await asyncio.gather(beating, return_exceptions=True)
        self._tasks = []
        # Put back by the drain as it saw the stop, and by ``retire`` after it.
        return self.sender.put_back_at_stop + await self.sender.retire()
