"""The access matrix: every text command and every card verb, in each kind of
conversation (a personal chat, a group chat, a channel), for every role inside the
locality group the conversation is linked to and outside it, for an administrator and for
a stranger.

The expected answer of each cell is written down below (``TEXT``, ``VERBS``: in the
group's conversation, and in a personal chat), derived from ``bot.domain.permissions``,
from what each handler asks for and from which views can name children, not from running
the code (nor from ``dialogs.places``, which the matrix checks). Each cell is then driven
through the real HTTP endpoint, in a state where the action means something: a meeting in
progress with a minute, a decision, an action about a child with a new due date asked
for, an open round holding a share and a challenge, and an earlier ended meeting whose
minutes are a draft. What an allowed cell ends or uses up is put back before the next cell.

- **A** (allowed): not refused, no server error, no "could not" answer.
- **R** (refused): the refusal message and nothing else, no server error, no card edited,
  the store the same row for row, and none of the planted secrets in anything the bot
  answered, posted or edited during the cell.
- **O** (own only): answered, but only with what is the person's own: the store the same
  and nothing planted shown (a list of actions, for someone who may see none of the
  planted ones).
- **P** (personal chat only): the answer that this is done only in a personal chat, and
  nothing else: the store the same and nothing planted shown.
- **G** (the group's conversation only): the answer that meetings run in the group's
  channel or chat, and nothing else: the store the same and nothing planted shown.

A cell expected to be P or G is pressed through the Action.Submit fallback for every
second actor (its answer is then a message posted in the conversation, the path by which
personal views once reached a channel), and by Action.Execute for the others.

The channel is the demo channel ``team-id``, linked to Scarborough; the group chat is
linked to Scarborough by its chair as the scene is set. "in" is a member whose role is in
Scarborough; "out" is a member whose roles are all in Harrogate. Where the demo data has
nobody for a role, fictional members are added to this test's own copy of the store
(``EXTRA``); the shared demo data is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import pytest
from msrest.universal_http.requests import ClientRetryPolicy
from sqlalchemy import func, select

from bot.domain.clock import FrozenClock
from bot.domain.errors import NotFound, NotLinked, NotPermitted
from bot.domain.escalations import NO_SUCH_ESCALATION
from bot.domain.register_moves import NO_SUCH_OFFER
from bot.services.action_control import NO_SUCH_ACTION, NOT_A_CHAIR
from bot.services.actions import NOT_YOURS
from bot.services.context import NOT_A_MEMBER
from bot.services.escalations import LIST_IS_FOR
from bot.services.minutes_reads import NOT_IN_A_GROUP as MINUTES_NOT_IN_A_GROUP
from bot.services.reference_data import load_reference_data
from bot.services.register import NO_GROUP_TO_ADD_TO
from bot.services.register_access import NO_SUCH_SUBJECT
from bot.services.register_reads import NOT_IN_A_GROUP
from bot.services.report import REPORT_REFUSED
from bot.store import tables as t
from bot.store.crypto import subject_index
from bot.teams.handler import DELIVERY_FAILED, TURN_FAILED
from cards import verbs as v
from dialogs.commands import Command
from dialogs.places import COMMAND_PLACES, VERB_PLACES
from dialogs.places import GROUP as GROUP_KINDS
from dialogs.places import PERSONAL as PERSONAL_KIND
from dialogs.router import STORE_UNAVAILABLE, UNKNOWN_VERB
from tests.conftest import MEETING_DAY
from tests.e2e.cardtools import action, choices
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import (
    CHANNEL,
    GROUP,
    Meeting,
    fields_in_error,
    invoke_card,
    ok,
    press,
    press_submit,
    say,
    snapshot,
    start_meeting,
    store_of,
)
from tests.support.activities import ConversationKind, TeamsUser

PERSONAL: ConversationKind = "personal"

# -- who ---------------------------------------------------------------------------------


def _user(n: int, name: str) -> TeamsUser:
    return TeamsUser(f"user-id-{n}", name, f"00000000-0000-0000-0000-{n:013d}")


#: Fictional members for what the demo data lacks: (name, agency, roles by locality).
EXTRA: dict[str, tuple[str, str, dict[str, list[str]]]] = {
    "chair": ("Robin Ashdown", "early_help", {"scarborough": ["chair"]}),
    "deputy_out": ("Avery Moss", "childrens_social_care", {"harrogate": ["deputy_chair"]}),
    "minute_taker_out": ("Rowan Pike", "nyscp", {"harrogate": ["minute_taker"]}),
    "coordinator_out": ("Quinn Hale", "nyscp", {"harrogate": ["coordinator"]}),
    "lead": ("Jamie Fraser", "police", {"scarborough": ["agency_lead"]}),
    "lead_out": ("Sasha Reid", "police", {"harrogate": ["agency_lead"]}),
    "admin": ("Blair Tennant", "nyscp", {}),
    # Not actors: the police colleague an action is handed to, and the member whose role
    # the members card grants and removes.
    "colleague": ("Pat Doyle", "police", {"scarborough": ["partner"]}),
    "target": ("Noor Bakri", "housing", {"scarborough": ["partner"]}),
}
EXTRA_USERS = {key: _user(201 + n, entry[0]) for n, (key, entry) in enumerate(EXTRA.items())}


def _member_entry(key: str) -> dict[str, Any]:
    name, agency, roles = EXTRA[key]
    return {
        "name": name,
        "agency": agency,
        "aad_object_id": EXTRA_USERS[key].aad_object_id,
        "teams_user_id": EXTRA_USERS[key].id,
        "is_admin": key == "admin",
        "roles": roles,
    }


@dataclass(frozen=True, slots=True)
class Actor:
    column: str
    user: TeamsUser
    #: A member of the group the channel is linked to (Scarborough).
    inside: bool

    @property
    def key(self) -> str:
        """The name ``say`` and ``press`` know this person by (registered in ``DEMO``)."""
        return f"matrix {self.column}"

    @property
    def from_another_group(self) -> bool:
        return not self.inside and self.column not in ("admin", "stranger")


#: The columns, in order. The demo data gives Tom Hughes (deputy chair), Sam Okafor
#: (minute-taker), Riley Quinn (coordinator of every group), Chris Lowe (partner,
#: education), Harper Lane (Harrogate's chair) and Kit Fenwick (Harrogate partner). Alex
#: Wilber, the demo chair, is an administrator too, so the chair column is a chair who is
#: not; Alex sets the scene. The agency leads are police, like the planted action.
ACTORS: tuple[Actor, ...] = (
    Actor("chair/in", EXTRA_USERS["chair"], True),
    Actor("chair/out", DEMO["harrogate_chair"], False),
    Actor("deputy/in", DEMO["social_care"], True),
    Actor("deputy/out", EXTRA_USERS["deputy_out"], False),
    Actor("minute-taker/in", DEMO["minute_taker"], True),
    Actor("minute-taker/out", EXTRA_USERS["minute_taker_out"], False),
    Actor("coordinator/in", DEMO["coordinator"], True),
    Actor("coordinator/out", EXTRA_USERS["coordinator_out"], False),
    Actor("partner/in", DEMO["education"], True),
    Actor("partner/out", _user(111, "Kit Fenwick"), False),
    Actor("agency-lead/in", EXTRA_USERS["lead"], True),
    Actor("agency-lead/out", EXTRA_USERS["lead_out"], False),
    Actor("admin", EXTRA_USERS["admin"], False),
    Actor("stranger", DEMO["stranger"], False),
)

# -- the matrix ----------------------------------------------------------------------------

Expect = Literal["A", "R", "O", "P", "G"]
MEANING: dict[str, str] = {
    "A": "allowed",
    "R": "refused, nothing shown or changed",
    "O": "only their own: nothing planted shown, nothing changed",
    "P": "personal chat only: nothing shown or changed",
    "G": "the group's conversation only: nothing shown or changed",
}

# One code per column of ACTORS, in the order of the letters above each table: C c chair,
# D d deputy chair, M m minute-taker, K k coordinator, P p partner, L l agency lead
# (capital: a member of Scarborough, whose channel it is; small: of Harrogate only),
# X an administrator with no role in any group, S a stranger.
#
# From ROLE_PERMISSIONS: every member of the group may view the meeting, answer a round and
# respond to a challenge; chair and deputy run the meeting, record, agree minutes, link the
# conversation, decide due dates, manage every action and download minutes; the minute-taker
# records (attendance too); the coordinator records attendance, manages every action and
# downloads minutes; an agency lead manages their own agency's actions. Roles count only in
# the conversation's own group: there, a member of another group is a stranger. Actions are
# reached from a personal chat by owner, agency and group, not by conversation. An
# administrator may link any conversation and manage members (in a personal chat), and
# gains nothing else.

#: Every row is run in each kind of conversation: the person's own chat with the bot, the
#: group chat and the channel. Both of the latter are linked to Scarborough (the group
#: chat by the chair at the start), so each is the group's conversation and a row expects
#: the same there. A personal view asked for in either gets "P"; a meeting step asked for
#: in a personal chat gets "G"; wherever it is asked, by anyone.
PLACES: tuple[ConversationKind, ...] = (PERSONAL, GROUP, CHANNEL)

_ALL_P = " ".join("P" * len(ACTORS))
_ALL_G = " ".join("G" * len(ACTORS))
_EDIT_REGISTER = "A R  A R  A R  R R  R R  R R  R R"
_REGISTER_EDIT = (_EDIT_REGISTER, _EDIT_REGISTER)
_MANAGE_ACTIONS = "A R  A R  R R  A R  R R  R R  R R"
_ACTION_CONTROL = (_MANAGE_ACTIONS, _MANAGE_ACTIONS)

#: Typed (after the @mention, in a group's conversation): (in the group's channel or group
#: chat, in a personal chat).
TEXT: dict[Command, tuple[str, str]] = {
    #                          C c  D d  M m  K k  P p  L l  X S
    Command.HELP: (
        "                      A A  A A  A A  A A  A A  A A  A A",
        "                      A A  A A  A A  A A  A A  A A  A A",
    ),
    Command.SETUP: ("        A R  A R  R R  R R  R R  R R  A R", _ALL_G),  # LINK_CONVERSATION
    Command.START_MEETING: ("A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    Command.AGENDA: ("       A R  A R  A R  A R  A R  A R  R R", _ALL_G),  # VIEW_MEETING
    Command.HERE: ("         A R  A R  A R  A R  A R  A R  R R", _ALL_G),  # VIEW_MEETING
    Command.NEXT_ITEM: ("    A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    Command.PREVIOUS_ITEM: ("A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    Command.SHARE_ROUND: ("  A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    Command.CLOSE_ROUND: ("  A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    Command.SHOW_ROUND: ("   A R  A R  A R  A R  A R  A R  R R", _ALL_G),  # VIEW_MEETING
    Command.CHALLENGES: ("   A R  A R  A R  A R  A R  A R  R R", _ALL_G),  # VIEW_MEETING
    Command.END_MEETING: ("  A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    # Actions can name children: personal chat only. The planted action is Priya's.
    Command.MY_ACTIONS: (_ALL_P, "O O  O O  O O  O O  O O  O O  O R"),
    Command.OUTSTANDING: (_ALL_P, "A O  A O  O O  A O  O O  A O  O R"),  # MANAGE_(AGENCY_)ACTIONS
    Command.MEMBERS: (_ALL_P, "    R R  R R  R R  R R  R R  R R  A R"),  # administrators only
    # The register (issue 15): typed as ``subject CR-0777`` (COMMAND_TEXT), the planted
    # child; members of another group get "not found", as for a reference that is not
    # there. ``subjects`` lists a member's own groups (Harrogate's register is empty).
    Command.SUBJECT: (_ALL_P, "    A R  A R  A R  A R  A R  A R  R R"),  # member of the group
    Command.SUBJECTS: (_ALL_P, "   A O  A O  A O  A O  A O  A O  R R"),  # their groups' only
    # EDIT_REGISTER in some group (an outsider adds to their own group's register):
    Command.ADD_SUBJECT: (_ALL_P, "A A  A A  A A  R R  R R  R R  R R"),
    # Issue 16: the planted action by its reference (``A-<id>``), within the reach of
    # outstanding actions (owner, agency lead, chair, deputy, coordinator of its group):
    Command.ACTION: (_ALL_P, "     A R  A R  R R  A R  R R  A R  R R"),
    # The performance report (issue 16): REPORT, coordinators of any group (their own).
    Command.REPORT: (_ALL_P, "     R R  R R  R R  A A  R R  R R  R R"),
    # Issue 16: chairs, deputies and coordinators see their own locality's escalations
    # (Harrogate's: none, so nothing planted); members of an oversight group see theirs
    # (no actor here is one: tests/e2e/test_escalations.py covers them).
    Command.ESCALATIONS: (_ALL_P, "A O  A O  R R  A O  R R  R R  R R"),
    # Minutes in a personal chat (issue 16): every member, of their own groups only
    # (Harrogate has held no meeting); someone in no group is told so.
    Command.MINUTES: (_ALL_P, "     A O  A O  A O  A O  A O  A O  R R"),
}

#: Card buttons: (in the group's channel or group chat, in a personal chat). Meeting
#: cards are in the group's conversation; "my actions", date-request, outstanding-actions
#: and members cards in a personal chat; but a crafted payload can carry any verb anywhere.
VERBS: dict[str, tuple[str, str]] = {
    #                          C c  D d  M m  K k  P p  L l  X S
    v.SETUP_LINK: ("           A R  A R  R R  R R  R R  R R  A R", _ALL_G),  # LINK_CONVERSATION
    v.MEETING_START: ("        A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    v.MEETING_REFRESH: ("      A R  A R  A R  A R  A R  A R  R R", _ALL_G),  # VIEW_MEETING
    v.MEETING_NEXT: ("         A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    v.MEETING_PREVIOUS: ("     A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    v.MEETING_END: ("          A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    v.ATTENDANCE_SELF: ("      A R  A R  A R  A R  A R  A R  R R", _ALL_G),  # VIEW_MEETING
    v.ATTENDANCE_RECORD: ("    A R  A R  A R  A R  R R  R R  R R", _ALL_G),  # RECORD_ATTENDANCE
    v.ITEM_MINUTE: ("          A R  A R  A R  R R  R R  R R  R R", _ALL_G),  # RECORD
    v.ITEM_DECISION: ("        A R  A R  A R  R R  R R  R R  R R", _ALL_G),  # RECORD
    v.ITEM_ACTION_FORM: ("     A R  A R  A R  R R  R R  R R  R R", _ALL_G),  # RECORD
    v.ITEM_ACTION: ("          A R  A R  A R  R R  R R  R R  R R", _ALL_G),  # RECORD
    v.MINUTES_AGREE: ("        A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # AGREE_MINUTES
    v.ROUND_OPEN: ("           A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    v.ROUND_ANSWER: ("         A R  A R  A R  A R  A R  A R  R R", _ALL_G),  # ANSWER_ROUND
    v.ROUND_CLOSE: ("          A R  A R  R R  R R  R R  R R  R R", _ALL_G),  # RUN_MEETING
    v.CHALLENGE_RESPOND: ("    A R  A R  A R  A R  A R  A R  R R", _ALL_G),  # RESPOND_TO_CHALLENGE
    # DOWNLOAD_MINUTES: every member of the group (issue 16, partners agree the minutes).
    v.MINUTES_DOWNLOAD: ("     A R  A R  A R  A R  A R  A R  R R", _ALL_G),
    v.HELP_SHOW: (
        "                      A A  A A  A A  A A  A A  A A  A A",
        "                      A A  A A  A A  A A  A A  A A  A A",
    ),
    v.ACTIONS_MINE: (_ALL_P, "         O O  O O  O O  O O  O O  O O  O R"),  # their own actions
    # Owner, MANAGE_(AGENCY_)ACTIONS:
    v.ACTION_UPDATE: (_ALL_P, "        A R  A R  R R  A R  R R  A R  R R"),
    v.ACTION_DONE: (_ALL_P, "          A R  A R  R R  A R  R R  A R  R R"),
    v.ACTION_REQUEST_DATE: (_ALL_P, "  A R  A R  R R  A R  R R  A R  R R"),
    v.ACTION_HAND_OVER_CHOOSE: (_ALL_P, "A R  A R  R R  A R  R R  A R  R R"),
    v.ACTION_HAND_OVER: (_ALL_P, "     A R  A R  R R  A R  R R  A R  R R"),
    # DECIDE_DUE_DATES:
    v.DATE_REQUEST_SHOW: (_ALL_P, "    A R  A R  R R  R R  R R  R R  R R"),
    v.DATE_REQUEST_ACCEPT: (_ALL_P, "  A R  A R  R R  R R  R R  R R  R R"),
    v.DATE_REQUEST_REFUSE: (_ALL_P, "  A R  A R  R R  R R  R R  R R  R R"),
    # MANAGE_(AGENCY_)ACTIONS; anyone else their own:
    v.OUTSTANDING_PAGE: (_ALL_P, "     A O  A O  O O  A O  O O  A O  O R"),
    v.OUTSTANDING_EXPORT: (_ALL_P, "   A O  A O  O O  A O  O O  A O  O R"),
    # Administrators only:
    v.MEMBERS_SHOW: (_ALL_P, "         R R  R R  R R  R R  R R  R R  A R"),
    v.MEMBERS_ADD: (_ALL_P, "          R R  R R  R R  R R  R R  R R  A R"),
    v.MEMBERS_REMOVE: (_ALL_P, "       R R  R R  R R  R R  R R  R R  A R"),
    # The register (issue 15). A subject's card opens from an agenda in the group's
    # conversation too, for members of the group linked there:
    v.SUBJECT_SHOW: (
        "                      A R  A R  A R  A R  A R  A R  R R",
        "                      A R  A R  A R  A R  A R  A R  R R",
    ),
    v.SUBJECTS_PAGE: (_ALL_P, "     A O  A O  A O  A O  A O  A O  R R"),  # their groups' only
    # Issue 15: the subjects discussed under items 4-7 (RUN_MEETING):
    v.ITEM_SUBJECT_FORM: ("    A R  A R  R R  R R  R R  R R  R R", _ALL_G),
    v.ITEM_SUBJECT_ADD: ("     A R  A R  R R  R R  R R  R R  R R", _ALL_G),
    v.ITEM_SUBJECT_MOVE: ("    A R  A R  R R  R R  R R  R R  R R", _ALL_G),
    v.ITEM_SUBJECT_REMOVE: ("  A R  A R  R R  R R  R R  R R  R R", _ALL_G),
    # The register (EDIT_REGISTER: chair, deputy, minute-taker of the group that holds the
    # subject, in a personal chat or the linked group's conversation; anyone else is told
    # "not found" or "not able"). Adding outside a meeting: a personal chat, into one's own
    # group (an outsider adds to theirs).
    v.SUBJECT_EDIT: _REGISTER_EDIT,
    v.SUBJECT_RISK: _REGISTER_EDIT,
    v.SUBJECT_STATUS: _REGISTER_EDIT,
    v.SUBJECT_DETAILS: _REGISTER_EDIT,
    v.SUBJECT_CHECKS: _REGISTER_EDIT,
    v.SUBJECT_LINK: _REGISTER_EDIT,
    v.SUBJECT_UNLINK: _REGISTER_EDIT,
    v.SUBJECT_ADD_FORM: (_ALL_P, "     A A  A A  A A  R R  R R  R R  R R"),
    v.SUBJECT_ADD: (_ALL_P, "          A A  A A  A A  R R  R R  R R  R R"),
    # MOVE_SUBJECTS in the group holding the subject (Scarborough) to offer it; in the
    # receiving group (Harrogate, the planted offer) to accept or decline it:
    v.SUBJECT_MOVE_FORM: (_ALL_P, "    A R  A R  R R  R R  R R  R R  R R"),
    v.SUBJECT_MOVE: (_ALL_P, "         A R  A R  R R  R R  R R  R R  R R"),
    v.SUBJECT_MOVE_ACCEPT: (_ALL_P, "  R A  R A  R R  R R  R R  R R  R R"),
    v.SUBJECT_MOVE_DECLINE: (_ALL_P, " R A  R A  R R  R R  R R  R R  R R"),
    # Issue 16: the action's card (as ``A-<id>``); the chair's review of it, from item 3
    # in the group's conversation and from the card in a personal chat (MANAGE_ACTIONS in
    # the action's group: chair, deputy, coordinator):
    v.ACTION_SHOW: (_ALL_P, "          A R  A R  R R  A R  R R  A R  R R"),
    v.ITEM_REVIEW_ACTIONS: ("  A R  A R  R R  A R  R R  R R  R R", _ALL_G),
    v.ACTION_REVIEW_FORM: _ACTION_CONTROL,
    v.ACTION_REVIEW: _ACTION_CONTROL,
    # The performance report's downloads (REPORT, as ``report``):
    v.REPORT_DOWNLOAD: (_ALL_P, "      R R  R R  R R  A A  R R  R R  R R"),
    # Issue 16: corrections before the minutes are agreed (CORRECT_RECORDS: chair, deputy
    # chair and minute-taker of the group, in its conversation):
    v.CORRECTIONS_SHOW: ("     A R  A R  A R  R R  R R  R R  R R", _ALL_G),
    v.CORRECTION_FORM: ("      A R  A R  A R  R R  R R  R R  R R", _ALL_G),
    v.CORRECTION_SAVE: ("      A R  A R  A R  R R  R R  R R  R R", _ALL_G),
    # Issue 16 (ESCALATE: chair, deputy of the group holding the action; the planted
    # escalation is Scarborough's, responded; coordinators may read it, chairs close it;
    # only a member of the oversight group responds, and no actor here is one):
    v.ESCALATE_FORM: (_ALL_P, "        A R  A R  R R  R R  R R  R R  R R"),
    v.ESCALATE: (_ALL_P, "             A R  A R  R R  R R  R R  R R  R R"),
    v.ESCALATION_SHOW: (_ALL_P, "      A R  A R  R R  A R  R R  R R  R R"),
    v.ESCALATION_RESPOND: (_ALL_P, "   R R  R R  R R  R R  R R  R R  R R"),
    v.ESCALATION_CLOSE: (_ALL_P, "     A R  A R  R R  R R  R R  R R  R R"),
    # Minutes in a personal chat (issue 16): the earlier Scarborough meeting, for every
    # member of Scarborough; anyone else is told "not found".
    v.MINUTES_PAGE: (_ALL_P, "          A O  A O  A O  A O  A O  A O  R R"),
    v.MINUTES_SHOW: (_ALL_P, "          A R  A R  A R  A R  A R  A R  R R"),
    v.MINUTES_EXPORT: (_ALL_P, "        A R  A R  A R  A R  A R  A R  R R"),
    # Rating the earlier meeting (issue 16): only who said "here" at it (the partner of
    # Scarborough), once; anyone else finds nothing to rate.
    v.MEETING_RATE: (_ALL_P, "          R R  R R  R R  R R  A R  R R  R R"),
}


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the matrix: a command typed, or a button pressed, in one kind of
    conversation."""

    label: str
    codes: tuple[str, ...]
    place: ConversationKind
    command: Command | None = None
    verb: str | None = None


def _label(what: Command | str, place: ConversationKind) -> str:
    shown = f"'{what}'" if isinstance(what, Command) else str(what)
    return f"{shown} in {place}"


def _codes(lines: tuple[str, str], place: ConversationKind) -> tuple[str, ...]:
    in_group, in_personal_chat = lines
    return tuple((in_personal_chat if place == PERSONAL else in_group).split())


ROWS: dict[str, Row] = {
    **{
        _label(c, place): Row(_label(c, place), _codes(lines, place), place, command=c)
        for c, lines in TEXT.items()
        for place in PLACES
    },
    **{
        _label(verb, place): Row(_label(verb, place), _codes(lines, place), place, verb=verb)
        for verb, lines in VERBS.items()
        for place in PLACES
    },
}


def _everywhere(*what: Command | str) -> list[str]:
    """The rows of each command or verb in every kind of conversation, in that order."""
    return [_label(w, place) for w in what for place in PLACES]


#: Rows run one after another on one bot and store per group (per engine), so the groups
#: can go to different workers. Within a group, rows that end or use something up go last.
GROUPS: dict[str, list[str]] = {
    "typed": _everywhere(
        Command.HELP,
        Command.SETUP,
        Command.START_MEETING,
        Command.AGENDA,
        Command.HERE,
        Command.NEXT_ITEM,
        Command.PREVIOUS_ITEM,
        Command.SHARE_ROUND,
        Command.SHOW_ROUND,
        Command.CHALLENGES,
        Command.END_MEETING,
        Command.CLOSE_ROUND,
    ),
    "meeting-buttons": _everywhere(
        v.HELP_SHOW,
        v.SETUP_LINK,
        v.MEETING_START,
        v.MEETING_REFRESH,
        v.ATTENDANCE_SELF,
        v.ATTENDANCE_RECORD,
        v.MEETING_NEXT,
        v.MEETING_PREVIOUS,
        v.MINUTES_DOWNLOAD,
        v.MEETING_END,
    ),
    "recording": _everywhere(
        v.ITEM_MINUTE,
        v.ITEM_DECISION,
        v.ITEM_ACTION_FORM,
        v.ITEM_ACTION,
        v.MINUTES_AGREE,
        v.ROUND_OPEN,
        v.ROUND_ANSWER,
        v.CHALLENGE_RESPOND,
        v.ROUND_CLOSE,
    ),
    "members": _everywhere(Command.MEMBERS, v.MEMBERS_SHOW, v.MEMBERS_ADD, v.MEMBERS_REMOVE),
    "register": _everywhere(Command.SUBJECT, Command.SUBJECTS, v.SUBJECT_SHOW, v.SUBJECTS_PAGE),
    "register-writes": _everywhere(
        Command.ADD_SUBJECT,
        v.SUBJECT_ADD_FORM,
        v.SUBJECT_ADD,
        v.SUBJECT_EDIT,
        v.SUBJECT_RISK,
        v.SUBJECT_STATUS,
        v.SUBJECT_DETAILS,
        v.SUBJECT_CHECKS,
        v.SUBJECT_LINK,
        v.SUBJECT_UNLINK,
    ),
    "minutes": _everywhere(Command.MINUTES, v.MINUTES_PAGE, v.MINUTES_SHOW, v.MINUTES_EXPORT),
    "ratings": _everywhere(v.MEETING_RATE),
    "register-moves": _everywhere(
        v.SUBJECT_MOVE_FORM, v.SUBJECT_MOVE, v.SUBJECT_MOVE_ACCEPT, v.SUBJECT_MOVE_DECLINE
    ),
    "actions-between-meetings": _everywhere(
        Command.MY_ACTIONS,
        Command.OUTSTANDING,
        v.ACTIONS_MINE,
        v.OUTSTANDING_PAGE,
        v.OUTSTANDING_EXPORT,
        v.DATE_REQUEST_SHOW,
        v.ACTION_UPDATE,
        v.ACTION_REQUEST_DATE,
        v.DATE_REQUEST_ACCEPT,
        v.DATE_REQUEST_REFUSE,
        v.ACTION_HAND_OVER_CHOOSE,
        v.ACTION_HAND_OVER,
        v.ACTION_DONE,
    ),
    # Issue 16: each allowed save corrects the planted minute again.
    "corrections": _everywhere(v.CORRECTIONS_SHOW, v.CORRECTION_FORM, v.CORRECTION_SAVE),
    # Issue 16: escalations (escalating and closing are put back by restore).
    "escalations": _everywhere(
        Command.ESCALATIONS,
        v.ESCALATE_FORM,
        v.ESCALATE,
        v.ESCALATION_SHOW,
        v.ESCALATION_RESPOND,
        v.ESCALATION_CLOSE,
    ),
    # Issue 15: removing uses the planted subject up; restore adds another.
    "subject-items": _everywhere(
        v.ITEM_SUBJECT_FORM,
        v.ITEM_SUBJECT_ADD,
        v.ITEM_SUBJECT_MOVE,
        v.ITEM_SUBJECT_REMOVE,
    ),
    # Issue 16: an action by reference, and the chair's review (each allowed review
    # carries the planted action forward to a date not used before).
    "action-control": _everywhere(
        Command.ACTION,
        v.ACTION_SHOW,
        v.ITEM_REVIEW_ACTIONS,
        v.ACTION_REVIEW_FORM,
        v.ACTION_REVIEW,
    ),
    # The performance report (issue 16, point 8).
    "report": _everywhere(Command.REPORT, v.REPORT_DOWNLOAD),
}


def test_every_command_and_verb_has_a_row_in_each_place_and_a_cell_for_every_actor() -> None:
    assert set(TEXT) == set(Command), "a new command needs a row in TEXT"
    assert set(VERBS) == set(v.ALL_VERBS), "a new card verb needs a row in VERBS"
    assert len(ROWS) == (len(Command) + len(v.ALL_VERBS)) * len(PLACES)
    columns = ", ".join(a.column for a in ACTORS)
    for row in ROWS.values():
        assert len(row.codes) == len(ACTORS), f"{row.label}: one code for each of {columns}"
        assert set(row.codes) <= set(MEANING), f"{row.label}: codes are {sorted(MEANING)}"
    grouped = [label for labels in GROUPS.values() for label in labels]
    assert sorted(grouped) == sorted(ROWS), "every row runs in exactly one group"
    assert len({a.user.aad_object_id for a in ACTORS}) == len(ACTORS)


# -- what is planted, and what answers mean --------------------------------------------------

MINUTE = "Matrix minute Kestrel-41"
DECISION = "Matrix decision Heron-52"
ACTION_TEXT = "Matrix action Osprey-63"
SHARE = "Matrix share Plover-74"
CHALLENGE = "Matrix challenge Curlew-85"
UPDATE = "Matrix update Dunlin-96"
REASON = "Matrix reason Avocet-17"
PREVIOUS_MINUTE = "Matrix earlier minute Merlin-28"
CASE_REF = "CR-0777"
INITIALS = "V.X."
PLANTED = (
    MINUTE,
    DECISION,
    ACTION_TEXT,
    SHARE,
    CHALLENGE,
    UPDATE,
    REASON,
    PREVIOUS_MINUTE,
    CASE_REF,
    INITIALS,
)
#: Minutes' text is in the Word minutes only: cards show how many minutes, not what.
NOT_ON_CARDS = frozenset({MINUTE, PREVIOUS_MINUTE})
#: Which group the channel belongs to is itself not for people outside that group.
LOCALITY_NAME = "Scarborough"

REFUSALS = frozenset(
    {
        NotPermitted.user_message,
        NOT_A_MEMBER,
        NotLinked.user_message,
        # What someone from another group is told about another group's action: it says
        # nothing about whether it exists.
        NotFound.user_message,
        NOT_YOURS,
        "Only the group's chair or deputy chair can decide a new due date.",
        "Only an administrator or a chair of that locality group can link this conversation to it.",
        "This conversation is linked to another group; only an administrator or that "
        "group's chair can move it.",
        # The register: a subject not in any of the person's groups (or not theirs to
        # see), and someone in no group at all.
        NO_SUCH_SUBJECT,
        NOT_IN_A_GROUP,
        NO_GROUP_TO_ADD_TO,
        # A register subject offered to another group (bot.services.register_moves).
        NO_SUCH_SUBJECT,
        NO_SUCH_OFFER,
        "Only a chair or deputy chair of Harrogate can accept or decline it.",
        # Issue 16: an action out of reach, and a member of its group who may not review.
        NO_SUCH_ACTION,
        NOT_A_CHAIR,
        # The performance report (bot.services.report).
        REPORT_REFUSED,
        # Escalations (bot.services.escalations, issue 16).
        NO_SUCH_ESCALATION,
        LIST_IS_FOR,
        "Only members of the MACE Operational Group can record its response.",
        "Only a chair or deputy chair of the locality group can close it.",
        # Minutes in a personal chat (issue 16): someone in no group.
        MINUTES_NOT_IN_A_GROUP,
    }
)
_RULES = (*VERB_PLACES.values(), *COMMAND_PLACES.values())
#: The words of the answers "only in a personal chat" and "only in the group's
#: conversation" (the words only: which verb gets which is what the matrix checks).
PERSONAL_ONLY_ANSWERS = frozenset(p.refusal for p in _RULES if p.kinds == PERSONAL_KIND)
GROUP_ONLY_ANSWERS = frozenset(p.refusal for p in _RULES if p.kinds == GROUP_KINDS)
#: The beginnings of answers that mean "not done" for a reason other than access: an
#: allowed cell must get none of them (its state was wrong, or something broke).
NOT_DONE = (
    STORE_UNAVAILABLE,
    TURN_FAILED,
    DELIVERY_FAILED,
    UNKNOWN_VERB,
    "That could not be done.",
    "Some of the details need another look.",
    "Already recorded.",
    "Not saved yet.",
    "No meeting is in progress",
    "No share-and-challenge round is open",
    "Record attendance first",
    "That meeting has ended",
    "This round has been closed",
    "That challenge already has a response",
    "That action is already closed",
    "That request has already been decided",
    "Only the minutes of an earlier",
    "A round is already open for this meeting.",
    "That role was already removed",
    "Downloads ",
    "Member administration is not set up",
    "Sorry, I did not understand",
)


#: The groups the planted child is offered to by allowed cells, in turn (not Harrogate,
#: which holds the planted offer, nor Scarborough, which holds the child).
MOVE_TARGETS = ("ryedale", "craven", "hambleton", "richmondshire", "selby")


# -- the scene -----------------------------------------------------------------------------


@dataclass
class World:
    """A Scarborough meeting in progress with everything planted, and the ids its cards
    carry; kept current as allowed cells end or use things up (``restore``)."""

    bot: BotUnderTest
    scarborough: int
    harrogate: int
    police: int
    priya: int
    colleague: int
    previous_meeting: int
    meeting: Meeting
    item: int
    round_id: int = 0
    round_card: str = ""
    challenge: int = 0
    action: int = 0
    target_membership: int = 0
    #: New due dates asked for so far: each request asks for a date not asked for before.
    asked: int = 0
    #: A subject still to come under item 4 (issue 15), and how many were added so far.
    sub_item: int = 0
    subjects_added: int = 0
    #: Offers of the planted child sent by allowed cells, and the open offer to Harrogate.
    offers_sent: int = 0
    offer: int = 0
    places: int = 0
    #: The planted escalation (issue 16).
    escalation: int = 0
    bodies: list[Any] = field(default_factory=list)

    async def press(
        self,
        who: str,
        verb: str,
        data: Mapping[str, Any],
        *,
        card_id: str | None = None,
        place: ConversationKind = CHANNEL,
    ) -> Any:
        body = ok(
            await press(
                self.bot,
                who,
                verb,
                dict(data),
                card_id=card_id or self.meeting.agenda_id,
                conversation=place,
            )
        )
        self.bodies.append(body)
        return body

    async def open_round(self) -> None:
        await self.press("chair", v.ROUND_OPEN, {"meetingId": self.meeting.id, "itemId": self.item})
        posted = self.bot.connector.posted()[-1]
        card = posted.activity["attachments"][0]["content"]
        self.round_id = action(card, v.ROUND_ANSWER)["data"]["roundId"]
        self.round_card = posted.activity_id

    async def raise_challenge(self) -> None:
        await self.press(
            "health",
            v.ROUND_ANSWER,
            {
                "roundId": self.round_id,
                "outcome": "challenge",
                "shareText": CHALLENGE,
                "challengeTo": str(self.police),
                "challengeAbout": f"{CASE_REF} disruption plan",
            },
            card_id=self.round_card,
        )
        self.challenge = await self._newest(t.Challenge)

    async def new_action(self) -> None:
        """A police action about a child, owned by Priya Shah, with a new date asked for."""
        invoke_card(
            await self.press(
                "minute_taker",
                v.ITEM_ACTION,
                {
                    "meetingId": self.meeting.id,
                    "itemId": self.item,
                    "description": ACTION_TEXT,
                    "ownerId": str(self.priya),
                    "dueDate": "2026-12-03",
                    "subjectKind": "child",
                    "subjectRef": CASE_REF,
                    "subjectInitials": INITIALS,
                },
            )
        )
        self.action = await self._newest(t.Action)
        await self.ask_for_new_date()

    async def ask_for_new_date(self) -> None:
        a = self.action
        self.asked += 1
        wanted = (await self.due()) + timedelta(days=self.asked)
        invoke_card(
            await self.press(
                "police",
                v.ACTION_REQUEST_DATE,
                {"actionId": a, f"newDate-{a}": wanted.isoformat(), f"reason-{a}": REASON},
                place=PERSONAL,
            )
        )

    async def new_meeting(self) -> None:
        """After an allowed "end": the chair starts the next meeting and a round opens."""
        self.meeting = await start_meeting(self.bot, to_position=4)
        self.item = self.meeting.current_item(self.bot)
        ok(await say(self.bot, "police", "here"))
        await self.open_round()

    async def give_back_target_role(self) -> None:
        store = store_of(self.bot)
        await load_reference_data(store, {"members": [_member_entry("target")]}, MEETING_DAY)
        target = EXTRA_USERS["target"].aad_object_id
        async with store.reading() as session:
            found = await session.scalar(
                select(t.Membership.id)
                .join(t.Member, t.Member.id == t.Membership.member_id)
                .where(
                    t.Member.aad_object_id == target,
                    t.Membership.locality_id == self.scarborough,
                    t.Membership.role == "partner",
                )
            )
        assert found is not None
        self.target_membership = found

    async def restore(self, row: Row) -> None:
        """Put back what an allowed cell ended or used up, so that the next cell in the row
        meets the same state."""
        what = row.verb or row.command
        if what in (v.ROUND_CLOSE, Command.CLOSE_ROUND):
            await self.open_round()
        elif what == v.CHALLENGE_RESPOND:
            await self.raise_challenge()
        elif what == v.MEETING_END:
            await self.new_meeting()
        elif what in (v.ACTION_DONE, v.ACTION_HAND_OVER):
            await self.new_action()
        elif what in (v.DATE_REQUEST_ACCEPT, v.DATE_REQUEST_REFUSE):
            await self.ask_for_new_date()
        elif what == v.MEMBERS_REMOVE:
            await self.give_back_target_role()
        elif what == v.ITEM_SUBJECT_REMOVE:
            await self.add_sub_item()
        elif what in (v.SUBJECT_MOVE_ACCEPT, v.SUBJECT_MOVE_DECLINE):
            await self.offer_to_harrogate()
        elif what in (v.ESCALATE, v.ESCALATION_CLOSE):
            await self.reset_escalations()
        else:
            await restore_register(self, what)

    def new_subject(self) -> dict[str, str]:
        """A child not on this agenda yet, so that every add is a new sub-item."""
        self.subjects_added += 1
        return {
            "subjectKind": "child",
            "subjectRef": f"CR-{9000 + self.subjects_added}",
            "subjectInitials": "AB",
        }

    async def add_sub_item(self) -> None:
        """A subject still to come under item 4, as the chair adds it (issue 15)."""
        await self.press(
            "chair",
            v.ITEM_SUBJECT_ADD,
            {"meetingId": self.meeting.id, "itemId": self.item, **self.new_subject()},
        )
        self.sub_item = await self._newest(t.ItemSubject)

    async def planted_child(self) -> int:
        """The child the planted action is about (CR-0777), held by Scarborough."""
        async with store_of(self.bot).reading() as session:
            found = await session.scalar(
                select(t.Action.subject_id).where(t.Action.id == self.action)
            )
        assert found is not None
        return int(found)

    async def open_offer(self) -> int:
        assert self.offer, "build_world plants an offer to Harrogate"
        return self.offer

    async def offer_to_harrogate(self) -> None:
        """A location Scarborough holds, offered to Harrogate by Scarborough's chair: one
        new each time, since an accepted share cannot be offered again."""
        store = store_of(self.bot)
        self.places += 1
        place = f"Matrix place {self.places}"
        async with store.transaction() as session:
            location = t.Subject(
                locality_id=self.scarborough,
                kind="location",
                reference=place,
                initials="",
                reference_index=subject_index(store.keys, self.scarborough, "location", place),
                created_at=MEETING_DAY,
            )
            session.add(location)
            await session.flush()
            subject = location.id
        invoke_card(
            await self.press(
                "chair",
                v.SUBJECT_MOVE,
                {
                    "subjectId": subject,
                    "toLocality": "harrogate",
                    "mode": "share",
                    "reason": REASON,
                },
                place=PERSONAL,
            )
        )
        self.offer = await self._newest(t.SubjectShare)

    async def plant_escalation(self) -> None:
        """The planted action escalated by Scarborough to the Operational group, with
        that group's response recorded (so a chair may close it)."""
        async with store_of(self.bot).transaction() as session:
            group = await session.scalar(
                select(t.OversightGroup).where(t.OversightGroup.tier == "operational")
            )
            assert group is not None
            escalation = t.Escalation(
                locality_id=self.scarborough,
                group_id=group.id,
                kind="action",
                action_id=self.action,
                what=ACTION_TEXT,
                why=REASON,
                raised_by_member_id=self.priya,
                raised_at=MEETING_DAY,
                status="responded",
                response="Matrix response Godwit-39",
                decision="Matrix decision Godwit-40",
                responded_by_member_id=self.priya,
                responded_at=MEETING_DAY,
            )
            session.add(escalation)
            await session.flush()
            self.escalation = escalation.id

    async def reset_escalations(self) -> None:
        """After an allowed escalate or close: the planted one responded again, and any
        other closed (so the next escalate of the planted action is not a duplicate)."""
        async with store_of(self.bot).transaction() as session:
            for row in await session.scalars(select(t.Escalation)):
                if row.id == self.escalation:
                    row.status = "responded"
                    row.closed_at = None
                    row.closed_by_member_id = None
                    row.close_note = None
                else:
                    row.status = "closed"

    async def _newest(self, model: Any) -> int:
        async with store_of(self.bot).reading() as session:
            newest = await session.scalar(select(func.max(model.id)))
        assert newest is not None
        return int(newest)

    async def planted_subject(self) -> int:
        """The child the planted action is about (the register's only Scarborough entry)."""
        async with store_of(self.bot).reading() as session:
            found = await session.scalar(
                select(func.min(t.Subject.id)).where(t.Subject.locality_id == self.scarborough)
            )
        assert found is not None
        return int(found)

    async def due(self) -> date:
        async with store_of(self.bot).reading() as session:
            return (await session.get_one(t.Action, self.action)).due_date

    async def live_position(self) -> int:
        async with store_of(self.bot).reading() as session:
            return (await session.get_one(t.Meeting, self.meeting.id)).current_position or 1

    async def click_data(self, verb: str, actor: Actor) -> dict[str, Any]:
        """What the button's card would send in this meeting, inputs included."""
        m, a, c = self.meeting.id, self.action, self.challenge
        where = {"meetingId": m, "itemId": self.item}
        match verb:
            case v.SETUP_LINK:
                # Someone from another group tries to move the channel to their own group.
                wanted = self.harrogate if actor.from_another_group else self.scarborough
                return {"localityId": str(wanted)}
            case v.MEETING_NEXT | v.MEETING_PREVIOUS:
                return {"meetingId": m, "position": await self.live_position()}
            case v.MEETING_END:
                return {"meetingId": m, "nextMeetingDate": "2026-12-17"}
            case v.MEETING_REFRESH | v.ATTENDANCE_SELF:
                return {"meetingId": m}
            case v.ATTENDANCE_RECORD:
                return {
                    "meetingId": m,
                    "agencyId": str(self.police),
                    "attendanceStatus": "present",
                    "people": "Priya Shah",
                }
            case v.ITEM_ACTION_FORM:
                return where
            case v.ITEM_MINUTE:
                return {**where, "minuteText": f"A minute by {actor.column}."}
            case v.ITEM_DECISION:
                return {**where, "decisionText": f"A decision by {actor.column}."}
            case v.ITEM_ACTION:
                return {
                    **where,
                    "description": f"A task from {actor.column}.",
                    "ownerId": str(self.priya),
                    "dueDate": "2026-12-03",
                    "subjectKind": "none",
                }
            case v.MINUTES_AGREE:
                return {"meetingId": m, "previousMeetingId": self.previous_meeting}
            case v.ROUND_OPEN:
                return where
            case v.ROUND_ANSWER:
                return {
                    "roundId": self.round_id,
                    "outcome": "shared",
                    "shareText": f"Shared by {actor.column}.",
                }
            case v.ROUND_CLOSE:
                return {"roundId": self.round_id}
            case v.CHALLENGE_RESPOND:
                return {
                    "challengeId": c,
                    f"response-{c}": f"Answered by {actor.column}.",
                    f"resolution-{c}": "resolved",
                }
            case v.ACTION_UPDATE:
                return {"actionId": a, f"update-{a}": f"Progress from {actor.column}."}
            case v.ACTION_DONE:
                return {"actionId": a, f"done-{a}": f"Done by {actor.column}."}
            case v.ACTION_REQUEST_DATE:
                self.asked += 1
                wanted = (await self.due()) + timedelta(days=self.asked)
                return {
                    "actionId": a,
                    f"newDate-{a}": wanted.isoformat(),
                    f"reason-{a}": f"Asked by {actor.column}.",
                }
            case v.ACTION_HAND_OVER_CHOOSE:
                return {"actionId": a}
            case v.ACTION_HAND_OVER:
                return {"actionId": a, f"handTo-{a}": str(self.colleague)}
            case v.DATE_REQUEST_SHOW | v.DATE_REQUEST_ACCEPT | v.DATE_REQUEST_REFUSE:
                return {"actionId": a}
            case v.OUTSTANDING_PAGE:
                return {"page": 1}
            case v.OUTSTANDING_EXPORT:
                return {"format": "csv"}
            case v.MINUTES_DOWNLOAD | v.MINUTES_SHOW | v.MINUTES_EXPORT:
                return {"meetingId": self.previous_meeting}
            case v.MINUTES_PAGE:
                return {"page": 1}
            case v.MEETING_RATE:
                return {"meetingId": self.previous_meeting, "rating": "4"}
            case v.MEMBERS_SHOW:
                return {"showLocality": "scarborough"}
            case v.MEMBERS_ADD:
                # Anyone else tries to make themselves chair; the administrator grants a role.
                member = EXTRA_USERS["target"] if actor.column == "admin" else actor.user
                return {
                    "member": member.aad_object_id,
                    "locality": "scarborough",
                    "role": "chair",
                    "showLocality": "scarborough",
                }
            case v.MEMBERS_REMOVE:
                return {"membershipId": self.target_membership}
            case v.SUBJECT_SHOW:
                return {"subjectId": await self.planted_subject(), "meetingId": m}
            case v.SUBJECTS_PAGE:
                return {"words": "children", "page": 1}
            case v.ITEM_SUBJECT_FORM:
                return where
            case v.ITEM_SUBJECT_ADD:
                return {**where, **self.new_subject()}
            case v.ITEM_SUBJECT_MOVE:
                return {"meetingId": m, "itemSubjectId": self.sub_item, "direction": "down"}
            case v.ITEM_SUBJECT_REMOVE:
                return {"meetingId": m, "itemSubjectId": self.sub_item}
            case v.SUBJECT_MOVE_FORM:
                return {"subjectId": await self.planted_child()}
            case v.SUBJECT_MOVE:
                # Each allowed offer goes to a group not yet offered it (one open offer
                # per subject and group).
                self.offers_sent += 1
                return {
                    "subjectId": await self.planted_child(),
                    "toLocality": MOVE_TARGETS[self.offers_sent % len(MOVE_TARGETS)],
                    "mode": "share",
                    "reason": f"Offered by {actor.column}.",
                }
            case v.SUBJECT_MOVE_ACCEPT:
                return {"shareId": await self.open_offer()}
            case v.SUBJECT_MOVE_DECLINE:
                return {"shareId": await self.open_offer(), "declineReason": "Not ours."}
            case v.ACTION_SHOW:
                return {"actionId": a}
            case v.ITEM_REVIEW_ACTIONS:
                return {"meetingId": m}
            case v.ACTION_REVIEW_FORM:
                return {"actionId": a, "meetingId": m}
            case v.ACTION_REVIEW:
                # Carried forward to a date not asked for before: a real change each time.
                self.asked += 1
                wanted = (await self.due()) + timedelta(days=self.asked)
                return {
                    "actionId": a,
                    "meetingId": m,
                    "step": "carry",
                    "carryDate": wanted.isoformat(),
                    "carryReason": f"Carried by {actor.column}.",
                }
            case v.REPORT_DOWNLOAD:
                return {"from": "2026-04-01", "to": "2026-11-19", "format": "xlsx"}
            case v.CORRECTIONS_SHOW | v.CORRECTION_FORM | v.CORRECTION_SAVE:
                return await correction_click_data(self, verb, actor)
            case v.ESCALATE_FORM:
                return {"kind": "action", "recordId": a}
            case v.ESCALATE:
                # The planted escalation is to the Operational group: this goes to the
                # Strategic one (one open escalation per record and group).
                return {
                    "kind": "action",
                    "recordId": a,
                    "escalateTo": "strategic",
                    "escalateWhat": f"Escalated by {actor.column}.",
                    "escalateWhy": f"Because of {actor.column}.",
                }
            case v.ESCALATION_SHOW:
                return {"escalationId": self.escalation}
            case v.ESCALATION_RESPOND:
                return {
                    "escalationId": self.escalation,
                    "escalationResponse": f"Response by {actor.column}.",
                    "escalationDecision": f"Decision by {actor.column}.",
                }
            case v.ESCALATION_CLOSE:
                return {
                    "escalationId": self.escalation,
                    "escalationCloseNote": f"Closed by {actor.column}.",
                }
            case _:
                return await register_click_data(self, verb, actor)

    def card_id(self, verb: str) -> str:
        """The message holding the card the button is on."""
        if verb in (v.ROUND_ANSWER, v.ROUND_CLOSE):
            return self.round_card
        return self.meeting.agenda_id


async def _id_of(bot: BotUnderTest, column: Any, value: object) -> int:
    async with store_of(bot).reading() as session:
        found = await session.scalar(select(column.class_.id).where(column == value))
    assert found is not None, value
    return int(found)


async def build_world(bot: BotUnderTest, monkeypatch: pytest.MonkeyPatch) -> World:
    """Alex Wilber (chair), Sam Okafor (minute-taker), Priya Shah (police, owner of the
    planted action) and Dana Reeves (health, who challenges) set the scene."""
    for actor in ACTORS:
        monkeypatch.setitem(DEMO, actor.key, actor.user)
    store = store_of(bot)
    await load_reference_data(
        store, {"members": [_member_entry(key) for key in EXTRA]}, MEETING_DAY
    )
    # The group chat becomes Scarborough's too: its chair links it.
    scarborough = str(await _id_of(bot, t.Locality.code, "scarborough"))
    invoke_card(
        ok(await press(bot, "chair", v.SETUP_LINK, {"localityId": scarborough}, conversation=GROUP))
    )

    # An earlier meeting, ended with its minutes still a draft; the partner of Scarborough
    # said "here" at it, so may rate it (issue 16).
    previous = await start_meeting(bot)
    ok(await say(bot, "education", "here"))
    invoke_card(
        ok(
            await press(
                bot,
                "minute_taker",
                v.ITEM_MINUTE,
                {
                    "meetingId": previous.id,
                    "itemId": previous.current_item(bot),
                    "minuteText": PREVIOUS_MINUTE,
                },
                card_id=previous.agenda_id,
            )
        )
    )
    ok(
        await press(
            bot,
            "chair",
            v.MEETING_END,
            {"meetingId": previous.id, "nextMeetingDate": "2026-12-17"},
            card_id=previous.agenda_id,
        )
    )

    meeting = await start_meeting(bot, to_position=4)
    world = World(
        bot=bot,
        scarborough=await _id_of(bot, t.Locality.code, "scarborough"),
        harrogate=await _id_of(bot, t.Locality.code, "harrogate"),
        police=await _id_of(bot, t.Agency.code, "police"),
        priya=await _id_of(bot, t.Member.aad_object_id, DEMO["police"].aad_object_id),
        colleague=await _id_of(bot, t.Member.aad_object_id, EXTRA_USERS["colleague"].aad_object_id),
        previous_meeting=previous.id,
        meeting=meeting,
        item=meeting.current_item(bot),
    )
    ok(await say(bot, "police", "here"))
    ok(await say(bot, "health", "here"))
    where = {"meetingId": meeting.id, "itemId": world.item}
    invoke_card(await world.press("minute_taker", v.ITEM_MINUTE, {**where, "minuteText": MINUTE}))
    invoke_card(
        await world.press("minute_taker", v.ITEM_DECISION, {**where, "decisionText": DECISION})
    )
    await world.new_action()
    a = world.action
    invoke_card(
        await world.press(
            "police", v.ACTION_UPDATE, {"actionId": a, f"update-{a}": UPDATE}, place=PERSONAL
        )
    )
    await world.open_round()
    await world.press(
        "police",
        v.ROUND_ANSWER,
        {"roundId": world.round_id, "outcome": "shared", "shareText": SHARE},
        card_id=world.round_card,
    )
    await world.raise_challenge()
    await world.give_back_target_role()
    await world.add_sub_item()
    await plant_register(world)
    await world.offer_to_harrogate()
    await world.plant_escalation()
    # Members see what was planted (the chair reads the date request, the owner their
    # actions), so that a check that a refusal shows none of it proves something.
    invoke_card(await world.press("chair", v.DATE_REQUEST_SHOW, {"actionId": a}, place=PERSONAL))
    ok(await say(bot, "chair", "challenges"))
    ok(await say(bot, "police", "my actions", PERSONAL))
    shown = json.dumps([bot.connector.sent(), bot.connector.updated(), world.bodies])
    unseen = [s for s in PLANTED if s not in shown and s not in NOT_ON_CARDS]
    assert not unseen, f"members never saw {unseen}: the leak checks would prove nothing"
    return world


# -- one cell ----------------------------------------------------------------------------


@dataclass
class Seen:
    """What one cell produced: the HTTP answer and what reached the fake connector."""

    status: int
    body: Any
    posts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    created: list[dict[str, Any]]

    def answers(self) -> list[str]:
        """What the person was told in words (the invoke's message, or posted text)."""
        told = [str(p["text"]) for p in self.posts if p.get("text")]
        if isinstance(self.body, dict) and str(self.body.get("type", "")).endswith("message"):
            told.append(str(self.body.get("value", "")))
        return told

    def cards(self) -> list[dict[str, Any]]:
        found = [
            attachment["content"]
            for p in self.posts
            for attachment in p.get("attachments") or []
            if isinstance(attachment, dict) and isinstance(attachment.get("content"), dict)
        ]
        if isinstance(self.body, dict) and str(self.body.get("type", "")).endswith("adaptive"):
            found.append(self.body["value"])
        return found

    def everything(self) -> str:
        return json.dumps([self.posts, self.updates, self.created, self.body])


#: What is typed for a command that needs words to mean something (else its name).
COMMAND_TEXT: dict[Command, str] = {Command.SUBJECT: f"subject {CASE_REF}"}
#: Typed with the planted action's reference (issue 16): ``A-<id>``.
ACTION_REFERENCE = Command.ACTION


async def _act(world: World, row: Row, actor: Actor, *, by_submit: bool = False) -> Seen:
    bot, fake = world.bot, world.bot.connector
    posted, updated, created = len(fake.sent()), len(fake.updated()), len(fake.created())
    if row.command is not None:
        typed = COMMAND_TEXT.get(row.command, str(row.command))
        if row.command is ACTION_REFERENCE:
            typed = f"A-{world.action}"
        status, body = await say(bot, actor.key, typed, row.place)
    else:
        assert row.verb is not None
        status, body = await (press_submit if by_submit else press)(
            bot,
            actor.key,
            row.verb,
            await world.click_data(row.verb, actor),
            card_id=world.card_id(row.verb),
            conversation=row.place,
        )
    return Seen(
        status, body, fake.sent()[posted:], fake.updated()[updated:], fake.created()[created:]
    )


def _offers_to_link_here(seen: Seen) -> bool:
    return any(
        LOCALITY_NAME in title
        for card in seen.cards()
        if v.SETUP_LINK in json.dumps(card)
        for title in choices(card, "localityId")
    )


def _not_done(seen: Seen) -> list[str]:
    problems = [text[:120] for text in seen.answers() if text.startswith(NOT_DONE)]
    problems += [
        f"a form with errors at {sorted(fields_in_error(card))}"
        for card in seen.cards()
        if fields_in_error(card)
    ]
    return problems


def outcome(row: Row, seen: Seen) -> str:
    """What the cell did, in the matrix's letters ("O" shows as "A": an answer was given)."""
    answers = seen.answers()
    if seen.status >= 500:
        return f"HTTP {seen.status}"
    if answers and set(answers) <= PERSONAL_ONLY_ANSWERS and not seen.cards():
        return "P"
    if answers and set(answers) <= GROUP_ONLY_ANSWERS and not seen.cards():
        return "G"
    if row.command is Command.SETUP and row.place != PERSONAL:
        # "setup" answers with the setup card; it refuses by offering no way to link the
        # channel to its group (an outsider may be offered their own group).
        if not answers and seen.cards() and not _offers_to_link_here(seen):
            return "R"
    elif answers and set(answers) <= REFUSALS and not seen.cards():
        return "R"
    not_done = _not_done(seen)
    return f"not done ({'; '.join(not_done)})" if not_done else "A"


def leaks(actor: Actor, seen: Seen) -> list[str]:
    secrets = PLANTED if actor.inside else (*PLANTED, LOCALITY_NAME)
    shown = seen.everything()
    return [secret for secret in secrets if secret in shown]


#: The audit trail records refusals too (and has its own tests); scenario.snapshot leaves
#: it out, and so does this comparison should an older snapshot still include it.
AUDIT_TABLES = frozenset({"audit_log", "audit_head"})


def changed_tables(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return [
        name
        for name in sorted(set(before) | set(after))
        if name not in AUDIT_TABLES and before.get(name) != after.get(name)
    ]


class Matrix:
    """Runs the cells of a group and keeps every disagreement, so one run reports all."""

    def __init__(self, world: World, clock: FrozenClock) -> None:
        self.world = world
        self.clock = clock
        self.store_before: dict[str, list[tuple[str, ...]]] | None = None
        self.disagreements: list[str] = []
        self.cells = 0

    async def check(self, row: Row, actor: Actor, expected: str) -> None:
        store = store_of(self.world.bot)
        if expected != "A" and self.store_before is None:
            self.store_before = await snapshot(store)
        # Time moves on between clicks, as in a meeting (two requests stamped at the same
        # instant would be taken for one resent).
        self.clock.advance(seconds=1)
        by_submit = expected in ("P", "G") and ACTORS.index(actor) % 2 == 1
        seen = await _act(self.world, row, actor, by_submit=by_submit)
        self.cells += 1
        actual = outcome(row, seen)
        cell = f"{row.label} x {actor.column}" + (" (Action.Submit)" if by_submit else "")
        if seen.status not in (200, 201):
            self.disagreements.append(f"{cell}: HTTP {seen.status} {seen.body!r:.200}")
        if actual != expected and (expected, actual) != ("O", "A"):
            told = " | ".join(seen.answers())
            self.disagreements.append(
                f"{cell}: expected {expected} ({MEANING[expected]}), got {actual}: {told!r:.200}"
            )
        if expected != "A":
            shown = leaks(actor, seen)
            if shown:
                self.disagreements.append(f"{cell}: showed {shown}")
            if seen.updates or seen.created:
                self.disagreements.append(f"{cell}: edited a card or opened a conversation")
            after = await snapshot(store)
            assert self.store_before is not None
            changed = changed_tables(self.store_before, after)
            if changed:
                self.disagreements.append(f"{cell}: changed the store ({', '.join(changed)})")
            self.store_before = after
        if actual == "A":
            # Something was done: put back what it ended or used up, and read the store
            # afresh before the next cell that must leave it alone.
            await self.world.restore(row)
            self.store_before = None


@pytest.fixture(autouse=True)
def _cheaper_turns(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """msrest builds its retry list with a list lookup in a loop (about 10 ms, twice per
    turn); the same codes from a set keep the matrix's several hundred turns quick."""
    monkeypatch.setattr(ClientRetryPolicy, "safe_codes", frozenset(ClientRetryPolicy.safe_codes))
    yield


@pytest.mark.parametrize("group", list(GROUPS))
async def test_access_matrix(
    bot: BotUnderTest, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, group: str
) -> None:
    matrix = Matrix(await build_world(bot, monkeypatch), clock)
    for label in GROUPS[group]:
        row = ROWS[label]
        for actor, expected in zip(ACTORS, row.codes, strict=True):
            await matrix.check(row, actor, expected)
    assert matrix.cells == len(GROUPS[group]) * len(ACTORS)
    assert not matrix.disagreements, "\n".join(
        [f"{len(matrix.disagreements)} cells disagree with the matrix:", *matrix.disagreements]
    )


# -- the register's writes (issue 15) ------------------------------------------------------

#: A location linked to the planted child (CR-0777), for "unlink"; its link is put back
#: after each allowed removal.
MAP_PLACE = "Matrix map place"
_register_counter = [0]


async def _planted_child(world: World) -> t.Subject:
    async with store_of(world.bot).reading() as session:
        found = await session.scalar(
            select(t.Subject)
            .where(t.Subject.kind == "child", t.Subject.locality_id == world.scarborough)
            .order_by(t.Subject.id)
        )
    assert found is not None, "the planted action's child is in Scarborough's register"
    return found


async def _link_map_place(world: World) -> None:
    child = await _planted_child(world)
    await world.press(
        "chair",
        v.SUBJECT_LINK,
        {
            "subjectId": child.id,
            "subjectKind": "location",
            "subjectRef": MAP_PLACE,
            "linkReason": "Seen there.",
            "addToRegister": "true",
        },
        place=PERSONAL,
    )


async def plant_register(world: World) -> None:
    """The planted child linked to a location, so that there is a link to remove."""
    await _link_map_place(world)


async def restore_register(world: World, what: object) -> None:
    if what == v.SUBJECT_UNLINK:
        await _link_map_place(world)


async def register_click_data(world: World, verb: str, actor: Actor) -> dict[str, Any]:
    """What the register's forms would send: each allowed change a real change (a level,
    status, strand or check other than the current one), so that none is refused as
    "already" so."""
    child = await _planted_child(world)
    on = {"subjectId": child.id, "meetingId": world.meeting.id}
    _register_counter[0] += 1
    n = _register_counter[0]
    match verb:
        case v.SUBJECT_EDIT:
            return {**on, "form": "link"}
        case v.SUBJECT_RISK:
            level = "high" if child.risk_level != "high" else "medium"
            return {**on, "riskLevel": level, "riskReason": f"Risk by {actor.column}."}
        case v.SUBJECT_STATUS:
            status = "monitoring" if child.status == "open" else "open"
            return {**on, "subjectStatus": status, "statusReason": f"By {actor.column}."}
        case v.SUBJECT_DETAILS:
            async with store_of(world.bot).reading() as session:
                held = set(
                    await session.scalars(
                        select(t.Strand.code)
                        .join(t.SubjectStrand, t.SubjectStrand.strand_id == t.Strand.id)
                        .where(t.SubjectStrand.subject_id == child.id)
                    )
                )
            strands = "cse" if held != {"cse"} else "cce"
            return {**on, "leadAgency": "police", "strands": strands}
        case v.SUBJECT_CHECKS:
            voice = "no" if '"voice_recorded": true' in (child.checks or "") else "yes"
            return {**on, "voiceRecorded": voice}
        case v.SUBJECT_LINK:
            return {
                **on,
                "subjectKind": "location",
                "subjectRef": f"Matrix place {n}",
                "linkReason": f"Linked by {actor.column}.",
                "addToRegister": "true",
            }
        case v.SUBJECT_UNLINK:
            async with store_of(world.bot).reading() as session:
                link = await session.scalar(
                    select(t.SubjectLink.id).where(t.SubjectLink.removed_at.is_(None))
                )
            assert link is not None
            return {**on, "linkId": link, f"unlinkReason-{link}": f"By {actor.column}."}
        case v.SUBJECT_ADD_FORM:
            return {}
        case v.SUBJECT_ADD:
            # Into the actor's own group: an outsider adds to Harrogate's register.
            group = world.harrogate if actor.from_another_group else world.scarborough
            return {
                "localityId": str(group),
                "subjectKind": "theme",
                "subjectRef": f"Matrix theme {n}",
            }
        case _:
            return {}


# -- corrections before the minutes are agreed (issue 16) -----------------------------------

_correction_counter = [0]


async def correction_click_data(world: World, verb: str, actor: Actor) -> dict[str, Any]:
    """The planted minute (MINUTE), named as its correction cards name it; each allowed
    save a real change of its text, with a reason."""
    async with store_of(world.bot).reading() as session:
        minute = await session.scalar(
            select(func.min(t.MinuteEntry.id)).where(
                t.MinuteEntry.meeting_id == world.meeting.id, t.MinuteEntry.kind == "minute"
            )
        )
    assert minute is not None, "build_world plants a minute"
    if verb == v.CORRECTIONS_SHOW:
        return {"meetingId": world.meeting.id, "itemId": world.item}
    named = {"meetingId": world.meeting.id, "kind": "minute", "recordId": minute}
    if verb == v.CORRECTION_FORM:
        return named
    _correction_counter[0] += 1
    return {
        **named,
        "correctedText": f"Corrected by {actor.column} ({_correction_counter[0]}).",
        "reason": f"Typo, by {actor.column}.",
    }
