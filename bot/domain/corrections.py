"""Corrections before the minutes are agreed (issue 16): a minute, decision or action
recorded in error is corrected, or withdrawn, by the chair, deputy chair or minute-taker
(``Permission.CORRECT_RECORDS``), with a reason, until the meeting's minutes are agreed.

The record keeps showing that it was corrected ("(corrected)" beside it); a withdrawn
entry is kept in the store but left out of the minutes and of every count and list. What
an entry said before, and why it changed, are in ``record_corrections`` (encrypted).

These are the read models the correction cards are drawn from, and the words the service
and the cards share; nothing here reads the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.domain.model import MeetingStatus, MinutesStatus
from bot.domain.views import MemberView


class RecordKind(StrEnum):
    """What a correction card names: the three kinds of entry that can be corrected."""

    MINUTE = "minute"
    DECISION = "decision"
    ACTION = "action"

    @property
    def table(self) -> str:
        """The ``record_corrections.record_type`` of this kind of entry."""
        return "actions" if self is RecordKind.ACTION else "minute_entries"

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: The form's fields (Input ids), shared by the card and the service.
TEXT_FIELD = "correctedText"
DESCRIPTION_FIELD = "description"
OWNER_FIELD = "ownerId"
DUE_FIELD = "dueDate"
SUBJECT_KIND_FIELD = "subjectKind"
SUBJECT_REF_FIELD = "subjectRef"
SUBJECT_INITIALS_FIELD = "subjectInitials"
REASON_FIELD = "reason"
WITHDRAW_FIELD = "withdraw"
#: The "About" choice that leaves an action's subject as it is.
KEEP_SUBJECT = "keep"
#: A reason is a sentence or two: why the record was wrong.
MAX_REASON_CHARS = 500
#: An error about the whole form, shown in its banner (no field of its own).
FORM_ERROR = "correction"

MINUTES_LOCKED = (
    "The minutes of this meeting were agreed as accurate, so they can no longer be "
    "corrected. Nothing was changed."
)
NOTHING_CHANGED = "Nothing was changed: change what was recorded in error, or tick Withdraw."
ALREADY_WITHDRAWN = "That entry was already withdrawn; nothing was changed."
NEEDS_A_CURRENT_CLIENT = (
    "Corrections open in place of the card, shown only to you: press the button in a "
    "current Teams client. Nothing was changed."
)

#: How many entries one page of an item's correction list shows.
ENTRIES_PER_PAGE = 15


@dataclass(frozen=True, slots=True)
class CorrectableEntry:
    """One minute, decision or action in a correction list, its text already clipped."""

    kind: RecordKind
    id: int
    text: str
    corrected: bool = False
    withdrawn: bool = False
    #: For an action: "Owner, due 20 Nov 2026".
    detail: str = ""
    #: About a person of concern the viewer may not see: no text, nothing to press.
    restricted: bool = False


@dataclass(frozen=True, slots=True)
class ItemRecords:
    """An agenda item and how many entries it holds that can be corrected."""

    item_id: int
    position: int
    title: str
    count: int


@dataclass(frozen=True, slots=True)
class CorrectionListView:
    """What was recorded at a meeting, for choosing what to correct: the items with
    entries (``item`` None), or one item's entries, a page at a time."""

    meeting_id: int
    locality: str
    meeting_date: date
    status: MeetingStatus
    minutes_status: MinutesStatus
    items: tuple[ItemRecords, ...] = ()
    item: ItemRecords | None = None
    entries: tuple[CorrectableEntry, ...] = ()
    page: int = 1
    pages: int = 1


@dataclass(frozen=True, slots=True)
class CorrectionFormView:
    """One entry as it stands, for the form that corrects or withdraws it."""

    meeting_id: int
    status: MeetingStatus
    locality: str
    meeting_date: date
    item_id: int
    item_position: int
    item_title: str
    kind: RecordKind
    record_id: int
    text: str  # a minute's or decision's text, or an action's description
    owner_id: int | None = None
    due_date: date | None = None
    #: The action's subject as the conversation may see it ("" : none).
    subject: str = ""
    owners: tuple[MemberView, ...] = ()


@dataclass(frozen=True, slots=True)
class CorrectionSaved:
    """A correction saved: the meeting it changed and what to tell the person."""

    meeting_id: int
    item_id: int
    note: str
