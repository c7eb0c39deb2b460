"""The register's part of a subject access export (issue 15): the subject's record and
everything the register holds about it, redacted like the rest of the export.

* ``record``: status (with its reason), risk, strands, lead agency, when first and last
  discussed, when last changed, and, for a child, the checks recorded;
* ``history``: every entry of ``subject_events``, reasons through the ``Redactor``;
* ``links``: each link, the other end shown only as its kind and ``[redacted]`` (a link
  discloses that another child, person or place exists; the reason is redacted too);
* ``discussed_in``: the meetings it was listed under items 4-7 (``item_subjects``);
* ``minute_entries``: minutes and decisions recorded *about* it (``subject_id``);
* ``round_turns``: every answer in the share-and-challenge rounds about it, with the
  service that answered;
* ``shares``: requests to share or transfer it to another group, and their outcome.

Text found merely *naming* the subject stays under ``mentions`` (the service's search);
what is recorded against it is here and is not listed twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import SUBJECT_LABELS, SubjectKind
from bot.domain.register import (
    INTERVIEW_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
    ChildChecks,
    RiskLevel,
    SubjectStatus,
)
from bot.domain.subject_access import REDACTED
from bot.store import tables as t

Redact = Callable[[str], str]
MeetingRef = Callable[[int | None], dict[str, Any] | None]


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _label(labels: Mapping[Any, str], enum: Any, value: str | None) -> str:
    try:
        return labels[enum(value)] if value else ""
    except ValueError:
        return value or ""


def _kind_label(kind: str) -> str:
    try:
        return SUBJECT_LABELS[SubjectKind(kind)]
    except ValueError:
        return kind


def checks_document(checks: ChildChecks, redact: Redact) -> dict[str, Any]:
    """A child's checks as recorded (``None``: not recorded yet), free text redacted."""

    def yes_no(value: bool | None) -> str | None:
        return None if value is None else ("yes" if value else "no")

    return {
        "missing_episode": yes_no(checks.missing_episode),
        "return_interview": (
            INTERVIEW_LABELS[checks.return_interview] if checks.return_interview else None
        ),
        "return_interview_on": _iso(checks.return_interview_on),
        "voice_recorded": yes_no(checks.voice_recorded),
        "parents_involved": yes_no(checks.parents_involved),
        "nrm_referred_on": _iso(checks.nrm_referred_on),
        "nrm_outcome": redact(checks.nrm_outcome) or None,
        "transition_16_17": yes_no(checks.transition_16_17),
        "looked_after": yes_no(checks.looked_after),
        "placing_authority": redact(checks.placing_authority) or None,
        "safety_plan_shared": yes_no(checks.safety_plan_shared),
        "risk_tool_on": _iso(checks.risk_tool_on),
        "not_yet_recorded": checks.missing(),
    }


async def register_part(
    session: AsyncSession,
    subject: t.Subject,
    redact: Redact,
    meeting_ref: MeetingRef,
    names: Mapping[int, str],
    agencies: Mapping[int, str],
) -> dict[str, Any]:
    """The register's part of the export document (see the module docstring)."""
    strands = list(
        await session.scalars(
            select(t.Strand.label)
            .join(t.SubjectStrand, t.SubjectStrand.strand_id == t.Strand.id)
            .where(t.SubjectStrand.subject_id == subject.id)
            .order_by(t.Strand.sort_order, t.Strand.id)
        )
    )
    events = (
        await session.scalars(
            select(t.SubjectEvent)
            .where(t.SubjectEvent.subject_id == subject.id)
            .order_by(t.SubjectEvent.at, t.SubjectEvent.id)
        )
    ).all()
    links = (
        await session.scalars(
            select(t.SubjectLink)
            .where(
                or_(
                    t.SubjectLink.subject_a_id == subject.id,
                    t.SubjectLink.subject_b_id == subject.id,
                )
            )
            .order_by(t.SubjectLink.id)
        )
    ).all()
    other_ids = {
        link.subject_b_id if link.subject_a_id == subject.id else link.subject_a_id
        for link in links
    }
    other_kinds = (
        dict(
            (
                await session.execute(
                    select(t.Subject.id, t.Subject.kind).where(t.Subject.id.in_(other_ids))
                )
            ).all()
        )
        if other_ids
        else {}
    )
    discussed = (
        await session.execute(
            select(t.ItemSubject, t.AgendaItem.title, t.AgendaItem.position)
            .join(t.AgendaItem, t.AgendaItem.id == t.ItemSubject.item_id)
            .where(t.ItemSubject.subject_id == subject.id)
            .order_by(t.ItemSubject.meeting_id, t.ItemSubject.id)
        )
    ).all()
    entries = (
        await session.scalars(
            select(t.MinuteEntry)
            .where(t.MinuteEntry.subject_id == subject.id)
            .order_by(t.MinuteEntry.id)
        )
    ).all()
    turns = (
        await session.execute(
            select(t.RoundTurn, t.ShareRound.meeting_id)
            .join(t.ShareRound, t.ShareRound.id == t.RoundTurn.round_id)
            .where(t.ShareRound.subject_id == subject.id)
            .order_by(t.RoundTurn.id)
        )
    ).all()
    shares = (
        await session.scalars(
            select(t.SubjectShare)
            .where(t.SubjectShare.subject_id == subject.id)
            .order_by(t.SubjectShare.id)
        )
    ).all()
    localities = dict((await session.execute(select(t.Locality.id, t.Locality.name))).all())
    lead = agencies.get(subject.lead_agency_id, "") if subject.lead_agency_id else ""

    def by(member_id: int | None) -> str:
        return names.get(member_id, "") if member_id is not None else ""

    record: dict[str, Any] = {
        "status": subject.status,
        "status_label": _label(STATUS_LABELS, SubjectStatus, subject.status),
        "status_reason": redact(subject.status_reason or ""),
        "risk": subject.risk_level,
        "risk_label": _label(RISK_LABELS, RiskLevel, subject.risk_level) or "Not rated",
        "strands": strands,
        "lead_agency": lead,
        "first_discussed_on": _iso(subject.first_discussed_on),
        "last_discussed_on": _iso(subject.last_discussed_on),
        "updated_at": _iso(subject.updated_at),
    }
    if subject.kind == SubjectKind.CHILD.value:
        record["checks"] = checks_document(ChildChecks.from_json(subject.checks), redact)
    return {
        "record": record,
        "history": [
            {
                "kind": e.kind,
                "value": e.value,
                "previous": e.previous,
                "reason": redact(e.reason or ""),
                "meeting": meeting_ref(e.meeting_id),
                "by": by(e.member_id),
                "at": _iso(e.at),
            }
            for e in events
        ],
        "links": [
            {
                "other_kind": other_kinds.get(other, ""),
                "other_kind_label": _kind_label(other_kinds.get(other, "")),
                "other_reference": REDACTED,
                "reason": redact(link.reason or ""),
                "meeting": meeting_ref(link.meeting_id),
                "by": by(link.member_id),
                "linked_at": _iso(link.created_at),
                "removed_at": _iso(link.removed_at),
            }
            for link in links
            for other in [
                link.subject_b_id if link.subject_a_id == subject.id else link.subject_a_id
            ]
        ],
        "discussed_in": [
            {
                "meeting": meeting_ref(item.meeting_id),
                "item": f"{position}. {title}",
                "status": item.status,
            }
            for item, title, position in discussed
        ],
        "minute_entries": [
            {
                "id": e.id,
                "meeting": meeting_ref(e.meeting_id),
                "kind": e.kind,
                "text": redact(e.text),
                "by": by(e.author_member_id),
                "at": _iso(e.created_at),
            }
            for e in entries
        ],
        "round_turns": [
            {
                "id": turn.id,
                "meeting": meeting_ref(meeting_id),
                "agency": agencies.get(turn.agency_id, ""),
                "service": redact(turn.service or ""),
                "outcome": turn.outcome,
                "text": redact(turn.text),
                "by": by(turn.member_id),
                "at": _iso(turn.at),
            }
            for turn, meeting_id in turns
        ],
        "shares": [
            {
                "mode": s.mode,
                "from": localities.get(s.from_locality_id, ""),
                "to": localities.get(s.to_locality_id, ""),
                "status": s.status,
                "reason": redact(s.reason or ""),
                "asked_by": by(s.asked_by_member_id),
                "asked_at": _iso(s.asked_at),
                "decided_by": by(s.decided_by_member_id),
                "decided_at": _iso(s.decided_at),
            }
            for s in shares
        ],
    }


async def register_member_ids(session: AsyncSession, subject_id: int) -> set[int | None]:
    """Everyone the register part names, so their names are looked up with the rest."""
    ids: set[int | None] = set()
    for column, where in (
        (t.SubjectEvent.member_id, t.SubjectEvent.subject_id == subject_id),
        (
            t.SubjectLink.member_id,
            or_(t.SubjectLink.subject_a_id == subject_id, t.SubjectLink.subject_b_id == subject_id),
        ),
        (t.MinuteEntry.author_member_id, t.MinuteEntry.subject_id == subject_id),
        (t.SubjectShare.asked_by_member_id, t.SubjectShare.subject_id == subject_id),
        (t.SubjectShare.decided_by_member_id, t.SubjectShare.subject_id == subject_id),
    ):
        ids.update(await session.scalars(select(column).where(where)))
    ids.update(
        await session.scalars(
            select(t.RoundTurn.member_id)
            .join(t.ShareRound, t.ShareRound.id == t.RoundTurn.round_id)
            .where(t.ShareRound.subject_id == subject_id)
        )
    )
    return ids
