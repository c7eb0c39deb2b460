"""Draws each outbox message at the moment it is sent, from the state then.

Outbox rows hold ids only. Drawing late means an action closed or handed over since the
message was queued drops out, and no sensitive text waits in the outbox. Every card
drawn here goes out unasked, so none carries a description, subject or minute. The state
is read through ``bot.services.readmodels.notices``, and owners' names through
``bot.services.readmodels.lookups.member_names``; only the drawing happens here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.agenda import CANONICAL_AGENDA
from bot.domain.calendar import WorkingCalendar
from bot.domain.clock import Clock
from bot.domain.members import parse_role, role_label
from bot.domain.model import EscalationStatus, Role
from bot.domain.notices import NoticeKind
from bot.domain.views import DateRequestView
from bot.services.context import roles_in
from bot.services.ratings import rating_form_for
from bot.services.readmodels.lookups import locality_names, member_names
from bot.services.readmodels.notices import (
    StaleRegister,
    action_by_id,
    brief_facts,
    escalation_notice,
    locality_by_id,
    member_and_agency,
    member_name,
    offer_by_id,
    open_actions,
    people_with_agencies,
    place_names,
    stale_high_risk,
)
from bot.store.db import Store
from cards import date_request_card
from cards.briefs import BriefView, OwnAction, brief_card
from cards.escalations import escalated_up_card, escalation_answered_card
from cards.notices import (
    ActionReassignedNotice,
    DateDecidedNotice,
    EscalationItem,
    GrantLine,
    ReminderItem,
    RolesGrantedNotice,
    UnreachableNotice,
    action_reassigned_card,
    date_decided_card,
    escalation_digest_card,
    reminder_digest_card,
    roles_granted_card,
    unreachable_notice_card,
)
from cards.ratings import rating_card
from cards.register_moves import move_offer_card

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
                NoticeKind.MOVE_ASKED: self._move_asked,
                NoticeKind.MOVE_DECIDED: self._move_decided,
                NoticeKind.ACTION_REASSIGNED: self._action_reassigned,
                NoticeKind.ESCALATED_UP: self._escalated_up,
                NoticeKind.ESCALATION_ANSWERED: self._escalation_answered,
                NoticeKind.RATE_MEETING: self._rate_meeting,
            }
            draw = draws.get(kind)
            if draw is None:
                return None
            return await draw(session, payload, recipient)

    async def _digest(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        items = payload.get("reminders") or []
        actions = await open_actions(session, [i.get("action_id") for i in items])
        if not actions:
            return None
        localities = await locality_names(session)
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
        actions = await open_actions(session, [i.get("action_id") for i in items])
        localities, agencies = await place_names(session)
        owners = await member_names(session, {a.owner_member_id for a in actions.values()})
        today = self.calendar.local_date(self.clock.now())
        shown = []
        for item in items:
            found = actions.get(item.get("action_id"))
            if found is None:
                continue
            overdue = max(0, self.calendar.working_days_between(found.due_date, today))
            shown.append(
                EscalationItem(
                    found.id,
                    localities.get(found.locality_id, ""),
                    owners.get(found.owner_member_id, ""),
                    agencies.get(found.agency_id, ""),
                    found.due_date,
                    overdue,
                    "unreachable" if item.get("reason") == "unreachable" else "overdue",
                )
            )
        return escalation_digest_card(shown) if shown else None

    async def _unreachable(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        member = await member_and_agency(session, payload.get("member_id"))
        if member is None:
            return None
        name, agency_id = member
        localities, agencies = await place_names(session)
        names = tuple(localities.get(i, "") for i in payload.get("locality_ids") or [])
        agency = agencies.get(agency_id, "")
        if payload.get("reason") == "no_contact":
            notice = UnreachableNotice(name, agency, names, "no_contact")
        else:
            notice = UnreachableNotice(name, agency, names, "blocked")
        return unreachable_notice_card(notice)

    async def _date_request(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        action_id = payload.get("action_id")
        found = await open_actions(session, [action_id])
        asked = found.get(action_id) if isinstance(action_id, int) else None
        if asked is None or asked.requested_due_date is None:
            return None  # decided (or closed) before the message went out
        localities, agencies = await place_names(session)
        return date_request_card(
            DateRequestView(
                action_id=asked.id,
                locality=localities.get(asked.locality_id, ""),
                owner_name=await member_name(session, asked.owner_member_id),
                agency_name=agencies.get(asked.agency_id, ""),
                current_due=asked.due_date,
                requested_due=asked.requested_due_date,
                reason="",
                description="",
            )
        )

    async def _date_decided(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        decided = await action_by_id(session, payload.get("action_id"))
        if decided is None:
            return None
        localities, _ = await place_names(session)
        return date_decided_card(
            DateDecidedNotice(
                decided.id,
                localities.get(decided.locality_id, ""),
                bool(payload.get("accepted")),
                decided.due_date,
            )
        )

    async def _role_granted(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        """Drawn even if the role was removed since: that it was granted is the news."""
        group = await locality_by_id(session, payload.get("locality_id"))
        if group is None:
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
        people = await people_with_agencies(session, wanted)
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
        return roles_granted_card(RolesGrantedNotice(group.name, lines, by, more))

    async def _brief(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        group = await locality_by_id(session, payload.get("locality_id"))
        if group is None:
            return None
        meeting_date = date.fromisoformat(str(payload.get("meeting_date")))
        today = self.calendar.local_date(self.clock.now())
        # Every member of the group gets a brief (issue 16); the chair's sections only a
        # chair or deputy chair, as their roles stand when it is sent. Someone no longer
        # in the group gets nothing.
        roles = await roles_in(session, recipient, group.id)
        if not roles:
            return None
        for_chair = bool(roles & {Role.CHAIR, Role.DEPUTY_CHAIR})
        facts = await brief_facts(session, group.id)
        actions = facts.open_actions
        draft = facts.draft_minutes_started_at
        stale = (
            await stale_high_risk(session, group.id, recipient, today)
            if for_chair
            else StaleRegister(0, (), 0)
        )
        own = tuple(
            OwnAction(a.id, a.due_date, a.due_date < today)
            for a in actions
            if a.owner_member_id == recipient
        )
        return brief_card(
            BriefView(
                locality=group.name,
                meeting_date=meeting_date,
                open_actions=tuple(a.id for a in actions) if for_chair else (),
                overdue_actions=tuple(a.id for a in actions if a.due_date < today)
                if for_chair
                else (),
                escalated_actions=tuple(a.id for a in actions if a.escalated) if for_chair else (),
                open_challenges=facts.open_challenges if for_chair else 0,
                draft_minutes_date=draft.date() if draft else None,
                stale_subjects=stale.subjects,
                stale_total=stale.total,
                stale_after_weeks=stale.weeks,
                for_chair=for_chair,
                agenda=tuple(item.title for item in CANONICAL_AGENDA),
                draft_minutes_meeting_id=facts.draft_minutes_meeting_id,
                own_actions=own,
            )
        )

    async def _move_asked(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        """A subject offered to another group: the receiving chairs' card has Accept and
        Decline. Not sent once decided (the decision's own notice follows)."""
        offer = await offer_by_id(
            session, payload.get("share_id"), receiving=payload.get("receiving") is True
        )
        if offer is None or offer.status != "asked":
            return None
        return move_offer_card(offer)

    async def _move_decided(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        """The receiving chair's answer, to both groups' chairs: by the offer's id only."""
        offer = await offer_by_id(
            session, payload.get("share_id"), receiving=payload.get("receiving") is True
        )
        return move_offer_card(offer) if offer is not None and offer.status != "asked" else None

    async def _action_reassigned(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        """To the old and the new owner, by reference and names only. Not sent once the
        action has moved on again (closed, or owned by someone else than the payload's
        new owner): a later notice says what happened then."""
        found = await open_actions(session, [payload.get("action_id")])
        action_id = payload.get("action_id")
        moved = found.get(action_id) if isinstance(action_id, int) else None
        before, after = payload.get("from_member_id"), payload.get("to_member_id")
        if moved is None or moved.owner_member_id != after or recipient not in (before, after):
            return None
        people = await people_with_agencies(
            session, [m for m in (before, after) if isinstance(m, int)]
        )
        localities, _ = await place_names(session)
        old = people.get(before, ("a former member", "")) if isinstance(before, int) else ("", "")
        new = people.get(after, ("a former member", "")) if isinstance(after, int) else ("", "")
        return action_reassigned_card(
            ActionReassignedNotice(
                moved.id,
                localities.get(moved.locality_id, ""),
                old[0],
                old[1],
                new[0],
                new[1],
                yours=recipient == after,
                corrected=payload.get("corrected") is True,
            )
        )

    async def _escalated_up(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        """To the oversight group's members: the reference, the locality and the kind of
        record only (issue 16). Not sent once its response is recorded."""
        found = await escalation_notice(session, payload.get("escalation_id"))
        if found is None or found.status is not EscalationStatus.OPEN:
            return None
        return escalated_up_card(found.id, found.locality, found.kind, found.group)

    async def _escalation_answered(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        """To the locality's chairs: its group has responded (reference only). Not sent
        once it is closed."""
        found = await escalation_notice(session, payload.get("escalation_id"))
        if found is None or found.status is not EscalationStatus.RESPONDED:
            return None
        return escalation_answered_card(found.id, found.locality, found.group)

    async def _rate_meeting(
        self, session: AsyncSession, payload: Mapping[str, Any], recipient: int
    ) -> Card | None:
        """Asks one attendee to rate an ended meeting (issue 16): by group and day only;
        not sent once they have rated, or if they are no longer on record as attending."""
        form = await rating_form_for(session, payload.get("meeting_id"), recipient)
        return rating_card(form) if form is not None else None
