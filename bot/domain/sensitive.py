"""Spots identifying details in free text before it is saved, so the writer can confirm or
edit: a full date of birth, an NHS number, a phone number, an email address, a full
postcode.

Minutes and updates should name children only by case reference and initials; these are
the details that most often slip in. The check points them out rather than refusing, since
some are legitimate (a professional's work email); the writer decides. Findings carry the
kind and position only, never the text, so a finding can be logged or shown safely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

KIND_LABELS = {
    "date_of_birth": "a date of birth",
    "nhs_number": "an NHS number",
    "phone": "a phone number",
    "email": "an email address",
    "postcode": "a full postcode",
}

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|"
    "june|july|august|september|october|november|december"
)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_DATE = re.compile(
    rf"\b(?:(\d{{1,2}})[/.-](\d{{1,2}})[/.-](\d{{4}})"
    rf"|(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})\.?\s+(\d{{4}})"
    rf"|(\d{{4}})-(\d{{2}})-(\d{{2}}))\b",
    re.IGNORECASE,
)
_BIRTH_WORDS = re.compile(r"\b(?:dob|d\.o\.b\.?|born|date of birth|birthday)\b", re.I)
_NHS = re.compile(r"(?<![\d-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d-])")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+44\s?\(?0?\)?\s?|0)(?:7\d{3}|[1-3]\d{2,4})[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\d)"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_POSTCODE = re.compile(
    r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-HJKPSTUW\d]?|[A-PR-UWYZ]\d[A-HJKPSTUW])\s?\d[ABD-HJLNP-UW-Z]{2}\b",
    re.IGNORECASE,
)
_CHILD_AGE_YEARS = 25  # a full date within this many years could be a young person's birth


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # a key of KIND_LABELS
    start: int
    end: int

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (weights 10 down to 2)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _full_date(match: re.Match[str]) -> date | None:
    groups = match.groups()
    try:
        if groups[0]:
            return date(int(groups[2]), int(groups[1]), int(groups[0]))
        if groups[3]:
            month = _MONTH_NUMBERS[groups[4].lower()[:3]]
            return date(int(groups[5]), month, int(groups[3]))
        return date(int(groups[6]), int(groups[7]), int(groups[8]))
    except (ValueError, KeyError):
        return None


def find_identifying_details(text: str, today: date) -> list[Finding]:
    """Every identifying detail found, in order of position, without overlaps."""
    found: list[Finding] = []
    for match in _DATE.finditer(text):
        when = _full_date(match)
        if when is None or when > today:
            continue
        before = text[max(0, match.start() - 24) : match.start()]
        young = today.year - _CHILD_AGE_YEARS <= when.year <= today.year - 1
        if _BIRTH_WORDS.search(before) or (young and when.year <= today.year - 4):
            found.append(Finding("date_of_birth", match.start(), match.end()))
    for match in _NHS.finditer(text):
        if nhs_number_is_valid("".join(match.groups())):
            found.append(Finding("nhs_number", match.start(), match.end()))
    for match in _PHONE.finditer(text):
        found.append(Finding("phone", match.start(), match.end()))
    for match in _EMAIL.finditer(text):
        found.append(Finding("email", match.start(), match.end()))
    for match in _POSTCODE.finditer(text):
        found.append(Finding("postcode", match.start(), match.end()))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue  # an NHS number also looks like a phone number: keep the first, longest
        kept.append(finding)
    return kept


def describe(findings: list[Finding]) -> str:
    """'This looks like it contains a date of birth and a phone number.' (no text quoted)"""
    labels = list(dict.fromkeys(f.label for f in findings))
    if not labels:
        return ""
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"This looks like it contains {joined}."
