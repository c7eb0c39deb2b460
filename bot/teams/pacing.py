"""Keeping what the bot sends into one conversation inside Teams' limits.

Teams counts every message and every card edit a bot sends into one conversation, in
sliding windows: 7 in 1 s, 8 in 2 s, 60 in 30 s, 1800 in an hour (../shared/platform.md);
past any of them it answers 429. A live card redrawn four times a second (bot.teams.
live_cards) reaches 8 in 2 s exactly, and 60 in 30 s after 15 s of changes; the messages a
meeting posts into the same conversation come on top. So every send into a conversation,
edit or post, takes its turn here first.

The rule, for each window of ``n`` in ``w`` seconds: a send starts only once every earlier
send but the newest ``n - 1`` has been answered, and ``w`` seconds (plus ``MARGIN``) after
the last of those answers. A request reaches Teams after it starts and before it is
answered, so however long each takes on the way, no window at Teams' end ever holds more
than ``n``. Sends wait in the order they asked (one lock per conversation).

Waiting out a full window would leave a card unchanged for up to 30 s in a long burst, so
once more than half of a long window's budget (``SPREAD_FROM`` seconds and longer) is
used, sends are also spaced ``2 w / n`` apart (1 s for 60 in 30 s): the window then fills
no faster than it empties, and a card stays at most that far behind.

A 429 that comes anyway (another instance of the bot, another process sending as the
same bot) holds the conversation for its ``Retry-After`` (``hold``); the caller decides
whether to send again. Pacing is per process.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    seconds: float


#: Teams' limits for one bot in one conversation (../shared/platform.md).
CONVERSATION_LIMITS: tuple[Limit, ...] = (
    Limit(7, 1.0),
    Limit(8, 2.0),
    Limit(60, 30.0),
    Limit(1800, 3600.0),
)
#: Seconds added to every window, for Teams' clocks and ours not agreeing exactly.
MARGIN = 0.05
#: Windows at least this long are spread once half full (see the module's docstring).
SPREAD_FROM = 10.0
#: How long a 429 without ``Retry-After`` holds the conversation.
DEFAULT_RETRY_AFTER = 1.0
#: Conversations remembered before idle ones are forgotten.
_SWEEP_AT = 256


class Throttled(Exception):
    """Teams answered 429: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: float | None) -> None:
        super().__init__("throttled")
        self.retry_after = retry_after if retry_after is not None else DEFAULT_RETRY_AFTER


@dataclass(slots=True)
class _Send:
    start: float
    end: float | None = None


@dataclass(slots=True)
class _Conversation:
    sends: deque[_Send] = field(default_factory=deque)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    held_until: float = float("-inf")


class ConversationPacer:
    """Turns for sending into each conversation (see the module's docstring).

    ``clock`` and ``sleep`` default to the event loop's; tests pass their own."""

    def __init__(
        self,
        limits: Sequence[Limit] = CONVERSATION_LIMITS,
        *,
        margin: float = MARGIN,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = tuple(limits)
        self.margin = margin
        self._clock = clock
        self._sleep = sleep
        self._longest = max((limit.seconds for limit in self.limits), default=0.0)
        self._conversations: dict[str, _Conversation] = {}
        self._sweep_at = _SWEEP_AT

    def now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def ready(self, conversation: str) -> bool:
        """Whether a send into ``conversation`` could start now, without waiting."""
        state = self._conversations.get(conversation)
        if state is None:
            return True
        return not state.lock.locked() and self._wait(state, self.now()) == 0.0

    def hold(self, conversation: str, seconds: float) -> None:
        """Teams said 429: no send into ``conversation`` for ``seconds``."""
        state = self._state(conversation)
        state.held_until = max(state.held_until, self.now() + seconds)

    @asynccontextmanager
    async def sending(self, conversation: str) -> AsyncIterator[None]:
        """Wait for this conversation's turn, then send inside the block: it counts from
        its start, and its answer (or failure) at the block's end."""
        state = self._state(conversation)
        async with state.lock:
            while True:
                wait = self._wait(state, self.now())
                if wait is None:  # an earlier send must be answered first
                    state.ended.clear()
                    await state.ended.wait()
                elif wait > 0:
                    await self._sleep(wait)
                else:
                    break
            send = _Send(self.now())
            state.sends.append(send)
        try:
            yield
        finally:
            send.end = self.now()
            state.ended.set()
            self._forget(state, send.end)

    def _state(self, conversation: str) -> _Conversation:
        state = self._conversations.get(conversation)
        if state is None:
            if len(self._conversations) >= self._sweep_at:
                self._sweep(self.now())
            state = self._conversations[conversation] = _Conversation()
        return state

    def _wait(self, state: _Conversation, now: float) -> float | None:
        """Seconds until a send may start (0: now), or None while a send it must follow
        is still on its way."""
        earliest = state.held_until
        sends = state.sends
        for limit in self.limits:
            # Every send but the newest n - 1 must be answered, w seconds before this one.
            older = max(len(sends) - (limit.count - 1), 0)
            for send in itertools.islice(sends, older):
                end = send.end
                if end is None:
                    return None
                earliest = max(earliest, end + limit.seconds + self.margin)
            if limit.seconds >= SPREAD_FROM and sends:
                recent = sum(1 for s in sends if s.start > now - limit.seconds)
                if 2 * recent > limit.count:
                    earliest = max(earliest, sends[-1].start + 2 * limit.seconds / limit.count)
        return max(0.0, earliest - now)

    def _forget(self, state: _Conversation, now: float) -> None:
        """Drop sends no window can still count: answered over the longest window ago."""
        sends = state.sends
        while sends and sends[0].end is not None and sends[0].end <= now - self._longest:
            sends.popleft()

    def _sweep(self, now: float) -> None:
        """Forget idle conversations (a process sends into thousands over months)."""
        for key, state in list(self._conversations.items()):
            self._forget(state, now)
            if not state.sends and not state.lock.locked() and state.held_until < now:
                del self._conversations[key]
        # Next sweep once as many again are known: each costs a pass over them all.
        self._sweep_at = max(_SWEEP_AT, 2 * len(self._conversations))
