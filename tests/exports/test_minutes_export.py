"""Minutes as a Word document: reopened with python-docx and read back."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from bot.domain.model import MinutesStatus
from bot.domain.views import EntryView, MinutesDocumentView
from bot.exports.minutes import DRAFT_MARKING, minutes_docx, minutes_filename
from tests.exports.views_testkit import ITEM_TITLES, make_minutes, make_round

MARKING = "OFFICIAL-SENSITIVE – not for onward disclosure"


def open_docx(data: bytes) -> DocxDocument:
    return Document(io.BytesIO(data))


def blocks(document: DocxDocument) -> list[str]:
    """The body in reading order: one string per paragraph, one per table row."""
    found: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            found.append(block.text)
        elif isinstance(block, Table):
            found.extend(" | ".join(cell.text for cell in row.cells) for row in block.rows)
    return found


def table_rows(document: DocxDocument, first_header: str) -> list[list[str]]:
    """Rows (header first) of every table whose first heading cell is ``first_header``."""
    rows: list[list[str]] = []
    for table in document.tables:
        if table.rows[0].cells[0].text == first_header:
            rows.extend([cell.text for cell in row.cells] for row in table.rows)
    return rows


def header_footer_texts(document: DocxDocument) -> list[tuple[str, str]]:
    return [
        (
            "\n".join(p.text for p in section.header.paragraphs),
            "\n".join(p.text for p in section.footer.paragraphs),
        )
        for section in document.sections
    ]


def all_text(data: bytes) -> str:
    """Every word in the package: body, tables, headers, footers and properties."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = " ".join(
            package.read(name).decode("utf-8")
            for name in package.namelist()
            if name.endswith(".xml")
        )
    return re.sub(r"<[^>]+>", "", xml)


@pytest.fixture(scope="module")
def draft() -> MinutesDocumentView:
    return make_minutes(minutes_per_item=2)


@pytest.fixture(scope="module")
def draft_docx(draft: MinutesDocumentView) -> DocxDocument:
    return open_docx(minutes_docx(draft))


def test_every_page_has_the_marking_in_its_header_and_footer(draft_docx: DocxDocument) -> None:
    assert not draft_docx.settings.odd_and_even_pages_header_footer
    for section in draft_docx.sections:
        # No separate first-page or even-page header that could leave a page unmarked.
        assert not section.different_first_page_header_footer
        assert not section.header.is_linked_to_previous
        assert not section.footer.is_linked_to_previous
    for header, footer in header_footer_texts(draft_docx):
        assert MARKING in header
        assert MARKING in footer


def test_the_footer_says_when_and_for_whom_with_page_numbers(draft_docx: DocxDocument) -> None:
    footer = draft_docx.sections[0].footer
    text = "\n".join(p.text for p in footer.paragraphs)
    assert "Generated Thu 19 Nov 2026 14:05 (UK time) for Sam Coordinator" in text
    xml = footer._element.xml
    assert "PAGE" in xml and "NUMPAGES" in xml


def test_a_draft_is_marked_draft_at_the_top_and_on_every_page(draft_docx: DocxDocument) -> None:
    body = blocks(draft_docx)
    assert body[0] == "DRAFT"
    assert body[1] == DRAFT_MARKING
    big = draft_docx.paragraphs[0].runs[0].font.size
    assert big is not None and big.pt >= 48
    for header, _ in header_footer_texts(draft_docx):
        assert DRAFT_MARKING in header
    assert f"Minutes status | {DRAFT_MARKING}" in body


def test_agreed_minutes_carry_no_draft_marking() -> None:
    data = minutes_docx(make_minutes(minutes_status=MinutesStatus.AGREED))
    document = open_docx(data)
    assert "DRAFT" not in all_text(data).upper()
    assert "Minutes status | Agreed" in blocks(document)
    for header, footer in header_footer_texts(document):
        assert MARKING in header and MARKING in footer
        assert "DRAFT" not in header.upper() and "DRAFT" not in footer.upper()


def test_title_date_time_chair_and_next_meeting(draft_docx: DocxDocument) -> None:
    body = blocks(draft_docx)
    assert "MACE Scarborough locality meeting – minutes" in body
    assert "Date | Thu 19 Nov 2026" in body
    assert "Time | 10:00 to 11:45 (UK time)" in body
    assert "Chair | Chris Chairperson" in body
    assert "Previous meeting | Thu 15 Oct 2026 (minutes not yet agreed)" in body
    assert "Next meeting | Thu 17 Dec 2026" in body
    end = body.index("Date of next meeting")
    assert body[end + 1] == "Thu 17 Dec 2026"


def test_attendance_by_agency_and_missing_key_agencies(draft_docx: DocxDocument) -> None:
    assert table_rows(draft_docx, "Agency")[:7] == [
        ["Agency", "Attendance", "People"],
        ["North Yorkshire Police (key agency)", "Present", "Dan Madeup"],
        ["Children's Social Care (key agency)", "Substitute", "Priya Fictional for Al Other"],
        ["Education (key agency)", "Apologies", "Ed Ucation"],
        ["Health (0-19 service) (key agency)", "Not recorded", "—"],
        ["Youth Justice Service", "Present", "Yas Justice"],
        ["The Children's Society", "Present", "Tess Charity"],
    ]
    assert "Key agencies not represented: Education, Health (0-19 service)." in blocks(draft_docx)


def test_items_in_order_each_with_its_own_minutes_decisions_and_actions(
    draft: MinutesDocumentView, draft_docx: DocxDocument
) -> None:
    body = blocks(draft_docx)
    headings = [f"{n}. {title}" for n, (_, title) in enumerate(ITEM_TITLES, start=1)]
    starts = [body.index(h) for h in headings]
    assert starts == sorted(starts)
    bounds = [*starts, body.index("Challenges")]
    minutes = dict(draft.minutes)
    for n, item in enumerate(draft.meeting.items):
        section = body[bounds[n] : bounds[n + 1]]
        for entry in minutes[item.id]:
            assert entry.text in section, (item.title, entry.text)
        for decision in item.decisions:
            assert decision.text in section
        for action in item.actions:
            row = f"A-{action.id} | {action.description} | {action.owner_name}"
            assert any(line.startswith(row) for line in section), row
        # Nothing from another item's minutes leaks into this one.
        for other in draft.meeting.items:
            if other.id != item.id:
                assert not set(e.text for e in minutes[other.id]) & set(section)


def test_time_used_is_shown_against_the_limit(draft_docx: DocxDocument) -> None:
    body = blocks(draft_docx)
    assert "Time used: 12:34 of 10 min (over time)." in body
    assert "Time used: 01:37 of 10 min." in body


def test_actions_table_shows_owner_agency_due_date_and_subject(draft_docx: DocxDocument) -> None:
    rows = table_rows(draft_docx, "Ref")
    assert rows[0] == ["Ref", "Action", "Owner", "Agency", "Due", "Subject"]
    children = [r for r in rows if r[1] == "Action 104 agreed under item 4"]
    assert children == [
        [
            "A-104",
            "Action 104 agreed under item 4",
            "Priya Fictional",
            "Children's Social Care",
            "Tue 1 Dec 2026",
            "CR-0004 (A.B.)",
        ]
    ]
    assert [r[5] for r in rows[1:]].count("—") == 8  # no subject on the other items


def test_share_and_challenge_round_sits_under_its_item(draft_docx: DocxDocument) -> None:
    body = blocks(draft_docx)
    round_at = body.index("Share and challenge")
    assert body.index("4. Children discussed") < round_at < body.index("5. Persons of concern")
    assert body[round_at + 1 : round_at + 6] == [
        "Agency | Outcome | What was said",
        "North Yorkshire Police\n(Dan) | Shared | Two sightings near the arcade.",
        "Children's Social Care\n(Priya) | Challenge raised | "
        "Challenge to Education: Plan lacks a school contact.",
        "Education | Not present | —",
        "The Children's Society\n(Tess) | Nothing to share | —",
    ]


def test_challenges_with_to_whom_response_and_outcome(draft_docx: DocxDocument) -> None:
    body = blocks(draft_docx)
    start = body.index("Challenges")
    section = body[start : body.index("Date of next meeting")]
    assert section[1:7] == [
        "Challenge 1: Children's Social Care (Priya Fictional) to Education",
        "Item: Children discussed",
        "About: CR-0004 (A.B.)",
        "Challenge: The plan lacks a school contact.",
        "Response: Education will name a designated safeguarding lead.",
        "Outcome: Resolved: Agreed at the meeting; action A-104 raised.",
    ]
    assert section[7:13] == [
        "Challenge 2: The Children's Society (Tess Charity) to The plan / something else",
        "Item: Locations of concern",
        "About: Locations",
        "Challenge: Disruption at the arcade has not worked.",
        "Response: No response recorded.",
        "Outcome: Escalated",
    ]


def test_children_appear_only_as_the_subject_strings_given(
    draft: MinutesDocumentView,
) -> None:
    data = minutes_docx(draft)
    text = all_text(data)
    given = {a.subject for a in draft.meeting.actions if a.subject}
    given |= {c.about for c in draft.challenges}
    for found in re.findall(r"CR-\d{4}(?: \([A-Z]\.[A-Z]\.\))?", text):
        assert found in given, found
    # The document prints what the minutes need, not everything the view carries.
    assert "Chair's prompt" not in text  # item guidance is for the chair's card only
    assert "Mina Minutetaker" not in text  # entries are not signed


def test_minutes_or_rounds_matching_no_item_are_printed_not_dropped() -> None:
    base = make_minutes()
    stray = EntryView(77, base.minutes[0][1][0].kind, "A minute about an item since removed", "X")
    doc = replace(
        base,
        minutes=(*base.minutes, (9999, (stray,))),
        rounds=(*base.rounds, replace(make_round(base.meeting.items[0]), id=8, item_position=42)),
    )
    body = blocks(open_docx(minutes_docx(doc)))
    other = body.index("Other business")
    assert "A minute about an item since removed" in body[other:]
    assert "On: Welcome, attendance and confidentiality" in body[other:]


def test_an_empty_meeting_still_renders_every_section() -> None:
    base = make_minutes()
    meeting = replace(
        base.meeting,
        items=(),
        attendance=(),
        missing_key_agencies=(),
        next_meeting_date=None,
        previous_minutes=None,
    )
    doc = replace(base, meeting=meeting, minutes=(), rounds=(), challenges=())
    body = blocks(open_docx(minutes_docx(doc)))
    assert "No attendance was recorded." in body
    assert "No challenges were raised at this meeting." in body
    assert "Next meeting | Not yet set" in body


def test_control_characters_in_typed_text_do_not_break_the_document() -> None:
    base = make_minutes()
    item_id, entries = base.minutes[0]
    broken = replace(entries[0], text="Pasted\x0b text\x00 with\x1f controls")
    doc = replace(base, minutes=((item_id, (broken,)), *base.minutes[1:]))
    assert "Pasted text with controls" in blocks(open_docx(minutes_docx(doc)))


def test_document_properties_carry_the_marking_and_no_library_name() -> None:
    document = open_docx(minutes_docx(make_minutes()))
    properties = document.core_properties
    assert properties.category == "OFFICIAL-SENSITIVE"
    assert properties.author == "MACE bot"
    assert "python-docx" not in (properties.comments or "")


def test_file_name_says_which_meeting_and_whether_draft() -> None:
    assert minutes_filename(make_minutes()) == "MACE-Scarborough-minutes-2026-11-19-DRAFT.docx"
    agreed = make_minutes(minutes_status=MinutesStatus.AGREED)
    assert minutes_filename(agreed) == "MACE-Scarborough-minutes-2026-11-19.docx"


def test_a_large_meeting_renders_and_opens() -> None:
    doc = make_minutes(minutes_per_item=20, minute_chars=1000, actions_per_item=7)
    assert sum(len(entries) for _, entries in doc.minutes) == 180
    assert all(len(e.text) == 1000 for _, entries in doc.minutes for e in entries)
    assert len(doc.meeting.actions) >= 60

    data = minutes_docx(doc)
    document = open_docx(data)
    body = blocks(document)
    assert sum(1 for line in body if line.startswith("Minute ")) == 180
    rows = [row for row in table_rows(document, "Ref") if row[0] != "Ref"]
    assert [row[0] for row in rows] == [f"A-{a.id}" for a in doc.meeting.actions]


def test_every_answer_of_an_agency_is_minuted_with_its_service_who_and_when() -> None:
    """Every answer is kept (issue 15): an agency answering twice, by two services, has
    both in the minutes, in the order given, each with who answered and when."""
    from datetime import UTC, datetime

    from docx import Document

    from bot.domain.model import RoundStatus, TurnOutcome
    from bot.domain.views import AgencyView, RoundAnswerView, RoundTurnView, RoundView
    from bot.exports._docx import _write_round

    health = AgencyView(3, "health", "Health")
    at = datetime(2026, 11, 19, 11, 5, tzinfo=UTC)
    answers = (
        RoundAnswerView(TurnOutcome.SHARED, "Seen at clinic.", "Sam", at, "CAMHS"),
        RoundAnswerView(
            TurnOutcome.SHARED, "Missed two checks.", "Kit", at.replace(minute=9), "Healthy Child"
        ),
    )
    turn = RoundTurnView(health, TurnOutcome.SHARED, "Missed two checks.", "Kit", None, answers)
    view = RoundView(1, 1, "Scarborough", 4, "Children discussed", RoundStatus.CLOSED, (turn,), ())
    document = Document()
    _write_round(document, view, None)
    body = [block for block in blocks(document) if block]
    assert body[-3:] == [
        "Agency | Outcome | What was said",
        "Health: CAMHS\n(Sam, 11:05) | Shared | Seen at clinic.",
        "Health: Healthy Child\n(Kit, 11:09) | Shared | Missed two checks.",
    ]
