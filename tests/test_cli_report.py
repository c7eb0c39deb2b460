"""``mace-bot report``, through ``bot.cli.main``: the workbook and the Word summary beside
it (or the summary alone), owner-only, audited as the operator; bad dates and an unknown
group are told in a line, and nothing is written."""

from __future__ import annotations

import asyncio
import io
import stat
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.cli import main
from bot.services.reference_data import DEMO_DATA
from bot.store import tables as t
from bot.store.db import Store, make_engine, sqlite_url
from tests.support.keys import TEST_KEYS_SPEC, keys_for_tests
from tests.support.report_seed import Seeded, seed_report_history


@pytest.fixture(autouse=True)
def local_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("APP_ID", "APP_PASSWORD", "DATABASE_URL", "HOST", "PORT", "MACE_DEMO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MACE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MACE_DATA_KEYS", TEST_KEYS_SPEC)


def store_at(tmp_path: Path) -> Store:
    return Store(make_engine(sqlite_url(tmp_path / "data")), keys_for_tests())


@pytest.fixture
def seeded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Seeded:
    assert main(["load-data", str(DEMO_DATA)]) == 0

    async def seed() -> Seeded:
        store = store_at(tmp_path)
        try:
            return await seed_report_history(store, per_meeting=1)
        finally:
            await store.close()

    done = asyncio.run(seed())
    capsys.readouterr()
    return done


def audited(tmp_path: Path) -> list[tuple[str, str, int | None, str]]:
    async def read() -> list[tuple[str, str, int | None, str]]:
        store = store_at(tmp_path)
        try:
            async with store.reading() as session:
                rows = await session.execute(
                    select(
                        t.AuditEntry.actor,
                        t.AuditEntry.action,
                        t.AuditEntry.locality_id,
                        t.AuditEntry.detail,
                    ).where(t.AuditEntry.record_type == "report")
                )
                return [tuple(r) for r in rows]  # type: ignore[misc]
        finally:
            await store.close()

    return asyncio.run(read())


def test_report_writes_the_workbook_and_its_word_summary_for_one_group(
    seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "report.xlsx"
    out.parent.mkdir()
    code = main(
        [
            "report",
            "--from",
            "2025-04-01",
            "--to",
            "2026-03-31",
            "--locality",
            "scarborough",
            "-o",
            str(out),
        ]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert f"to {out}" in printed.out and "report.docx" in printed.out
    book = load_workbook(io.BytesIO(out.read_bytes()))
    rows = list(book["Summary"].iter_rows(values_only=True))
    names = [r[0] for r in rows]
    assert "Scarborough" in names and "Ryedale" not in names
    held = sum(
        1
        for m in seeded.meetings
        if m.locality == "scarborough"
        and "2025-04-01" <= m.started_at.date().isoformat() < "2026-04-01"
    )
    scarborough = rows[names.index("Scarborough")]
    assert scarborough[1] == held > 0
    assert book["Actions"]._charts
    summary = out.with_suffix(".docx")
    text = "\n".join(p.text for p in Document(str(summary)).paragraphs)
    assert "MACE performance report" in text and "Scarborough" in text
    for path in (out, summary):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (entry,) = audited(tmp_path)
    assert entry[0].startswith("cli:") and entry[1] == "export"
    assert entry[3] == "report 2025-04-01 to 2026-03-31"


def test_report_with_a_docx_output_writes_the_summary_of_every_group(
    seeded: Seeded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "summary.docx"
    assert main(["report", "--from", "2024-04-01", "--to", "2025-03-31", "-o", str(out)]) == 0
    assert not out.with_suffix(".xlsx").exists()
    document = Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["All localities", "Craven"] and len(headings) >= 8
    assert len(audited(tmp_path)) == 7
    assert "Wrote the Word summary" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--from", "2025-13-01", "--to", "2026-03-31"], "YYYY-MM-DD"),
        (["--from", "2026-04-01", "--to", "2025-03-31"], "before --from"),
        (
            ["--from", "2025-04-01", "--to", "2026-03-31", "--locality", "atlantis"],
            "you may report on:",
        ),
    ],
)
def test_report_refuses_bad_input_in_a_line_and_writes_nothing(
    seeded: Seeded,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    said: str,
) -> None:
    out = tmp_path / "report.xlsx"
    assert main(["report", *args, "-o", str(out)]) == 1
    assert said in capsys.readouterr().err
    assert not out.exists()
