"""The canonical MACE locality agenda (domain.md), with a time limit for each item.

Published protocols give every item a time limit so that the children discussed late in
a meeting are not squeezed; the card shows time used against these limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.model import ItemKind, SubjectKind


@dataclass(frozen=True, slots=True)
class AgendaTemplateItem:
    kind: ItemKind
    title: str
    time_limit_minutes: int
    guidance: str


CANONICAL_AGENDA: tuple[AgendaTemplateItem, ...] = (
    AgendaTemplateItem(
        ItemKind.WELCOME,
        "Welcome, attendance and confidentiality",
        5,
        "Attendance by agency, apologies and substitutes. Confidentiality statement: "
        "what is shared here is OFFICIAL-SENSITIVE and is not disclosed onward.",
    ),
    AgendaTemplateItem(
        ItemKind.PREVIOUS_MINUTES,
        "Minutes of the last meeting",
        5,
        "Agree the draft minutes of the last meeting as accurate.",
    ),
    AgendaTemplateItem(
        ItemKind.PREVIOUS_ACTIONS,
        "Review of previous actions",
        15,
        "Each open action: done, overdue, or carried forward.",
    ),
    AgendaTemplateItem(
        ItemKind.CHILDREN,
        "Children discussed",
        30,
        "By case reference only: risk level and its change, an update from each agency, "
        "support and disruption actions.",
    ),
    AgendaTemplateItem(
        ItemKind.PERSONS_OF_CONCERN,
        "Persons of concern",
        15,
        "New intelligence and disruption decisions.",
    ),
    AgendaTemplateItem(
        ItemKind.LOCATIONS,
        "Locations of concern",
        15,
        "Places and spaces: licensing, hotels, parks, takeaways, transport hubs.",
    ),
    AgendaTemplateItem(
        ItemKind.COMMUNITY_INTELLIGENCE,
        "Community intelligence, themes, trends and links",
        10,
        "What partners are seeing; links between children, people and places.",
    ),
    AgendaTemplateItem(
        ItemKind.ESCALATIONS,
        "Escalations and immediate action",
        5,
        "Anything for the Operational or Strategic group, or for action today.",
    ),
    AgendaTemplateItem(
        ItemKind.ACTIONS_AND_NEXT,
        "Actions confirmed and next meeting",
        5,
        "Confirm every action has an owner and a due date; set the next meeting date.",
    ),
)


# --- Subjects discussed under items 4-7 (issue 15) ----------------------------------------

#: The items a chair discusses subject by subject: each subject added becomes a sub-item
#: of the agenda card, walked through by "next" before the item itself is left.
SUBJECT_ITEMS: frozenset[ItemKind] = frozenset(
    {
        ItemKind.CHILDREN,
        ItemKind.PERSONS_OF_CONCERN,
        ItemKind.LOCATIONS,
        ItemKind.COMMUNITY_INTELLIGENCE,
    }
)

#: The kind the "add a subject" form offers first on each of those items (any kind may be
#: chosen: a location can come up under children, a group under community intelligence).
DEFAULT_SUBJECT_KIND: dict[ItemKind, SubjectKind] = {
    ItemKind.CHILDREN: SubjectKind.CHILD,
    ItemKind.PERSONS_OF_CONCERN: SubjectKind.PERSON,
    ItemKind.LOCATIONS: SubjectKind.LOCATION,
    ItemKind.COMMUNITY_INTELLIGENCE: SubjectKind.THEME,
}

#: The action form's "About" choice meaning "the subject being discussed now": the form
#: carries that subject's id, never its reference, so the form can be posted anywhere.
CURRENT_SUBJECT = "current"


class SubItemStatus(StrEnum):
    """A sub-item's place in the walk (``item_subjects.status``)."""

    PENDING = "pending"
    CURRENT = "current"
    DONE = "done"


def channel_label(kind: SubjectKind, shown: str, ordinal: int) -> str:
    """How a subject is named on a card posted in the group's conversation.

    A person of concern is criminal-offence data that only some members may see
    (bot.domain.register.PersonOfConcernAccess), and everyone in the conversation sees the
    agenda and round cards: there a person is "Person of concern 1", numbered in the
    item's order, and the reference is read only on the subject's own card, which checks
    who asks. Every other kind is shown as the register shows it (``shown``: a child by
    case reference and initials)."""
    if kind is SubjectKind.PERSON:
        return f"Person of concern {ordinal}"
    return shown


@dataclass(frozen=True, slots=True)
class Walk:
    """Where "next" or "previous" goes from within an item: to its sub-item ``index``
    (``None``: the item itself, before its first subject), or off the item (``leave``)."""

    index: int | None
    leave: bool = False


def walk(current: int | None, count: int, step: int) -> Walk:
    """One step through an item's ``count`` sub-items from ``current`` (``None``: the
    item's heading). "Next" goes heading, first subject, ..., last subject, then the next
    item; "previous" walks back the same way, and leaves from the heading."""
    if step > 0:
        if current is None:
            return Walk(0) if count else Walk(None, leave=True)
        if current + 1 < count:
            return Walk(current + 1)
        return Walk(current, leave=True)
    if current is None:
        return Walk(None, leave=True)
    return Walk(current - 1 if current > 0 else None)


def entering_index(count: int, step: int) -> int | None:
    """Where an item is entered: "next" arrives at its heading, "previous" at its last
    subject (walking back retraces the way forward)."""
    return count - 1 if step < 0 and count else None
