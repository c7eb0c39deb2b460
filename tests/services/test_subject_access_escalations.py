"""Subject access over escalations (issue 16): a request for a register subject gets the
escalations of that subject, of the actions about it and of the challenges raised in its
rounds (what, why, response, decision, close note, group, who and when), and under
``mentions`` any other escalation naming it; everybody else redacted as in the rest of
the export. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.services.subject_access import SubjectAccessService
from bot.store import tables as t
from bot.store.db import Store
from tests.support.records import utc
from tests.support.register_records import RegisterRecords

REASON = "SAR-2027-031"
RAISED = utc(2026, 11, 19, 12)


async def escalate(
    store: Store,
    locality_id: int,
    *,
    what: str,
    why: str,
    tier: str = "operational",
    meeting_id: int | None = None,
    raised_at: datetime = RAISED,
    response: str | None = None,
    decision: str | None = None,
    close_note: str | None = None,
    **record: int,
) -> int:
    """An escalation as ``EscalationService`` leaves it: raised by Scarborough's chair,
    answered by the Operational group's chair, closed by the chair, as far as given."""
    async with store.transaction() as session:
        group = await session.scalar(
            select(t.OversightGroup.id).where(t.OversightGroup.tier == tier)
        )
        chair = await session.scalar(select(t.Member.id).where(t.Member.name == "Alex Wilber"))
        answers = await session.scalar(select(t.Member.id).where(t.Member.name == "Jordan Avery"))
        assert group is not None and chair is not None and answers is not None
        (kind,) = record
        status = "closed" if close_note else "responded" if response else "open"
        row = t.Escalation(
            locality_id=locality_id,
            group_id=group,
            kind=kind.removesuffix("_id"),
            meeting_id=meeting_id,
            what=what,
            why=why,
            raised_by_member_id=chair,
            raised_at=raised_at,
            status=status,
            response=response,
            decision=decision,
            responded_by_member_id=answers if response else None,
            responded_at=utc(2026, 11, 26, 15) if response else None,
            close_note=close_note,
            closed_by_member_id=chair if close_note else None,
            closed_at=utc(2026, 12, 3, 9) if close_note else None,
            **record,
        )
        session.add(row)
        await session.flush()
        return int(row.id)


async def test_escalations_about_the_subject_and_naming_it_are_exported(
    demo_store: Store,
) -> None:
    r = RegisterRecords(demo_store)
    meeting = await r.meeting("scarborough", utc(2026, 11, 19))
    scarborough = meeting.locality_id
    child = await r.register_subject("scarborough", "CR-0001", "JS")
    other = await r.register_subject("scarborough", "CR-0002", "AB")
    await r.register_subject("scarborough", "NYP-0001", "KT", kind="person")
    action = await r.action(meeting, "Placement search for CR-0001.", subject_id=child)
    naming = await r.action(meeting, "Ask whether CR-0002 knows CR-0001.", subject_id=other)
    other_action = await r.action(meeting, "Disruption visit.", subject_id=other)
    round_id, _ = await r.subject_round(meeting, child, [("Dana Reeves", "challenge", "", None)])
    challenge = await r.challenge(meeting, round_id, "No plan from the police.", status="escalated")

    # About the subject: of the subject itself, of its action, of a challenge in its round.
    of_subject = await escalate(
        demo_store,
        scarborough,
        subject_id=child,
        what="CR-0001 (J.S.) needs a secure placement.",
        why="Seen with NYP-0001 and CR-0002 (A.B.).",
        raised_at=utc(2026, 11, 19, 11),
        response="Panel on 12 Dec will consider CR-0001.",
        decision="Funding agreed; K.T. to be disrupted.",
        close_note="Placed; CR-0002's plan unchanged.",
    )
    of_action = await escalate(
        demo_store,
        scarborough,
        action_id=action,
        what="No placement in the district.",
        why="Beyond the locality.",
        tier="strategic",
        meeting_id=meeting.id,
    )
    of_challenge = await escalate(
        demo_store,
        scarborough,
        challenge_id=challenge,
        what="No plan from the police.",
        why="Needs the Operational group.",
        meeting_id=meeting.id,
    )
    # Naming it: the escalated action names CR-0001; the text of another names it.
    of_naming_action = await escalate(
        demo_store, scarborough, action_id=naming, what="School links.", why="Two schools."
    )
    naming_it = await escalate(
        demo_store,
        scarborough,
        subject_id=other,
        what="CR-0002 placement.",
        why="Goes missing with CR-0001.",
    )
    # Neither about it nor naming it, or another group's: not in the export.
    await escalate(
        demo_store, scarborough, action_id=other_action, what="CR-0002 again.", why="Nothing."
    )
    ryedale = await r.meeting("ryedale", utc(2026, 11, 12))
    await r.register_subject("ryedale", "CR-0001", "ZZ")
    ryedale_action = await r.action(ryedale, "Ryedale's CR-0001.")
    await escalate(
        demo_store,
        ryedale.locality_id,
        action_id=ryedale_action,
        what="Ryedale's CR-0001 escalated.",
        why="Ryedale reasons.",
    )

    export = await SubjectAccessService(demo_store, FrozenClock(utc(2027, 1, 6))).export(
        "scarborough", "CR-0001", reason=REASON, actor="cli:dpo"
    )
    doc = export.document
    assert doc["format"] == "mace-subject-access/3"
    about = doc["escalations"]
    assert [(e["reference"], e["kind"], e["record"], e["group"]) for e in about] == [
        (f"E-{of_subject}", "subject", "CR-0001", "MACE Operational Group"),
        (f"E-{of_action}", "action", f"A-{action}", "MACE Strategic Group"),
        (f"E-{of_challenge}", "challenge", f"C-{challenge}", "MACE Operational Group"),
    ]
    closed = about[0]
    assert closed == {
        "reference": f"E-{of_subject}",
        "kind": "subject",
        "record": "CR-0001",
        "group": "MACE Operational Group",
        "raised_in_meeting": None,
        "what": "CR-0001 (J.S.) needs a secure placement.",
        "why": "Seen with [redacted] and [redacted] ([redacted]).",
        "status": "closed",
        "status_label": "closed",
        "raised_by": "Alex Wilber",
        "raised_at": "2026-11-19T11:00:00+00:00",
        "response": "Panel on 12 Dec will consider CR-0001.",
        "decision": "Funding agreed; [redacted] to be disrupted.",
        "responded_by": "Jordan Avery",
        "responded_at": "2026-11-26T15:00:00+00:00",
        "close_note": "Placed; [redacted]'s plan unchanged.",
        "closed_by": "Alex Wilber",
        "closed_at": "2026-12-03T09:00:00+00:00",
    }
    assert about[1]["raised_in_meeting"] == {"id": meeting.id, "date": "2026-11-19"}
    assert (about[1]["status"], about[1]["response"], about[1]["responded_by"]) == (
        "open",
        "",
        "",
    )
    mentioned = doc["mentions"]["escalations"]
    assert [(e["reference"], e["record"], e["why"]) for e in mentioned] == [
        (f"E-{of_naming_action}", f"A-{naming}", "Two schools."),
        (f"E-{naming_it}", "[redacted]", "Goes missing with CR-0001."),
    ]
    assert mentioned[1]["what"] == "[redacted] placement."

    body = export.json_bytes().decode()
    for secret in ("CR-0002", "NYP-0001", "K.T.", "A.B.", "Nothing.", "Ryedale"):
        assert secret not in body, secret

    word = Document(io.BytesIO(export.docx_bytes()))
    text = "\n".join(p.text for p in word.paragraphs) + "\n".join(
        cell.text for table in word.tables for row in table.rows for cell in row.cells
    )
    for shown in (
        "Escalations about this subject",
        "Other escalations naming this subject",
        f"E-{of_subject} (closed)",
        f"E-{of_action} (awaiting a response)",
        "Funding agreed; [redacted] to be disrupted.",
        "Placed; [redacted]'s plan unchanged.",
    ):
        assert shown in text, shown
    for secret in ("CR-0002", "NYP-0001", "Ryedale"):
        assert secret not in text, secret

    async with demo_store.reading() as session:
        entry = await session.scalar(select(t.AuditEntry).where(t.AuditEntry.action == "export"))
    assert entry is not None
    assert "escalations=3" in entry.detail and "mentioned_escalations=2" in entry.detail
