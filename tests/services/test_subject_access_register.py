"""Subject access over the register (issue 15, point 9): the subject's record, its whole
history, its links (the other end redacted), the meetings that discussed it, what was
recorded about it and its shares; everything else redacted. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import date

from docx import Document

from bot.domain.clock import FrozenClock
from bot.domain.register import ChildChecks
from bot.services.subject_access import FORMAT, SubjectAccessService
from bot.store.db import Store
from tests.support.records import utc
from tests.support.register_records import RegisterRecords

REASON = "SAR-2027-020"


async def test_the_register_record_and_all_it_holds_about_the_subject(
    demo_store: Store,
) -> None:
    r = RegisterRecords(demo_store)
    meeting = await r.meeting("scarborough", utc(2026, 11, 19))
    child = await r.register_subject(
        "scarborough",
        "CR-0001",
        "JS",
        risk="high",
        status="monitoring",
        status_reason="Stable since CR-0002 moved away.",
        lead_agency="police",
        first_discussed=date(2026, 10, 15),
        last_discussed=date(2026, 11, 19),
        checks=ChildChecks(missing_episode=True, placing_authority="Placed by CR-0002's council"),
    )
    other = await r.register_subject("scarborough", "CR-0002", "AB")
    person = await r.register_subject("scarborough", "NYP-0001", "KT", kind="person")
    place = await r.register_subject("scarborough", "Harbour arcade", kind="location")
    await r.strand(child, "cce")
    await r.event(child, "created", at=utc(2026, 10, 15))
    await r.event(
        child,
        "risk",
        value="high",
        previous="medium",
        reason="Seen with NYP-0001 and CR-0002 (A.B.).",
        meeting=meeting,
    )
    await r.link(child, person, reason="NYP-0001 collects CR-0001.", meeting=meeting)
    await r.link(child, place)
    await r.link(other, place)  # not about CR-0001: not in the export
    await r.item_subject(meeting, child)
    about = await r.subject_minute(meeting, "CR-0001 missing twice; AB with her.", child)
    await r.subject_minute(meeting, "CR-0002 moved to a foster placement.", other)
    await r.subject_round(
        meeting, child, [("Dana Reeves", "shared", "Seen by the GP about CR-0002 too.", "GP")]
    )
    await r.subject_round(meeting, other, [("Priya Shah", "shared", "Nothing on CR-0002.", None)])
    await r.subject_share(child, "ryedale", mode="transfer", status="declined", reason="Moved.")

    export = await SubjectAccessService(demo_store, FrozenClock(utc(2027, 1, 6))).export(
        "scarborough", "CR-0001", reason=REASON, actor="cli:dpo"
    )
    doc = export.document
    assert doc["format"] == FORMAT == "mace-subject-access/3"
    register = doc["register"]
    record = register["record"]
    assert record["status_label"] == "Monitoring"
    assert record["status_reason"] == "Stable since [redacted] moved away."
    assert record["risk_label"] == "High"
    assert record["strands"] == ["Child criminal exploitation and county lines"]
    assert record["lead_agency"] == "North Yorkshire Police"
    assert (record["first_discussed_on"], record["last_discussed_on"]) == (
        "2026-10-15",
        "2026-11-19",
    )
    assert record["checks"]["missing_episode"] == "yes"
    assert record["checks"]["placing_authority"] == "Placed by [redacted]'s council"
    assert record["checks"]["voice_recorded"] is None
    assert "The child's voice recorded" in record["checks"]["not_yet_recorded"]
    assert [(e["kind"], e["reason"]) for e in register["history"]] == [
        ("created", ""),
        ("risk", "Seen with [redacted] and [redacted] ([redacted])."),
    ]
    assert register["history"][1]["meeting"] == {"id": meeting.id, "date": "2026-11-19"}
    assert [
        (link["other_kind_label"], link["other_reference"], link["reason"])
        for link in register["links"]
    ] == [
        ("Person of concern", "[redacted]", "[redacted] collects CR-0001."),
        ("Location of concern", "[redacted]", ""),
    ]
    assert [d["item"] for d in register["discussed_in"]] == ["4. Children at risk"]
    assert [e["id"] for e in register["minute_entries"]] == [about]
    assert register["minute_entries"][0]["text"] == "CR-0001 missing twice; [redacted] with her."
    assert [(t["agency"], t["service"], t["text"]) for t in register["round_turns"]] == [
        (
            "Health (CAMHS, Healthy Child Team, named nurses)",
            "GP",
            "Seen by the GP about [redacted] too.",
        )
    ]
    assert [(s["mode"], s["to"], s["status"]) for s in register["shares"]] == [
        ("transfer", "Ryedale", "declined")
    ]
    # Recorded about the subject: listed once, under the register, not again as a mention.
    assert about not in [e["id"] for e in doc["mentions"]["minute_entries"]]

    body = export.json_bytes().decode()
    for secret in ("CR-0002", "NYP-0001", "Harbour arcade", "foster", "Nothing on", "K.T."):
        assert secret not in body, secret
    assert json.loads(body) == doc
    word = Document(io.BytesIO(export.docx_bytes()))
    text = "\n".join(p.text for p in word.paragraphs) + "\n".join(
        cell.text for table in word.tables for row in table.rows for cell in row.cells
    )
    for heading in (
        "The register record",
        "History on the register",
        "Links to other subjects",
        "Meetings that discussed this subject",
        "Minutes and decisions about this subject",
        "Share-and-challenge answers in rounds about this subject",
        "Shared with or transferred to other groups",
    ):
        assert heading in text, heading
    assert "Person of concern [redacted]" in text
    for secret in ("CR-0002", "NYP-0001", "Harbour arcade"):
        assert secret not in text, secret
