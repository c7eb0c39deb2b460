"""The rows one drain of the outbox holds, from claimed to sent (bot.services.outbox.sender).

Each row goes through four stages, in the order it was claimed: ``remaining`` (claimed,
not yet drawn), ``preparing`` (its card being drawn from the state now), ``ready`` (drawn,
waiting for a free send slot and for tokens of the send budget) and ``sending`` (one
task per recipient: never two messages to one person at once). Cards are drawn ahead of
the sends, so that the tokens a send takes are taken just before it goes: a token counts
from its take to a second after its send's answer (bot.services.send_budget), and the
less of that is spent drawing cards, the closer the sending comes to the app's rate.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .contacts import Contact
from .leases import Claim


@dataclass(frozen=True, slots=True)
class Ready:
    """A claimed row whose card is drawn and whose recipient can be reached."""

    claim: Claim
    card: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claimed:
    """Rows claimed in the background (a drain that follows the queue), with what the
    batch did not know yet about their recipients."""

    claims: list[Claim]
    asked: int
    contacts: dict[int, Contact]
    last_sent: dict[int, datetime]
    recipients: list[int]


@dataclass(slots=True)
class Batch:
    remaining: list[Claim] = field(default_factory=list)
    #: In claim order: a row moves on to ``ready`` only once those before it have.
    preparing: list[tuple[Claim, asyncio.Task[Ready | None]]] = field(default_factory=list)
    ready: list[Ready] = field(default_factory=list)
    #: Recipient -> the task sending their message.
    sending: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    #: Where each recipient is reached, and when each was last sent a message (for the
    #: spacing), for every recipient the batch has held; kept up to date by its sends.
    contacts: dict[int, Contact] = field(default_factory=dict)
    last_sent: dict[int, datetime] = field(default_factory=dict)
    known: set[int] = field(default_factory=set)
    #: The earliest lease on a row held and not yet sending (None: none held).
    lease_until: datetime | None = None
    #: A claim found fewer rows due than it asked for: claim no more until woken.
    exhausted: bool = False
    #: Rows whose lease was lost while their card was being drawn: never sent.
    lost: set[int] = field(default_factory=set)
    #: A claim of more rows under way, and a take of tokens ahead (a drain that follows
    #: the queue does both in the background, so that its sends go on meanwhile).
    claiming: asyncio.Task[Claimed] | None = None
    reserving: asyncio.Task[bool] | None = None
    #: ``time.monotonic()`` before which the budget is not asked again (it had none).
    ask_after: float = 0.0

    def add(self, claims: list[Claim]) -> None:
        self.remaining.extend(claims)
        if claims:
            earliest = min(c.lease_until for c in claims)
            self.lease_until = min(self.lease_until or earliest, earliest)

    def held(self) -> list[Claim]:
        """Rows claimed and not yet sending, in claim order."""
        return [
            *(r.claim for r in self.ready),
            *(claim for claim, _ in self.preparing),
            *self.remaining,
        ]

    def ahead(self) -> int:
        """How many rows wait to be sent."""
        return len(self.remaining) + len(self.preparing) + len(self.ready)

    def keep(self, kept: set[int]) -> list[Claim]:
        """Only the held rows in ``kept`` (their lease renewed) go on; returns the rest."""
        gone = [c for c in self.held() if c.id not in kept]
        self.remaining = [c for c in self.remaining if c.id in kept]
        self.ready = [r for r in self.ready if r.claim.id in kept]
        self.lost.update(c.id for c in gone)
        return gone

    def collect(self) -> None:
        """Move drawn rows on to ``ready`` (in claim order) and forget finished sends;
        a task that failed raises its error here."""
        while self.preparing and self.preparing[0][1].done():
            claim, task = self.preparing.pop(0)
            ready = task.result()
            if ready is not None and claim.id not in self.lost:
                self.ready.append(ready)
        for recipient in [r for r, task in self.sending.items() if task.done()]:
            task = self.sending.pop(recipient)
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        if not self.held():
            self.lease_until = None

    def claimed(self) -> Claimed | None:
        """The rows a finished background claim brought (its error raised here)."""
        if self.claiming is None or not self.claiming.done():
            return None
        claimed, self.claiming = self.claiming.result(), None
        for member_id, contact in claimed.contacts.items():
            self.contacts.setdefault(member_id, contact)
        for member_id, at in claimed.last_sent.items():
            self.last_sent.setdefault(member_id, at)
        self.known.update(claimed.recipients)
        self.add(claimed.claims)
        self.exhausted = len(claimed.claims) < claimed.asked
        return claimed

    def reserved(self) -> bool | None:
        """Whether a finished background take got tokens (None: none finished)."""
        if self.reserving is None or not self.reserving.done():
            return None
        got, self.reserving = self.reserving.result(), None
        return got

    def background(self) -> list[asyncio.Task[Any]]:
        return [task for task in (self.claiming, self.reserving) if task is not None]

    def tasks(self) -> list[asyncio.Task[Any]]:
        return [*(task for _, task in self.preparing), *self.sending.values(), *self.background()]

    def waiting_on(self) -> list[asyncio.Task[Any]]:
        """What may change the batch: its sends, the next card to be drawn (the others
        move on only after it), and its claim and take under way."""
        head = [self.preparing[0][1]] if self.preparing else []
        return [*head, *self.sending.values(), *self.background()]
