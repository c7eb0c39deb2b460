"""Writing the register: adding a subject, and changing its risk, status, details, a
child's checks and its links (issue 15, points 1, 2 and 5).

Every write is one transaction (``Store.transaction``, with the turn's claim key, so a
resent click writes nothing twice), reaches the subject through the one access rule
(``register_access.reach_subject`` with ``Permission.EDIT_REGISTER``: chairs, deputies and
minute-takers of a group that holds it; anyone else is told "not found", or "not able"),
and appends a ``SubjectEvent`` per change: who, when, in which meeting (of the group
reached through, else refused) and why (the reason, encrypted). ``subjects.updated_at``
moves with every change. Rows are written through the ORM, so each is audited on flush.

In a group's conversation (a channel, group chat or meeting chat) the subject must be
one of the linked group's, reached through that group: what is said there concerns that
group only. Confirmations are coded (``SubjectSaved``): never a reason.

This module holds the subject's own fields (adding it, risk, status, details, checks)
and the forms. A link joins two subjects, so its writes and the links a form shows are
in ``bot/services/register_links.py``; the change both make (the subject reached, the
meeting named, the history entry) is ``bot/services/register_change.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.card_fields import card_id
from bot.domain.clock import Clock, london_today
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.model import SubjectKind
from bot.domain.permissions import Permission, permitted
from bot.domain.register import (
    KIND_FIELD,
    REFERENCE_FIELD,
    RISK_LABELS,
    STATUS_LABELS,
    ChildChecks,
    RiskLevel,
    SubjectEventKind,
    SubjectStatus,
    parse_register_entry,
)
from bot.domain.register_forms import (
    LOCALITY_FIELD,
    AddChoices,
    SubjectEdit,
    SubjectSaved,
    parse_checks,
    parse_details,
    parse_optional_risk,
    parse_risk,
    parse_status,
    strands_event,
)
from bot.domain.rules import subject_display
from bot.services import register_links
from bot.services.context import TurnRef
from bot.services.register_access import (
    SubjectReach,
    member_groups,
    persons_in,
    reach_subject,
)
from bot.services.register_change import SubjectChange, meeting_of, reach_to_change
from bot.services.subjects import find_or_add, find_subjects
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

NO_GROUP_TO_ADD_TO = (
    "You are not a chair, deputy chair or minute-taker of any group, so there is no "
    "register you can add to."
)
PERSONS_NOT_YOURS = (
    "Persons of concern are recorded in this group only by those its rule lets see them "
    "(by default the police, the chair and the deputy chair)."
)
CHILDREN_ONLY = "These checks are recorded for a child only."


class RegisterService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # -- the forms ------------------------------------------------------------------------

    async def edit_form(
        self, turn: TurnRef, subject_id: object, meeting_id: object = None
    ) -> SubjectEdit:
        """The subject as its edit forms show it, for someone who may change it."""
        async with self.store.reading() as session:
            reach = await reach_to_change(session, turn, subject_id)
            meeting = await meeting_of(session, reach, meeting_id)
            audit.note(
                session,
                audit.AuditAction.VIEW,
                "subjects",
                reach.subject.id,
                locality_id=reach.caller.locality_id,
                detail="edit form",
            )
            return await self._edit_view(session, turn, reach, meeting)

    async def add_choices(self, turn: TurnRef) -> AddChoices:
        """The groups this member may add a subject to, with the agencies and strands."""
        async with self.store.reading() as session:
            groups = await self._groups_to_add_to(session, turn)
            return AddChoices(
                tuple(groups), await _agencies(session), await _strand_choices(session)
            )

    # -- writes ---------------------------------------------------------------------------

    async def add(self, turn: TurnRef, data: Mapping[str, object]) -> SubjectSaved:
        """A subject added to a group's register outside a meeting (its kind, reference
        and initials by ``parse_register_entry``; strands, risk, lead agency optional)."""
        now = self.clock.now()
        today = london_today(self.clock)
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            groups = dict(await self._groups_to_add_to(session, turn))
            locality_id = card_id(data.get(LOCALITY_FIELD))
            errors: dict[str, str] = {}
            if locality_id is None or str(locality_id) not in groups:
                errors[LOCALITY_FIELD] = "Choose one of your groups from the list."
            try:
                entry = parse_register_entry(data, today)
            except InvalidInput as exc:
                errors.update(exc.field_errors)
            risk: RiskLevel | None = None
            try:
                risk = parse_optional_risk(data)
            except InvalidInput as exc:
                errors.update(exc.field_errors)
            agencies = await _agency_ids(session)
            strands = await _strand_ids(session)
            try:
                details = parse_details(
                    data,
                    agencies=agencies,
                    strands=strands,
                    current_agency="",
                    current_strands=(),
                    creating=True,
                )
            except InvalidInput as exc:
                errors.update(exc.field_errors)
            if errors:
                raise InvalidInput(errors)
            assert locality_id is not None
            member, roles = await member_groups(session, turn.actor)
            assert member is not None
            if entry.kind is SubjectKind.PERSON and locality_id not in await persons_in(
                session, member, {locality_id: roles[locality_id]}
            ):
                raise InvalidInput({KIND_FIELD: PERSONS_NOT_YOURS})
            found = await find_subjects(
                session, self.store.keys, locality_id, entry.reference, entry.kind
            )
            if found:
                raise InvalidInput(
                    {
                        REFERENCE_FIELD: "That is already in the "
                        f"{groups[str(locality_id)]} register."
                    }
                )
            subject, _ = await find_or_add(
                session, self.store.keys, locality_id, entry, now, member_id=member.id
            )
            reach = await reach_subject(
                session,
                turn.actor,
                subject.id,
                permission=Permission.EDIT_REGISTER,
                prefer_locality=locality_id,
            )
            change = SubjectChange(session, reach, None, now)
            if risk is not None:
                subject.risk_level = risk.value
                change.event(SubjectEventKind.RISK, risk.value)
            if details.lead_agency:
                subject.lead_agency_id = agencies[details.lead_agency]
                change.event(SubjectEventKind.LEAD_AGENCY, details.lead_agency)
            if details.strands:
                await _set_strands(session, subject, details.strands, strands)
                value, listed = strands_event(details.strands)
                change.event(SubjectEventKind.STRANDS, value, reason=listed)
            return SubjectSaved(
                subject.id,
                entry.kind,
                subject_display(entry.kind, entry.reference, entry.initials),
                f"Added to the {groups[str(locality_id)]} register.",
            )

    async def change_risk(
        self,
        turn: TurnRef,
        subject_id: object,
        meeting_id: object,
        data: Mapping[str, object],
    ) -> SubjectSaved:
        """A new risk level, with why; the level it replaces is kept in ``previous``."""
        async with self._changing(turn, subject_id, meeting_id) as change:
            subject = change.subject
            current = RiskLevel(subject.risk_level) if subject.risk_level else None
            level, reason = parse_risk(data, current, self._today(), reason_required=True)
            subject.risk_level = level.value
            change.event(
                SubjectEventKind.RISK, level.value, current.value if current else "", reason
            )
            was = f" (was {RISK_LABELS[current].lower()})" if current else ""
            return self._saved(change, f"Risk now {RISK_LABELS[level].lower()}{was}.")

    async def change_status(
        self,
        turn: TurnRef,
        subject_id: object,
        meeting_id: object,
        data: Mapping[str, object],
    ) -> SubjectSaved:
        """Open, monitoring or closed (closed with a reason); reopening is recorded too."""
        async with self._changing(turn, subject_id, meeting_id) as change:
            subject = change.subject
            current = SubjectStatus(subject.status)
            status, reason = parse_status(data, current, self._today())
            subject.status = status.value
            subject.status_reason = reason or None
            change.event(SubjectEventKind.STATUS, status.value, current.value, reason)
            return self._saved(change, f"Status now {STATUS_LABELS[status].lower()}.")

    async def change_details(
        self,
        turn: TurnRef,
        subject_id: object,
        meeting_id: object,
        data: Mapping[str, object],
    ) -> SubjectSaved:
        """The lead agency and the strands: one event for each that changed."""
        async with self._changing(turn, subject_id, meeting_id) as change:
            session, subject = change.session, change.subject
            agencies = await _agency_ids(session)
            strands = await _strand_ids(session)
            current_agency = next(
                (code for code, aid in agencies.items() if aid == subject.lead_agency_id), ""
            )
            current_strands = await _subject_strands(session, subject.id)
            details = parse_details(
                data,
                agencies=agencies,
                strands=strands,
                current_agency=current_agency,
                current_strands=current_strands,
                creating=False,
            )
            said: list[str] = []
            if details.lead_agency is not None:
                subject.lead_agency_id = agencies.get(details.lead_agency)
                change.event(SubjectEventKind.LEAD_AGENCY, details.lead_agency, current_agency)
                said.append("lead agency")
            if details.strands is not None:
                await _set_strands(session, subject, details.strands, strands)
                value, listed = strands_event(details.strands)
                before, _ = strands_event(current_strands)
                change.event(SubjectEventKind.STRANDS, value, before, listed)
                said.append("strands")
            return self._saved(change, f"Updated: {' and '.join(said)}.")

    async def record_checks(
        self,
        turn: TurnRef,
        subject_id: object,
        meeting_id: object,
        data: Mapping[str, object],
    ) -> SubjectSaved:
        """A child's checks, recorded whole (encrypted JSON); the event says only that
        they changed: what they are stays in the encrypted column."""
        async with self._changing(turn, subject_id, meeting_id) as change:
            subject = change.subject
            if subject.kind != SubjectKind.CHILD.value:
                raise Conflict(CHILDREN_ONLY)
            checks = parse_checks(data, self._today())
            previous = ChildChecks.from_json(subject.checks)
            if checks == previous:
                raise InvalidInput({"missingEpisode": "Nothing has changed: edit a check first."})
            subject.checks = checks.to_json()
            change.event(SubjectEventKind.CHECKS)
            missing = len(checks.missing())
            left = f" {missing} still to record." if missing else " All recorded."
            return self._saved(change, "Checks recorded." + left)

    async def link(
        self,
        turn: TurnRef,
        subject_id: object,
        meeting_id: object,
        data: Mapping[str, object],
    ) -> SubjectSaved:
        """Link the subject to another of the group's register (``register_links.link``)."""
        async with self._changing(turn, subject_id, meeting_id) as change:
            return await register_links.link(
                change, self.store.keys, turn.actor, data, self._today()
            )

    async def unlink(
        self,
        turn: TurnRef,
        link_id: object,
        meeting_id: object,
        data: Mapping[str, object],
    ) -> SubjectSaved:
        """Remove a link, with why (``register_links.unlink``)."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            return await register_links.unlink(
                session, turn, link_id, meeting_id, data, now, self._today()
            )

    # -- plumbing -------------------------------------------------------------------------

    @asynccontextmanager
    async def _changing(
        self, turn: TurnRef, subject_id: object, meeting_id: object
    ) -> AsyncIterator[SubjectChange]:
        """One change to one subject: a transaction that claims the turn, reaches the
        subject with EDIT_REGISTER and checks the meeting named is the group's."""
        now = self.clock.now()
        async with self.store.transaction(activity_id=turn.claim_key, now=now) as session:
            reach = await reach_to_change(session, turn, subject_id)
            meeting = await meeting_of(session, reach, meeting_id)
            yield SubjectChange(session, reach, meeting, now)

    async def _groups_to_add_to(
        self, session: AsyncSession, turn: TurnRef
    ) -> list[tuple[str, str]]:
        """(id, name) of the groups where this member holds EDIT_REGISTER."""
        member, groups = await member_groups(session, turn.actor)
        if member is None:
            raise NotFound(NO_GROUP_TO_ADD_TO)
        ids = [
            lid
            for lid, roles in groups.items()
            if permitted(roles, Permission.EDIT_REGISTER, is_admin=member.is_admin)
        ]
        if not ids:
            raise NotFound(NO_GROUP_TO_ADD_TO)
        rows = await session.execute(
            select(t.Locality.id, t.Locality.name)
            .where(t.Locality.id.in_(ids))
            .order_by(t.Locality.name)
        )
        return [(str(row.id), row.name) for row in rows]

    async def _edit_view(
        self, session: AsyncSession, turn: TurnRef, reach: SubjectReach, meeting_id: int | None
    ) -> SubjectEdit:
        subject = reach.subject
        kind = SubjectKind(subject.kind)
        agencies = await _agency_ids(session)
        lead = next((c for c, aid in agencies.items() if aid == subject.lead_agency_id), "")
        locality = await session.get_one(t.Locality, reach.caller.locality_id)
        return SubjectEdit(
            subject_id=subject.id,
            kind=kind,
            shown=subject_display(kind, subject.reference, subject.initials or ""),
            locality_name=locality.name,
            meeting_id=meeting_id,
            risk=RiskLevel(subject.risk_level) if subject.risk_level else None,
            status=SubjectStatus(subject.status),
            lead_agency=lead,
            strands=tuple(await _subject_strands(session, subject.id)),
            checks=ChildChecks.from_json(subject.checks),
            agencies=await _agencies(session),
            strand_choices=await _strand_choices(session),
            links=await register_links.links_shown(session, turn.actor, reach),
        )

    def _saved(self, change: SubjectChange, said: str) -> SubjectSaved:
        subject = change.subject
        kind = SubjectKind(subject.kind)
        return SubjectSaved(
            subject.id,
            kind,
            subject_display(kind, subject.reference, subject.initials or ""),
            said,
            change.meeting_id,
        )

    def _today(self) -> date:
        return london_today(self.clock)


async def _agency_ids(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(t.Agency.code, t.Agency.id))
    return {row.code: row.id for row in rows}


async def _agencies(session: AsyncSession) -> tuple[tuple[str, str], ...]:
    rows = await session.execute(
        select(t.Agency.code, t.Agency.name).order_by(t.Agency.sort_order, t.Agency.name)
    )
    return tuple((row.code, row.name) for row in rows)


async def _strand_ids(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(t.Strand.code, t.Strand.id).where(t.Strand.active.is_(True))
    )
    return {row.code: row.id for row in rows}


async def _strand_choices(session: AsyncSession) -> tuple[tuple[str, str], ...]:
    rows = await session.execute(
        select(t.Strand.code, t.Strand.label)
        .where(t.Strand.active.is_(True))
        .order_by(t.Strand.sort_order, t.Strand.code)
    )
    return tuple((row.code, row.label) for row in rows)


async def _subject_strands(session: AsyncSession, subject_id: int) -> list[str]:
    rows = await session.scalars(
        select(t.Strand.code)
        .join(t.SubjectStrand, t.SubjectStrand.strand_id == t.Strand.id)
        .where(t.SubjectStrand.subject_id == subject_id)
        .order_by(t.Strand.sort_order, t.Strand.code)
    )
    return list(rows)


async def _set_strands(
    session: AsyncSession, subject: t.Subject, codes: tuple[str, ...], ids: Mapping[str, int]
) -> None:
    """The subject's strands made exactly ``codes``: rows removed and added (audited)."""
    wanted = {ids[code] for code in codes}
    held = list(
        await session.scalars(
            select(t.SubjectStrand).where(t.SubjectStrand.subject_id == subject.id)
        )
    )
    for row in held:
        if row.strand_id not in wanted:
            await session.delete(row)
    have = {row.strand_id for row in held}
    for strand_id in sorted(wanted - have):
        session.add(t.SubjectStrand(subject_id=subject.id, strand_id=strand_id))
    await session.flush()
