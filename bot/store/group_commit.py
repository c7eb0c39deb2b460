"""Writes that many turns make at once, written together: one write for everything that
arrives while the previous one is on its way (a group commit).

Each caller still waits for its own item to be written (or for the write's error), so
nothing goes on as if saved that was not; what it saves is the statements, commits and
round trips of writing each item alone, which on a busy event loop each wait their turn.
Used for views' audit entries (``audit.ViewLog``), answers' claims
(``claims.AnswerClaims``) and the minutes and decisions recorded in one meeting at the same
moment (``bot.services.entry_batches``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Items queued by ``submit`` and written by ``write`` in batches, in arrival order.

    ``write`` gets a batch and returns one result per item, in the same order; if it
    raises, every item of that batch gets the error and the next batch is tried afresh.
    """

    def __init__(self, write: Callable[[list[Item]], Awaitable[Sequence[Result]]]) -> None:
        self._write = write
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Result] = loop.create_future()
        self._queue.append((item, done))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._drain())
        # Shielded: a caller that gives up (its request cancelled) does not cancel the
        # write the others in its batch are waiting for.
        return await asyncio.shield(done)

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue, []
            try:
                results = await self._write([item for item, _ in batch])
            except BaseException as exc:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
            else:
                for (_, done), result in zip(batch, results, strict=True):
                    if not done.done():
                        done.set_result(result)

    @property
    def queued(self) -> int:
        """Items waiting for the next batch (the one on its way not counted)."""
        return len(self._queue)

    @property
    def idle(self) -> bool:
        """Nothing queued and no write on its way: safe to drop, if it is kept per key."""
        return not self._queue and (self._writer is None or self._writer.done())

    async def close(self) -> None:
        """Wait for the write on its way, if any."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
