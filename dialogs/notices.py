"""Draws each outbox message at the moment it is sent, from the state then.

Outbox rows hold ids only. Drawing late means an action closed or handed over since the
message was queued drops out, and no sensitive text waits in the outbox. Every card
drawn here goes out unasked, so none carries a description, subject or minute.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import Clock
from bot.domain.members import parse_role, role_label
from bot.domain.model import ActionStatus, ChallengeStatus, MeetingStatus, MinutesStatus
from bot.domain.notices import NoticeKind
from bot.domain.views import DateRequestView
from bot.store import tables as t
from bot.store.db import Store
from cards import date_request_card
from cards.briefs import BriefView, brief_card
from cards.notices import (
    DateDecidedNotice,
    EscalationItem,
    GrantLine,
    ReminderItem,
    RolesGrantedNotice,
    UnreachableNotice,
    date_decided_card,
    escalation_digest_card,
    reminder_digest_card,
    roles_granted_card,
    unreachable_notice_card,
)

Card = dict[str, Any]
#: Draws one kind of notice: ``(session, payload, recipient) -> card or None``.
Draw = Callable[[AsyncSession, Mapping[str, Any], int], Awaitable[Card | None]]


class NoticeRenderer:
    def __init__(self, store: Store, clock: Clock, calendar: WorkingCalendar) -> None:
        self.store = store
        self.clock = clock
        self.calendar = calendar

    async def __call__(self, kind: str, payload: Mapping[str, Any], recipient: int) -> Card | None:
        """The card for an outbox row of ``kind`` (a ``NoticeKind`` value); None for a kind
        this bot does not know (the row is dropped) or a message gone obsolete."""
        async with self.store.reading() as session:
            # Keyed by NoticeKind; a StrEnum member hashes as its value, so the stored
            # string finds it.
            draws: dict[str, Draw] = {
                NoticeKind.DIGEST: self._digest,
                NoticeKind.ESCALATION: self._escalation,
                NoticeKind.UNREACHABLE: self._unreachable,
                NoticeKind.DATE_REQUEST: self._date_request,
                NoticeKind.DATE_DECIDED: self._date_decided,
                NoticeKind.BRIEF: self._brief,
                NoticeKind.ROLE_GRANTED: self._role_granted,
            }
            draw = draws.get(kind)
            if draw is None:
                return None
            return await draw(session, payload, recipient)

    async def _open_actions(
        self, session: AsyncSession, ids: Sequence[object]
    ) -> dict[int, t.Action]:
        wanted = [i for i in ids if isinstance(i, int)]
        if not wanted:
            return {}
        rows = await session.scalars(
            select(t.Action).where(t.Action.id.in_(wanted), t.Action.status == ActionStatus.OPEN)
        )
        return {a.id: a for a in rows}

    async def _names(self, session: AsyncSession) -> tuple[dict[int, str], dict[int, str]]:
        localities = {
            r.id: r.name for r in await session.execute(select(t.Locality.id, t.Locality.name))
        }
        agencies = {r.id: r.name for r in await session.execute(select(t.Agency.id, t.Agency.name))}
        return localities, agencies

    async def _digest(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        items = payload.get("reminders") or []
        actions = await self._open_actions(session, [i.get("action_id") for i in items])
        localities, _ = await self._names(session)
        today = self.calendar.local_date(self.clock.now())
        shown = [
            ReminderItem(
                a.id,
                localities.get(a.locality_id, ""),
                a.due_date,
                self.calendar.working_days_between(today, a.due_date),
            )
            for a in sorted(actions.values(), key=lambda a: (a.due_date, a.id))
            if a.owner_member_id == recipient
        ]
        return reminder_digest_card(shown) if shown else None

    async def _escalation(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        items = payload.get("escalations") or []
        actions = await self._open_actions(session, [i.get("action_id") for i in items])
        localities, agencies = await self._names(session)
        owners = {
            r.id: r.name
            for r in await session.execute(
                select(t.Member.id, t.Member.name).where(
                    t.Member.id.in_({a.owner_member_id for a in actions.values()})
                )
            )
        }
        today = self.calendar.local_date(self.clock.now())
        shown = []
        for item in items:
            action = actions.get(item.get("action_id"))
            if action is None:
                continue
            overdue = max(0, self.calendar.working_days_between(action.due_date, today))
            shown.append(
                EscalationItem(
                    action.id,
                    localities.get(action.locality_id, ""),
                    owners.get(action.owner_member_id, ""),
                    agencies.get(action.agency_id, ""),
                    action.due_date,
                    overdue,
                    "unreachable" if item.get("reason") == "unreachable" else "overdue",
                )
            )
        return escalation_digest_card(shown) if shown else None

    async def _unreachable(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        member = await session.get(t.Member, payload.get("member_id"))
        if member is None:
            return None
        localities, agencies = await self._names(session)
        names = tuple(localities.get(i, "") for i in payload.get("locality_ids") or [])
        agency = agencies.get(member.agency_id, "")
        if payload.get("reason") == "no_contact":
            notice = UnreachableNotice(member.name, agency, names, "no_contact")
        else:
            notice = UnreachableNotice(member.name, agency, names, "blocked")
        return unreachable_notice_card(notice)

    async def _date_request(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        action_id = payload.get("action_id")
        found = await self._open_actions(session, [action_id])
        action = found.get(action_id) if isinstance(action_id, int) else None
        if action is None or action.requested_due_date is None:
            return None  # decided (or closed) before the message went out
        localities, agencies = await self._names(session)
        owner = await session.get_one(t.Member, action.owner_member_id)
        return date_request_card(
            DateRequestView(
                action_id=action.id,
                locality=localities.get(action.locality_id, ""),
                owner_name=owner.name,
                agency_name=agencies.get(action.agency_id, ""),
                current_due=action.due_date,
                requested_due=action.requested_due_date,
                reason="",
                description="",
            )
        )

    async def _date_decided(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        action = await session.get(t.Action, payload.get("action_id"))
        if action is None:
            return None
        localities, _ = await self._names(session)
        return date_decided_card(
            DateDecidedNotice(
                action.id,
                localities.get(action.locality_id, ""),
                bool(payload.get("accepted")),
                action.due_date,
            )
        )

    async def _role_granted(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        """Drawn even if the role was removed since: that it was granted is the news."""
        locality = await session.get(t.Locality, payload.get("locality_id"))
        if locality is None:
            return None
        grants = [
            (g[0], role)
            for g in payload.get("grants") or []
            if isinstance(g, list)
            and len(g) == 2
            and isinstance(g[0], int)
            and (role := parse_role(str(g[1]))) is not None
        ]
        wanted = {member_id for member_id, _ in grants}
        granter = payload.get("by_member_id")
        if isinstance(granter, int):
            wanted.add(granter)
        people = {
            r.id: (r.name, r.agency)
            for r in await session.execute(
                select(t.Member.id, t.Member.name, t.Agency.name.label("agency"))
                .join(t.Agency, t.Agency.id == t.Member.agency_id)
                .where(t.Member.id.in_(wanted))
            )
        }
        lines = tuple(
            GrantLine(*people[member_id], role_label(role))
            for member_id, role in grants
            if member_id in people
        )
        if not lines:
            return None
        count = payload.get("count")
        more = count - len(lines) if isinstance(count, int) and count > len(lines) else 0
        by = people[granter][0] if isinstance(granter, int) and granter in people else None
        return roles_granted_card(RolesGrantedNotice(locality.name, lines, by, more))

    async def _brief(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        locality = await session.get(t.Locality, payload.get("locality_id"))
        if locality is None:
            return None
        meeting_date = date.fromisoformat(str(payload.get("meeting_date")))
        today = self.calendar.local_date(self.clock.now())
        actions = (
            await session.scalars(
                select(t.Action)
                .where(t.Action.locality_id == locality.id, t.Action.status == ActionStatus.OPEN)
                .order_by(t.Action.due_date, t.Action.id)
            )
        ).all()
        challenges = await session.scalar(
            select(func.count())
            .select_from(t.Challenge)
            .where(
                t.Challenge.locality_id == locality.id, t.Challenge.status == ChallengeStatus.OPEN
            )
        )
        draft = await session.scalar(
            select(t.Meeting.started_at)
            .where(
                t.Meeting.locality_id == locality.id,
                t.Meeting.status == MeetingStatus.ENDED,
                t.Meeting.minutes_status == MinutesStatus.DRAFT,
            )
            .order_by(t.Meeting.started_at.desc())
            .limit(1)
        )
        return brief_card(
            BriefView(
                locality=locality.name,
                meeting_date=meeting_date,
                open_actions=tuple(a.id for a in actions),
                overdue_actions=tuple(a.id for a in actions if a.due_date < today),
                escalated_actions=tuple(a.id for a in actions if a.escalated_at is not None),
                open_challenges=int(challenges or 0),
                draft_minutes_date=draft.date() if draft else None,
            )
        )
