"""Actions between meetings: owners update, close, re-date and hand over; coordinators ask
what is outstanding.

Actions agreed and never followed up are the failure serious case reviews name most;
everything here keeps a history (who, what, when) and checks, for each change, that the
person is the owner, their agency's lead, or a chair or coordinator of the locality.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.card_fields import card_id
from bot.domain.clock import Clock, london_today
from bot.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from bot.domain.filters import ActionFilter, FilterError
from bot.domain.model import ActionStatus, Role, SubjectKind
from bot.domain.permissions import ROLE_PERMISSIONS, Permission
from bot.domain.rules import (
    MAX_ENTRY_CHARS,
    check_identifying_details,
    clean_text,
    parse_due_date,
    raise_if,
    recorded_text,
    require_text,
    subject_display,
)
from bot.domain.views import (
    ActionView,
    DateRequestView,
    MemberView,
    OutstandingActionRow,
    OutstandingPage,
    OwnedActionView,
)
from bot.services.context import NOT_A_MEMBER, ActorRef, find_member_and_groups
from bot.services.readmodels.lookups import load_lookups
from bot.services.records import row_named
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

PAGE_SIZE = 10
#: An action whose owner is no longer on record (as ``readmodels.action_views`` names them).
UNKNOWN_MEMBER = "Unknown member"
NOT_YOURS = (
    "Only the action's owner, their agency's lead, or the group's chair or coordinator can "
    "change it."
)

#: Working days between two dates; the default counts calendar days, the app passes the
#: England and Wales working-day calendar.
DaysBetween = Callable[[date, date], int]


def _calendar_days(a: date, b: date) -> int:
    return (b - a).days


@dataclass(frozen=True, slots=True)
class Reach:
    """What one member may see and change: by locality, by agency, or their own."""

    member: t.Member
    all_in: frozenset[int]  # localities where they manage every action
    agency_in: frozenset[int]  # localities where they manage their agency's actions
    deciding_in: frozenset[int]  # localities where they decide due-date requests
    member_of: frozenset[int]

    def clause(self) -> ColumnElement[bool]:
        conditions = [t.Action.owner_member_id == self.member.id]
        if self.all_in:
            conditions.append(t.Action.locality_id.in_(self.all_in))
        if self.agency_in:
            conditions.append(
                and_(
                    t.Action.locality_id.in_(self.agency_in),
                    t.Action.agency_id == self.member.agency_id,
                )
            )
        return or_(*conditions)

    def may_change(self, action: t.Action) -> bool:
        return (
            action.owner_member_id == self.member.id
            or action.locality_id in self.all_in
            or (action.locality_id in self.agency_in and action.agency_id == self.member.agency_id)
        )


async def reach_of(session: AsyncSession, actor: ActorRef) -> Reach:
    member, rows = await find_member_and_groups(session, actor)
    if member is None:
        raise NotPermitted(NOT_A_MEMBER)

    def where(permission: Permission) -> frozenset[int]:
        return frozenset(
            locality for locality, role in rows if permission in ROLE_PERMISSIONS[Role(role)]
        )

    return Reach(
        member=member,
        all_in=where(Permission.MANAGE_ACTIONS),
        agency_in=where(Permission.MANAGE_AGENCY_ACTIONS),
        deciding_in=where(Permission.DECIDE_DUE_DATES),
        member_of=frozenset(locality for locality, _ in rows),
    )


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
            owned = await self._owned(session, reach)
            audit.note(
                session, audit.AuditAction.VIEW, "actions", detail=f"my actions: {len(owned)}"
            )
            return owned

    async def _owned(self, session: AsyncSession, reach: Reach) -> list[OwnedActionView]:
        return await self._owned_views(session, _OPEN_OWNED_BY, {"owner": reach.member.id})

    async def _owned_views(
        self,
        session: AsyncSession,
        query: Select[Any],
        parameters: Mapping[str, object],
        *,
        colleagues: bool = False,
    ) -> list[OwnedActionView]:
        """The actions ``query`` finds (``_OPEN_OWNED_BY`` or ``_OWNED_ONE``) as their
        owner sees them, soonest due first: one statement, with names, group, meeting date
        and latest update joined in as for a row of "outstanding actions". "My actions" is
        what partners open most, so the statements are built once, not per turn."""
        today = london_today(self.clock)
        result = []
        for row in (await session.execute(query, parameters)).all():
            agency_name = row.agency_name or ""
            choices = (
                await _colleagues(
                    session, row.locality_id, row.agency_id, row.owner_member_id, agency_name
                )
                if colleagues
                else ()
            )
            status = ActionStatus(row.status)
            result.append(
                OwnedActionView(
                    action=ActionView(
                        id=row.id,
                        description=row.description,
                        owner_name=_owner_name(row.owner_name),
                        agency_name=agency_name,
                        due_date=row.due_date,
                        status=status,
                        subject=_subject(row),
                        overdue=status == ActionStatus.OPEN and row.due_date < today,
                        raised_on=row.raised_at.date() if row.raised_at is not None else None,
                        escalated=row.escalated_at is not None,
                    ),
                    locality=row.locality or "",
                    requested_due_date=row.requested_due_date,
                    last_update=row.last_update if row.last_update is not None else "",
                    colleagues=choices,
                )
            )
        return result

    async def _changeable(self, session: AsyncSession, reach: Reach, action_id: object) -> t.Action:
        action = await row_named(session, t.Action, action_id)
        if action is None or not (
            reach.may_change(action) or action.locality_id in reach.member_of
        ):
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
            errors: dict[str, str] = {}
            today = self._today()
            wanted, error = parse_due_date(data.get(date_field), today)
            if error:
                errors[date_field] = error
            elif wanted == action.due_date:
                errors[date_field] = "That is the current due date; choose a new one."
            reason = clean_text(data.get(reason_field))
            require_text(errors, reason_field, reason, "The reason", MAX_ENTRY_CHARS)
            check_identifying_details(errors, reason_field, reason, today, data)
            raise_if(errors)
            action.requested_due_date = wanted
            action.request_reason = reason
            action.requested_by_member_id = reach.member.id
            action.requested_at = self.clock.now()
            self._event(
                session,
                action,
                reach.member,
                "date_requested",
                f"{wanted.isoformat() if wanted else ''}: {reason}",
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
            only = {"action": action.id}
            return (await self._owned_views(session, _OWNED_ONE, only, colleagues=True))[0]

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
            colleagues = await _colleagues(
                session, action.locality_id, action.agency_id, action.owner_member_id, agency
            )
            allowed = {m.id for m in colleagues}
            to_id = card_id(data.get(field))
            if to_id is None or to_id not in allowed:
                locality = (await _locality_names(session)).get(action.locality_id, "")
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
            return await self._request_view(session, action, "")

    async def decide_date(
        self, actor: ActorRef, activity_id: str | None, action_id: object, accept: bool
    ) -> DateRequestView:
        async with self._write(activity_id) as session:
            reach = await reach_of(session, actor)
            action = await self._for_decider(session, reach, action_id)
            if action.requested_due_date is None:
                raise Conflict("That request has already been decided.")
            view = await self._request_view(session, action, "accepted" if accept else "refused")
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
            _queue(
                session,
                f"date-decided:{action.id}:{asked}",
                "date_decided",
                action.owner_member_id,
                {"action_id": action.id, "accepted": accept},
                self.clock.now(),
            )
            return view

    async def _for_decider(
        self, session: AsyncSession, reach: Reach, action_id: object
    ) -> t.Action:
        action = await row_named(session, t.Action, action_id)
        if action is None or action.locality_id not in reach.member_of:
            raise NotFound()
        if action.locality_id not in reach.deciding_in:
            raise NotPermitted("Only the group's chair or deputy chair can decide a new due date.")
        return action

    async def _request_view(
        self, session: AsyncSession, action: t.Action, decided: str
    ) -> DateRequestView:
        lookups = await load_lookups(session, self.key_agencies)
        names = await session.execute(
            select(t.Member.id, t.Member.name).where(t.Member.id == action.owner_member_id)
        )
        owner = {row.id: row.name for row in names}.get(action.owner_member_id, "")
        return DateRequestView(
            action_id=action.id,
            locality=(await _locality_names(session)).get(action.locality_id, ""),
            owner_name=owner,
            agency_name=lookups.agency_name(action.agency_id),
            current_due=action.due_date,
            requested_due=action.requested_due_date or action.due_date,
            reason=action.request_reason,
            description=action.description,
            decided=decided,
        )

    # -- coordinators: what is outstanding ----------------------------------------------

    async def outstanding(
        self, actor: ActorRef, wanted: ActionFilter, page: int = 1, *, page_size: int = PAGE_SIZE
    ) -> OutstandingPage:
        """One page of the open actions the filter selects, with how many there are.

        Only the page's rows are read and decrypted; the others are only counted, in the
        same statement (see ``_listed``), whatever the number of open actions."""
        async with self.store.reading() as session:
            reach = await reach_of(session, actor)
            where = await self._filtered(session, reach, wanted)
            page = max(1, page)
            rows, total = await self._listed(
                session, where, limit=page_size, offset=(page - 1) * page_size
            )
            if not rows and page > 1:
                # Past the end (the list has shrunk since the card was drawn): the last page.
                total = int(
                    await session.scalar(select(func.count()).select_from(t.Action).where(*where))
                    or 0
                )
                page = max(1, -(-total // page_size))
                if total:
                    rows, total = await self._listed(
                        session, where, limit=page_size, offset=(page - 1) * page_size
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
                filter_data=wanted.as_data(),
            )

    async def outstanding_all(
        self, actor: ActorRef, wanted: ActionFilter
    ) -> list[OutstandingActionRow]:
        """Every row of the filter, for an export (same access rules as the card)."""
        async with self.store.reading() as session:
            reach = await reach_of(session, actor)
            where = await self._filtered(session, reach, wanted)
            rows, _ = await self._listed(session, where)
            audit.note(
                session, audit.AuditAction.EXPORT, "actions", detail=f"outstanding: {len(rows)}"
            )
            return rows

    async def _filtered(
        self, session: AsyncSession, reach: Reach, wanted: ActionFilter
    ) -> list[ColumnElement[bool]]:
        """The conditions on ``actions`` for the open actions the filter selects among
        those the person may see."""
        where = [t.Action.status == ActionStatus.OPEN, reach.clause()]
        if wanted.mine_only:
            where.append(t.Action.owner_member_id == reach.member.id)
        if wanted.locality:
            visible = reach.member_of | reach.all_in | reach.agency_in
            localities = (
                await session.execute(
                    select(t.Locality.id, t.Locality.name, t.Locality.code)
                    .where(t.Locality.id.in_(visible))
                    .order_by(t.Locality.name)
                )
            ).all()
            chosen = [loc.id for loc in localities if _matches(wanted.locality, loc.name, loc.code)]
            if not chosen:
                names = ", ".join(loc.name for loc in localities) or "none"
                raise FilterError(
                    f"I don't know a locality group by that name among yours. Yours: {names}."
                )
            where.append(t.Action.locality_id.in_(chosen))
        if wanted.agency:
            agencies = (
                await session.execute(select(t.Agency.id, t.Agency.name, t.Agency.code))
            ).all()
            chosen_agencies = [a.id for a in agencies if _matches(wanted.agency, a.name, a.code)]
            if not chosen_agencies:
                names = ", ".join(a.code.replace("_", " ") for a in agencies)
                raise FilterError(f"I don't know an agency by that name. Agencies: {names}.")
            where.append(t.Action.agency_id.in_(chosen_agencies))
        if wanted.owner:
            owners = select(t.Member.id).where(
                func.lower(t.Member.name).contains(wanted.owner.lower())
            )
            where.append(t.Action.owner_member_id.in_(owners))
        today = london_today(self.clock)
        if wanted.overdue_only:
            where.append(t.Action.due_date < today)
        if wanted.due_before:
            where.append(t.Action.due_date < wanted.due_before)
        return where

    async def _listed(
        self,
        session: AsyncSession,
        where: Sequence[ColumnElement[bool]],
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[OutstandingActionRow], int]:
        """The open actions matching ``where`` in due-date order (one page of them with
        ``limit``) and how many match in all, in one statement.

        The page is chosen on ``actions`` alone, through ``ix_actions_status_due_date``
        (status, due date, id, then the columns access rules test), and counted there with
        a window; only the page's rows are then joined to their names and decrypted.
        Everything else a row shows comes in the same statement: group, owner, agency,
        subject, the meeting that raised it and its latest update. Counting has to visit
        every matching action, so choosing the page in that same pass costs next to
        nothing, however the planner reads the index: as a range in order (with
        statistics), or by collecting the matches and keeping the top of them (without)."""
        a = t.Action
        chosen = select(a.id, a.due_date).where(*where).order_by(a.due_date, a.id)
        if limit is not None:
            chosen = (
                chosen.add_columns(func.count().over().label("total")).limit(limit).offset(offset)
            )
        page = chosen.subquery("page")
        query = _named(select(*_ROW_COLUMNS).select_from(page).join(a, a.id == page.c.id)).order_by(
            page.c.due_date, page.c.id
        )
        if limit is not None:
            query = query.add_columns(page.c.total)
        today = london_today(self.clock)
        found = (await session.execute(query)).all()
        rows = []
        for row in found:
            rows.append(
                OutstandingActionRow(
                    id=row.id,
                    locality=row.locality or "",
                    description=row.description,
                    owner_name=_owner_name(row.owner_name),
                    agency_name=row.agency_name or "",
                    due_date=row.due_date,
                    status=ActionStatus(row.status),
                    subject=_subject(row),
                    raised_on=row.raised_at.date() if row.raised_at is not None else None,
                    days_overdue=max(0, self.days_between(row.due_date, today))
                    if row.due_date < today
                    else 0,
                    escalated=row.escalated_at is not None,
                    last_update=row.last_update if row.last_update is not None else "",
                    last_update_at=row.last_update_at,
                )
            )
        if limit is None:
            return rows, len(rows)
        return rows, int(found[0].total) if found else 0

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
        return (await self._owned_views(session, _OWNED_ONE, {"action": action.id}))[0]


def _latest_update(column: str) -> ScalarSelect[Any]:
    """``column`` of an action's latest update (by time, then id), for a row of a list."""
    update = t.ActionEvent.__table__.alias("latest_update")
    return (
        select(update.c[column])
        .where(update.c.action_id == t.Action.id, update.c.kind == "update")
        .order_by(update.c.at.desc(), update.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


#: What a row of "outstanding actions" (or its export) shows, read with the page (see
#: ``ActionService._listed``). Built once: statements are immutable and reusable.
_ROW_COLUMNS = (
    t.Action.id,
    t.Action.description,
    t.Action.due_date,
    t.Action.status,
    t.Action.escalated_at,
    t.Locality.name.label("locality"),
    t.Member.name.label("owner_name"),
    t.Agency.name.label("agency_name"),
    t.Meeting.started_at.label("raised_at"),
    t.Subject.kind.label("subject_kind"),
    t.Subject.reference.label("subject_reference"),
    t.Subject.initials.label("subject_initials"),
    _latest_update("note").label("last_update"),
    _latest_update("at").label("last_update_at"),
)

#: What an owner's row needs beyond a listed row's: the date they asked for, and what
#: finds the colleagues they could hand it to.
_OWNER_COLUMNS = (
    t.Action.requested_due_date,
    t.Action.locality_id,
    t.Action.agency_id,
    t.Action.owner_member_id,
)


def _named(query: Select[Any]) -> Select[Any]:
    """``query`` (over ``actions``) joined to what a row shows by name: group, owner,
    agency, the meeting that raised it and its subject. Outer joins: a row whose owner
    has left the directory still shows."""
    a = t.Action
    return (
        query.outerjoin(t.Locality, t.Locality.id == a.locality_id)
        .outerjoin(t.Member, t.Member.id == a.owner_member_id)
        .outerjoin(t.Agency, t.Agency.id == a.agency_id)
        .outerjoin(t.Meeting, t.Meeting.id == a.meeting_id)
        .outerjoin(t.Subject, t.Subject.id == a.subject_id)
    )


def _owned_query(*where: ColumnElement[bool]) -> Select[Any]:
    return _named(
        select(*_ROW_COLUMNS, *_OWNER_COLUMNS).select_from(t.Action).where(*where)
    ).order_by(t.Action.due_date, t.Action.id)


#: An owner's open actions (``owner``), and one action (``action``), as owners see them.
_OPEN_OWNED_BY = _owned_query(
    t.Action.owner_member_id == bindparam("owner"), t.Action.status == ActionStatus.OPEN
)
_OWNED_ONE = _owned_query(t.Action.id == bindparam("action"))


def _owner_name(name: str | None) -> str:
    return name if name is not None else UNKNOWN_MEMBER


def _subject(row: Row[Any]) -> str | None:
    """The child or person an action is about, as a row shows it ("CR-0001 (A.B.)")."""
    if row.subject_kind is None:
        return None
    return subject_display(
        SubjectKind(row.subject_kind), row.subject_reference, row.subject_initials
    )


def _matches(wanted: str, *names: str) -> bool:
    def simple(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    needle = simple(wanted)
    return bool(needle) and any(needle in simple(name) for name in names)


async def _locality_names(session: AsyncSession) -> dict[int, str]:
    return {
        row.id: row.name for row in await session.execute(select(t.Locality.id, t.Locality.name))
    }


async def _colleagues(
    session: AsyncSession, locality_id: int, agency_id: int, owner_id: int, agency_name: str
) -> tuple[MemberView, ...]:
    """Members of the same agency in the action's locality, other than its owner."""
    rows = await session.execute(
        select(t.Member.id, t.Member.name, t.Member.agency_id)
        .join(t.Membership, t.Membership.member_id == t.Member.id)
        .where(
            t.Membership.locality_id == locality_id,
            t.Member.agency_id == agency_id,
            t.Member.active.is_(True),
            t.Member.id != owner_id,
        )
        .distinct()
        .order_by(t.Member.name, t.Member.id)
    )
    return tuple(MemberView(m.id, m.name, m.agency_id, agency_name) for m in rows)


def _queue(
    session: AsyncSession,
    key: str,
    kind: str,
    recipient: int,
    payload: Mapping[str, object],
    now: datetime,
) -> None:
    """An outbox message in this transaction (delivered by the sender, ids only)."""
    session.add(
        t.OutboxMessage(
            dedupe_key=key[:200],
            kind=kind,
            recipient_member_id=recipient,
            payload=json.dumps(dict(payload), sort_keys=True),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            last_error="",
            created_at=now,
        )
    )


async def _queue_for_deciders(session: AsyncSession, action: t.Action, now: datetime) -> None:
    deciders = (
        await session.scalars(
            select(t.Membership.member_id)
            .where(
                t.Membership.locality_id == action.locality_id,
                t.Membership.role.in_([Role.CHAIR, Role.DEPUTY_CHAIR]),
            )
            .distinct()
        )
    ).all()
    stamp = action.requested_at.isoformat() if action.requested_at else now.isoformat()
    for member_id in deciders:
        _queue(
            session,
            f"date-request:{action.id}:{stamp}:{member_id}",
            "date_request",
            member_id,
            {"action_id": action.id},
            now,
        )
