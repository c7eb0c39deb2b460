"""The retention run (rules: ``bot.domain.retention``). The legal holds it obeys are
placed, lifted and listed by bot.services.legal_holds.

Every deletion of a record about someone goes through the ORM (``session.delete``) inside
``store.transaction``, so the audit trail gets a ``delete`` entry per row, in the same
transaction, with the retention rule as its reason. Work is done in small batches, each
its own transaction (a batch of actions, one meeting, a batch of subjects), so a run never
holds locks for long and one that stops half way has still committed whole batches only.
Holds are read again in every batch, so a hold placed while a run is under way protects
its records from the next batch on.

Rows are loaded with their key columns only: deleting never decrypts anything, so a row
under a retired key can still be deleted.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, load_only
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.clock import Clock
from bot.domain.model import ChallengeStatus, MeetingStatus
from bot.domain.retention import (
    CLOSED_ACTION_STATUSES,
    Holds,
    HoldScope,
    RecordKind,
    RetentionPolicy,
)
from bot.services.outbox import OutboxStatus
from bot.services.register_access import ACCEPTED, SHARE
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

log = logging.getLogger(__name__)

#: Who the audit trail says deleted what the run deletes.
ACTOR = "system:retention"

#: How long page sessions and code-flow sign-ins are kept once ended, used or expired.
WEB_ROWS_KEPT = timedelta(days=1)

#: Rows (actions, subjects, housekeeping) or meetings per transaction.
BATCH_SIZE = 200

#: Outbox rows in these states are done with: nothing will send or retry them.
FINISHED_OUTBOX = tuple(
    s.value
    for s in (
        OutboxStatus.SENT,
        OutboxStatus.FAILED,
        OutboxStatus.DROPPED,
        OutboxStatus.UNREACHABLE,
        OutboxStatus.NO_CONTACT,
    )
)


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one run did: rows deleted per table, and expired records kept under hold."""

    deleted: Mapping[str, int]
    #: Expired meetings, actions and subjects a legal hold kept, by kind.
    held: Mapping[str, int]
    policy: str

    @property
    def total(self) -> int:
        return sum(self.deleted.values())

    def lines(self) -> list[str]:
        lines = [f"Retention periods (days): {self.policy}"]
        if not self.total:
            lines.append("Nothing had expired.")
        for table, count in sorted(self.deleted.items()):
            if count:
                lines.append(f"Deleted {count} from {table}")
        for kind, count in sorted(self.held.items()):
            if count:
                lines.append(f"Kept under legal hold: {count} expired {kind}")
        return lines


class RetentionService:
    def __init__(
        self, store: Store, clock: Clock, policy: RetentionPolicy, *, batch_size: int = BATCH_SIZE
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.batch_size = max(1, batch_size)

    # -- the run -----------------------------------------------------------------------

    async def run(self) -> RetentionReport:
        """Delete everything that has expired and is not held. Safe to repeat."""
        now = self.clock.now()
        deleted: Counter[str] = Counter()
        held: Counter[str] = Counter()
        # Actions first: a meeting's row can go once its last action has gone.
        await self._expire_actions(now, deleted, held)
        await self._expire_meetings(now, deleted, held)
        await self._expire_subjects(now, deleted, held)
        await self._housekeeping(now, deleted)
        report = RetentionReport(dict(deleted), dict(held), self.policy.describe())
        log.info("retention run deleted %d rows", report.total)
        return report

    @asynccontextmanager
    async def _batch(self, now: datetime) -> AsyncIterator[AsyncSession]:
        async with self.store.transaction(now=now) as session:
            audit.act_as(session.sync_session, ACTOR)
            yield session

    async def _expire_actions(
        self, now: datetime, deleted: Counter[str], held: Counter[str]
    ) -> None:
        cutoff = self.policy.cutoff(RecordKind.ACTIONS, now)
        reason = f"retention: closed over {self.policy.actions} days"
        A = t.Action
        cursor = 0
        while True:
            async with self._batch(now) as session:
                rows = (
                    await session.execute(
                        select(A.id, A.locality_id, A.meeting_id, A.subject_id)
                        .where(
                            A.status.in_(CLOSED_ACTION_STATUSES),
                            A.updated_at < cutoff,
                            A.id > cursor,
                        )
                        .order_by(A.id)
                        .limit(self.batch_size)
                    )
                ).all()
                if not rows:
                    return
                cursor = rows[-1].id
                holds = await _holds(session)
                by_locality: dict[int, list[int]] = defaultdict(list)
                for row in rows:
                    if holds.keeps_action(row.locality_id, row.meeting_id, row.subject_id):
                        held[RecordKind.ACTIONS.value] += 1
                    else:
                        by_locality[row.locality_id].append(row.id)
                for locality_id, ids in sorted(by_locality.items()):
                    audit.act_as(session.sync_session, ACTOR, locality_id)
                    await _delete(session, deleted, t.ActionEvent, t.ActionEvent.action_id.in_(ids))
                    # What a correction kept of it (its text before, and why: issue 16).
                    await _delete(
                        session,
                        deleted,
                        t.RecordCorrection,
                        and_(
                            t.RecordCorrection.record_type == "actions",
                            t.RecordCorrection.record_id.in_(ids),
                        ),
                    )
                    await _delete(
                        session, deleted, t.ReminderSent, t.ReminderSent.action_id.in_(ids)
                    )
                    # Its escalations go with it (issue 16): what and why are about it.
                    await _delete(session, deleted, t.Escalation, t.Escalation.action_id.in_(ids))
                    await session.flush()
                    await _delete(session, deleted, A, A.id.in_(ids), A.locality_id)
                    await session.flush()
                _explain(session, reason)

    def _expired_meetings(self, now: datetime) -> ColumnElement[bool]:
        """Ended long enough ago, with something left to delete, and no open challenge."""
        M = t.Meeting
        cutoff = self.policy.cutoff(RecordKind.MEETINGS, now)
        has_content = or_(
            *(
                exists().where(table.meeting_id == M.id)
                for table in (
                    t.MinuteEntry,
                    t.Attendance,
                    t.ShareRound,
                    t.Challenge,
                    t.ItemSubject,
                )
            ),
            # A minute's or decision's correction (issue 16); an action's goes with it.
            exists().where(
                t.RecordCorrection.meeting_id == M.id,
                t.RecordCorrection.record_type != "actions",
            ),
        )
        has_actions = exists().where(t.Action.meeting_id == M.id)
        open_challenge = exists().where(
            t.Challenge.meeting_id == M.id, t.Challenge.status == ChallengeStatus.OPEN.value
        )
        return and_(
            M.status == MeetingStatus.ENDED.value,
            or_(M.ended_at < cutoff, and_(M.ended_at.is_(None), M.started_at < cutoff)),
            or_(has_content, ~has_actions),
            ~open_challenge,
        )

    async def _expire_meetings(
        self, now: datetime, deleted: Counter[str], held: Counter[str]
    ) -> None:
        M = t.Meeting
        cursor = 0
        while True:
            async with self.store.reading() as session:
                ids = list(
                    await session.scalars(
                        select(M.id)
                        .where(self._expired_meetings(now), M.id > cursor)
                        .order_by(M.id)
                        .limit(self.batch_size)
                    )
                )
            if not ids:
                return
            cursor = ids[-1]
            for meeting_id in ids:
                await self._expire_meeting(meeting_id, now, deleted, held)

    async def _expire_meeting(
        self, meeting_id: int, now: datetime, deleted: Counter[str], held: Counter[str]
    ) -> None:
        """One meeting, one transaction: its content, then (if no action needs it) itself."""
        M = t.Meeting
        async with self._batch(now) as session:
            meeting = await session.scalar(
                select(M)
                .options(load_only(M.id, M.locality_id))
                .where(M.id == meeting_id, self._expired_meetings(now))
            )
            if meeting is None:
                return  # changed since it was listed
            if (await _holds(session)).keeps_meeting(meeting.locality_id, meeting.id):
                held[RecordKind.MEETINGS.value] += 1
                return
            audit.act_as(session.sync_session, ACTOR, meeting.locality_id)
            rounds = select(t.ShareRound.id).where(t.ShareRound.meeting_id == meeting.id)
            await _delete(session, deleted, t.RoundTurn, t.RoundTurn.round_id.in_(rounds))
            challenges = select(t.Challenge.id).where(
                or_(t.Challenge.meeting_id == meeting.id, t.Challenge.round_id.in_(rounds))
            )
            await _delete(session, deleted, t.Escalation, t.Escalation.challenge_id.in_(challenges))
            await session.flush()
            await _delete(
                session,
                deleted,
                t.Challenge,
                or_(t.Challenge.meeting_id == meeting.id, t.Challenge.round_id.in_(rounds)),
                t.Challenge.locality_id,
            )
            await session.flush()
            # What its minutes and decisions said before a correction, and why (issue 16),
            # goes with them; an action's corrections go with the action.
            await _delete(
                session,
                deleted,
                t.RecordCorrection,
                and_(
                    t.RecordCorrection.meeting_id == meeting.id,
                    t.RecordCorrection.record_type != "actions",
                ),
            )
            for table in (t.MinuteEntry, t.Attendance, t.ShareRound, t.ItemSubject):
                await _delete(session, deleted, table, table.meeting_id == meeting.id)
            # Who said they were there, who rated it and its anonymous ratings (issue 16).
            for rated in (t.MeetingAttendee, t.MeetingRater, t.MeetingRating):
                await _delete(session, deleted, rated, rated.meeting_id == meeting.id)
            await session.flush()
            still_needed = await session.scalar(
                select(exists().where(t.Action.meeting_id == meeting.id))
            )
            if not still_needed:
                # A subject's history and links outlive the meeting they were recorded
                # at: they keep their entry and lose the pointer.
                await _unlink(session, t.SubjectEvent, t.SubjectEvent.meeting_id, meeting.id)
                await _unlink(session, t.SubjectLink, t.SubjectLink.meeting_id, meeting.id)
                await _unlink(session, t.Escalation, t.Escalation.meeting_id, meeting.id)
                await _delete(session, deleted, t.AgendaItem, t.AgendaItem.meeting_id == meeting.id)
                await _delete(
                    session,
                    deleted,
                    t.RecordCorrection,
                    t.RecordCorrection.meeting_id == meeting.id,
                )
                await session.flush()
                await session.delete(meeting)
                deleted[M.__tablename__] += 1
                await session.flush()
            _explain(session, f"retention: ended over {self.policy.meetings} days")

    async def _expire_subjects(
        self, now: datetime, deleted: Counter[str], held: Counter[str]
    ) -> None:
        cutoff = self.policy.cutoff(RecordKind.SUBJECTS, now)
        S = t.Subject
        cursor = 0
        while True:
            async with self._batch(now) as session:
                rows = (
                    await session.execute(
                        select(S.id, S.locality_id)
                        .where(
                            S.created_at < cutoff,
                            or_(S.updated_at.is_(None), S.updated_at < cutoff),
                            or_(
                                S.last_discussed_on.is_(None),
                                S.last_discussed_on < cutoff.date(),
                            ),
                            ~exists().where(t.Action.subject_id == S.id),
                            S.id > cursor,
                        )
                        .order_by(S.id)
                        .limit(self.batch_size)
                    )
                ).all()
                if not rows:
                    return
                cursor = rows[-1].id
                holds = await _holds(session)
                doomed = []
                for row in rows:
                    if holds.keeps_subject(row.locality_id, row.id):
                        held[RecordKind.SUBJECTS.value] += 1
                    else:
                        doomed.append(row.id)
                if doomed:
                    await _delete_subjects(session, deleted, doomed)
                _explain(session, f"retention: unused over {self.policy.subjects} days")

    async def _housekeeping(self, now: datetime, deleted: Counter[str]) -> None:
        """Bookkeeping rows, outside the audit trail: deleted by id in batches."""
        cutoff = self.policy.cutoff(RecordKind.HOUSEKEEPING, now)
        OM, PA = t.OutboxMessage, t.ProcessedActivity
        while True:
            async with self._batch(now) as session:
                ids = list(
                    await session.scalars(
                        select(OM.id)
                        .where(OM.status.in_(FINISHED_OUTBOX), OM.created_at < cutoff)
                        .order_by(OM.id)
                        .limit(self.batch_size)
                    )
                )
                if ids:
                    await session.execute(
                        update(t.ReminderSent)
                        .where(t.ReminderSent.outbox_id.in_(ids))
                        .values(outbox_id=None)
                    )
                    await session.execute(delete(OM).where(OM.id.in_(ids)))
                    deleted[OM.__tablename__] += len(ids)
            if len(ids) < self.batch_size:
                break
        await self._delete_in_batches(
            now, deleted, PA.activity_id, PA.processed_at < cutoff, PA.processed_at
        )
        DL = t.DownloadLink  # download links: issue and fetches stay in the audit trail
        await self._delete_in_batches(now, deleted, DL.id, DL.expires_at < cutoff, DL.expires_at)
        await self._web_sign_ins(now, deleted)

    async def _web_sign_ins(self, now: datetime, deleted: Counter[str]) -> None:
        """Page sessions ended or expired, and code-flow sign-ins used or expired, a day
        on (``WEB_ROWS_KEPT``): the audit trail keeps each sign-in and sign-out. A
        session unseen for a day has expired (its idle limit is at most four hours)."""
        day_ago = now - WEB_ROWS_KEPT
        WS, WI = t.WebSession, t.WebSignIn
        ended = or_(WS.ended_at < day_ago, WS.last_seen_at < day_ago)
        await self._delete_in_batches(now, deleted, WS.id, ended, WS.id)
        await self._delete_in_batches(now, deleted, WI.id, WI.created_at < day_ago, WI.id)

    async def _delete_in_batches(
        self,
        now: datetime,
        deleted: Counter[str],
        key: InstrumentedAttribute[Any],
        doomed: ColumnElement[bool],
        order: InstrumentedAttribute[Any],
    ) -> None:
        """Delete the rows of ``key``'s table where ``doomed``, a batch per transaction, so
        a large backlog never holds one long lock."""
        table = key.class_
        while True:
            async with self._batch(now) as session:
                keys = list(
                    await session.scalars(
                        select(key).where(doomed).order_by(order).limit(self.batch_size)
                    )
                )
                if keys:
                    await session.execute(delete(table).where(key.in_(keys)))
                    deleted[table.__tablename__] += len(keys)
            if len(keys) < self.batch_size:
                break


async def _delete_subjects(session: AsyncSession, deleted: Counter[str], doomed: list[int]) -> None:
    """Subjects and all that belongs to them; what belongs to a meeting loses the pointer.

    The rows go child first (each audited), then the subjects; minute entries and rounds
    about a subject stay with their meeting, ``subject_id`` set to NULL (audited updates).
    """
    S = t.Subject
    for model, where in (
        (t.SubjectEvent, t.SubjectEvent.subject_id.in_(doomed)),
        (t.SubjectStrand, t.SubjectStrand.subject_id.in_(doomed)),
        (
            t.SubjectLink,
            or_(t.SubjectLink.subject_a_id.in_(doomed), t.SubjectLink.subject_b_id.in_(doomed)),
        ),
        (t.ItemSubject, t.ItemSubject.subject_id.in_(doomed)),
        (t.SubjectShare, t.SubjectShare.subject_id.in_(doomed)),
        (t.Escalation, t.Escalation.subject_id.in_(doomed)),
    ):
        await _delete(session, deleted, model, where)
    for table in (t.MinuteEntry, t.ShareRound):
        await _unlink(session, table, table.subject_id, doomed)
    await session.flush()
    await _delete(session, deleted, S, S.id.in_(doomed), S.locality_id)
    await session.flush()


async def _unlink(
    session: AsyncSession, model: Any, column: InstrumentedAttribute[Any], target: int | list[int]
) -> None:
    """Set ``column`` to NULL where it points at ``target`` (an id or ids), row by row
    through the unit of work so each change is audited; nothing else is loaded."""
    where = column.in_(target) if isinstance(target, list) else column == target
    rows = (
        await session.scalars(
            select(model).options(load_only(model.id, column, *_audited(model))).where(where)
        )
    ).all()
    for row in rows:
        setattr(row, column.key, None)


async def _holds(session: AsyncSession) -> Holds:
    LH = t.LegalHold
    active = (
        await session.execute(select(LH.scope, LH.target_id).where(LH.lifted_at.is_(None)))
    ).all()
    subjects = [target for scope, target in active if scope == HoldScope.SUBJECT.value]
    localities = [target for scope, target in active if scope == HoldScope.LOCALITY.value]
    meetings: set[int] = set()
    kept: set[int] = set()
    if subjects:
        for query in (
            select(t.Action.meeting_id).where(t.Action.subject_id.in_(subjects)),
            select(t.ItemSubject.meeting_id).where(t.ItemSubject.subject_id.in_(subjects)),
            select(t.MinuteEntry.meeting_id).where(t.MinuteEntry.subject_id.in_(subjects)),
            select(t.ShareRound.meeting_id).where(t.ShareRound.subject_id.in_(subjects)),
            select(t.SubjectEvent.meeting_id).where(t.SubjectEvent.subject_id.in_(subjects)),
            select(t.SubjectLink.meeting_id).where(
                or_(
                    t.SubjectLink.subject_a_id.in_(subjects),
                    t.SubjectLink.subject_b_id.in_(subjects),
                )
            ),
        ):
            meetings.update(m for m in await session.scalars(query.distinct()) if m is not None)
        links = await session.execute(
            select(t.SubjectLink.subject_a_id, t.SubjectLink.subject_b_id).where(
                or_(
                    t.SubjectLink.subject_a_id.in_(subjects),
                    t.SubjectLink.subject_b_id.in_(subjects),
                )
            )
        )
        for a, b in links:
            kept.update((a, b))
    if localities:
        kept.update(
            await session.scalars(
                select(t.SubjectShare.subject_id).where(
                    t.SubjectShare.to_locality_id.in_(localities),
                    t.SubjectShare.mode == SHARE,
                    t.SubjectShare.status == ACCEPTED,
                )
            )
        )
    return Holds.of(((scope, target) for scope, target in active), meetings, kept)


async def _delete(
    session: AsyncSession,
    deleted: Counter[str],
    model: Any,
    where: ColumnElement[bool],
    *columns: Any,
) -> None:
    """Delete matching rows one by one through the unit of work, so each is audited.

    Only the key (and ``columns``, e.g. the locality the audit entry names) is loaded.
    """
    rows = (
        await session.scalars(
            select(model).options(load_only(model.id, *columns, *_audited(model))).where(where)
        )
    ).all()
    for row in rows:
        await session.delete(row)
    if rows:
        deleted[model.__tablename__] += len(rows)


def _audited(model: Any) -> tuple[Any, ...]:
    """The columns the audit entry reads (the row's locality), so none is lazy-loaded."""
    column = getattr(model, "locality_id", None)
    return (column,) if column is not None else ()


def _explain(session: AsyncSession, reason: str) -> None:
    """Give this transaction's deletion entries the rule that caused them as their reason."""
    for entry in audit.context_of(session.sync_session).pending:
        if entry.action == audit.AuditAction.DELETE and not entry.reason:
            entry.reason = reason[:200]
