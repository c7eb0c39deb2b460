"""Spots identifying details in free text before it is saved, so the writer can confirm or
edit: a full date of birth, an NHS number, a phone number, an email address, a full
postcode, a street address, and a person's name where the text itself marks it as one.

What is and is not recognised, exactly (docs/data-protection.md repeats it):

* a *street address*: a house number (``12``, ``14a``, ``3-5``) followed by one to three
  capitalised words and a street word (Road, Street, Lane, Avenue, Close, Drive, Way,
  Court, Crescent, Terrace, Place, Gardens, Grove, Walk, Row, Hill, Mews, Square, Rise,
  Parade, View, Green, Vale and the abbreviations Rd, St, Ave); and a flat or apartment
  number (``Flat 3``, ``flat 3B``, ``Apartment 12``). A street named without a house
  number ("seen on Castle Road") is *not* an address: a street is a public place, and
  saying where something happened is what a location is for.
* a *name*, only where the text marks it as one: a title (Mr, Mrs, Ms, Miss, Mx, Dr,
  with or without a full stop) followed by a capitalised word (``Mr Smith``, ``Mrs J.
  Khan``), or a capitalised word after "named", "called", "known as" or "name is"
  (``a male called Tyler``). A bare name ("John Smith", "Tyler") is *not* recognised:
  nothing in the text tells it from a place, a team or a street, and a check that pointed
  at every capitalised pair would be ignored. After "called", the words for an agency or
  a family role ("called Police", "called Mum") are not taken for names.

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
    "address": "a street address",
    "name": "a person's name",
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
_STREET_WORDS = (
    "Road|Street|Lane|Avenue|Close|Drive|Way|Court|Crescent|Terrace|Place|Gardens|Grove|"
    "Walk|Row|Hill|Mews|Square|Rise|Parade|View|Green|Vale|Rd|Ave|St(?!\\.?\\s+[A-Z])"
)
#: A house number, then one to three capitalised words, then a street word (capitalised:
#: "3 hours walk" is not an address).
_STREET_ADDRESS = re.compile(
    rf"(?<![\w/.-])\d{{1,4}}[A-Za-z]?(?:\s?-\s?\d{{1,4}}[A-Za-z]?)?,?\s+"
    rf"(?:[A-Z][A-Za-z'’-]*\s+){{1,3}}(?:{_STREET_WORDS})\b\.?"
)
_FLAT = re.compile(r"\b(?:flat|apartment|apt\.?)\s+\d{1,4}[A-Za-z]?\b", re.IGNORECASE)
#: A title and a capitalised word, optionally after initials ("Mrs J. Khan").
_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+(?:[A-Z]\.?\s+)*[A-Z][A-Za-z'’-]+")
_NAMED = re.compile(r"\b(?:named|called|known\s+as|name\s+is)\s+[\"'‘“]?([A-Z][A-Za-z'’-]+)")
#: Words after "called" that name an agency or a family role, not a person.
_NOT_A_NAME = frozenset(
    {
        "police",
        "mum",
        "mother",
        "dad",
        "father",
        "nan",
        "gran",
        "grandma",
        "grandad",
        "social",
        "children",
        "children's",
        "childrens",
        "health",
        "school",
        "education",
        "camhs",
        "the",
        "ambulance",
        "emergency",
        "services",
        "care",
        "nhs",
        "gp",
        "999",
        "101",
        "crimestoppers",
        "childline",
        "duty",
        "edt",
        "mash",
        "yot",
        "he",
        "she",
        "they",
        "him",
        "her",
        "them",
        "me",
        "us",
        "it",
        "back",
        "in",
        "out",
        "off",
        "for",
    }
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
    found.extend(Finding("address", m.start(), m.end()) for m in _addresses(text))
    for match in _TITLED_NAME.finditer(text):
        found.append(Finding("name", match.start(), match.end()))
    for match in _NAMED.finditer(text):
        if match.group(1).lower() not in _NOT_A_NAME:
            found.append(Finding("name", match.start(1), match.end(1)))
    found.sort(key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Finding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue  # an NHS number also looks like a phone number: keep the first, longest
        kept.append(finding)
    return kept


def _addresses(text: str) -> list[re.Match[str]]:
    return [*_STREET_ADDRESS.finditer(text), *_FLAT.finditer(text)]


#: For a location's description only: the street address in any case ("14 mill lane").
#: Too eager for running text ("a 3 hours walk"), where only the capitalised form counts.
_ANY_CASE_ADDRESS = re.compile(_STREET_ADDRESS.pattern, re.IGNORECASE)


def looks_like_address(text: str) -> bool:
    """True when ``text`` holds a house address: a house number and a street, or a flat.

    For a location's short description, which is *never* a private address (the
    register's form refuses it rather than nudging): a place is described as the public
    know it ("the Co-op on High Street", "Peasholm Park toilets"), and a house number
    turns a place into somebody's home. Stricter than the nudge: the street may be
    written in any case ("14 mill lane"). A street without a number passes, and so does a
    postcode on its own (that is nudged, like anywhere else).
    """
    return bool(_addresses(text) or _ANY_CASE_ADDRESS.search(text))


#: What a form shows beside a location description that ``looks_like_address``.
ADDRESS_REFUSED = (
    "A location is never recorded by a private address: describe the place without a "
    'house or flat number (for example "the Co-op on High Street").'
)


def describe(findings: list[Finding]) -> str:
    """'This looks like it contains a date of birth and a phone number.' (no text quoted)"""
    labels = list(dict.fromkeys(f.label for f in findings))
    if not labels:
        return ""
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"This looks like it contains {joined}."
