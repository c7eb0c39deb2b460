"""A group's tracker brought in from the command line (``mace-bot register import`` and
``mace-bot actions import``): the file read, what its rows name loaded from the store, and
every record written in one transaction, or nothing.

The rules of the sheets are pure (bot.domain.register_import and
bot.domain.action_import). The command line runs as the host's operator and checks no
caller (the documented trust boundary, as for ``mace-bot members``): every record is
audited as imported by ``cli:<user>``.

Imported actions need a meeting and an agenda item (``actions.meeting_id``, ``item_id``).
They are placed in one ended meeting per group, kept for the purpose and reused by every
later import: its single item ("Imported from the group's tracker", of kind
``actions_and_next``) holds them, its minutes are agreed (there are none to agree), and
its conversation is ``TRACKER_CONVERSATION``, which no Teams conversation can be. It is
dated no later than the group's first meeting in the bot, so it is never the "previous
meeting" whose minutes item 2 offers to agree once a real meeting has ended, nor the
latest meeting the pre-meeting brief reads its next date from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.action_import import (
    ACTION_COLUMNS,
    ActionPlan,
    PlannedAction,
    check_actions,
    import_key_value,
    parse_actions,
)
from bot.domain.clock import Clock, london_today
from bot.domain.model import (
    ItemKind,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    Role,
    SubjectKind,
)
from bot.domain.register import SubjectEventKind, SubjectStatus, link_pair
from bot.domain.register_import import (
    REGISTER_COLUMNS,
    ImportReport,
    PlannedSubject,
    RegisterPlan,
    check_register,
    parse_register,
    reference_key,
)
from bot.domain.register_import_file import (
    Table,
    in_order,
)
from bot.services.member_lookups import locality_by_code
from bot.services.readmodels.members import people_in
from bot.services.subjects import find_subjects, new_subject
from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import KeyRing, ring_of
from bot.store.db import Store

#: The audit entry each imported record gets beside its "create" or "change" entry.
IMPORTED = "import"
#: The conversation of a group's tracker meeting: not a Teams conversation id.
TRACKER_CONVERSATION = "mace-bot:tracker-import"
TRACKER_TITLE = "Imported from the group's tracker"
#: Why, in a subject's or action's history (encrypted like every reason).
FROM_TRACKER = "From the group's tracker (mace-bot import)"
CHANGED_BY_TRACKER = "Changed by an import of the group's tracker"
#: Index values looked up in one statement.
_CHUNK = 500


class TrackerImport:
    """Imports a group's register and actions; no caller check (see the docstring)."""

    def __init__(self, store: Store, clock: Clock, operator: str) -> None:
        self.store = store
        self.clock = clock
        self.operator = operator

    # -- the register ----------------------------------------------------------------

    async def register(self, table: Table, locality_code: str) -> ImportReport:
        """Checks every row, then (only if all are good) adds or updates each subject,
        its strands and links, with its history, in one transaction."""
        now = self.clock.now()
        rows, problems = parse_register(table, london_today(self.clock))
        async with self.store.transaction(now=now) as session:
            locality = await locality_by_code(session, locality_code.strip())
            audit.act_as(session, self.operator, locality.id)
            keys = ring_of(session.get_bind().dialect)
            lookups = _Lookups(locality.id)
            await lookups.load_reference(session)
            await lookups.load_subjects(
                session, keys, [(row.entry.kind, row.entry.reference) for row in rows]
            )
            await lookups.load_named(session, keys, [ref for row in rows for ref in row.links])
            plan = check_register(rows, lookups, problems)
            if problems:
                # Nothing has been added to the session: leaving writes nothing.
                return ImportReport("subject", problems=in_order(problems, REGISTER_COLUMNS))
            return await _Writer(session, keys, locality.id, now).register(plan, lookups)

    # -- actions ---------------------------------------------------------------------

    async def actions(self, table: Table, locality_code: str) -> ImportReport:
        """Checks every row, then (only if all are good) adds or updates each action, in
        the group's tracker meeting, in one transaction."""
        now = self.clock.now()
        rows, problems = parse_actions(table, london_today(self.clock))
        async with self.store.transaction(now=now) as session:
            locality = await locality_by_code(session, locality_code.strip())
            audit.act_as(session, self.operator, locality.id)
            keys = ring_of(session.get_bind().dialect)
            lookups = _Lookups(locality.id)
            await lookups.load_reference(session)
            await lookups.load_members(session)
            await lookups.load_subjects(session, keys, [r.subject for r in rows if r.subject])
            plan = check_actions(rows, lookups, problems)
            if problems:
                return ImportReport("action", problems=in_order(problems, ACTION_COLUMNS))
            return await _Writer(session, keys, locality.id, now).actions(plan)


@dataclass(frozen=True, slots=True)
class _Member:
    id: int
    agency_id: int


class _Lookups:
    """What the rows name, loaded before they are checked (the domain's lookups)."""

    def __init__(self, locality_id: int) -> None:
        self.locality_id = locality_id
        self.strands: dict[str, str] = {}
        self.strand_ids: dict[str, int] = {}
        self.agencies: dict[str, int] = {}
        self.agency_codes: dict[int, str] = {}
        self.members: dict[str, _Member] = {}
        self.subjects: dict[tuple[SubjectKind, str], t.Subject] = {}

    async def load_reference(self, session: AsyncSession) -> None:
        for strand in await session.scalars(select(t.Strand).where(t.Strand.active)):
            self.strands[_folded(strand.code)] = strand.code
            self.strands[_folded(strand.label)] = strand.code
            self.strand_ids[strand.code] = strand.id
        for agency in await session.scalars(select(t.Agency)):
            self.agencies[_folded(agency.code)] = agency.id
            self.agencies.setdefault(_folded(agency.name), agency.id)
            self.agency_codes[agency.id] = agency.code

    async def load_members(self, session: AsyncSession) -> None:
        """The group's active members (holding any role here), by email and Entra id."""
        holders = select(t.Membership.member_id).where(t.Membership.locality_id == self.locality_id)
        for member in await session.scalars(
            select(t.Member).where(t.Member.active, t.Member.id.in_(holders))
        ):
            found = _Member(member.id, member.agency_id)
            if member.aad_object_id:
                self.members[member.aad_object_id.lower()] = found
            if member.email:
                self.members.setdefault(member.email.lower(), found)

    async def load_subjects(
        self, session: AsyncSession, keys: KeyRing, wanted: Iterable[tuple[SubjectKind, str]]
    ) -> None:
        """The group's subjects of these kinds and references, found as the bot's forms
        find them (``bot.services.subjects.find_subjects``: the keyed reference index).
        Only those the group holds: a subject another group shared with it is that group's
        record, which this group's tracker does not update."""
        for kind, reference in dict.fromkeys(wanted):
            found = await find_subjects(session, keys, self.locality_id, reference, kind)
            held = [s for s in found if s.locality_id == self.locality_id]
            if held:
                self.subjects[reference_key(kind, reference)] = held[0]

    async def load_named(
        self, session: AsyncSession, keys: KeyRing, references: Iterable[str]
    ) -> None:
        """The group's subjects of any kind under these references (what a "linked to"
        value may name)."""
        for reference in dict.fromkeys(references):
            for subject in await find_subjects(session, keys, self.locality_id, reference):
                key = reference_key(SubjectKind(subject.kind), reference)
                self.subjects.setdefault(key, subject)

    # RegisterLookups (bot.domain.register_import) and ActionLookups (bot.domain.action_import)

    def strand_code(self, text: str) -> str | None:
        return self.strands.get(_folded(text))

    def agency_id(self, text: str) -> int | None:
        return self.agencies.get(_folded(text))

    def subject(self, kind: SubjectKind, reference: str) -> t.Subject | None:
        return self.subjects.get(reference_key(kind, reference))

    def subjects_named(self, reference: str) -> list[t.Subject]:
        found = (self.subject(kind, reference) for kind in SubjectKind)
        return [s for s in found if s is not None]

    def owner(self, text: str) -> _Member | None:
        return self.members.get(text.strip().lower())


def _folded(text: str) -> str:
    return " ".join(text.replace("_", " ").lower().split())


class _Writer:
    """The writes of one import, inside its transaction."""

    def __init__(self, session: AsyncSession, keys: KeyRing, locality_id: int, now: datetime):
        self.session = session
        self.keys = keys
        self.locality_id = locality_id
        self.now = now

    def _event(
        self,
        subject_id: int,
        kind: SubjectEventKind,
        value: str = "",
        previous: str = "",
        reason: str = "",
    ) -> None:
        self.session.add(
            t.SubjectEvent(
                subject_id=subject_id,
                kind=kind.value,
                value=value[:60],
                previous=previous[:60],
                reason=reason,
                meeting_id=None,
                member_id=None,
                locality_id=self.locality_id,
                at=self.now,
            )
        )

    def _imported(self, record_type: str, record_id: int, detail: str) -> None:
        audit.note(
            self.session,
            IMPORTED,
            record_type,
            record_id,
            locality_id=self.locality_id,
            detail=detail,
        )

    async def register(self, plan: RegisterPlan, lookups: _Lookups) -> ImportReport:
        """New subjects are added together (one flush), then each gets its strands and
        history; held ones are compared with their rows; then the links. What is already
        stored (strands, links) is read in a few statements, not one per row."""
        added = updated = unchanged = 0
        ids: dict[tuple[SubjectKind, str], int] = {}
        fresh = [(p, self._new_subject(p)) for p in plan.subjects if p.existing_id is None]
        self.session.add_all([subject for _, subject in fresh])
        await self.session.flush()
        for planned, subject in fresh:
            self._record_new(subject, planned, lookups)
            ids[planned.row.key] = subject.id
            added += 1
        held = [p for p in plan.subjects if p.existing_id is not None]
        strands = await self._strands_of([p.existing_id for p in held if p.existing_id])
        for planned in held:
            subject = lookups.subjects[planned.row.key]
            if await self._update_subject(subject, planned, lookups, strands.get(subject.id, {})):
                updated += 1
            else:
                unchanged += 1
            ids[planned.row.key] = subject.id
        pairs: list[tuple[int, int]] = []
        for key, target in plan.links:
            other = ids[target.row] if target.row is not None else target.subject_id
            assert other is not None
            pairs.append(link_pair(ids[key], other))
        linked = await self._links_among(pairs)
        links = [self._link(pair) for pair in dict.fromkeys(pairs) if pair not in linked]
        await self.session.flush()
        for link in links:
            self._imported("subject_links", link.id, "register import: linked")
        return ImportReport("subject", added, updated, unchanged, len(links))

    async def _strands_of(self, subject_ids: list[int]) -> dict[int, dict[int, t.SubjectStrand]]:
        found: dict[int, dict[int, t.SubjectStrand]] = {}
        for start in range(0, len(subject_ids), _CHUNK):
            for row in await self.session.scalars(
                select(t.SubjectStrand).where(
                    t.SubjectStrand.subject_id.in_(subject_ids[start : start + _CHUNK])
                )
            ):
                found.setdefault(row.subject_id, {})[row.strand_id] = row
        return found

    async def _links_among(self, pairs: list[tuple[int, int]]) -> set[tuple[int, int]]:
        """Which of these pairs are linked, or were (a removed link stays removed)."""
        firsts = sorted({a for a, _ in pairs})
        found: set[tuple[int, int]] = set()
        for start in range(0, len(firsts), _CHUNK):
            rows = await self.session.execute(
                select(t.SubjectLink.subject_a_id, t.SubjectLink.subject_b_id).where(
                    t.SubjectLink.subject_a_id.in_(firsts[start : start + _CHUNK])
                )
            )
            found.update((a, b) for a, b in rows)
        return found

    def _new_subject(self, planned: PlannedSubject) -> t.Subject:
        row = planned.row
        subject = new_subject(self.keys, self.locality_id, row.entry, self.now)
        subject.risk_level = row.risk.value if row.risk else None
        subject.status = (row.status or SubjectStatus.OPEN).value
        subject.status_reason = row.status_reason or None
        subject.lead_agency_id = planned.lead_agency_id
        subject.first_discussed_on = row.first_discussed
        subject.last_discussed_on = row.last_discussed
        subject.updated_at = self.now
        return subject

    def _record_new(self, subject: t.Subject, planned: PlannedSubject, lookups: _Lookups) -> None:
        """A new subject's strands and the start of its history: imported, its risk, and
        its status when not open."""
        row = planned.row
        for code in planned.strand_codes:
            self.session.add(
                t.SubjectStrand(subject_id=subject.id, strand_id=lookups.strand_ids[code])
            )
        self._event(subject.id, SubjectEventKind.IMPORTED, row.entry.kind.value, "", FROM_TRACKER)
        if row.risk is not None:
            self._event(subject.id, SubjectEventKind.RISK, row.risk.value, "", FROM_TRACKER)
        if subject.status != SubjectStatus.OPEN:
            self._event(
                subject.id,
                SubjectEventKind.STATUS,
                subject.status,
                "",
                row.status_reason or FROM_TRACKER,
            )
        self._imported("subjects", subject.id, "register import: added")

    async def _update_subject(
        self,
        subject: t.Subject,
        planned: PlannedSubject,
        lookups: _Lookups,
        held: dict[int, t.SubjectStrand],
    ) -> bool:
        """Brings a held subject in line with its row; an empty optional cell leaves what
        the register holds. Each change is in the subject's history with why."""
        row = planned.row
        changed: list[str] = []
        if row.risk is not None and subject.risk_level != row.risk.value:
            self._event(
                subject.id,
                SubjectEventKind.RISK,
                row.risk.value,
                subject.risk_level or "",
                CHANGED_BY_TRACKER,
            )
            subject.risk_level = row.risk.value
            changed.append("risk")
        if row.status is not None and subject.status != row.status.value:
            self._event(
                subject.id,
                SubjectEventKind.STATUS,
                row.status.value,
                subject.status,
                row.status_reason or CHANGED_BY_TRACKER,
            )
            subject.status = row.status.value
            changed.append("status")
        if row.status_reason and (subject.status_reason or "") != row.status_reason:
            subject.status_reason = row.status_reason
            changed.append("status reason")
        if planned.lead_agency_id is not None and subject.lead_agency_id != planned.lead_agency_id:
            self._event(
                subject.id,
                SubjectEventKind.LEAD_AGENCY,
                lookups.agency_codes[planned.lead_agency_id],
                lookups.agency_codes.get(subject.lead_agency_id or 0, ""),
                CHANGED_BY_TRACKER,
            )
            subject.lead_agency_id = planned.lead_agency_id
            changed.append("lead agency")
        wanted = {lookups.strand_ids[code] for code in planned.strand_codes}
        if set(held) != wanted:
            for strand_id in wanted - set(held):
                self.session.add(t.SubjectStrand(subject_id=subject.id, strand_id=strand_id))
            for strand_id in set(held) - wanted:
                await self.session.delete(held[strand_id])
            self._event(
                subject.id,
                SubjectEventKind.STRANDS,
                ",".join(planned.strand_codes),
                ",".join(sorted(c for c, i in lookups.strand_ids.items() if i in held)),
                CHANGED_BY_TRACKER,
            )
            changed.append("strands")
        for attribute, value, name in (
            ("first_discussed_on", row.first_discussed, "first discussed"),
            ("last_discussed_on", row.last_discussed, "last discussed"),
        ):
            if value is not None and getattr(subject, attribute) != value:
                setattr(subject, attribute, value)
                changed.append(name)
        if not changed:
            return False
        subject.updated_at = self.now
        self._event(
            subject.id,
            SubjectEventKind.IMPORTED,
            row.entry.kind.value,
            "",
            f"{CHANGED_BY_TRACKER}: {', '.join(changed)}",
        )
        self._imported("subjects", subject.id, "register import: " + ",".join(changed))
        return True

    def _link(self, pair: tuple[int, int]) -> t.SubjectLink:
        link = t.SubjectLink(
            subject_a_id=pair[0],
            subject_b_id=pair[1],
            reason=FROM_TRACKER,
            locality_id=self.locality_id,
            meeting_id=None,
            member_id=None,
            created_at=self.now,
        )
        self.session.add(link)
        self._event(pair[0], SubjectEventKind.LINKED, str(pair[1]), "", FROM_TRACKER)
        self._event(pair[1], SubjectEventKind.LINKED, str(pair[0]), "", FROM_TRACKER)
        return link

    # -- actions ---------------------------------------------------------------------

    async def actions(self, plan: ActionPlan) -> ImportReport:
        added = updated = unchanged = 0
        held: dict[str, t.Action] = {}
        keys_of: dict[int, list[str]] = {}
        for planned in plan.actions:
            value = import_key_value(self.locality_id, planned.row.tracker_reference)
            keys_of[planned.row.line] = list(self.keys.index(value, "actions.import_key"))
        every_key = [key for keys in keys_of.values() for key in keys]
        for start in range(0, len(every_key), _CHUNK):
            for action in await self.session.scalars(
                select(t.Action).where(t.Action.import_key.in_(every_key[start : start + _CHUNK]))
            ):
                assert action.import_key is not None
                held[action.import_key] = action
        new: list[PlannedAction] = []
        for planned in plan.actions:
            found = next((held[k] for k in keys_of[planned.row.line] if k in held), None)
            if found is None:
                new.append(planned)
            elif self._update_action(found, planned):
                updated += 1
            else:
                unchanged += 1
        if new:
            meeting = await self._tracker_meeting(plan)
            added_rows = [(p, self._new_action(p, meeting)) for p in new]
            self.session.add_all([action for _, action in added_rows])
            await self.session.flush()
            for planned, action in added_rows:
                raised = planned.row.raised_on
                self.session.add(
                    t.ActionEvent(
                        action_id=action.id,
                        kind="imported",
                        note=f"{FROM_TRACKER}." + (f" Raised on {raised}." if raised else ""),
                        member_id=planned.owner_id,
                        at=self.now,
                    )
                )
                self._imported("actions", action.id, "actions import: added")
                added += 1
        return ImportReport("action", added, updated, unchanged)

    def _new_action(self, planned: PlannedAction, meeting: tuple[int, int]) -> t.Action:
        row = planned.row
        return t.Action(
            locality_id=self.locality_id,
            meeting_id=meeting[0],
            item_id=meeting[1],
            description=row.description,
            owner_member_id=planned.owner_id,
            agency_id=planned.agency_id,
            due_date=row.due_date,
            subject_id=planned.subject_id,
            status=row.status.value,
            import_key=self.keys.primary_index(
                import_key_value(self.locality_id, row.tracker_reference), "actions.import_key"
            ),
            # No member made it: the owner stands in (the column is required); the audit
            # trail names the operator who imported it.
            created_by_member_id=planned.owner_id,
            created_at=self.now,
            updated_at=self.now,
        )

    def _update_action(self, action: t.Action, planned: PlannedAction) -> bool:
        """Brings an imported action in line with its row; why is in its history."""
        row = planned.row
        wanted: Sequence[tuple[str, object, str]] = (
            ("description", row.description, "description"),
            ("owner_member_id", planned.owner_id, "owner"),
            ("agency_id", planned.agency_id, "agency"),
            ("due_date", row.due_date, "due date"),
            ("status", row.status.value, "status"),
            ("subject_id", planned.subject_id, "subject"),
        )
        changed = []
        for attribute, value, name in wanted:
            if getattr(action, attribute) != value:
                setattr(action, attribute, value)
                changed.append(name)
        if not changed:
            return False
        action.updated_at = self.now
        self.session.add(
            t.ActionEvent(
                action_id=action.id,
                kind="imported",
                note=f"{CHANGED_BY_TRACKER}: {', '.join(changed)}.",
                member_id=planned.owner_id,
                at=self.now,
            )
        )
        self._imported("actions", action.id, "actions import: " + ",".join(changed))
        return True

    async def _tracker_meeting(self, plan: ActionPlan) -> tuple[int, int]:
        """The group's tracker meeting and its item (see the module docstring), made the
        first time the group imports an action."""
        found = (
            await self.session.execute(
                select(t.Meeting.id, t.AgendaItem.id)
                .join(t.AgendaItem, t.AgendaItem.meeting_id == t.Meeting.id)
                .where(
                    t.Meeting.locality_id == self.locality_id,
                    t.Meeting.conversation_id == TRACKER_CONVERSATION,
                )
                .order_by(t.Meeting.id, t.AgendaItem.position)
                .limit(1)
            )
        ).first()
        if found is not None:
            return found[0], found[1]
        raised = [p.row.raised_on for p in plan.actions if p.row.raised_on is not None]
        when = datetime.combine(min(raised, default=self.now.date()), time(0), UTC)
        first_meeting = await self.session.scalar(
            select(func.min(t.Meeting.started_at)).where(t.Meeting.locality_id == self.locality_id)
        )
        if first_meeting is not None and first_meeting <= when:
            when = first_meeting - timedelta(minutes=1)
        meeting = t.Meeting(
            locality_id=self.locality_id,
            conversation_id=TRACKER_CONVERSATION,
            status=MeetingStatus.ENDED,
            chair_member_id=await self._chair(plan),
            started_at=when,
            ended_at=when,
            current_position=None,
            minutes_status=MinutesStatus.AGREED,
            minutes_agreed_at=self.now,
        )
        self.session.add(meeting)
        await self.session.flush()
        item = t.AgendaItem(
            meeting_id=meeting.id,
            position=1,
            kind=ItemKind.ACTIONS_AND_NEXT,
            title=TRACKER_TITLE,
            time_limit_minutes=5,
            status=ItemStatus.DONE,
        )
        self.session.add(item)
        await self.session.flush()
        self._imported("meetings", meeting.id, "actions import: the group's tracker meeting")
        return meeting.id, item.id

    async def _chair(self, plan: ActionPlan) -> int:
        """Who the tracker meeting names as its chair (the column is required): the
        group's chair, else deputy chair, else coordinator, else the first owner."""
        for role in (Role.CHAIR, Role.DEPUTY_CHAIR, Role.COORDINATOR):
            holders = await people_in(self.session, self.locality_id, (role,))
            if holders:
                return holders[0]
        return plan.actions[0].owner_id
