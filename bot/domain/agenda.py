"""The canonical MACE locality agenda (domain.md), with a time limit for each item.

Published protocols give every item a time limit so that the children discussed late in
a meeting are not squeezed; the card shows time used against these limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.model import ItemKind


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
