"""What a member reads of their groups' past meetings in a personal chat (issue 16,
point 4): the list of meetings, newest first, and one meeting's decisions and actions.

Partners are asked to agree the draft minutes at the next meeting (agenda item 2), so
every member of a group may read them: these views carry what the card shows, already
stripped of what the reader may not see (a person of concern, where the group's rule
does not let them see persons of concern).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.views import MeetingView


@dataclass(frozen=True, slots=True)
class PastMeetingRow:
    """One ended meeting in the list: where, when, whether its minutes are agreed."""

    meeting_id: int
    locality: str
    held_on: date
    agreed: bool
    decisions: int
    actions: int


@dataclass(frozen=True, slots=True)
class PastMeetingsPage:
    """A page of the member's groups' ended meetings, newest first."""

    rows: tuple[PastMeetingRow, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True, slots=True)
class MinutesCardView:
    """One ended meeting's decisions and actions, for a member of its group.

    ``meeting.items`` hold only what the reader may see; ``restricted`` says that records
    about a person of concern were left out (as the Word minutes say "restricted")."""

    meeting: MeetingView
    agreed: bool
    restricted: bool = False
