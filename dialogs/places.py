"""Where each text command and card verb may run: a personal chat, a group's conversation
(a channel, group chat or meeting chat), or anywhere; and what to say anywhere else.

The router consults this table before any handler runs, for a typed command and for a
card verb alike (an ``adaptiveCard/action`` invoke or the ``Action.Submit`` fallback), so
a request in the wrong kind of conversation reads nothing from the store and shows
nothing. The rule belongs to the verb, not to the card it is drawn on: a crafted payload
can carry any verb into any conversation, and the fallback's answer is a message posted
for everyone there. Deny by default: a verb with no rule here is refused everywhere, and
the router will not start with a handler that has none (``missing_rules``).

Actions can name children (descriptions, updates, case references), so everything about
actions, due-date requests, outstanding lists and member administration happens only in a
person's own chat with the bot; meetings happen only in the group's conversation.

A conversation of unknown kind (an activity without Teams' ``conversationType``, or with
one Teams does not send) is no kind any rule allows: there every command and verb, help
included, gets one sentence (``UNKNOWN_CONVERSATION``) and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.model import ConversationKind
from cards import verbs as v
from dialogs.commands import Command

PERSONAL = frozenset({ConversationKind.PERSONAL})
#: A locality group's own conversations. Teams calls a meeting's chat a group chat; the
#: bot tells them apart (``ConversationKind.MEETING``), and both are the group's.
GROUP = frozenset({ConversationKind.CHANNEL, ConversationKind.GROUP_CHAT, ConversationKind.MEETING})
ANYWHERE = PERSONAL | GROUP

PERSONAL_ONLY = (
    "Actions can name children, so I show {what} only in a personal chat: open a chat with "
    "me and type it there."
)
ACTIONS_PERSONAL_ONLY = (
    "Actions can name children, so I show and change them only in a personal chat: open a "
    "chat with me and type **my actions** there."
)
ACTION_PERSONAL_ONLY = (
    "Actions can name children, so I show an action only in a personal chat: open a chat "
    "with me and type its reference (for example **A-36**) there."
)
MEMBERS_PERSONAL_ONLY = (
    "Members and roles are managed only in a personal chat: open a chat with me and type "
    "**members** there."
)
SETUP_IN_GROUP_ONLY = (
    "Locality groups are linked in their own Teams channel, group chat or meeting chat, "
    "not in a personal chat. Add me there and type **setup**."
)
MEETINGS_IN_GROUP_ONLY = (
    "Meetings run in the locality group's own channel or chat, not in a personal chat: "
    "mention me there (type **help** to see how)."
)
REGISTER_PERSONAL_ONLY = (
    "The register names children and persons of concern, so I search it only in a personal "
    "chat: open a chat with me and type it there."
)
#: What a verb with no rule gets, wherever it is pressed (deny by default).
NO_RULE = "That button cannot be used here."
#: What every command and verb gets in a conversation of unknown kind (deny by default).
UNKNOWN_CONVERSATION = (
    "I cannot tell what kind of Teams conversation this is, so I do nothing here. Open a "
    "personal chat with me, or mention me in your group's channel or chat."
)


@dataclass(frozen=True, slots=True)
class Place:
    """Where one command or verb may run, and the answer everywhere else."""

    kinds: frozenset[ConversationKind]
    refusal: str = ""

    def allows(self, kind: ConversationKind) -> bool:
        return kind in self.kinds


_ANYWHERE = Place(ANYWHERE)
_MEETING = Place(GROUP, MEETINGS_IN_GROUP_ONLY)
_SETUP = Place(GROUP, SETUP_IN_GROUP_ONLY)
_ACTIONS = Place(PERSONAL, ACTIONS_PERSONAL_ONLY)
_OUTSTANDING = Place(PERSONAL, PERSONAL_ONLY.format(what="outstanding actions"))
_MEMBERS = Place(PERSONAL, MEMBERS_PERSONAL_ONLY)
#: The register (issue 15): found and listed in a personal chat only; a subject's card
#: also opens from a meeting's agenda in the group's conversation, where it shows no
#: person of concern and no missing checks (bot.services.register_reads).
_REGISTER = Place(PERSONAL, REGISTER_PERSONAL_ONLY)
#: The register's changes: in a personal chat and in the group's own conversations (the
#: chair records a risk change from the meeting chat); adding outside a meeting, from a
#: personal chat (the form lists every group the member may add to).
_REGISTER_EDIT = _ANYWHERE
REGISTER_ADD_PERSONAL_ONLY = (
    "A subject is added to a register outside a meeting in a personal chat: open a chat "
    "with me and type **add subject** there."
)
_REGISTER_ADD = Place(PERSONAL, REGISTER_ADD_PERSONAL_ONLY)
MOVES_PERSONAL_ONLY = (
    "The register names children, so a subject is offered to another group only in a "
    "personal chat with me."
)
_REGISTER_MOVES = Place(PERSONAL, MOVES_PERSONAL_ONLY)
REPORT_PERSONAL_ONLY = (
    "The performance report is shown only in a personal chat: open a chat with me and "
    "type **report** there."
)
_REPORT = Place(PERSONAL, REPORT_PERSONAL_ONLY)
#: Escalations (issue 16): what and why can name children, so only in a personal chat.
_ESCALATIONS = Place(PERSONAL, PERSONAL_ONLY.format(what="escalations"))
#: Minutes in a personal chat (issue 16): decisions and actions can name children.
MINUTES_PERSONAL_ONLY = (
    "Minutes can name children, so I show them only in a personal chat: open a chat with me "
    "and type **minutes** there."
)
_MINUTES = Place(PERSONAL, MINUTES_PERSONAL_ONLY)
#: Rating a meeting (issue 16): asked and answered in a personal chat only, so that nobody
#: in the group's conversation sees who rated.
RATING_PERSONAL_ONLY = (
    "Meetings are rated in a personal chat, so that your rating stays anonymous: use the "
    "card the bot sent you there."
)

COMMAND_PLACES: dict[Command, Place] = {
    Command.HELP: _ANYWHERE,
    Command.SETUP: _SETUP,
    Command.START_MEETING: _MEETING,
    Command.AGENDA: _MEETING,
    Command.HERE: _MEETING,
    Command.NEXT_ITEM: _MEETING,
    Command.PREVIOUS_ITEM: _MEETING,
    Command.SHARE_ROUND: _MEETING,
    Command.CLOSE_ROUND: _MEETING,
    Command.SHOW_ROUND: _MEETING,
    Command.CHALLENGES: _MEETING,
    Command.END_MEETING: _MEETING,
    Command.MY_ACTIONS: Place(PERSONAL, PERSONAL_ONLY.format(what="your actions")),
    Command.OUTSTANDING: _OUTSTANDING,
    Command.MEMBERS: _MEMBERS,
    # The register, read side.
    Command.SUBJECT: _REGISTER,
    Command.SUBJECTS: _REGISTER,
    Command.ADD_SUBJECT: _REGISTER_ADD,
    # Issue 16: an action by its reference (``A-36``).
    Command.ACTION: Place(PERSONAL, ACTION_PERSONAL_ONLY),
    # The performance report (issue 16, point 8).
    Command.REPORT: _REPORT,
    Command.ESCALATIONS: _ESCALATIONS,
    # Minutes in a personal chat (issue 16).
    Command.MINUTES: _MINUTES,
}

VERB_PLACES: dict[str, Place] = {
    v.SETUP_LINK: _SETUP,
    v.MEETING_START: _MEETING,
    v.MEETING_REFRESH: _MEETING,
    v.MEETING_NEXT: _MEETING,
    v.MEETING_PREVIOUS: _MEETING,
    v.MEETING_END: _MEETING,
    v.ATTENDANCE_SELF: _MEETING,
    v.ATTENDANCE_RECORD: _MEETING,
    v.ITEM_MINUTE: _MEETING,
    v.ITEM_DECISION: _MEETING,
    v.ITEM_ACTION_FORM: _MEETING,
    v.ITEM_ACTION: _MEETING,
    v.MINUTES_AGREE: _MEETING,
    v.ROUND_OPEN: _MEETING,
    v.ROUND_ANSWER: _MEETING,
    v.ROUND_CLOSE: _MEETING,
    v.CHALLENGE_RESPOND: _MEETING,
    # The meeting summary, where the minutes' download button is, is posted in the group's
    # conversation; the link itself answers only the person who pressed.
    v.MINUTES_DOWNLOAD: _MEETING,
    v.HELP_SHOW: _ANYWHERE,
    v.ACTIONS_MINE: _ACTIONS,
    v.ACTION_UPDATE: _ACTIONS,
    v.ACTION_DONE: _ACTIONS,
    v.ACTION_REQUEST_DATE: _ACTIONS,
    v.ACTION_HAND_OVER_CHOOSE: _ACTIONS,
    v.ACTION_HAND_OVER: _ACTIONS,
    v.DATE_REQUEST_SHOW: _ACTIONS,
    v.DATE_REQUEST_ACCEPT: _ACTIONS,
    v.DATE_REQUEST_REFUSE: _ACTIONS,
    v.OUTSTANDING_PAGE: _OUTSTANDING,
    v.OUTSTANDING_EXPORT: _OUTSTANDING,
    v.MEMBERS_SHOW: _MEMBERS,
    v.MEMBERS_ADD: _MEMBERS,
    v.MEMBERS_REMOVE: _MEMBERS,
    # The register, read side.
    v.SUBJECT_SHOW: _ANYWHERE,
    v.SUBJECTS_PAGE: _REGISTER,
    # The subjects discussed under items 4-7, on the live agenda card.
    v.ITEM_SUBJECT_FORM: _MEETING,
    v.ITEM_SUBJECT_ADD: _MEETING,
    v.ITEM_SUBJECT_REMOVE: _MEETING,
    v.ITEM_SUBJECT_MOVE: _MEETING,
    v.SUBJECT_EDIT: _REGISTER_EDIT,
    v.SUBJECT_RISK: _REGISTER_EDIT,
    v.SUBJECT_STATUS: _REGISTER_EDIT,
    v.SUBJECT_DETAILS: _REGISTER_EDIT,
    v.SUBJECT_CHECKS: _REGISTER_EDIT,
    v.SUBJECT_LINK: _REGISTER_EDIT,
    v.SUBJECT_UNLINK: _REGISTER_EDIT,
    v.SUBJECT_ADD_FORM: _REGISTER_ADD,
    v.SUBJECT_ADD: _REGISTER_ADD,
    # A register subject offered to another group names a child: personal chat only.
    v.SUBJECT_MOVE_FORM: _REGISTER_MOVES,
    v.SUBJECT_MOVE: _REGISTER_MOVES,
    v.SUBJECT_MOVE_ACCEPT: _REGISTER_MOVES,
    v.SUBJECT_MOVE_DECLINE: _REGISTER_MOVES,
    # Issue 16: an action's own card (its history can name a child) in a personal chat;
    # the chair's review from item 3 of the agenda in the group's conversation (the form
    # answers only the presser) and from the action's card in a personal chat.
    v.ACTION_SHOW: _ACTIONS,
    v.ITEM_REVIEW_ACTIONS: _MEETING,
    v.ACTION_REVIEW_FORM: _ANYWHERE,
    v.ACTION_REVIEW: _ANYWHERE,
    # The performance report (issue 16, point 8).
    v.REPORT_DOWNLOAD: _REPORT,
    # Corrections before the minutes are agreed (issue 16): from the agenda, item 2 and an
    # ended meeting's summary, all in the group's conversation; each answer is a card
    # shown only to the person who pressed (dialogs.corrections).
    v.CORRECTIONS_SHOW: _MEETING,
    v.CORRECTION_FORM: _MEETING,
    v.CORRECTION_SAVE: _MEETING,
    # Escalation beyond the locality (issue 16): personal chat only.
    v.ESCALATE_FORM: _ESCALATIONS,
    v.ESCALATE: _ESCALATIONS,
    v.ESCALATION_SHOW: _ESCALATIONS,
    v.ESCALATION_RESPOND: _ESCALATIONS,
    v.ESCALATION_CLOSE: _ESCALATIONS,
    # Minutes in a personal chat (issue 16); the summary's own button stays in the group's.
    v.MINUTES_PAGE: _MINUTES,
    v.MINUTES_SHOW: _MINUTES,
    v.MINUTES_EXPORT: _MINUTES,
    v.MEETING_RATE: Place(PERSONAL, RATING_PERSONAL_ONLY),
}

_NOWHERE = Place(frozenset(), NO_RULE)


def verb_place(verb: str) -> Place:
    """The verb's rule; a verb without one may run nowhere."""
    return VERB_PLACES.get(verb, _NOWHERE)


def command_place(command: Command) -> Place:
    return COMMAND_PLACES.get(command, _NOWHERE)


def refusal(place: Place, kind: ConversationKind) -> str | None:
    """What to say instead of running, or None where the rule allows it."""
    if place.allows(kind):
        return None
    if kind is ConversationKind.UNKNOWN and place.kinds:
        # No rule allows it; the rule's own answer would say where it does run, and
        # "help" (allowed anywhere Teams names) has none.
        return UNKNOWN_CONVERSATION
    return place.refusal


def missing_rules(verbs: Iterable[str], commands: Iterable[Command]) -> list[str]:
    """The verbs and commands that have a handler but no rule here, for the start-up check."""
    return [verb for verb in verbs if verb not in VERB_PLACES] + [
        str(command) for command in commands if command not in COMMAND_PLACES
    ]


def where(place: Place) -> str:
    """The rule in words, as docs/commands.md's "Where" column says it."""
    if place.kinds == ANYWHERE:
        return "Anywhere"
    if place.kinds == PERSONAL:
        return "Personal chat"
    if place.kinds == GROUP:
        return "Group's channel or chat"
    return "Nowhere"
