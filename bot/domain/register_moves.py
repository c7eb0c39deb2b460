"""A register subject offered to another locality group (issue 15, point 7): moved there
(a *transfer*: a child moving placement) or seen there too (a *share*: a location on a
border). What the ask form and the offer card are drawn from, and the wording of the
rules, free of Teams and SQLAlchemy.

The rules themselves (bot.services.register_moves applies them, docs/data-protection.md
explains them):

* Only a chair or deputy chair of the group that *holds* the subject asks; only a chair or
  deputy chair of the receiving group accepts or declines. Both groups' chairs and deputy
  chairs are told when it is asked and when it is decided.
* Until the receiving chair accepts, the receiving group sees nothing of it.
* A transfer never merges: if the receiving group already holds a subject of the same kind
  and reference, it is refused, and a share suggested instead.
* One open offer per subject and receiving group at a time.
* The history (``subject_events``) stays with the subject wherever it goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.model import SubjectKind


class MoveMode(StrEnum):
    """The two ways a subject goes to another group (``subject_shares.mode``)."""

    TRANSFER = "transfer"
    SHARE = "share"


MODE_LABELS: dict[MoveMode, str] = {
    MoveMode.TRANSFER: "Transfer: the other group holds it from now on",
    MoveMode.SHARE: "Share: both groups see it",
}

#: The longest reason for an offer or a refusal (as a minute's reason fields elsewhere).
MAX_MOVE_REASON_CHARS = 1000

#: The form's fields (and the offer card's one input), as the card sends them.
FIELD_TO = "toLocality"
FIELD_MODE = "mode"
FIELD_REASON = "reason"
FIELD_DECLINE_REASON = "declineReason"

ALREADY_HELD = (
    "{group} already holds a {kind} with this reference, so I did not transfer it: two "
    "records are never merged without a person deciding. Share it with {group} instead, "
    "so both groups see it, and agree with their chair which record to keep."
)
ALREADY_ASKED = (
    "This subject has already been offered to {group} and their chair has not answered yet."
)
ALREADY_SHARED = "This subject is already shared with {group}."
HELD_THERE = "{group} already holds this subject."
NOT_HELD_HERE = (
    "Only the group that holds a subject can offer it to another group; this one is "
    "shared with yours."
)
ALREADY_DECIDED = "That offer has already been {status}."
NO_LONGER_HELD = (
    "That subject is no longer held by the group that offered it, so the offer lapsed. "
    "Ask them to offer it again if it is still needed."
)
NO_SUCH_OFFER = "I could not find that offer for any group you chair."


@dataclass(frozen=True, slots=True)
class MoveFormView:
    """The ask form: the subject (shown to the chair who asked for the form, in their
    personal chat), the group holding it, and every other group it may go to."""

    subject_id: int
    kind: SubjectKind
    reference: str
    initials: str
    from_locality: str
    #: Every other locality group: (code, name).
    groups: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class MoveOfferView:
    """One offer as a card shows it: by its id, the subject's kind and the two groups;
    never the reference or the reason (the card may go out unasked, on a lock screen).

    ``receiving``: drawn for a chair of the receiving group (with Accept and Decline while
    it is open). ``status`` is ``asked``, ``accepted`` or ``declined``."""

    share_id: int
    mode: MoveMode
    kind: SubjectKind
    from_locality: str
    to_locality: str
    asked_by: str
    asked_at: datetime
    status: str
    decided_by: str | None = None
    receiving: bool = False


def offer_reference(share_id: int) -> str:
    """How an offer is named on cards and in messages: ``M-12``."""
    return f"M-{share_id}"
