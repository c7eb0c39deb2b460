"""Wording, dates and text hygiene shared by the export renderers.

The card builders have their own copy of the date wording (``cards.text``); this package
does not import ``cards`` so that a service or the command line can render an export
without pulling in the card layer. The formats are the same on purpose: "Thu 19 Nov 2026"
reads the same for every partner whatever their locale, and times are London times
whatever zone the server keeps.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.model import ActionStatus

UK_TIME = ZoneInfo("Europe/London")

#: The Government Security Classifications marking every export carries (domain.md: minutes
#: are marked OFFICIAL-SENSITIVE and carry no onward disclosure).
CLASSIFICATION = "OFFICIAL-SENSITIVE"
MARKING = f"{CLASSIFICATION} – not for onward disclosure"

ACTION_STATUS_LABELS: dict[ActionStatus, str] = {
    ActionStatus.OPEN: "Open",
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "Cancelled",
    ActionStatus.WITHDRAWN: "Withdrawn",
}

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# A spreadsheet treats a cell that starts with one of these as a formula (or, for tab and
# CR, strips them and then looks again), so text typed by a partner could run
# =HYPERLINK(...) or DDE on a coordinator's machine. OWASP's list, plus the full-width
# forms some spreadsheet input methods fold to their ASCII twins.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

# Characters XML 1.0 cannot carry. Both .xlsx and .docx are XML, and openpyxl and
# python-docx refuse such text outright, so one pasted control character would otherwise
# make the whole download fail.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def format_date(day: date) -> str:
    """'Thu 19 Nov 2026': unambiguous for every partner, whatever their locale."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def uk_time(moment: datetime) -> datetime:
    """A stored time as it was on the clock in the room; naive times are taken as UK."""
    return moment.astimezone(UK_TIME) if moment.tzinfo is not None else moment


def uk_naive(moment: datetime) -> datetime:
    """London wall-clock time without a zone: Excel cells cannot hold a time zone."""
    return uk_time(moment).replace(tzinfo=None)


def utc_naive(moment: datetime) -> datetime:
    """UTC without a zone, as document properties (W3CDTF, trailing Z) expect it."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UK_TIME)
    return aware.astimezone(UTC).replace(tzinfo=None)


def format_time(moment: datetime) -> str:
    return f"{uk_time(moment):%H:%M}"


def format_datetime(moment: datetime) -> str:
    """'Thu 19 Nov 2026 14:05', London time."""
    local = uk_time(moment)
    return f"{format_date(local.date())} {local:%H:%M}"


def xml_safe(text: str) -> str:
    """Text with the characters XML cannot hold removed (see ``_NOT_XML``)."""
    return _NOT_XML.sub("", text)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def neutralise_formula(text: str) -> str:
    """Prefix a formula-like cell with one apostrophe, which spreadsheets show as text.

    The apostrophe is visible in a plain-text reader, but that is the price OWASP's
    advice accepts: a CSV has no other way to say "this is text".
    """
    return "'" + text if is_formula_like(text) else text


def slug(text: str) -> str:
    """A file-name-safe fragment: letters, digits and single hyphens only."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "export"
