"""The outbox sender: delivers the proactive messages queued in the ``outbox`` table.

It claims due rows under a lease (bot.services.outbox.leases), draws each message from
the state *now* (``Renderer``; a row whose cause has gone, such as an action closed
meanwhile, is dropped), sends it through a ``Messenger`` (the Teams edge,
``bot.teams.proactive``) and records the outcome. What a failure means, when to try
again and how fast to send is the domain's delivery policy (bot.domain.delivery).

A message is sent until Teams accepts it or its outcome (failed, blocked, unreachable)
is recorded: at least once, with the duplicate window kept as small as it can be: Teams
takes no idempotency key, so exactly once cannot be had. A message is sent once unless the
process dies (or loses its database) *after* Teams accepted the message (HTTP 201) and
*before* the one-row ``sent`` transaction that follows immediately commits. Then the row
stays ``sending`` until its sender is known to be dead (heartbeat or lease) and is sent
again: after a crash, at most the ``in_flight`` messages on their way at that moment can
arrive twice (tests/e2e/test_delivery_faults.py measures it). To shrink that window the
outcome of each message is committed on its own straight after the send (never batched),
the lease is renewed before each send so a long batch cannot expire under its own sender,
and a ``sent`` that could not be recorded because the database failed is kept in memory
and recorded first thing on the next drain (the row is still leased to this sender
meanwhile). ``lease_seconds`` must exceed the longest a single send can take (the SDK's
HTTP timeout), or a slow send can be taken over and repeated by another sender.

Stopping. ``stop_claiming`` (at SIGTERM, through ``OutboxRunner.stop_claiming``) makes the
sender claim nothing more and start no further send; the messages already on their way
finish and their outcome is recorded, the heartbeat renewed meanwhile (``OutboxRunner``);
``retire`` then puts back, at once due, every row it still holds unsent, and deletes its
heartbeat, so another instance takes them straight away.

Errors. What a failed send leads to (a retry, ``failed``, ``unreachable`` or
``no_contact``, the coordinators told) is recorded by bot.services.outbox.outcomes, whose
docstring says when each applies.

Rates. The sender keeps a minimum spacing between two messages to one person (checked
against the last ``sent_at`` in the store, so it holds across processes; a row that comes
too soon is put back with a later ``next_attempt_at``) and a per-second cap on requests
(claiming no more than the cap allows, or, following the queue, paying each send just
before it goes). The cap is the app's, not the process's: a ``SendBudget``
(bot.services.send_budget) kept in PostgreSQL is shared by every instance, each drain
taking its tokens a batch at a time, in one round trip each (bot.services.outbox.paying);
on SQLite, and by default, it is this sender's own.

The sender's time is ``clock.now()``, and waiting is the caller's job (``run_sender`` and
``OutboxRunner`` in bot.services.outbox_runner, which ``mace-bot serve`` runs for as long
as it serves, and the benchmark measures), with one exception: a drain that follows the
queue (``drain(follow=True)``, as ``run_sender`` drains) waits, on real time, for the
budget's next token, so that it sends at the app's rate without a round of claims and
takes between one second's sends and the next. A plain ``drain()`` never sleeps. Logs
carry ids, kinds and error codes only, never a payload or any card text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.domain import delivery
from bot.domain.clock import Clock
from bot.domain.delivery import RetryPolicy
from bot.services.send_budget import LocalSendBudget, SendBudget
from bot.store.db import Store

from .batch import Batch, Claimed, Ready
from .contacts import Contact, contacts_of
from .leases import Claim, Leases
from .messenger import DeliveryError, Messenger, Renderer, SendResult
from .outcomes import Outcomes
from .paying import DrainBudget, NotingAnswers, Paid, paying_for
from .report import DrainReport
from .status import OutboxStatus

log = logging.getLogger(__name__)

#: How far ahead a drain that follows the queue takes tokens still counted for earlier
#: sends: those that free within this many seconds, each used the moment it frees.
TAKE_AHEAD = 0.5


@dataclass(frozen=True, slots=True)
class _Unrecorded:
    claim: Claim
    result: SendResult
    at: datetime


class OutboxSender:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        messenger: Messenger,
        renderer: Renderer,
        *,
        worker_id: str,
        lease_seconds: float = 120.0,
        max_attempts: int = 6,
        backoff_base: float = 2.0,
        backoff_cap: float = 300.0,
        per_recipient_spacing: float = 2.0,
        per_second_cap: int = 50,
        in_flight: int = 1,
        rng: random.Random | None = None,
        sending_hours: Callable[[datetime], bool] | None = None,
        install: Callable[[int], Awaitable[bool]] | None = None,
        install_wait: float = 120.0,
        budget: SendBudget | None = None,
        dead_after: float = 15.0,
        database_heartbeats: bool = False,
    ) -> None:
        if not worker_id or len(worker_id) > 100:
            raise ValueError("worker_id must be 1-100 characters")
        if lease_seconds <= 0 or max_attempts < 1 or per_second_cap < 1 or in_flight < 1:
            raise ValueError(
                "lease_seconds, max_attempts, per_second_cap and in_flight must be positive"
            )
        self.store = store
        self.clock = clock
        self.renderer = renderer
        self.worker_id = worker_id
        self.spacing = timedelta(seconds=per_recipient_spacing)
        #: Messages being sent at once (each waits on Teams and on the store).
        self.in_flight = in_flight
        #: When set, nothing is sent outside these hours (working hours, Europe/London):
        #: a retry that falls due at 17:05 waits for the next working morning.
        self.sending_hours = sending_hours
        #: Requests per second for the whole app (bot.services.send_budget): shared by all
        #: instances on PostgreSQL; without one, this sender's own, on its clock.
        self.budget = budget or LocalSendBudget(per_second_cap, clock)
        self._paying = DrainBudget(self.budget, per_second_cap)
        self.messenger: Messenger = NotingAnswers(messenger, self.budget)
        self._unrecorded: list[_Unrecorded] = []
        self._lock = asyncio.Lock()
        #: The lease, and ``dead_after``: a sender whose heartbeat is older is taken for
        #: dead, what it holds claimable again (well above the heartbeat interval).
        self.leases = Leases(
            store,
            worker_id,
            lease=timedelta(seconds=lease_seconds),
            dead_after=timedelta(seconds=dead_after),
            database_heartbeats=database_heartbeats,
        )
        #: Retries (max_attempts, backoff, the rng's jitter) and installing the bot.
        self.outcomes = Outcomes(
            store,
            clock,
            self.leases,
            RetryPolicy(max_attempts, backoff_base, backoff_cap),
            rng or random.Random(),
            install=install,
            install_wait=install_wait,
        )
        #: When this sender's heartbeat was last written, on its own clock (None: it keeps
        #: none). Compared with its own clock only, to know whether it is still fresh.
        self._heartbeat_at: datetime | None = None
        self._stopping = False
        #: Set by ``wake`` (and a stop): a follow drain under way looks again at once.
        self._woken = asyncio.Event()
        #: Rows a drain put back when it saw the stop (``retire`` counts them in).
        self._put_back_at_stop = 0
        #: Rows whose send has started and whose outcome is not recorded yet.
        self._in_flight_ids: set[int] = set()

    @property
    def _paused_until(self) -> datetime | None:
        """Set by a 429: this sender sends nothing more until then (``Outcomes``)."""
        return self.outcomes.paused_until

    # -- the public entry points -----------------------------------------------------------

    async def drain(self, limit: int = 100, *, follow: bool = False) -> DrainReport:
        """Claim up to ``limit`` due rows (fewer if the rate cap says so), send each and
        record the outcome. Returns at once when nothing is due; never sleeps.

        With ``follow`` (as ``run_sender`` drains), the drain goes on claiming rows, up to
        ``limit`` at a time, for as long as rows are due, paying the send budget just before
        each send and waiting (on real time) for its tokens when it has none: the sending
        is then paced by the budget alone, at the app's rate, instead of by a round of
        claims, draws and settles each second. It returns once nothing more is due (and
        what it sent is answered), after a 429, at the end of working hours, at a stop, or
        when its heartbeat or the database fails, as a single drain does."""
        async with self._lock:
            report = DrainReport()
            await self._record_unrecorded(report)
            if self._unrecorded:
                # The database is still failing: sending more would only widen the window.
                report.unrecorded = len(self._unrecorded)
                return report
            now = self.clock.now()
            if self._stopping:
                return report
            if not self._heartbeat_fresh(now):
                # Others may take this sender for dead: claim nothing until it beats again.
                report.paused_until = now + timedelta(seconds=1)
            elif self.sending_hours is not None and not self.sending_hours(now):
                report.next_due_at = await self._next_due()
            elif self._paused_until is not None and now < self._paused_until:
                report.paused_until = self._paused_until
            elif follow:
                try:
                    await self._deliver_all([], report, follow=True, limit=limit)
                finally:
                    await self._paying.settle()
            elif (budget := await self._paying.take(now, limit)) <= 0:
                report.paused_until = self._paying.free_at
            else:
                try:
                    claims = await self.claim(budget)
                    report.claimed = len(claims)
                    if claims:
                        await self._deliver_all(claims, report)
                finally:
                    await self._paying.settle()
            report.unrecorded = len(self._unrecorded)
            if self._paused_until is not None and self.clock.now() < self._paused_until:
                report.paused_until = self._paused_until
            report.next_due_at = await self._next_due()
            if report.claimed or report.handled:
                log.info(
                    "outbox drain by %s: claimed %d, sent %d, retry %d, failed %d, dropped %d, "
                    "unreachable %d, no contact %d, deferred %d, lost %d",
                    self.worker_id,
                    report.claimed,
                    report.sent,
                    report.retried,
                    report.failed,
                    report.dropped,
                    report.unreachable,
                    report.no_contact,
                    report.deferred,
                    report.lost,
                )
            return report

    async def claim(self, limit: int) -> list[Claim]:
        """Claim up to ``limit`` due rows for this sender (bot.services.outbox.leases).

        Public so an operator tool, or a test standing in for a sender that crashed after
        claiming, can take rows without sending them.
        """
        if limit <= 0:
            return []
        claims = await self.leases.claim(self.clock.now(), limit)
        for c in claims:
            log.debug(
                "outbox %d (%s) claimed by %s, attempt %d", c.id, c.kind, self.worker_id, c.attempts
            )
        return claims

    # -- one batch ---------------------------------------------------------------------------

    async def _deliver_all(
        self,
        claims: Sequence[Claim],
        report: DrainReport,
        *,
        follow: bool = False,
        limit: int = 100,
    ) -> None:
        batch = Batch()
        await self._hold(batch, list(claims))
        try:
            await self._dispatch(batch, report, follow, limit)
        except asyncio.CancelledError:
            # Cut off (a stop past its grace): the sends on their way are cut off too.
            for task in batch.tasks():
                task.cancel()
            raise
        finally:
            if tasks := batch.tasks():
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _hold(self, batch: Batch, claims: list[Claim]) -> None:
        """Add newly claimed rows to the batch, with the contacts and last sends of the
        recipients it did not know yet (one query each)."""
        new = sorted({c.recipient_member_id for c in claims} - batch.known)
        if new:
            batch.contacts.update(await contacts_of(self.store, new))
            batch.last_sent.update(await self._last_sent(new))
            batch.known.update(new)
        batch.add(claims)

    async def _dispatch(self, batch: Batch, report: DrainReport, follow: bool, limit: int) -> None:
        """Draw each claim's card, then send it, up to ``in_flight`` sends at once and never
        two to one person at once (the spacing between two messages to one person is
        checked once the first has been sent). Sent one at a time, a run's messages took a
        round trip to Teams and two to the store each, far below the rate Teams allows.

        Cards are drawn up to ``in_flight`` ahead of the sends, and the send budget is paid
        just before each send (``Batch``). Without ``follow`` the drain sends what it
        claimed and returns; a message the budget has no tokens for is put back until it
        has. With ``follow`` it claims more rows in the background as those ahead run low,
        for as long as rows are due, and takes tokens in the background ahead of the
        messages about to go (``TAKE_AHEAD``), each used the moment it frees: the sends
        never wait on a claim or a take, only on the budget."""
        while True:
            batch.collect()
            if (claimed := batch.claimed()) is not None:
                report.claimed += len(claimed.claims)
            if batch.reserved() is False:
                batch.ask_after = time.monotonic() + self._paying.retry_in
            if follow:
                self._paying.settle_answered()
                if self._woken.is_set():
                    self._woken.clear()
                    batch.exhausted = False
                    batch.ask_after = 0.0
            if self._unrecorded:
                # The database failed after a send: stop sending until it can record
                # (the rest of the batch stays leased, unsent, until the lease expires).
                return
            if self._stopping:
                # Stopping: start nothing more; put the rest back for another instance now.
                before = report.deferred
                await self._put_back_unstarted(batch, report)
                self._put_back_at_stop += report.deferred - before
                return
            now = self.clock.now()
            if not self._heartbeat_fresh(now):
                # This sender could not renew its heartbeat: others may already take it for
                # dead and claim these rows. Sending them too would send them twice.
                log.warning("outbox: heartbeat not renewed; %d rows put back", batch.ahead())
                # If the database is gone, others take them once this sender is stale.
                with contextlib.suppress(SQLAlchemyError, OSError):
                    await self._put_back_unstarted(batch, report)
                return
            if self.sending_hours is not None and not self.sending_hours(now):
                # Working hours ended during the drain: nothing more goes out today.
                await self._put_back_unstarted(batch, report)
                return
            if batch.lease_until is not None and delivery.lease_needs_renewing(
                batch.lease_until, now, self.leases.lease
            ):
                # Half the lease is gone (a slow batch): extend it for the rest of the batch
                # before sending more, so no other sender takes these rows over meanwhile.
                kept = await self.leases.renew(batch.held(), now)
                for lost in batch.keep(kept):
                    report.lost += 1
                    report.outcomes[lost.id] = "lost"
                    log.warning("outbox %d: lease lost before sending", lost.id)
                batch.lease_until = now + self.leases.lease
                continue
            paused = self._paused_until is not None and now < self._paused_until
            if (
                follow
                and not paused
                and not batch.exhausted
                and batch.claiming is None
                and batch.ahead() <= 2 * self.in_flight
            ):
                want = min(limit, 3 * self.in_flight - batch.ahead())
                batch.claiming = asyncio.get_running_loop().create_task(
                    self._claim_more(batch, want)
                )
            while batch.remaining and len(batch.preparing) + len(batch.ready) < self.in_flight:
                claim = batch.remaining.pop(0)
                task = asyncio.get_running_loop().create_task(
                    self._prepare(claim, batch.contacts, report)
                )
                batch.preparing.append((claim, task))
            if not batch.ready:
                if follow and (batch.preparing or batch.claiming or batch.sending):
                    await self._wait(batch, None)
                elif batch.preparing:
                    await asyncio.wait([batch.preparing[0][1]])
                else:
                    return  # the sends still on their way are waited for by the caller
                continue
            head = batch.ready[0]
            recipient = head.claim.recipient_member_id
            if len(batch.sending) >= self.in_flight:
                if follow:
                    await self._wait(batch, None)
                else:
                    await asyncio.wait(batch.sending.values(), return_when=asyncio.FIRST_COMPLETED)
                continue
            busy = batch.sending.get(recipient)
            if busy is not None:
                await asyncio.wait([busy])
                continue
            if paused:
                batch.ready.pop(0)
                await self.outcomes.release(head.claim, self._paused_until or now, report)
                continue
            later = delivery.too_soon(batch.last_sent.get(recipient), now, self.spacing)
            if later is not None:
                batch.ready.pop(0)
                await self.outcomes.release(head.claim, later, report)
                continue
            contact = batch.contacts[recipient]
            requests = delivery.requests_for(bool(contact.recipient.conversation_id))
            if follow:
                self._take_ahead(batch, now, requests)
            paid = await self._paying.pay(now, requests, ask=not follow)
            if paid is None:
                if not follow:
                    # The batch's tokens are spent (a new conversation takes two requests)
                    # and the budget has none left now: put it back until it has.
                    batch.ready.pop(0)
                    await self.outcomes.release(head.claim, self._paying.free_at or now, report)
                    continue
                # Until the next token taken ahead frees, a take under way ends, or it is
                # time to ask the budget again.
                usable = self._paying.next_usable()
                if usable is None and batch.reserving is None:
                    usable = batch.ask_after
                seconds = None if usable is None else max(usable - time.monotonic(), 0.0)
                await self._wait(batch, seconds)
                continue
            batch.ready.pop(0)
            batch.sending[recipient] = asyncio.get_running_loop().create_task(
                self._send(head, batch, paid, report)
            )

    def _take_ahead(self, batch: Batch, now: datetime, requests: int) -> None:
        """Start a take of tokens for the messages about to go, if the drain holds half
        of what they need or less (or less than the next one needs) and none is under
        way: in one round trip, ahead of the moment they free."""
        need = max(requests, min(batch.ahead(), 2 * self.in_flight))
        covered = self._paying.covered()
        if (
            batch.reserving is None
            and (2 * covered <= need or covered < requests)
            and time.monotonic() >= batch.ask_after
        ):
            batch.reserving = asyncio.get_running_loop().create_task(
                self._paying.reserve(now, need - covered, TAKE_AHEAD)
            )

    async def _claim_more(self, batch: Batch, want: int) -> Claimed:
        """Claim up to ``want`` more rows, with the contacts and last sends of their
        recipients the batch does not know yet (one query each)."""
        claims = await self.claim(want)
        new = sorted({c.recipient_member_id for c in claims} - batch.known)
        contacts = await contacts_of(self.store, new) if new else {}
        last_sent = await self._last_sent(new) if new else {}
        return Claimed(claims, want, contacts, last_sent, new)

    async def _wait(self, batch: Batch, seconds: float | None) -> None:
        """Until something in the batch moves on (``Batch.waiting_on``), the sender is
        woken (``wake``, or a stop), or ``seconds`` pass (a drain waiting for tokens)."""
        woken = asyncio.ensure_future(self._woken.wait())
        try:
            await asyncio.wait(
                [*batch.waiting_on(), woken], timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            woken.cancel()

    async def _put_back_unstarted(self, batch: Batch, report: DrainReport) -> None:
        """Put back, due now, every row of the batch whose send has not started (the
        cards being drawn are finished first, drawing one may record its outcome, and a
        claim under way is waited for)."""
        waits: list[asyncio.Task[Any]] = [task for _, task in batch.preparing]
        if batch.claiming is not None:
            waits.append(batch.claiming)
        if waits:
            await asyncio.gather(*waits, return_exceptions=True)
            batch.collect()
            with contextlib.suppress(Exception):  # a claim that failed holds nothing
                if (claimed := batch.claimed()) is not None:
                    report.claimed += len(claimed.claims)
        unstarted = batch.held()
        batch.remaining, batch.ready = [], []
        await self.outcomes.release_many(unstarted, self.clock.now(), report)

    async def _prepare(
        self, claim: Claim, contacts: dict[int, Contact], report: DrainReport
    ) -> Ready | None:
        """Draw one row's card and check its recipient can be reached; None: the row's
        outcome is recorded (dropped, failed, retried, no contact, unreachable)."""
        try:
            payload = json.loads(claim.payload)
            if not isinstance(payload, dict):
                raise ValueError("payload is not an object")
        except ValueError:
            await self.outcomes.finish(claim, OutboxStatus.FAILED, report, error="BadPayload")
            return None
        try:
            card = await self.renderer(claim.kind, payload, claim.recipient_member_id)
        except Exception as exc:  # a bug or a database hiccup: retry, then give up
            log.warning(
                "outbox %d (%s): render failed: %s", claim.id, claim.kind, type(exc).__name__
            )
            await self.outcomes.retry_or_fail(claim, DeliveryError(0, None, "RenderError"), report)
            return None
        if card is None:
            await self.outcomes.finish(claim, OutboxStatus.DROPPED, report)
            return None
        contact = contacts.get(claim.recipient_member_id)
        if contact is None:
            await self.outcomes.no_contact(claim, report)
            return None
        if contact.unreachable:
            await self.outcomes.cannot_reach(
                claim, OutboxStatus.UNREACHABLE, "KnownUnreachable", report
            )
            return None
        return Ready(claim, card)

    async def _send(self, ready: Ready, batch: Batch, paid: Paid, report: DrainReport) -> None:
        """Send one drawn row, paid for by ``paid``, and record the outcome."""
        paying_for(paid)
        claim = ready.claim
        contacts = batch.contacts
        contact = contacts[claim.recipient_member_id]
        # In flight from here until the outcome is recorded: if the process stops before
        # then (a cancelled send), the outcome is unknown and the row is not put back.
        self._in_flight_ids.add(claim.id)
        try:
            result = await self.messenger.send(contact.recipient, ready.card)
        except DeliveryError as error:
            if error.conversation_id:
                contacts[claim.recipient_member_id] = contact.with_conversation(
                    error.conversation_id
                )
            await self.outcomes.failed_send(claim, error, report)
            self._in_flight_ids.discard(claim.id)
            return
        except Exception as exc:  # the messenger should map everything; be safe anyway
            await self.outcomes.failed_send(
                claim, DeliveryError(0, None, type(exc).__name__), report
            )
            self._in_flight_ids.discard(claim.id)
            return
        if result.conversation_id == contact.recipient.conversation_id:
            result = SendResult(result.activity_id)  # nothing new to keep on the contact
        elif result.conversation_id:
            contacts[claim.recipient_member_id] = contact.with_conversation(result.conversation_id)
        sent_at = self.clock.now()
        batch.last_sent[claim.recipient_member_id] = sent_at
        try:
            recorded = await self._record_sent(claim, result, sent_at)
        except (SQLAlchemyError, OSError) as exc:
            self._unrecorded.append(_Unrecorded(claim, result, sent_at))
            self._in_flight_ids.discard(claim.id)
            report.outcomes[claim.id] = OutboxStatus.SENT
            report.sent += 1
            log.error(
                "outbox %d: sent but not recorded (%s); will record on the next drain",
                claim.id,
                type(exc).__name__,
            )
            return
        self._in_flight_ids.discard(claim.id)
        report.sent += 1
        if recorded:
            report.outcomes[claim.id] = OutboxStatus.SENT
        else:
            report.lost += 1
            report.outcomes[claim.id] = "lost"
            log.warning("outbox %d: sent, but the lease had been taken over", claim.id)
        log.debug("outbox %d (%s) sent", claim.id, claim.kind)

    # -- recording outcomes ----------------------------------------------------------------

    async def _record_sent(self, claim: Claim, result: SendResult, at: datetime) -> bool:
        return await self.leases.record_sent(claim, result, at)

    async def _record_unrecorded(self, report: DrainReport) -> None:
        while self._unrecorded:
            item = self._unrecorded[0]
            try:
                recorded = await self._record_sent(item.claim, item.result, item.at)
            except (SQLAlchemyError, OSError) as exc:
                log.error("outbox %d: still not recorded (%s)", item.claim.id, type(exc).__name__)
                return
            self._unrecorded.pop(0)
            if not recorded:
                report.lost += 1
                log.warning("outbox %d: sent, but the lease had been taken over", item.claim.id)
            else:
                log.info("outbox %d: recorded as sent (late)", item.claim.id)

    # -- heartbeat and stopping ----------------------------------------------------------------

    async def heartbeat(self) -> None:
        """Say this sender is alive (its ``outbox_workers`` row, created the first time).

        ``OutboxRunner`` calls it every few seconds. From the first heartbeat on, the sender
        starts no send while its last heartbeat is older than half of ``dead_after``: by
        then others may be about to take it for dead and claim its rows."""
        now = self.clock.now()  # read before the write: the freshness check errs early
        await self.leases.beat(now, first=self._heartbeat_at is None)
        self._heartbeat_at = now

    def _heartbeat_fresh(self, now: datetime) -> bool:
        return delivery.heartbeat_fresh(self._heartbeat_at, now, self.leases.dead_after)

    def stop_claiming(self) -> None:
        """Claim nothing more and start no further send; sends on their way finish."""
        self._stopping = True
        self._woken.set()

    def wake(self) -> None:
        """Rows were queued (or the time moved on): a follow drain under way claims again
        and asks the send budget again at once, rather than when it next would."""
        self._woken.set()

    @property
    def put_back_at_stop(self) -> int:
        """Rows a drain put back, unsent, when it saw the stop."""
        return self._put_back_at_stop

    @property
    def in_flight_ids(self) -> frozenset[int]:
        """Rows whose send started and whose outcome is not recorded (yet)."""
        return frozenset(self._in_flight_ids)

    async def retire(self) -> int:
        """After the last drain of a stopping sender: record any sent-but-unrecorded
        outcome, put back (due at once) every row still held that was never sent, and
        delete the heartbeat so nothing waits on this sender. Rows whose send was cut off
        (outcome unknown) stay held: they go out again when this sender's heartbeat is
        stale, as after a crash. Returns how many rows were put back here (the drain that
        saw the stop put back what it held: ``put_back_at_stop``)."""
        report = DrainReport()
        try:
            await self._record_unrecorded(report)
            unknown = self._in_flight_ids | {u.claim.id for u in self._unrecorded}
            released = await self.leases.release_all(self.clock.now(), unknown)
        except (SQLAlchemyError, OSError) as exc:
            log.error(
                "outbox %s: could not put rows back at stop (%s)",
                self.worker_id,
                type(exc).__name__,
            )
            return 0
        log.info(
            "outbox %s stopped: %d put back, %d with an unknown outcome",
            self.worker_id,
            released,
            len(unknown),
        )
        return released

    # -- reading -------------------------------------------------------------------------------

    async def _last_sent(self, member_ids: Sequence[int]) -> dict[int, datetime]:
        if self.spacing <= timedelta(0):
            return {}
        return await self.leases.last_sent(member_ids, self.clock.now() - self.spacing)

    async def _next_due(self) -> datetime | None:
        times = await self.leases.next_due()
        if self._paused_until is not None:
            times = [max(x, self._paused_until) for x in times]
        return min(times) if times else None
