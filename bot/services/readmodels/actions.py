"""Actions as the cards that list them show them: on the agenda, to their owner, to a
chair deciding a new date, and to a coordinator paging through what is outstanding.

The access rules come from ``bot.services.action_access``; which actions a person may
change, and the changes themselves, stay with ``bot.services.actions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    ScalarSelect,
    Select,
    Subquery,
    bindparam,
    exists,
    func,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.escalations import PERSON_OF_CONCERN
from bot.domain.filters import MAX_OWNER_IDS, ActionFilter, FilterError
from bot.domain.model import ActionStatus, CorrectionChange, SubjectKind
from bot.domain.rules import subject_display
from bot.domain.views import (
    ActionView,
    DateRequestView,
    MemberView,
    OutstandingActionRow,
    OwnedActionView,
)
from bot.services.action_access import Reach
from bot.services.readmodels.lookups import Lookups, load_lookups, locality_names
from bot.store import tables as t

#: An action whose owner is no longer on record (as ``action_views`` names them).
UNKNOWN_MEMBER = "Unknown member"

#: Working days between two dates; the default counts calendar days, the app passes the
#: England and Wales working-day calendar.
DaysBetween = Callable[[date, date], int]


# -- on the agenda ---------------------------------------------------------------------


#: Whether an action was corrected before the minutes were agreed (issue 16): its cards
#: say "(corrected)".
_CORRECTED = (
    exists()
    .where(
        t.RecordCorrection.record_type == "actions",
        t.RecordCorrection.record_id == t.Action.id,
        t.RecordCorrection.change == CorrectionChange.CORRECTED.value,
    )
    .label("corrected")
)
#: What the agenda says about each action beyond its own row: its owner's name, the
#: subject it concerns, the date of the meeting that raised it, and whether it was corrected
#: before the minutes were agreed. One statement, built once: read per draw of the agenda
#: (every change to a meeting redraws it), it was four, built afresh each time, and each
#: build left its bound parameters to the cyclic collector.
_ACTION_FACTS = (
    select(
        t.Action.id,
        t.Member.name.label("owner_name"),
        t.Subject.kind.label("subject_kind"),
        t.Subject.reference.label("subject_reference"),
        t.Subject.initials.label("subject_initials"),
        t.Meeting.started_at.label("raised_at"),
        _CORRECTED,
    )
    .outerjoin(t.Member, t.Member.id == t.Action.owner_member_id)
    .outerjoin(t.Subject, t.Subject.id == t.Action.subject_id)
    .outerjoin(t.Meeting, t.Meeting.id == t.Action.meeting_id)
    .where(t.Action.id.in_(bindparam("action_ids", expanding=True)))
)


async def action_views(
    session: AsyncSession, actions: Sequence[t.Action], lookups: Lookups, today: date
) -> list[ActionView]:
    if not actions:
        return []
    facts = {
        row.id: row
        for row in await session.execute(_ACTION_FACTS, {"action_ids": [a.id for a in actions]})
    }
    views = []
    for a in actions:
        fact = facts.get(a.id)
        views.append(
            ActionView(
                id=a.id,
                description=a.description,
                owner_name=UNKNOWN_MEMBER
                if fact is None or fact.owner_name is None
                else fact.owner_name,
                agency_name=lookups.agency_name(a.agency_id),
                due_date=a.due_date,
                status=ActionStatus(a.status),
                subject=None
                if fact is None or fact.subject_kind is None
                else _subject_of(fact.subject_kind, fact.subject_reference, fact.subject_initials),
                overdue=a.status == ActionStatus.OPEN and a.due_date < today,
                raised_on=fact.raised_at.date() if fact and fact.raised_at else None,
                escalated=a.escalated_at is not None,
                corrected=bool(fact and fact.corrected),
            )
        )
    return views


async def corrected_actions(session: AsyncSession, action_ids: Sequence[int]) -> set[int]:
    """Which of these actions were corrected (a field changed) before the minutes were
    agreed (issue 16): their cards say "(corrected)"."""
    if not action_ids:
        return set()
    return set(
        await session.scalars(
            select(t.RecordCorrection.record_id).where(
                t.RecordCorrection.record_type == "actions",
                t.RecordCorrection.record_id.in_(set(action_ids)),
                t.RecordCorrection.change == CorrectionChange.CORRECTED.value,
            )
        )
    )


# -- the owner's view -------------------------------------------------------------------


async def owned_actions(session: AsyncSession, owner_id: int, today: date) -> list[OwnedActionView]:
    """An owner's open actions, soonest due first ("my actions")."""
    return await _owned_views(session, _OPEN_OWNED_BY, {"owner": owner_id}, today)


async def owned_action(
    session: AsyncSession, action_id: int, today: date, *, colleagues: bool = False
) -> OwnedActionView:
    """One action as its owner sees it; with ``colleagues``, those it may be handed to."""
    only = {"action": action_id}
    return (await _owned_views(session, _OWNED_ONE, only, today, colleagues=colleagues))[0]


async def _owned_views(
    session: AsyncSession,
    query: Select[Any],
    parameters: Mapping[str, object],
    today: date,
    *,
    colleagues: bool = False,
) -> list[OwnedActionView]:
    """The actions ``query`` finds (``_OPEN_OWNED_BY`` or ``_OWNED_ONE``) as their
    owner sees them, soonest due first: one statement, with names, group, meeting date
    and latest update joined in as for a row of "outstanding actions". "My actions" is
    what partners open most, so the statements are built once, not per turn, and run on
    the session's connection: they read columns, not mapped objects, so the ORM's result
    loading (most of the statement's CPU in the bot) has nothing to add."""
    result = []
    connection = await session.connection()
    statuses = _STATUSES
    for (
        action_id,
        description,
        due_date,
        status_value,
        escalated,
        locality,
        owner_name,
        agency_name,
        raised_at,
        subject_kind,
        subject_reference,
        subject_initials,
        last_update,
        requested_due_date,
        locality_id,
        agency_id,
        owner_member_id,
        corrected,
    ) in await connection.execute(query, parameters):
        agency_name = agency_name or ""
        choices = (
            await hand_over_colleagues(
                session, locality_id, agency_id, owner_member_id, agency_name
            )
            if colleagues
            else ()
        )
        status = statuses[status_value]
        result.append(
            OwnedActionView(
                action=ActionView(
                    id=action_id,
                    description=description,
                    owner_name=owner_name if owner_name is not None else UNKNOWN_MEMBER,
                    agency_name=agency_name,
                    due_date=due_date,
                    status=status,
                    subject=None
                    if subject_kind is None
                    else _subject_of(subject_kind, subject_reference, subject_initials),
                    overdue=status is ActionStatus.OPEN and due_date < today,
                    raised_on=raised_at.date() if raised_at is not None else None,
                    escalated=bool(escalated),
                    corrected=bool(corrected),
                ),
                locality=locality or "",
                requested_due_date=requested_due_date,
                last_update=last_update if last_update is not None else "",
                colleagues=choices,
            )
        )
    return result


async def hand_over_colleagues(
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


# -- the chair's decision on a new date ---------------------------------------------------


async def date_request_view(
    session: AsyncSession, action: t.Action, decided: str, key_codes: Sequence[str]
) -> DateRequestView:
    lookups = await load_lookups(session, key_codes)
    names = await session.execute(
        select(t.Member.id, t.Member.name).where(t.Member.id == action.owner_member_id)
    )
    owner = {row.id: row.name for row in names}.get(action.owner_member_id, "")
    return DateRequestView(
        action_id=action.id,
        locality=(await locality_names(session)).get(action.locality_id, ""),
        owner_name=owner,
        agency_name=lookups.agency_name(action.agency_id),
        current_due=action.due_date,
        requested_due=action.requested_due_date or action.due_date,
        reason=action.request_reason,
        description=action.description,
        decided=decided,
    )


# -- coordinators: what is outstanding ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutstandingWhere:
    """The open actions a filter selects among those a person may see: every one meets
    ``common`` and exactly one of ``ways`` (``Reach.ways``)."""

    common: tuple[ColumnElement[bool], ...]
    ways: tuple[ColumnElement[bool], ...]

    def matching(self) -> Subquery:
        """The matching actions' ids and due dates: found one way at a time and added
        up (``UNION ALL``: no two ways select the same action), so that each way reads
        only its own groups' range of ``ix_actions_status_locality`` (status, group,
        due date, id, then what filters test), never the open actions of every group
        in the store; with ``OR`` the planner can only read them all and discard
        what the person may not see (a tenth of them, in a store of ten partnerships)."""
        a = t.Action
        parts = [select(a.id, a.due_date).where(*self.common, way) for way in self.ways]
        found = parts[0] if len(parts) == 1 else union_all(*parts)
        return found.subquery("matching")


async def outstanding_where(
    session: AsyncSession, reach: Reach, wanted: ActionFilter, today: date
) -> OutstandingWhere:
    """The conditions on ``actions`` for the open actions the filter selects among
    those the person may see."""
    where = [t.Action.status == ActionStatus.OPEN]
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
        agencies = (await session.execute(select(t.Agency.id, t.Agency.name, t.Agency.code))).all()
        chosen_agencies = [a.id for a in agencies if _matches(wanted.agency, a.name, a.code)]
        if not chosen_agencies:
            names = ", ".join(a.code.replace("_", " ") for a in agencies)
            raise FilterError(f"I don't know an agency by that name. Agencies: {names}.")
        where.append(t.Action.agency_id.in_(chosen_agencies))
    if wanted.owner:
        owners = select(t.Member.id).where(func.lower(t.Member.name).contains(wanted.owner.lower()))
        where.append(t.Action.owner_member_id.in_(owners))
    if wanted.owner_ids:
        where.append(t.Action.owner_member_id.in_(wanted.owner_ids))
    if wanted.overdue_only:
        where.append(t.Action.due_date < today)
    if wanted.due_before:
        where.append(t.Action.due_date < wanted.due_before)
    return OutstandingWhere(tuple(where), tuple(reach.ways()))


async def owners_named(session: AsyncSession, wanted: ActionFilter) -> ActionFilter:
    """The filter with the members its typed owner's name matches, by number, so that a
    page's address can select the same actions without carrying the name."""
    if not wanted.owner:
        return wanted
    ids = await session.scalars(
        select(t.Member.id)
        .where(func.lower(t.Member.name).contains(wanted.owner.lower()))
        .order_by(t.Member.id)
        .limit(MAX_OWNER_IDS)
    )
    return replace(wanted, owner_ids=tuple(ids))


async def outstanding_count(session: AsyncSession, where: OutstandingWhere) -> int:
    """How many actions match ``where``: for a page asked for past the end of the list."""
    return int(await session.scalar(select(func.count()).select_from(where.matching())) or 0)


async def outstanding_rows(
    session: AsyncSession,
    where: OutstandingWhere,
    today: date,
    days_between: DaysBetween,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[OutstandingActionRow], int]:
    """The open actions matching ``where`` in due-date order (one page of them with
    ``limit``) and how many match in all, in one statement.

    The page is chosen on ``actions`` alone, from the index entries of the actions the
    person may see and no others (``OutstandingWhere.matching``), counted there with a
    window and the top of them kept; only the page's rows are then joined to their
    names and decrypted. Everything else a row shows comes in the same statement:
    group, owner, agency, subject, the meeting that raised it and its latest update.
    Counting has to visit every matching action, so choosing the page in that same
    pass costs next to nothing, and nothing else in the store is read: the time is the
    person's open actions', however many partnerships the store holds."""
    a = t.Action
    matching = where.matching()
    chosen = select(matching.c.id, matching.c.due_date).order_by(matching.c.due_date, matching.c.id)
    if limit is not None:
        chosen = chosen.add_columns(func.count().over().label("total")).limit(limit).offset(offset)
    page = chosen.subquery("page")
    query = _named(select(*_ROW_COLUMNS).select_from(page).join(a, a.id == page.c.id)).order_by(
        page.c.due_date, page.c.id
    )
    if limit is not None:
        query = query.add_columns(page.c.total)
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
                days_overdue=max(0, days_between(row.due_date, today))
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


# -- the statements -----------------------------------------------------------------------


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


#: What a row shows by name, from the tables ``_named`` joins (in this order in every
#: row: ``_owned_views`` and the rows' readers unpack them by position or label).
_NAMED_COLUMNS = (
    t.Locality.name.label("locality"),
    t.Member.name.label("owner_name"),
    t.Agency.name.label("agency_name"),
    t.Meeting.started_at.label("raised_at"),
    t.Subject.kind.label("subject_kind"),
    t.Subject.reference.label("subject_reference"),
    t.Subject.initials.label("subject_initials"),
)

#: What a row of "outstanding actions" (or its export) shows, read with the page (see
#: ``outstanding_rows``). Built once: statements are immutable and reusable.
_ROW_COLUMNS = (
    t.Action.id,
    t.Action.description,
    t.Action.due_date,
    t.Action.status,
    t.Action.escalated_at,
    *_NAMED_COLUMNS,
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
    # Corrected before the minutes were agreed (issue 16): the owner's card says so.
    _CORRECTED,
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


#: An owner's row, in the order ``_owned_views`` unpacks it: a listed row's columns but
#: for what the owner's card does not show (the latest update's time) or needs only as
#: a flag (escalated), which would each be read and converted for every row.
_OWNED_COLUMNS = (
    t.Action.id,
    t.Action.description,
    t.Action.due_date,
    t.Action.status,
    t.Action.escalated_at.is_not(None).label("escalated"),
    *_NAMED_COLUMNS,
    _latest_update("note").label("last_update"),
    *_OWNER_COLUMNS,
)

#: An action's status by its stored value, without the enum's own look-up per row.
_STATUSES = {status.value: status for status in ActionStatus}


def _owned_query(*where: ColumnElement[bool]) -> Select[Any]:
    return _named(select(*_OWNED_COLUMNS).select_from(t.Action).where(*where)).order_by(
        t.Action.due_date, t.Action.id
    )


#: An owner's open actions (``owner``), and one action (``action``), as owners see them.
_OPEN_OWNED_BY = _owned_query(
    t.Action.owner_member_id == bindparam("owner"), t.Action.status == ActionStatus.OPEN
)
_OWNED_ONE = _owned_query(t.Action.id == bindparam("action"))


def _owner_name(name: str | None) -> str:
    return name if name is not None else UNKNOWN_MEMBER


def _subject(row: Row[Any]) -> str | None:
    """The child an action is about, as a row shows it ("CR-0001 (A.B.)"); a person of
    concern only as such (see ``_subject_of``)."""
    if row.subject_kind is None:
        return None
    return _subject_of(row.subject_kind, row.subject_reference, row.subject_initials)


def _subject_of(kind: str, reference: str, initials: str) -> str:
    """Whom an action is about, as a card or list may say it, from its subject's columns.
    A person of concern's reference is criminal-offence data seen only by whom the group's
    rule allows, and these actions are drawn on cards the whole group's conversation sees
    (the agenda, the summary) and in lists that reach members the register's rule does not
    let see persons of concern: it is never named here, only said to be a person of
    concern (their own register card, behind the register's access rule, names them)."""
    if kind == SubjectKind.PERSON.value:
        return PERSON_OF_CONCERN
    return subject_display(SubjectKind(kind), reference or "", initials or "")


def _matches(wanted: str, *names: str) -> bool:
    def simple(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    needle = simple(wanted)
    return bool(needle) and any(needle in simple(name) for name in names)
