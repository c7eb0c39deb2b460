"""Recording fakes of the services the dialogs use (``dialogs.ports``), and a router built
on them: dialog tests in milliseconds, with no store, no HTTP and no botbuilder.

Every call lands in one shared list, in order (``Call``: "meetings.record_entry" and its
arguments), so a test can say which service method ran with what, and that nothing ran
at all for a refused request. A method named in ``fail`` raises what it maps to (an
``InvalidInput`` for a form's errors, an ``OSError`` for a store that does not answer);
otherwise each returns the view it was given, built by tests/cards/cards_testkit.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from bot.domain.clock import FrozenClock
from bot.domain.corrections import (
    CorrectableEntry,
    CorrectionFormView,
    CorrectionListView,
    CorrectionSaved,
    ItemRecords,
    RecordKind,
)
from bot.domain.escalations import EscalationFormView, EscalationListView, EscalationView
from bot.domain.filters import ActionFilter
from bot.domain.members import CodeChoice, MemberRoles, MembersView, RoleHeld
from bot.domain.minutes_views import MinutesCardView, PastMeetingRow, PastMeetingsPage
from bot.domain.model import (
    ActionStatus,
    ConversationKind,
    EntryKind,
    EscalationKind,
    EscalationStatus,
    MeetingStatus,
    MinutesStatus,
    OversightTier,
    Role,
    SubjectKind,
)
from bot.domain.page_addresses import PageAddresses
from bot.domain.permissions import Permission
from bot.domain.ratings import RatingFormView
from bot.domain.register import ChildChecks, RiskLevel, SubjectStatus
from bot.domain.register_filters import SubjectFilter
from bot.domain.register_forms import AddChoices, SubjectEdit, SubjectSaved
from bot.domain.register_moves import MoveFormView, MoveMode, MoveOfferView
from bot.domain.register_views import (
    SubjectCardView,
    SubjectChoices,
    SubjectRow,
    SubjectsPage,
)
from bot.domain.report import (
    ActionFigures,
    AgencyAttendance,
    AgencyGroup,
    EscalationFigures,
    LocalityFigures,
    PerformanceReport,
    RatingFigures,
    ReportPeriod,
    SubjectFigures,
)
from bot.domain.views import (
    ActionCardView,
    ActionEventView,
    ActionFormView,
    ActionView,
    ChallengeView,
    DateRequestView,
    GroupChoice,
    MeetingView,
    MemberView,
    OutstandingActionRow,
    OutstandingPage,
    OwnedActionView,
    RoundView,
    WelcomeView,
)
from bot.services.action_control import ReviewDone
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.meeting_hints import MeetingEvent, MeetingHint
from bot.services.meetings import MeetingChange, StartResult
from dialogs.router import Router
from dialogs.routes import Click
from tests.cards.cards_testkit import (
    GROUP_CHOICES,
    SCARBOROUGH,
    make_action_form,
    make_challenges,
    make_meeting,
    make_owned_actions,
    make_round,
)
from tests.cards.register_testkit import make_add_choices, make_saved, make_subject_edit

#: Where the live cards are: clicks on them are answered with the card itself.
AGENDA_ACTIVITY = "agenda-activity-1"
ROUND_ACTIVITY = "round-activity-1"
CONVERSATION = "conversation-1"
ACTOR = ActorRef(teams_user_id="user-id-103", aad_object_id=None, name="Priya Shah")
#: The pages a card's download button opens (bot.domain.page_addresses).
PAGES = PageAddresses("https://bot.example")


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    args: tuple[object, ...]


class Calls(list[Call]):
    def names(self) -> list[str]:
        return [call.method for call in self]

    def only(self, method: str) -> Call:
        """The one call of ``method`` (fails if there were none or several)."""
        (call,) = [call for call in self if call.method == method]
        return call


@dataclass
class Views:
    """What the fakes answer with; a test replaces any of them."""

    meeting: MeetingView = field(
        default_factory=lambda: replace(
            make_meeting(), conversation_id=CONVERSATION, agenda_activity_id=AGENDA_ACTIVITY
        )
    )
    round: RoundView = field(
        default_factory=lambda: replace(
            make_round(), conversation_id=CONVERSATION, activity_id=ROUND_ACTIVITY
        )
    )
    challenges: tuple[ChallengeView, ...] = field(default_factory=lambda: make_challenges(2))
    owned: tuple[OwnedActionView, ...] = field(default_factory=lambda: make_owned_actions(3))
    welcome: WelcomeView = field(default_factory=lambda: WelcomeView(SCARBOROUGH, True))
    already_running: bool = False
    members: MembersView = field(default_factory=lambda: make_members_view())
    hint: MeetingHint | None = None
    #: What ``newer_view`` answers: the meeting as another turn left it, if it moved on.
    newer: MeetingView | None = None


class Fake:
    """One service: records each call, then raises what ``fail`` names or answers."""

    def __init__(self, name: str, calls: Calls, fail: dict[str, BaseException], views: Views):
        self.name = name
        self.calls = calls
        self.fail = fail
        self.views = views

    def record(self, method: str, *args: object) -> None:
        qualified = f"{self.name}.{method}"
        self.calls.append(Call(qualified, args))
        if qualified in self.fail:
            raise self.fail[qualified]


class FakeGroups(Fake):
    async def welcome(self, turn: TurnRef) -> WelcomeView:
        self.record("welcome", turn)
        return self.views.welcome

    async def setup_choices(self, turn: TurnRef) -> tuple[GroupChoice, ...]:
        self.record("setup_choices", turn)
        return GROUP_CHOICES

    async def link(self, turn: TurnRef, locality_value: object) -> WelcomeView:
        self.record("link", turn, locality_value)
        return self.views.welcome


class FakeMeetings(Fake):
    async def current(
        self,
        turn: TurnRef,
        meeting_id: object = None,
        *,
        require: Permission = Permission.VIEW_MEETING,
    ) -> MeetingView:
        self.record("current", turn, meeting_id, require)
        return self.views.meeting

    async def action_form(self, turn: TurnRef, meeting_id: object) -> ActionFormView:
        self.record("action_form", turn, meeting_id)
        return make_action_form(self.views.meeting)

    async def drawn(self, meeting_id: int) -> MeetingView:
        self.record("drawn", meeting_id)
        return self.views.meeting

    async def newer_view(self, meeting_id: int, version: int) -> MeetingView | None:
        self.record("newer_view", meeting_id, version)
        newer = self.views.newer
        return newer if newer is not None and newer.version > version else None

    async def start(self, turn: TurnRef) -> StartResult:
        self.record("start", turn)
        view = self.views.meeting
        return StartResult(
            view, self.views.already_running, view.agenda_activity_id, view.conversation_id
        )

    async def remember_agenda_card(
        self, meeting_id: int, conversation_id: str, activity_id: str
    ) -> None:
        self.record("remember_agenda_card", meeting_id, conversation_id, activity_id)

    async def move(
        self,
        turn: TurnRef,
        meeting_id: object,
        expected_position: object,
        step: int,
        expected_sub_item: object = None,
    ) -> MeetingView:
        sub = () if expected_sub_item is None else (expected_sub_item,)
        self.record("move", turn, meeting_id, expected_position, step, *sub)
        return self.views.meeting

    async def mark_present(self, turn: TurnRef, meeting_id: object) -> MeetingView:
        self.record("mark_present", turn, meeting_id)
        return self.views.meeting

    async def record_attendance(
        self, turn: TurnRef, meeting_id: object, data: Mapping[str, object]
    ) -> MeetingView:
        self.record("record_attendance", turn, meeting_id, data)
        return self.views.meeting

    async def record_entry(
        self,
        turn: TurnRef,
        meeting_id: object,
        item_id: object,
        kind: EntryKind,
        data: Mapping[str, object],
    ) -> MeetingChange:
        self.record("record_entry", turn, meeting_id, item_id, kind, data)
        view = self.views.meeting
        return MeetingChange(view.id, view.conversation_id, view.agenda_activity_id)

    async def record_action(
        self, turn: TurnRef, meeting_id: object, item_id: object, data: Mapping[str, object]
    ) -> MeetingView:
        self.record("record_action", turn, meeting_id, item_id, data)
        return self.views.meeting

    async def agree_previous_minutes(
        self, turn: TurnRef, meeting_id: object, previous_meeting_id: object
    ) -> MeetingView:
        self.record("agree_previous_minutes", turn, meeting_id, previous_meeting_id)
        return self.views.meeting

    async def end(
        self, turn: TurnRef, meeting_id: object, data: Mapping[str, object]
    ) -> MeetingView:
        self.record("end", turn, meeting_id, data)
        return self.views.meeting

    # Issue 15: the subjects discussed under items 4-7.
    async def add_subject(
        self, turn: TurnRef, meeting_id: object, item_id: object, data: Mapping[str, object]
    ) -> MeetingView:
        self.record("add_subject", turn, meeting_id, item_id, data)
        return self.views.meeting

    async def remove_subject(
        self, turn: TurnRef, meeting_id: object, item_subject_id: object
    ) -> MeetingView:
        self.record("remove_subject", turn, meeting_id, item_subject_id)
        return self.views.meeting

    async def move_subject(
        self, turn: TurnRef, meeting_id: object, item_subject_id: object, direction: object
    ) -> MeetingView:
        self.record("move_subject", turn, meeting_id, item_subject_id, direction)
        return self.views.meeting


class FakeRounds(Fake):
    async def open(self, turn: TurnRef, meeting_id: object, item_id: object) -> RoundView:
        self.record("open", turn, meeting_id, item_id)
        return self.views.round

    async def remember_card(self, round_id: int, activity_id: str) -> None:
        self.record("remember_card", round_id, activity_id)

    async def latest_view(self, round_id: int) -> RoundView | None:
        self.record("latest_view", round_id)
        return self.views.round

    async def view(self, turn: TurnRef, round_id: object) -> RoundView:
        self.record("view", turn, round_id)
        return self.views.round

    async def current(self, turn: TurnRef) -> RoundView:
        self.record("current", turn)
        return self.views.round

    async def answer(
        self, turn: TurnRef, round_id: object, data: Mapping[str, object]
    ) -> RoundView:
        self.record("answer", turn, round_id, data)
        return self.views.round

    async def close(self, turn: TurnRef, round_id: object) -> RoundView:
        self.record("close", turn, round_id)
        return self.views.round

    async def open_challenges(self, turn: TurnRef) -> tuple[str, list[ChallengeView]]:
        self.record("open_challenges", turn)
        return "Scarborough", list(self.views.challenges)

    async def respond_to_challenge(
        self, turn: TurnRef, challenge_id: object, data: Mapping[str, object]
    ) -> tuple[str, list[ChallengeView]]:
        self.record("respond_to_challenge", turn, challenge_id, data)
        return "Scarborough", list(self.views.challenges[1:])


class FakeActions(Fake):
    async def my_actions(self, actor: ActorRef) -> list[OwnedActionView]:
        self.record("my_actions", actor)
        return list(self.views.owned)

    async def add_update(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None:
        self.record("add_update", actor, activity_id, action_id, data)
        return self.views.owned[0]

    async def mark_done(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None:
        self.record("mark_done", actor, activity_id, action_id, data)
        return None

    async def request_new_date(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None:
        self.record("request_new_date", actor, activity_id, action_id, data)
        return self.views.owned[0]

    async def hand_over_choices(self, actor: ActorRef, action_id: object) -> OwnedActionView:
        self.record("hand_over_choices", actor, action_id)
        return self.views.owned[1]

    async def hand_over(
        self,
        actor: ActorRef,
        activity_id: str | None,
        action_id: object,
        data: Mapping[str, object],
    ) -> OwnedActionView | None:
        self.record("hand_over", actor, activity_id, action_id, data)
        return None

    async def date_request(self, actor: ActorRef, action_id: object) -> DateRequestView:
        self.record("date_request", actor, action_id)
        return date_request()

    async def decide_date(
        self, actor: ActorRef, activity_id: str | None, action_id: object, accept: bool
    ) -> DateRequestView:
        self.record("decide_date", actor, activity_id, action_id, accept)
        return replace(date_request(), decided="accepted" if accept else "refused")

    async def outstanding(
        self, actor: ActorRef, wanted: ActionFilter, page: int = 1
    ) -> OutstandingPage:
        self.record("outstanding", actor, wanted, page)
        return outstanding_page(wanted, page)


class FakeMembers(Fake):
    async def panel(self, caller: ActorRef, locality_code: object = None) -> MembersView:
        self.record("panel", caller, locality_code)
        return self.views.members

    async def grant(
        self, caller: ActorRef, activity_id: str | None, values: Mapping[str, object]
    ) -> tuple[MembersView, str]:
        self.record("grant", caller, activity_id, values)
        return self.views.members, "Sam [Lee] is now a partner in Scarborough."

    async def revoke(
        self, caller: ActorRef, activity_id: str | None, membership_id: int | None
    ) -> tuple[MembersView, str]:
        self.record("revoke", caller, activity_id, membership_id)
        return self.views.members, "Sam [Lee] is no longer a partner in Scarborough."


class FakeHints(Fake):
    async def offer(
        self, conversation: ConversationRef, event: MeetingEvent, key: str
    ) -> MeetingHint | None:
        self.record("offer", conversation, event, key)
        return self.views.hint


@dataclass
class Bot:
    """A router on fakes, with what they recorded and what they are told to do."""

    router: Router
    calls: Calls
    fail: dict[str, BaseException]
    views: Views
    clock: FrozenClock

    def fails(self, method: str, error: BaseException) -> Bot:
        self.fail[method] = error
        return self


def make_bot(
    *,
    downloads: bool = True,
    members: bool = True,
    hints: bool = True,
    register: bool = True,
    moves: bool = True,
    reports: bool = True,
    corrections: bool = True,
    escalations: bool = True,
    minutes: bool = True,
    ratings: bool = True,
) -> Bot:
    calls = Calls()
    fail: dict[str, BaseException] = {}
    views = Views()
    clock = FrozenClock(datetime(2026, 11, 3, 10, 0, tzinfo=UTC))

    router = Router(
        FakeGroups("groups", calls, fail, views),
        FakeMeetings("meetings", calls, fail, views),
        FakeRounds("rounds", calls, fail, views),
        FakeActions("actions", calls, fail, views),
        clock,
        PAGES if downloads else None,
        members=FakeMembers("members", calls, fail, views) if members else None,
        hints=FakeHints("hints", calls, fail, views) if hints else None,
        register=FakeRegister("register", calls, fail, views) if register else None,
        register_edits=FakeRegisterEdits("register_edits", calls, fail, views),
        moves=FakeMoves("moves", calls, fail, views) if moves else None,
        action_control=FakeActionControl("action_control", calls, fail, views),
        reports=FakeReports("reports", calls, fail, views) if reports else None,
        corrections=FakeCorrections("corrections", calls, fail, views) if corrections else None,
        escalations=FakeEscalations("escalations", calls, fail, views) if escalations else None,
        minutes=FakeMinutes("minutes", calls, fail, views) if minutes else None,
        ratings=FakeRatings("ratings", calls, fail, views) if ratings else None,
    )
    return Bot(router, calls, fail, views, clock)


def turn(
    kind: ConversationKind = ConversationKind.CHANNEL, activity_id: str = "activity-1"
) -> TurnRef:
    return TurnRef(
        actor=ACTOR,
        conversation=ConversationRef(CONVERSATION, kind, None, None),
        activity_id=activity_id,
    )


def personal() -> TurnRef:
    return turn(ConversationKind.PERSONAL)


def click(
    verb: str,
    data: Mapping[str, Any] | None = None,
    *,
    on: str | None = None,
    invoke: bool = True,
) -> Click:
    """A press of ``verb`` on the card posted as activity ``on``."""
    return Click(verb, {"verb": verb, **(data or {})}, on, invoke)


def make_members_view() -> MembersView:
    group = CodeChoice("scarborough", "Scarborough")
    member = MemberRoles(
        7, "Sam [Lee]", "Police", "sam.lee@example.org", (RoleHeld(11, Role.PARTNER),)
    )
    return MembersView(group, (member,), (group,), (CodeChoice("police", "Police"),))


def date_request() -> DateRequestView:
    return DateRequestView(
        action_id=12,
        locality="Scarborough",
        owner_name="Bea Birchley",
        agency_name="Education",
        current_due=date(2026, 11, 20),
        requested_due=date(2026, 12, 4),
        reason="Waiting on a school report",
        description="Arrange a joint visit for CR-0001",
    )


def outstanding_page(wanted: ActionFilter, page: int) -> OutstandingPage:
    row = OutstandingActionRow(
        id=12,
        locality="Scarborough",
        description="Arrange a joint visit for CR-0001",
        owner_name="Bea Birchley",
        agency_name="Education",
        due_date=date(2026, 11, 20),
        status=ActionStatus.OPEN,
    )
    return OutstandingPage((row,), 1, page, 1, "all open actions", wanted.as_data())


# -- the register, read side (issue 15) ----------------------------------------------------


def make_subject_card(subject_id: int = 41, meeting_id: int | None = None) -> SubjectCardView:
    """A child's card, as a partner sees it (invented: CR-0107, J.D.)."""
    return SubjectCardView(
        subject_id=subject_id,
        kind=SubjectKind.CHILD,
        reference="CR-0107",
        initials="JD",
        group="Scarborough",
        status=SubjectStatus.OPEN,
        status_reason="",
        risk=RiskLevel.HIGH,
        strands=("Child criminal exploitation and county lines",),
        lead_agency="Police",
        first_discussed=date(2026, 10, 15),
        last_discussed=date(2026, 11, 19),
        checks=ChildChecks(),
        missing=None,
        meeting_id=meeting_id,
    )


def make_subject_row(subject_id: int, group: str = "Scarborough") -> SubjectRow:
    return SubjectRow(
        subject_id,
        SubjectKind.CHILD,
        f"CR-01{subject_id:02d} (AB)",
        group,
        RiskLevel.HIGH,
        SubjectStatus.OPEN,
        date(2026, 11, 19),
    )


def make_subjects_page(wanted: SubjectFilter, page: int, words: str) -> SubjectsPage:
    return SubjectsPage(
        rows=tuple(make_subject_row(n) for n in range(1, 4)),
        total=23,
        page=page,
        pages=3,
        description=wanted.describe(),
        words=words,
    )


class FakeRegister(Fake):
    #: What ``find`` answers with: a card, or a choice when set.
    choices: SubjectChoices | None = None

    async def find(self, turn: TurnRef, reference: str) -> SubjectCardView | SubjectChoices:
        self.record("find", turn, reference)
        return self.choices if self.choices is not None else make_subject_card()

    async def show(
        self, turn: TurnRef, subject_id: object, meeting_id: object = None
    ) -> SubjectCardView:
        self.record("show", turn, subject_id, meeting_id)
        return make_subject_card(meeting_id=meeting_id if isinstance(meeting_id, int) else None)

    async def subjects(
        self, turn: TurnRef, wanted: SubjectFilter, page: int = 1, *, words: str = ""
    ) -> SubjectsPage:
        self.record("subjects", turn, wanted, page, words)
        return make_subjects_page(wanted, page, words)


# -- the register's writes (issue 15) ------------------------------------------------------


class FakeRegisterEdits(Fake):
    """The register's write service: records each call and answers with invented views
    (tests/cards/register_testkit.py); a test may replace ``edit``, ``choices``, ``saved``."""

    def __init__(self, name: str, calls: Calls, fail: dict[str, BaseException], views: Views):
        super().__init__(name, calls, fail, views)
        self.edit: SubjectEdit = make_subject_edit()
        self.choices: AddChoices = make_add_choices()
        self.saved: SubjectSaved = make_saved()

    async def edit_form(
        self, turn: TurnRef, subject_id: object, meeting_id: object = None
    ) -> SubjectEdit:
        self.record("edit_form", turn, subject_id, meeting_id)
        return self.edit

    async def add_choices(self, turn: TurnRef) -> AddChoices:
        self.record("add_choices", turn)
        return self.choices

    async def add(self, turn: TurnRef, data: Mapping[str, object]) -> SubjectSaved:
        self.record("add", turn, data)
        return self.saved

    async def change_risk(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved:
        self.record("change_risk", turn, subject_id, meeting_id, data)
        return self.saved

    async def change_status(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved:
        self.record("change_status", turn, subject_id, meeting_id, data)
        return self.saved

    async def change_details(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved:
        self.record("change_details", turn, subject_id, meeting_id, data)
        return self.saved

    async def record_checks(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved:
        self.record("record_checks", turn, subject_id, meeting_id, data)
        return self.saved

    async def link(
        self, turn: TurnRef, subject_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved:
        self.record("link", turn, subject_id, meeting_id, data)
        return self.saved

    async def unlink(
        self, turn: TurnRef, link_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> SubjectSaved:
        self.record("unlink", turn, link_id, meeting_id, data)
        return self.saved


def register_fake(bot: Bot) -> FakeRegisterEdits:
    fake = bot.router.services.register_edits
    assert isinstance(fake, FakeRegisterEdits)
    return fake


# -- a register subject offered to another locality group (dialogs.register_moves) -----------


def make_move_form() -> MoveFormView:
    return MoveFormView(
        subject_id=41,
        kind=SubjectKind.CHILD,
        reference="CR-0107",
        initials="J.S.",
        from_locality="Scarborough",
        groups=(("ryedale", "Ryedale"), ("harrogate", "Harrogate")),
    )


def make_move_offer(status: str = "asked", *, receiving: bool = True) -> MoveOfferView:
    return MoveOfferView(
        share_id=12,
        mode=MoveMode.TRANSFER,
        kind=SubjectKind.CHILD,
        from_locality="Scarborough",
        to_locality="Ryedale",
        asked_by="Tom Hughes",
        asked_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        status=status,
        decided_by=None if status == "asked" else "Jordan Pike",
        receiving=receiving,
    )


class FakeMoves(Fake):
    async def form(self, actor: ActorRef, subject_id: object) -> MoveFormView:
        self.record("form", actor, subject_id)
        return make_move_form()

    async def ask(
        self,
        actor: ActorRef,
        activity_id: str | None,
        subject_id: object,
        data: Mapping[str, object],
    ) -> MoveOfferView:
        self.record("ask", actor, activity_id, subject_id, data)
        return make_move_offer(receiving=False)

    async def accept(
        self, actor: ActorRef, activity_id: str | None, share_id: object
    ) -> MoveOfferView:
        self.record("accept", actor, activity_id, share_id)
        return make_move_offer("accepted")

    async def decline(
        self,
        actor: ActorRef,
        activity_id: str | None,
        share_id: object,
        data: Mapping[str, object],
    ) -> MoveOfferView:
        self.record("decline", actor, activity_id, share_id, data)
        return make_move_offer("declined")

    async def offer(self, actor: ActorRef, share_id: object) -> MoveOfferView:
        self.record("offer", actor, share_id)
        return make_move_offer()


# -- an action's own card and the chair's control of actions (issue 16) ---------------------


def make_action_card(*, meeting_id: int | None = None, may_control: bool = True) -> ActionCardView:
    """Action A-12 with a short history (invented: CR-0001)."""
    action = ActionView(
        id=12,
        description="Arrange a joint visit for CR-0001",
        owner_name="Bea Birchley",
        agency_name="Education",
        due_date=date(2026, 11, 20),
        status=ActionStatus.OPEN,
        subject="CR-0001 (A.B.)",
    )
    history = (
        ActionEventView(
            "update", "Rang the school", "Bea Birchley", datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
        ),
        ActionEventView("created", "", "Sam Okafor", datetime(2026, 10, 22, 11, 0, tzinfo=UTC)),
    )
    owners = (
        MemberView(7, "Bea Birchley", 3, "Education"),
        MemberView(8, "Owen Pryce", 1, "Police"),
    )
    return ActionCardView(
        action=action,
        locality="Scarborough",
        history=history,
        history_total=2,
        may_control=may_control,
        owners=owners,
        meeting_id=meeting_id,
        owner_member_id=7,
    )


class FakeActionControl(Fake):
    async def show(self, turn: TurnRef, action_id: object) -> ActionCardView:
        self.record("show", turn, action_id)
        return make_action_card()

    async def find(self, turn: TurnRef, words: str) -> ActionCardView:
        self.record("find", turn, words)
        return make_action_card()

    async def review_form(
        self, turn: TurnRef, action_id: object, meeting_id: object = None
    ) -> ActionCardView:
        self.record("review_form", turn, action_id, meeting_id)
        return make_action_card(meeting_id=meeting_id if isinstance(meeting_id, int) else None)

    async def review(
        self, turn: TurnRef, action_id: object, meeting_id: object, data: Mapping[str, object]
    ) -> ReviewDone:
        self.record("review", turn, action_id, meeting_id, data)
        step = str(data.get("step"))
        in_meeting = meeting_id if isinstance(meeting_id, int) else None
        return ReviewDone(12, step, in_meeting, in_meeting or self.running)

    #: The group's meeting in progress when a step is taken from a personal chat.
    running: int | None = None


# -- the performance report (issue 16, point 8) -----------------------------------------


def make_report(
    period: ReportPeriod, *, groups: tuple[str, ...] = ("Scarborough",)
) -> PerformanceReport:
    """A report with a few figures in each family, for the dialogs and the card tests."""

    def figures(name: str, code: str, scale: int) -> LocalityFigures:
        return LocalityFigures(
            name=name,
            code=code,
            meetings_held=3 * scale,
            attendance=(
                AgencyAttendance(
                    "North Yorkshire Police", AgencyGroup.KEY, 3 * scale, 0, 3 * scale
                ),
                AgencyAttendance("Education", AgencyGroup.SCHOOL, 2 * scale, scale, 3 * scale),
            ),
            actions=ActionFigures(10 * scale, 8 * scale, 6 * scale, 2 * scale, scale, 12.5),
            decisions=4 * scale,
            challenges_raised=2 * scale,
            challenges_resolved=scale,
            escalations=EscalationFigures(2 * scale, scale, scale, scale, 6.0, scale),
            subjects=SubjectFigures(
                (("Criminal exploitation", (scale, 0, scale, 0, 0)),),
                (scale, 0, scale, 0, scale),
                scale,
                scale,
                0,
            ),
            ratings=RatingFigures((0, 0, scale, 2 * scale, 3 * scale)),
        )

    localities = tuple(figures(name, name.lower(), 1) for name in groups)
    return PerformanceReport(
        period=period,
        generated_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        localities=localities,
        total=figures("All localities", "", len(groups)),
    )


class FakeReports(Fake):
    async def for_member(
        self, actor: ActorRef, period: ReportPeriod, locality: str | None
    ) -> PerformanceReport:
        self.record("for_member", actor, period, locality)
        return make_report(period)

    async def check(self, actor: ActorRef, locality: str | None) -> None:
        self.record("check", actor, locality)


# -- corrections before the minutes are agreed (dialogs.corrections, issue 16) ---------------


def make_correction_list(item: bool = True) -> CorrectionListView:
    """Item 4 of a meeting in progress: a minute (corrected), a withdrawn decision and an
    action (invented: CR-0107)."""
    items = (ItemRecords(104, 4, "Children", 2),)
    return CorrectionListView(
        meeting_id=1,
        locality="Scarborough",
        meeting_date=date(2026, 11, 3),
        status=MeetingStatus.IN_PROGRESS,
        minutes_status=MinutesStatus.DRAFT,
        items=items,
        item=items[0] if item else None,
        entries=(
            CorrectableEntry(RecordKind.MINUTE, 31, "CR-0107 discussed.", corrected=True),
            CorrectableEntry(RecordKind.DECISION, 32, "Refer to NRM.", withdrawn=True),
            CorrectableEntry(
                RecordKind.ACTION, 12, "Arrange a joint visit", detail="Bea Birchley, due 20 Nov"
            ),
        )
        if item
        else (),
    )


def make_correction_form(kind: RecordKind = RecordKind.MINUTE) -> CorrectionFormView:
    return CorrectionFormView(
        meeting_id=1,
        status=MeetingStatus.IN_PROGRESS,
        locality="Scarborough",
        meeting_date=date(2026, 11, 3),
        item_id=104,
        item_position=4,
        item_title="Children",
        kind=kind,
        record_id=31,
        text="CR-0107 discused.",
    )


class FakeCorrections(Fake):
    async def check(self, turn: TurnRef, meeting_id: object) -> None:
        self.record("check", turn, meeting_id)

    async def records(
        self, turn: TurnRef, meeting_id: object, item_id: object = None, page: object = 1
    ) -> CorrectionListView:
        self.record("records", turn, meeting_id, item_id, page)
        return make_correction_list(item=item_id is not None)

    async def form(
        self, turn: TurnRef, meeting_id: object, kind: object, record_id: object
    ) -> CorrectionFormView:
        self.record("form", turn, meeting_id, kind, record_id)
        return make_correction_form()

    async def correct(
        self,
        turn: TurnRef,
        meeting_id: object,
        kind: object,
        record_id: object,
        data: Mapping[str, object],
    ) -> CorrectionSaved:
        self.record("correct", turn, meeting_id, kind, record_id, data)
        return CorrectionSaved(1, 104, "Minute corrected.")

    async def remember_summary_card(self, meeting_id: int, activity_id: str) -> None:
        self.record("remember_summary_card", meeting_id, activity_id)


# -- escalation beyond the locality (dialogs.escalations, issue 16) ----------------------------


def make_escalation_form() -> EscalationFormView:
    return EscalationFormView(
        kind=EscalationKind.ACTION,
        record_id=7,
        record_reference="action A-7",
        locality="Scarborough",
        groups=(
            (OversightTier.OPERATIONAL, "MACE Operational Group"),
            (OversightTier.STRATEGIC, "MACE Strategic Group"),
        ),
    )


def make_escalation(
    status: EscalationStatus = EscalationStatus.OPEN, *, can_respond: bool = False
) -> EscalationView:
    responded = status is not EscalationStatus.OPEN
    return EscalationView(
        id=4,
        kind=EscalationKind.ACTION,
        record_reference="action A-7",
        locality="Scarborough",
        group="MACE Operational Group",
        what="No placement found for CR-0107.",
        why="Needs a decision above the locality.",
        raised_by="Alex Wilber",
        raised_on=date(2026, 11, 3),
        age_days=2,
        status=status,
        response="Placement panel on Friday." if responded else "",
        decision="Funded." if responded else "",
        responded_by="Jordan Avery" if responded else "",
        responded_on=date(2026, 11, 5) if responded else None,
        can_respond=can_respond,
        can_close=status is EscalationStatus.RESPONDED,
    )


class FakeEscalations(Fake):
    async def form(self, actor: ActorRef, kind: object, record_id: object) -> EscalationFormView:
        self.record("form", actor, kind, record_id)
        return make_escalation_form()

    async def escalate(
        self,
        actor: ActorRef,
        activity_id: str | None,
        kind: object,
        record_id: object,
        data: Mapping[str, object],
    ) -> EscalationView:
        self.record("escalate", actor, activity_id, kind, record_id, data)
        return make_escalation()

    async def view(self, actor: ActorRef, escalation_id: object) -> EscalationView:
        self.record("view", actor, escalation_id)
        return make_escalation(can_respond=True)

    async def respond(
        self,
        actor: ActorRef,
        activity_id: str | None,
        escalation_id: object,
        data: Mapping[str, object],
    ) -> EscalationView:
        self.record("respond", actor, activity_id, escalation_id, data)
        return make_escalation(EscalationStatus.RESPONDED)

    async def close(
        self,
        actor: ActorRef,
        activity_id: str | None,
        escalation_id: object,
        data: Mapping[str, object],
    ) -> EscalationView:
        self.record("close", actor, activity_id, escalation_id, data)
        return make_escalation(EscalationStatus.CLOSED)

    async def open_ones(self, actor: ActorRef) -> EscalationListView:
        self.record("open_ones", actor)
        return EscalationListView(
            (("Escalated by Scarborough", (make_escalation(EscalationStatus.RESPONDED),)),)
        )


# -- minutes in a personal chat (issue 16, point 4) ---------------------------------------------


def make_past_meetings(page: int) -> PastMeetingsPage:
    rows = tuple(
        PastMeetingRow(40 - n, "Scarborough", date(2026, 11, 19 - n), n > 0, 2, 3) for n in range(3)
    )
    return PastMeetingsPage(rows, 23, page, 3)


def make_minutes_card(meeting_id: int = 40) -> MinutesCardView:
    meeting = replace(make_meeting(current=None, status=MeetingStatus.ENDED), id=meeting_id)
    return MinutesCardView(meeting, agreed=False)


class FakeMinutes(Fake):
    async def past_meetings(self, actor: ActorRef, page: int = 1) -> PastMeetingsPage:
        self.record("past_meetings", actor, page)
        return make_past_meetings(page)

    async def minutes(self, actor: ActorRef, meeting_id: object) -> MinutesCardView:
        self.record("minutes", actor, meeting_id)
        return make_minutes_card(meeting_id if isinstance(meeting_id, int) else 40)

    async def downloadable(self, actor: ActorRef, meeting_id: object) -> int:
        self.record("downloadable", actor, meeting_id)
        return meeting_id if isinstance(meeting_id, int) else 40


# -- a meeting's evaluation (issue 16, point 7) -------------------------------------------------


def make_rating_form(meeting_id: int = 40, *, rated: bool = False) -> RatingFormView:
    return RatingFormView(meeting_id, "Scarborough", date(2026, 11, 19), rated=rated)


class FakeRatings(Fake):
    async def form(self, actor: ActorRef, meeting_id: object) -> RatingFormView:
        self.record("form", actor, meeting_id)
        return make_rating_form(meeting_id if isinstance(meeting_id, int) else 40)

    async def rate(
        self,
        actor: ActorRef,
        activity_id: str | None,
        meeting_id: object,
        data: Mapping[str, object],
    ) -> RatingFormView:
        self.record("rate", actor, activity_id, meeting_id, data)
        return make_rating_form(meeting_id if isinstance(meeting_id, int) else 40, rated=True)
