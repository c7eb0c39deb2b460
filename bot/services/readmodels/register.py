"""The register as its cards show it: one subject's card and a page of subjects.

A subject's card is read in a fixed, small number of statements whatever its history (a
chair's most-discussed child has years of it): one per list the card shows, each choosing
its first rows and counting the rest in the same statement (a window count), through the
indexes migration 0010 made for it (subject_events (subject_id, at), subject_links a and b,
actions, minute_entries, share_rounds and item_subjects by subject). Only what the card
shows is selected, so only that is decrypted. Who may see what is decided by the caller
(``bot.services.register_reads``, through ``bot.services.register_access``) and passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, null, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import LONDON
from bot.domain.model import TURN_LABELS, SubjectKind, TurnOutcome
from bot.domain.register import (
    RISK_RANK,
    STATUS_LABELS,
    ChildChecks,
    RiskLevel,
    SubjectEventKind,
    SubjectStatus,
)
from bot.domain.register_views import (
    RESTRICTED_PERSON,
    AnswerLine,
    DecisionLine,
    HistoryLine,
    LinkLine,
    MeetingRef,
    RiskChange,
    Shown,
    SubjectActionLine,
    SubjectCardView,
    SubjectRow,
    subject_display,
)
from bot.store import tables as t

#: How many entries of each list a card shows (Teams' message size: see cards.register).
RISK_SHOWN = 5
HISTORY_SHOWN = 6
LINKS_SHOWN = 10
ACTIONS_SHOWN = 8
DECISIONS_SHOWN = 5
MEETINGS_SHOWN = 8
ANSWERS_SHOWN = 6

#: A linked subject of a group the viewer is not in (links are made within a group, so
#: only after a transfer): named no more than a restricted person of concern.
RESTRICTED_SUBJECT = "A subject of another group (restricted)"

#: History shown in its own list (risk) or elsewhere on the card (discussed: the
#: meetings list; linked and unlinked: the links).
_NOT_IN_HISTORY = (
    SubjectEventKind.RISK.value,
    SubjectEventKind.DISCUSSED.value,
    SubjectEventKind.LINKED.value,
    SubjectEventKind.UNLINKED.value,
)


@dataclass(frozen=True, slots=True)
class Viewing:
    """What one viewer may see on a card, decided by the access rule beforehand."""

    #: Groups whose subjects the viewer may see on this card (linked subjects).
    locality_ids: frozenset[int]
    #: Of those, the groups where persons of concern are visible to them.
    persons_in: frozenset[int]
    #: Whether to list a child's missing checks (an editor, in a personal chat).
    show_missing: bool
    can_edit: bool
    can_move: bool
    meeting_id: int | None
    in_group: bool
    today: date
    #: May escalate it to the Operational or Strategic group (issue 16).
    can_escalate: bool = False


def _day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _risk(value: str | None) -> RiskLevel | None:
    try:
        return RiskLevel(value) if value else None
    except ValueError:
        return None


def _meeting(
    meeting_id: int | None, started: datetime | None, group: str | None
) -> MeetingRef | None:
    if meeting_id is None or started is None:
        return None
    return MeetingRef(meeting_id, _day(started), group or "")


def _total(rows: Sequence[Any]) -> int:
    return int(rows[0].total) if rows else 0


async def subject_card(
    session: AsyncSession, subject: t.Subject, viewing: Viewing, visible: ColumnElement[bool]
) -> SubjectCardView:
    """The card of ``subject`` for one viewer (``visible``: SQL saying which subjects that
    viewer may see, from ``register_access.visible_in``)."""
    sid = subject.id
    kind = SubjectKind(subject.kind)

    # 1. Names: the holding group, the lead agency, the strands; and the coded values the
    #    history holds in words (agencies, groups, strands are reference data: tens).
    names = await session.execute(
        select(
            select(t.Locality.name).where(t.Locality.id == subject.locality_id).scalar_subquery(),
            select(t.Agency.name).where(t.Agency.id == subject.lead_agency_id).scalar_subquery(),
        )
    )
    group, lead_agency = names.one()
    strands = [
        label
        for (label,) in await session.execute(
            select(t.Strand.label)
            .join(t.SubjectStrand, t.SubjectStrand.strand_id == t.Strand.id)
            .where(t.SubjectStrand.subject_id == sid)
            .order_by(t.Strand.sort_order, t.Strand.label)
        )
    ]

    # 2. Risk history, newest first, with who, the meeting and why.
    risk_rows = (
        await session.execute(
            _event_query(
                sid, t.SubjectEvent.kind == SubjectEventKind.RISK.value, reason=True
            ).limit(RISK_SHOWN)
        )
    ).all()
    risk_history = Shown(
        tuple(
            RiskChange(
                level=_risk(row.value),
                previous=_risk(row.previous),
                who=row.who or "",
                at=row.at,
                meeting=_meeting(row.meeting_id, row.started_at, row.meeting_group),
                reason=row.reason or "",
            )
            for row in risk_rows
        ),
        max(0, _total(risk_rows) - len(risk_rows)),
    )

    # 3. The rest of its history (no reasons shown: not selected, so not decrypted).
    other_rows = (
        await session.execute(
            _event_query(sid, t.SubjectEvent.kind.not_in(_NOT_IN_HISTORY), reason=False).limit(
                HISTORY_SHOWN
            )
        )
    ).all()
    words = await _words(session, other_rows)
    history = Shown(
        tuple(
            HistoryLine(
                kind=SubjectEventKind(row.kind),
                value=words(row.kind, row.value),
                previous=words(row.kind, row.previous),
                who=row.who or "",
                at=row.at,
                meeting=_meeting(row.meeting_id, row.started_at, row.meeting_group),
            )
            for row in other_rows
            if row.kind in SubjectEventKind._value2member_map_
        ),
        max(0, _total(other_rows) - len(other_rows)),
    )

    # 4. Links, with the linked subject's kind and risk; what the viewer may not see of it
    #    is left out (persons of concern: "restricted").
    link = t.SubjectLink
    other_id = case((link.subject_a_id == sid, link.subject_b_id), else_=link.subject_a_id)
    link_rows = (
        await session.execute(
            select(
                t.Subject.id,
                t.Subject.kind,
                # What the viewer may not see is not even decrypted: NULL for those rows.
                case((visible, t.Subject.reference), else_=null()).label("reference"),
                case((visible, t.Subject.initials), else_=null()).label("initials"),
                t.Subject.risk_level,
                case((visible, link.reason), else_=null()).label("reason"),
                link.created_at,
                t.Meeting.started_at,
                case((visible, literal(True)), else_=literal(False)).label("visible"),
                func.count().over().label("total"),
            )
            .select_from(link)
            .join(t.Subject, t.Subject.id == other_id)
            .outerjoin(t.Meeting, t.Meeting.id == link.meeting_id)
            .where(
                or_(link.subject_a_id == sid, link.subject_b_id == sid), link.removed_at.is_(None)
            )
            .order_by(
                case((visible, 0), else_=1),
                risk_order(t.Subject.risk_level),
                link.created_at.desc(),
                link.id.desc(),
            )
            .limit(LINKS_SHOWN)
        )
    ).all()
    links = Shown(
        tuple(_link_line(row) for row in link_rows),
        max(0, _total(link_rows) - len(link_rows)),
    )

    # 5. Open actions about it, soonest due first.
    action_rows = (
        await session.execute(
            select(
                t.Action.id,
                t.Action.due_date,
                t.Agency.name.label("agency"),
                func.count().over().label("total"),
            )
            .join(t.Agency, t.Agency.id == t.Action.agency_id)
            .where(t.Action.subject_id == sid, t.Action.status == "open")
            .order_by(t.Action.due_date, t.Action.id)
            .limit(ACTIONS_SHOWN)
        )
    ).all()
    actions = Shown(
        tuple(
            SubjectActionLine(row.id, row.agency or "", row.due_date, row.due_date < viewing.today)
            for row in action_rows
        ),
        max(0, _total(action_rows) - len(action_rows)),
    )

    # 6. Decisions recorded about it, newest first.
    decision_rows = (
        await session.execute(
            select(
                t.MinuteEntry.created_at,
                t.MinuteEntry.text,
                func.count().over().label("total"),
            )
            .where(
                t.MinuteEntry.subject_id == sid,
                t.MinuteEntry.kind == "decision",
                # Withdrawn as recorded in error (issue 16): kept, never listed.
                t.MinuteEntry.withdrawn_at.is_(None),
            )
            .order_by(t.MinuteEntry.created_at.desc(), t.MinuteEntry.id.desc())
            .limit(DECISIONS_SHOWN)
        )
    ).all()
    decisions = Shown(
        tuple(DecisionLine(_day(row.created_at), row.text or "") for row in decision_rows),
        max(0, _total(decision_rows) - len(decision_rows)),
    )

    # 7. The meetings it was discussed in: under an item, in a minute, or in a round.
    discussed = union(
        select(t.ItemSubject.meeting_id.label("meeting_id")).where(t.ItemSubject.subject_id == sid),
        select(t.MinuteEntry.meeting_id).where(t.MinuteEntry.subject_id == sid),
        select(t.ShareRound.meeting_id).where(t.ShareRound.subject_id == sid),
    ).subquery("discussed")
    meeting_rows = (
        await session.execute(
            select(
                t.Meeting.id,
                t.Meeting.started_at,
                t.Locality.name.label("group"),
                func.count().over().label("total"),
            )
            .join(discussed, discussed.c.meeting_id == t.Meeting.id)
            .join(t.Locality, t.Locality.id == t.Meeting.locality_id)
            .order_by(t.Meeting.started_at.desc(), t.Meeting.id.desc())
            .limit(MEETINGS_SHOWN)
        )
    ).all()
    meetings = Shown(
        tuple(MeetingRef(row.id, _day(row.started_at), row.group or "") for row in meeting_rows),
        max(0, _total(meeting_rows) - len(meeting_rows)),
    )

    # 8. Answers in share-and-challenge rounds about it: newest round first, each round's
    #    answers in the order given (an agency may answer more than once).
    answer_rows = (
        await session.execute(
            select(
                t.ShareRound.opened_at,
                t.Agency.name.label("agency"),
                t.RoundTurn.service,
                t.RoundTurn.outcome,
                t.RoundTurn.text,
                t.Member.name.label("who"),
                t.RoundTurn.at,
                func.count().over().label("total"),
            )
            .select_from(t.RoundTurn)
            .join(t.ShareRound, t.ShareRound.id == t.RoundTurn.round_id)
            .join(t.Agency, t.Agency.id == t.RoundTurn.agency_id)
            .outerjoin(t.Member, t.Member.id == t.RoundTurn.member_id)
            .where(t.ShareRound.subject_id == sid)
            .order_by(
                t.ShareRound.opened_at.desc(),
                t.ShareRound.id.desc(),
                t.RoundTurn.at,
                t.RoundTurn.id,
            )
            .limit(ANSWERS_SHOWN)
        )
    ).all()
    answers = Shown(
        tuple(
            AnswerLine(
                round_on=_day(row.opened_at),
                agency=row.agency or "",
                service=row.service or "",
                outcome=_outcome(row.outcome),
                text=row.text or "",
                who=row.who or "",
                at=row.at,
            )
            for row in answer_rows
        ),
        max(0, _total(answer_rows) - len(answer_rows)),
    )

    checks: ChildChecks | None = None
    missing: tuple[str, ...] | None = None
    # A child's checks (a missing episode, an NRM referral, being looked after) are
    # special-category detail: shown in a personal chat, never on a card the whole group
    # conversation reads.
    if kind is SubjectKind.CHILD and not viewing.in_group:
        checks = ChildChecks.from_json(subject.checks)
        if viewing.show_missing:
            missing = tuple(checks.missing())
    return SubjectCardView(
        subject_id=sid,
        kind=kind,
        reference=subject.reference,
        initials=subject.initials or "",
        group=group or "",
        status=_status(subject.status),
        status_reason=subject.status_reason or "",
        risk=_risk(subject.risk_level),
        strands=tuple(strands),
        lead_agency=lead_agency or "",
        first_discussed=subject.first_discussed_on,
        last_discussed=subject.last_discussed_on,
        checks=checks,
        missing=missing,
        risk_history=risk_history,
        history=history,
        links=links,
        actions=actions,
        decisions=decisions,
        meetings=meetings,
        answers=answers,
        can_edit=viewing.can_edit,
        can_move=viewing.can_move,
        can_escalate=viewing.can_escalate,
        meeting_id=viewing.meeting_id,
        in_group=viewing.in_group,
    )


def _status(value: str | None) -> SubjectStatus:
    try:
        return SubjectStatus(value or "open")
    except ValueError:
        return SubjectStatus.OPEN


def _outcome(value: str) -> str:
    try:
        return TURN_LABELS[TurnOutcome(value)]
    except ValueError:
        return value


def risk_order(column: Any) -> Any:
    """Very high first, then high, medium, low, and not yet rated last."""
    return case(*((column == level.value, -RISK_RANK[level]) for level in RiskLevel), else_=1)


def _event_query(sid: int, which: ColumnElement[bool], *, reason: bool) -> Any:
    e = t.SubjectEvent
    columns: list[Any] = [
        e.kind,
        e.value,
        e.previous,
        e.at,
        e.meeting_id,
        t.Member.name.label("who"),
        t.Meeting.started_at,
        t.Locality.name.label("meeting_group"),
        func.count().over().label("total"),
    ]
    if reason:
        columns.append(e.reason)
    return (
        select(*columns)
        .outerjoin(t.Member, t.Member.id == e.member_id)
        .outerjoin(t.Meeting, t.Meeting.id == e.meeting_id)
        .outerjoin(t.Locality, t.Locality.id == t.Meeting.locality_id)
        .where(e.subject_id == sid, which)
        .order_by(e.at.desc(), e.id.desc())
    )


async def _words(session: AsyncSession, rows: Sequence[Any]) -> Any:
    """How each coded value of the history reads (an agency's code as its name, a group's
    code as its name, strand codes as labels, a status as its label), read in one
    statement only when the history shown holds such codes."""
    coded = {row.kind for row in rows} & {
        SubjectEventKind.LEAD_AGENCY.value,
        SubjectEventKind.STRANDS.value,
        SubjectEventKind.TRANSFER_ASKED.value,
        SubjectEventKind.TRANSFERRED.value,
        SubjectEventKind.SHARE_ASKED.value,
        SubjectEventKind.SHARED.value,
        SubjectEventKind.MOVE_DECLINED.value,
    }
    names: dict[tuple[str, str], str] = {}
    if coded:
        query = union(
            select(literal("agency").label("what"), t.Agency.code, t.Agency.name),
            select(literal("group"), t.Locality.code, t.Locality.name),
            select(literal("strand"), t.Strand.code, t.Strand.label),
        )
        names = {(row.what, row.code): row.name for row in await session.execute(query)}

    def say(kind: str, value: str) -> str:
        if not value:
            return ""
        if kind == SubjectEventKind.STATUS.value:
            try:
                return STATUS_LABELS[SubjectStatus(value)]
            except ValueError:
                return value
        if kind == SubjectEventKind.LEAD_AGENCY.value:
            return names.get(("agency", value), value)
        if kind == SubjectEventKind.STRANDS.value:
            return ", ".join(
                names.get(("strand", code.strip()), code.strip())
                for code in value.split(",")
                if code.strip()
            )
        if kind in coded:
            return names.get(("group", value), value)
        return value

    return say


def _link_line(row: Any) -> LinkLine:
    kind = SubjectKind(row.kind)
    recorded = _day(row.started_at) if row.started_at is not None else _day(row.created_at)
    if not row.visible:
        return LinkLine(
            subject_id=None,
            kind=kind,
            display=RESTRICTED_PERSON if kind is SubjectKind.PERSON else RESTRICTED_SUBJECT,
            risk=None,
            reason="",
            recorded_on=recorded,
            restricted=True,
        )
    return LinkLine(
        subject_id=row.id,
        kind=kind,
        display=subject_display(kind, row.reference or "", row.initials or ""),
        risk=_risk(row.risk_level),
        reason=row.reason or "",
        recorded_on=recorded,
    )


# -- lists -----------------------------------------------------------------------------


async def subject_rows(
    session: AsyncSession,
    where: Sequence[ColumnElement[bool]],
    *,
    limit: int,
    offset: int,
) -> tuple[list[SubjectRow], int]:
    """A page of the subjects ``where`` selects, riskiest first, and how many in all.

    The page is chosen and counted on ``subjects`` alone; only its rows are decrypted."""
    s = t.Subject
    chosen = (
        select(s.id, func.count().over().label("total"))
        .where(*where)
        .order_by(risk_order(s.risk_level), s.last_discussed_on.asc().nulls_first(), s.id)
        .limit(limit)
        .offset(offset)
    ).subquery("page")
    rows = (
        await session.execute(
            select(
                *SUBJECT_ROW_COLUMNS,
                t.Locality.name.label("group"),
                chosen.c.total,
            )
            .select_from(chosen)
            .join(s, s.id == chosen.c.id)
            .join(t.Locality, t.Locality.id == s.locality_id)
            .order_by(risk_order(s.risk_level), s.last_discussed_on.asc().nulls_first(), s.id)
        )
    ).all()
    return [subject_row(row) for row in rows], _total(rows)


#: What ``subject_row`` reads of a subject (with a ``group`` column: its group's name).
SUBJECT_ROW_COLUMNS = (
    t.Subject.id,
    t.Subject.kind,
    t.Subject.reference,
    t.Subject.initials,
    t.Subject.risk_level,
    t.Subject.status,
    t.Subject.last_discussed_on,
)


def subject_row(row: Any) -> SubjectRow:
    kind = SubjectKind(row.kind)
    return SubjectRow(
        subject_id=row.id,
        kind=kind,
        display=subject_display(kind, row.reference, row.initials or ""),
        group=row.group or "",
        risk=_risk(row.risk_level),
        status=_status(row.status),
        last_discussed=row.last_discussed_on,
    )


async def rows_of(session: AsyncSession, subject_ids: Sequence[int]) -> list[SubjectRow]:
    """The list rows of these subjects (a choice between several under one reference)."""
    if not subject_ids:
        return []
    s = t.Subject
    rows = await session.execute(
        select(
            *SUBJECT_ROW_COLUMNS,
            t.Locality.name.label("group"),
        )
        .join(t.Locality, t.Locality.id == s.locality_id)
        .where(s.id.in_(subject_ids))
        .order_by(t.Locality.name, s.kind, s.id)
    )
    return [subject_row(row) for row in rows]


def not_discussed_since(day: date) -> ColumnElement[bool]:
    """Last discussed before ``day``, or never."""
    return or_(t.Subject.last_discussed_on.is_(None), t.Subject.last_discussed_on < day)


def with_strands(strand_ids: Sequence[int]) -> ColumnElement[bool]:
    return t.Subject.id.in_(
        select(t.SubjectStrand.subject_id).where(t.SubjectStrand.strand_id.in_(strand_ids))
    )


def open_only() -> ColumnElement[bool]:
    return and_(t.Subject.status != SubjectStatus.CLOSED.value)
