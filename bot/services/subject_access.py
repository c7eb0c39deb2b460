"""Subject access requests: everything held about one subject, redacted, and audited.

For one subject of one locality group (found by its reference through the blind index,
never by decrypting every subject), the export holds:

* the subject itself (kind, reference, initials, when first recorded);
* every action about it, with its whole history (action events);
* the meetings those actions came from (date, group);
* every minute or decision, share-round answer, challenge, and any other action or
  action update of that group whose text names the subject's reference;
* its register record and all the register holds about it (``register``: status, risk,
  strands, lead agency, checks, history, links with the other end redacted, the meetings
  that discussed it, minutes and round answers recorded about it, shares and transfers;
  ``bot.services.subject_access_register``);
* its escalations to the MACE Operational or Strategic group (``escalations``): of the
  subject, of an action about it, of a challenge in a round about it; and under
  ``mentions``, any other escalation naming it (``bot.services.subject_access_escalations``).

``FORMAT`` is ``mace-subject-access/3`` since the escalations were added (issue 16):
``/2`` documents had no ``escalations`` key (nor ``mentions.escalations``), and ``/1``
documents no ``register`` key either (issue 15). Minutes recorded *about* the subject are
listed under ``register`` and no longer repeated under ``mentions``.

All text passes through ``bot.domain.subject_access.Redactor`` first: other subjects'
references and initials become ``[redacted]``. The export is written to the audit trail
(``export`` of ``subjects``/id) with the reason given, typically the request's reference,
in the same step that reads the records; it refuses to run without a reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import LONDON, Clock
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.model import SUBJECT_LABELS, SubjectKind
from bot.domain.subject_access import REDACTED, Redactor, mentions
from bot.exports._text import CLASSIFICATION
from bot.services.subject_access_escalations import (
    escalation_document,
    find_escalations,
    group_names,
)
from bot.services.subject_access_register import register_member_ids, register_part
from bot.services.subjects import find_subjects
from bot.store import audit
from bot.store import tables as t
from bot.store.db import Store

FORMAT = "mace-subject-access/3"
MAX_REASON_CHARS = 200

NOTICE = (
    "Everything the MACE bot holds about this subject, for a subject access request. "
    f"Other children's and people's case references and initials are shown as {REDACTED}. "
    "Free text may still name other people (for example a parent or a professional): "
    "review it before disclosure."
)


@dataclass(frozen=True, slots=True)
class SubjectAccessExport:
    subject_id: int
    locality_code: str
    document: Mapping[str, Any]

    def json_bytes(self) -> bytes:
        return (json.dumps(self.document, indent=2, ensure_ascii=False) + "\n").encode()

    def docx_bytes(self) -> bytes:
        # Imported here: python-docx is not loaded at start (``bot.exports``).
        from bot.exports.subject_access import subject_access_docx

        return subject_access_docx(self.document)


async def locality_by_code(session: AsyncSession, code: str) -> t.Locality:
    locality = await session.scalar(
        select(t.Locality).where(t.Locality.code == code.strip().lower())
    )
    if locality is None:
        raise NotFound(f"There is no locality group with the code {code.strip()!r}.")
    return locality


class SubjectAccessService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def export(
        self,
        locality_code: str,
        reference: str,
        *,
        reason: str,
        actor: str,
        kind: SubjectKind | None = None,
    ) -> SubjectAccessExport:
        """Everything held about one subject, redacted; the export is audited."""
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput(
                {"reason": "Give the reason for the export, e.g. the request's reference."}
            )
        if len(reason) > MAX_REASON_CHARS:
            raise InvalidInput(
                {"reason": f"The reason is too long: at most {MAX_REASON_CHARS} characters."}
            )
        if not reference.strip():
            raise InvalidInput({"reference": "Give the subject's case reference."})
        now = self.clock.now()
        async with self.store.reading() as session:
            ctx = audit.context_of(session.sync_session)
            ctx.now = now
            locality = await locality_by_code(session, locality_code)
            audit.act_as(session.sync_session, actor, locality.id)
            found = await find_subjects(session, self.store.keys, locality.id, reference, kind)
            if not found:
                raise NotFound(f"No subject with that reference is held in {locality.name}.")
            if len(found) > 1:
                kinds = ", ".join(sorted(s.kind for s in found))
                raise InvalidInput(
                    {
                        "kind": f"That reference is recorded for more than one kind ({kinds}): "
                        "say which kind."
                    }
                )
            subject = found[0]
            document = await _gather(session, locality, subject, now, reason, actor)
            audit.note(
                session.sync_session,
                audit.AuditAction.EXPORT,
                t.Subject.__tablename__,
                subject.id,
                locality_id=locality.id,
                detail="subject access: "
                + ", ".join(
                    f"{key}={len(value)}"
                    for key, value in (
                        ("actions", document["actions"]),
                        ("meetings", document["meetings"]),
                        ("escalations", document["escalations"]),
                        *(
                            (f"register_{k}", document["register"][k])
                            for k in ("history", "links", "discussed_in", "shares")
                        ),
                        *((f"mentioned_{k}", v) for k, v in document["mentions"].items()),
                    )
                ),
                reason=reason,
            )
        return SubjectAccessExport(subject.id, locality.code, document)


async def _gather(
    session: AsyncSession,
    locality: t.Locality,
    subject: t.Subject,
    now: datetime,
    reason: str,
    actor: str,
) -> dict[str, Any]:
    others = [
        (s.reference, s.initials)
        for s in await session.scalars(
            select(t.Subject).where(
                t.Subject.locality_id == locality.id, t.Subject.id != subject.id
            )
        )
    ]
    redact = Redactor.for_subject(subject.reference, subject.initials, others)

    def about(*texts: str) -> bool:
        return any(mentions(text, subject.reference) for text in texts if text)

    # Actions in the group: those about the subject, and those whose text names it.
    actions = list(
        await session.scalars(
            select(t.Action).where(t.Action.locality_id == locality.id).order_by(t.Action.id)
        )
    )
    events_by_action: dict[int, list[t.ActionEvent]] = {}
    if actions:
        for event in await session.scalars(
            select(t.ActionEvent)
            .where(t.ActionEvent.action_id.in_([a.id for a in actions]))
            .order_by(t.ActionEvent.id)
        ):
            events_by_action.setdefault(event.action_id, []).append(event)
    linked = [a for a in actions if a.subject_id == subject.id]
    mentioned_actions = [
        a
        for a in actions
        if a.subject_id != subject.id
        and about(
            a.description,
            a.request_reason,
            *(e.note for e in events_by_action.get(a.id, [])),
        )
    ]

    meetings = {
        m.id: m
        for m in await session.scalars(
            select(t.Meeting).where(t.Meeting.locality_id == locality.id)
        )
    }
    entries = [
        e
        for e in await session.scalars(
            select(t.MinuteEntry)
            .join(t.Meeting, t.Meeting.id == t.MinuteEntry.meeting_id)
            .where(t.Meeting.locality_id == locality.id)
            .order_by(t.MinuteEntry.id)
        )
        if e.subject_id != subject.id and about(e.text)
    ]
    turns = [
        (turn, meeting_id)
        for turn, meeting_id in (
            await session.execute(
                select(t.RoundTurn, t.ShareRound.meeting_id)
                .join(t.ShareRound, t.ShareRound.id == t.RoundTurn.round_id)
                .join(t.Meeting, t.Meeting.id == t.ShareRound.meeting_id)
                .where(
                    t.Meeting.locality_id == locality.id,
                    or_(t.ShareRound.subject_id.is_(None), t.ShareRound.subject_id != subject.id),
                )
                .order_by(t.RoundTurn.id)
            )
        ).all()
        if about(turn.text)
    ]
    challenges = [
        c
        for c in await session.scalars(
            select(t.Challenge)
            .where(t.Challenge.locality_id == locality.id)
            .order_by(t.Challenge.id)
        )
        if about(c.about, c.text, c.response, c.resolution)
    ]

    escalations = await find_escalations(
        session,
        locality.id,
        subject.id,
        actions_about={a.id for a in linked},
        actions_mentioning={a.id for a in mentioned_actions},
        challenges_mentioning={c.id for c in challenges},
        about=about,
    )

    member_ids: set[int | None] = set()
    for a in (*linked, *mentioned_actions):
        member_ids.update((a.owner_member_id, a.created_by_member_id, a.requested_by_member_id))
        member_ids.update(e.member_id for e in events_by_action.get(a.id, []))
    member_ids.update(e.author_member_id for e in entries)
    member_ids.update(turn.member_id for turn, _ in turns)
    member_ids.update(c.raised_by_member_id for c in challenges)
    member_ids.update(c.responded_by_member_id for c in challenges)
    member_ids.update(await register_member_ids(session, subject.id))
    member_ids.update(escalations.member_ids())
    names = await _names(session, t.Member, member_ids)
    agencies = await _names(session, t.Agency, None)
    groups = await group_names(session)

    def meeting_ref(meeting_id: int | None) -> dict[str, Any] | None:
        if meeting_id is None:
            return None
        meeting = meetings.get(meeting_id)
        return {
            "id": meeting_id,
            "date": _london_date(meeting.started_at) if meeting else None,
        }

    def action_doc(action: t.Action) -> dict[str, Any]:
        return {
            "reference": f"A-{action.id}",
            "description": redact(action.description),
            "status": action.status,
            "due_date": action.due_date.isoformat(),
            "owner": names.get(action.owner_member_id, ""),
            "agency": agencies.get(action.agency_id, ""),
            "agreed_at_meeting": meeting_ref(action.meeting_id),
            "created_by": names.get(action.created_by_member_id, ""),
            "created_at": _iso(action.created_at),
            "updated_at": _iso(action.updated_at),
            "escalated_at": _iso(action.escalated_at),
            "requested_due_date": _iso(action.requested_due_date),
            "request_reason": redact(action.request_reason),
            "history": [
                {
                    "kind": event.kind,
                    "note": redact(event.note),
                    "by": names.get(event.member_id, ""),
                    "at": _iso(event.at),
                }
                for event in events_by_action.get(action.id, [])
            ],
        }

    def escalation_doc(escalation: t.Escalation) -> dict[str, Any]:
        return escalation_document(
            escalation,
            subject=subject,
            redact=redact,
            meeting_ref=meeting_ref,
            names=names,
            groups=groups,
        )

    meeting_ids = sorted({a.meeting_id for a in linked})
    register = await register_part(session, subject, redact, meeting_ref, names, agencies)
    return {
        "format": FORMAT,
        "classification": CLASSIFICATION,
        "notice": NOTICE,
        "generated_at": _iso(now),
        "generated_by": actor,
        "reason": reason,
        "locality": {"code": locality.code, "name": locality.name},
        "subject": {
            "id": subject.id,
            "kind": subject.kind,
            "kind_label": _kind_label(subject.kind),
            "reference": subject.reference,
            "initials": subject.initials,
            "recorded_at": _iso(subject.created_at),
        },
        "actions": [action_doc(a) for a in linked],
        "meetings": [
            {
                "id": meeting_id,
                "date": _london_date(meetings[meeting_id].started_at),
                "locality": locality.name,
                "status": meetings[meeting_id].status,
                "minutes_status": meetings[meeting_id].minutes_status,
            }
            for meeting_id in meeting_ids
            if meeting_id in meetings
        ],
        "escalations": [escalation_doc(e) for e in escalations.about],
        "mentions": {
            "minute_entries": [
                {
                    "id": e.id,
                    "meeting": meeting_ref(e.meeting_id),
                    "kind": e.kind,
                    "text": redact(e.text),
                    "by": names.get(e.author_member_id, ""),
                    "at": _iso(e.created_at),
                }
                for e in entries
            ],
            "round_turns": [
                {
                    "id": turn.id,
                    "meeting": meeting_ref(meeting_id),
                    "agency": agencies.get(turn.agency_id, ""),
                    "outcome": turn.outcome,
                    "text": redact(turn.text),
                    "by": names.get(turn.member_id, "") if turn.member_id else "",
                    "at": _iso(turn.at),
                }
                for turn, meeting_id in turns
            ],
            "challenges": [
                {
                    "id": c.id,
                    "meeting": meeting_ref(c.meeting_id),
                    "raised_by": names.get(c.raised_by_member_id, ""),
                    "raised_by_agency": agencies.get(c.raised_by_agency_id, ""),
                    "to_agency": agencies.get(c.to_agency_id, "") if c.to_agency_id else "",
                    "about": redact(c.about),
                    "text": redact(c.text),
                    "status": c.status,
                    "response": redact(c.response),
                    "resolution": redact(c.resolution),
                    "responded_by": (
                        names.get(c.responded_by_member_id, "") if c.responded_by_member_id else ""
                    ),
                    "raised_at": _iso(c.created_at),
                    "resolved_at": _iso(c.resolved_at),
                }
                for c in challenges
            ],
            "actions": [action_doc(a) for a in mentioned_actions],
            "escalations": [escalation_doc(e) for e in escalations.mentioning],
        },
        "register": register,
    }


async def _names(
    session: AsyncSession, model: Any, ids: Iterable[int | None] | None
) -> dict[int, str]:
    query = select(model.id, model.name)
    if ids is not None:
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        query = query.where(model.id.in_(wanted))
    return {row.id: row.name for row in await session.execute(query)}


def _kind_label(kind: str) -> str:
    try:
        return SUBJECT_LABELS[SubjectKind(kind)]
    except ValueError:
        return kind


def _london_date(moment: datetime) -> str:
    return moment.astimezone(LONDON).date().isoformat()


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    return value.isoformat()
