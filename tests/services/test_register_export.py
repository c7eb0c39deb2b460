"""The XLSX export gains a "Subjects" sheet: the subjects the requester may see, with a
child's checks as columns (issue 15, points 5 and 9). On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.clock import FrozenClock
from bot.domain.filters import ActionFilter
from bot.domain.register import ChildChecks, InterviewState
from bot.services.actions import ActionService
from bot.services.context import ActorRef
from bot.services.exports import ExportService
from bot.services.register_exports import CHECK_COLUMNS
from bot.store.db import Store
from tests.support.records import utc
from tests.support.register_records import RegisterRecords

POLICE = ActorRef("user-id-103", "00000000-0000-0000-0000-0000000000103", "Priya Shah")
EDUCATION = ActorRef("user-id-106", "00000000-0000-0000-0000-0000000000106", "Chris Lowe")
KEY_AGENCIES = ("police", "childrens_social_care", "health", "education")


async def seed(store: Store) -> None:
    r = RegisterRecords(store)
    meeting = await r.meeting("scarborough", utc(2026, 11, 19))
    child = await r.register_subject(
        "scarborough",
        "CR-0101",
        "JS",
        risk="very_high",
        lead_agency="police",
        first_discussed=date(2026, 10, 15),
        last_discussed=date(2026, 11, 19),
        checks=ChildChecks(
            missing_episode=True,
            return_interview=InterviewState.DONE,
            return_interview_on=date(2026, 11, 2),
            looked_after=True,
            placing_authority="=Another council",
            nrm_outcome="Positive reasonable grounds",
        ),
    )
    await r.strand(child, "cce")
    await r.strand(child, "missing")
    await r.action(meeting, "Return home interview for CR-0101.", subject_id=child)
    await r.action(meeting, "Done already.", subject_id=child, status="done")
    await r.register_subject("scarborough", "NYP-0001", "KT", kind="person", risk="high")
    await r.register_subject("scarborough", "Bus station", kind="location", risk="medium")
    await r.register_subject("selby", "CR-0900", "ZZ")  # a group she is not in


async def sheet_rows(store: Store, actor: ActorRef) -> list[list[object]]:
    clock = FrozenClock(utc(2026, 11, 20))
    actions = ActionService(store, clock, KEY_AGENCIES, lambda a, b: 0)
    service = ExportService(store, clock, actions, KEY_AGENCIES)
    file = await service.actions_file(actor, ActionFilter(), "xlsx")
    workbook = load_workbook(io.BytesIO(file.content))
    assert workbook.sheetnames == ["Outstanding actions", "Subjects"]
    sheet = workbook["Subjects"]
    assert isinstance(sheet, Worksheet)
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


async def test_the_subjects_sheet_lists_what_the_requester_may_see(demo_store: Store) -> None:
    await seed(demo_store)
    rows = await sheet_rows(demo_store, POLICE)
    assert rows[0][0] == "OFFICIAL-SENSITIVE – not for onward disclosure"
    header = rows[3]
    assert header[:10] == [
        "Reference",
        "Kind",
        "Locality",
        "Status",
        "Risk",
        "Strands",
        "Lead agency",
        "First discussed",
        "Last discussed",
        "Open actions",
    ]
    assert tuple(header[10:]) == CHECK_COLUMNS
    body = {row[0]: row for row in rows[4:]}
    assert list(body) == ["CR-0101 (J.S.)", "NYP-0001 (K.T.)", "Bus station"], "by risk"
    child = dict(zip(header, body["CR-0101 (J.S.)"], strict=True))
    assert child["Kind"] == "Child" and child["Risk"] == "Very high"
    assert (
        child["Strands"]
        == "Child criminal exploitation and county lines, Missing from home or care"
    )
    assert child["Lead agency"] == "North Yorkshire Police"
    assert child["Last discussed"].date() == date(2026, 11, 19)
    assert child["Open actions"] == 1
    assert child["Missing episode"] == "Yes"
    assert child["Return home interview"] == "Done"
    assert child["Return home interview on"].date() == date(2026, 11, 2)
    assert child["Looked after"] == "Yes"
    assert child["Placing authority"] == "=Another council", "text, never a formula"
    assert child["NRM outcome"] == "Positive reasonable grounds"
    assert child["Child's voice recorded"] is None, "not recorded yet: blank"
    place = dict(zip(header, body["Bus station"], strict=True))
    assert place["Kind"] == "Location of concern" and place["Missing episode"] is None


async def test_a_person_of_concern_is_left_out_for_those_the_rule_does_not_allow(
    demo_store: Store,
) -> None:
    await seed(demo_store)
    rows = await sheet_rows(demo_store, EDUCATION)
    references = [row[0] for row in rows[4:]]
    assert references == ["CR-0101 (J.S.)", "Bus station"]
