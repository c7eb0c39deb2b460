"""The MACE vocabulary: roles, statuses and kinds, as plain enums.

Kept free of Teams and SQLAlchemy so that the rules of a meeting can be read, tested and
reused without either (a later move off the archived Bot Framework SDK touches none of it).
String values are what the store keeps and what cards carry, so they never change once
released; add new members instead.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A member's role in one locality group."""

    CHAIR = "chair"
    DEPUTY_CHAIR = "deputy_chair"
    MINUTE_TAKER = "minute_taker"
    COORDINATOR = "coordinator"
    PARTNER = "partner"
    #: A partner member who answers for their agency's actions in this locality.
    AGENCY_LEAD = "agency_lead"


ROLE_LABELS: dict[Role, str] = {
    Role.CHAIR: "Chair",
    Role.DEPUTY_CHAIR: "Deputy chair",
    Role.MINUTE_TAKER: "Minute-taker",
    Role.COORDINATOR: "Coordinator",
    Role.PARTNER: "Partner member",
    Role.AGENCY_LEAD: "Agency lead",
}


class MeetingStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    ENDED = "ended"


class MinutesStatus(StrEnum):
    """Minutes are a draft until the next meeting agrees them as accurate (agenda item 2)."""

    DRAFT = "draft"
    AGREED = "agreed"


class ItemKind(StrEnum):
    """The nine items of the canonical locality agenda (domain.md)."""

    WELCOME = "welcome"
    PREVIOUS_MINUTES = "previous_minutes"
    PREVIOUS_ACTIONS = "previous_actions"
    CHILDREN = "children"
    PERSONS_OF_CONCERN = "persons_of_concern"
    LOCATIONS = "locations"
    COMMUNITY_INTELLIGENCE = "community_intelligence"
    ESCALATIONS = "escalations"
    ACTIONS_AND_NEXT = "actions_and_next"


class ItemStatus(StrEnum):
    PENDING = "pending"
    CURRENT = "current"
    DONE = "done"


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    APOLOGIES = "apologies"
    SUBSTITUTE = "substitute"


ATTENDANCE_LABELS: dict[AttendanceStatus, str] = {
    AttendanceStatus.PRESENT: "Present",
    AttendanceStatus.APOLOGIES: "Apologies",
    AttendanceStatus.SUBSTITUTE: "Substitute",
}


class EntryKind(StrEnum):
    MINUTE = "minute"
    DECISION = "decision"


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"
    #: Recorded in error and withdrawn before the minutes were agreed (issue 16): kept,
    #: with why, but in no list, reminder or figure.
    WITHDRAWN = "withdrawn"


class ActionEventKind(StrEnum):
    """What happened to an action, as kept in ``action_events.kind`` (its history)."""

    CREATED = "created"
    IMPORTED = "imported"
    UPDATE = "update"
    DONE = "done"
    DATE_REQUESTED = "date_requested"
    DATE_ACCEPTED = "date_accepted"
    DATE_REFUSED = "date_refused"
    HANDED_OVER = "handed_over"
    #: The chair's (or coordinator's) steps, at item 3 or from the action's card.
    CARRIED_FORWARD = "carried_forward"
    REASSIGNED = "reassigned"
    CANCELLED = "cancelled"
    #: Corrections before the minutes are agreed.
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"
    ESCALATED = "escalated"


#: What an owner does that answers a reminder (issue 16, point 6): only reminders left
#: unanswered count towards escalation.
ANSWERS_A_REMINDER: frozenset[ActionEventKind] = frozenset(
    {
        ActionEventKind.UPDATE,
        ActionEventKind.DATE_REQUESTED,
        ActionEventKind.HANDED_OVER,
        ActionEventKind.DONE,
    }
)


class OversightTier(StrEnum):
    """The groups above the localities a locality group escalates to (domain.md)."""

    OPERATIONAL = "operational"
    STRATEGIC = "strategic"


class OversightRole(StrEnum):
    CHAIR = "chair"
    MEMBER = "member"


class EscalationKind(StrEnum):
    ACTION = "action"
    CHALLENGE = "challenge"
    SUBJECT = "subject"


class EscalationStatus(StrEnum):
    OPEN = "open"
    #: The group above has recorded its response and decision; the locality closes it.
    RESPONDED = "responded"
    CLOSED = "closed"


class CorrectionChange(StrEnum):
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"


class SubjectKind(StrEnum):
    """Who or what an action or discussion concerns: the five kinds of the register."""

    CHILD = "child"
    PERSON = "person"
    LOCATION = "location"
    #: A peer group or an organised group, under a label the locality group agrees.
    GROUP = "group"
    #: A pattern or trend (for example "vapes sold to under-16s near schools").
    THEME = "theme"


SUBJECT_LABELS: dict[SubjectKind, str] = {
    SubjectKind.CHILD: "Child",
    SubjectKind.PERSON: "Person of concern",
    SubjectKind.LOCATION: "Location of concern",
    SubjectKind.GROUP: "Peer or organised group",
    SubjectKind.THEME: "Theme",
}


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TurnOutcome(StrEnum):
    """How an agency's turn in a share-and-challenge round ended (domain.md)."""

    SHARED = "shared"
    NOTHING_TO_SHARE = "nothing"
    CHALLENGE = "challenge"
    NOT_PRESENT = "not_present"


TURN_LABELS: dict[TurnOutcome, str] = {
    TurnOutcome.SHARED: "Shared",
    TurnOutcome.NOTHING_TO_SHARE: "Nothing to share",
    TurnOutcome.CHALLENGE: "Challenge raised",
    TurnOutcome.NOT_PRESENT: "Not present",
}


class ChallengeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    ESCALATED = "escalated"


class ConversationKind(StrEnum):
    PERSONAL = "personal"
    GROUP_CHAT = "groupChat"
    CHANNEL = "channel"
    MEETING = "meeting"
    #: An activity whose ``conversationType`` is missing or not one Teams sends. Teams and
    #: the Agents Playground always send it; treating such a conversation as a personal
    #: chat would show personal views wherever it is. No rule in ``dialogs.places`` allows
    #: this kind: every command and verb is refused there.
    UNKNOWN = "unknown"
