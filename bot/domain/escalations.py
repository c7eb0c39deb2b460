"""Escalation beyond the locality (issue 16, point 3): an action, a challenge or a
register subject a locality group cannot resolve, sent to the MACE Operational Group or
the MACE Strategic Group, that group's response and decision, and the locality's closing.

What the forms, cards and agenda line are drawn from, and the rules in words, free of
Teams and SQLAlchemy (bot.services.escalations applies them; docs/data-protection.md
says who sees what):

* A chair or deputy chair of the locality (``Permission.ESCALATE``) escalates, choosing
  the group by its tier and saying what and why.
* The group's members (chair and members) are told one to one with the reference only
  (``E-4``), never the what or why; in a personal chat they see the escalation and record
  the group's response and decision. They see nothing else of the locality.
* The locality's chairs and deputy chairs are told when a response is recorded; a chair
  or deputy closes it, with a note, once the response is acted on.
* Until closed, it is listed under item 8 of the locality's agendas (``AgendaLine``):
  reference, group, age, status and, once recorded, the response and decision (written
  for that channel: the form says so); never the what, the why or the close note, and
  never a person of concern's reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.model import EscalationKind, EscalationStatus, OversightTier, SubjectKind

#: The form's fields, as the cards send them. The challenge form's are suffixed with the
#: challenge's id (several challenges share one card): ``challenge_fields``.
FIELD_TIER = "escalateTo"
FIELD_WHAT = "escalateWhat"
FIELD_WHY = "escalateWhy"
FIELD_RESPONSE = "escalationResponse"
FIELD_DECISION = "escalationDecision"
FIELD_CLOSE_NOTE = "escalationCloseNote"

#: The longest what, why, response, decision or close note.
MAX_ESCALATION_CHARS = 2000

TIER_LABELS: dict[OversightTier, str] = {
    OversightTier.OPERATIONAL: "MACE Operational Group",
    OversightTier.STRATEGIC: "MACE Strategic Group",
}

STATUS_LABELS: dict[EscalationStatus, str] = {
    EscalationStatus.OPEN: "awaiting a response",
    EscalationStatus.RESPONDED: "response recorded",
    EscalationStatus.CLOSED: "closed",
}

KIND_LABELS: dict[EscalationKind, str] = {
    EscalationKind.ACTION: "an action",
    EscalationKind.CHALLENGE: "a challenge",
    EscalationKind.SUBJECT: "a subject",
}

#: What stands for a person of concern's reference wherever a channel could see it.
PERSON_OF_CONCERN = "a person of concern"

CHOOSE_GROUP = "Choose the group to escalate to."
NOT_SET_UP = "The {group} is not set up on this bot: ask the administrator to add it."
NO_SUCH_ESCALATION = "I could not find that escalation."
ALREADY_RESPONDED = "The group's response to {reference} is already recorded."
ALREADY_CLOSED = "{reference} is already closed."
NOT_RESPONDED_YET = (
    "{reference} has no response yet: it can be closed once its group has responded."
)
ALREADY_ESCALATED = "This is already escalated to the {group} ({reference}) and still open."
#: Shown beside the response form: the response is shown on the locality's agenda.
RESPONSE_SHOWN_AT_ITEM_8 = (
    "The response and decision are shown at item 8 of the locality's agendas, in its "
    "channel, until it is closed: children by case reference and initials only, never a "
    "person of concern's name or reference."
)


def escalation_reference(escalation_id: int) -> str:
    """How an escalation is named everywhere, notices included: ``E-4``."""
    return f"E-{escalation_id}"


def challenge_fields(challenge_id: int) -> tuple[str, str]:
    """The challenge form's group and why fields for one challenge."""
    return f"{FIELD_TIER}-{challenge_id}", f"{FIELD_WHY}-{challenge_id}"


def record_shown(kind: EscalationKind, subject_kind: SubjectKind | None, reference: str) -> str:
    """The escalated record's reference as a shared channel may show it: a person of
    concern's never."""
    if kind is EscalationKind.SUBJECT and subject_kind is SubjectKind.PERSON:
        return PERSON_OF_CONCERN
    return reference


@dataclass(frozen=True, slots=True)
class EscalationFormView:
    """The form to escalate one record: what it is, and the groups there are."""

    kind: EscalationKind
    record_id: int
    #: The record's reference as the chair sees it (A-12, C-3, CR-0001 (A.B.)).
    record_reference: str
    locality: str
    #: The tiers set up on this bot, with their groups' names.
    groups: tuple[tuple[OversightTier, str], ...]


@dataclass(frozen=True, slots=True)
class EscalationView:
    """One escalation as a person in a personal chat sees it."""

    id: int
    kind: EscalationKind
    record_reference: str
    locality: str
    group: str
    what: str
    why: str
    raised_by: str
    raised_on: date
    age_days: int
    status: EscalationStatus
    response: str = ""
    decision: str = ""
    responded_by: str = ""
    responded_on: date | None = None
    close_note: str = ""
    closed_by: str = ""
    closed_on: date | None = None
    #: The viewer is a member of the group it went to (may record the response).
    can_respond: bool = False
    #: The viewer chairs the locality (may close it once responded).
    can_close: bool = False

    @property
    def reference(self) -> str:
        return escalation_reference(self.id)


@dataclass(frozen=True, slots=True)
class AgendaLine:
    """An escalation under item 8 of the locality's agenda (a shared channel): nothing of
    what or why; the response and decision only as written for the channel."""

    id: int
    group: str
    #: The escalated record's reference as the channel may see it (``record_shown``).
    record: str
    age_days: int
    status: EscalationStatus
    response: str = ""
    decision: str = ""

    @property
    def reference(self) -> str:
        return escalation_reference(self.id)


@dataclass(frozen=True, slots=True)
class EscalationListView:
    """``escalations``: the open (and responded) ones the person may see, by group."""

    #: (heading, escalations) per locality or oversight group, in order.
    sections: tuple[tuple[str, tuple[EscalationView, ...]], ...]
