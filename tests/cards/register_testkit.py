"""Invented views of the register's edit forms (children by reference and initials only),
for the card tests, the dialog fakes and their checks."""

from __future__ import annotations

from bot.domain.model import SubjectKind
from bot.domain.register import SEED_STRANDS, ChildChecks, RiskLevel, SubjectStatus
from bot.domain.register_forms import AddChoices, LinkRow, SubjectEdit, SubjectSaved

AGENCY_CHOICES = (
    ("police", "North Yorkshire Police"),
    ("childrens_social_care", "Children's Social Care"),
    ("health", "Health"),
)
STRAND_CHOICES = tuple((s.code, s.label) for s in SEED_STRANDS)


def make_subject_edit(
    kind: SubjectKind = SubjectKind.CHILD, *, meeting_id: int | None = 12
) -> SubjectEdit:
    shown = {
        SubjectKind.CHILD: "CR-0107 (J.S.)",
        SubjectKind.PERSON: "NYP-2026-0411 (K.L.)",
        SubjectKind.LOCATION: "Takeaway on Eastborough",
        SubjectKind.GROUP: "Northside group",
        SubjectKind.THEME: "Vape sales to under-16s",
    }[kind]
    return SubjectEdit(
        subject_id=7,
        kind=kind,
        shown=shown,
        locality_name="Scarborough",
        meeting_id=meeting_id,
        risk=RiskLevel.MEDIUM,
        status=SubjectStatus.OPEN,
        lead_agency="police",
        strands=("cce", "missing"),
        checks=ChildChecks(missing_episode=True, voice_recorded=False),
        agencies=AGENCY_CHOICES,
        strand_choices=STRAND_CHOICES,
        links=(
            LinkRow(31, SubjectKind.LOCATION, "Takeaway on Eastborough", RiskLevel.HIGH),
            LinkRow(32, SubjectKind.GROUP, "Northside group", None),
        )
        if kind is SubjectKind.CHILD
        else (),
    )


def make_add_choices() -> AddChoices:
    return AddChoices((("1", "Ryedale"), ("2", "Scarborough")), AGENCY_CHOICES, STRAND_CHOICES)


def make_saved(kind: SubjectKind = SubjectKind.CHILD) -> SubjectSaved:
    view = make_subject_edit(kind)
    return SubjectSaved(view.subject_id, kind, view.shown, "Risk now high (was medium).", 12)


def make_link_saved() -> SubjectSaved:
    return SubjectSaved(
        7,
        SubjectKind.CHILD,
        "CR-0107 (J.S.)",
        "Linked.",
        12,
        SubjectKind.PERSON,
        "NYP-2026-0411 (K.L.)",
        True,
    )
