"""Keeping a live card (the agenda, a round) current with as few edits as it needs.

Every change to a meeting redraws its card for everyone (``update_activity``). When twenty
people record at the same moment, each turn used to send its own card and then recheck,
redrawing and resending while the others' changes kept landing: up to four agenda cards
drawn per minute recorded, most of them overtaken before they arrived. Here one turn at
a time (per card, in this process) is the card's editor. A turn that finds the card being
edited only marks it changed and answers at once; the editor, after each edit, rechecks
and sends the newest state once more for everyone who marked it. The editor's own turn
does at most ``rechecks`` of those before it answers; if changes are still arriving, a
background task carries on until the card is current. Across processes each editor's
recheck (by meeting version, or by comparing the round card) still catches changes made
elsewhere.

The card a person clicked is always answered with their own freshly drawn card; only the
edit everyone else sees is shared.

Edits are also paced: Teams accepts about seven messages a second, and eight in two
seconds, into one conversation, and an edit counts as one. At most one edit of a card goes
out every ``min_gap`` seconds; a card drawn sooner waits for the gap, and if a newer one is
drawn meanwhile only the newer is sent. Waiting turns are still answered from each draw, so
pacing delays what others see by a fraction of a second, never the person who clicked. A
paced edit that fails is logged by kind; the next change edits again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from dialogs.outcome import Card

log = logging.getLogger(__name__)

Send = Callable[[Card], Awaitable[None]]
Recheck = Callable[[], Awaitable[Card | None]]

#: Rechecks an editing turn makes itself before handing the rest to a background task.
RECHECKS = 3
#: Seconds between two edits of one card: four a second at most, inside Teams' limits for
#: one conversation (7 in 1 s, 8 in 2 s) with room for the messages a meeting also posts.
EDIT_GAP = 0.25


class LiveCards:
    """The editors of live cards in this process (see the module's docstring)."""

    def __init__(self, rechecks: int = RECHECKS, min_gap: float = 0.0) -> None:
        self.rechecks = rechecks
        self.min_gap = min_gap
        #: Card key -> loop time its last edit went out (pacing), and the newest card
        #: waiting for its gap to pass with the sender to send it.
        self._sent_at: dict[str, float] = {}
        self._due: dict[str, tuple[Card, Send]] = {}
        #: Card key -> whether it changed since its editor last looked. A key is present
        #: exactly while some turn or task is the card's editor.
        self._changed: dict[str, bool] = {}
        #: Card key -> turns waiting for the first card drawn after their change.
        self._waiting: dict[str, list[asyncio.Future[Card | None]]] = {}
        #: Card key -> the card last sent, while it is being edited.
        self._last: dict[str, Card] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def editing(self, key: str) -> bool:
        return key in self._changed

    async def edit(
        self,
        key: str,
        card: Card | None,
        send: Send,
        recheck: Recheck | None,
        *,
        answer: bool = False,
    ) -> Card | None:
        """Show ``card`` (drawn from committed state; None: let the editor draw it) to
        everyone, or leave it to the card's current editor.

        With ``answer``, returns the card everyone was shown that includes this turn's
        change, to answer the person who clicked with: their own card if this turn is the
        editor, else the one the editor draws next (so a turn that arrives while the card
        is being edited draws nothing itself). Raises if the edit that would have shown
        this turn's change failed, so the person can be told their change is saved but
        the card is not refreshed."""
        send = self._paced(key, send)
        if recheck is None:  # nothing to redraw with: no one can edit on our behalf
            if card is not None:
                await send(card)
            return card
        if key in self._changed:
            self._changed[key] = True
            if not answer:
                return None
            shown = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(key, []).append(shown)
            return await asyncio.shield(shown)
        self._changed[key] = False
        try:
            if card is None:
                card = await recheck()
            if card is not None:
                await send(card)
                self._last[key] = card
            for _ in range(self.rechecks):
                if not await self._once(key, send, recheck):
                    return card
        except BaseException:
            self._hand_on(key, send, recheck)
            raise
        self._hand_on(key, send, recheck)
        return card

    def _paced(self, key: str, send: Send) -> Send:
        """``send``, at most once every ``min_gap`` seconds for this card (see the module's
        docstring). Within the gap the card waits, replacing any card already waiting."""
        if self.min_gap <= 0:
            return send

        async def paced(card: Card) -> None:
            loop = asyncio.get_running_loop()
            wait = self._sent_at.get(key, float("-inf")) + self.min_gap - loop.time()
            if wait <= 0 and key not in self._due:
                self._forget_old_edits(loop.time())
                self._sent_at[key] = loop.time()
                await send(card)
                return
            first = key not in self._due
            self._due[key] = (card, send)
            if first:
                self._track(loop.create_task(self._send_due(key, max(wait, 0.0))))

        return paced

    def _forget_old_edits(self, now: float) -> None:
        """Keep pacing records only while they matter (a process edits cards for months)."""
        if len(self._sent_at) > 64:
            self._sent_at = {k: t for k, t in self._sent_at.items() if now - t < self.min_gap}

    async def _send_due(self, key: str, wait: float) -> None:
        await asyncio.sleep(wait)
        card, send = self._due.pop(key)
        self._sent_at[key] = asyncio.get_running_loop().time()
        try:
            await send(card)
        except Exception as exc:  # logged by kind only; the next change edits again
            log.warning("live card not refreshed: %s", type(exc).__name__)

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait until no background edit is running (tests; shutting down)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _once(self, key: str, send: Send, recheck: Recheck) -> bool:
        """One recheck: send the newer card if there is one, and answer the turns that
        were waiting for it. False once the card is current and nobody marked it changed
        (the key is then released)."""
        waiting = self._waiting.pop(key, [])
        self._changed[key] = False
        try:
            newer = await recheck()
            if newer is not None:
                await send(newer)
                self._last[key] = newer
        except BaseException as exc:
            _fail(waiting, exc)
            raise
        _answer(waiting, self._last.get(key))
        if newer is not None or self._changed[key]:
            return True  # sent, or changed while we looked: look again
        self._release(key)
        return False

    def _release(self, key: str) -> None:
        self._changed.pop(key, None)
        self._last.pop(key, None)
        _answer(self._waiting.pop(key, []), None)

    def _hand_on(self, key: str, send: Send, recheck: Recheck) -> None:
        """Stop editing from this turn: release the card, or, if a change is pending,
        carry on in the background."""
        if not self._changed.get(key):
            self._release(key)
            return
        self._track(asyncio.get_running_loop().create_task(self._carry_on(key, send, recheck)))

    async def _carry_on(self, key: str, send: Send, recheck: Recheck) -> None:
        try:
            while await self._once(key, send, recheck):
                pass
        except Exception as exc:  # logged by kind only; the next change edits again
            log.warning("live card not refreshed: %s", type(exc).__name__)
            _fail(self._waiting.pop(key, []), exc)
            self._release(key)


def _answer(waiting: list[asyncio.Future[Card | None]], card: Card | None) -> None:
    for shown in waiting:
        if not shown.done():
            shown.set_result(card)


def _fail(waiting: list[asyncio.Future[Card | None]], exc: BaseException) -> None:
    for shown in waiting:
        if not shown.done():
            shown.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
