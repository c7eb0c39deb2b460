"""The register's rows for the XLSX export (the "Subjects" sheet): the subjects the
requester may see (``register_access.visible_in``: held by a group they are in, or
shared with it and accepted; persons of concern only where the group's rule allows), with
a child's checks as columns (issue 15, point 5: "shown on the child's card and in
exports")."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.model import SUBJECT_LABELS, ActionStatus, SubjectKind
from bot.domain.register import (
    INTERVIEW_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
    ChildChecks,
    RiskLevel,
    SubjectStatus,
)
from bot.domain.rules import subject_display
from bot.domain.views import SubjectExportRow
from bot.services.context import ActorRef
from bot.services.register_access import (
    member_groups,
    persons_in,
    visible_in,
)
from bot.store import audit
from bot.store import tables as t

#: The checks columns of the sheet, in ``ChildChecks`` order.
CHECK_COLUMNS: tuple[str, ...] = (
    "Missing episode",
    "Return home interview",
    "Return home interview on",
    "Child's voice recorded",
    "Parents or carers involved",
    "NRM referral on",
    "NRM outcome",
    "Transition at 16/17 considered",
    "Looked after",
    "Placing authority",
    "Safety plan shared",
    "Risk tool completed on",
)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def check_values(checks: ChildChecks) -> tuple[str | date, ...]:
    return (
        _yes_no(checks.missing_episode),
        INTERVIEW_LABELS[checks.return_interview] if checks.return_interview else "",
        checks.return_interview_on or "",
        _yes_no(checks.voice_recorded),
        _yes_no(checks.parents_involved),
        checks.nrm_referred_on or "",
        checks.nrm_outcome,
        _yes_no(checks.transition_16_17),
        _yes_no(checks.looked_after),
        checks.placing_authority,
        _yes_no(checks.safety_plan_shared),
        checks.risk_tool_on or "",
    )


async def subject_rows(session: AsyncSession, actor: ActorRef) -> list[SubjectExportRow]:
    """Every subject ``actor`` may see, highest risk first, then by reference."""
    member, groups = await member_groups(session, actor)
    if member is None or not groups:
        return []
    persons_here = await persons_in(session, member, groups)
    subjects = (
        await session.scalars(select(t.Subject).where(visible_in(set(groups), persons_here)))
    ).all()
    if not subjects:
        return []
    ids = [s.id for s in subjects]
    localities = dict((await session.execute(select(t.Locality.id, t.Locality.name))).all())
    agencies = dict((await session.execute(select(t.Agency.id, t.Agency.name))).all())
    strands: dict[int, list[str]] = defaultdict(list)
    for subject_id, label in await session.execute(
        select(t.SubjectStrand.subject_id, t.Strand.label)
        .join(t.Strand, t.Strand.id == t.SubjectStrand.strand_id)
        .where(t.SubjectStrand.subject_id.in_(ids))
        .order_by(t.Strand.sort_order, t.Strand.id)
    ):
        strands[subject_id].append(label)
    open_actions = dict(
        (
            await session.execute(
                select(t.Action.subject_id, func.count())
                .where(t.Action.subject_id.in_(ids), t.Action.status == ActionStatus.OPEN.value)
                .group_by(t.Action.subject_id)
            )
        ).all()
    )
    rows = []
    for s in subjects:
        kind = SubjectKind(s.kind)
        risk = RiskLevel(s.risk_level) if s.risk_level else None
        rows.append(
            (
                -(list(RiskLevel).index(risk) if risk else -1),
                SubjectExportRow(
                    reference=subject_display(kind, s.reference, s.initials or ""),
                    kind=SUBJECT_LABELS[kind],
                    locality=localities.get(s.locality_id, ""),
                    status=STATUS_LABELS.get(SubjectStatus(s.status), s.status),
                    risk=RISK_LABELS[risk] if risk else "Not rated",
                    strands=", ".join(strands.get(s.id, [])),
                    lead_agency=agencies.get(s.lead_agency_id, "") if s.lead_agency_id else "",
                    first_discussed=s.first_discussed_on,
                    last_discussed=s.last_discussed_on,
                    open_actions=int(open_actions.get(s.id, 0)),
                    checks=check_values(ChildChecks.from_json(s.checks))
                    if kind is SubjectKind.CHILD
                    else (),
                ),
            )
        )
    rows.sort(key=lambda pair: (pair[0], pair[1].reference))
    audit.note(session, audit.AuditAction.EXPORT, "subjects", detail=f"register: {len(rows)}")
    return [row for _, row in rows]
