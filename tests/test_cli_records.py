"""``mace-bot subject export``, ``retention run`` and ``hold``, through ``bot.cli.main``."""

from __future__ import annotations

import asyncio
import getpass
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.services.reference_data import DEMO_DATA
from bot.store import tables as t
from bot.store.db import Store, make_engine, sqlite_url
from tests.support.keys import TEST_KEYS_SPEC, keys_for_tests
from tests.support.records import Records, utc

REASON = "SAR-2026-031"


@pytest.fixture(autouse=True)
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("APP_ID", "APP_PASSWORD", "DATABASE_URL", "HOST", "PORT", "MACE_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MACE_DATA_KEYS", TEST_KEYS_SPEC)
    monkeypatch.setenv("MACE_RETENTION", "meetings=365,actions=365,subjects=365,housekeeping=30")


def store_at(tmp_path: Path) -> Store:
    return Store(make_engine(sqlite_url(tmp_path / "data")), keys_for_tests())


@pytest.fixture
def seeded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, int]:
    """The demo groups, and in Scarborough two children discussed at a 2019 meeting."""
    assert main(["load-data", str(DEMO_DATA)]) == 0

    async def seed() -> dict[str, int]:
        store = store_at(tmp_path)
        try:
            r = Records(store)
            meeting = await r.meeting("scarborough", utc(2019, 3, 14))
            child = await r.subject("scarborough", "CR-0001", "JS", created=utc(2019, 3, 14))
            other = await r.subject("scarborough", "CR-0002", "AB", created=utc(2019, 3, 14))
            await r.minute(meeting, "CR-0001 and CR-0002 (A.B.) seen together in town.")
            done = await r.action(
                meeting,
                "Return home interview for CR-0001.",
                status="done",
                subject_id=child,
                updated=utc(2019, 4, 1),
            )
            other_done = await r.action(
                meeting, "Visit CR-0002.", status="done", subject_id=other, updated=utc(2019, 4, 1)
            )
            return {
                "meeting": meeting.id,
                "child": child,
                "other": other,
                "done": done,
                "other_done": other_done,
            }
        finally:
            await store.close()

    ids = asyncio.run(seed())
    capsys.readouterr()
    return ids


def rows(tmp_path: Path, model: type[t.Base]) -> set[int]:
    async def read() -> set[int]:
        store = store_at(tmp_path)
        try:
            async with store.reading() as session:
                return set(await session.scalars(select(model.id)))  # type: ignore[attr-defined]
        finally:
            await store.close()

    return asyncio.run(read())


def audit_entries(tmp_path: Path, action: str) -> list[t.AuditEntry]:
    async def read() -> list[t.AuditEntry]:
        store = store_at(tmp_path)
        try:
            async with store.reading() as session:
                return list(
                    await session.scalars(
                        select(t.AuditEntry)
                        .where(t.AuditEntry.action == action)
                        .order_by(t.AuditEntry.id)
                    )
                )
        finally:
            await store.close()

    return asyncio.run(read())


def test_subject_export_writes_owner_only_files_and_is_audited(
    tmp_path: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    out, word = tmp_path / "sar.json", tmp_path / "sar.docx"
    code = main(
        [
            "subject",
            "export",
            "CR-0001",
            "--locality",
            "scarborough",
            "--reason",
            REASON,
            "-o",
            str(out),
            "--docx",
            str(word),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert f"Wrote the subject access export to {out}." in capsys.readouterr().out
    for path in (out, word):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["subject"]["reference"] == "CR-0001"
    assert [a["reference"] for a in doc["actions"]] == [f"A-{seeded['done']}"]
    assert doc["mentions"]["minute_entries"][0]["text"] == (
        "CR-0001 and [redacted] ([redacted]) seen together in town."
    )
    [entry] = audit_entries(tmp_path, "export")
    assert (entry.record_type, entry.record_id, entry.reason) == (
        "subjects",
        str(seeded["child"]),
        REASON,
    )
    assert entry.actor == f"cli:{getpass.getuser()}"


def test_subject_export_refuses_without_a_reason(
    tmp_path: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sar.json"
    base = ["subject", "export", "CR-0001", "--locality", "scarborough", "-o", str(out)]
    with pytest.raises(SystemExit) as usage:
        main(base)
    assert usage.value.code == 2
    assert "--reason" in capsys.readouterr().err
    assert main([*base, "--reason", "   "]) == 1
    assert "Give the reason for the export" in capsys.readouterr().err
    assert not out.exists()
    assert audit_entries(tmp_path, "export") == []


def test_subject_export_of_an_unknown_reference_says_so(
    tmp_path: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sar.json"
    args = ["--locality", "scarborough", "--reason", REASON, "-o", str(out)]
    assert main(["subject", "export", "CR-0404", *args]) == 1
    assert "No subject with that reference is held in Scarborough." in capsys.readouterr().err
    assert not out.exists()


def test_holds_and_the_retention_run(
    tmp_path: Path, seeded: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hold", "list"]) == 0
    assert "No legal holds in force." in capsys.readouterr().out
    place = ["hold", "place", "--scope", "subject", "--target", "CR-0001"]
    assert main([*place, "--locality", "scarborough", "--reason", "Serious case review"]) == 0
    assert "Placed legal hold #1 on subject" in capsys.readouterr().out
    assert main([*place, "--reason", "Review"]) == 1
    assert "Give --locality" in capsys.readouterr().err
    assert (
        main(["hold", "place", "--scope", "locality", "--target", "whitby", "--reason", "x"]) == 1
    )
    assert "no locality group with the code 'whitby'" in capsys.readouterr().err
    assert main(["hold", "list"]) == 0
    listed = capsys.readouterr().out
    assert f"#1 subject {seeded['child']}: Serious case review" in listed

    assert main(["retention", "run"]) == 0
    report = capsys.readouterr().out
    assert "meetings=365,actions=365,subjects=365,housekeeping=30" in report
    assert "Kept under legal hold: 1 expired actions" in report
    assert "Deleted 1 from actions" in report
    assert rows(tmp_path, t.Action) == {seeded["done"]}
    assert rows(tmp_path, t.Subject) == {seeded["child"]}
    assert rows(tmp_path, t.Meeting) == {seeded["meeting"]}, "held through CR-0001's action"

    assert main(["hold", "lift", "1"]) == 0
    assert "Lifted legal hold #1" in capsys.readouterr().out
    assert main(["hold", "lift", "1"]) == 1
    assert "already lifted" in capsys.readouterr().err
    assert main(["retention", "run"]) == 0
    capsys.readouterr()
    assert rows(tmp_path, t.Action) == set()
    assert rows(tmp_path, t.Subject) == set()
    assert rows(tmp_path, t.Meeting) == set()
    deletions = audit_entries(tmp_path, "delete")
    assert {e.actor for e in deletions} == {"system:retention"}
    assert ("actions", str(seeded["done"])) in {(e.record_type, e.record_id) for e in deletions}
    assert main(["audit", "verify"]) == 0


def test_a_bad_retention_setting_stops_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MACE_RETENTION", "minutes=30")
    assert main(["retention", "run"]) == 2
    assert "unknown kind 'minutes'" in capsys.readouterr().err
