"""The outbox sender: delivers proactive messages written to the ``outbox`` table.

Whatever causes a message (a chase run, a chair's decision) writes an ``outbox`` row in
the same transaction as the change itself, naming records by id only. This module drains
those rows: it claims due rows under a lease, draws each message from the state *now*
(``Renderer``; a row whose cause has gone, such as an action closed meanwhile, is
dropped), sends it through a ``Messenger`` (the Teams edge, ``bot.teams.proactive``) and
records the outcome.

Claiming. A row is due when it is ``pending`` or ``retry`` with ``next_attempt_at <= now``,
or ``sending`` held by a sender that is gone: its lease expired, or its heartbeat (its row
in ``outbox_workers``, renewed every few seconds while it runs, ``OutboxRunner``) is older
than ``dead_after`` seconds, so a dead process's rows go out again within seconds instead
of waiting out the lease. A sender with no heartbeat row (a one-off drain) is covered by
the lease alone. The heartbeat's age is compared across processes, so as ``mace-bot serve``
runs it on PostgreSQL it is written and judged on the database server's clock
(``database_heartbeats``), as the send budget is: hosts whose clocks disagree cannot take
a live sender for dead early. (Leases and due times are on each process's clock; a skew
of seconds against a five-minute lease does not matter.) A claim sets ``status='sending'``,
``lease_owner``, ``lease_until`` and counts the attempt, in one short transaction:

* PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` then ``UPDATE ... RETURNING`` in the
  same transaction, so two processes never pick the same row, nor wait on each other.
* SQLite (one writer at a time): candidates are read, then claimed by a compare-and-set
  ``UPDATE ... WHERE id IN (...) AND <still due> RETURNING``. A row another sender claimed
  between the read and the write is no longer due (it is ``sending`` under a live lease),
  so it is simply not returned.

Every later write about a claimed row (renewing the lease, recording the outcome) is
conditional on ``status='sending' AND lease_owner=<me> AND attempts=<my attempt>``: a
sender that lost its lease (it stalled past ``lease_seconds`` and another sender took
the row over) can no longer overwrite what the new owner records.

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

Errors. 429, 412, 408, 500, 502, 503, 504 and failures with no HTTP answer at all are
retried with exponential backoff and full jitter (``uniform(0, min(cap, base * 2**(n-1)))``),
never earlier than a ``Retry-After``; after ``max_attempts`` the row is ``failed`` with the
error code. A 429 also pauses this sender until the retry time, putting the rest of its
batch back unclaimed (Teams throttles per app and tenant as well as per conversation). A
403 means the person blocked or removed the bot: their contact is marked unreachable,
the row becomes ``unreachable`` and, in the same transaction, the coordinators of the
person's locality groups are queued an ``unreachable`` notice (the chair where a group
has no coordinator). A recipient with no stored contact is handled the same way
(``no_contact``), except that with an ``install`` hook (Graph) the bot is first installed
for them and the row retried after ``install_wait`` (Teams then tells the bot about the new
personal chat and the contact is kept); the last attempt still ends ``no_contact``. Any
other status fails the row at once.

Rates. Teams allows 7 messages per second and 60 per 30 s in one conversation, and about
50 requests per second per app and tenant. The sender keeps a minimum spacing between
two messages to one person (checked against the last ``sent_at`` in the store, so it holds
across processes; a row that comes too soon is put back with a later ``next_attempt_at``)
and a per-second cap on requests (claiming no more than the cap allows). The cap is the
app's, not the process's: a ``SendBudget`` (bot.services.send_budget) kept in PostgreSQL
is shared by every instance, each drain taking its tokens in one round trip; on SQLite,
and by default, it is this sender's own.

The sender never sleeps: its time is ``clock.now()``, and waiting is the caller's job
(``run_sender`` and ``OutboxRunner`` in bot.services.outbox_runner, which ``mace-bot
serve`` runs for as long as it serves, and the benchmark measures). Logs carry ids, kinds
and error codes only, never a payload or any card text.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import random
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import ColumnElement, DateTime, and_, case, delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import LONDON, Clock
from bot.domain.model import Role
from bot.services.send_budget import Grant, LocalSendBudget, SendBudget
from bot.store import tables as t
from bot.store.db import Store
from bot.store.upsert import insert_ignoring_duplicates, on_conflict

log = logging.getLogger(__name__)

OM = t.OutboxMessage
OW = t.OutboxWorker

#: Heartbeat rows not renewed for this long are forgotten (their rows' leases ran out long
#: before).
FORGET_WORKERS_AFTER = timedelta(days=1)

#: The kind of the notice a coordinator gets when someone cannot be reached.
UNREACHABLE_KIND = "unreachable"

#: Statuses answered by trying again later. 0 stands for "no HTTP answer at all"
#: (connection refused or reset, timeout, DNS).
RETRYABLE_STATUSES = frozenset({0, 408, 412, 429, 500, 502, 503, 504})
BLOCKED_STATUS = 403


class OutboxStatus(StrEnum):
    PENDING = "pending"  # written, never tried
    RETRY = "retry"  # tried, failed in a way worth retrying; waits for next_attempt_at
    SENDING = "sending"  # claimed by lease_owner until lease_until
    SENT = "sent"
    FAILED = "failed"  # dead: a permanent error, or out of attempts; last_error says which
    DROPPED = "dropped"  # obsolete when its turn came (the renderer drew nothing)
    UNREACHABLE = "unreachable"  # Teams answered 403: the person blocked or removed the bot
    NO_CONTACT = "no_contact"  # nowhere known to reach the person


WAITING = (OutboxStatus.PENDING, OutboxStatus.RETRY)


# --- the Teams side, as this module sees it ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where to reach one member one to one (from ``member_contacts``)."""

    member_id: int
    teams_user_id: str
    tenant_id: str | None
    service_url: str
    conversation_id: str | None
    bot_id: str | None


@dataclass(frozen=True, slots=True)
class SendResult:
    """``activity_id`` of the message Teams accepted; ``conversation_id`` of the personal
    conversation used (newly created when the recipient had none), to keep on the contact."""

    activity_id: str
    conversation_id: str | None = None


class DeliveryError(Exception):
    """A send that Teams (or the network) refused.

    ``status`` is the HTTP status, 0 when there was no HTTP answer; ``retry_after`` is the
    ``Retry-After`` header in seconds when given; ``code`` is the Bot Framework error code
    (e.g. ``ConversationBlockedByUser``), never message text. ``conversation_id`` is set
    when a new personal conversation was created before the send itself failed.
    """

    def __init__(
        self,
        status: int,
        retry_after: float | None = None,
        code: str = "",
        *,
        conversation_id: str | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        self.code = clean_code(code) or (f"HTTP{status}" if status else "NoResponse")
        self.conversation_id = conversation_id
        super().__init__(f"delivery failed: {status} {self.code}")


class Messenger(Protocol):
    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        """Send one Adaptive Card to one person; raise ``DeliveryError`` on failure."""
        ...


#: ``renderer(kind, payload, recipient_member_id)``: the card to send, drawn from the
#: state now, or None when the message is obsolete (the row is then dropped).
Renderer = Callable[[str, Mapping[str, Any], int], Awaitable[dict[str, Any] | None]]


def clean_code(code: str) -> str:
    """An error code safe to store and log: word characters only, at most 100."""
    return re.sub(r"[^A-Za-z0-9_.\-]", "", code or "")[:100]


# --- what a drain did ---------------------------------------------------------------------


@dataclass(slots=True)
class DrainReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    unreachable: int = 0
    no_contact: int = 0
    #: Put back unsent and uncounted: too soon after the last message to that person,
    #: or the rest of a batch after a 429.
    deferred: int = 0
    #: Rows whose lease another sender had taken over before this one finished.
    lost: int = 0
    #: Sent, but the database could not record it yet (kept to record on the next drain).
    unrecorded: int = 0
    #: Set when this sender is holding back (429 pause or the per-second cap).
    paused_until: datetime | None = None
    #: When the next row becomes due (None: the outbox is empty); a hint for the caller.
    next_due_at: datetime | None = None
    #: Outbox id -> the status this drain left it in.
    outcomes: dict[int, str] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return len(self.outcomes)


@dataclass(frozen=True, slots=True)
class Claim:
    """One row this sender holds: ``attempts`` counts this attempt."""

    id: int
    kind: str
    recipient_member_id: int
    payload: str
    attempts: int
    lease_until: datetime


@dataclass(frozen=True, slots=True)
class _Contact:
    recipient: Recipient
    unreachable: bool


@dataclass(frozen=True, slots=True)
class _Unrecorded:
    claim: Claim
    result: SendResult
    at: datetime


# --- the sender ---------------------------------------------------------------------------


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
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.spacing = timedelta(seconds=per_recipient_spacing)
        self.per_second_cap = per_second_cap
        #: Messages being sent at once (each waits on Teams and on the store).
        self.in_flight = in_flight
        self.rng = rng or random.Random()
        #: When set, nothing is sent outside these hours (working hours, Europe/London):
        #: a retry that falls due at 17:05 waits for the next working morning.
        self.sending_hours = sending_hours
        #: ``install(member_id)``: for a recipient with no contact, install the bot for them
        #: (bot.services.directory.AppInstaller); True: a contact should follow, so the row
        #: is retried after ``install_wait`` seconds instead of being ``no_contact``.
        self.install = install
        self.install_wait = install_wait
        #: Requests per second for the whole app (bot.services.send_budget): shared by all
        #: instances on PostgreSQL; without one, this sender's own, on its clock.
        self.budget = budget or LocalSendBudget(per_second_cap, clock)
        self.messenger: Messenger = _NotingAnswers(messenger, self.budget)
        self._grants: list[Grant] = []  # taken by the drain under way
        self._budget_free_at: datetime | None = None
        self._paused_until: datetime | None = None
        self._unrecorded: list[_Unrecorded] = []
        self._lock = asyncio.Lock()
        #: A sender whose heartbeat is older than this is taken for dead: what it holds is
        #: claimable again. Well above the heartbeat interval.
        self.dead_after = timedelta(seconds=dead_after)
        #: On PostgreSQL, heartbeats are written and judged on the database server's clock,
        #: as the send budget is, so instances whose clocks disagree cannot take one
        #: another for dead early. Off, and always on SQLite (one host), they are on
        #: ``clock``: tests move it by hand.
        self.database_heartbeats = database_heartbeats and self._postgres
        #: When this sender's heartbeat was last written, on its own clock (None: it keeps
        #: none). Compared with its own clock only, to know whether it is still fresh.
        self._heartbeat_at: datetime | None = None
        self._stopping = False
        #: Rows whose send has started and whose outcome is not recorded yet.
        self._in_flight_ids: set[int] = set()

    @property
    def _postgres(self) -> bool:
        return self.store.engine.dialect.name == "postgresql"

    # -- the public entry points -----------------------------------------------------------

    async def drain(self, limit: int = 100) -> DrainReport:
        """Claim up to ``limit`` due rows (fewer if the rate cap says so), send each and
        record the outcome. Returns at once when nothing is due; never sleeps."""
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
            elif (budget := await self._budget(now, limit)) <= 0:
                report.paused_until = self._budget_free_at
            else:
                try:
                    claims = await self.claim(budget)
                    report.claimed = len(claims)
                    if claims:
                        await self._deliver_all(claims, report)
                finally:
                    await self._settle_budget()
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
        """Claim up to ``limit`` due rows for this sender (see the module docstring).

        Public so an operator tool, or a test standing in for a sender that crashed after
        claiming, can take rows without sending them.
        """
        if limit <= 0:
            return []
        now = self.clock.now()
        lease_until = now + self.lease
        due = _due(now, self._heartbeat_now(now) - self.dead_after)
        pick = select(OM.id).where(due).order_by(OM.next_attempt_at, OM.id).limit(limit)
        claim = (
            update(OM)
            .values(
                status=OutboxStatus.SENDING,
                lease_owner=self.worker_id,
                lease_until=lease_until,
                attempts=OM.attempts + 1,
            )
            .returning(OM.id, OM.kind, OM.recipient_member_id, OM.payload, OM.attempts)
            .execution_options(synchronize_session=False)
        )
        if self._postgres:
            async with self.store.transaction() as session:
                ids = (await session.scalars(pick.with_for_update(skip_locked=True))).all()
                if not ids:
                    return []
                rows = (await session.execute(claim.where(OM.id.in_(ids), due))).all()
        else:
            async with self.store.reading() as session:
                ids = (await session.scalars(pick)).all()
            if not ids:
                return []
            # Compare-and-set: only rows still due now (not taken meanwhile) are claimed.
            async with self.store.transaction() as session:
                rows = (await session.execute(claim.where(OM.id.in_(ids), due))).all()
        order = {row_id: n for n, row_id in enumerate(ids)}
        claims = sorted(
            (
                Claim(r.id, r.kind, r.recipient_member_id, r.payload, r.attempts, lease_until)
                for r in rows
            ),
            key=lambda c: order[c.id],
        )
        for c in claims:
            log.debug(
                "outbox %d (%s) claimed by %s, attempt %d", c.id, c.kind, self.worker_id, c.attempts
            )
        return claims

    # -- one batch ---------------------------------------------------------------------------

    async def _deliver_all(self, claims: Sequence[Claim], report: DrainReport) -> None:
        recipients = sorted({c.recipient_member_id for c in claims})
        contacts = await self._contacts(recipients)
        last_sent = await self._last_sent(recipients)
        lease_until = min(c.lease_until for c in claims)
        remaining = list(claims)
        sending: dict[int, asyncio.Task[None]] = {}  # recipient -> their message in flight

        async def one(claim: Claim, now: datetime) -> None:
            sent_at = await self._deliver(claim, contacts, now, report)
            if sent_at is not None:
                last_sent[claim.recipient_member_id] = sent_at

        try:
            await self._dispatch(remaining, sending, one, last_sent, lease_until, report)
        except asyncio.CancelledError:
            # Cut off (a stop past its grace): the sends on their way are cut off too.
            for task in sending.values():
                task.cancel()
            raise
        finally:
            if sending:
                await asyncio.gather(*sending.values(), return_exceptions=True)

    async def _dispatch(
        self,
        remaining: list[Claim],
        sending: dict[int, asyncio.Task[None]],
        one: Callable[[Claim, datetime], Coroutine[Any, Any, None]],
        last_sent: dict[int, datetime],
        lease_until: datetime,
        report: DrainReport,
    ) -> None:
        """Start each claim's delivery, up to ``in_flight`` at once and never two to one
        person at once (the spacing between two messages to one person is checked once the
        first has been sent). Sent one at a time, a run's messages took a round trip to
        Teams and two to the store each, far below the rate Teams allows."""
        while remaining:
            if self._unrecorded:
                # The database failed after a send: stop sending until it can record
                # (the rest of the batch stays leased, unsent, until the lease expires).
                return
            if self._stopping:
                # Stopping: start nothing more; put the rest back for another instance now.
                await self._release_many(remaining, self.clock.now(), report)
                return
            if not self._heartbeat_fresh(self.clock.now()):
                # This sender could not renew its heartbeat: others may already take it for
                # dead and claim these rows. Sending them too would send them twice.
                log.warning("outbox: heartbeat not renewed; %d rows put back", len(remaining))
                # If the database is gone, others take them once this sender is stale.
                with contextlib.suppress(SQLAlchemyError, OSError):
                    await self._release_many(remaining, self.clock.now(), report)
                return
            if len(sending) >= self.in_flight:
                await asyncio.wait(sending.values(), return_when=asyncio.FIRST_COMPLETED)
                _forget_finished(sending)
                continue
            busy = sending.get(remaining[0].recipient_member_id)
            if busy is not None:
                await asyncio.wait([busy])
                _forget_finished(sending)
                continue
            now = self.clock.now()
            if lease_until - now < self.lease / 2:
                # Half the lease is gone (a slow batch): extend it for the rest of the batch
                # before sending more, so no other sender takes these rows over meanwhile.
                kept = await self._renew(remaining, now)
                for lost in [c for c in remaining if c.id not in kept]:
                    report.lost += 1
                    report.outcomes[lost.id] = "lost"
                    log.warning("outbox %d: lease lost before sending", lost.id)
                remaining = [c for c in remaining if c.id in kept]
                lease_until = now + self.lease
                continue
            claim = remaining.pop(0)
            if self._paused_until is not None and now < self._paused_until:
                await self._release(claim, self._paused_until, report)
                continue
            previous = last_sent.get(claim.recipient_member_id)
            if previous is not None and now < previous + self.spacing:
                await self._release(claim, previous + self.spacing, report)
                continue
            task = asyncio.get_running_loop().create_task(one(claim, now))
            sending[claim.recipient_member_id] = task

    async def _deliver(
        self,
        claim: Claim,
        contacts: dict[int, _Contact],
        now: datetime,
        report: DrainReport,
    ) -> datetime | None:
        """Render, send and record one row; returns when it was sent, if it was."""
        try:
            payload = json.loads(claim.payload)
            if not isinstance(payload, dict):
                raise ValueError("payload is not an object")
        except ValueError:
            await self._finish(claim, OutboxStatus.FAILED, report, error="BadPayload")
            return None
        try:
            card = await self.renderer(claim.kind, payload, claim.recipient_member_id)
        except Exception as exc:  # a bug or a database hiccup: retry, then give up
            log.warning(
                "outbox %d (%s): render failed: %s", claim.id, claim.kind, type(exc).__name__
            )
            await self._retry_or_fail(claim, DeliveryError(0, None, "RenderError"), report)
            return None
        if card is None:
            await self._finish(claim, OutboxStatus.DROPPED, report)
            return None
        contact = contacts.get(claim.recipient_member_id)
        if contact is None:
            if await self._installing(claim):
                wait = DeliveryError(0, self.install_wait, "AwaitingInstall")
                await self._retry_or_fail(claim, wait, report)
                return None
            await self._cannot_reach(claim, OutboxStatus.NO_CONTACT, "NoContact", report)
            return None
        if contact.unreachable:
            await self._cannot_reach(claim, OutboxStatus.UNREACHABLE, "KnownUnreachable", report)
            return None
        if not await self._count_requests(now, 1 if contact.recipient.conversation_id else 2):
            # The batch's tokens are spent (a new conversation takes two requests) and the
            # budget has none left now: put it back until it has.
            await self._release(claim, self._budget_free_at or now, report)
            return None
        # In flight from here until the outcome is recorded: if the process stops before
        # then (a cancelled send), the outcome is unknown and the row is not put back.
        self._in_flight_ids.add(claim.id)
        try:
            result = await self.messenger.send(contact.recipient, card)
        except DeliveryError as error:
            if error.conversation_id:
                contacts[claim.recipient_member_id] = _with_conversation(
                    contact, error.conversation_id
                )
            await self._failed_send(claim, error, report)
            self._in_flight_ids.discard(claim.id)
            return None
        except Exception as exc:  # the messenger should map everything; be safe anyway
            await self._failed_send(claim, DeliveryError(0, None, type(exc).__name__), report)
            self._in_flight_ids.discard(claim.id)
            return None
        if result.conversation_id == contact.recipient.conversation_id:
            result = SendResult(result.activity_id)  # nothing new to keep on the contact
        elif result.conversation_id:
            contacts[claim.recipient_member_id] = _with_conversation(
                contact, result.conversation_id
            )
        sent_at = self.clock.now()
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
            return None
        self._in_flight_ids.discard(claim.id)
        report.sent += 1
        if recorded:
            report.outcomes[claim.id] = OutboxStatus.SENT
        else:
            report.lost += 1
            report.outcomes[claim.id] = "lost"
            log.warning("outbox %d: sent, but the lease had been taken over", claim.id)
        log.debug("outbox %d (%s) sent", claim.id, claim.kind)
        return sent_at

    async def _installing(self, claim: Claim) -> bool:
        """No contact: ask for the bot to be installed for the person (Teams then tells the
        bot, which keeps a contact) and retry later. Not on the last attempt, which falls
        through to ``no_contact`` and the coordinator's notice."""
        if self.install is None or claim.attempts >= self.max_attempts:
            return False
        try:
            return await self.install(claim.recipient_member_id)
        except Exception as exc:  # the installer maps Graph errors; be safe anyway
            log.warning("outbox %d: install failed: %s", claim.id, type(exc).__name__)
            return False

    async def _failed_send(self, claim: Claim, error: DeliveryError, report: DrainReport) -> None:
        log.warning(
            "outbox %d (%s) to member %d: HTTP %d %s (attempt %d)",
            claim.id,
            claim.kind,
            claim.recipient_member_id,
            error.status,
            error.code,
            claim.attempts,
        )
        if error.status == BLOCKED_STATUS:
            await self._cannot_reach(
                claim,
                OutboxStatus.UNREACHABLE,
                error.code,
                report,
                mark_contact=True,
                conversation_id=error.conversation_id,
            )
        elif error.status in RETRYABLE_STATUSES:
            await self._retry_or_fail(claim, error, report)
        else:
            await self._finish(
                claim,
                OutboxStatus.FAILED,
                report,
                error=error.code,
                conversation_id=error.conversation_id,
            )

    async def _retry_or_fail(self, claim: Claim, error: DeliveryError, report: DrainReport) -> None:
        now = self.clock.now()
        delay = self.retry_delay(claim.attempts, error.retry_after)
        when = now + timedelta(seconds=delay)
        if error.status == 429:
            # Throttled: hold back this sender as a whole, not only this row.
            self._paused_until = max(self._paused_until or when, when)
        if claim.attempts >= self.max_attempts:
            await self._finish(
                claim,
                OutboxStatus.FAILED,
                report,
                error=error.code,
                conversation_id=error.conversation_id,
            )
            return
        await self._finish(
            claim,
            OutboxStatus.RETRY,
            report,
            error=error.code,
            next_attempt_at=when,
            conversation_id=error.conversation_id,
        )

    def retry_delay(self, attempts: int, retry_after: float | None) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt: full jitter on an
        exponential ceiling, and never less than ``Retry-After`` when the server gave one
        (plus a little jitter so throttled rows do not all return at the same instant)."""
        if retry_after is not None and retry_after >= 0:
            return retry_after + self.rng.uniform(0, self.backoff_base)
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** max(attempts - 1, 0))
        return self.rng.uniform(0, ceiling)

    # -- recording outcomes ----------------------------------------------------------------

    def _mine(self, *claims: Claim) -> ColumnElement[bool]:
        """Rows this sender still holds at the attempt it claimed: not taken over by another
        sender, nor re-claimed since (a new attempt) by a sender of the same name."""
        return and_(
            OM.status == OutboxStatus.SENDING,
            OM.lease_owner == self.worker_id,
            or_(*(and_(OM.id == c.id, OM.attempts == c.attempts) for c in claims)),
        )

    async def _renew(self, claims: Sequence[Claim], now: datetime) -> set[int]:
        """Extend the lease on rows this sender still holds; returns their ids."""
        async with self.store.transaction() as session:
            rows = await session.execute(
                update(OM)
                .where(
                    OM.id.in_([c.id for c in claims]),
                    OM.status == OutboxStatus.SENDING,
                    OM.lease_owner == self.worker_id,
                )
                .values(lease_until=now + self.lease)
                .returning(OM.id, OM.attempts)
                .execution_options(synchronize_session=False)
            )
            held = {row.id: row.attempts for row in rows}
        return {c.id for c in claims if held.get(c.id) == c.attempts}

    async def _record_sent(self, claim: Claim, result: SendResult, at: datetime) -> bool:
        async with self.store.transaction() as session:
            done = await session.execute(
                update(OM)
                .where(self._mine(claim))
                .values(
                    status=OutboxStatus.SENT,
                    sent_at=at,
                    activity_id=(result.activity_id or "")[:200] or None,
                    lease_until=None,
                    last_error="",
                )
                .execution_options(synchronize_session=False)
            )
            if result.conversation_id:
                await _keep_conversation(session, claim.recipient_member_id, result.conversation_id)
            return _rowcount(done) == 1

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

    async def _finish(
        self,
        claim: Claim,
        status: OutboxStatus,
        report: DrainReport,
        *,
        error: str = "",
        next_attempt_at: datetime | None = None,
        conversation_id: str | None = None,
        session: AsyncSession | None = None,
    ) -> bool:
        values: dict[str, Any] = {"status": status, "lease_until": None, "last_error": error}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        statement = (
            update(OM)
            .where(self._mine(claim))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if session is None:
            async with self.store.transaction() as own:
                done = _rowcount(await own.execute(statement)) == 1
                if conversation_id:
                    await _keep_conversation(own, claim.recipient_member_id, conversation_id)
        else:
            done = _rowcount(await session.execute(statement)) == 1
            if conversation_id:
                await _keep_conversation(session, claim.recipient_member_id, conversation_id)
        if not done:
            report.lost += 1
            report.outcomes[claim.id] = "lost"
            log.warning("outbox %d: lease lost before recording %s", claim.id, status.value)
            return False
        report.outcomes[claim.id] = status
        match status:
            case OutboxStatus.RETRY:
                report.retried += 1
            case OutboxStatus.FAILED:
                report.failed += 1
                log.error("outbox %d (%s) failed for good: %s", claim.id, claim.kind, error)
            case OutboxStatus.DROPPED:
                report.dropped += 1
                log.info("outbox %d (%s) dropped as obsolete", claim.id, claim.kind)
            case OutboxStatus.UNREACHABLE:
                report.unreachable += 1
            case OutboxStatus.NO_CONTACT:
                report.no_contact += 1
        return True

    async def _cannot_reach(
        self,
        claim: Claim,
        status: OutboxStatus,
        code: str,
        report: DrainReport,
        *,
        mark_contact: bool = False,
        conversation_id: str | None = None,
    ) -> None:
        """The person cannot be reached: record it and, in the same transaction, tell the
        coordinators (never about a notice that itself could not be delivered, so one
        unreachable coordinator does not start a chain)."""
        now = self.clock.now()
        async with self.store.transaction() as session:
            done = await self._finish(
                claim,
                status,
                report,
                error=code,
                conversation_id=conversation_id,
                session=session,
            )
            if not done:
                return
            if mark_contact:
                await session.execute(
                    update(t.MemberContact)
                    .where(t.MemberContact.member_id == claim.recipient_member_id)
                    .values(unreachable_at=now)
                    .execution_options(synchronize_session=False)
                )
            if claim.kind != UNREACHABLE_KIND:
                reason = "no_contact" if status is OutboxStatus.NO_CONTACT else "blocked"
                queued = await queue_unreachable_notices(
                    session, claim.recipient_member_id, reason, now
                )
                log.warning(
                    "outbox %d: member %d unreachable (%s); %d coordinator notice(s) queued",
                    claim.id,
                    claim.recipient_member_id,
                    code,
                    queued,
                )

    async def _release(self, claim: Claim, when: datetime, report: DrainReport) -> None:
        """Put a claimed row back, unsent and with the attempt uncounted, until ``when``."""
        await self._release_many([claim], when, report)

    async def _release_many(
        self, claims: Sequence[Claim], when: datetime, report: DrainReport
    ) -> None:
        """Put claimed rows back in one statement (a stop puts back a whole batch), each
        only while this sender still holds it at the attempt it claimed (``_mine``)."""
        if not claims:
            return
        async with self.store.transaction() as session:
            rows = await session.execute(
                update(OM)
                .where(self._mine(*claims))
                .values(**_put_back(when))
                .returning(OM.id)
                .execution_options(synchronize_session=False)
            )
            back = set(rows.scalars())
        for c in claims:
            if c.id in back:
                report.deferred += 1
                report.outcomes[c.id] = "deferred"
            else:
                report.lost += 1
                report.outcomes[c.id] = "lost"

    # -- heartbeat and stopping ----------------------------------------------------------------

    async def heartbeat(self) -> None:
        """Say this sender is alive (its ``outbox_workers`` row, created the first time).

        ``OutboxRunner`` calls it every few seconds. From the first heartbeat on, the sender
        starts no send while its last heartbeat is older than half of ``dead_after``: by
        then others may be about to take it for dead and claim its rows."""
        now = self.clock.now()  # read before the write: the freshness check errs early
        stamp = self._heartbeat_now(now)
        values = {"worker_id": self.worker_id, "started_at": stamp, "last_seen": stamp}
        dialect = "postgresql" if self._postgres else "sqlite"
        beat = on_conflict(
            dialect, t.table_of(OW), values, ["worker_id"], update={"last_seen": stamp}
        )
        async with self.store.transaction() as session:
            await session.execute(beat)
            if self._heartbeat_at is None:  # first beat: forget senders gone long ago
                await session.execute(delete(OW).where(OW.last_seen < stamp - FORGET_WORKERS_AFTER))
        self._heartbeat_at = now

    def _heartbeat_now(self, now: datetime) -> Any:
        """The time heartbeats are written and judged by: the database server's
        (``database_heartbeats``) or this sender's clock's."""
        return _DATABASE_NOW if self.database_heartbeats else now

    def _heartbeat_fresh(self, now: datetime) -> bool:
        return self._heartbeat_at is None or now - self._heartbeat_at < self.dead_after / 2

    def stop_claiming(self) -> None:
        """Claim nothing more and start no further send; sends on their way finish."""
        self._stopping = True

    @property
    def in_flight_ids(self) -> frozenset[int]:
        """Rows whose send started and whose outcome is not recorded (yet)."""
        return frozenset(self._in_flight_ids)

    async def retire(self) -> int:
        """After the last drain of a stopping sender: record any sent-but-unrecorded
        outcome, put back (due at once) every row still held that was never sent, and
        delete the heartbeat so nothing waits on this sender. Rows whose send was cut off
        (outcome unknown) stay held: they go out again when this sender's heartbeat is
        stale, as after a crash. Returns how many rows were put back."""
        report = DrainReport()
        try:
            await self._record_unrecorded(report)
            unknown = self._in_flight_ids | {u.claim.id for u in self._unrecorded}
            now = self.clock.now()
            async with self.store.transaction() as session:
                held = await session.execute(
                    update(OM)
                    .where(
                        OM.status == OutboxStatus.SENDING,
                        OM.lease_owner == self.worker_id,
                        OM.id.not_in(sorted(unknown)),
                    )
                    .values(**_put_back(now))
                    .execution_options(synchronize_session=False)
                )
                if not unknown:
                    await session.execute(delete(OW).where(OW.worker_id == self.worker_id))
        except (SQLAlchemyError, OSError) as exc:
            log.error(
                "outbox %s: could not put rows back at stop (%s)",
                self.worker_id,
                type(exc).__name__,
            )
            return 0
        released = _rowcount(held)
        log.info(
            "outbox %s stopped: %d put back, %d with an unknown outcome",
            self.worker_id,
            released,
            len(unknown),
        )
        return released

    # -- reading -------------------------------------------------------------------------------

    async def _contacts(self, member_ids: Sequence[int]) -> dict[int, _Contact]:
        async with self.store.reading() as session:
            rows = (
                await session.scalars(
                    select(t.MemberContact).where(t.MemberContact.member_id.in_(member_ids))
                )
            ).all()
        return {
            row.member_id: _Contact(
                Recipient(
                    member_id=row.member_id,
                    teams_user_id=row.teams_user_id,
                    tenant_id=row.tenant_id,
                    service_url=row.service_url,
                    conversation_id=row.conversation_id,
                    bot_id=row.bot_id,
                ),
                unreachable=row.unreachable_at is not None,
            )
            for row in rows
        }

    async def _last_sent(self, member_ids: Sequence[int]) -> dict[int, datetime]:
        if self.spacing <= timedelta(0):
            return {}
        since = self.clock.now() - self.spacing
        async with self.store.reading() as session:
            rows = await session.execute(
                select(OM.recipient_member_id, func.max(OM.sent_at))
                .where(
                    OM.recipient_member_id.in_(member_ids),
                    OM.status == OutboxStatus.SENT,
                    OM.sent_at > since,
                )
                .group_by(OM.recipient_member_id)
            )
            return {member: _aware(at) for member, at in rows if at is not None}

    async def _next_due(self) -> datetime | None:
        async with self.store.reading() as session:
            waiting = await session.scalar(
                select(func.min(OM.next_attempt_at)).where(OM.status.in_(WAITING))
            )
            leased = await session.scalar(
                select(func.min(OM.lease_until)).where(OM.status == OutboxStatus.SENDING)
            )
        times = [_aware(x) for x in (waiting, leased) if x is not None]
        if self._paused_until is not None:
            times = [max(x, self._paused_until) for x in times]
        return min(times) if times else None

    # -- the per-second cap -------------------------------------------------------------------

    async def _budget(self, now: datetime, want: int) -> int:
        """Take up to ``want`` requests' worth of the app's send budget for this drain, in
        one go (one round trip on PostgreSQL); 0: none now, ``_budget_free_at`` says when."""
        grant = await self.budget.take(min(want, self.per_second_cap))
        if grant.tokens <= 0:
            self._budget_free_at = now + timedelta(seconds=grant.retry_in)
            return 0
        self._grants.append(grant)
        return grant.tokens

    async def _count_requests(self, now: datetime, requests: int) -> bool:
        """Spend ``requests`` tokens of this drain's grants for one message; a message
        that needs more than is left (a new conversation takes two requests, or a grant's
        hold could not be renewed lately) takes more from the budget. False: none to be
        had now. The tokens count until a second after this send's answer, however long
        it takes to reach Teams: the budget keeps the hold while the drain is under way."""
        taken: list[tuple[Grant, int]] = []
        needed = requests
        for grant in self._grants:
            use = min(grant.left, needed)
            if use > 0:
                grant.spent += use  # before any await: other sends run meanwhile
                needed -= use
                taken.append((grant, use))
        if needed > 0:
            more = await self.budget.take(needed)
            if more.tokens > 0:
                self._grants.append(more)
            if more.tokens < needed:
                self._budget_free_at = now + timedelta(seconds=more.retry_in or 1.0)
                for grant, use in taken:  # give back what this message had taken
                    grant.spent -= use
                return False
            more.spent = needed
            taken.append((more, needed))
        _PAID.set(tuple(taken))  # for _NotingAnswers, in this message's own task
        return True

    async def _settle_budget(self) -> None:
        """The drain is done (every send answered): what it took and did not use goes back
        at once, each token it used stays counted until a second after its answer."""
        grants, self._grants = self._grants, []
        if not grants:
            return
        try:
            # All at once: the budget stops renewing them before its first await, so a
            # settle cut off here (a database error, a cancelled drain) leaves no hold
            # renewed for ever; each then lapses by itself (bot.services.send_budget).
            await self.budget.settle(*grants)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("send budget not settled: %s", type(exc).__name__)


# --- helpers ---------------------------------------------------------------------------------

#: The tokens that paid for the send under way in this task: (grant, tokens).
_PAID: contextvars.ContextVar[tuple[tuple[Grant, int], ...]] = contextvars.ContextVar(
    "outbox_paid", default=()
)


class _NotingAnswers:
    """The messenger, noting when each send was answered (or failed) on the tokens that
    paid for it, so the budget frees them a second after that answer."""

    def __init__(self, inner: Messenger, budget: SendBudget) -> None:
        self.inner = inner
        self.budget = budget

    async def send(self, to: Recipient, card: dict[str, Any]) -> SendResult:
        try:
            return await self.inner.send(to, card)
        finally:
            stamp = self.budget.stamp()
            for grant, tokens in _PAID.get():
                grant.answered.append((stamp, tokens))
            _PAID.set(())


def _forget_finished(sending: dict[int, asyncio.Task[None]]) -> None:
    for recipient in [r for r, task in sending.items() if task.done()]:
        task = sending.pop(recipient)
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


#: The database server's time now, as stored (UTC, no zone): PostgreSQL only.
_DATABASE_NOW = func.timezone("UTC", func.clock_timestamp(), type_=DateTime())


def _due(now: datetime, dead_before: Any) -> ColumnElement[bool]:
    """Waiting rows whose time has come, and rows held by a sender that is gone: lease
    expired, or heartbeat older than ``dead_before`` (a time, or the database's time less
    ``dead_after``)."""
    dead = select(OW.worker_id).where(OW.last_seen < dead_before)
    return or_(
        and_(OM.status.in_(WAITING), OM.next_attempt_at <= now),
        and_(
            OM.status == OutboxStatus.SENDING,
            or_(OM.lease_until.is_(None), OM.lease_until <= now, OM.lease_owner.in_(dead)),
        ),
    )


def _put_back(when: datetime) -> dict[str, Any]:
    """Values that return a held row to waiting, unsent and with the attempt uncounted."""
    return {
        "status": case(
            (OM.attempts <= 1, OutboxStatus.PENDING.value), else_=OutboxStatus.RETRY.value
        ),
        "attempts": OM.attempts - 1,
        "next_attempt_at": when,
        "lease_owner": None,
        "lease_until": None,
    }


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _aware(value: Any) -> datetime:
    """Aggregates (``max``/``min``) bypass the column type on SQLite: make them aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _with_conversation(contact: _Contact, conversation_id: str) -> _Contact:
    r = contact.recipient
    return _Contact(
        Recipient(
            r.member_id, r.teams_user_id, r.tenant_id, r.service_url, conversation_id, r.bot_id
        ),
        contact.unreachable,
    )


async def _keep_conversation(session: AsyncSession, member_id: int, conversation_id: str) -> None:
    await session.execute(
        update(t.MemberContact)
        .where(
            t.MemberContact.member_id == member_id,
            or_(
                t.MemberContact.conversation_id.is_(None),
                t.MemberContact.conversation_id != conversation_id,
            ),
        )
        .values(conversation_id=conversation_id[:400])
        .execution_options(synchronize_session=False)
    )


async def notice_recipients(session: AsyncSession, member_id: int) -> dict[int, list[int]]:
    """Who is told that ``member_id`` cannot be reached: for each of the person's locality
    groups its coordinators, or its chair and deputy chair where it has no coordinator.
    Returns recipient member id -> the locality ids concerned (the person never included,
    only active members)."""
    localities = (
        await session.scalars(
            select(t.Membership.locality_id).where(t.Membership.member_id == member_id).distinct()
        )
    ).all()
    if not localities:
        return {}
    rows = (
        await session.execute(
            select(t.Membership.member_id, t.Membership.locality_id, t.Membership.role)
            .join(t.Member, t.Member.id == t.Membership.member_id)
            .where(
                t.Membership.locality_id.in_(localities),
                t.Membership.role.in_([Role.COORDINATOR, Role.CHAIR, Role.DEPUTY_CHAIR]),
                t.Member.active.is_(True),
                t.Membership.member_id != member_id,
            )
        )
    ).all()
    coordinators: dict[int, set[int]] = {}
    chairs: dict[int, set[int]] = {}
    for who, locality, role in rows:
        target = coordinators if role == Role.COORDINATOR else chairs
        target.setdefault(locality, set()).add(who)
    result: dict[int, set[int]] = {}
    for locality in localities:
        for who in coordinators.get(locality) or chairs.get(locality, set()):
            result.setdefault(who, set()).add(locality)
    return {who: sorted(locs) for who, locs in sorted(result.items())}


async def queue_unreachable_notices(
    session: AsyncSession, member_id: int, reason: str, now: datetime
) -> int:
    """Queue, in the caller's transaction, one ``unreachable`` notice per coordinator about
    ``member_id`` (``reason``: ``blocked`` or ``no_contact``). At most one per coordinator,
    person and day: ``unreachable:<member>:<date>:<coordinator>``. Returns how many were new."""
    recipients = await notice_recipients(session, member_id)
    day = now.astimezone(LONDON).date().isoformat()
    rows = [
        {
            "dedupe_key": f"{UNREACHABLE_KIND}:{member_id}:{day}:{who}",
            "kind": UNREACHABLE_KIND,
            "recipient_member_id": who,
            "payload": json.dumps(
                {"member_id": member_id, "locality_ids": locs, "reason": reason}, sort_keys=True
            ),
            "status": OutboxStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
        }
        for who, locs in recipients.items()
    ]
    return await insert_new(session, rows)


async def insert_new(session: AsyncSession, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert outbox rows, skipping any whose ``dedupe_key`` exists (also when another
    process inserts it at the same moment). Returns how many were inserted."""
    return await insert_ignoring_duplicates(
        session, t.table_of(OM), [dict(r) for r in rows], ["dedupe_key"]
    )
