"""One action as its own card shows it: the action and its history (who, what, when, in
which meeting), newest first.

What may be done with it, and who may see it at all, is decided in
``bot.services.action_control``; this only reads.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import ActionEventKind
from bot.domain.views import ActionCardView, ActionEventView, MemberView
from bot.services.readmodels.actions import action_views
from bot.services.readmodels.lookups import Lookups, locality_names, member_names
from bot.store import tables as t

#: How many entries of the history the card shows (newest first); the count says the rest.
HISTORY_SHOWN = 12

#: Entries whose note is "<from member id>-><to member id>", shown as names.
_MOVES = frozenset({ActionEventKind.HANDED_OVER.value, ActionEventKind.REASSIGNED.value})


async def action_card_view(
    session: AsyncSession,
    action: t.Action,
    lookups: Lookups,
    today: date,
    *,
    may_control: bool,
    owners: tuple[MemberView, ...] = (),
    meeting_id: int | None = None,
) -> ActionCardView:
    """The action, its newest ``HISTORY_SHOWN`` history entries and how many there are."""
    (view,) = await action_views(session, [action], lookups, today)
    events = (
        await session.scalars(
            select(t.ActionEvent)
            .where(t.ActionEvent.action_id == action.id)
            .order_by(t.ActionEvent.at.desc(), t.ActionEvent.id.desc())
            .limit(HISTORY_SHOWN)
        )
    ).all()
    total = int(
        await session.scalar(
            select(func.count())
            .select_from(t.ActionEvent)
            .where(t.ActionEvent.action_id == action.id)
        )
        or 0
    )
    people: set[int | None] = {e.member_id for e in events}
    for event in events:
        if event.kind in _MOVES:
            people.update(_moved(event.note))
    names = await member_names(session, people)
    meetings = {e.meeting_id for e in events if e.meeting_id is not None}
    dates: dict[int, date] = {}
    if meetings:
        dates = {
            row.id: row.started_at.date()
            for row in await session.execute(
                select(t.Meeting.id, t.Meeting.started_at).where(t.Meeting.id.in_(meetings))
            )
        }
    history = tuple(
        ActionEventView(
            kind=event.kind,
            note=_note(event, names),
            by=names.get(event.member_id, ""),
            at=event.at,
            meeting_date=dates.get(event.meeting_id) if event.meeting_id is not None else None,
        )
        for event in events
    )
    return ActionCardView(
        action=view,
        locality=(await locality_names(session)).get(action.locality_id, ""),
        history=history,
        history_total=total,
        may_control=may_control,
        owners=owners,
        meeting_id=meeting_id,
        owner_member_id=action.owner_member_id,
    )


def _moved(note: str) -> tuple[int | None, int | None]:
    """The two member ids of a hand-over's or reassignment's note ("12->14")."""
    before, _, after = note.partition("->")
    return (
        int(before) if before.isdigit() else None,
        int(after) if after.isdigit() else None,
    )


def _note(event: t.ActionEvent, names: dict[int, str]) -> str:
    if event.kind not in _MOVES:
        return event.note
    before, after = _moved(event.note)
    old = names.get(before, "") if before is not None else ""
    new = names.get(after, "") if after is not None else ""
    return f"from {old or 'a former member'} to {new or 'a former member'}"
