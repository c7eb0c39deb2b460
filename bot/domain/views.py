"""Read models handed to the card builders.

Cards are pure functions of these: every value a card shows (including time used on the
current item) is computed by a service with its clock, so a card never queries anything
and a test can build any card from literals. Children appear here only as a case
reference with initials (``subject``), never more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.domain.escalations import AgendaLine
from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    ItemKind,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    Role,
    RoundStatus,
    SubjectKind,
    TurnOutcome,
)


@dataclass(frozen=True, slots=True)
class AgencyView:
    id: int
    code: str
    name: str
    is_key: bool = False


@dataclass(frozen=True, slots=True)
class MemberView:
    id: int
    name: str
    agency_id: int
    agency_name: str
    roles: tuple[Role, ...] = ()


@dataclass(frozen=True, slots=True)
class LocalityView:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class AttendanceView:
    agency: AgencyView
    status: AttendanceStatus | None  # None: not recorded yet
    people: str = ""  # who attended, or who sent apologies / substituted


@dataclass(frozen=True, slots=True)
class EntryView:
    id: int
    kind: EntryKind
    text: str
    author_name: str
    #: Corrected before the minutes were agreed (issue 16): shown "(corrected)".
    corrected: bool = False


@dataclass(frozen=True, slots=True)
class ActionView:
    id: int
    description: str
    owner_name: str
    agency_name: str
    due_date: date
    status: ActionStatus
    subject: str | None = None  # e.g. "CR-0001 (A.B.)"
    overdue: bool = False
    raised_on: date | None = None  # date of the meeting that agreed it
    escalated: bool = False  # chasing escalated it: flagged for review at the next meeting
    #: Corrected before the minutes were agreed (issue 16): shown "(corrected)".
    corrected: bool = False


@dataclass(frozen=True, slots=True)
class SubItemView:
    """A subject discussed under an item (items 4-7), as the agenda card shows it.

    ``label`` is already what the group's conversation may see
    (bot.domain.agenda.channel_label): a person of concern is "Person of concern 1", and
    neither its reference nor its risk is read into this view (``restricted``)."""

    id: int  # the item_subjects row
    subject_id: int
    position: int
    status: str  # bot.domain.agenda.SubItemStatus
    kind: SubjectKind
    label: str
    risk_label: str = ""  # "" when not rated, or restricted
    restricted: bool = False
    minutes_count: int = 0
    decisions_count: int = 0
    actions_count: int = 0

    @property
    def recorded(self) -> bool:
        """Whether anything was recorded against it (then it is never removed)."""
        return bool(self.minutes_count or self.decisions_count or self.actions_count)


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    position: int  # 1-based, as on the agenda
    kind: ItemKind
    title: str
    guidance: str
    time_limit_minutes: int
    status: ItemStatus
    elapsed_seconds: int
    minutes_count: int = 0
    decisions: tuple[EntryView, ...] = ()
    actions: tuple[ActionView, ...] = ()
    #: The subjects discussed under it, in the chair's order (items 4-7 only).
    sub_items: tuple[SubItemView, ...] = ()
    takes_subjects: bool = False

    @property
    def current_sub_item(self) -> SubItemView | None:
        return next((s for s in self.sub_items if s.status == "current"), None)


@dataclass(frozen=True, slots=True)
class ChallengeView:
    id: int
    raised_by_agency: str
    raised_by_name: str
    to_agency: str | None
    about: str
    text: str
    status: ChallengeStatus
    response: str = ""
    resolution: str = ""
    item_title: str = ""


@dataclass(frozen=True, slots=True)
class RoundAnswerView:
    """One answer given in a round: every answer is kept, in the order given."""

    outcome: TurnOutcome
    text: str = ""
    answered_by: str = ""
    at: datetime | None = None
    service: str = ""  # the agency's service that answered ("CAMHS"), when named
    challenge_to: str | None = None


@dataclass(frozen=True, slots=True)
class RoundTurnView:
    """An agency in a round. ``outcome``, ``text``... are its latest answer (or None:
    still to answer); ``answers`` every answer it gave, oldest first."""

    agency: AgencyView
    outcome: TurnOutcome | None  # None: still to answer
    text: str = ""
    answered_by: str = ""
    challenge_to: str | None = None
    answers: tuple[RoundAnswerView, ...] = ()


@dataclass(frozen=True, slots=True)
class RoundView:
    id: int
    meeting_id: int
    locality_name: str
    item_position: int
    item_title: str
    status: RoundStatus
    turns: tuple[RoundTurnView, ...]
    agencies: tuple[AgencyView, ...]  # every agency, for the challenge "to whom" choice
    challenges: tuple[ChallengeView, ...] = ()
    conversation_id: str = ""
    activity_id: str | None = None
    #: The subject the round is about, as the conversation may see it ("" : the item).
    subject: str = ""

    @property
    def still_to_answer(self) -> tuple[RoundTurnView, ...]:
        return tuple(t for t in self.turns if t.outcome is None)


@dataclass(frozen=True, slots=True)
class PreviousMinutesView:
    meeting_id: int
    meeting_date: date
    status: MinutesStatus
    decisions_count: int
    actions_count: int


#: How many open actions from earlier meetings an agenda lists (the rest are counted).
PREVIOUS_ACTIONS_LISTED = 30


@dataclass(frozen=True, slots=True)
class MeetingView:
    id: int
    locality: LocalityView
    status: MeetingStatus
    started_at: datetime
    ended_at: datetime | None
    chair_name: str
    items: tuple[ItemView, ...]
    current_position: int | None  # 1-based; None once ended
    attendance: tuple[AttendanceView, ...]  # one per agency, key agencies first
    missing_key_agencies: tuple[AgencyView, ...]
    #: Open actions from earlier meetings, soonest due first: at most
    #: ``PREVIOUS_ACTIONS_LISTED`` of them (a group can have hundreds open; the card lists
    #: the first and counts the rest, so only those are read and decrypted).
    previous_open_actions: tuple[ActionView, ...]
    previous_minutes: PreviousMinutesView | None
    agencies: tuple[AgencyView, ...]
    open_challenges: tuple[ChallengeView, ...] = ()
    open_round_id: int | None = None
    next_meeting_date: date | None = None
    minutes_status: MinutesStatus = MinutesStatus.DRAFT
    #: Where the live agenda card is, so it can be edited in place.
    conversation_id: str = ""
    agenda_activity_id: str | None = None
    #: Where the summary card posted at the end is (the newest), redrawn by a correction.
    summary_activity_id: str | None = None
    #: The meeting's version when this view was read (see tables.Meeting.version).
    version: int = 0
    #: Open actions from earlier meetings beyond those listed, and how many of those
    #: are overdue.
    previous_open_unlisted: int = 0
    previous_overdue_unlisted: int = 0
    #: The locality's escalations not yet closed, for item 8 (issue 16).
    escalations: tuple[AgendaLine, ...] = ()

    @property
    def previous_open_total(self) -> int:
        return len(self.previous_open_actions) + self.previous_open_unlisted

    @property
    def previous_overdue_total(self) -> int:
        listed = sum(1 for a in self.previous_open_actions if a.overdue)
        return listed + self.previous_overdue_unlisted

    @property
    def current_item(self) -> ItemView | None:
        if self.current_position is None:
            return None
        return self.items[self.current_position - 1]

    @property
    def current_sub_item(self) -> SubItemView | None:
        item = self.current_item
        return item.current_sub_item if item is not None else None

    @property
    def decisions(self) -> tuple[EntryView, ...]:
        return tuple(d for item in self.items for d in item.decisions)

    @property
    def actions(self) -> tuple[ActionView, ...]:
        return tuple(a for item in self.items for a in item.actions)


@dataclass(frozen=True, slots=True)
class ActionFormView:
    """What the form for recording an action is drawn from: the meeting, and everyone in
    its group who could own the action.

    The owners are read only for this form (opened, or handed back with errors), never
    for the live agenda card: a group can have hundreds of members, and the agenda is
    drawn again for every change made in the meeting."""

    meeting: MeetingView
    owners: tuple[MemberView, ...]


@dataclass(frozen=True, slots=True)
class GroupChoice:
    """A locality the person setting up may link a conversation to."""

    locality: LocalityView
    linked_here: bool = False


@dataclass(frozen=True, slots=True)
class WelcomeView:
    locality: LocalityView | None
    can_start: bool
    meeting_in_progress_id: int | None = None
    choices: tuple[GroupChoice, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class OutstandingActionRow:
    """One open action as a coordinator sees it in a list or an export."""

    id: int
    locality: str
    description: str
    owner_name: str
    agency_name: str
    due_date: date
    status: ActionStatus
    subject: str | None = None  # a child only as "CR-0001 (A.B.)"
    raised_on: date | None = None
    days_overdue: int = 0  # working days past the due date; 0 when not overdue
    escalated: bool = False
    last_update: str = ""
    last_update_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class MinutesDocumentView:
    """Everything the Word minutes of one meeting hold (agenda card views plus minute text,
    which only this document and the store carry)."""

    meeting: MeetingView
    minutes: tuple[tuple[int, tuple[EntryView, ...]], ...]  # (item id, minutes) in order
    rounds: tuple[RoundView, ...]
    challenges: tuple[ChallengeView, ...]  # raised at this meeting, with their outcome
    generated_at: datetime
    generated_for: str  # the person who downloaded it, printed in the footer
    #: The register subjects discussed under items 4-7, each with what was recorded about
    #: it (issue 15); what a section holds is not repeated under its item.
    subjects: tuple[SubjectMinutesView, ...] = ()


@dataclass(frozen=True, slots=True)
class OwnedActionView:
    """An action in its owner's "my actions" card, with what they can do next."""

    action: ActionView
    locality: str
    requested_due_date: date | None = None  # a new date asked for, awaiting the chair
    last_update: str = ""
    colleagues: tuple[MemberView, ...] = ()  # same agency, same group: hand-over choices


@dataclass(frozen=True, slots=True)
class OutstandingPage:
    rows: tuple[OutstandingActionRow, ...]
    total: int
    page: int
    pages: int
    description: str  # the filter in words
    filter_data: dict[str, str] = field(default_factory=dict)  # to page or export the same
    #: The rows' actions the viewer may escalate (chair or deputy there; issue 16).
    can_escalate: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class DateRequestView:
    """A request for a new due date, as the chair sees it."""

    action_id: int
    locality: str
    owner_name: str
    agency_name: str
    current_due: date
    requested_due: date
    reason: str
    description: str
    decided: str = ""  # "accepted" / "refused" once decided


@dataclass(frozen=True, slots=True)
class SubjectMinutesView:
    """One register subject as the Word minutes show it under its agenda item.

    ``restricted``: a person of concern the downloader may not see; the heading is then
    "A person of concern (restricted)" and every other field is empty (what was recorded
    about them is left out of the whole document, not only from this section).
    """

    item_id: int
    heading: str  # "Child: CR-0001 (J.S.)", as subject_display allows
    restricted: bool = False
    risk: str = ""  # the risk at the meeting, in words ("High", "Not rated")
    minutes: tuple[EntryView, ...] = ()
    decisions: tuple[EntryView, ...] = ()
    actions: tuple[ActionView, ...] = ()
    #: What changed on the register at this meeting: risk, status, lead agency, strands.
    changes: tuple[str, ...] = ()
    #: Links recorded at this meeting, the other end by kind and reference.
    links: tuple[str, ...] = ()
    rounds: tuple[RoundView, ...] = ()


@dataclass(frozen=True, slots=True)
class SubjectExportRow:
    """One register subject as the XLSX export's "Subjects" sheet shows it (issue 15)."""

    reference: str  # as subject_display allows: "CR-0001 (J.S.)", "Bus station"
    kind: str  # "Child", "Location of concern"...
    locality: str
    status: str
    risk: str
    strands: str  # labels, comma-separated
    lead_agency: str
    first_discussed: date | None
    last_discussed: date | None
    open_actions: int
    #: A child's checks, one value per ``CHECK_COLUMNS`` heading (empty for other kinds
    #: and for what is not recorded yet): text, "Yes"/"No", or a date.
    checks: tuple[str | date, ...] = ()


# -- the chair's control of actions (issue 16) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class ActionEventView:
    """One entry of an action's history: what happened, by whom, when, in which meeting.

    ``note`` is what was typed (an update, what was done, why); for a hand-over or a
    reassignment it is "from <name> to <name>", drawn from the directory."""

    kind: str  # an ActionEventKind value
    note: str
    by: str
    at: datetime
    meeting_date: date | None = None


@dataclass(frozen=True, slots=True)
class ActionCardView:
    """One action as its own card shows it: the action, its history, and what the person
    may do with it (``may_control``: mark done, carry forward, reassign or cancel, for a
    chair, deputy chair or coordinator of its group, while it is open).

    ``owners`` (the group's members, for reassigning) is read only for the review form;
    ``meeting_id`` is the meeting the form was opened from (item 3), if any."""

    action: ActionView
    locality: str
    history: tuple[ActionEventView, ...] = ()
    history_total: int = 0
    may_control: bool = False
    owners: tuple[MemberView, ...] = ()
    meeting_id: int | None = None
    owner_member_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReviewListView:
    """Item 3's open actions, for the chair choosing one to review (opened from the
    agenda, in place of it for the person who pressed)."""

    meeting_id: int
    locality: str
    actions: tuple[ActionView, ...]
    total: int
