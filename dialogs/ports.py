"""What the dialogs need from the services, as Protocols: only the methods a handler calls,
with the services' own signatures.

The dialogs depend on these, not on the service classes, so a dialog test can hand the
router small recording fakes (tests/dialogs) and never open a store; the real services
satisfy them, which mypy checks where the bot is built (``bot.app``) and below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.domain.clock import Clock
from bot.domain.corrections import CorrectionFormView, CorrectionListView, CorrectionSaved
from bot.domain.escalations import EscalationFormView, EscalationListView, EscalationView
from bot.domain.filters import ActionFilter
from bot.domain.members import MembersView
from bot.domain.minutes_views import MinutesCardView, PastMeetingsPage
from bot.domain.model import EntryKind
from bot.domain.page_addresses import PageAddresses
from bot.domain.permissions import Permission
from bot.domain.ratings import RatingFormView
from bot.domain.register_filters import SubjectFilter
from bot.domain.register_forms import AddChoices, SubjectEdit, SubjectSaved
from bot.domain.register_moves import MoveFormView, MoveOfferView
from bot.domain.register_views import SubjectCardView, SubjectChoices, SubjectsPage
from bot.domain.report import PerformanceReport, ReportPeriod
from bot.domain.views import (
    ActionCardView,
    ActionFormView,
    ChallengeView,
    DateRequestView,
    GroupChoice,
    MeetingView,
    OutstandingPage,
    OwnedActionView,
    RoundView,
    WelcomeView,
)
from bot.services.action_control import ReviewDone
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.meeting_hints import MeetingEvent, MeetingHint
from bot.services.meetings import MeetingChange, StartResult


class Groups(Protocol):
    """Linking a conversation to a locality group (``bot.services.groups``)."""

    async def welcome(self, turn: TurnRef) -> WelcomeView: ...

    async def setup_choices(self, turn: TurnRef) -> tuple[GroupChoice, ...]: ...

    async def link(self, turn: TurnRef, locality_value: object) -> WelcomeView: ...


class Meetings(Protocol):
    """Running a meeting (``bot.services.meetings``)."""

    async def current(
        self,
        turn: TurnRef,
        meeting_id: object = None,
        *,
        require: Permission = Permission.VIEW_MEETING,
    ) -> MeetingView: ...

    async def action_form(self, turn: TurnRef, meeting_id: object) -> ActionFormView: ...

    async def drawn(self, meeting_id: int) -> MeetingView: ...

    async def newer_view(self, meeting_id: int, version: int) -> MeetingView | None: ...

    async def start(self, turn: TurnRef) -> StartResult: ...

    async def remember_agenda_card(
        self, meeting_id: int, conversation_id: str, activity_id: str
    ) -> None: ...

    async def move(
        self,
        turn: TurnRef,
        meeting_id: object,
        expected_position: object,
        step: int,
        expected_sub_item: object = None,
    ) -> MeetingView: ...

    async def mark_present(self, turn: TurnRef, meeting_id: object) -> MeetingView: ...

    async def record_attendance(
        self, turn: TurnRef, meeting_id: object, data: Mapping[str, object]
    ) -> MeetingView: ...

    async def record_entry(
        self,
        turn: TurnRef,
        meeting_id: object,
        item_id: object,
        kind: EntryKind,
        data: Mapping[str, object],
    ) -> MeetingChange: ...

    async def record_action(
        self, turn: TurnRef, meeting_id: object, item_id: object, data: Mapping[str, object]
    ) -> MeetingView: ...

    async def agree_previous_minutes(
        self, turn: TurnRef, meeting_id: object, previous_meeting_id: object
    ) -> MeetingView: ...

    async def end(
        self, turn: TurnRef, meeting_id: object, data: Mapping[str, object]
    ) -> MeetingView: ...

    # Issue 15: the subjects discussed under items 4-7 (bot.services.item_subjects).
    async def add_subject(
        self, turn: TurnRef, meeting_id: object, item_id: object, data: Mapping[str, object]
    ) -> MeetingView: ...

    async def remove_subject(
        self, turn: TurnRef, meeting_id: object, item_subject_id: object
    ) -> MeetingView: ...

    async def move_subject(
        self, turn: TurnRef, meeting_id: object, item_subject_id: object, direction: object
    ) -> MeetingView: ...


class Rounds(Protocol):
    """Share-and-challenge rounds and open challenges (``bot.services.rounds``)."""

    async def open(self, turn: TurnRef, meeting_id: object, item_id: object) -> RoundView: ...

    async def remember_card(self, round_id: int, activity_id: str) -> None: ...

    async def latest_view(self, round_id: int) -> RoundView | None: ...

    async def view(self, turn: TurnRef, round_id: object) -> RoundView: ...

    async def current(self, turn: TurnRef) -> RoundView: ...

    async def answer(
        self, turn: TurnRef, round_id: object, data: Mapping[str, object]
    ) -> RoundView: ...

    async def close(self, turn: TurnRef, round_id: object) -> RoundView: ...

    async def open_challenges(self, turn: TurnRef) -> tuple[str, list[ChallengeView]]: ...

    async def respond_to_challenge(
        self, turn: TurnRef, challenge_id: object, data: Mapping[str, object]
    ) -> tuple[str, list[ChallengeView]]: ...


class Actions(Protocol):
    """Actions between meetings and the outstanding list (``bot.services.actions``)."""

    async def my_actions(self, actor: ActorRef) -> list[OwnedActionView]: ...

    async def add_update(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None: ...

    async def mark_done(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None: ...

    async def request_new_date(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None: ...

    async def hand_over_choices(self, actor: ActorRef, action_id: object) -> OwnedActionView: ...

    async def hand_over(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None: ...

    async def date_request(self, actor: ActorRef, action_id: object) -> DateRequestView: ...

    async def decide_date(
        self, actor: ActorRef, activity_id: str | None, action_id: object, accept: bool
    ) -> DateRequestView: ...

    async def outstanding(
        self, actor: ActorRef, wanted: ActionFilter, page: int = 1
    ) -> OutstandingPage: ...


class Members(Protocol):
    """Roles in chat, for administrators (``bot.services.members.MemberAdmin``)."""

    async def panel(self, caller: ActorRef, locality_code: object = None) -> MembersView: ...

    async def grant(
        self, caller: ActorRef, activity_id: str | None, values: Mapping[str, object]
    ) -> tuple[MembersView, str]: ...

    async def revoke(
        self, caller: ActorRef, activity_id: str | None, membership_id: int | None
    ) -> tuple[MembersView, str]: ...


class Register(Protocol):
    """The register's read side: a subject's card, a list (``bot.services.register_reads``)."""

    async def find(self, turn: TurnRef, reference: str) -> SubjectCardView | SubjectChoices: ...

    async def show(
        self, turn: TurnRef, subject_id: object, meeting_id: object = None
    ) -> SubjectCardView: ...

    async def subjects(
        self, turn: TurnRef, wanted: SubjectFilter, page: int = 1, *, words: str = ""
    ) -> SubjectsPage: ...


class Hints(Protocol):
    """Teams' meeting start and end events (``bot.services.meeting_hints``)."""

    async def offer(
        self, conversation: ConversationRef, event: MeetingEvent, key: str
    ) -> MeetingHint | None: ...


class RegisterEdits(Protocol):
    """Changing the register (``bot.services.register``): forms and their saves."""

    async def edit_form(
        self, turn: TurnRef, subject_id: object, meeting_id: object = None
    ) -> SubjectEdit: ...

    async def add_choices(self, turn: TurnRef) -> AddChoices: ...

    async def add(self, turn: TurnRef, data: Mapping[str, object]) -> SubjectSaved: ...

    async def change_risk(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved: ...

    async def change_status(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved: ...

    async def change_details(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved: ...

    async def record_checks(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved: ...

    async def link(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved: ...

    async def unlink(
        self, turn: TurnRef, link_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved: ...


@dataclass(frozen=True, slots=True)
class Services:
    """What every handler is given in place of a router: the services, the clock (for
    "today" in filters) and, where downloads are set up, the pages' addresses (a card's
    download button opens a signed-in page). Members and downloads are optional: a bot
    without them says so rather than failing."""

    groups: Groups
    meetings: Meetings
    rounds: Rounds
    actions: Actions
    clock: Clock
    pages: PageAddresses | None = None
    members: Members | None = None
    hints: Hints | None = None
    #: The register's read side (issue 15); a bot without it says so.
    register: Register | None = None
    register_edits: RegisterEdits | None = None
    moves: Moves | None = None
    #: An action's own card and the chair's control of actions (issue 16).
    action_control: ActionControl | None = None
    #: The performance report (issue 16, point 8); a bot without it says so.
    reports: Reports | None = None
    #: Corrections before the minutes are agreed (issue 16); a bot without it says so.
    corrections: Corrections | None = None
    #: Escalation beyond the locality (issue 16); a bot without it says so.
    escalations: Escalations | None = None
    #: Minutes in a personal chat (issue 16); a bot without it says so.
    minutes: Minutes | None = None
    #: Rating a meeting (issue 16); a bot without it says so.
    ratings: Ratings | None = None


if TYPE_CHECKING:
    from bot.services.actions import ActionService
    from bot.services.groups import GroupService
    from bot.services.meeting_hints import MeetingHintService
    from bot.services.meetings import MeetingService
    from bot.services.members import MemberAdmin
    from bot.services.register import RegisterService
    from bot.services.register_reads import RegisterReads
    from bot.services.rounds import RoundService

    def _the_services_fit(
        groups: GroupService,
        meetings: MeetingService,
        rounds: RoundService,
        actions: ActionService,
        members: MemberAdmin,
        hints: MeetingHintService,
    ) -> tuple[Groups, Meetings, Rounds, Actions, Members, Hints]:
        """Never called: mypy checks here that each real service satisfies its port."""
        return groups, meetings, rounds, actions, members, hints

    def _the_register_fits(register: RegisterReads) -> Register:
        """Never called: the register's read side satisfies its port."""
        return register

    def _the_register_edits_fit(register: RegisterService) -> RegisterEdits:
        """Never called: mypy checks the register's write service satisfies its port."""
        return register

# -- a register subject offered to another locality group (issue 15, point 7) -----------------


class Moves(Protocol):
    """Offering a subject to another group and its chair's answer
    (``bot.services.register_moves``)."""

    async def form(self, actor: ActorRef, subject_id: object) -> MoveFormView: ...

    async def ask(
        self,
        actor: ActorRef,
        activity_id: str | None,
        subject_id: object,
        data: Mapping[str, object],
    ) -> MoveOfferView: ...

    async def accept(
        self, actor: ActorRef, activity_id: str | None, share_id: object
    ) -> MoveOfferView: ...

    async def decline(
        self,
        actor: ActorRef,
        activity_id: str | None,
        share_id: object,
        data: Mapping[str, object],
    ) -> MoveOfferView: ...

    async def offer(self, actor: ActorRef, share_id: object) -> MoveOfferView: ...


if TYPE_CHECKING:
    from bot.services.register_moves import RegisterMoves

    def _moves_fit(moves: RegisterMoves) -> Moves:
        """Never called: mypy checks here that the real service satisfies its port."""
        return moves


# -- an action's own card and the chair's control of actions (issue 16) ---------------------


class ActionControl(Protocol):
    """An action's card by id or reference, and the chair's review of it
    (``bot.services.action_control``)."""

    async def show(self, turn: TurnRef, action_id: object) -> ActionCardView: ...

    async def find(self, turn: TurnRef, words: str) -> ActionCardView: ...

    async def review_form(
        self, turn: TurnRef, action_id: object, meeting_id: object = None
    ) -> ActionCardView: ...

    async def review(
        self, turn: TurnRef, action_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> ReviewDone: ...


if TYPE_CHECKING:
    from bot.services.action_control import ActionControlService

    def _action_control_fits(control: ActionControlService) -> ActionControl:
        """Never called: mypy checks here that the real service satisfies its port."""
        return control
# -- the performance report (issue 16, point 8) -----------------------------------------


class Reports(Protocol):
    """The performance report of a period (``bot.services.report``)."""

    async def for_member(
        self, actor: ActorRef, period: ReportPeriod, locality: str | None
    ) -> PerformanceReport: ...

    async def check(self, actor: ActorRef, locality: str | None) -> None: ...


if TYPE_CHECKING:
    from bot.services.report import ReportService

    def _the_reports_fit(reports: ReportService) -> Reports:
        """Never called: mypy checks the report service satisfies its port."""
        return reports
# -- corrections before the minutes are agreed (issue 16) -------------------------------------


class Corrections(Protocol):
    """Correcting or withdrawing a minute, decision or action recorded in error
    (``bot.services.corrections``)."""

    async def check(self, turn: TurnRef, meeting_id: object) -> None: ...

    async def records(
        self, turn: TurnRef, meeting_id: object, item_id: object = None, page: object = 1
    ) -> CorrectionListView: ...

    async def form(
        self, turn: TurnRef, meeting_id: object, kind: object, record_id: object
    ) -> CorrectionFormView: ...

    async def correct(
        self,
        turn: TurnRef,
        meeting_id: object,
        kind: object,
        record_id: object,
        data: Mapping[str, object],
    ) -> CorrectionSaved: ...

    async def remember_summary_card(self, meeting_id: int, activity_id: str) -> None: ...


if TYPE_CHECKING:
    from bot.services.corrections import CorrectionService

    def _corrections_fit(corrections: CorrectionService) -> Corrections:
        """Never called: mypy checks here that the real service satisfies its port."""
        return corrections


class Escalations(Protocol):
    """Escalation to the Operational or Strategic group (``bot.services.escalations``)."""

    async def form(
        self, actor: ActorRef, kind: object, record_id: object
    ) -> EscalationFormView: ...

    async def escalate(
        self,
        actor: ActorRef,
        activity_id: str | None,
        kind: object,
        record_id: object,
        data: Mapping[str, object],
    ) -> EscalationView: ...

    async def view(self, actor: ActorRef, escalation_id: object) -> EscalationView: ...

    async def respond(
        self,
        actor: ActorRef,
        activity_id: str | None,
        escalation_id: object,
        data: Mapping[str, object],
    ) -> EscalationView: ...

    async def close(
        self,
        actor: ActorRef,
        activity_id: str | None,
        escalation_id: object,
        data: Mapping[str, object],
    ) -> EscalationView: ...

    async def open_ones(self, actor: ActorRef) -> EscalationListView: ...


if TYPE_CHECKING:
    from bot.services.escalations import EscalationService

    def _escalations_fit(escalations: EscalationService) -> Escalations:
        """Never called: mypy checks here that the real service satisfies its port."""
        return escalations
# -- minutes in a personal chat (issue 16, point 4) --------------------------------------------


class Minutes(Protocol):
    """The past meetings of a member's groups and their minutes
    (``bot.services.minutes_reads``)."""

    async def past_meetings(self, actor: ActorRef, page: int = 1) -> PastMeetingsPage: ...

    async def minutes(self, actor: ActorRef, meeting_id: object) -> MinutesCardView: ...

    async def downloadable(self, actor: ActorRef, meeting_id: object) -> int: ...


if TYPE_CHECKING:
    from bot.services.minutes_reads import MinutesReads

    def _minutes_fit(minutes: MinutesReads) -> Minutes:
        """Never called: mypy checks here that the real service satisfies its port."""
        return minutes


# -- a meeting's evaluation (issue 16, point 7) --------------------------------------------------


class Ratings(Protocol):
    """Rating a meeting once, anonymously (``bot.services.ratings``)."""

    async def form(self, actor: ActorRef, meeting_id: object) -> RatingFormView: ...

    async def rate(
        self,
        actor: ActorRef,
        activity_id: str | None,
        meeting_id: object,
        data: Mapping[str, object],
    ) -> RatingFormView: ...


if TYPE_CHECKING:
    from bot.services.ratings import MeetingRatings

    def _ratings_fit(ratings: MeetingRatings) -> Ratings:
        """Never called: mypy checks here that the real service satisfies its port."""
        return ratings
