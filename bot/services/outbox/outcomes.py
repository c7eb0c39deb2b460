"""What became of each claimed outbox row, recorded: retried, failed, dropped, put back,
or its person unreachable (their coordinators then told in the same transaction).

The outbox sender (bot.services.outbox.sender) decides which; this writes it through the
sender's leases (bot.services.outbox.leases), each write only while the sender still holds
the row, and keeps the ``DrainReport`` counts. What a failure means and when to retry is
the domain's delivery policy (bot.domain.delivery).

Errors. Retryable failures are retried with backoff until ``max_attempts``, then the row
is ``failed`` with the error code; a 429 also pauses this sender until the retry time,
putting the rest of its batch back unclaimed. A 403 means the person blocked or removed
the bot: their contact is marked unreachable, the row becomes ``unreachable`` and, in the
same transaction, the coordinators of the person's locality groups are queued an
``unreachable`` notice (the chair where a group has no coordinator). A recipient with no
stored contact is handled the same way (``no_contact``), except that with an ``install``
hook (Graph) the bot is first installed for them and the row retried after
``install_wait`` (Teams then tells the bot about the new personal chat and the contact is
kept); the last attempt still ends ``no_contact``. Any other status fails the row at once.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import delivery
from bot.domain.clock import Clock
from bot.domain.delivery import Failure, RetryPolicy
from bot.domain.notices import NoticeKind
from bot.store.db import Store

from .contacts import mark_unreachable
from .leases import Claim, Leases
from .messenger import DeliveryError
from .report import DrainReport
from .status import OutboxStatus
from .unreachable import queue_unreachable_notices

log = logging.getLogger(__name__)


class Outcomes:
    """Records the outcome of one sender's rows; holds the sender's 429 pause."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        leases: Leases,
        retries: RetryPolicy,
        rng: random.Random,
        *,
        install: Callable[[int], Awaitable[bool]] | None,
        install_wait: float,
    ) -> None:
        self.store = store
        self.clock = clock
        self.leases = leases
        self.retries = retries
        self.rng = rng
        #: ``install(member_id)``: for a recipient with no contact, install the bot for them
        #: (bot.services.directory.AppInstaller); True: a contact should follow, so the row
        #: is retried after ``install_wait`` seconds instead of being ``no_contact``.
        self.install = install
        self.install_wait = install_wait
        #: Set by a 429: nothing more is sent by this sender until then.
        self.paused_until: datetime | None = None

    def retry_delay(self, attempts: int, retry_after: float | None) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt (``RetryPolicy.delay``),
        drawn from this sender's ``rng``."""
        return self.retries.delay(attempts, retry_after, self.rng)

    async def no_contact(self, claim: Claim, report: DrainReport) -> None:
        """The person has no stored contact: retried after ``install_wait`` while the bot is
        being installed for them, else ``no_contact`` and the coordinators told."""
        if await self.installing(claim):
            wait = DeliveryError(0, self.install_wait, "AwaitingInstall")
            await self.retry_or_fail(claim, wait, report)
            return
        await self.cannot_reach(claim, OutboxStatus.NO_CONTACT, "NoContact", report)

    async def installing(self, claim: Claim) -> bool:
        """No contact: ask for the bot to be installed for the person (Teams then tells the
        bot, which keeps a contact) and retry later. Not on the last attempt, which falls
        through to ``no_contact`` and the coordinator's notice."""
        if self.install is None or self.retries.exhausted(claim.attempts):
            return False
        try:
            return await self.install(claim.recipient_member_id)
        except Exception as exc:  # the installer maps Graph errors; be safe anyway
            log.warning("outbox %d: install failed: %s", claim.id, type(exc).__name__)
            return False

    async def failed_send(self, claim: Claim, error: DeliveryError, report: DrainReport) -> None:
        log.warning(
            "outbox %d (%s) to member %d: HTTP %d %s (attempt %d)",
            claim.id,
            claim.kind,
            claim.recipient_member_id,
            error.status,
            error.code,
            claim.attempts,
        )
        match delivery.classify(error.status):
            case Failure.BLOCKED:
                await self.cannot_reach(
                    claim,
                    OutboxStatus.UNREACHABLE,
                    error.code,
                    report,
                    mark_contact=True,
                    conversation_id=error.conversation_id,
                )
            case Failure.RETRY:
                await self.retry_or_fail(claim, error, report)
            case Failure.FAILED:
                await self.finish(
                    claim,
                    OutboxStatus.FAILED,
                    report,
                    error=error.code,
                    conversation_id=error.conversation_id,
                )

    async def retry_or_fail(self, claim: Claim, error: DeliveryError, report: DrainReport) -> None:
        now = self.clock.now()
        when = now + timedelta(seconds=self.retry_delay(claim.attempts, error.retry_after))
        if delivery.pauses_sender(error.status):
            # Throttled: hold back this sender as a whole, not only this row.
            self.paused_until = delivery.paused_until(self.paused_until, when)
        if self.retries.exhausted(claim.attempts):
            await self.finish(
                claim,
                OutboxStatus.FAILED,
                report,
                error=error.code,
                conversation_id=error.conversation_id,
            )
            return
        await self.finish(
            claim,
            OutboxStatus.RETRY,
            report,
            error=error.code,
            next_attempt_at=when,
            conversation_id=error.conversation_id,
        )

    async def finish(
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
        async def record(into: AsyncSession) -> bool:
            return await self.leases.record(
                into,
                claim,
                status,
                error=error,
                next_attempt_at=next_attempt_at,
                conversation_id=conversation_id,
            )

        if session is None:
            async with self.store.transaction() as own:
                done = await record(own)
        else:
            done = await record(session)
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

    async def cannot_reach(
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
            done = await self.finish(
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
                await mark_unreachable(session, claim.recipient_member_id, now)
            if claim.kind != NoticeKind.UNREACHABLE:
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

    async def release(self, claim: Claim, when: datetime, report: DrainReport) -> None:
        """Put a claimed row back, unsent and with the attempt uncounted, until ``when``."""
        await self.release_many([claim], when, report)

    async def release_many(
        self, claims: Sequence[Claim], when: datetime, report: DrainReport
    ) -> None:
        """Put claimed rows back in one statement (a stop puts back a whole batch)."""
        if not claims:
            return
        back = await self.leases.put_back(claims, when)
        for c in claims:
            if c.id in back:
                report.deferred += 1
                report.outcomes[c.id] = "deferred"
            else:
                report.lost += 1
                report.outcomes[c.id] = "lost"
