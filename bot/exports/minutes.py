"""A meeting's minutes as a Word document, the form partners file and circulate.

The document follows the canonical locality agenda (domain.md): attendance by agency,
then each item in agenda order with its minutes, decisions, actions and the
share-and-challenge round held on it, then every challenge with its outcome, then the
date of the next meeting.

What it must never get wrong:

* The marking. Every page's header and footer say OFFICIAL-SENSITIVE with no onward
  disclosure, because a printed page or a forwarded attachment leaves the bot's access
  control behind. One section, no different first or even pages, so no page escapes.
* Draft or agreed. Minutes are a draft until the next meeting agrees them (agenda item
  2). A draft says so in large letters at the top and in the header of every page, so a
  page read alone is not mistaken for the agreed record.
* Only what the view holds. Children appear as the ``subject`` strings the view gives (a
  case reference and initials); nothing is looked up or added here.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from bot.domain.model import (
    ATTENDANCE_LABELS,
    ChallengeStatus,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
)
from bot.domain.views import (
    ChallengeView,
    EntryView,
    ItemView,
    MeetingView,
    MinutesDocumentView,
    RoundView,
)
from bot.exports._docx import (
    _FONT,
    _GREY,
    _PALE_RED,
    _RED,
    _TEXT_WIDTH_MM,
    _action_rows,
    _note,
    _para,
    _set_widths,
    _shade,
    _table,
    _text,
    _write_entries,
    _write_round,
    entry_text,
)
from bot.exports._text import (
    CLASSIFICATION,
    MARKING,
    format_date,
    format_datetime,
    format_time,
    slug,
    uk_time,
    utc_naive,
)
from bot.exports.minutes_subjects import claimed, write_subject_sections

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

DRAFT_MARKING = "DRAFT – to be agreed at the next meeting"
AGREED_MARKING = "Agreed"

CHALLENGE_STATUS_LABELS: dict[ChallengeStatus, str] = {
    ChallengeStatus.OPEN: "Open",
    ChallengeStatus.RESOLVED: "Resolved",
    ChallengeStatus.ESCALATED: "Escalated",
}

#: Wording for a challenge aimed at the plan rather than an agency (as on the cards).
NOT_AN_AGENCY = "The plan / something else"


def minutes_filename(doc: MinutesDocumentView) -> str:
    """'MACE-Scarborough-minutes-2026-11-19-DRAFT.docx': says which meeting and whether
    the file is a draft before anyone opens it."""
    meeting = doc.meeting
    day = uk_time(meeting.started_at).date().isoformat()
    suffix = "-DRAFT" if _is_draft(meeting) else ""
    return f"MACE-{slug(meeting.locality.name)}-minutes-{day}{suffix}.docx"


def minutes_docx(doc: MinutesDocumentView) -> bytes:
    """Render the minutes of one meeting as a .docx file.

    Pure: the same view gives the same document (bar the zip timestamps python-docx
    writes), with no database, Teams or clock involved; ``doc.generated_at`` is the only
    time printed that is not the meeting's own.
    """
    document = Document()
    _set_up_document(document, doc)
    section = document.sections[0]
    _write_header(section, doc.meeting)
    _write_footer(section, doc)

    meeting = doc.meeting
    if _is_draft(meeting):
        _write_draft_banner(document)
    document.add_heading(_text(f"MACE {meeting.locality.name} locality meeting – minutes"), 0)
    _write_summary(document, meeting)
    _note(
        document,
        "These minutes are OFFICIAL-SENSITIVE. Share them only with those who need them "
        "to protect a child or disrupt exploitation; do not forward them or their contents.",
    )
    _write_attendance(document, meeting)

    minutes_by_item = {item_id: entries for item_id, entries in doc.minutes}
    items = sorted(meeting.items, key=lambda item: item.position)
    shown_rounds: set[int] = set()
    entry_ids, action_ids, round_ids = claimed(doc.subjects)
    for item in items:
        rounds = [r for r in doc.rounds if r.item_position == item.position]
        shown_rounds.update(r.id for r in rounds)
        sections = [s for s in doc.subjects if s.item_id == item.id]
        # What a subject's section shows is not repeated under its item.
        _write_item(
            document,
            replace(
                item,
                decisions=tuple(d for d in item.decisions if d.id not in entry_ids),
                actions=tuple(a for a in item.actions if a.id not in action_ids),
            ),
            [e for e in minutes_by_item.get(item.id, ()) if e.id not in entry_ids],
            [r for r in rounds if r.id not in round_ids],
            quiet=bool(sections),
        )
        write_subject_sections(document, sections)
    shown_rounds.update(round_ids)

    _write_leftovers(document, doc, {item.id for item in items}, shown_rounds)
    _write_challenges(document, _all_challenges(doc))
    document.add_heading("Date of next meeting", 1)
    next_date = meeting.next_meeting_date
    _para(document, format_date(next_date) if next_date else "Not yet set.")
    _note(document, f"End of minutes. {MARKING}.")

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- document set-up, header and footer ----------------------------------------------


def _is_draft(meeting: MeetingView) -> bool:
    return meeting.minutes_status != MinutesStatus.AGREED


def _set_up_document(document: DocxDocument, doc: MinutesDocumentView) -> None:
    """A4, British English, one section whose header and footer serve every page."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(20))
    section.top_margin = Mm(25)
    section.bottom_margin = Mm(25)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    # One header and one footer for all pages: no page may lack the marking.
    section.different_first_page_header_footer = False
    document.settings.odd_and_even_pages_header_footer = False

    normal = document.styles["Normal"]
    normal.font.name = _FONT
    normal.font.size = Pt(11)
    _set_language(document)

    properties = document.core_properties
    properties.title = _text(f"MACE {doc.meeting.locality.name} locality meeting – minutes")[:255]
    properties.subject = "Minutes"
    properties.category = CLASSIFICATION
    properties.keywords = CLASSIFICATION
    properties.author = "MACE bot"
    properties.last_modified_by = "MACE bot"
    properties.comments = ""
    properties.created = utc_naive(doc.generated_at)
    properties.modified = utc_naive(doc.generated_at)
    properties.revision = 1


def _set_language(document: DocxDocument) -> None:
    """en-GB, so spelling checks do not 'correct' the minutes to American English."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        return
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        return
    rpr = run_defaults.find(qn("w:rPr"))
    if rpr is None:
        return
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-GB")


def _write_header(section: Section, meeting: MeetingView) -> None:
    header = section.header
    header.is_linked_to_previous = False
    marking = header.paragraphs[0]
    marking.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = marking.add_run(MARKING)
    run.bold = True
    run.font.color.rgb = _RED
    if _is_draft(meeting):
        draft = header.add_paragraph()
        draft.alignment = WD_ALIGN_PARAGRAPH.CENTER
        draft_run = draft.add_run(DRAFT_MARKING)
        draft_run.bold = True
        draft_run.font.size = Pt(14)
        draft_run.font.color.rgb = _RED


def _write_footer(section: Section, doc: MinutesDocumentView) -> None:
    footer = section.footer
    footer.is_linked_to_previous = False
    marking = footer.paragraphs[0]
    marking.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = marking.add_run(MARKING)
    run.bold = True
    run.font.color.rgb = _RED
    line = footer.add_paragraph()
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    generated = f"Generated {format_datetime(doc.generated_at)} (UK time) for "
    generated += _text(doc.generated_for) + " · Page "
    _small(line.add_run(generated))
    _add_field(line, "PAGE", "1")
    _small(line.add_run(" of "))
    _add_field(line, "NUMPAGES", "1")


def _small(run: Run) -> None:
    run.font.size = Pt(8)
    run.font.color.rgb = _GREY


def _add_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (page number, page count), which the reader's software fills in."""
    begin = paragraph.add_run()
    begin_char = OxmlElement("w:fldChar")
    begin_char.set(qn("w:fldCharType"), "begin")
    begin._r.append(begin_char)
    instr = paragraph.add_run()
    instr_text = OxmlElement("w:instrText")
    instr_text.set(qn("xml:space"), "preserve")
    instr_text.text = f" {instruction} "
    instr._r.append(instr_text)
    separate = paragraph.add_run()
    separate_char = OxmlElement("w:fldChar")
    separate_char.set(qn("w:fldCharType"), "separate")
    separate._r.append(separate_char)
    _small(paragraph.add_run(placeholder))
    end = paragraph.add_run()
    end_char = OxmlElement("w:fldChar")
    end_char.set(qn("w:fldCharType"), "end")
    end._r.append(end_char)
    for run in (begin, instr, separate, end):
        _small(run)


# --- building blocks ---------------------------------------------------------------------


def _labelled(document: DocxDocument, label: str, text: str) -> Paragraph:
    """'Response: ...' with the label in bold, for the challenge blocks."""
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(_text(text))
    paragraph.paragraph_format.space_after = Pt(2)
    # A challenge reads as one block: keep its lines on one page where they fit.
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


# --- sections of the minutes ---------------------------------------------------------------


def _write_draft_banner(document: DocxDocument) -> None:
    """Large pale lettering at the top: the nearest a generated .docx gets to a watermark
    that every reader, in every word processor, actually sees."""
    banner = document.add_paragraph()
    banner.alignment = WD_ALIGN_PARAGRAPH.CENTER
    big = banner.add_run("DRAFT")
    big.bold = True
    big.font.size = Pt(60)
    big.font.color.rgb = _PALE_RED
    line = document.add_paragraph()
    line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    small = line.add_run(DRAFT_MARKING)
    small.bold = True
    small.font.size = Pt(16)
    small.font.color.rgb = _RED


def _meeting_time(meeting: MeetingView) -> str:
    start = format_time(meeting.started_at)
    if meeting.ended_at is None or meeting.status == MeetingStatus.IN_PROGRESS:
        return f"From {start} (meeting still in progress when this was generated)"
    return f"{start} to {format_time(meeting.ended_at)} (UK time)"


def _write_summary(document: DocxDocument, meeting: MeetingView) -> None:
    status = DRAFT_MARKING if _is_draft(meeting) else AGREED_MARKING
    rows = [
        ("Date", format_date(uk_time(meeting.started_at).date())),
        ("Time", _meeting_time(meeting)),
        ("Chair", meeting.chair_name or "Not recorded"),
        ("Minutes status", status),
    ]
    previous = meeting.previous_minutes
    if previous is not None:
        # "not yet agreed" rather than "draft": an agreed document must not say DRAFT.
        agreed = previous.status == MinutesStatus.AGREED
        previous_status = "agreed" if agreed else "not yet agreed"
        rows.append(
            (
                "Previous meeting",
                f"{format_date(previous.meeting_date)} (minutes {previous_status})",
            )
        )
    next_date = meeting.next_meeting_date
    rows.append(("Next meeting", format_date(next_date) if next_date else "Not yet set"))
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.autofit = False
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].paragraphs[0].add_run(label).bold = True
        _shade(cells[0]._tc, "F2F2F2")
        run = cells[1].paragraphs[0].add_run(_text(value))
        if label == "Minutes status" and _is_draft(meeting):
            run.bold = True
            run.font.color.rgb = _RED
    _set_widths(table, (40, _TEXT_WIDTH_MM - 40))
    document.add_paragraph()


def _write_attendance(document: DocxDocument, meeting: MeetingView) -> None:
    document.add_heading("Attendance", 1)
    rows = []
    for line in meeting.attendance:
        agency = line.agency.name + (" (key agency)" if line.agency.is_key else "")
        status = ATTENDANCE_LABELS[line.status] if line.status is not None else "Not recorded"
        rows.append((agency, status, line.people or "—"))
    if rows:
        _table(document, ("Agency", "Attendance", "People"), (60, 30, 80), rows)
    else:
        _para(document, "No attendance was recorded.")
    missing = meeting.missing_key_agencies
    if missing:
        paragraph = document.add_paragraph()
        paragraph.add_run("Key agencies not represented: ").bold = True
        run = paragraph.add_run(_text(", ".join(agency.name for agency in missing) + "."))
        run.font.color.rgb = _RED
    elif any(line.agency.is_key for line in meeting.attendance):
        _para(document, "All key agencies were represented.")


def _time_used(item: ItemView) -> str:
    if item.status == ItemStatus.PENDING and item.elapsed_seconds <= 0:
        return f"Not reached (time allowed {item.time_limit_minutes} min)."
    used = max(item.elapsed_seconds, 0)
    text = f"Time used: {used // 60:02d}:{used % 60:02d} of {item.time_limit_minutes} min"
    if used > item.time_limit_minutes * 60:
        text += " (over time)"
    if item.status == ItemStatus.CURRENT:
        text += ", still under discussion"
    return text + "."


def _write_item(
    document: DocxDocument,
    item: ItemView,
    minutes: Sequence[EntryView],
    rounds: Sequence[RoundView],
    *,
    quiet: bool = False,
) -> None:
    """An item's heading and what was recorded on it; ``quiet`` (the item has subject
    sections after it) leaves out "No minutes recorded" when nothing general was."""
    document.add_heading(_text(f"{item.position}. {item.title}"), 1)
    _note(document, _time_used(item))

    decision_ids = {decision.id for decision in item.decisions}
    entries = [entry for entry in minutes if entry.id not in decision_ids]
    if entries:
        document.add_heading("Minutes", 2)
        _write_entries(document, entries)
    elif not quiet:
        document.add_heading("Minutes", 2)
        _para(document, "No minutes recorded.")

    if item.decisions:
        document.add_heading("Decisions", 2)
        for decision in item.decisions:
            _para(document, entry_text(decision), style="List Bullet")

    if item.actions:
        document.add_heading("Actions", 2)
        _table(
            document,
            ("Ref", "Action", "Owner", "Agency", "Due", "Subject"),
            (15, 47, 26, 27, 26, 29),
            _action_rows(item.actions),
        )

    for number, round_view in enumerate(rounds, start=1):
        _write_round(document, round_view, number if len(rounds) > 1 else None)


def _write_leftovers(
    document: DocxDocument,
    doc: MinutesDocumentView,
    item_ids: set[int],
    shown_rounds: set[int],
) -> None:
    """Minutes or rounds that match no agenda item still belong in the record: print them
    rather than drop them silently."""
    stray_minutes = [entries for item_id, entries in doc.minutes if item_id not in item_ids]
    stray_rounds = [r for r in doc.rounds if r.id not in shown_rounds]
    if not stray_minutes and not stray_rounds:
        return
    document.add_heading("Other business", 1)
    for entries in stray_minutes:
        _write_entries(document, entries)
    for round_view in stray_rounds:
        _note(document, f"On: {round_view.item_title}")
        _write_round(document, round_view, None)


def _all_challenges(doc: MinutesDocumentView) -> list[ChallengeView]:
    """The meeting's challenges, then any a round holds that the list missed (by id)."""
    found: dict[int, ChallengeView] = {c.id: c for c in doc.challenges}
    for round_view in doc.rounds:
        for challenge in round_view.challenges:
            found.setdefault(challenge.id, challenge)
    return list(found.values())


def _write_challenges(document: DocxDocument, challenges: Sequence[ChallengeView]) -> None:
    document.add_heading("Challenges", 1)
    if not challenges:
        _para(document, "No challenges were raised at this meeting.")
        return
    for number, challenge in enumerate(challenges, start=1):
        to_whom = challenge.to_agency or NOT_AN_AGENCY
        raised_by = challenge.raised_by_agency
        if challenge.raised_by_name:
            raised_by += f" ({challenge.raised_by_name})"
        document.add_heading(_text(f"Challenge {number}: {raised_by} to {to_whom}"), 3)
        if challenge.item_title:
            _labelled(document, "Item", challenge.item_title)
        if challenge.about:
            _labelled(document, "About", challenge.about)
        _labelled(document, "Challenge", challenge.text or "—")
        _labelled(document, "Response", challenge.response or "No response recorded.")
        status = CHALLENGE_STATUS_LABELS.get(challenge.status, str(challenge.status))
        outcome = f"{status}: {challenge.resolution}" if challenge.resolution else status
        last = _labelled(document, "Outcome", outcome)
        last.paragraph_format.space_after = Pt(10)
        last.paragraph_format.keep_with_next = False
