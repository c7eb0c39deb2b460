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

Edits are also paced. At most one edit of a card goes out every ``min_gap`` seconds, and
one edit of a card is on its way at a time (so edits arrive in the order they were drawn);
a card drawn sooner waits, and if a newer one is drawn meanwhile only the newer is sent.
Every edit also takes its turn among everything sent into its conversation
(``bot.teams.pacing``: Teams' 7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 an hour), so a meeting's
posts and two cards edited side by side stay inside them together. Waiting turns are
still answered from each draw, so pacing delays what others see, never the person who
clicked. A paced edit that Teams throttles (429) is sent again, the newest card, after its
``Retry-After``; one that fails otherwise is logged by kind, and the next change edits
again.

A new editor draws the card once more before its first edit when it comes with a card
drawn by its own turn: another turn's edit, drawn later, may have gone out in between,
and the card everyone sees must never go back to an older state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial

from bot.teams.pacing import ConversationPacer, Throttled
from dialogs.outcome import Card

log = logging.getLogger(__name__)

Send = Callable[[Card], Awaitable[None]]
Recheck = Callable[[], Awaitable[Card | None]]

#: Rechecks an editing turn makes itself before handing the rest to a background task.
RECHECKS = 3
#: Seconds between two edits of one card: four a second at most, so a card changing all
#: the time spreads its edits; Teams' windows for the whole conversation (7 in 1 s, 8 in
#: 2 s, 60 in 30 s, ...) are kept by the conversation's pacer (bot.teams.pacing).
EDIT_GAP = 0.25
#: 429s in a row after which a card's waiting edit is given up (logged); the next change
#: edits again.
THROTTLED_TRIES = 5


class LiveCards:
    """The editors of live cards in this process (see the module's docstring)."""

    def __init__(
        self,
        rechecks: int = RECHECKS,
        min_gap: float = 0.0,
        pacer: ConversationPacer | None = None,
    ) -> None:
        self.rechecks = rechecks
        self.min_gap = min_gap
        #: Turns for sending into each conversation, shared with the turns' own posts
        #: (None: edits are not paced by conversation).
        self.pacer = pacer
        #: Card key -> loop time its last edit went out (pacing), and the newest card
        #: waiting for its turn with the sender to send it.
        self._sent_at: dict[str, float] = {}
        self._due: dict[str, tuple[Card, Send]] = {}
        #: Card key -> set when the edit on its way is answered (one at a time per card),
        #: and the task sending the card's waiting edits.
        self._on_its_way: dict[str, asyncio.Event] = {}
        self._couriers: dict[str, asyncio.Task[None]] = {}
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
        conversation: str | None = None,
    ) -> Card | None:
        """Show ``card`` (drawn from committed state; None: let the editor draw it) to
        everyone, or leave it to the card's current editor.

        With ``answer``, returns the card everyone was shown that includes this turn's
        change, to answer the person who clicked with: if this turn is the editor, the
        card it sent (its own, or a newer one drawn first), else the one the editor draws
        next (so a turn that arrives while the card
        is being edited draws nothing itself). Raises if the edit that would have shown
        this turn's change failed, so the person can be told their change is saved but
        the card is not refreshed. ``conversation`` is where the card is, for pacing among
        everything sent there."""
        send = self._paced(key, conversation, send)
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
            # Drawn again first (see the module's docstring): newer, or None if the
            # turn's own card is still the newest.
            card = await recheck() or card
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

    def _paced(self, key: str, conversation: str | None, send: Send) -> Send:
        """``send``, paced (see the module's docstring): at once if the card and its
        conversation are free, else left for the card's courier, replacing any card
        already waiting. An edit sent at once fails in its own turn, unless throttled:
        then it waits for the courier too."""
        if self.min_gap <= 0 and self.pacer is None:
            return send

        async def paced(card: Card) -> None:
            if self._free(key, conversation):
                try:
                    await self._send(key, conversation, lambda: (card, send))
                except Throttled:  # left waiting for its Retry-After
                    self._courier(key, conversation, throttled=1)
                return
            self._due[key] = (card, send)
            self._courier(key, conversation)

        return paced

    def _free(self, key: str, conversation: str | None) -> bool:
        loop = asyncio.get_running_loop()
        return (
            key not in self._due
            and key not in self._couriers
            and key not in self._on_its_way
            and self._sent_at.get(key, float("-inf")) + self.min_gap <= loop.time()
            and (self.pacer is None or conversation is None or self.pacer.ready(conversation))
        )

    async def _send(
        self, key: str, conversation: str | None, take: Callable[[], tuple[Card, Send] | None]
    ) -> None:
        """One edit, in its conversation's turn, of the card ``take`` gives when the turn
        comes (None: nothing to send). A 429 holds the conversation for its Retry-After,
        leaves the card waiting (unless a newer one is) and is raised as ``Throttled``."""
        answered = self._on_its_way[key] = asyncio.Event()
        try:
            async with self._turn(conversation):
                taken = take()
                if taken is None:
                    return
                card, send = taken
                now = asyncio.get_running_loop().time()
                self._forget_old_edits(now)
                self._sent_at[key] = now
                try:
                    await send(card)
                except Throttled as throttled:
                    if self.pacer is not None and conversation is not None:
                        self.pacer.hold(conversation, throttled.retry_after)
                    self._due.setdefault(key, (card, send))
                    raise
        finally:
            del self._on_its_way[key]
            answered.set()

    @asynccontextmanager
    async def _turn(self, conversation: str | None) -> AsyncIterator[None]:
        if self.pacer is None or conversation is None:
            yield
            return
        async with self.pacer.sending(conversation):
            yield

    def _forget_old_edits(self, now: float) -> None:
        """Keep pacing records only while they matter (a process edits cards for months)."""
        if len(self._sent_at) > 64:
            self._sent_at = {k: t for k, t in self._sent_at.items() if now - t < self.min_gap}

    def _courier(self, key: str, conversation: str | None, throttled: int = 0) -> None:
        if key not in self._couriers:
            task = asyncio.get_running_loop().create_task(self._carry(key, conversation, throttled))
            self._couriers[key] = task
            self._track(task)

    async def _carry(self, key: str, conversation: str | None, throttled: int) -> None:
        """Send the card's newest waiting edit whenever its turn comes, until none waits.
        ``throttled``: 429s in a row so far."""
        try:
            while key in self._due:
                if (answered := self._on_its_way.get(key)) is not None:
                    await answered.wait()
                    continue
                loop = asyncio.get_running_loop()
                gap = self._sent_at.get(key, float("-inf")) + self.min_gap - loop.time()
                if gap > 0:
                    await asyncio.sleep(gap)
                    continue
                try:
                    # The newest card, at the moment its turn comes.
                    await self._send(key, conversation, partial(self._due.pop, key, None))
                    throttled = 0
                except Throttled as exc:
                    throttled += 1
                    if throttled >= THROTTLED_TRIES:
                        log.warning("live card not refreshed: throttled %d times", throttled)
                        self._due.pop(key, None)
                    elif self.pacer is None or conversation is None:
                        await asyncio.sleep(exc.retry_after)  # else the pacer holds it
                except Exception as exc:  # logged by kind only; the next change edits again
                    log.warning("live card not refreshed: %s", type(exc).__name__)
        finally:
            self._couriers.pop(key, None)

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
