"""A subject access export as a Word document, for the data protection officer to review
and disclose.

Pure: it renders the very document ``bot.services.subject_access`` builds for the JSON
file (already redacted there), so the two can never say different things. Every page
carries the OFFICIAL-SENSITIVE marking in its header and footer.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt, RGBColor

from bot.exports._text import (
    CLASSIFICATION,
    MARKING,
    format_date,
    format_datetime,
    utc_naive,
    xml_safe,
)

_RED = RGBColor(0xC0, 0x00, 0x00)
_GREY = RGBColor(0x59, 0x59, 0x59)


def subject_access_docx(doc: Mapping[str, Any]) -> bytes:
    document = Document()
    _set_up(document, doc)
    subject = doc["subject"]
    locality = doc["locality"]
    title = f"Subject access: {subject['reference']} ({locality['name']})"
    document.add_heading(_t(title), 0)
    _note(document, doc["notice"])
    _table(
        document,
        ("", ""),
        [
            ("Kind", subject["kind_label"]),
            ("Reference", subject["reference"]),
            ("Initials", subject["initials"] or "–"),
            ("Locality group", locality["name"]),
            ("First recorded", _when(subject["recorded_at"])),
            ("Reason for export", doc["reason"]),
            ("Generated", f"{_when(doc['generated_at'])} by {doc['generated_by']}"),
        ],
        header=False,
    )

    if "register" in doc:
        _register(document, doc["register"])

    document.add_heading("Actions about this subject", 1)
    _actions(document, doc["actions"])

    document.add_heading("Meetings those actions came from", 1)
    if doc["meetings"]:
        _table(
            document,
            ("Meeting", "Date", "Group", "Minutes"),
            [
                (str(m["id"]), _day(m["date"]), m["locality"], m["minutes_status"])
                for m in doc["meetings"]
            ],
        )
    else:
        _note(document, "None.")

    if "escalations" in doc:
        document.add_heading("Escalations about this subject", 1)
        _escalations(document, doc["escalations"])

    mentions = doc["mentions"]
    document.add_heading("Minutes and decisions naming this subject", 1)
    _rows_or_none(
        document,
        ("Meeting", "Kind", "Text", "By", "When"),
        [
            (_meeting(e["meeting"]), e["kind"], e["text"], e["by"], _when(e["at"]))
            for e in mentions["minute_entries"]
        ],
    )
    document.add_heading("Share-round answers naming this subject", 1)
    _rows_or_none(
        document,
        ("Meeting", "Agency", "Answer", "By", "When"),
        [
            (_meeting(r["meeting"]), r["agency"], r["text"], r["by"], _when(r["at"]))
            for r in mentions["round_turns"]
        ],
    )
    document.add_heading("Challenges naming this subject", 1)
    _rows_or_none(
        document,
        ("Meeting", "Raised by", "Challenge", "Response", "Resolution", "Status"),
        [
            (
                _meeting(c["meeting"]),
                f"{c['raised_by']} ({c['raised_by_agency']})",
                " – ".join(x for x in (c["about"], c["text"]) if x),
                c["response"],
                c["resolution"],
                c["status"],
            )
            for c in mentions["challenges"]
        ],
    )
    document.add_heading("Other actions naming this subject", 1)
    _actions(document, mentions["actions"])
    if "escalations" in mentions:
        document.add_heading("Other escalations naming this subject", 1)
        _escalations(document, mentions["escalations"])
    _note(document, f"End of export. {MARKING}.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _register(document: DocxDocument, register: Mapping[str, Any]) -> None:
    """The register's part (``bot.services.subject_access_register``)."""
    record = register["record"]
    document.add_heading("The register record", 1)
    status = record["status_label"] + (
        f" ({record['status_reason']})" if record["status_reason"] else ""
    )
    _table(
        document,
        ("", ""),
        [
            ("Status", status),
            ("Risk", record["risk_label"]),
            ("Strands", ", ".join(record["strands"]) or "–"),
            ("Lead agency", record["lead_agency"] or "–"),
            ("First discussed", _day(record["first_discussed_on"]) or "–"),
            ("Last discussed", _day(record["last_discussed_on"]) or "–"),
            ("Last changed", _when(record["updated_at"]) or "–"),
        ],
        header=False,
    )
    checks = record.get("checks")
    if checks is not None:
        document.add_heading("Checks recorded for the child", 2)
        _table(
            document,
            ("Check", "Recorded"),
            [
                (name.replace("_", " ").capitalize(), value if value is not None else "–")
                for name, value in checks.items()
                if name != "not_yet_recorded"
            ],
        )
        if checks["not_yet_recorded"]:
            _note(document, "Not yet recorded: " + "; ".join(checks["not_yet_recorded"]) + ".")
    document.add_heading("History on the register", 1)
    _rows_or_none(
        document,
        ("Change", "To", "From", "Reason", "Meeting", "By", "When"),
        [
            (
                e["kind"],
                e["value"],
                e["previous"],
                e["reason"],
                _meeting(e["meeting"]),
                e["by"],
                _when(e["at"]),
            )
            for e in register["history"]
        ],
    )
    document.add_heading("Links to other subjects", 1)
    _rows_or_none(
        document,
        ("Linked to", "Reason", "Meeting", "By", "Linked", "Removed"),
        [
            (
                f"{link['other_kind_label']} {link['other_reference']}",
                link["reason"],
                _meeting(link["meeting"]),
                link["by"],
                _when(link["linked_at"]),
                _when(link["removed_at"]),
            )
            for link in register["links"]
        ],
    )
    document.add_heading("Meetings that discussed this subject", 1)
    _rows_or_none(
        document,
        ("Meeting", "Item", "Status"),
        [(_meeting(d["meeting"]), d["item"], d["status"]) for d in register["discussed_in"]],
    )
    document.add_heading("Minutes and decisions about this subject", 1)
    _rows_or_none(
        document,
        ("Meeting", "Kind", "Text", "By", "When"),
        [
            (_meeting(e["meeting"]), e["kind"], e["text"], e["by"], _when(e["at"]))
            for e in register["minute_entries"]
        ],
    )
    document.add_heading("Share-and-challenge answers in rounds about this subject", 1)
    _rows_or_none(
        document,
        ("Meeting", "Agency", "Answer", "By", "When"),
        [
            (
                _meeting(r["meeting"]),
                r["agency"] + (f" ({r['service']})" if r["service"] else ""),
                r["text"],
                r["by"],
                _when(r["at"]),
            )
            for r in register["round_turns"]
        ],
    )
    document.add_heading("Shared with or transferred to other groups", 1)
    _rows_or_none(
        document,
        ("What", "From", "To", "Status", "Reason", "Asked", "Decided"),
        [
            (
                sh["mode"],
                sh["from"],
                sh["to"],
                sh["status"],
                sh["reason"],
                f"{_when(sh['asked_at'])} by {sh['asked_by']}",
                f"{_when(sh['decided_at'])} by {sh['decided_by']}" if sh["decided_at"] else "",
            )
            for sh in register["shares"]
        ],
    )


def _actions(document: DocxDocument, actions: Sequence[Mapping[str, Any]]) -> None:
    if not actions:
        _note(document, "None.")
        return
    for action in actions:
        document.add_heading(_t(f"{action['reference']} ({action['status']})"), 2)
        _table(
            document,
            ("", ""),
            [
                ("What", action["description"]),
                ("Owner", f"{action['owner']} ({action['agency']})"),
                ("Due", _day(action["due_date"])),
                ("Agreed at", _meeting(action["agreed_at_meeting"])),
                ("Created", f"{_when(action['created_at'])} by {action['created_by']}"),
                ("Last changed", _when(action["updated_at"])),
            ]
            + (
                [("New date asked for", f"{_day(r)}: {action['request_reason']}")]
                if (r := action["requested_due_date"])
                else []
            ),
            header=False,
        )
        _table(
            document,
            ("History", "Note", "By", "When"),
            [(e["kind"], e["note"], e["by"], _when(e["at"])) for e in action["history"]],
        )


def _escalations(document: DocxDocument, escalations: Sequence[Mapping[str, Any]]) -> None:
    """Escalations to the Operational or Strategic group
    (``bot.services.subject_access_escalations``), one table each like an action."""
    if not escalations:
        _note(document, "None.")
        return
    for e in escalations:
        document.add_heading(_t(f"{e['reference']} ({e['status_label']})"), 2)
        rows = [
            ("Escalated", f"{e['kind']} {e['record']}"),
            ("To", e["group"]),
            ("Raised", f"{_when(e['raised_at'])} by {e['raised_by']}"),
            ("Raised at", _meeting(e["raised_in_meeting"])),
            ("What", e["what"]),
            ("Why", e["why"]),
        ]
        if e["responded_at"]:
            rows += [
                ("Response", e["response"]),
                ("Decision", e["decision"]),
                ("Responded", f"{_when(e['responded_at'])} by {e['responded_by']}"),
            ]
        if e["closed_at"]:
            rows += [
                ("Close note", e["close_note"]),
                ("Closed", f"{_when(e['closed_at'])} by {e['closed_by']}"),
            ]
        _table(document, ("", ""), rows, header=False)


def _rows_or_none(
    document: DocxDocument, headers: Sequence[str], rows: Sequence[Sequence[str]]
) -> None:
    if rows:
        _table(document, headers, rows)
    else:
        _note(document, "None.")


def _table(
    document: DocxDocument,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    header: bool = True,
) -> None:
    table = document.add_table(rows=1 if header else 0, cols=len(headers))
    table.style = "Table Grid"
    if header:
        for cell, heading in zip(table.rows[0].cells, headers, strict=True):
            run = cell.paragraphs[0].add_run(heading)
            run.bold = True
            run.font.size = Pt(9)
    for values in rows:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            run = cell.paragraphs[0].add_run(_t(str(value or "")))
            run.font.size = Pt(9)
            run.bold = not header and index == 0
    document.add_paragraph()


def _set_up(document: DocxDocument, doc: Mapping[str, Any]) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(20))
    section.different_first_page_header_footer = False
    for part in (section.header, section.footer):
        part.is_linked_to_previous = False
        paragraph = part.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(MARKING)
        run.bold = True
        run.font.color.rgb = _RED
    properties = document.core_properties
    properties.title = "Subject access export"
    properties.category = CLASSIFICATION
    properties.keywords = CLASSIFICATION
    properties.author = "MACE bot"
    properties.last_modified_by = "MACE bot"
    generated = datetime.fromisoformat(doc["generated_at"])
    properties.created = utc_naive(generated)
    properties.modified = utc_naive(generated)


def _note(document: DocxDocument, text: str) -> None:
    run = document.add_paragraph().add_run(_t(text))
    run.italic = True
    run.font.color.rgb = _GREY


def _meeting(ref: Mapping[str, Any] | None) -> str:
    if not ref:
        return ""
    return f"#{ref['id']}, {_day(ref['date'])}" if ref.get("date") else f"#{ref['id']}"


def _day(value: str | None) -> str:
    return format_date(date.fromisoformat(value)) if value else ""


def _when(value: str | None) -> str:
    return format_datetime(datetime.fromisoformat(value)) if value else ""


def _t(text: str) -> str:
    return xml_safe(text)
