"""What a member types after "subjects", read as filters on the register.

People ask the way they speak (issue 15, point 6): "subjects in Scarborough", "locations of
concern", "high risk", "not discussed for 3 months", "children high risk in Whitby page 2".
This module turns those words into a ``SubjectFilter`` of raw names (a group, a strand);
the service resolves the names against the store. Pure: no I/O, the clock passed in.

Words that are not understood are refused with the words themselves (clipped: what was
typed in a personal chat is shown back only to its writer, and never more than needed)
and what is understood, rather than guessed at.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bot.domain.model import SubjectKind
from bot.domain.register import RiskLevel

#: The kind words, longest first so "locations of concern" wins over "locations".
KIND_WORDS: tuple[tuple[str, SubjectKind], ...] = (
    ("persons of concern", SubjectKind.PERSON),
    ("people of concern", SubjectKind.PERSON),
    ("locations of concern", SubjectKind.LOCATION),
    ("places of concern", SubjectKind.LOCATION),
    ("organised groups", SubjectKind.GROUP),
    ("peer groups", SubjectKind.GROUP),
    ("children", SubjectKind.CHILD),
    ("locations", SubjectKind.LOCATION),
    ("groups", SubjectKind.GROUP),
    ("themes", SubjectKind.THEME),
)

#: Risk words, longest first: "very high risk" is only very high; "high risk" is high
#: and very high (what a chair means by it).
RISK_WORDS: tuple[tuple[str, frozenset[RiskLevel]], ...] = (
    ("very high risk", frozenset({RiskLevel.VERY_HIGH})),
    ("high risk", frozenset({RiskLevel.HIGH, RiskLevel.VERY_HIGH})),
    ("medium risk", frozenset({RiskLevel.MEDIUM})),
    ("low risk", frozenset({RiskLevel.LOW})),
)

#: Each kind in the plural, for a list's heading.
KIND_PLURALS: dict[SubjectKind, str] = {
    SubjectKind.CHILD: "children",
    SubjectKind.PERSON: "persons of concern",
    SubjectKind.LOCATION: "locations of concern",
    SubjectKind.GROUP: "peer or organised groups",
    SubjectKind.THEME: "themes",
}

UNDERSTOOD = (
    "I understand: **in** _group_, **children**, **persons of concern**, "
    "**locations of concern**, **groups**, **themes**, **high risk**, **very high risk**, "
    "**medium risk**, **low risk**, **not discussed for** _n_ **weeks** or **months**, "
    "**strand** _name_, **closed**, **page** _n_."
)

#: How much of the words not understood is shown back.
ECHO_CHARS = 40

_UNITS = {"week": "weeks", "weeks": "weeks", "month": "months", "months": "months"}


class SubjectFilterError(ValueError):
    """Words that cannot be read as a filter; the message says which and what would be."""


@dataclass(frozen=True, slots=True)
class SubjectFilter:
    """The register's filters, as typed (names not yet resolved)."""

    #: A group's name or code, as typed.
    locality: str | None = None
    kinds: frozenset[SubjectKind] = frozenset()
    risks: frozenset[RiskLevel] = frozenset()
    #: "not discussed for N weeks|months": (N, "weeks" or "months").
    not_discussed_for: tuple[int, str] | None = None
    #: A strand's code or words of its label, as typed.
    strand: str | None = None
    #: Closed subjects are left out unless asked for.
    closed: bool = False

    def not_discussed_since(self, today: date) -> date | None:
        """The day before which a subject counts as not discussed (or never was)."""
        if self.not_discussed_for is None:
            return None
        count, unit = self.not_discussed_for
        if unit == "weeks":
            return today - timedelta(weeks=count)
        return months_before(today, count)

    def describe(self) -> str:
        """The filter in words, for the list's heading."""
        parts: list[str] = []
        if self.kinds:
            parts.append(" and ".join(KIND_PLURALS[k] for k in SubjectKind if k in self.kinds))
        if self.risks == frozenset({RiskLevel.HIGH, RiskLevel.VERY_HIGH}):
            parts.append("high or very high risk")
        elif self.risks:
            parts.append(
                " or ".join(r.value.replace("_", " ") for r in RiskLevel if r in self.risks)
                + " risk"
            )
        if self.locality:
            parts.append(f"in {self.locality}")
        if self.strand:
            parts.append(f"strand {self.strand}")
        if self.not_discussed_for:
            count, unit = self.not_discussed_for
            parts.append(f"not discussed for {count} {unit if count != 1 else unit[:-1]}")
        parts.append("open, monitoring or closed" if self.closed else "open or monitoring")
        return ", ".join(parts)


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


_KIND_RE = "|".join(re.escape(w) for w, _ in KIND_WORDS)
_RISK_RE = r"(?:very )?high[- ]risk|medium[- ]risk|low[- ]risk"
#: Where a named value ("in ...", "strand ...") ends: at the next filter word.
_STOP = r"(?= (?:in|strand|closed|page \d|not discussed|" + _RISK_RE + "|" + _KIND_RE + r")\b| *$)"


def parse_subject_filters(text: str) -> tuple[SubjectFilter, int]:
    """Read the words after "subjects" into a filter and a page number."""
    words = " " + re.sub(r"\s+", " ", text.strip().lower()) + " "
    found = SubjectFilter()
    page = 1
    problems: list[str] = []

    named: dict[str, str] = {}
    for pattern, field_name in (
        (r" in (.+?)" + _STOP, "locality"),
        (r" strand (.+?)" + _STOP, "strand"),
    ):
        match = re.search(pattern, words)
        if match:
            named[field_name] = match.group(1).strip()
            words = words[: match.start()] + " " + words[match.end() :]
    found = replace(found, locality=named.get("locality"), strand=named.get("strand"))

    page_match = re.search(r" page (\d{1,4})(?= )", words)
    if page_match:
        page = max(1, int(page_match.group(1)))
        words = words.replace(page_match.group(0), " ", 1)

    stale = re.search(r" not discussed(?: for)? (\d{1,3}) (weeks?|months?)(?= )", words)
    if stale:
        count = int(stale.group(1))
        if count < 1:
            problems.append("**not discussed for** needs a number of weeks or months from 1")
        found = replace(found, not_discussed_for=(max(1, count), _UNITS[stale.group(2)]))
        words = words.replace(stale.group(0), " ", 1)
    elif re.search(r" not discussed\b", words):
        raise SubjectFilterError(
            "Say how long, for example **not discussed for 3 months** or "
            "**not discussed for 6 weeks**."
        )

    risks: set[RiskLevel] = set()
    for phrase, levels in RISK_WORDS:
        pattern = " " + phrase.replace(" ", "[- ]") + " "
        while re.search(pattern, words):
            risks |= levels
            words = re.sub(pattern, "  ", words, count=1)
    kinds: set[SubjectKind] = set()
    for phrase, kind in KIND_WORDS:
        while f" {phrase} " in words:
            kinds.add(kind)
            words = words.replace(f" {phrase} ", "  ", 1)
    if re.search(r" closed ", words):
        found = replace(found, closed=True)
        words = re.sub(r" closed ", "  ", words)
    found = replace(found, kinds=frozenset(kinds), risks=frozenset(risks))

    if found.locality == "" or found.strand == "":
        problems.append("**in** and **strand** need a name after them")
    leftover = re.sub(r"\s+", " ", words).strip()
    if leftover:
        shown = leftover if len(leftover) <= ECHO_CHARS else leftover[: ECHO_CHARS - 1] + "…"
        problems.insert(0, f"I did not understand “{shown}”")
    if problems:
        raise SubjectFilterError(". ".join(problems) + ". " + UNDERSTOOD)
    return found, page
