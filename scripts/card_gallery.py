"""The card gallery: every card the bot can send, filled with invented data, rendered as
Teams would draw it, saved as PNG under docs/cards/ with an index (docs/cards/README.md).

    make gallery                                   # docs/cards/*.png and the index
    .venv/bin/python scripts/card_gallery.py --out DIR [--only NAME ...] [--scale 1.5]

Each card is built by its builder in cards/ from the views below, then rendered by the
``adaptivecards`` npm renderer (pinned in scripts/gallery/package.json) with the Microsoft
Teams light host config (shared/schemas/) into a 560 px slot of one page in headless
Chromium, and screenshotted. The renderer's parse and validation events are collected:
any error (an unknown element or action, a bad property value, a duplicate id, ...) fails
the run, so the gallery is also a check that every card is one the renderer accepts.

Needs the Python ``playwright`` package (dev extra; never ``playwright install``: it uses
the system Chromium, /usr/bin/chromium or $CHROMIUM) and ``npm ci --prefix
scripts/gallery``. tests/cards/test_gallery.py keeps the list below complete.

Everything here is invented: the people are the demo data's (bot/demo/demo_data.json), the
children exist only as case references and initials.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.domain.agenda import CANONICAL_AGENDA
from bot.domain.escalations import EscalationFormView, EscalationListView, EscalationView
from bot.domain.filters import ActionFilter
from bot.domain.members import CodeChoice, MemberRoles, MembersView, RoleHeld
from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    EscalationKind,
    EscalationStatus,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    OversightTier,
    Role,
    RoundStatus,
    SubjectKind,
    TurnOutcome,
)
from bot.domain.page_addresses import PageAddresses
from bot.domain.register import (
    ChildChecks,
    InterviewState,
    RiskLevel,
    StaleSubject,
    SubjectEventKind,
    SubjectStatus,
)
from bot.domain.register_moves import MoveFormView, MoveMode, MoveOfferView
from bot.domain.register_views import (
    RESTRICTED_PERSON,
    AnswerLine,
    DecisionLine,
    HistoryLine,
    LinkLine,
    MeetingRef,
    RiskChange,
    Shown,
    SubjectActionLine,
    SubjectCardView,
    SubjectChoices,
    SubjectRow,
    SubjectsPage,
)
from bot.domain.rules import check_identifying_details, parse_due_date, parse_subject
from bot.domain.views import (
    ActionCardView,
    ActionEventView,
    ActionFormView,
    ActionView,
    AgencyView,
    AttendanceView,
    ChallengeView,
    DateRequestView,
    EntryView,
    GroupChoice,
    ItemView,
    LocalityView,
    MeetingView,
    MemberView,
    OutstandingActionRow,
    OutstandingPage,
    OwnedActionView,
    PreviousMinutesView,
    RoundAnswerView,
    RoundTurnView,
    RoundView,
    SubItemView,
    WelcomeView,
)
from cards.action_control import action_card, review_card, review_list_card
from cards.actions import (
    date_request_card,
    download_card,
    hand_over_card,
    my_actions_card,
    outstanding_card,
)
from cards.briefs import BriefView, brief_card
from cards.escalations import (
    escalate_form_card,
    escalated_up_card,
    escalation_answered_card,
    escalation_card,
    escalations_list_card,
)
from cards.forms import (
    action_form_card,
    attendance_form_card,
    end_form_card,
    entry_form_card,
    subject_form_card,
)
from cards.hints import meeting_started_card
from cards.meeting import agenda_card, welcome_card
from cards.members import members_card
from cards.notices import (
    ActionReassignedNotice,
    DateDecidedNotice,
    EscalationItem,
    GrantLine,
    ReminderItem,
    RolesGrantedNotice,
    UnreachableNotice,
    action_reassigned_card,
    date_decided_card,
    escalation_digest_card,
    reminder_digest_card,
    roles_granted_card,
    unreachable_notice_card,
)
from cards.register import subject_card, subject_choices_card, subjects_card
from cards.register_forms import (
    add_form_card,
    checks_form_card,
    details_form_card,
    link_form_card,
    risk_form_card,
    saved_card,
    status_form_card,
)
from cards.register_moves import move_form_card, move_offer_card
from cards.rounds import challenges_card, round_card
from cards.setup import setup_card
from cards.summary import summary_card

if TYPE_CHECKING:  # imported when rendering, so the card list needs no playwright
    from playwright.sync_api import ConsoleMessage, FloatRect, Page

JSON = dict[str, Any]

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "cards"
GALLERY = ROOT / "scripts" / "gallery"
PAGE = GALLERY / "page.html"
NODE_MODULES = GALLERY / "node_modules"
#: What page.html loads from node_modules (``npm ci --prefix scripts/gallery``).
BUNDLES = (
    NODE_MODULES / "adaptivecards" / "dist" / "adaptivecards.min.js",
    NODE_MODULES / "markdown-it" / "dist" / "browser" / "markdown-it.umd.min.js",
)
HOST_CONFIG_NAME = "teams-hostconfig-light.json"
#: The width of the page's card slot plus its margin (page.html): a Teams chat column.
SLOT_WIDTH = 576
DEFAULT_SCALE = 1.0

#: Renderer complaints about cards that are known and accepted, each with why, keyed by
#: (gallery name, "Element#id", event kind). Anything else the renderer calls an error
#: fails the run; an entry here that stops happening is reported, so it gets removed.
KNOWN_COMPLAINTS: Mapping[tuple[str, str, str], str] = {}

#: Where the gallery's download buttons go (bot.domain.page_addresses).
GALLERY_PAGES = PageAddresses("https://mace.example.org")


def chromium_path() -> str:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def host_config_path() -> Path:
    """The Teams host config: the repository's copy of shared/schemas/ (or MACE_SHARED_DIR,
    as for the tests)."""
    shared = os.environ.get("MACE_SHARED_DIR")
    base = Path(shared) if shared else ROOT / "tests" / "fixtures" / "shared"
    return base / "schemas" / HOST_CONFIG_NAME


def missing_requirements() -> list[str]:
    """What rendering needs and is not here, in words ([] when all is present)."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (pip install -e '.[dev]')")
    chromium = chromium_path()
    if not (Path(chromium).is_file() and os.access(chromium, os.X_OK)):
        missing.append(f"Chromium at {chromium} (Debian package chromium, or set CHROMIUM)")
    if not all(bundle.is_file() for bundle in BUNDLES):
        missing.append(
            "the npm renderer in scripts/gallery/node_modules (npm ci --prefix scripts/gallery)"
        )
    if not host_config_path().is_file():
        missing.append(f"the Teams host config at {host_config_path()}")
    return missing


# --- invented people, agencies and a meeting ----------------------------------------------

SCARBOROUGH = LocalityView(1, "Scarborough")
RYEDALE = LocalityView(2, "Ryedale")

POLICE = AgencyView(1, "police", "North Yorkshire Police", is_key=True)
SOCIAL_CARE = AgencyView(2, "childrens_social_care", "Children's Social Care", is_key=True)
HEALTH = AgencyView(3, "health", "Health (CAMHS, Healthy Child Team, named nurses)", is_key=True)
EDUCATION = AgencyView(4, "education", "Education", is_key=True)
YOUTH_JUSTICE = AgencyView(5, "youth_justice", "Youth Justice Service")
HOUSING = AgencyView(6, "housing", "Housing providers")
EARLY_HELP = AgencyView(7, "early_help", "Early Help")
PROBATION = AgencyView(8, "probation", "Probation")
LICENSING = AgencyView(9, "licensing", "Licensing")
COMMUNITY_SAFETY = AgencyView(10, "community_safety", "Community Safety Partnership")
CHILDRENS_SOCIETY = AgencyView(11, "childrens_society", "The Children's Society")
PACE = AgencyView(12, "pace", "Parents Against Child Exploitation")
NYSCP = AgencyView(13, "nyscp", "Safeguarding Children Partnership (NYSCP)")
AGENCIES = (
    POLICE,
    SOCIAL_CARE,
    HEALTH,
    EDUCATION,
    YOUTH_JUSTICE,
    HOUSING,
    EARLY_HELP,
    PROBATION,
    LICENSING,
    COMMUNITY_SAFETY,
    CHILDRENS_SOCIETY,
    PACE,
    NYSCP,
)

CHAIR = MemberView(101, "Alex Wilber", NYSCP.id, NYSCP.name, (Role.CHAIR,))
MINUTE_TAKER = MemberView(102, "Sam Okafor", NYSCP.id, NYSCP.name, (Role.MINUTE_TAKER,))
COORDINATOR = MemberView(103, "Riley Quinn", NYSCP.id, NYSCP.name, (Role.COORDINATOR,))
PRIYA = MemberView(104, "Priya Shah", POLICE.id, POLICE.name, (Role.PARTNER,))
TOM = MemberView(105, "Tom Hughes", SOCIAL_CARE.id, SOCIAL_CARE.name, (Role.DEPUTY_CHAIR,))
DANA = MemberView(106, "Dana Reeves", HEALTH.id, HEALTH.name, (Role.PARTNER,))
CHRIS = MemberView(107, "Chris Lowe", EDUCATION.id, EDUCATION.name, (Role.PARTNER,))
JO = MemberView(108, "Jo Marsh", YOUTH_JUSTICE.id, YOUTH_JUSTICE.name, (Role.PARTNER,))
MORGAN = MemberView(109, "Morgan Bell", HOUSING.id, HOUSING.name, (Role.PARTNER,))
ELLIS = MemberView(110, "Ellis Ward", CHILDRENS_SOCIETY.id, CHILDRENS_SOCIETY.name)
OWEN = MemberView(111, "Owen Pryce", POLICE.id, POLICE.name, (Role.PARTNER,))
MEMBERS = (CHAIR, MINUTE_TAKER, COORDINATOR, PRIYA, OWEN, TOM, DANA, CHRIS, JO, MORGAN, ELLIS)

MEETING_DAY = date(2026, 11, 3)
LAST_MEETING = date(2026, 10, 6)
NEXT_MEETING = date(2026, 12, 1)
STARTED = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)  # 10:00 in Scarborough (GMT)
ENDED = datetime(2026, 11, 3, 11, 52, tzinfo=UTC)


def _action(
    action_id: int,
    description: str,
    owner: MemberView,
    due: date,
    *,
    subject: str | None = None,
    overdue: bool = False,
    escalated: bool = False,
    raised_on: date = MEETING_DAY,
) -> ActionView:
    return ActionView(
        id=action_id,
        description=description,
        owner_name=owner.name,
        agency_name=owner.agency_name,
        due_date=due,
        status=ActionStatus.OPEN,
        subject=subject,
        overdue=overdue,
        raised_on=raised_on,
        escalated=escalated,
    )


# Open actions from earlier meetings, reviewed at item 3 (two overdue, one escalated).
A36 = _action(
    36,
    "Invite the manager of the hotel on Foreshore Road to the Operation Makesafe awareness "
    "session and report back on staff training.",
    PRIYA,
    date(2026, 10, 28),
    subject="Hotel on Foreshore Road",
    overdue=True,
    escalated=True,
    raised_on=LAST_MEETING,
)
A38 = _action(
    38,
    "Confirm a school place for CR-0098 after the managed move, and who the designated "
    "safeguarding lead there is.",
    CHRIS,
    date(2026, 10, 30),
    subject="CR-0098 (J.P.)",
    overdue=True,
    raised_on=LAST_MEETING,
)
A40 = _action(
    40,
    "Refer CR-0104 to The Children's Society's exploitation service and agree a first visit.",
    ELLIS,
    date(2026, 11, 13),
    subject="CR-0104 (L.S.)",
    raised_on=LAST_MEETING,
)
A41 = _action(
    41,
    "Add the two sightings at the bus station to the locations map and share it with Licensing.",
    PRIYA,
    date(2026, 11, 27),
    subject="Scarborough bus station",
    raised_on=LAST_MEETING,
)
PREVIOUS_ACTIONS = (A36, A38, A40, A41)

# Recorded today.
A47 = _action(
    47,
    "Share the return-home interview for CR-0107 with the school's designated safeguarding lead.",
    TOM,
    date(2026, 11, 10),
    subject="CR-0107 (K.M.)",
)
A48 = _action(
    48,
    "Check whether CR-0112 is known to the Healthy Child Team and tell the chair before "
    "the strategy discussion.",
    DANA,
    date(2026, 11, 6),
    subject="CR-0112 (T.R.)",
)
A49 = _action(
    49,
    "Joint visit with Licensing to the takeaway on Eastborough about late-night gatherings "
    "of young people.",
    PRIYA,
    date(2026, 11, 24),
    subject="Takeaway on Eastborough",
)
A50 = _action(
    50,
    "Tell Education and Health what the meeting decided about CR-0107 and CR-0112.",
    MINUTE_TAKER,
    date(2026, 11, 5),
)


def _decision(entry_id: int, text: str) -> EntryView:
    return EntryView(entry_id, EntryKind.DECISION, text, MINUTE_TAKER.name)


DECISIONS: dict[int, tuple[EntryView, ...]] = {
    2: (_decision(901, "Minutes of 6 October agreed as accurate."),),
    3: (
        _decision(
            902,
            "A-36 escalated to the Operational group: the hotel has not replied to three "
            "invitations.",
        ),
    ),
    4: (
        _decision(
            903,
            "CR-0107 (K.M.): risk stays high. Children's Social Care to lead a strategy "
            "discussion this week.",
        ),
        _decision(904, "CR-0104 (L.S.): risk reduced from high to medium."),
    ),
    6: (_decision(905, "The takeaway on Eastborough becomes a location of concern."),),
}
ACTIONS: dict[int, tuple[ActionView, ...]] = {4: (A47, A48), 6: (A49,), 9: (A50,)}
MINUTES = {1: 1, 2: 1, 3: 4, 4: 6, 5: 2, 6: 3, 7: 2, 8: 1, 9: 1}
ELAPSED = {1: 250, 2: 185, 3: 1060, 4: 745, 5: 610, 6: 720, 7: 540, 8: 200, 9: 300}


def _items(current: int | None) -> tuple[ItemView, ...]:
    """The nine items; ``current`` None means the meeting has ended (all done)."""
    items = []
    for position, template in enumerate(CANONICAL_AGENDA, start=1):
        if current is None or position < current:
            status = ItemStatus.DONE
        elif position == current:
            status = ItemStatus.CURRENT
        else:
            status = ItemStatus.PENDING
        pending = status is ItemStatus.PENDING
        items.append(
            ItemView(
                id=300 + position,
                position=position,
                kind=template.kind,
                title=template.title,
                guidance=template.guidance,
                time_limit_minutes=template.time_limit_minutes,
                status=status,
                elapsed_seconds=0 if pending else ELAPSED[position],
                minutes_count=0 if pending else MINUTES[position],
                decisions=() if pending else DECISIONS.get(position, ()),
                actions=() if pending else ACTIONS.get(position, ()),
            )
        )
    return tuple(items)


def _attendance(ended: bool) -> tuple[AttendanceView, ...]:
    """Key agencies first. Mid-meeting, Health is not recorded and Education sent
    apologies; by the end Health has sent apologies and Education a substitute."""
    present, apologies, substitute = (
        AttendanceStatus.PRESENT,
        AttendanceStatus.APOLOGIES,
        AttendanceStatus.SUBSTITUTE,
    )
    return (
        AttendanceView(POLICE, present, "Priya Shah (DS), Owen Pryce"),
        AttendanceView(SOCIAL_CARE, present, "Tom Hughes"),
        AttendanceView(HEALTH, apologies, "Dana Reeves") if ended else AttendanceView(HEALTH, None),
        AttendanceView(EDUCATION, substitute, "K. Patel for Chris Lowe")
        if ended
        else AttendanceView(EDUCATION, apologies, "Chris Lowe"),
        AttendanceView(YOUTH_JUSTICE, present, "Jo Marsh"),
        AttendanceView(HOUSING, substitute, "R. Dale for Morgan Bell"),
        AttendanceView(EARLY_HELP, present, "S. Grainger"),
        AttendanceView(PROBATION, apologies, "M. Iqbal"),
        AttendanceView(LICENSING, present, "F. Oduya")
        if ended
        else AttendanceView(LICENSING, None),
        AttendanceView(COMMUNITY_SAFETY, present, "L. Carter"),
        AttendanceView(CHILDRENS_SOCIETY, present, "Ellis Ward"),
        AttendanceView(PACE, None),
        AttendanceView(NYSCP, present, "Alex Wilber (chair), Sam Okafor, Riley Quinn"),
    )


CHALLENGE_SAFETY_PLAN = ChallengeView(
    id=71,
    raised_by_agency=YOUTH_JUSTICE.name,
    raised_by_name=JO.name,
    to_agency=SOCIAL_CARE.name,
    about="The safety plan for CR-0107 (K.M.)",
    text="The safety plan has not been shared with the youth justice worker, who sees K.M. "
    "twice a week and would be the first to notice a missing episode.",
    status=ChallengeStatus.OPEN,
    item_title="Children discussed",
)
CHALLENGE_INTELLIGENCE = ChallengeView(
    id=64,
    raised_by_agency=CHILDRENS_SOCIETY.name,
    raised_by_name=ELLIS.name,
    to_agency=POLICE.name,
    about="Feedback on intelligence submitted in September",
    text="Three intelligence reports about the Foreshore Road hotel have had no feedback, "
    "so staff do not know whether to keep submitting them.",
    status=ChallengeStatus.OPEN,
    item_title="Locations of concern",
)
CHALLENGE_PLAN = ChallengeView(
    id=66,
    raised_by_agency=EARLY_HELP.name,
    raised_by_name="S. Grainger",
    to_agency=None,
    about="Return-home interviews done after 72 hours",
    text="Four of the last six return-home interviews were done after the 72 hours the "
    "protocol asks for.",
    status=ChallengeStatus.OPEN,
    item_title="Community intelligence, themes, trends and links",
)


def meeting(*, ended: bool = False, current: int = 4) -> MeetingView:
    """The Scarborough meeting of 3 November: mid-meeting at ``current``, or ended."""
    return MeetingView(
        id=12,
        locality=SCARBOROUGH,
        status=MeetingStatus.ENDED if ended else MeetingStatus.IN_PROGRESS,
        started_at=STARTED,
        ended_at=ENDED if ended else None,
        chair_name=CHAIR.name,
        items=_items(None if ended else current),
        current_position=None if ended else current,
        attendance=_attendance(ended),
        missing_key_agencies=(HEALTH,) if ended else (HEALTH, EDUCATION),
        previous_open_actions=PREVIOUS_ACTIONS,
        previous_minutes=PreviousMinutesView(9, LAST_MEETING, MinutesStatus.AGREED, 4, 7),
        agencies=AGENCIES,
        open_challenges=(CHALLENGE_SAFETY_PLAN, CHALLENGE_INTELLIGENCE)
        if ended
        else (CHALLENGE_INTELLIGENCE,),
        next_meeting_date=NEXT_MEETING if ended or current == 9 else None,
    )


def round_view(*, closed: bool = False) -> RoundView:
    """The share-and-challenge round on item 4, part answered (or closed)."""
    shared, nothing, challenge, absent = (
        TurnOutcome.SHARED,
        TurnOutcome.NOTHING_TO_SHARE,
        TurnOutcome.CHALLENGE,
        TurnOutcome.NOT_PRESENT,
    )
    turns = (
        RoundTurnView(
            POLICE,
            shared,
            "CR-0107 (K.M.) seen twice at the bus station after 22:00 with older males; both "
            "sightings are on intelligence logs. A car linked to the address on Castle Road "
            "has been flagged.",
            PRIYA.name,
        ),
        RoundTurnView(
            SOCIAL_CARE,
            shared,
            "Strategy discussion for CR-0107 (K.M.) held on 28 October; the enquiry "
            "continues. CR-0112 (T.R.) has returned home and has a new social worker.",
            TOM.name,
        ),
        RoundTurnView(HEALTH, absent),
        RoundTurnView(EDUCATION, absent),
        RoundTurnView(
            YOUTH_JUSTICE, challenge, CHALLENGE_SAFETY_PLAN.text, JO.name, SOCIAL_CARE.name
        ),
        RoundTurnView(HOUSING, nothing, answered_by="R. Dale"),
        RoundTurnView(EARLY_HELP, nothing, answered_by="S. Grainger")
        if closed
        else RoundTurnView(EARLY_HELP, None),
        RoundTurnView(PROBATION, absent),
        RoundTurnView(LICENSING, None),
        RoundTurnView(COMMUNITY_SAFETY, nothing, answered_by="L. Carter"),
        RoundTurnView(
            CHILDRENS_SOCIETY,
            shared,
            "K.M. has come to two sessions and says an older male gave them a phone.",
            ELLIS.name,
        ),
        RoundTurnView(PACE, None),
        RoundTurnView(NYSCP, nothing, answered_by=COORDINATOR.name)
        if closed
        else RoundTurnView(NYSCP, None),
    )
    return RoundView(
        id=31,
        meeting_id=12,
        locality_name=SCARBOROUGH.name,
        item_position=4,
        item_title="Children discussed",
        status=RoundStatus.CLOSED if closed else RoundStatus.OPEN,
        turns=turns,
        agencies=AGENCIES,
        challenges=(CHALLENGE_SAFETY_PLAN,),
    )


def meeting_with_subjects() -> MeetingView:
    """Item 4 discussed subject by subject: two children and a location added by the
    chair, the second child being discussed now; a person of concern under item 5 is
    shown only as "Person of concern 1" (the card is in the group's conversation)."""
    view = meeting()
    subs = (
        SubItemView(
            901, 1107, 1, "done", SubjectKind.CHILD, "CR-0107 (K.M.)", "High", False, 2, 1, 1
        ),
        SubItemView(
            902, 1112, 2, "current", SubjectKind.CHILD, "CR-0112 (T.R.)", "Medium", False, 1
        ),
        SubItemView(903, 1201, 3, "pending", SubjectKind.LOCATION, "Takeaway on Eastborough", ""),
    )
    persons = (
        SubItemView(904, 1301, 1, "pending", SubjectKind.PERSON, "Person of concern 1", "", True),
    )
    items = tuple(
        replace(item, sub_items=subs, takes_subjects=True)
        if item.position == 4
        else replace(item, sub_items=persons, takes_subjects=True)
        if item.position == 5
        else replace(item, takes_subjects=item.position in (6, 7))
        for item in view.items
    )
    return replace(view, items=items)


def round_about_a_child() -> RoundView:
    """A round about one child: Health answers twice, once for CAMHS and once for the
    Healthy Child team, and the Police twice (a second thought); every answer is kept."""
    shared, nothing = TurnOutcome.SHARED, TurnOutcome.NOTHING_TO_SHARE
    at = datetime(2026, 11, 3, 10, 41, tzinfo=UTC)
    police = (
        RoundAnswerView(shared, "Seen at the bus station twice after 22:00.", PRIYA.name, at),
        RoundAnswerView(
            shared,
            "Correction: the second sighting was at the retail park, not the bus station.",
            OWEN.name,
            at.replace(minute=44),
        ),
    )
    health = (
        RoundAnswerView(
            shared,
            "Attended two CAMHS appointments; the next is booked.",
            DANA.name,
            at.replace(minute=42),
            "CAMHS",
        ),
        RoundAnswerView(nothing, "", DANA.name, at.replace(minute=43), "Healthy Child team"),
    )
    turns = (
        RoundTurnView(POLICE, shared, police[-1].text, OWEN.name, answers=police),
        RoundTurnView(SOCIAL_CARE, None),
        RoundTurnView(HEALTH, nothing, "", DANA.name, answers=health),
        RoundTurnView(EDUCATION, TurnOutcome.NOT_PRESENT),
    )
    return replace(round_view(), turns=turns, challenges=(), subject="CR-0112 (T.R.)")


def _minute_errors() -> tuple[JSON, dict[str, str]]:
    """A minute that gives a phone number: the bot's own check points it out."""
    values: JSON = {
        "minuteText": "T.R.'s mother asked to be called on 07700 900462 before any home "
        "visit; Children's Social Care to arrange the next visit with her."
    }
    errors: dict[str, str] = {}
    check_identifying_details(errors, "minuteText", values["minuteText"], MEETING_DAY, values)
    return values, errors


def _action_errors() -> tuple[JSON, dict[str, str]]:
    """An action with a due date in the past and a child's name where the case reference
    goes: the messages are the bot's own."""
    values: JSON = {
        "description": "Make sure the new school knows about the safety plan.",
        "ownerId": str(CHRIS.id),
        "dueDate": "2026-10-30",
        "subjectKind": "child",
        "subjectRef": "Kayden",
        "subjectInitials": "KM",
    }
    errors: dict[str, str] = {}
    _, due_error = parse_due_date(values["dueDate"], MEETING_DAY)
    if due_error:
        errors["dueDate"] = due_error
    parse_subject(values["subjectKind"], values["subjectRef"], values["subjectInitials"], errors)
    return values, errors


def owned_actions() -> tuple[OwnedActionView, ...]:
    """Priya Shah's open actions, soonest due first: one overdue and escalated, one with a
    new date asked for, one with an update."""
    colleague = (OWEN,)
    return (
        OwnedActionView(
            A36,
            SCARBOROUGH.name,
            last_update="Second invitation sent on 21 October; the manager has not replied.",
            colleagues=colleague,
        ),
        OwnedActionView(A49, SCARBOROUGH.name, colleagues=colleague),
        OwnedActionView(
            A41,
            SCARBOROUGH.name,
            requested_due_date=date(2026, 12, 11),
            last_update="Sightings added; waiting for the map to be redrawn by the analyst.",
            colleagues=colleague,
        ),
    )


def outstanding_page() -> OutstandingPage:
    wanted = ActionFilter(locality="Scarborough", overdue_only=True)

    def row(
        action: ActionView, days: int, update: str = "", subject: str | None = None
    ) -> OutstandingActionRow:
        return OutstandingActionRow(
            id=action.id,
            locality=SCARBOROUGH.name,
            description=action.description,
            owner_name=action.owner_name,
            agency_name=action.agency_name,
            due_date=action.due_date,
            status=action.status,
            subject=subject or action.subject,
            raised_on=action.raised_on,
            days_overdue=days,
            escalated=action.escalated,
            last_update=update,
        )

    a29 = _action(
        29,
        "Ask the landlord of the flat on Castle Road to report visitors under 18.",
        MORGAN,
        date(2026, 10, 16),
        escalated=True,
        raised_on=date(2026, 9, 1),
    )
    return OutstandingPage(
        rows=(
            row(a29, 29, "Letter sent; the landlord wants to meet the police first."),
            row(A36, 19, "Second invitation sent on 21 October; the manager has not replied."),
            row(A38, 17),
        ),
        total=3,
        page=1,
        pages=1,
        description=wanted.describe(),
        filter_data=wanted.as_data(),
    )


def members_view() -> MembersView:
    def holder(member: MemberView, email: str, *roles: tuple[int, Role]) -> MemberRoles:
        return MemberRoles(
            member.id,
            member.name,
            member.agency_name,
            email,
            tuple(RoleHeld(membership, role) for membership, role in roles),
        )

    return MembersView(
        locality=CodeChoice("scarborough", "Scarborough"),
        members=(
            holder(CHAIR, "alex.wilber@nyscp.example", (501, Role.CHAIR)),
            holder(TOM, "tom.hughes@csc.example", (502, Role.DEPUTY_CHAIR)),
            holder(MINUTE_TAKER, "sam.okafor@nyscp.example", (503, Role.MINUTE_TAKER)),
            holder(COORDINATOR, "riley.quinn@nyscp.example", (504, Role.COORDINATOR)),
            holder(
                PRIYA, "priya.shah@police.example", (505, Role.PARTNER), (511, Role.AGENCY_LEAD)
            ),
            holder(DANA, "dana.reeves@health.example", (506, Role.PARTNER)),
            holder(CHRIS, "", (507, Role.PARTNER)),
        ),
        localities=tuple(
            CodeChoice(name.lower(), name)
            for name in (
                "Scarborough",
                "Ryedale",
                "Harrogate",
                "Craven",
                "Hambleton",
                "Richmondshire",
                "Selby",
            )
        ),
        agencies=tuple(CodeChoice(a.code, a.name) for a in AGENCIES),
    )


# --- the register (issue 15): invented subjects ---------------------------------------------


def _register_at(day: date, hour: int = 11, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def register_child(*, chair: bool) -> SubjectCardView:
    """CR-0107 (J.D.), as the chair sees it in a personal chat (``chair``) or as a partner
    does: a person of concern linked to the child shows to the partner only as restricted."""
    october = MeetingRef(11, date(2026, 10, 6), SCARBOROUGH.name)
    november = MeetingRef(12, MEETING_DAY, SCARBOROUGH.name)
    links = [
        LinkLine(
            52,
            SubjectKind.LOCATION,
            "Takeaway on Eastborough",
            RiskLevel.MEDIUM,
            "Seen there late at night with older teenagers",
            MEETING_DAY,
        ),
        LinkLine(
            53,
            SubjectKind.GROUP,
            "Eastfield peer group",
            RiskLevel.HIGH,
            "Part of the group since the summer",
            date(2026, 10, 6),
        ),
    ]
    if chair:
        links.insert(
            0,
            LinkLine(
                54,
                SubjectKind.PERSON,
                "NYP-4471 (K.M.)",
                RiskLevel.VERY_HIGH,
                "Gives lifts from the takeaway",
                MEETING_DAY,
            ),
        )
    else:
        links.append(
            LinkLine(
                None, SubjectKind.PERSON, RESTRICTED_PERSON, None, "", MEETING_DAY, restricted=True
            )
        )
    return SubjectCardView(
        subject_id=51,
        kind=SubjectKind.CHILD,
        reference="CR-0107",
        initials="J.D.",
        group=SCARBOROUGH.name,
        status=SubjectStatus.OPEN,
        status_reason="",
        risk=RiskLevel.HIGH,
        strands=("Child criminal exploitation and county lines", "Missing from home or care"),
        lead_agency=POLICE.name,
        first_discussed=date(2026, 10, 6),
        last_discussed=MEETING_DAY,
        checks=ChildChecks(
            missing_episode=True,
            return_interview=InterviewState.DONE,
            return_interview_on=date(2026, 10, 28),
            voice_recorded=True,
            looked_after=False,
        ),
        missing=(
            ("Parents or carers involved in safety planning", "Risk assessment tool completed")
            if chair
            else None
        ),
        risk_history=Shown(
            (
                RiskChange(
                    RiskLevel.HIGH,
                    RiskLevel.MEDIUM,
                    CHAIR.name,
                    _register_at(MEETING_DAY),
                    november,
                    "Two missing episodes and seen with a person of concern",
                ),
                RiskChange(
                    RiskLevel.MEDIUM,
                    None,
                    CHAIR.name,
                    _register_at(date(2026, 10, 6)),
                    october,
                    "First rated at referral",
                ),
            )
        ),
        history=Shown(
            (
                HistoryLine(
                    SubjectEventKind.LEAD_AGENCY,
                    POLICE.name,
                    "",
                    CHAIR.name,
                    _register_at(date(2026, 10, 6), 12),
                    october,
                ),
            )
        ),
        links=Shown(tuple(links)),
        actions=Shown(
            (
                SubjectActionLine(29, POLICE.name, date(2026, 10, 30), True),
                SubjectActionLine(41, HEALTH.name, date(2026, 11, 24), False),
            )
        ),
        decisions=Shown((DecisionLine(MEETING_DAY, "Refer to the National Referral Mechanism"),)),
        meetings=Shown((november, october)),
        answers=Shown(
            (
                AnswerLine(
                    MEETING_DAY,
                    POLICE.name,
                    "",
                    "Shared",
                    "Stopped near the takeaway at 23:40 with two older males.",
                    PRIYA.name,
                    _register_at(MEETING_DAY, 11, 5),
                ),
                AnswerLine(
                    MEETING_DAY,
                    HEALTH.name,
                    "CAMHS",
                    "Shared",
                    "Missed two appointments; school nurse concerned.",
                    DANA.name,
                    _register_at(MEETING_DAY, 11, 7),
                ),
                AnswerLine(
                    MEETING_DAY,
                    POLICE.name,
                    "",
                    "Shared",
                    "Update: a second sighting the same week.",
                    PRIYA.name,
                    _register_at(MEETING_DAY, 11, 12),
                ),
            )
        ),
        can_edit=chair,
        can_move=chair,
    )


def register_rows() -> tuple[SubjectRow, ...]:
    return (
        SubjectRow(
            54,
            SubjectKind.PERSON,
            "NYP-4471 (K.M.)",
            SCARBOROUGH.name,
            RiskLevel.VERY_HIGH,
            SubjectStatus.OPEN,
            MEETING_DAY,
        ),
        SubjectRow(
            51,
            SubjectKind.CHILD,
            "CR-0107 (J.D.)",
            SCARBOROUGH.name,
            RiskLevel.HIGH,
            SubjectStatus.OPEN,
            MEETING_DAY,
        ),
        SubjectRow(
            53,
            SubjectKind.GROUP,
            "Eastfield peer group",
            SCARBOROUGH.name,
            RiskLevel.HIGH,
            SubjectStatus.MONITORING,
            date(2026, 8, 4),
        ),
        SubjectRow(
            52,
            SubjectKind.LOCATION,
            "Takeaway on Eastborough",
            SCARBOROUGH.name,
            RiskLevel.MEDIUM,
            SubjectStatus.OPEN,
            None,
        ),
    )


# --- the gallery ------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    """One picture: a card builder called with invented views, and what it shows."""

    name: str  # the PNG's name in docs/cards/
    section: str
    title: str
    caption: str  # what the card is and when the bot sends it
    builder: Callable[..., JSON]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    expand: tuple[str, ...] = ()  # show-card buttons opened before the picture, in order
    #: Picture only from the first opened button down (a long card's form, not all of it).
    from_expanded: bool = False

    def card(self) -> JSON:
        return self.builder(*self.args, **self.kwargs)


SETTING_UP = "Setting up a conversation"
IN_THE_MEETING = "In the meeting"
AT_THE_END = "At the end of the meeting"
BETWEEN_MEETINGS = "Between meetings (personal chat)"
SENT_UNASKED = "Sent by the bot on its own"
ADMINISTRATION = "Administration"
SECTIONS = (
    SETTING_UP,
    IN_THE_MEETING,
    AT_THE_END,
    BETWEEN_MEETINGS,
    SENT_UNASKED,
    ADMINISTRATION,
    "The register",
)


def shots() -> list[Shot]:
    """Every picture in the gallery, in the order the index shows them."""
    minute_values, minute_errors = _minute_errors()
    action_values, action_errors = _action_errors()
    ended = meeting(ended=True)
    return [
        Shot(
            "setup",
            SETTING_UP,
            "Link a conversation",
            "Posted when the bot is added to a channel or chat that is not yet linked (or on "
            "`setup`): a chair or administrator picks the locality group; nothing is recorded "
            "until then.",
            setup_card,
            ((GroupChoice(SCARBOROUGH), GroupChoice(RYEDALE)),),
        ),
        Shot(
            "welcome",
            SETTING_UP,
            "Welcome",
            "In a linked conversation, the bot's greeting and the chair's Start button.",
            welcome_card,
            (WelcomeView(SCARBOROUGH, can_start=True),),
        ),
        Shot(
            "meeting-started",
            SETTING_UP,
            "A Teams meeting has started",
            "Offered when Teams says a meeting has started in a linked conversation: the "
            "chair starts the MACE meeting from it.",
            meeting_started_card,
            (SCARBOROUGH,),
        ),
        Shot(
            "agenda",
            IN_THE_MEETING,
            "The live agenda",
            "Posted by `start meeting` and edited in place all meeting: here at item 4, with "
            "Health and Education not present (the warning), item 3 over its time, overdue and "
            "escalated actions from earlier meetings, and what has been recorded so far.",
            agenda_card,
            (meeting(),),
        ),
        Shot(
            "agenda-subjects",
            IN_THE_MEETING,
            "Subjects discussed under an item",
            "Items 4 to 7 are discussed subject by subject: the chair adds each (new, or found "
            "on the register by its reference) and Next walks through them. Each shows its "
            "risk and what was recorded about it, and Open shows its card; a person of "
            "concern is never named on this card, which the whole conversation sees.",
            agenda_card,
            (meeting_with_subjects(),),
        ),
        Shot(
            "form-subject",
            IN_THE_MEETING,
            "Adding a subject to discuss",
            "The agenda's Add subject: a child or a person of concern by reference and "
            "initials, a location never a house address, a group or theme by a short label.",
            subject_form_card,
            (meeting_with_subjects(), 304),
        ),
        Shot(
            "agenda-record",
            IN_THE_MEETING,
            "Recording a minute from the agenda",
            "The foot of the agenda card: its Record button opens the minute and decision "
            "forms in the card (this is the minute form), and an Action button for the "
            "action form.",
            agenda_card,
            (meeting(),),
            expand=("Record", "Minute"),
            from_expanded=True,
        ),
        Shot(
            "form-action",
            IN_THE_MEETING,
            "Recording an action",
            "Record > Action on the agenda opens this form in place of the agenda, for the "
            "person who pressed it (Back to agenda returns): what needs doing, an owner from "
            "the group, a due date, and a child only by case reference and initials.",
            action_form_card,
            (ActionFormView(meeting(), MEMBERS), 304),
        ),
        Shot(
            "form-action-errors",
            IN_THE_MEETING,
            "A form handed back with errors",
            "When something entered needs another look, the form comes back with the entries "
            "kept and the error beside each field: here a due date in the past and a name "
            "where the case reference goes.",
            action_form_card,
            (ActionFormView(meeting(), MEMBERS), 304),
            {"values": action_values, "errors": action_errors},
        ),
        Shot(
            "form-minute-details",
            IN_THE_MEETING,
            "Identifying details pointed out",
            "A minute with a phone number in it is not saved: the writer is told what kind of "
            "detail was found (never quoted) and either edits it out or ticks that it is "
            "needed in the record.",
            entry_form_card,
            (meeting(), 304, EntryKind.MINUTE),
            {"values": minute_values, "errors": minute_errors},
        ),
        Shot(
            "form-attendance",
            IN_THE_MEETING,
            "Attendance form",
            "Attendance by agency, with apologies and substitutes (also in the agenda's "
            "Attendance button); here handed back because no attendance was chosen.",
            attendance_form_card,
            (meeting(current=1),),
            {
                "values": {"agencyId": str(HEALTH.id), "people": "Dana Reeves"},
                "errors": {"attendanceStatus": "Choose present, apologies or substitute."},
            },
        ),
        Shot(
            "round-open",
            IN_THE_MEETING,
            "Share and challenge, in progress",
            "A round on item 4 asks every agency present in turn: answers so far, a challenge "
            "from the Youth Justice Service, who is still to answer, and the answer form.",
            round_card,
            (round_view(),),
        ),
        Shot(
            "round-subject",
            IN_THE_MEETING,
            "Share and challenge about one child",
            "Opened while a child is being discussed, the round is about that child. Every "
            "answer is kept with who and when: here two Health services answer each for "
            "itself, and the Police add a correction.",
            round_card,
            (round_about_a_child(),),
        ),
        Shot(
            "round-closed",
            IN_THE_MEETING,
            "Share and challenge, closed",
            "When the chair closes the round the card becomes its record: counts, who did "
            "not answer, and the challenges raised.",
            round_card,
            (round_view(closed=True),),
        ),
        Shot(
            "challenges",
            IN_THE_MEETING,
            "Open challenges",
            "`challenges` lists the group's open challenges, each with a form for the response "
            "and outcome (here one handed back: the outcome was not chosen).",
            challenges_card,
            ((CHALLENGE_SAFETY_PLAN, CHALLENGE_INTELLIGENCE, CHALLENGE_PLAN),),
            {
                "locality_name": SCARBOROUGH.name,
                "values": {
                    "response-71": "The safety plan was sent to the youth justice worker on "
                    "4 November and will be reviewed with them."
                },
                "errors": {"resolution-71": "Choose resolved or escalated."},
            },
        ),
        Shot(
            "form-end",
            AT_THE_END,
            "End the meeting",
            "`end meeting` (or the agenda's End meeting button): the date of the next meeting "
            "goes out with the summary.",
            end_form_card,
            (meeting(current=9),),
        ),
        Shot(
            "summary",
            AT_THE_END,
            "Meeting summary",
            "Posted when the meeting ends: attendance, decisions and actions under their "
            "items, open challenges and the next date, with the Word minutes a click away.",
            summary_card,
            (ended, GALLERY_PAGES),
        ),
        Shot(
            "download",
            AT_THE_END,
            "Download page",
            "The answer to a Download button on a card drawn before downloads moved to the "
            "pages: a button to the page, which asks to sign in first and offers the file.",
            download_card,
            ("Minutes (Word)", GALLERY_PAGES.meeting(3)),
        ),
        Shot(
            "my-actions",
            BETWEEN_MEETINGS,
            "My actions",
            "`my actions`: an owner's open actions, soonest due first, one overdue and "
            "escalated, one waiting for a new date; each has buttons to add an update, mark "
            "it done, ask for a new date or hand it over (shown open).",
            my_actions_card,
            (owned_actions(),),
            expand=("Ask for a new date",),
        ),
        Shot(
            "hand-over",
            BETWEEN_MEETINGS,
            "Hand an action over",
            "Behind the Hand over button on My actions: the owner picks a colleague in the "
            "same agency and group, who becomes the owner and is told.",
            hand_over_card,
            (owned_actions()[0],),
        ),
        Shot(
            "outstanding",
            BETWEEN_MEETINGS,
            "Outstanding actions",
            "`outstanding actions overdue in Scarborough`: a coordinator's filtered list, "
            "with CSV and Excel downloads on a signed-in page.",
            outstanding_card,
            (outstanding_page(), GALLERY_PAGES),
        ),
        Shot(
            "date-request",
            SENT_UNASKED,
            "New due date asked for",
            "Sent to the chair and deputy when an owner asks to move a due date: by reference "
            "only, with the details one click away.",
            date_request_card,
            (
                DateRequestView(
                    action_id=41,
                    locality=SCARBOROUGH.name,
                    owner_name=PRIYA.name,
                    agency_name=POLICE.name,
                    current_due=A41.due_date,
                    requested_due=date(2026, 12, 11),
                    reason="The analyst who redraws the map is away until 4 December.",
                    description=A41.description,
                ),
            ),
        ),
        Shot(
            "date-decided",
            SENT_UNASKED,
            "New due date decided",
            "Tells the owner the chair's answer to their request.",
            date_decided_card,
            (DateDecidedNotice(41, SCARBOROUGH.name, True, date(2026, 12, 11), A41.due_date),),
        ),
        Shot(
            "reminders",
            SENT_UNASKED,
            "Reminder digest",
            "One message per owner per run (working days, working hours): actions due soon, "
            "due today or overdue, by reference only.",
            reminder_digest_card,
            (
                (
                    ReminderItem(41, SCARBOROUGH.name, date(2026, 11, 27), 3),
                    ReminderItem(49, SCARBOROUGH.name, date(2026, 11, 24), 0),
                    ReminderItem(36, SCARBOROUGH.name, date(2026, 10, 28), -19),
                ),
            ),
        ),
        Shot(
            "escalations",
            SENT_UNASKED,
            "Escalation digest",
            "To the chair and coordinator when overdue reminders go unanswered, or an owner "
            "cannot be reached; each is flagged on the next agenda.",
            escalation_digest_card,
            (
                (
                    EscalationItem(
                        36,
                        SCARBOROUGH.name,
                        PRIYA.name,
                        POLICE.name,
                        date(2026, 10, 28),
                        19,
                        "overdue",
                    ),
                    EscalationItem(
                        29,
                        SCARBOROUGH.name,
                        MORGAN.name,
                        HOUSING.name,
                        date(2026, 10, 16),
                        29,
                        "unreachable",
                    ),
                ),
            ),
        ),
        Shot(
            "unreachable",
            SENT_UNASKED,
            "A member cannot be reached",
            "To the coordinator when Teams refuses the bot's messages to someone (they "
            "blocked or removed it), so their reminders go to the chair instead.",
            unreachable_notice_card,
            (UnreachableNotice(MORGAN.name, HOUSING.name, (SCARBOROUGH.name,), "blocked"),),
        ),
        Shot(
            "roles-granted",
            SENT_UNASKED,
            "A role was granted in a group",
            "To the group's chairs, deputy chairs and coordinators when an administrator (or "
            "the operator) grants a role there: every role opens the group's meetings.",
            roles_granted_card,
            (
                RolesGrantedNotice(
                    SCARBOROUGH.name,
                    (GrantLine(PRIYA.name, POLICE.name, "Deputy chair"),),
                    CHAIR.name,
                ),
            ),
        ),
        Shot(
            "brief",
            SENT_UNASKED,
            "Pre-meeting brief",
            "To the chair the working day before a meeting: what it must review, by "
            "reference only.",
            brief_card,
            (
                BriefView(
                    locality=SCARBOROUGH.name,
                    meeting_date=NEXT_MEETING,
                    open_actions=(29, 36, 38, 41, 49),
                    overdue_actions=(29, 36, 38),
                    escalated_actions=(29, 36),
                    open_challenges=2,
                    draft_minutes_date=MEETING_DAY,
                    stale_subjects=(
                        StaleSubject(SubjectKind.CHILD, RiskLevel.VERY_HIGH, None, None),
                        StaleSubject(
                            SubjectKind.PERSON,
                            RiskLevel.VERY_HIGH,
                            MEETING_DAY - timedelta(weeks=11),
                            11,
                        ),
                        StaleSubject(
                            SubjectKind.LOCATION,
                            RiskLevel.HIGH,
                            MEETING_DAY - timedelta(weeks=9),
                            9,
                        ),
                    ),
                    stale_total=5,
                ),
            ),
        ),
        Shot(
            "members",
            ADMINISTRATION,
            "Members and roles",
            "`members` (administrators, personal chat): who holds which role in a group, a "
            "button to remove each, and the form to grant one.",
            members_card,
            (members_view(),),
            {"note": "Dana Reeves is now Partner member in Scarborough."},
        ),
        # The register, read side (issue 15).
        Shot(
            "subject-chair",
            BETWEEN_MEETINGS,
            "A subject's card (chair)",
            "`subject CR-0107` in personal chat: risk and its history, strands, checks (and what "
            "is still to record, for the chair only), links with each one's risk, open actions, "
            "decisions, meetings and round answers; buttons to change it or move it.",
            subject_card,
            (register_child(chair=True),),
        ),
        Shot(
            "subject-partner",
            BETWEEN_MEETINGS,
            "A subject's card (partner)",
            "The same child for a partner: no buttons, no missing checks, and a linked person "
            "of concern shown only as restricted.",
            subject_card,
            (register_child(chair=False),),
        ),
        Shot(
            "subjects",
            BETWEEN_MEETINGS,
            "The register",
            "`subjects` (or `high risk`, `locations of concern`, `not discussed for 3 months`, "
            "`subjects in Scarborough`) in personal chat: riskiest first, each with Open.",
            subjects_card,
            (
                SubjectsPage(
                    rows=register_rows(),
                    total=14,
                    page=1,
                    pages=2,
                    description="open or monitoring",
                    words="",
                ),
            ),
        ),
        Shot(
            "subject-choice",
            BETWEEN_MEETINGS,
            "Which subject?",
            "`subject CR-0107` when two of your groups record that reference: choose one.",
            subject_choices_card,
            (
                SubjectChoices(
                    "CR-0107",
                    (
                        register_rows()[1],
                        SubjectRow(
                            77,
                            SubjectKind.CHILD,
                            "CR-0107 (Z.Z.)",
                            RYEDALE.name,
                            RiskLevel.LOW,
                            SubjectStatus.OPEN,
                            date(2026, 9, 15),
                        ),
                    ),
                ),
            ),
        ),
        *register_shots(),
        *report_shots(),
        *escalation_shots(),
        *minutes_shots(ended),
    ]


# --- minutes in a personal chat (issue 16) -------------------------------------------------


def minutes_shots(ended: MeetingView) -> list[Shot]:
    """The past meetings list and one meeting's minutes card, as a partner sees them."""
    from bot.domain.agenda import CANONICAL_AGENDA
    from bot.domain.minutes_views import MinutesCardView, PastMeetingRow, PastMeetingsPage
    from bot.domain.ratings import RatingFormView
    from cards.briefs import OwnAction
    from cards.minutes import minutes_card, past_meetings_card
    from cards.ratings import rating_card

    rows = (
        PastMeetingRow(12, SCARBOROUGH.name, MEETING_DAY, False, 3, 4),
        PastMeetingRow(9, SCARBOROUGH.name, MEETING_DAY - timedelta(weeks=4), True, 5, 6),
        PastMeetingRow(8, RYEDALE.name, MEETING_DAY - timedelta(weeks=5), True, 2, 1),
    )
    return [
        Shot(
            "minutes-list",
            BETWEEN_MEETINGS,
            "Past meetings",
            "`minutes` in personal chat: your groups' past meetings, newest first, each "
            "with Open; any member of the group.",
            past_meetings_card,
            (PastMeetingsPage(rows, 13, 1, 2),),
        ),
        Shot(
            "minutes-card",
            BETWEEN_MEETINGS,
            "A meeting's minutes",
            "Open on the list (or on the pre-meeting brief): decisions and actions, DRAFT "
            "until agreed, with the Word minutes on the meeting's page (signed in first).",
            minutes_card,
            (MinutesCardView(ended, agreed=False), GALLERY_PAGES),
        ),
        Shot(
            "brief-partner",
            SENT_UNASKED,
            "Pre-meeting brief (a partner)",
            "To every member the working day before a meeting: the date, the agenda, their "
            "own actions and the draft minutes to agree; no chair-only section.",
            brief_card,
            (
                BriefView(
                    locality=SCARBOROUGH.name,
                    meeting_date=NEXT_MEETING,
                    open_actions=(),
                    overdue_actions=(),
                    escalated_actions=(),
                    open_challenges=0,
                    draft_minutes_date=MEETING_DAY,
                    for_chair=False,
                    agenda=tuple(item.title for item in CANONICAL_AGENDA),
                    draft_minutes_meeting_id=ended.id,
                    own_actions=(
                        OwnAction(36, MEETING_DAY - timedelta(days=5), overdue=True),
                        OwnAction(49, NEXT_MEETING + timedelta(days=7)),
                    ),
                ),
            ),
        ),
        Shot(
            "rate-meeting",
            SENT_UNASKED,
            "Rate the meeting",
            "When a meeting ends, to each person who said they were there (I'm here, "
            "`here`): rate it once, 1-5 with an optional comment, anonymously.",
            rating_card,
            (RatingFormView(ended.id, SCARBOROUGH.name, MEETING_DAY),),
        ),
    ]


# --- the register's writes (issue 15) ------------------------------------------------------

REGISTER = "The register"


def subject_edit() -> Any:
    """An invented child of Scarborough's register, as its edit forms show it."""
    from bot.domain.model import SubjectKind
    from bot.domain.register import SEED_STRANDS, ChildChecks, RiskLevel, SubjectStatus
    from bot.domain.register_forms import LinkRow, SubjectEdit

    return SubjectEdit(
        subject_id=7,
        kind=SubjectKind.CHILD,
        shown="CR-0107 (J.S.)",
        locality_name=SCARBOROUGH.name,
        meeting_id=12,
        risk=RiskLevel.MEDIUM,
        status=SubjectStatus.OPEN,
        lead_agency="police",
        strands=("cce", "missing"),
        checks=ChildChecks(missing_episode=True, voice_recorded=True, parents_involved=False),
        agencies=tuple((a.code, a.name) for a in AGENCIES),
        strand_choices=tuple((s.code, s.label) for s in SEED_STRANDS),
        links=(
            LinkRow(31, SubjectKind.LOCATION, "Takeaway on Eastborough", RiskLevel.HIGH),
            LinkRow(32, SubjectKind.GROUP, "Northside group", None),
        ),
    )


def register_shots() -> list[Shot]:
    from bot.domain.model import SubjectKind
    from bot.domain.register_forms import AddChoices, SubjectSaved

    view = subject_edit()
    choices = AddChoices(
        (("1", "Ryedale"), ("2", SCARBOROUGH.name)),
        view.agencies,
        view.strand_choices,
    )
    return [
        Shot(
            "register-risk",
            REGISTER,
            "Change a subject's risk",
            "From a subject's card (Risk), in a personal chat or the meeting chat, for the "
            "person who pressed: the new level and why; the history keeps who, when and in "
            "which meeting.",
            risk_form_card,
            (view,),
            {
                "values": {"riskLevel": "medium", "riskReason": "Seen at the station again."},
                "errors": {"riskLevel": "The risk is already medium: choose another level."},
            },
        ),
        Shot(
            "register-status",
            REGISTER,
            "Change a subject's status",
            "Open, monitoring or closed; closing needs a reason.",
            status_form_card,
            (view,),
        ),
        Shot(
            "register-details",
            REGISTER,
            "Lead agency and strands",
            "The lead agency and one or more strands, from the strands reference data.",
            details_form_card,
            (view,),
        ),
        Shot(
            "register-checks",
            REGISTER,
            "A child's checks",
            "What the strategy asks to be checked for a child, as recorded, with what is "
            "still missing at the top (for the chair, never the channel).",
            checks_form_card,
            (view,),
        ),
        Shot(
            "register-link",
            REGISTER,
            "Link to another subject",
            "Found by its reference in the group's register, or added to it in the same "
            "step; each current link with a way to remove it (with a reason).",
            link_form_card,
            (view,),
            {
                "values": {"subjectKind": "location", "subjectRef": "Skate park, Valley Gardens"},
                "errors": {
                    "subjectRef": "That is not in this group's register yet.",
                    "addToRegister": "To add it and link it now, tick 'Add it to the "
                    "register and link it' and press again.",
                },
            },
        ),
        Shot(
            "register-add",
            REGISTER,
            "Add to a register",
            "`add subject` (personal chat): a child, person of concern, location, group or "
            "theme added to one of the groups where you chair, deputise or take minutes.",
            add_form_card,
            (choices,),
        ),
        Shot(
            "register-saved",
            REGISTER,
            "Saved in the register",
            "After a change: which subject and what changed, never why; in a group's "
            "conversation a person of concern only as 'a person of concern'.",
            saved_card,
            (
                SubjectSaved(
                    7,
                    SubjectKind.CHILD,
                    "CR-0107 (J.S.)",
                    "Linked.",
                    12,
                    SubjectKind.PERSON,
                    "NYP-2026-0411 (K.L.)",
                    True,
                ),
            ),
            {"in_group": True},
        ),
        *register_move_shots(),
        *action_control_shots(),
        *correction_shots(),
    ]


# --- a register subject offered to another locality group (issue 15, point 7) ------------


def register_move_shots() -> list[Shot]:
    """The ask form (answering the chair who pressed "Move or share") and the offer card
    (to the receiving group's chairs, unasked: by its id, never the subject)."""
    form = MoveFormView(
        subject_id=41,
        kind=SubjectKind.CHILD,
        reference="CR-0107",
        initials="J.S.",
        from_locality=SCARBOROUGH.name,
        groups=((RYEDALE.name.lower(), RYEDALE.name), ("harrogate", "Harrogate")),
    )
    offer = MoveOfferView(
        share_id=12,
        mode=MoveMode.TRANSFER,
        kind=SubjectKind.CHILD,
        from_locality=SCARBOROUGH.name,
        to_locality=RYEDALE.name,
        asked_by=TOM.name,
        asked_at=datetime(2026, 11, 3, 14, 30, tzinfo=UTC),
        status="asked",
        receiving=True,
    )
    return [
        Shot(
            "subject-move-form",
            BETWEEN_MEETINGS,
            "Move or share a subject",
            "Answers a chair or deputy chair who pressed Move or share on a subject's card: "
            "which group, transfer or share, and why (with the personal-data nudge).",
            move_form_card,
            (form,),
        ),
        Shot(
            "subject-move-offer",
            SENT_UNASKED,
            "A subject offered to your group",
            "To the receiving group's chairs and deputy chairs: the offer by its id, the "
            "subject's kind and the two groups, never its reference or the reason; Accept, "
            "or Decline with a reason. The asking group's chairs get it without buttons.",
            move_offer_card,
            (offer,),
            expand=("Decline",),
        ),
    ]


# --- the chair's control of actions (issue 16, points 1 and 5) ---------------------------


def action_control_shots() -> list[Shot]:
    """An action's own card with its history, item 3's review list, the review form, and
    the notice both owners get when an action is reassigned."""
    at = datetime(2026, 11, 19, 10, 40, tzinfo=UTC)
    history = (
        ActionEventView(
            "carried_forward",
            "New due date 2026-12-10 (was 2026-10-28): the hotel's manager is away until December.",
            CHAIR.name,
            at,
            LAST_MEETING,
        ),
        ActionEventView("update", "Left a message with the hotel's reception.", PRIYA.name, at),
        ActionEventView(
            "created", "", MINUTE_TAKER.name, datetime(2026, 10, 22, 11, 5, tzinfo=UTC)
        ),
    )
    card = ActionCardView(
        action=A36,
        locality=SCARBOROUGH.name,
        history=history,
        history_total=3,
        may_control=True,
        owners=(CHAIR, PRIYA, TOM, DANA, CHRIS, OWEN),
        owner_member_id=PRIYA.id,
    )
    in_meeting = ActionCardView(
        action=A36,
        locality=SCARBOROUGH.name,
        may_control=True,
        owners=card.owners,
        meeting_id=7,
        owner_member_id=PRIYA.id,
    )
    reassigned = ActionReassignedNotice(
        36, SCARBOROUGH.name, PRIYA.name, "Police", OWEN.name, "Police", True
    )
    return [
        Shot(
            "action-card",
            BETWEEN_MEETINGS,
            "An action's card",
            "Answers `A-36` typed in a personal chat (or Open on a reminder or brief), for "
            "its owner, their agency's lead or the group's chair, deputy or coordinator: the "
            "action, its status and its history; Review for a chair, deputy or coordinator.",
            action_card,
            (card,),
        ),
        Shot(
            "action-review-list",
            IN_THE_MEETING,
            "Review of previous actions",
            "Answers a chair who pressed Review an action on item 3: the open actions, each "
            "with its own Review button.",
            review_list_card,
            (meeting(current=3),),
        ),
        Shot(
            "action-review",
            IN_THE_MEETING,
            "Review an action",
            "The review form of one action: mark done, carry forward (new date and why), "
            "reassign to any member of the group, or cancel (why).",
            review_card,
            (in_meeting,),
            expand=("Carry forward",),
        ),
        Shot(
            "action-reassigned",
            SENT_UNASKED,
            "An action was reassigned",
            "To the old and the new owner: the action by reference and group, and who it "
            "moved from and to; never its description or why.",
            action_reassigned_card,
            (reassigned,),
        ),
    ]


# --- the performance report (issue 16, point 8) -----------------------------------------


def report_shots() -> list[Shot]:
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
    from cards.report import report_card

    def figures(name: str, scale: int) -> LocalityFigures:
        return LocalityFigures(
            name=name,
            code=name.lower(),
            meetings_held=9 * scale,
            attendance=(
                AgencyAttendance(
                    "North Yorkshire Police", AgencyGroup.KEY, 9 * scale, 0, 9 * scale
                ),
                AgencyAttendance("Education", AgencyGroup.SCHOOL, 7 * scale, scale, 9 * scale),
            ),
            actions=ActionFigures(40 * scale, 33 * scale, 27 * scale, 4 * scale, 2 * scale, 21.5),
            decisions=18 * scale,
            challenges_raised=6 * scale,
            challenges_resolved=5 * scale,
            escalations=EscalationFigures(3 * scale, 2 * scale, scale, 2 * scale, 9.5, scale),
            subjects=SubjectFigures(
                (), (8 * scale, 6 * scale, 3 * scale, scale, 2 * scale), 5, 3, 4
            ),
            ratings=RatingFigures((0, scale, 4 * scale, 20 * scale, 31 * scale)),
        )

    report = PerformanceReport(
        period=ReportPeriod(date(2026, 4, 1), date(2026, 11, 3)),
        generated_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        localities=(figures("Ryedale", 1), figures("Scarborough", 2)),
        total=figures("All localities", 3),
    )
    return [
        Shot(
            "performance-report",
            BETWEEN_MEETINGS,
            "Performance report",
            "Answers a coordinator's `report` in a personal chat: the headline figures of "
            "their groups for the period (counts only), a line for each group, and buttons "
            "to the report's page (signed in first) for the workbook and the Word summary.",
            report_card,
            (report, GALLERY_PAGES),
        ),
    ]


# --- corrections before the minutes are agreed (issue 16) ----------------------------------


def correction_shots() -> list[Shot]:
    """What the chair, deputy chair or minute-taker sees after pressing "Correct records"
    (an item's entries) and "Correct" (an action's form), in place of the card pressed."""
    from bot.domain.corrections import (
        CorrectableEntry,
        CorrectionFormView,
        CorrectionListView,
        ItemRecords,
        RecordKind,
    )
    from cards.corrections import correction_form_card, corrections_card

    item = ItemRecords(104, 4, "Children", 3)
    listing = CorrectionListView(
        meeting_id=3,
        locality=SCARBOROUGH.name,
        meeting_date=MEETING_DAY,
        status=MeetingStatus.IN_PROGRESS,
        minutes_status=MinutesStatus.DRAFT,
        items=(item,),
        item=item,
        entries=(
            CorrectableEntry(
                RecordKind.MINUTE, 31, "CR-0107 (J.S.): missing twice this month.", corrected=True
            ),
            CorrectableEntry(RecordKind.DECISION, 32, "Refer CR-0107 to the NRM.", withdrawn=True),
            CorrectableEntry(
                RecordKind.ACTION,
                12,
                "Arrange a joint visit with the school.",
                detail=f"{CHRIS.name}, due 20 Nov 2026",
            ),
        ),
    )
    action = CorrectionFormView(
        meeting_id=3,
        status=MeetingStatus.IN_PROGRESS,
        locality=SCARBOROUGH.name,
        meeting_date=MEETING_DAY,
        item_id=104,
        item_position=4,
        item_title="Children",
        kind=RecordKind.ACTION,
        record_id=12,
        text="Arrange a joint visit with the school.",
        owner_id=CHRIS.id,
        due_date=date(2026, 11, 20),
        subject="CR-0107 (J.S.)",
        owners=MEMBERS,
    )
    return [
        Shot(
            "corrections-list",
            IN_THE_MEETING,
            "Correct the record",
            "Answers a chair, deputy chair or minute-taker who pressed Correct records: an "
            "item's minutes, decisions and actions, each with Correct; a withdrawn one is "
            "kept and marked. Refused once the minutes are agreed.",
            corrections_card,
            (listing,),
            {"note": "Minute corrected."},
        ),
        Shot(
            "correction-form-action",
            IN_THE_MEETING,
            "Correct an action",
            "The action as recorded, its description, owner, due date and subject to "
            "correct, a reason (with the personal-data nudge), and Withdraw as recorded in "
            "error.",
            correction_form_card,
            (action,),
        ),
    ]


# --- escalation beyond the locality (issue 16, point 3) -----------------------------------


def escalation_shots() -> list[Shot]:
    """The escalate form, an escalation's card (the group's response form; the locality's
    close form), the ``escalations`` list and the two notices (reference only)."""
    form = EscalationFormView(
        kind=EscalationKind.ACTION,
        record_id=7,
        record_reference="action A-7",
        locality=SCARBOROUGH.name,
        groups=(
            (OversightTier.OPERATIONAL, "MACE Operational Group"),
            (OversightTier.STRATEGIC, "MACE Strategic Group"),
        ),
    )
    raised = EscalationView(
        id=4,
        kind=EscalationKind.CHALLENGE,
        record_reference="challenge C-3",
        locality=SCARBOROUGH.name,
        group="MACE Operational Group",
        what="No supported accommodation for CR-0107 (J.S.) in the district.",
        why="Needs a placement decision above the locality.",
        raised_by=TOM.name,
        raised_on=date(2026, 11, 3),
        age_days=2,
        status=EscalationStatus.OPEN,
        can_respond=True,
    )
    responded = replace(
        raised,
        status=EscalationStatus.RESPONDED,
        response="Placement panel on 12 Nov will consider CR-0107.",
        decision="Funding agreed for an interim placement.",
        responded_by="Jordan Avery",
        responded_on=date(2026, 11, 5),
        can_respond=False,
        can_close=True,
    )
    return [
        Shot(
            "escalate-form",
            BETWEEN_MEETINGS,
            "Escalate beyond the locality",
            "Answers a chair or deputy chair who pressed Escalate on a subject's card or an "
            "action in the outstanding list: to which group, what and why.",
            escalate_form_card,
            (form,),
        ),
        Shot(
            "escalation-respond",
            BETWEEN_MEETINGS,
            "An escalation, for the group's members",
            "Opened from the notice or `escalations` by a member of the group it went to: "
            "what, why, the locality, the record and its age, with the response form.",
            escalation_card,
            (raised,),
        ),
        Shot(
            "escalation-close",
            BETWEEN_MEETINGS,
            "An escalation with its response",
            "For the locality's chairs once the group has responded: its response and "
            "decision, and the note to close it.",
            escalation_card,
            (responded,),
        ),
        Shot(
            "escalations-list",
            BETWEEN_MEETINGS,
            "Escalations",
            "`escalations`: the ones not yet closed that the person may see, by group.",
            escalations_list_card,
            (EscalationListView((("Escalated by Scarborough", (raised, responded)),)),),
        ),
        Shot(
            "escalated-up",
            SENT_UNASKED,
            "An escalation for your group",
            "To each member of the group escalated to: the reference, the locality and the "
            "kind of record only, never what or why.",
            escalated_up_card,
            (4, SCARBOROUGH.name, EscalationKind.CHALLENGE, "MACE Operational Group"),
        ),
        Shot(
            "escalation-answered",
            SENT_UNASKED,
            "An escalation has a response",
            "To the locality's chairs and deputy chairs when the group records its response: "
            "by reference only.",
            escalation_answered_card,
            (4, SCARBOROUGH.name, "MACE Operational Group"),
        ),
    ]


# --- rendering ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    shot: Shot
    png: Path
    width: int
    height: int
    errors: list[str]  # what the renderer refused or complained about: fails the run
    known: dict[tuple[str, str, str], str]  # complaints in KNOWN_COMPLAINTS, key: line
    advice: list[str]  # hints and deprecations: shown, never fatal


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _event_line(event: Mapping[str, str]) -> str:
    where = event.get("source") or "card"
    return f"{event['kind']} ({event['phase']}) at {where}: {event['message']}"


_RENDER = "([slot, card, host, expand]) => renderGalleryCard(slot, card, host, expand)"
# The slot from a little above its first opened show-card button to its foot, in page
# coordinates.
_FROM_EXPANDED = """slot => {
  const box = document.getElementById(slot).getBoundingClientRect();
  const button = document.querySelector("#" + slot + " button.ac-pushButton.expanded");
  const top = button ? button.getBoundingClientRect().top - 16 : box.top;
  return {x: box.left + scrollX, y: top + scrollY, width: box.width, height: box.bottom - top};
}"""


def _from_expanded(page: Page, slot: str) -> FloatRect:
    box = page.evaluate(_FROM_EXPANDED, slot)
    return {"x": box["x"], "y": box["y"], "width": box["width"], "height": box["height"]}


def render(
    chosen: Sequence[Shot],
    out_dir: Path,
    *,
    scale: float = DEFAULT_SCALE,
    on_done: Callable[[Rendered], None] | None = None,
) -> list[Rendered]:
    """Render each shot in one headless Chromium page, writing ``out_dir/<name>.png``."""
    from playwright.sync_api import sync_playwright

    missing = missing_requirements()
    if missing:
        raise RuntimeError("cannot render the card gallery; missing: " + "; ".join(missing))
    host = json.loads(host_config_path().read_text(encoding="utf-8"))
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[Rendered] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path())
        try:
            page = browser.new_page(
                viewport={"width": SLOT_WIDTH + 24, "height": 900}, device_scale_factor=scale
            )
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(f"page error: {exc}"))

            def on_console(message: ConsoleMessage) -> None:
                if message.type in ("error", "warning"):
                    page_errors.append(f"console {message.type}: {message.text}")

            page.on("console", on_console)
            page.goto(PAGE.as_uri())
            page.wait_for_function("() => window.renderGalleryCard && window.AdaptiveCards")
            for shot in chosen:
                report = page.evaluate(_RENDER, [shot.name, shot.card(), host, list(shot.expand)])
                page.evaluate("document.fonts.ready.then(() => true)")
                png = out_dir / f"{shot.name}.png"
                if shot.from_expanded:
                    page.screenshot(path=png, clip=_from_expanded(page, shot.name), full_page=True)
                else:
                    page.locator(f"#{shot.name}").screenshot(path=png, animations="disabled")
                errors: list[str] = []
                known: dict[tuple[str, str, str], str] = {}
                for event in report["errors"]:
                    key = (shot.name, event.get("source", ""), event["kind"])
                    if key in KNOWN_COMPLAINTS:
                        known[key] = _event_line(event)
                    else:
                        errors.append(_event_line(event))
                errors += page_errors
                page_errors.clear()
                width, height = png_size(png)
                done = Rendered(
                    shot,
                    png,
                    width,
                    height,
                    errors,
                    known,
                    [_event_line(event) for event in report["advice"]],
                )
                results.append(done)
                if on_done:
                    on_done(done)
        finally:
            browser.close()
    return results


def stale_complaints(results: Sequence[Rendered]) -> list[tuple[str, str, str]]:
    """Known complaints about rendered shots that no longer happen."""
    seen = {r.shot.name for r in results}
    happened = {key for r in results for key in r.known}
    return [key for key in KNOWN_COMPLAINTS if key[0] in seen and key not in happened]


def renderer_version() -> str:
    package = NODE_MODULES / "adaptivecards" / "package.json"
    if package.is_file():
        return str(json.loads(package.read_text(encoding="utf-8"))["version"])
    lock = json.loads((GALLERY / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"]["node_modules/adaptivecards"]["version"])


def index_markdown(chosen: Sequence[Shot]) -> str:
    """docs/cards/README.md: every picture with what it is and when the bot sends it."""
    lines = [
        "# What the bot's cards look like",
        "",
        "Every card the MACE meetings bot sends, filled with invented data (the demo "
        "groups and people; children only as case references and initials), as Microsoft "
        "Teams draws it in a chat: rendered by the `adaptivecards` "
        f"{renderer_version()} renderer with the Teams light host config, in headless "
        "Chromium, 560 px wide. Teams' own font (Segoe UI) is not on Linux, so Liberation "
        "Sans stands in for it; date fields show the browser's mm/dd/yyyy, where Teams uses the "
        "reader's own date format; and Teams may space things a little differently.",
        "",
        "Generated by `make gallery` (`scripts/card_gallery.py`): do not edit by hand. "
        "Rendering also checks each card: any renderer error fails the run, and "
        "`tests/cards/test_gallery.py` fails when a card the bot can send is missing here. "
        "Commands in `code` are typed in Teams; all of them are in "
        "[../commands.md](../commands.md).",
        "",
    ]
    sections = [(name, [s for s in chosen if s.section == name]) for name in SECTIONS]
    sections = [(name, in_section) for name, in_section in sections if in_section]
    for name, in_section in sections:
        titles = ", ".join(f"[{s.title}](#{_anchor(s.title)})" for s in in_section)
        lines.append(f"- **{name}:** {titles}")
    lines.append("")
    for name, in_section in sections:
        lines += [f"## {name}", ""]
        for shot in in_section:
            lines += [
                f"### {shot.title}",
                "",
                shot.caption,
                "",
                f"![{shot.title}]({shot.name}.png)",
                "",
            ]
    return "\n".join(lines)


def _anchor(title: str) -> str:
    """GitHub's anchor for a heading."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -")
    return kept.replace(" ", "-")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DOCS, help="where the PNGs go")
    parser.add_argument("--only", nargs="*", default=None, help="just these names")
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE, help="device pixel ratio")
    args = parser.parse_args(argv)
    everything = shots()
    chosen = [s for s in everything if args.only is None or s.name in args.only]
    unknown = set(args.only or ()) - {s.name for s in everything}
    if unknown:
        print("unknown gallery names: " + ", ".join(sorted(unknown)), file=sys.stderr)
        return 2
    missing = missing_requirements()
    if missing:
        print("Cannot render the card gallery; missing:", file=sys.stderr)
        for what in missing:
            print(f"  - {what}", file=sys.stderr)
        return 2

    def report(done: Rendered) -> None:
        size = done.png.stat().st_size // 1024
        print(f"{done.shot.name:22} {done.width}x{done.height} {size:4d} KB")
        for line in done.errors:
            print(f"    ERROR {line}")
        for line in done.known.values():
            print(f"    known {line}")
        for line in done.advice:
            print(f"    note  {line}")

    results = render(chosen, args.out, scale=args.scale, on_done=report)
    total = sum(r.png.stat().st_size for r in results)
    print(f"{len(results)} cards, {total / 1024 / 1024:.2f} MB in {args.out}")
    for key in stale_complaints(results):
        print(f"KNOWN_COMPLAINTS entry no longer seen, remove it: {key}", file=sys.stderr)
    if args.only is None and args.out.resolve() == DOCS.resolve():
        written = {r.png.name for r in results}
        for stray in sorted(DOCS.glob("*.png")):
            if stray.name not in written:
                stray.unlink()
                print(f"removed {stray.name}: no longer in the gallery")
        (DOCS / "README.md").write_text(index_markdown(everything), encoding="utf-8")
    failed = [r for r in results if r.errors]
    if failed:
        print("Renderer errors in: " + ", ".join(r.shot.name for r in failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
