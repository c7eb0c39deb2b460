"""Wording and formatting shared by every card: dates, times, counts, clipped text.

Kept apart from the element builders so that the same words ("Still to answer",
"12:34 of 30 min") come out the same on every card, and so that no card grows past what
Teams accepts because somebody typed a long paragraph.
"""

from __future__ import annotations

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
    return f"MACE {locality_name} locality meeting"
