"""Subject access: one subject's records, everybody else redacted, the export audited."""

from __future__ import annotations

import io
import json
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select

from bot.cli_records import write_owner_only
from bot.domain.clock import FrozenClock
from bot.domain.errors import InvalidInput, NotFound
from bot.services.subject_access import SubjectAccessService
from bot.store import tables as t
from bot.store.db import Store
from tests.support.records import Records, utc

REASON = "SAR-2027-014 (received 4 Jan 2027)"


@dataclass
class Case:
    child: int
    other_child: int
    linked_actions: list[int]
    mentioning_action: int
    meetings: list[int]
    minutes_about: list[int]
    minute_elsewhere: int
    turn_about: int
    challenge_about: int


async def seed(store: Store) -> Case:
    r = Records(store)
    child = await r.subject("scarborough", "CR-0001", "JS")
    other_child = await r.subject("scarborough", "CR-0002", "AB")
    await r.subject("scarborough", "Old bus station", "", kind="location")
    october = await r.meeting("scarborough", utc(2026, 10, 15))
    november = await r.meeting("scarborough", utc(2026, 11, 19))
    minutes_about = [
        await r.minute(october, "CR-0001 (J.S.) reported missing overnight; found in Leeds."),
        await r.minute(
            november,
            "cr-0001 seen with CR-0002 (A.B.) and AB at the Old bus station.",
            kind="decision",
        ),
    ]
    minute_elsewhere = await r.minute(november, "CR-0002 moved to a foster placement.")
    await r.minute(november, "CR-00012 is a different child altogether.")
    _, turns = await r.share_round(
        november,
        [
            ("Priya Shah", "shared", "Intelligence that CR-0001 is being groomed online."),
            ("Dana Reeves", "nothing", ""),
        ],
    )
    round_id = (await _round_of(store, turns[0])) or 0
    challenge_about = await r.challenge(
        november,
        round_id,
        "School was not told of CR-0001's missing episode; nor of CR-0002's.",
        response="Education will be told the same day from now on.",
    )
    await r.challenge(november, round_id, "Housing to attend next time.", to="housing")
    linked = [
        await r.action(
            october,
            "Return home interview for CR-0001.",
            status="done",
            subject_id=child,
            updated=utc(2026, 10, 30),
            events=(("update", "Booked for 29 Oct."), ("done", "Held; disclosed CR-0002 too.")),
        ),
        await r.action(november, "Online safety session.", owner="Chris Lowe", subject_id=child),
    ]
    mentioning = await r.action(
        november, "Check whether CR-0002 and CR-0001 share a school.", subject_id=other_child
    )
    await r.action(november, "Disruption visit for CR-0002.", subject_id=other_child)
    # Another group with its own CR-0001: a different child, never in this export.
    ryedale = await r.meeting("ryedale", utc(2026, 11, 12))
    await r.subject("ryedale", "CR-0001", "ZZ")
    await r.minute(ryedale, "Ryedale's CR-0001 discussed.")
    return Case(
        child,
        other_child,
        linked,
        mentioning,
        [october.id, november.id],
        minutes_about,
        minute_elsewhere,
        turns[0],
        challenge_about,
    )


async def _round_of(store: Store, turn_id: int) -> int | None:
    async with store.reading() as session:
        return await session.scalar(select(t.RoundTurn.round_id).where(t.RoundTurn.id == turn_id))


async def export_entries(store: Store) -> list[t.AuditEntry]:
    async with store.reading() as session:
        return list(
            await session.scalars(select(t.AuditEntry).where(t.AuditEntry.action == "export"))
        )


async def test_everything_about_one_subject_with_others_redacted(
    demo_store: Store, tmp_path: Path
) -> None:
    case = await seed(demo_store)
    clock = FrozenClock(utc(2027, 1, 6, 14))
    service = SubjectAccessService(demo_store, clock)
    export = await service.export("scarborough", "cr-0001 ", reason=REASON, actor="cli:dpo")
    doc = export.document

    assert doc["subject"] == {
        "id": case.child,
        "kind": "child",
        "kind_label": "Child",
        "reference": "CR-0001",
        "initials": "JS",
        "recorded_at": "2026-11-19T10:00:00+00:00",
    }
    assert doc["locality"] == {"code": "scarborough", "name": "Scarborough"}
    assert doc["reason"] == REASON and doc["generated_by"] == "cli:dpo"
    assert [a["reference"] for a in doc["actions"]] == [f"A-{i}" for i in case.linked_actions]
    first = doc["actions"][0]
    assert first["description"] == "Return home interview for CR-0001."
    assert first["status"] == "done" and first["owner"] == "Priya Shah"
    assert [(e["kind"], e["note"]) for e in first["history"]] == [
        ("created", ""),
        ("update", "Booked for 29 Oct."),
        ("done", "Held; disclosed [redacted] too."),
    ]
    assert first["agreed_at_meeting"] == {"id": case.meetings[0], "date": "2026-10-15"}
    assert [(m["id"], m["date"], m["locality"]) for m in doc["meetings"]] == [
        (case.meetings[0], "2026-10-15", "Scarborough"),
        (case.meetings[1], "2026-11-19", "Scarborough"),
    ]

    mentions = doc["mentions"]
    assert [e["id"] for e in mentions["minute_entries"]] == case.minutes_about
    assert mentions["minute_entries"][1]["text"] == (
        "cr-0001 seen with [redacted] ([redacted]) and [redacted] at the [redacted]."
    )
    assert [e["id"] for e in mentions["round_turns"]] == [case.turn_about]
    assert [c["id"] for c in mentions["challenges"]] == [case.challenge_about]
    assert mentions["challenges"][0]["text"] == (
        "School was not told of CR-0001's missing episode; nor of [redacted]'s."
    )
    assert [a["reference"] for a in mentions["actions"]] == [f"A-{case.mentioning_action}"]
    assert mentions["actions"][0]["description"] == (
        "Check whether [redacted] and CR-0001 share a school."
    )

    body = export.json_bytes().decode()
    assert json.loads(body) == doc
    for secret in ("CR-0002", "A.B.", "AB ", "foster", "Disruption", "Ryedale", "CR-00012", "ZZ"):
        assert secret not in body, secret

    out = tmp_path / "sar.json"
    out.write_text("stale")
    out.chmod(0o644)
    write_owner_only(out, export.json_bytes())
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["subject"]["id"] == case.child

    word = Document(io.BytesIO(export.docx_bytes()))
    text = "\n".join(p.text for p in word.paragraphs) + "\n".join(
        cell.text for table in word.tables for row in table.rows for cell in row.cells
    )
    assert "Subject access: CR-0001 (Scarborough)" in text
    assert "Held; disclosed [redacted] too." in text and "CR-0002" not in text
    assert "OFFICIAL-SENSITIVE" in word.sections[0].header.paragraphs[0].text

    [entry] = await export_entries(demo_store)
    assert (entry.record_type, entry.record_id, entry.reason) == (
        "subjects",
        str(case.child),
        REASON,
    )
    assert entry.actor == "cli:dpo" and entry.at == utc(2027, 1, 6, 14)
    assert entry.locality_id == await Records(demo_store).locality("scarborough")
    assert "CR-0001" not in entry.detail and "actions=2" in entry.detail


async def test_an_unknown_reference_is_a_clear_error_and_exports_nothing(
    demo_store: Store,
) -> None:
    await seed(demo_store)
    service = SubjectAccessService(demo_store, FrozenClock(utc(2027, 1, 6)))
    with pytest.raises(NotFound) as missing:
        await service.export("scarborough", "CR-0999", reason=REASON, actor="cli:dpo")
    assert missing.value.user_message == ("No subject with that reference is held in Scarborough.")
    with pytest.raises(NotFound) as no_group:
        await service.export("whitby", "CR-0001", reason=REASON, actor="cli:dpo")
    assert "no locality group with the code 'whitby'" in no_group.value.user_message
    with pytest.raises(InvalidInput) as no_reason:
        await service.export("scarborough", "CR-0001", reason="  ", actor="cli:dpo")
    assert "reason" in no_reason.value.field_errors
    assert await export_entries(demo_store) == []


async def test_a_subject_with_nothing_else_held_still_exports(demo_store: Store) -> None:
    r = Records(demo_store)
    child = await r.subject("selby", "CR-7001", "MN")
    service = SubjectAccessService(demo_store, FrozenClock(utc(2027, 1, 6)))
    doc = (await service.export("selby", "CR-7001", reason=REASON, actor="cli:dpo")).document
    assert doc["subject"]["id"] == child
    assert doc["actions"] == [] and doc["meetings"] == []
    assert all(not rows for rows in doc["mentions"].values())
    assert len(await export_entries(demo_store)) == 1
