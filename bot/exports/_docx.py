"""Building blocks of the Word minutes, shared by an item's part (``minutes``) and a
register subject's section (``minutes_subjects``): paragraphs, tables that repeat their
header and never split a row, the actions table and a share-and-challenge round."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from bot.domain.model import TURN_LABELS, RoundStatus
from bot.domain.views import ActionView, EntryView, RoundView
from bot.exports._text import format_date, format_time, xml_safe

_RED = RGBColor(0xC0, 0x00, 0x00)
_PALE_RED = RGBColor(0xE8, 0x9B, 0x9B)
_GREY = RGBColor(0x59, 0x59, 0x59)
_FONT = "Arial"
_TABLE_TEXT = Pt(9.5)  # tables hold six columns on a portrait page

# A4 portrait with 2 cm margins leaves 170 mm for tables.
_TEXT_WIDTH_MM = 170


def _text(value: str) -> str:
    """Typed text made safe for XML (see ``xml_safe``); python-docx would raise otherwise."""
    return xml_safe(value)


def _para(document: DocxDocument, text: str, *, style: str | None = None) -> Paragraph:
    return document.add_paragraph(_text(text), style=style)


def _note(document: DocxDocument, text: str) -> Paragraph:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(_text(text))
    run.italic = True
    run.font.color.rgb = _GREY
    return paragraph


def _table(
    document: DocxDocument,
    headers: Sequence[str],
    widths_mm: Sequence[int],
    rows: Iterable[Sequence[str]],
) -> None:
    """A bordered table whose header row repeats on every page it spans and whose rows
    never split across a page break (half an action on each page reads as two)."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header_row = table.rows[0]
    _row_flag(header_row, "w:tblHeader")
    _row_flag(header_row, "w:cantSplit")
    for cell, heading in zip(header_row.cells, headers, strict=True):
        run = cell.paragraphs[0].add_run(heading)
        run.bold = True
        run.font.size = _TABLE_TEXT
        _shade(cell._tc, "D9D9D9")
    for values in rows:
        row = table.add_row()
        _row_flag(row, "w:cantSplit")
        for cell, value in zip(row.cells, values, strict=True):
            cell.paragraphs[0].add_run(_text(value)).font.size = _TABLE_TEXT
    _set_widths(table, widths_mm)
    document.add_paragraph()  # Word runs adjacent tables together without a gap


def _row_flag(row: _Row, tag: str) -> None:
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(flag)


def _set_widths(table: Table, widths_mm: Sequence[int]) -> None:
    """Word reads the cell widths, LibreOffice the grid: set both."""
    for index, width in enumerate(widths_mm):
        column = table.columns[index]
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)


def _shade(tc: object, fill: str) -> None:
    tcpr = tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tcpr.append(shading)


#: Beside an entry corrected before the minutes were agreed (issue 16).
CORRECTED = " (corrected)"


def entry_text(entry: EntryView | ActionView) -> str:
    """A minute's or decision's text, or an action's description, as the minutes print
    it: marked when it was corrected (what it said before is kept in the store)."""
    text = entry.text if isinstance(entry, EntryView) else entry.description
    return text + CORRECTED if entry.corrected else text


def _write_entries(document: DocxDocument, entries: Sequence[EntryView]) -> None:
    for entry in entries:
        paragraph = _para(document, entry_text(entry))
        paragraph.paragraph_format.space_after = Pt(6)


def _subject(value: str | None) -> str:
    return value or "—"


def _action_rows(actions: Sequence[ActionView]) -> list[tuple[str, ...]]:
    return [
        (
            f"A-{action.id}",
            entry_text(action),
            action.owner_name,
            action.agency_name,
            format_date(action.due_date),
            _subject(action.subject),
        )
        for action in actions
    ]


def _write_round(
    document: DocxDocument, round_view: RoundView, number: int | None, level: int = 2
) -> None:
    heading = "Share and challenge" + (f" (round {number})" if number else "")
    document.add_heading(heading, level)
    if round_view.status == RoundStatus.OPEN:
        _note(document, "This round was still open when the minutes were generated.")
    rows = []
    for turn in round_view.turns:
        # Every answer is kept (an agency may answer twice, or by two of its services),
        # so every answer is minuted, in the order given.
        if not turn.answers:  # still to answer, or not present (no answer row)
            agency = turn.agency.name + (f"\n({turn.answered_by})" if turn.answered_by else "")
            outcome = "No answer recorded" if turn.outcome is None else TURN_LABELS[turn.outcome]
            text = turn.text or "—"
            if turn.challenge_to:
                text = f"Challenge to {turn.challenge_to}" + (f": {turn.text}" if turn.text else "")
            rows.append((agency, outcome, text))
        for answer in turn.answers:
            agency = turn.agency.name + (f": {answer.service}" if answer.service else "")
            said_by = answer.answered_by
            if answer.at is not None:
                said_by += (", " if said_by else "") + format_time(answer.at)
            if said_by:
                agency += f"\n({said_by})"
            text = answer.text or "—"
            if answer.challenge_to:
                text = f"Challenge to {answer.challenge_to}" + (
                    f": {answer.text}" if answer.text else ""
                )
            rows.append((agency, TURN_LABELS[answer.outcome], text))
    if rows:
        _table(document, ("Agency", "Outcome", "What was said"), (45, 30, 95), rows)
    else:
        _para(document, "No agency turns were recorded.")
