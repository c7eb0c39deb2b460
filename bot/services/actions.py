"""Actions between meetings: owners update, close, re-date and hand over; coordinators ask
what is outstanding.

Actions agreed and never followed up are the failure serious case reviews name most;
everything here keeps a history (who, what, when) and checks, for each change, that the
person is the owner, their agency's lead, or a chair or coordinator of the locality.
What the cards show, lists and pages included, is read in ``readmodels.actions``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.card_fields import card_id
from bot.domain.clock import Clock, london_today
from bot.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from bot.domain.filters import ActionFilter
from bot.domain.model import ActionStatus, Role
from bot.domain.notices import Notice, NoticeKind
from bot.domain.rules import (
    MAX_ENTRY_CHARS,
    parse_new_due_date,
    recorded_text,
)
from bot.domain.views import (
    DateRequestView,
    OutstandingActionRow,
    OutstandingPage,
    OwnedActionView,
)
from bot.services.action_access import Reach, reach_of
from bot.services.context import ActorRef
from bot.services.escalations import escalatable_actions
from bot.services.outbox import IfQueued, enqueue
from bot.services.readmodels.actions import (
    DaysBetween,
    date_request_view,
    hand_over_colleagues,
    outstanding_count,
    outstanding_rows,
    outstanding_where,
    owned_action,
    owned_actions,
    owners_named,
)
from bot.services.readmodels.lookups import load_lookups, locality_names
from bot.services.readmodels.members import people_in
from bot.services.records import refused_unseen, row_named
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

PAGE_SIZE = 10
NOT_YOURS = (
    "Only the action's owner, their agency's lead, or the group's chair or coordinator can "
    "change it."
)


def _calendar_days(a: date, b: date) -> int:
    return (b - a).days


class ActionService:
    def __init__(
        self,
        store: Store,
        clock: Clock,
        key_agencies: Sequence[str],
        days_between: DaysBetween = _calendar_days,
    ) -> None:
        self.store = store
        self.clock = clock
        self.key_agencies = tuple(key_agencies)
        self.days_between = days_between

    # -- the owner's view ---------------------------------------------------------------

    async def my_actions(self, actor: ActorRef) -> list[OwnedActionView]:
        async with self.store.reading() as session:
            reach = await reach_of(session, actor)
            owned = await owned_actions(session, reach.member.id, self._today())
            audit.note(
                session, audit.AuditAction.VIEW, "actions", detail=f"my actions: {len(owned)}"
            )
            return owned

    async def _changeable(self, session: AsyncSession, reach: Reach, action_id: object) -> t.Action:
        action = await row_named(session, t.Action, action_id)
        if action is None:
            raise NotFound()
        if not (reach.may_change(action) or action.locality_id in reach.member_of):
            refused_unseen(
                session, reach.member.id, "actions", action.id, action.locality_id, "change action"
            )
            raise NotFound()
        if not reach.may_change(action):
            raise NotPermitted(NOT_YOURS)
        if action.status != ActionStatus.OPEN:
            raise Conflict("That action is already closed.")
        return action

    def _event(
        self, session: AsyncSession, action: t.Action, member: t.Member, kind: str, note: str = ""
    ) -> None:
        now = self.clock.now()
        action.updated_at = now
        session.add(
            t.ActionEvent(action_id=action.id, kind=kind, note=note, member_id=member.id, at=now)
        )

    async def add_update(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None:
        field = f"update-{action_id}"
        async with self._changing(actor, activity_id, action_id) as change:
            session, reach, action = change
            text = recorded_text(data, field, "The update", MAX_ENTRY_CHARS, self._today())
            self._event(session, action, reach.member, "update", text)
            return await self._one(session, action)

    async def mark_done(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None:
        field = f"done-{action_id}"
        async with self._changing(actor, activity_id, action_id) as change:
            session, reach, action = change
            note = recorded_text(data, field, "What was done", MAX_ENTRY_CHARS, self._today())
            action.status = ActionStatus.DONE
            action.requested_due_date = None
            self._event(session, action, reach.member, "done", note)
            return None

    async def request_new_date(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None:
        """Owners ask; the chair decides. The request waits on the action meanwhile."""
        date_field, reason_field = f"newDate-{action_id}", f"reason-{action_id}"
        async with self._changing(actor, activity_id, action_id) as change:
            session, reach, action = change
            wanted, reason = parse_new_due_date(
                data, (date_field, reason_field), "The reason", action.due_date, self._today()
            )
            action.requested_due_date = wanted
            action.request_reason = reason
            action.requested_by_member_id = reach.member.id
            action.requested_at = self.clock.now()
            self._event(
                session,
                action,
                reach.member,
                "date_requested",
                f"{wanted.isoformat()}: {reason}",
            )
            await _queue_for_deciders(session, action, self.clock.now())
            return await self._one(session, action)

    async def hand_over_choices(self, actor: ActorRef, action_id: object) -> OwnedActionView:
        """One action with the colleagues it may be handed to (same agency, same group).

        Asked for when the owner presses "Hand over", not drawn into every "my actions"
        card: an agency can have dozens of people in a group, and listing them under each
        of fifteen actions made that card several times larger (and slower to build and
        send) for a choice made rarely."""
        async with self.store.reading() as session:
            reach = await reach_of(session, actor)
            action = await self._changeable(session, reach, action_id)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "actions",
                action.id,
                locality_id=action.locality_id,
                detail="hand-over choices",
            )
            return await owned_action(session, action.id, self._today(), colleagues=True)

    async def hand_over(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None:
        field = f"handTo-{action_id}"
        async with self._changing(actor, activity_id, action_id) as change:
            session, reach, action = change
            lookups = await load_lookups(session, self.key_agencies)
            agency = lookups.agency_name(action.agency_id)
            colleagues = await hand_over_colleagues(
                session, action.locality_id, action.agency_id, action.owner_member_id, agency
            )
            allowed = {m.id for m in colleagues}
            to_id = card_id(data.get(field))
            if to_id is None or to_id not in allowed:
                locality = (await locality_names(session)).get(action.locality_id, "")
                raise InvalidInput(
                    {
                        field: f"Choose a colleague in {agency} who is a member of the {locality} "
                        "group. To move an action to another agency, ask the chair."
                    }
                )
            previous = action.owner_member_id
            action.owner_member_id = to_id
            self._event(session, action, reach.member, "handed_over", f"{previous}->{to_id}")
            return None

    # -- the chair's decision on a new date -----------------------------------------------

    async def date_request(self, actor: ActorRef, action_id: object) -> DateRequestView:
        async with self.store.reading() as session:
            reach = await reach_of(session, actor)
            action = await self._for_decider(session, reach, action_id)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "actions",
                action.id,
                locality_id=action.locality_id,
                detail="date request",
            )
            return await date_request_view(session, action, "", self.key_agencies)

    async def decide_date(
        self, actor: ActorRef, activity_id: str | None, action_id: object, accept: bool
    ) -> DateRequestView:
        async with self._write(activity_id) as session:
            reach = await reach_of(session, actor)
            action = await self._for_decider(session, reach, action_id)
            if action.requested_due_date is None:
                raise Conflict("That request has already been decided.")
            decided = "accepted" if accept else "refused"
            view = await date_request_view(session, action, decided, self.key_agencies)
            # One decision per request: keyed on when it was asked, not the date asked for,
            # since the same date may be asked for (and decided) again later.
            asked = (action.requested_at or self.clock.now()).isoformat()
            if accept:
                action.due_date = action.requested_due_date
            self._event(
                session,
                action,
                reach.member,
                "date_accepted" if accept else "date_refused",
                action.requested_due_date.isoformat(),
            )
            action.requested_due_date = None
            action.request_reason = ""
            action.requested_by_member_id = None
            action.requested_at = None
            told = Notice(
                NoticeKind.DATE_DECIDED,
                action.owner_member_id,
                {"action_id": action.id, "accepted": accept},
                f"date-decided:{action.id}:{asked}",
            )
            # Refused when already queued: a second decision of one request lost a race.
            await enqueue(session, [told], due=self.clock.now(), if_queued=IfQueued.REFUSE)
            return view

    async def _for_decider(
        self, session: AsyncSession, reach: Reach, action_id: object
    ) -> t.Action:
        action = await row_named(session, t.Action, action_id)
        if action is None:
            raise NotFound()
        if action.locality_id not in reach.member_of:
            refused_unseen(
                session, reach.member.id, "actions", action.id, action.locality_id, "decide date"
            )
            raise NotFound()
        if action.locality_id not in reach.deciding_in:
            raise NotPermitted("Only the group's chair or deputy chair can decide a new due date.")
        return action

    # -- coordinators: what is outstanding ----------------------------------------------

    async def outstanding(
        self, actor: ActorRef, wanted: ActionFilter, page: int = 1, *, page_size: int = PAGE_SIZE
    ) -> OutstandingPage:
        """One page of the open actions the filter selects, with how many there are.

        Only the page's rows are read and decrypted; the others are only counted, in the
        same statement (see ``readmodels.actions.outstanding_rows``), whatever the number
        of open actions."""
        async with self.store.reading() as session:
            reach = await reach_of(session, actor)
            today = self._today()
            where = await outstanding_where(session, reach, wanted, today)
            page = max(1, page)
            rows, total = await outstanding_rows(
                session,
                where,
                today,
                self.days_between,
                limit=page_size,
                offset=(page - 1) * page_size,
            )
            if not rows and page > 1:
                # Past the end (the list has shrunk since the card was drawn): the last page.
                total = await outstanding_count(session, where)
                page = max(1, -(-total // page_size))
                if total:
                    rows, total = await outstanding_rows(
                        session,
                        where,
                        today,
                        self.days_between,
                        limit=page_size,
                        offset=(page - 1) * page_size,
                    )
            pages = max(1, -(-total // page_size))
            page = min(page, pages)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "actions",
                detail=f"outstanding: page {page} of {pages}, {len(rows)} of {total}",
            )
            return OutstandingPage(
                rows=tuple(rows),
                total=total,
                page=page,
                pages=pages,
                description=wanted.describe(),
                filter_data=(await owners_named(session, wanted)).as_data(),
                can_escalate=await escalatable_actions(
                    session, reach.member.id, [row.id for row in rows]
                ),
            )

    async def outstanding_all(
        self, actor: ActorRef, wanted: ActionFilter
    ) -> list[OutstandingActionRow]:
        """Every row of the filter, for an export (same access rules as the card)."""
        async with self.store.reading() as session:
            reach = await reach_of(session, actor)
            today = self._today()
            where = await outstanding_where(session, reach, wanted, today)
            rows, _ = await outstanding_rows(session, where, today, self.days_between)
            audit.note(
                session, audit.AuditAction.EXPORT, "actions", detail=f"outstanding: {len(rows)}"
            )
            return rows

    # -- plumbing -------------------------------------------------------------------------

    @asynccontextmanager
    async def _changing(
        self, actor: ActorRef, activity_id: str | None, action_id: object
    ) -> AsyncIterator[tuple[AsyncSession, Reach, t.Action]]:
        """One change to an open action: a transaction that claims the activity id, finds
        the person's reach and the action, and refuses anyone who may not change it."""
        async with self._write(activity_id) as session:
            reach = await reach_of(session, actor)
            yield session, reach, await self._changeable(session, reach, action_id)

    def _today(self) -> date:
        return london_today(self.clock)

    def _write(self, activity_id: str | None) -> AbstractAsyncContextManager[AsyncSession]:
        return self.store.transaction(activity_id=activity_id, now=self.clock.now())

    async def _one(self, session: AsyncSession, action: t.Action) -> OwnedActionView:
        await session.flush()
        return await owned_action(session, action.id, self._today())


async def _queue_for_deciders(session: AsyncSession, action: t.Action, now: datetime) -> None:
    deciders = await people_in(session, action.locality_id, (Role.CHAIR, Role.DEPUTY_CHAIR))
    stamp = action.requested_at.isoformat() if action.requested_at else now.isoformat()
    notices = [
        Notice(
            NoticeKind.DATE_REQUEST,
            member_id,
            {"action_id": action.id},
            f"date-request:{action.id}:{stamp}:{member_id}",
        )
        for member_id in deciders
    ]
    await enqueue(session, notices, due=now, if_queued=IfQueued.REFUSE)
