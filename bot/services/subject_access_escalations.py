"""The escalations' part of a subject access export (issue 16): what the locality sent to
the MACE Operational or Strategic group about the subject, and what came back.

An escalation carries the subject's story beyond the locality (what and why, the group's
response and decision, the close note), so a subject access request must see it, found
the way the export finds actions:

* ``escalations`` (about the subject): those of the subject itself, of an action about it
  (``actions.subject_id``, the export's ``actions``), and of a challenge raised in a
  share round about it (``share_rounds.subject_id``): the data model links all three;
* ``mentions.escalations``: any other escalation of the group whose text names the
  subject's reference, or whose action or challenge the export lists as naming it.

Each one as the other records are: its references (``E-4``, the escalated record's
``A-12``, ``C-3`` or, for another subject, ``[redacted]``), the group, the meeting it
was raised in, every free text through the export's ``Redactor``, who and when.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.escalations import STATUS_LABELS, escalation_reference
from bot.domain.model import EscalationKind, EscalationStatus
from bot.domain.subject_access import REDACTED
from bot.store import tables as t

Redact = Callable[[str], str]
MeetingRef = Callable[[int | None], dict[str, Any] | None]
About = Callable[..., bool]


@dataclass(frozen=True, slots=True)
class SubjectEscalations:
    """The group's escalations an export lists, split as the module docstring says."""

    about: tuple[t.Escalation, ...]
    mentioning: tuple[t.Escalation, ...]

    def member_ids(self) -> set[int | None]:
        """Everyone they name, so their names are looked up with the rest."""
        return {
            member
            for e in (*self.about, *self.mentioning)
            for member in (e.raised_by_member_id, e.responded_by_member_id, e.closed_by_member_id)
        }


async def find_escalations(
    session: AsyncSession,
    locality_id: int,
    subject_id: int,
    *,
    actions_about: Collection[int],
    actions_mentioning: Collection[int],
    challenges_mentioning: Collection[int],
    about: About,
) -> SubjectEscalations:
    """The group's escalations about the subject, and those that only name it.

    ``actions_about``, ``actions_mentioning`` and ``challenges_mentioning`` are the ids
    the export already lists; ``about(*texts)`` is its test for text naming the subject.
    Only the holding group escalates a subject (``bot.services.escalation_raising``), so the
    group's own escalations are all there are."""
    challenges_about = set(
        await session.scalars(
            select(t.Challenge.id)
            .join(t.ShareRound, t.ShareRound.id == t.Challenge.round_id)
            .where(t.Challenge.locality_id == locality_id, t.ShareRound.subject_id == subject_id)
        )
    )
    rows = (
        await session.scalars(
            select(t.Escalation)
            .where(t.Escalation.locality_id == locality_id)
            .order_by(t.Escalation.raised_at, t.Escalation.id)
        )
    ).all()
    found_about: list[t.Escalation] = []
    found_mentioning: list[t.Escalation] = []
    for row in rows:
        if (
            row.subject_id == subject_id
            or row.action_id in actions_about
            or row.challenge_id in challenges_about
        ):
            found_about.append(row)
        elif (
            row.action_id in actions_mentioning
            or row.challenge_id in challenges_mentioning
            or about(row.what, row.why, row.response, row.decision, row.close_note)
        ):
            found_mentioning.append(row)
    return SubjectEscalations(tuple(found_about), tuple(found_mentioning))


async def group_names(session: AsyncSession) -> dict[int, str]:
    """The Operational and Strategic groups' names, by id."""
    return dict((await session.execute(select(t.OversightGroup.id, t.OversightGroup.name))).all())


def escalation_document(
    escalation: t.Escalation,
    *,
    subject: t.Subject,
    redact: Redact,
    meeting_ref: MeetingRef,
    names: Mapping[int, str],
    groups: Mapping[int, str],
) -> dict[str, Any]:
    """One escalation as the export holds it (see the module docstring)."""

    def by(member_id: int | None) -> str:
        return names.get(member_id, "") if member_id is not None else ""

    kind = escalation.kind
    try:
        status_label = STATUS_LABELS[EscalationStatus(escalation.status)]
    except ValueError:
        status_label = escalation.status
    return {
        "reference": escalation_reference(escalation.id),
        "kind": kind,
        "record": _record(escalation, subject),
        "group": groups.get(escalation.group_id, ""),
        "raised_in_meeting": meeting_ref(escalation.meeting_id),
        "what": redact(escalation.what),
        "why": redact(escalation.why),
        "status": escalation.status,
        "status_label": status_label,
        "raised_by": by(escalation.raised_by_member_id),
        "raised_at": _iso(escalation.raised_at),
        "response": redact(escalation.response or ""),
        "decision": redact(escalation.decision or ""),
        "responded_by": by(escalation.responded_by_member_id),
        "responded_at": _iso(escalation.responded_at),
        "close_note": redact(escalation.close_note or ""),
        "closed_by": by(escalation.closed_by_member_id),
        "closed_at": _iso(escalation.closed_at),
    }


def _record(escalation: t.Escalation, subject: t.Subject) -> str:
    """The escalated record's reference: another subject's never (``[redacted]``)."""
    if escalation.kind == EscalationKind.ACTION.value:
        return f"A-{escalation.action_id}"
    if escalation.kind == EscalationKind.CHALLENGE.value:
        return f"C-{escalation.challenge_id}"
    return subject.reference if escalation.subject_id == subject.id else REDACTED


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
