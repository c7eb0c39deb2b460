"""The register subjects in the Word minutes (issue 15): under items 4-7, a section per
subject discussed, in the order the chair listed them.

Each section has the subject's heading (its kind, and a child or person of concern only by
reference and initials, as ``subject_display`` allows), the risk at the meeting, then what
the meeting recorded about it: minutes, decisions, actions, changes to the register
(risk, status, lead agency, strands, each with its reason), links made and the
share-and-challenge rounds about it. What a section holds is not repeated under its item;
what was recorded about no subject stays under the item as before.

A person of concern the downloader may not see is a heading only, "A person of concern
(restricted)", with nothing under it (the service has already left what was recorded
about them out of the whole document: ``bot.services.minutes_subjects``).
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.document import Document as DocxDocument
from docx.shared import Pt

from bot.domain.views import SubjectMinutesView
from bot.exports._docx import (
    _action_rows,
    _note,
    _para,
    _table,
    _text,
    _write_entries,
    _write_round,
    entry_text,
)


def claimed(sections: Sequence[SubjectMinutesView]) -> tuple[set[int], set[int], set[int]]:
    """Ids of the entries (minutes and decisions), actions and rounds the sections show."""
    entries = {e.id for s in sections for e in (*s.minutes, *s.decisions)}
    actions = {a.id for s in sections for a in s.actions}
    rounds = {r.id for s in sections for r in s.rounds}
    return entries, actions, rounds


def write_subject_sections(document: DocxDocument, sections: Sequence[SubjectMinutesView]) -> None:
    for section in sections:
        write_subject_section(document, section)


def write_subject_section(document: DocxDocument, section: SubjectMinutesView) -> None:
    document.add_heading(_text(section.heading), 2)
    if section.restricted:
        return
    paragraph = document.add_paragraph()
    paragraph.add_run("Risk at the meeting: ").bold = True
    paragraph.add_run(_text(section.risk or "Not rated"))
    if section.minutes:
        document.add_heading("Minutes", 3)
        _write_entries(document, section.minutes)
    if section.decisions:
        document.add_heading("Decisions", 3)
        for decision in section.decisions:
            _para(document, entry_text(decision), style="List Bullet")
    if section.actions:
        document.add_heading("Actions", 3)
        _table(
            document,
            ("Ref", "Action", "Owner", "Agency", "Due", "Subject"),
            (15, 47, 26, 27, 26, 29),
            _action_rows(section.actions),
        )
    if section.changes or section.links:
        document.add_heading("Changes to the register", 3)
        for line in (*section.changes, *section.links):
            _para(document, line, style="List Bullet")
    for number, round_view in enumerate(section.rounds, start=1):
        _write_round(document, round_view, number if len(section.rounds) > 1 else None, level=3)
    if not (section.minutes or section.decisions or section.actions or section.rounds):
        last = _note(document, "Nothing else was recorded about this subject at this meeting.")
        last.paragraph_format.space_after = Pt(6)
