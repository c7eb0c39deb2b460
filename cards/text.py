"""Wording and formatting shared by every card: dates, times, counts, clipped text.

Kept apart from the element builders so that the same words ("Still to answer",
"12:34 of 30 min") come out the same on every card, and so that no card grows past what
Teams accepts because somebody typed a long paragraph.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.domain.model import ChallengeStatus, MeetingStatus, MinutesStatus

# Every MACE locality group this serves meets in England; times on cards are UK times
# whatever zone the server keeps its clock in.
UK_TIME = ZoneInfo("Europe/London")

# Lengths at which text typed by people is cut on a card. The full text stays in the
# store; cards are a view, and a channel post should carry the least detail that works.
LIST_CHARS = 160  # one line in a long list (the live agenda)
SUMMARY_CHARS = 300  # the end-of-meeting summary and the challenges list
ANSWER_CHARS = 800  # an agency's answer in a share-and-challenge round
NAME_CHARS = 120  # people, names and short labels

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

MEETING_STATUS_LABELS: dict[MeetingStatus, str] = {
    MeetingStatus.IN_PROGRESS: "In progress",
    MeetingStatus.ENDED: "Ended",
}

MINUTES_STATUS_LABELS: dict[MinutesStatus, str] = {
    MinutesStatus.DRAFT: "Draft (not yet agreed)",
    MinutesStatus.AGREED: "Agreed as accurate",
}

CHALLENGE_STATUS_LABELS: dict[ChallengeStatus, str] = {
    ChallengeStatus.OPEN: "Open",
    ChallengeStatus.RESOLVED: "Resolved",
    ChallengeStatus.ESCALATED: "Escalated",
}

STILL_TO_ANSWER = "Still to answer"
NOT_AN_AGENCY = "The plan / something else"
MARKING = "OFFICIAL-SENSITIVE: for members of this group only. No onward disclosure."


def clip(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, cut at a word with an ellipsis.

    Whitespace is folded because a card line is not the place for a typed layout, and
    a cut mid-word reads like a typo.
    """
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: max(limit - 1, 1)]
    space = cut.rfind(" ")
    if space >= len(cut) * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


#: Characters that start or end markdown inline anywhere in a line: emphasis, code, links
#: and images (``[``, ``]``), autolinks and HTML (``<``, ``>``), strike-through, tables
#: and the backslash itself.
_INLINE_MARKDOWN = re.compile(r"([\\`*_\[\]<>~|])")
#: What makes a line a heading, quote, list item or rule when it starts one.
_LINE_MARKDOWN = re.compile(r"^(\s*)([#>+=-])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
#: An HTML entity (``&#91;`` would come out as ``[``).
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
#: A bare address some clients link by themselves: ``https://``, ``mailto:``, ``www.``.
_BARE_LINK = re.compile(r"(?i)\b(https?|ftp|file|mailto|tel|sip|msteams|www)([:.])")
#: U+2060 WORD JOINER: invisible, and breaks a bare address so it is not made a link.
_JOINER = "\u2060"


def plain(text: str) -> str:
    """``text`` made to show exactly as it is in a TextBlock or FactSet, which render
    markdown in Teams: a name written as ``[Click me](https://evil.example)`` must not
    become a link, nor ``**x**`` bold, ``# x`` a heading or ``1. x`` a list.

    For every text a person did not type as free text into this card's place: names of
    members, agencies and groups (set by an administrator or read from the directory),
    titles, filters read back. Free text (minutes, descriptions, answers) never goes into
    a TextBlock at all: it goes into TextRuns (``cards.elements.rich``), which render no
    markdown, and must not pass through here (a TextRun would show the backslashes).

    Markdown characters are escaped with a backslash (CommonMark, as Teams renders it),
    and a bare web or mail address gets an invisible word joiner after its scheme so no
    client turns it into a link.
    """
    escaped = _INLINE_MARKDOWN.sub(r"\\\1", text)
    escaped = _ENTITY.sub(r"\\&", escaped)
    escaped = _LINE_MARKDOWN.sub(r"\1\\\2", escaped)
    escaped = _NUMBERED.sub(r"\1\\\2", escaped)
    return _BARE_LINK.sub(lambda m: m.group(1) + _JOINER + m.group(2), escaped)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 action', '3 actions': counts are read aloud by screen readers too."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def format_date(day: date) -> str:
    """'Tue 3 Nov 2026': unambiguous for every partner, whatever their locale."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def uk_time(moment: datetime) -> datetime:
    """A stored time as it was on the clock in the room; naive times are taken as UK."""
    return moment.astimezone(UK_TIME) if moment.tzinfo is not None else moment


def format_time(moment: datetime) -> str:
    return f"{uk_time(moment):%H:%M}"


def format_elapsed(seconds: int, limit_minutes: int) -> str:
    """'12:34 of 30 min': time used against the item's limit, as the chair reads it."""
    used = max(seconds, 0)
    return f"{used // 60:02d}:{used % 60:02d} of {limit_minutes} min"


def is_over_time(seconds: int, limit_minutes: int) -> bool:
    return seconds > limit_minutes * 60


def meeting_title(locality_name: str) -> str:
    """For a TextBlock: the group's name is shown as written (``plain``)."""
    return f"MACE {plain(locality_name)} locality meeting"
