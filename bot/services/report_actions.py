"""The actions that the report's action figures and the dashboard's month-by-month series
count, counted in SQL: one statement gives ``ActionBucket`` and ``ClosingCount`` rows
(bot.domain.report says what each holds), from which bot.services.report tallies the
report's figures and bot.domain.dashboard draws the months.

Why in SQL: a coordinator's group has thousands of actions touching a year. Reading each
one back (its moments decoded, then its London day taken in Python) was two thirds of a
dashboard's time (bench/changes.md). Grouped by the places of its moments among the
period's parts, the same counts come back as a few hundred rows.

Only actions that touch the period are read (raised, closed or escalated in it, or open),
so three years of a hundred thousand actions read as one quarter's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import ActionEventKind, ActionStatus
from bot.domain.report import ActionBucket, ClosingCount, ReportPeriod
from bot.store import tables as t
from bot.store.days import days_between, london_date

_FINISHED = (ActionStatus.DONE.value, ActionStatus.CANCELLED.value)
_BUCKET, _CLOSING = 0, 1


@dataclass(frozen=True, slots=True)
class ActionCounts:
    """The actions touching a period, counted over its ``parts`` (see ``ActionBucket``)."""

    parts: int
    buckets: tuple[ActionBucket, ...]
    closings: tuple[ClosingCount, ...]


async def action_counts(
    session: AsyncSession,
    locality_ids: Sequence[int],
    period: ReportPeriod,
    parts: Sequence[ReportPeriod] | None = None,
) -> ActionCounts:
    """The actions of these localities that touch ``period``, placed among ``parts``
    (consecutive, covering the period; by default the period itself), in one statement:
    the actions are read once (a CTE) and grouped twice."""
    cut = list(parts) if parts else [period]
    lo, hi = period.bounds()
    ends = [part.bounds()[1] for part in cut]
    last_days = [part.end for part in cut]
    touching = _touching(list(locality_ids), lo, hi).cte("touching")
    a = touching.c

    raised = _place(a.created_at, lo, ends)
    finished = case((a.finished_at.is_(None), null()), else_=_place(a.finished_at, lo, ends))
    due = case(*[(a.due_date < day, i) for i, day in enumerate(last_days)], else_=len(cut))
    escalated = case((and_(a.escalated_at >= lo, a.escalated_at < hi), 1), else_=0)
    placed = select(
        a.locality_id,
        a.status,
        raised.label("raised"),
        finished.label("finished"),
        due.label("due"),
        escalated.label("escalated"),
    ).subquery("placed")
    p = placed.c
    bucket_keys = (p.locality_id, p.status, p.raised, p.finished, p.due, p.escalated)
    buckets = select(literal(_BUCKET), *bucket_keys, null(), null(), func.count()).group_by(
        *bucket_keys
    )

    done_on = london_date(a.finished_at)
    closed = select(
        a.locality_id,
        case((done_on <= a.due_date, 1), else_=0).label("on_time"),
        days_between(done_on, london_date(a.created_at)).label("days"),
    ).where(a.status == ActionStatus.DONE, a.finished_at >= lo, a.finished_at < hi)
    c = closed.subquery("closed").c
    closing_keys = (c.locality_id, c.on_time, c.days)
    closings = select(
        literal(_CLOSING),
        c.locality_id,
        null(),
        null(),
        null(),
        null(),
        null(),
        c.on_time,
        c.days,
        func.count(),
    ).group_by(*closing_keys)

    got_buckets: list[ActionBucket] = []
    got_closings: list[ClosingCount] = []
    for kind, locality_id, status, r, f, d, e, on_time, days, n in await session.execute(
        union_all(buckets, closings)
    ):
        if kind == _BUCKET:
            got_buckets.append(ActionBucket(locality_id, status, r, f, d, bool(e), n))
        else:
            got_closings.append(ClosingCount(locality_id, bool(on_time), int(days), n))
    return ActionCounts(len(cut), tuple(got_buckets), tuple(got_closings))


def _place(moment: Any, lo: datetime, ends: Sequence[datetime]) -> ColumnElement[Any]:
    """-1 before ``lo``; else how many of ``ends`` (exclusive, ascending) are at or before
    the moment: the part it falls in, or ``len(ends)`` after the last."""
    whens = [(moment < lo, -1)] + [(moment < end, i) for i, end in enumerate(ends)]
    return case(*whens, else_=len(ends))


def _touching(ids: list[int], lo: datetime, hi: datetime) -> Any:
    """The actions touching the period: locality, status, when raised, due, escalated and
    finished (done or cancelled: its last such event; None while open)."""
    # Every change to an action (done and cancelled included) sets ``updated_at`` to its
    # time, so one closed in or after the period was changed then: the rest of three
    # years is never read.
    touching = and_(
        t.Action.locality_id.in_(ids),
        t.Action.status != ActionStatus.WITHDRAWN,
        t.Action.created_at < hi,
        or_(
            t.Action.status == ActionStatus.OPEN,
            t.Action.created_at >= lo,
            t.Action.escalated_at >= lo,
            t.Action.updated_at >= lo,
        ),
    )
    # When it was done or cancelled: its last such event, found through the index of an
    # action's events by kind (``ix_action_events_action_kind``), one look-up per finished
    # action: a join would read every action's events. An action brought in already
    # closed has no such event: when it was last changed.
    last_event = (
        select(func.max(t.ActionEvent.at))
        .where(
            t.ActionEvent.action_id == t.Action.id,
            t.ActionEvent.kind.in_((ActionEventKind.DONE, ActionEventKind.CANCELLED)),
        )
        .correlate(t.Action)
        .scalar_subquery()
    )
    finished_at = type_coerce(
        case(
            (t.Action.status.in_(_FINISHED), func.coalesce(last_event, t.Action.updated_at)),
            else_=None,
        ),
        t.UTCDateTime(),
    )
    return select(
        t.Action.locality_id,
        t.Action.status,
        t.Action.created_at,
        t.Action.due_date,
        t.Action.escalated_at,
        finished_at.label("finished_at"),
    ).where(touching)
