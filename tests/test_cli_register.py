"""``mace-bot register import`` and ``mace-bot actions import`` on the real store (SQLite,
and PostgreSQL when TEST_POSTGRES_URL is set): the templates in docs/templates import, a
second run changes nothing and says so, a bad row anywhere writes nothing and is named by
line and column only, a changed row updates the record with why in its history, every
record is audited as imported by the operator, and XLSX imports as its CSV does.

The rules of each cell are tested in tests/domain/test_register_import.py. All
references, initials and emails are invented (example.org).
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pytest
from docx import Document
from openpyxl import Workbook
from sqlalchemy import func, select, update

from bot.cli import main
from bot.config import Settings
from bot.domain.clock import FrozenClock
from bot.domain.model import ItemKind, MeetingStatus, MinutesStatus, SubjectKind
from bot.domain.register_import_file import Table
from bot.services import tracker_file
from bot.services.context import ActorRef
from bot.services.factory import ServiceFactory
from bot.services.readmodels.meetings import meeting_view
from bot.services.register_import import (
    TRACKER_CONVERSATION,
    TRACKER_TITLE,
    TrackerImport,
)
from bot.services.subjects import find_subjects
from bot.services.tracker_file import read_table
from bot.store import audit
from bot.store import tables as t
from bot.store.crypto import ring_of
from bot.store.db import Store
from tests.conftest import MEETING_DAY, point_the_cli_at
from tests.support.keys import TEST_KEYS_SPEC

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "docs" / "templates"
REGISTER_TEMPLATE = TEMPLATES / "register-import.csv"
ACTIONS_TEMPLATE = TEMPLATES / "actions-import.csv"
REGISTER_HEADER = (
    "kind,reference,initials,strands,risk,lead agency,status,status reason,"
    "first discussed,last discussed,linked to\n"
)
ACTIONS_HEADER = (
    "tracker reference,description,owner,agency,due date,status,subject kind,"
    "subject reference,raised on\n"
)
COUNTED = (
    t.Subject,
    t.SubjectEvent,
    t.SubjectStrand,
    t.SubjectLink,
    t.Action,
    t.ActionEvent,
    t.Meeting,
    t.AgendaItem,
    t.AuditEntry,
)


@pytest.fixture
async def group(demo_store: Store) -> Store:
    """The demo store, its Scarborough members given invented work emails."""
    async with demo_store.transaction() as session:
        for member in await session.scalars(select(t.Member)):
            first, last = member.name.lower().split()
            member.email = f"{first}.{last}@example.org"
    return demo_store


@pytest.fixture
def operator_env(group: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Store:
    """The CLI pointed at the same database as ``group``, with the test keys."""
    point_the_cli_at(monkeypatch, group, tmp_path / "data")
    monkeypatch.setenv("MACE_DATA_KEYS", TEST_KEYS_SPEC)
    for name in ("APP_ID", "APP_PASSWORD", "MACE_DEMO"):
        monkeypatch.delenv(name, raising=False)
    return group


async def run_cli(*args: str) -> int:
    # The CLI runs its own event loop, as it does from a shell: off the test's loop.
    return await asyncio.to_thread(main, list(args))


async def counts(store: Store) -> dict[str, int]:
    async with store.reading() as session:
        return {
            model.__tablename__: int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
            for model in COUNTED
        }


async def everything(store: Store) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table, the audit trail included."""
    rows: dict[str, list[tuple[str, ...]]] = {}
    async with store.engine.connect() as conn:
        for table in t.Base.metadata.sorted_tables:
            found = await conn.execute(select(table))
            rows[table.name] = sorted(tuple(repr(v) for v in row) for row in found)
    return rows


async def subject(store: Store, kind: SubjectKind, reference: str) -> t.Subject:
    async with store.reading() as session:
        keys = ring_of(session.get_bind().dialect)
        locality = await session.scalar(select(t.Locality).where(t.Locality.code == "scarborough"))
        assert locality is not None
        (found,) = await find_subjects(session, keys, locality.id, reference, kind)
        return found


async def history(store: Store, subject_id: int) -> list[tuple[str, str, str, str]]:
    async with store.reading() as session:
        return [
            (e.kind, e.value, e.previous, e.reason)
            for e in await session.scalars(
                select(t.SubjectEvent)
                .where(t.SubjectEvent.subject_id == subject_id)
                .order_by(t.SubjectEvent.id)
            )
        ]


async def strand_codes(store: Store, subject_id: int) -> list[str]:
    async with store.reading() as session:
        return sorted(
            await session.scalars(
                select(t.Strand.code)
                .join(t.SubjectStrand, t.SubjectStrand.strand_id == t.Strand.id)
                .where(t.SubjectStrand.subject_id == subject_id)
            )
        )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def table_of(path: Path) -> Table:
    read, problems = read_table(path)
    assert read is not None and problems == []
    return read


def importer(store: Store) -> TrackerImport:
    return TrackerImport(store, FrozenClock(MEETING_DAY), "cli:tester")


# --- the templates, twice ------------------------------------------------------------------


async def test_the_templates_import_audited_and_a_second_run_changes_nothing(
    operator_env: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store = operator_env
    assert (
        await run_cli("register", "import", str(REGISTER_TEMPLATE), "--locality", "SCARBOROUGH")
        == 0
    )
    assert capsys.readouterr().out.strip() == (
        "Imported: 2 subjects added, 0 updated, 0 unchanged, 1 link added."
    )
    assert (
        await run_cli("actions", "import", str(ACTIONS_TEMPLATE), "--locality", "scarborough") == 0
    )
    assert capsys.readouterr().out.strip() == "Imported: 2 actions added, 0 updated, 0 unchanged."

    child = await subject(store, SubjectKind.CHILD, "CR-0001")
    park = await subject(store, SubjectKind.LOCATION, "skate park on valley road")
    assert (child.initials, child.risk_level, child.status) == ("AB", "high", "open")
    assert (child.first_discussed_on, child.last_discussed_on) == (
        date(2025, 3, 12),
        date(2025, 10, 8),
    )
    assert (park.risk_level, park.status) == ("medium", "monitoring")
    assert await strand_codes(store, child.id) == ["cce", "missing"]
    assert await strand_codes(store, park.id) == ["cce"]  # by its label
    from_tracker = "From the group's tracker (mace-bot import)"
    assert await history(store, child.id) == [
        ("imported", "child", "", from_tracker),
        ("risk", "high", "", from_tracker),
        ("linked", str(park.id), "", from_tracker),
    ]
    assert await history(store, park.id) == [
        ("imported", "location", "", from_tracker),
        ("risk", "medium", "", from_tracker),
        ("status", "monitoring", "", from_tracker),
        ("linked", str(child.id), "", from_tracker),
    ]
    async with store.reading() as session:
        (link,) = await session.scalars(select(t.SubjectLink))
        assert (link.meeting_id, link.member_id) == (None, None)
        actions = list(await session.scalars(select(t.Action).order_by(t.Action.id)))
        assert [(a.status, a.due_date, a.subject_id) for a in actions] == [
            ("open", date(2027, 1, 15), child.id),
            ("done", date(2025, 11, 30), park.id),
        ]
        owners = {m.id: m.email for m in await session.scalars(select(t.Member))}
        agencies = {a.id: a.code for a in await session.scalars(select(t.Agency))}
        assert [(owners[a.owner_member_id], agencies[a.agency_id]) for a in actions] == [
            ("tom.hughes@example.org", "childrens_social_care"),  # the owner's, by default
            ("priya.shah@example.org", "police"),
        ]
        # The tracker's reference is kept only as a keyed hash.
        assert all(a.import_key and "A-01" not in a.import_key for a in actions)
        events = list(await session.scalars(select(t.ActionEvent).order_by(t.ActionEvent.id)))
        assert [(e.kind, e.note) for e in events] == [
            ("imported", f"{from_tracker}. Raised on 2025-10-08."),
            ("imported", f"{from_tracker}. Raised on 2025-10-08."),
        ]
        meeting = await session.get_one(t.Meeting, actions[0].meeting_id)
        assert meeting.conversation_id == TRACKER_CONVERSATION
        assert (meeting.status, meeting.minutes_status) == ("ended", "agreed")
        assert meeting.started_at == datetime(2025, 10, 8, tzinfo=UTC)
        item = await session.get_one(t.AgendaItem, actions[0].item_id)
        assert (item.kind, item.title) == (ItemKind.ACTIONS_AND_NEXT, TRACKER_TITLE)
        entries = list(
            await session.scalars(select(t.AuditEntry).where(t.AuditEntry.actor.like("cli:%")))
        )
    operator = audit.operator()
    assert {e.actor for e in entries} == {operator}
    imported = sorted((e.record_type, e.action) for e in entries if e.action == "import")
    assert imported == [
        ("actions", "import"),
        ("actions", "import"),
        ("meetings", "import"),
        ("subject_links", "import"),
        ("subjects", "import"),
        ("subjects", "import"),
    ]
    created = {e.record_type for e in entries if e.action == "create"}
    assert {"subjects", "subject_events", "subject_strands", "subject_links", "actions"} <= created
    assert "Skate" not in " ".join(e.detail + e.reason for e in entries)

    before = await everything(store)
    assert (
        await run_cli("register", "import", str(REGISTER_TEMPLATE), "--locality", "scarborough")
        == 0
    )
    assert (
        await run_cli("actions", "import", str(ACTIONS_TEMPLATE), "--locality", "scarborough") == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "Nothing changed: all 2 subjects are already recorded as the file has them.",
        "Nothing changed: all 2 actions are already recorded as the file has them.",
    ]
    assert await everything(store) == before  # not a row, not an audit entry


# --- a bad row anywhere -----------------------------------------------------------------------


async def test_a_bad_row_anywhere_writes_nothing_and_names_only_line_and_column(
    operator_env: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = operator_env
    good = "".join(f"child,CR-00{n:02},AB,cse,low,,,,,,\n" for n in range(10, 40))
    register = write(
        tmp_path,
        "register.csv",
        REGISTER_HEADER
        + good
        + "child,Jane Smith,JS,cse,low,,,,,,\n"
        + "theme,Vapes sold near the school,,cse,high,,closed,Call Jo on 07700 900123,,,\n",
    )
    before = await counts(store)
    assert await run_cli("register", "import", str(register), "--locality", "scarborough") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "line 32, column reference: not a case reference (for example CR-0001); never a name",
        "line 33, column status reason: this looks like it contains a phone number: take it "
        "out of the cell (an import cannot ask, as a form does, whether it is needed in the "
        "record)",
        "Nothing imported: 2 problems in the file (fix them and import it again).",
    ]
    for text in ("Jane", "Smith", "07700", "Call Jo", "Vapes"):
        assert text not in captured.err
    assert await counts(store) == before

    assert (
        await run_cli("register", "import", str(REGISTER_TEMPLATE), "--locality", "scarborough")
        == 0
    )
    capsys.readouterr()
    actions = write(
        tmp_path,
        "actions.csv",
        ACTIONS_HEADER
        + "A-1,Share the plan,tom.hughes@example.org,,2027-01-15,open,child,CR-0001,\n"
        + "A-2,Visit the kiosk,harper.lane@example.org,,2027-01-15,open,,,\n"  # Harrogate's
        + "A-3,Check the park,priya.shah@example.org,,2027-01-15,open,child,CR-0404,\n",
    )
    before = await counts(store)
    assert await run_cli("actions", "import", str(actions), "--locality", "scarborough") == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "line 3, column owner: not a member of this locality group (by email or Entra object id)",
        "line 4, column subject reference: no subject of this kind and reference in the "
        "group's register (import the register first)",
        "Nothing imported: 2 problems in the file (fix them and import it again).",
    ]
    assert "harper" not in err and "CR-0404" not in err
    assert await counts(store) == before  # the good first row was not written either


async def test_files_that_cannot_be_read_are_refused_with_their_reason_only(
    operator_env: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = await counts(operator_env)
    text = write(tmp_path, "register.txt", REGISTER_HEADER)
    assert await run_cli("register", "import", str(text), "--locality", "scarborough") == 1
    assert capsys.readouterr().err.strip() == (
        "Error: Give a .csv or .xlsx file (see docs/import.md)."
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        REGISTER_HEADER.encode() + "child,CR-0001,AB,cse,low,,,Zoë\n".encode("latin-1")
    )
    assert await run_cli("register", "import", str(latin), "--locality", "scarborough") == 1
    assert capsys.readouterr().err.strip() == (
        "Error: The file is not UTF-8 text: save it as 'CSV UTF-8' (see docs/import.md)."
    )
    broken = write(tmp_path, "broken.xlsx", "not a workbook")
    assert await run_cli("actions", "import", str(broken), "--locality", "scarborough") == 1
    assert capsys.readouterr().err.strip() == "Error: The file is not a readable .xlsx workbook."
    assert await run_cli("actions", "import", str(tmp_path / "gone.csv"), "--locality", "x") == 1
    assert capsys.readouterr().err.strip() == (
        "Error: Could not read the file: No such file or directory."
    )
    empty = write(tmp_path, "empty.csv", "\n")
    assert await run_cli("register", "import", str(empty), "--locality", "scarborough") == 1
    assert capsys.readouterr().err.splitlines() == [
        "line 1: the file is empty: it needs a header row",
        "Nothing imported: fix the file and import it again.",
    ]
    assert await run_cli("register", "import", str(REGISTER_TEMPLATE), "--locality", "whitby") == 1
    assert capsys.readouterr().err.startswith("Error: Unknown locality code 'whitby'")
    monkeypatch.setattr(tracker_file, "MAX_FILE_BYTES", 100)
    big = write(tmp_path, "big.csv", REGISTER_HEADER + "child,CR-0001,AB,cse,low\n" * 10)
    assert await run_cli("register", "import", str(big), "--locality", "scarborough") == 1
    assert "larger than" in capsys.readouterr().err
    assert await counts(operator_env) == before


# --- a changed row ------------------------------------------------------------------------------


async def test_a_changed_row_updates_the_record_and_its_history_says_why(
    group: Store, tmp_path: Path
) -> None:
    first = write(
        tmp_path,
        "v1.csv",
        REGISTER_HEADER
        + "child,CR-0001,AB,cse;missing,high,police,,,2025-03-12,2025-10-08,\n"
        + "group,Eastfield lads,,cce,medium,,,,,,CR-0001\n",
    )
    report = await importer(group).register(table_of(first), "scarborough")
    assert report.summary() == "Imported: 2 subjects added, 0 updated, 0 unchanged, 1 link added."
    child = await subject(group, SubjectKind.CHILD, "CR-0001")
    second = write(
        tmp_path,
        "v2.csv",
        REGISTER_HEADER + "child,CR-0001,A.B.,cse;online,very high,childrens_social_care,closed,"
        "Moved out of the county,,2025-11-12,\n"
        + "group,Eastfield lads,,cce,medium,,,,,,\n",  # the link is not removed by its absence
    )
    report = await importer(group).register(table_of(second), "scarborough")
    assert report.summary() == "Imported: 0 subjects added, 1 updated, 1 unchanged, 0 links added."
    changed = await subject(group, SubjectKind.CHILD, "CR-0001")
    assert (changed.risk_level, changed.status, changed.status_reason) == (
        "very_high",
        "closed",
        "Moved out of the county",
    )
    assert changed.first_discussed_on == date(2025, 3, 12)  # an empty cell leaves it
    assert changed.last_discussed_on == date(2025, 11, 12)
    assert await strand_codes(group, child.id) == ["cse", "online"]
    why = "Changed by an import of the group's tracker"
    assert (await history(group, child.id))[3:] == [
        ("risk", "very_high", "high", why),
        ("status", "closed", "open", "Moved out of the county"),
        ("lead_agency", "childrens_social_care", "police", why),
        ("strands", "cse,online", "cse,missing", why),
        (
            "imported",
            "child",
            "",
            f"{why}: risk, status, status reason, lead agency, strands, last discussed",
        ),
    ]
    async with group.reading() as session:
        assert await session.scalar(select(func.count()).select_from(t.SubjectLink)) == 1
    # A row may link to a subject the register already holds, not named in the file.
    third = write(
        tmp_path,
        "v3.csv",
        REGISTER_HEADER + "theme,Knife carrying,,cce,low,,,,,,eastfield LADS\n",
    )
    report = await importer(group).register(table_of(third), "scarborough")
    assert report.summary() == "Imported: 1 subject added, 0 updated, 0 unchanged, 1 link added."
    lads = await subject(group, SubjectKind.GROUP, "Eastfield lads")
    theme = await subject(group, SubjectKind.THEME, "Knife carrying")
    assert (await history(group, lads.id))[-1] == (
        "linked",
        str(theme.id),
        "",
        "From the group's tracker (mace-bot import)",
    )

    actions = write(
        tmp_path,
        "a1.csv",
        ACTIONS_HEADER + "A-1,Share the plan,tom.hughes@example.org,,2027-01-15,,child,CR-0001,\n",
    )
    assert (await importer(group).actions(table_of(actions), "scarborough")).added == 1
    moved = write(
        tmp_path,
        "a2.csv",
        ACTIONS_HEADER
        + "a-1,Share the plan,tom.hughes@example.org,,2027-02-01,done,child,CR-0001,\n",
    )
    report = await importer(group).actions(table_of(moved), "scarborough")
    assert report.summary() == "Imported: 0 actions added, 1 updated, 0 unchanged."
    async with group.reading() as session:
        (action,) = await session.scalars(select(t.Action))
        assert (action.due_date, action.status) == (date(2027, 2, 1), "done")
        notes = [
            e.note for e in await session.scalars(select(t.ActionEvent).order_by(t.ActionEvent.id))
        ]
        assert notes[-1] == f"{why}: due date, status."


# --- XLSX ---------------------------------------------------------------------------------------


def templates_script() -> ModuleType:
    """scripts/import_templates.py, imported by path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(
        "import_templates", ROOT / "scripts" / "import_templates.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.create_sheet("Notes").append(["ignored: only the first sheet is read"])
    book.save(path)
    return path


async def test_an_xlsx_file_imports_as_its_csv_does(
    operator_env: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = xlsx(
        tmp_path / "register.xlsx",
        [
            [
                "Kind",
                "Reference",
                "Initials",
                "Strands",
                "Risk",
                "Lead Agency",
                "Status",
                "Status Reason",
                "First Discussed",
                "Last Discussed",
                "Linked To",
            ],
            [
                "child",
                "CR-0001",
                "AB",
                "cce; missing",
                "High",
                "childrens_social_care",
                "open",
                None,
                datetime(2025, 3, 12),
                datetime(2025, 10, 8),
                "Skate park on Valley Road",
            ],
            [None] * 11,
            [
                "location",
                "Skate park on Valley Road",
                None,
                "Child criminal exploitation and county lines",
                "medium",
                "police",
                "monitoring",
                None,
                date(2025, 5, 14),
                date(2025, 10, 8),
                None,
            ],
        ],
    )
    actions = xlsx(
        tmp_path / "actions.xlsx",
        [
            [
                "tracker reference",
                "description",
                "owner",
                "agency",
                "due date",
                "status",
                "subject kind",
                "subject reference",
                "raised on",
            ],
            [
                "A-017",
                "Share the return home interview outcome with the group",
                "tom.hughes@example.org",
                None,
                datetime(2027, 1, 15),
                "open",
                "child",
                "CR-0001",
                datetime(2025, 10, 8),
            ],
            [
                "A-018",
                "Ask licensing to visit the skate park's kiosk about late-night sales",
                "priya.shah@example.org",
                "police",
                datetime(2025, 11, 30),
                "done",
                "location",
                "Skate park on Valley Road",
                datetime(2025, 10, 8),
            ],
        ],
    )
    assert await run_cli("register", "import", str(register), "--locality", "scarborough") == 0
    assert await run_cli("actions", "import", str(actions), "--locality", "scarborough") == 0
    assert capsys.readouterr().out.splitlines() == [
        "Imported: 2 subjects added, 0 updated, 0 unchanged, 1 link added.",
        "Imported: 2 actions added, 0 updated, 0 unchanged.",
    ]
    # The same tracker saved as CSV (the templates) is the same tracker: nothing changes.
    assert (
        await run_cli("register", "import", str(REGISTER_TEMPLATE), "--locality", "scarborough")
        == 0
    )
    assert (
        await run_cli("actions", "import", str(ACTIONS_TEMPLATE), "--locality", "scarborough") == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "Nothing changed: all 2 subjects are already recorded as the file has them.",
        "Nothing changed: all 2 actions are already recorded as the file has them.",
    ]
    # And so is the workbook scripts/import_templates.py makes from the CSV templates.
    made = templates_script().workbook_from_csv
    for command, name in (("register", "register-import"), ("actions", "actions-import")):
        book = made(TEMPLATES / f"{name}.csv", tmp_path / "made" / f"{name}.xlsx")
        assert await run_cli(command, "import", str(book), "--locality", "scarborough") == 0
    assert capsys.readouterr().out.splitlines() == [
        "Nothing changed: all 2 subjects are already recorded as the file has them.",
        "Nothing changed: all 2 actions are already recorded as the file has them.",
    ]
    bad = xlsx(
        tmp_path / "bad.xlsx",
        [
            ["kind", "reference", "initials", "strands", "risk"],
            ["child", "CR-0002", "CD", "cse", "low"],
            ["child", "CR-0003", "EF", "cse", "low", None, "Jane Smith"],
        ],
    )
    before = await counts(operator_env)
    assert await run_cli("register", "import", str(bad), "--locality", "scarborough") == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "line 3: this row has values beyond the header's last column"
    assert "Jane" not in err
    assert await counts(operator_env) == before


# --- the tracker meeting among the group's meetings ---------------------------------------------


async def test_the_tracker_meeting_leaves_items_2_and_3_and_the_minutes_export_working(
    group: Store, tmp_path: Path
) -> None:
    async with group.transaction() as session:
        locality = await session.scalar(select(t.Locality).where(t.Locality.code == "scarborough"))
        assert locality is not None
        chair = await session.scalar(select(t.Member).where(t.Member.name == "Alex Wilber"))
        assert chair is not None
        last = t.Meeting(
            locality_id=locality.id,
            conversation_id="team-id",
            status=MeetingStatus.ENDED,
            chair_member_id=chair.id,
            started_at=datetime(2026, 10, 22, 10, tzinfo=UTC),
            ended_at=datetime(2026, 10, 22, 12, tzinfo=UTC),
            next_meeting_date=date(2026, 11, 19),
            minutes_status=MinutesStatus.DRAFT,
        )
        session.add(last)
    actions = write(
        tmp_path,
        "actions.csv",
        ACTIONS_HEADER
        # Raised after the group's last meeting in the bot: the tracker meeting is still
        # dated before it.
        + "A-1,Share the plan,tom.hughes@example.org,,2026-11-01,open,,,2026-11-05\n",
    )
    assert (await importer(group).actions(table_of(actions), "scarborough")).added == 1
    async with group.transaction() as session:
        tracker = await session.scalar(
            select(t.Meeting).where(t.Meeting.conversation_id == TRACKER_CONVERSATION)
        )
        assert tracker is not None and tracker.started_at < last.started_at
        assert tracker.chair_member_id == chair.id  # the group's chair
        today = t.Meeting(
            locality_id=locality.id,
            conversation_id="team-id",
            status=MeetingStatus.IN_PROGRESS,
            chair_member_id=chair.id,
            started_at=MEETING_DAY,
            minutes_status=MinutesStatus.DRAFT,
            in_progress_locality_id=locality.id,
        )
        session.add(today)
        await session.flush()
        view = await meeting_view(
            session, today, key_codes=(), now=MEETING_DAY, today=MEETING_DAY.date()
        )
    assert view.previous_minutes is not None
    assert view.previous_minutes.meeting_id == last.id  # item 2: the real last meeting
    assert [a.description for a in view.previous_open_actions] == ["Share the plan"]  # item 3
    assert view.previous_open_actions[0].overdue

    more = write(
        tmp_path,
        "more.csv",
        ACTIONS_HEADER + "A-2,Visit the kiosk,priya.shah@example.org,,2027-01-15,open,,,\n",
    )
    before = await counts(group)
    assert (await importer(group).actions(table_of(more), "scarborough")).added == 1
    after = await counts(group)
    assert after["meetings"] == before["meetings"]  # the tracker meeting is reused

    settings = Settings.from_env()
    exports = ServiceFactory(settings, group, FrozenClock(MEETING_DAY)).exports
    assert chair.aad_object_id is not None
    file = await exports.minutes_file(
        ActorRef(teams_user_id=chair.teams_user_id or "", aad_object_id=chair.aad_object_id),
        tracker.id,
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(file.content)).paragraphs)
    assert TRACKER_TITLE in text


async def test_actions_rows_need_the_register_and_update_with_the_owner_as_member(
    group: Store, tmp_path: Path
) -> None:
    async with group.transaction() as session:
        await session.execute(
            update(t.Member).where(t.Member.name == "Tom Hughes").values(active=False)
        )
    actions = write(
        tmp_path,
        "actions.csv",
        ACTIONS_HEADER + "A-1,Share,tom.hughes@example.org,,2027-01-15,,,,\n",
    )
    report = await importer(group).actions(table_of(actions), "scarborough")
    assert [str(p) for p in report.problems] == [
        "line 2, column owner: not a member of this locality group (by email or Entra object id)"
    ]
    by_aad = write(
        tmp_path,
        "by-aad.csv",
        ACTIONS_HEADER + "A-1,Share,00000000-0000-0000-0000-0000000000103,,2027-01-15,,,,\n",
    )
    assert (await importer(group).actions(table_of(by_aad), "scarborough")).added == 1
