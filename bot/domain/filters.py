"""What a coordinator types after "outstanding actions", read as filters.

People type filters the way they speak: "outstanding actions in Scarborough for police
overdue", "outstanding actions owned by Priya Shah due before 1 Dec". This module turns
that into an ``ActionFilter`` of raw names; the service resolves the names against the
store and answers an unknown one with what would be accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


@dataclass(frozen=True, slots=True)
class ActionFilter:
    locality: str | None = None
    agency: str | None = None
    owner: str | None = None
    overdue_only: bool = False
    due_before: date | None = None
    mine_only: bool = False
    #: The owners the name typed after "owned by" matched, by member number: what a
    #: page's address carries in place of the name (bot.domain.page_addresses).
    owner_ids: tuple[int, ...] = ()

    def describe(self) -> str:
        """The filter in words, for the card heading and the export's title."""
        parts = []
        if self.overdue_only:
            parts.append("overdue")
        if self.locality:
            parts.append(f"in {self.locality}")
        if self.agency:
            parts.append(f"for {self.agency}")
        if self.owner:
            parts.append(f"owned by {self.owner}")
        elif self.owner_ids:
            parts.append("owned by the person named in chat")
        if self.mine_only:
            parts.append("owned by you")
        if self.due_before:
            parts.append(f"due before {self.due_before.isoformat()}")
        return " ".join(parts) if parts else "all you may see"

    def as_data(self) -> dict[str, str]:
        """For a card's Next/Previous/export buttons: the same filter, as card data."""
        data = {
            "locality": self.locality or "",
            "agency": self.agency or "",
            "owner": self.owner or "",
            "overdue": "yes" if self.overdue_only else "",
            "dueBefore": self.due_before.isoformat() if self.due_before else "",
            "mine": "yes" if self.mine_only else "",
            "ownerIds": ".".join(str(i) for i in self.owner_ids),
        }
        return {k: v for k, v in data.items() if v}

    @classmethod
    def from_data(cls, data: dict[str, object]) -> ActionFilter:
        def text(key: str) -> str | None:
            value = data.get(key)
            return value.strip()[:120] or None if isinstance(value, str) else None

        due = text("dueBefore")
        try:
            due_before = date.fromisoformat(due) if due else None
        except ValueError:
            due_before = None
        return cls(
            locality=text("locality"),
            agency=text("agency"),
            owner=text("owner"),
            overdue_only=text("overdue") == "yes",
            due_before=due_before,
            mine_only=text("mine") == "yes",
            owner_ids=_member_numbers(text("ownerIds") or ""),
        )


#: The most owners a filter carries by number (a name rarely matches more than a few).
MAX_OWNER_IDS = 20


def _member_numbers(text: str) -> tuple[int, ...]:
    """``12.15``: member numbers, dot-separated (a dot is not escaped in an address);
    anything else in the list is dropped."""
    found = []
    for part in text.split(".")[:MAX_OWNER_IDS]:
        if part.isdigit() and 0 < int(part) <= 2_147_483_647:
            found.append(int(part))
    return tuple(dict.fromkeys(found))


class FilterError(ValueError):
    """A filter that cannot be read; the message says what would be accepted."""


_KEYWORDS = r"(?:in|at|for|agency|owned by|owner|by|due before|before|overdue|page)"


def parse_filters(text: str, today: date) -> tuple[ActionFilter, int]:
    """Read the words after "outstanding actions" into a filter and a page number."""
    words = " " + re.sub(r"\s+", " ", text.strip().lower()) + " "
    found = ActionFilter()
    page = 1
    if re.search(r"\boverdue\b", words):
        found = replace(found, overdue_only=True)
        words = re.sub(r"\boverdue\b", " ", words)
    if re.search(r"\b(?:mine|my)\b", words):
        found = replace(found, mine_only=True)
        words = re.sub(r"\b(?:mine|my)\b", " ", words)
    page_match = re.search(r"\bpage (\d{1,4})\b", words)
    if page_match:
        page = max(1, int(page_match.group(1)))
        words = words.replace(page_match.group(0), " ")
    due_match = re.search(r"\b(?:due before|before|due by) (.+?)(?= " + _KEYWORDS + r" |$)", words)
    if due_match:
        found = replace(found, due_before=parse_day(due_match.group(1).strip(), today))
        words = words.replace(due_match.group(0), " ")
    named: dict[str, str] = {}
    for pattern, field in (
        (r"\b(?:owned by|owner|by) (.+?)(?= " + _KEYWORDS + r" |$)", "owner"),
        (r"\b(?:in|at) (.+?)(?= " + _KEYWORDS + r" |$)", "locality"),
        (r"\b(?:for|agency) (.+?)(?= " + _KEYWORDS + r" |$)", "agency"),
    ):
        match = re.search(pattern, words)
        if match:
            named[field] = match.group(1).strip()
            words = words.replace(match.group(0), " ")
    found = replace(
        found,
        owner=named.get("owner"),
        locality=named.get("locality"),
        agency=named.get("agency"),
    )
    leftover = words.strip()
    if leftover:
        raise FilterError(
            "I could not read part of that as a filter. Add any of: **in** _group_, "
            "**for** _agency_, **owned by** _name_, **overdue**, **due before** _date_ "
            "(2026-12-01, 1/12/2026 or 1 Dec), **page** _n_."
        )
    return found, page


def parse_day(text: str, today: date) -> date:
    """2026-12-01, 1/12/2026, 1 Dec, 1 December 2026 (UK day-first)."""
    cleaned = text.strip().rstrip(".")
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            pass
    match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)(?: (\d{4}))?", cleaned)
    if match and match.group(2) in MONTHS:
        year = int(match.group(3)) if match.group(3) else today.year
        try:
            when = date(year, MONTHS[match.group(2)], int(match.group(1)))
        except ValueError:
            pass
        else:
            if not match.group(3) and when < today:
                when = date(year + 1, when.month, when.day)
            return when
    raise FilterError("I could not read that date. Use for example 2026-12-01, 1/12/2026 or 1 Dec.")
