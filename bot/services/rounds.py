"""Share-and-challenge rounds, and the challenges they raise.

The seeds' own evaluation asks that "all partners feel they can share/challenge": the
round asks every agency present in turn, records a decision not to share as carefully as
a share, and keeps a challenge open until someone records its response and resolution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock, london_today
from bot.domain.errors import Conflict, NotFound
from bot.domain.escalations import challenge_fields
from bot.domain.model import (
    AttendanceStatus,
    ChallengeStatus,
    MeetingStatus,
    RoundStatus,
    TurnOutcome,
)
from bot.domain.permissions import Permission, permitted
from bot.domain.rules import (
    CHALLENGE_TO_NO_AGENCY,
    MAX_ENTRY_CHARS,
    MAX_LABEL_CHARS,
    check_identifying_details,
    clean_text,
    optional_text,
    raise_if,
    require_text,
)
from bot.domain.views import ChallengeView, RoundView
from bot.services.context import ActorRef, Caller, TurnRef, caller_here
from bot.services.escalations import escalate_challenge, raise_challenge
from bot.services.item_subjects import current_row
from bot.services.readmodels.lookups import load_lookups, locality_names
from bot.services.readmodels.rounds import (
    challenge_views,
    locality_challenges,
    open_round_in,
    round_view,
)
from bot.services.records import refused_unseen, row_here, row_named
from bot.services.register_access import member_groups
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store


@dataclass(frozen=True, slots=True)
class RoundLocation:
    conversation_id: str
    activity_id: str | None


class RoundService:
    def __init__(self, store: Store, clock: Clock, key_agencies: Sequence[str]) -> None:
        self.store = store
        self.clock = clock
        self.key_agencies = tuple(key_agencies)

    async def _view(self, session: AsyncSession, share_round: t.ShareRound) -> RoundView:
        await session.flush()
        return await round_view(session, share_round, key_codes=self.key_agencies)

    async def _round(self, session: AsyncSession, caller: Caller, round_id: object) -> t.ShareRound:
        share_round = await row_named(session, t.ShareRound, round_id)
        if share_round is None:
            raise NotFound()
        meeting = await session.get_one(t.Meeting, share_round.meeting_id)
        if meeting.locality_id != caller.locality_id:
            refused_unseen(
                session,
                caller.member.id,
                "share_rounds",
                share_round.id,
                meeting.locality_id,
                "round",
            )
            raise NotFound()
        return share_round

    async def open(self, turn: TurnRef, meeting_id: object, item_id: object) -> RoundView:
        now = self.clock.now()
        try:
            async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
                caller = await caller_here(session, turn)
                caller.require(Permission.RUN_MEETING)
                meeting = await row_here(session, t.Meeting, meeting_id, caller, "open round")
                if meeting.status != MeetingStatus.IN_PROGRESS:
                    raise Conflict("That meeting has ended.")
                if item_id is None:
                    item = await session.scalar(
                        select(t.AgendaItem).where(
                            t.AgendaItem.meeting_id == meeting.id,
                            t.AgendaItem.position == meeting.current_position,
                        )
                    )
                else:
                    item = await row_named(session, t.AgendaItem, item_id)
                if item is None or item.meeting_id != meeting.id:
                    raise NotFound()
                existing = await session.scalar(
                    select(t.ShareRound).where(t.ShareRound.open_meeting_id == meeting.id)
                )
                if existing is not None:
                    return await self._view(session, existing)
                present = await session.scalar(
                    select(t.Attendance.id)
                    .where(
                        t.Attendance.meeting_id == meeting.id,
                        t.Attendance.status.in_(
                            [AttendanceStatus.PRESENT, AttendanceStatus.SUBSTITUTE]
                        ),
                    )
                    .limit(1)
                )
                if present is None:
                    raise Conflict(
                        "Record attendance first: the round asks each agency "
                        "present in turn. Use **Attendance** on the agenda card."
                    )
                # Opened while a subject is being discussed: the round is about it.
                discussed = await current_row(session, item.id)
                share_round = t.ShareRound(
                    meeting_id=meeting.id,
                    item_id=item.id,
                    subject_id=discussed.subject_id if discussed is not None else None,
                    status=RoundStatus.OPEN,
                    opened_by_member_id=caller.member.id,
                    opened_at=now,
                    open_meeting_id=meeting.id,
                )
                session.add(share_round)
                return await self._view(session, share_round)
        except IntegrityError:
            raise Conflict("A round is already open for this meeting.") from None

    async def remember_card(self, round_id: int, activity_id: str) -> None:
        async with self.store.transaction() as session:
            share_round = await session.get_one(t.ShareRound, round_id)
            share_round.activity_id = activity_id

    async def latest_view(self, round_id: int) -> RoundView | None:
        """The round as it is now, for redrawing its card after an edit that may have been
        overtaken (answers from several agencies arrive together). No caller check: the
        card is the one already shown to everyone in that conversation."""
        async with self.store.reading() as session:
            share_round = await session.get(t.ShareRound, round_id)
            return await self._view(session, share_round) if share_round else None

    async def location(self, round_id: int) -> RoundLocation:
        async with self.store.reading() as session:
            share_round = await session.get_one(t.ShareRound, round_id)
            meeting = await session.get_one(t.Meeting, share_round.meeting_id)
            return RoundLocation(meeting.conversation_id, share_round.activity_id)

    async def view(self, turn: TurnRef, round_id: object) -> RoundView:
        async with self.store.reading() as session:
            caller = await caller_here(session, turn)
            caller.require(Permission.VIEW_MEETING)
            share_round = await self._round(session, caller, round_id)
            audit.note(session, audit.AuditAction.VIEW, "share_rounds", share_round.id)
            return await self._view(session, share_round)

    async def current(self, turn: TurnRef) -> RoundView:
        async with self.store.reading() as session:
            caller = await caller_here(session, turn)
            caller.require(Permission.VIEW_MEETING)
            share_round = await open_round_in(session, caller.locality_id)
            if share_round is None:
                raise NotFound("No share-and-challenge round is open.")
            audit.note(session, audit.AuditAction.VIEW, "share_rounds", share_round.id)
            return await self._view(session, share_round)

    async def answer(
        self, turn: TurnRef, round_id: object, data: Mapping[str, object]
    ) -> RoundView:
        """An answer for the caller's agency: shared (with what), nothing to share, or a
        challenge; optionally naming the agency's service that answers ("CAMHS").

        Every answer is kept, with who gave it and when: an agency may answer again (a
        second thought, or two of its services each answering), and the card shows each
        in order. A resent activity adds nothing (the transaction claims its id); two
        presses of the same button are two activities, and both are kept: each is shown
        with its time, so a slip is visible and nothing anyone sent is lost.
        """
        now = self.clock.now()
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            caller = await caller_here(session, turn)
            caller.require(Permission.ANSWER_ROUND)
            share_round = await self._round(session, caller, round_id)
            if share_round.status != RoundStatus.OPEN:
                raise Conflict("This round has been closed; answers can no longer be added.")
            errors: dict[str, str] = {}
            outcome_text = clean_text(data.get("outcome"))
            outcome: TurnOutcome | None
            try:
                outcome = TurnOutcome(outcome_text)
            except ValueError:
                outcome = None
            if outcome not in (
                TurnOutcome.SHARED,
                TurnOutcome.NOTHING_TO_SHARE,
                TurnOutcome.CHALLENGE,
            ):
                errors["outcome"] = "Choose shared, nothing to share, or challenge."
            text = clean_text(data.get("shareText"))
            today = london_today(self.clock)
            service = optional_text(
                errors, "service", data.get("service"), "Name the service in words."
            )
            if len(service) > MAX_LABEL_CHARS:
                errors["service"] = f"Keep this to at most {MAX_LABEL_CHARS} characters."
            check_identifying_details(errors, "service", service, today, data)
            about = optional_text(
                errors, "challengeAbout", data.get("challengeAbout"), "Say what it is about."
            )
            to_agency: t.Agency | None = None
            if outcome is TurnOutcome.SHARED:
                require_text(errors, "shareText", text, "What your agency shared", MAX_ENTRY_CHARS)
                check_identifying_details(errors, "shareText", text, today, data)
            elif outcome is TurnOutcome.CHALLENGE:
                require_text(errors, "shareText", text, "The challenge", MAX_ENTRY_CHARS)
                check_identifying_details(errors, "shareText", text, today, data)
                target = optional_text(
                    errors,
                    "challengeTo",
                    data.get("challengeTo"),
                    "Choose an agency from the list.",
                )
                if target == CHALLENGE_TO_NO_AGENCY:
                    target = ""
                if target:
                    to_agency = await row_named(session, t.Agency, target)
                    if to_agency is None:
                        errors["challengeTo"] = "Choose an agency from the list."
                if len(about) > MAX_LABEL_CHARS * 3:
                    errors["challengeAbout"] = (
                        f"Keep this to at most {MAX_LABEL_CHARS * 3} characters."
                    )
                if not target and not about:
                    errors["challengeAbout"] = (
                        "Say which agency the challenge is to, or what it is about."
                    )
                check_identifying_details(errors, "challengeAbout", about, today, data)
            elif outcome is TurnOutcome.NOTHING_TO_SHARE:
                text = ""
            raise_if(errors)
            assert outcome is not None
            session.add(
                t.RoundTurn(
                    round_id=share_round.id,
                    agency_id=caller.member.agency_id,
                    outcome=outcome,
                    text=text,
                    service=service or None,
                    member_id=caller.member.id,
                    at=now,
                )
            )
            if outcome is TurnOutcome.CHALLENGE:
                meeting = await session.get_one(t.Meeting, share_round.meeting_id)
                session.add(
                    t.Challenge(
                        locality_id=meeting.locality_id,
                        meeting_id=meeting.id,
                        round_id=share_round.id,
                        raised_by_member_id=caller.member.id,
                        raised_by_agency_id=caller.member.agency_id,
                        to_agency_id=to_agency.id if to_agency else None,
                        about=about,
                        text=text,
                        status=ChallengeStatus.OPEN,
                        created_at=now,
                    )
                )
            return await self._view(session, share_round)

    async def close(self, turn: TurnRef, round_id: object) -> RoundView:
        now = self.clock.now()
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            caller = await caller_here(session, turn)
            caller.require(Permission.RUN_MEETING)
            share_round = await self._round(session, caller, round_id)
            if share_round.status == RoundStatus.OPEN:
                share_round.status = RoundStatus.CLOSED
                share_round.closed_at = now
                share_round.open_meeting_id = None
            return await self._view(session, share_round)

    # -- challenges -------------------------------------------------------------------

    async def open_challenges(self, turn: TurnRef) -> tuple[str, list[ChallengeView]]:
        async with self.store.reading() as session:
            caller = await caller_here(session, turn)
            caller.require(Permission.VIEW_MEETING)
            audit.note(session, audit.AuditAction.VIEW, "challenges", detail="open challenges")
            return await locality_challenges(
                session, caller.locality_id, key_codes=self.key_agencies
            )

    async def my_open_challenges(self, actor: ActorRef) -> list[tuple[str, list[ChallengeView]]]:
        """The open challenges a person is part of, for My MACE: in each of their groups
        where they may see its challenges (``Permission.VIEW_MEETING``, the rule of
        ``open_challenges`` in chat), those raised by their agency or to it. Per group, by
        name, only groups with one; none for someone in no group. Audited as a view."""
        async with self.store.reading() as session:
            member, groups = await member_groups(session, actor)
            seen = sorted(
                lid for lid, roles in groups.items() if permitted(roles, Permission.VIEW_MEETING)
            )
            if member is None or not seen:
                return []
            rows = (
                await session.scalars(
                    select(t.Challenge)
                    .where(
                        t.Challenge.locality_id.in_(seen),
                        t.Challenge.status == ChallengeStatus.OPEN,
                        or_(
                            t.Challenge.raised_by_agency_id == member.agency_id,
                            t.Challenge.to_agency_id == member.agency_id,
                        ),
                    )
                    .order_by(t.Challenge.locality_id, t.Challenge.id)
                )
            ).all()
            audit.note(
                session, audit.AuditAction.VIEW, "challenges", detail=f"my challenges: {len(rows)}"
            )
            lookups = await load_lookups(session, self.key_agencies)
            names = await locality_names(session)
            by_group: dict[int, list[t.Challenge]] = {}
            for row in rows:
                by_group.setdefault(row.locality_id, []).append(row)
            found = [
                (names[lid], await challenge_views(session, listed, lookups))
                for lid, listed in by_group.items()
            ]
            return sorted(found, key=lambda group: group[0])

    async def respond_to_challenge(
        self, turn: TurnRef, challenge_id: object, data: Mapping[str, object]
    ) -> tuple[str, list[ChallengeView]]:
        now = self.clock.now()
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            caller = await caller_here(session, turn)
            caller.require(Permission.RESPOND_TO_CHALLENGE)
            challenge = await row_here(session, t.Challenge, challenge_id, caller, "challenge")
            if challenge.status != ChallengeStatus.OPEN:
                raise Conflict("That challenge already has a response recorded.")
            response_field = f"response-{challenge.id}"
            resolution_field = f"resolution-{challenge.id}"
            errors: dict[str, str] = {}
            response = clean_text(data.get(response_field))
            require_text(errors, response_field, response, "The response", MAX_ENTRY_CHARS)
            check_identifying_details(
                errors, response_field, response, london_today(self.clock), data
            )
            try:
                resolution = ChallengeStatus(clean_text(data.get(resolution_field)))
            except ValueError:
                resolution = ChallengeStatus.OPEN
            if resolution is ChallengeStatus.OPEN:
                errors[resolution_field] = "Choose resolved or escalated."
            group: t.OversightGroup | None = None
            why = ""
            if resolution is ChallengeStatus.ESCALATED:
                # Escalated to the Operational or Strategic group: which, and why (issue 16).
                tier_field, why_field = challenge_fields(challenge.id)
                group, why = await escalate_challenge(
                    session,
                    caller,
                    challenge,
                    data.get(tier_field),
                    why_field,
                    tier_field,
                    data,
                    self.clock,
                    errors,
                )
            raise_if(errors)
            challenge.response = response
            challenge.resolution = resolution.value
            challenge.status = resolution
            challenge.responded_by_member_id = caller.member.id
            challenge.resolved_at = now
            await session.flush()
            if group is not None:
                await raise_challenge(session, challenge, group, why, caller.member.id, now)
            return await locality_challenges(
                session, caller.locality_id, key_codes=self.key_agencies
            )
