"""Views for card tests, built from literals (invented people, CR-0001-style references),
and the checks every card must pass: the Adaptive Card 1.5 schema, the size limit, verbs,
input ids, and fallbacks.

``make_large_meeting`` is the worst a busy locality produces: 14 agencies, 9 items each
with 10 decisions and 10 actions of 1000 characters, 60 previous open actions and 20 open
challenges; ``make_action_form`` with ``LARGE_GROUP`` members is the largest owner list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from bot.domain.agenda import CANONICAL_AGENDA
from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    Role,
    RoundStatus,
    TurnOutcome,
)
from bot.domain.views import (
    ActionFormView,
    ActionView,
    AgencyView,
    AttendanceView,
    ChallengeView,
    EntryView,
    GroupChoice,
    ItemView,
    LocalityView,
    MeetingView,
    MemberView,
    OwnedActionView,
    PreviousMinutesView,
    RoundTurnView,
    RoundView,
    WelcomeView,
)
from tests.support.card_schema import (  # noqa: F401 (re-exported for the card tests)
    SCHEMA_NAME,
    card_validator,
    shared_dir,
    validate_card,
)

MINUTE_SENTINEL = "MINUTE-SENTINEL-do-not-show-7f3a"
DECISION_SENTINEL = "DECISION-SENTINEL-shown-on-agenda"
ACTION_SENTINEL = "ACTION-SENTINEL-shown-on-agenda"

SCARBOROUGH = LocalityView(1, "Scarborough")
RYEDALE = LocalityView(2, "Ryedale")

AGENCIES: tuple[AgencyView, ...] = (
    AgencyView(1, "EDU", "Education", is_key=True),
    AgencyView(2, "HCT", "Health (0-19 service)", is_key=True),
    AgencyView(3, "POL", "North Yorkshire Police"),
    AgencyView(4, "CSC", "Children's Social Care"),
    AgencyView(5, "EH", "Early Help"),
    AgencyView(6, "CAMHS", "CAMHS"),
    AgencyView(7, "YJS", "Youth Justice Service"),
    AgencyView(8, "HSG", "Housing"),
    AgencyView(9, "PROB", "Probation"),
    AgencyView(10, "LIC", "Licensing"),
    AgencyView(11, "CSP", "Community Safety Partnership"),
    AgencyView(12, "TCS", "The Children's Society"),
    AgencyView(13, "PACE", "Parents Against Child Exploitation"),
    AgencyView(14, "CARE", "Care providers"),
)

_FIRST = ("Alex", "Bea", "Cal", "Dana", "Eli", "Fern", "Gus", "Hana", "Ivo", "Jo")
_LAST = ("Ashdown", "Birchley", "Cobham", "Dunmore")


def _members(count: int) -> tuple[MemberView, ...]:
    members = []
    for n in range(count):
        agency = AGENCIES[n % len(AGENCIES)]
        name = f"{_FIRST[n % len(_FIRST)]} {_LAST[n // len(_FIRST) % len(_LAST)]}"
        roles = (Role.CHAIR,) if n == 0 else (Role.PARTNER,)
        members.append(MemberView(100 + n, name, agency.id, agency.name, roles))
    return tuple(members)


def _long(text: str, length: int) -> str:
    return (text + " ") * (length // (len(text) + 1)) + "x" * (length % (len(text) + 1))


def _action(n: int, description: str, *, overdue: bool = False) -> ActionView:
    agency = AGENCIES[n % len(AGENCIES)]
    return ActionView(
        id=n,
        description=description,
        owner_name=f"{_FIRST[n % len(_FIRST)]} {_LAST[n % len(_LAST)]}",
        agency_name=agency.name,
        due_date=date(2026, 12, 1 + n % 28),
        status=ActionStatus.OPEN,
        subject=f"CR-{n:04d} (A.B.)" if n % 3 == 0 else None,
        overdue=overdue,
        raised_on=date(2026, 10, 6),
    )


def _challenge(n: int, text: str) -> ChallengeView:
    return ChallengeView(
        id=500 + n,
        raised_by_agency=AGENCIES[n % len(AGENCIES)].name,
        raised_by_name=f"{_FIRST[n % len(_FIRST)]} Cobham",
        to_agency=None if n % 4 == 0 else AGENCIES[(n + 1) % len(AGENCIES)].name,
        about=f"The disruption plan for CR-{n:04d}",
        text=text,
        status=ChallengeStatus.OPEN,
        item_title="Children discussed",
    )


def _items(
    current: int | None, *, decisions: int, actions: int, text_len: int, elapsed: int = 200
) -> tuple[ItemView, ...]:
    items = []
    for pos, template in enumerate(CANONICAL_AGENDA, start=1):
        if current is None or pos < current:
            status = ItemStatus.DONE
        elif pos == current:
            status = ItemStatus.CURRENT
        else:
            status = ItemStatus.PENDING
        item_decisions = tuple(
            EntryView(
                1000 * pos + d,
                EntryKind.DECISION,
                _long(f"{DECISION_SENTINEL} item {pos} no {d}", text_len),
                "Alex Ashdown",
            )
            for d in range(decisions)
        )
        item_actions = tuple(
            _action(100 * pos + a, _long(f"{ACTION_SENTINEL} item {pos} no {a}", text_len))
            for a in range(actions)
        )
        items.append(
            ItemView(
                id=100 + pos,
                position=pos,
                kind=template.kind,
                title=template.title,
                guidance=template.guidance,
                time_limit_minutes=template.time_limit_minutes,
                status=status,
                elapsed_seconds=0 if status is ItemStatus.PENDING else elapsed * pos,
                minutes_count=3 if status is not ItemStatus.PENDING else 0,
                decisions=item_decisions
                if status is not ItemStatus.PENDING or current is None
                else (),
                actions=item_actions if status is not ItemStatus.PENDING or current is None else (),
            )
        )
    return tuple(items)


def _attendance(recorded: int) -> tuple[AttendanceView, ...]:
    """Key agencies first (as the view orders them): education sent apologies, health
    has not been recorded, so both are the missing key agencies."""
    rows = [
        AttendanceView(AGENCIES[0], AttendanceStatus.APOLOGIES, "Head of year"),
        AttendanceView(AGENCIES[1], None),
    ]
    for n, agency in enumerate(AGENCIES[2:], start=2):
        if n < recorded:
            status = (
                AttendanceStatus.PRESENT,
                AttendanceStatus.SUBSTITUTE,
                AttendanceStatus.APOLOGIES,
            )[n % 3]
            rows.append(AttendanceView(agency, status, f"{_FIRST[n % 10]} Dunmore"))
        else:
            rows.append(AttendanceView(agency, None))
    return tuple(rows)


def make_meeting(
    *,
    current: int | None = 2,
    status: MeetingStatus = MeetingStatus.IN_PROGRESS,
    decisions: int = 2,
    actions: int = 2,
    text_len: int = 120,
    previous_actions: int = 3,
    previous_text_len: int = 120,
    challenges: int = 2,
    minutes_status: MinutesStatus = MinutesStatus.DRAFT,
    previous_minutes: bool = True,
    open_round_id: int | None = None,
    missing_key: bool = True,
    next_meeting: date | None = None,
) -> MeetingView:
    """A meeting with as much in it as asked for; defaults give a small, realistic one."""
    ended = status is MeetingStatus.ENDED
    attendance = _attendance(len(AGENCIES) if ended else 6)
    return MeetingView(
        id=3,
        locality=SCARBOROUGH,
        status=status,
        started_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        ended_at=datetime(2026, 11, 3, 11, 42, tzinfo=UTC) if ended else None,
        chair_name="Alex Ashdown",
        items=_items(
            None if ended else current, decisions=decisions, actions=actions, text_len=text_len
        ),
        current_position=None if ended else current,
        attendance=attendance,
        missing_key_agencies=AGENCIES[:2] if missing_key else (),
        previous_open_actions=tuple(
            _action(9000 + n, _long(f"Previous action {n}", previous_text_len), overdue=n % 2 == 0)
            for n in range(previous_actions)
        ),
        previous_minutes=PreviousMinutesView(2, date(2026, 10, 6), minutes_status, 4, 6)
        if previous_minutes
        else None,
        agencies=AGENCIES,
        open_challenges=tuple(
            _challenge(n, _long(f"Challenge {n}", 300)) for n in range(challenges)
        ),
        open_round_id=open_round_id,
        next_meeting_date=next_meeting,
    )


def make_large_meeting(
    *, current: int | None = 4, status: MeetingStatus = MeetingStatus.IN_PROGRESS
) -> MeetingView:
    return make_meeting(
        current=current,
        status=status,
        decisions=10,
        actions=10,
        text_len=1000,
        previous_actions=60,
        previous_text_len=1000,
        challenges=20,
    )


#: The most members a locality group is expected to hold (the benchmark's largest group
#: has 285): the action form's owner list is the group.
LARGE_GROUP = 300


def make_action_form(view: MeetingView, *, members: int = 12) -> ActionFormView:
    """The action form for ``view`` with a group of ``members``."""
    return ActionFormView(view, _members(members))


def make_round(
    *,
    status: RoundStatus = RoundStatus.OPEN,
    text_len: int = 200,
    answered: int = 4,
    challenges: int = 1,
) -> RoundView:
    outcomes = (
        TurnOutcome.SHARED,
        TurnOutcome.NOTHING_TO_SHARE,
        TurnOutcome.CHALLENGE,
        TurnOutcome.NOT_PRESENT,
    )
    turns = []
    for n, agency in enumerate(AGENCIES):
        if n < answered:
            outcome = outcomes[n % len(outcomes)]
            turns.append(
                RoundTurnView(
                    agency,
                    outcome,
                    text=_long(f"Shared by {agency.code} about CR-0001", text_len)
                    if outcome in (TurnOutcome.SHARED, TurnOutcome.CHALLENGE)
                    else "",
                    answered_by=f"{_FIRST[n % 10]} Birchley"
                    if outcome is not TurnOutcome.NOT_PRESENT
                    else "",
                    challenge_to=AGENCIES[0].name if outcome is TurnOutcome.CHALLENGE else None,
                )
            )
        else:
            turns.append(RoundTurnView(agency, None))
    return RoundView(
        id=77,
        meeting_id=3,
        locality_name="Scarborough",
        item_position=4,
        item_title="Children discussed",
        status=status,
        turns=tuple(turns),
        agencies=AGENCIES,
        challenges=tuple(
            _challenge(n, _long(f"Challenge {n}", text_len)) for n in range(challenges)
        ),
    )


def make_challenges(count: int, text_len: int = 300) -> tuple[ChallengeView, ...]:
    return tuple(_challenge(n, _long(f"Challenge {n}", text_len)) for n in range(count))


def make_owned_actions(count: int, text_len: int = 120) -> tuple[OwnedActionView, ...]:
    """An owner's open actions for "my actions": some with a date asked for, an update,
    colleagues to hand over to."""
    return tuple(
        OwnedActionView(
            action=_action(n, _long(f"{ACTION_SENTINEL} owned no {n}", text_len)),
            locality="Scarborough",
            requested_due_date=date(2026, 12, 20) if n % 3 == 1 else None,
            last_update=_long(f"Update on {n}", text_len) if n % 2 else "",
            colleagues=_members(3) if n % 2 == 0 else (),
        )
        for n in range(1, count + 1)
    )


GROUP_CHOICES = (GroupChoice(SCARBOROUGH), GroupChoice(RYEDALE, linked_here=True))


def welcome_views() -> dict[str, WelcomeView]:
    return {
        "unlinked": WelcomeView(None, can_start=False, choices=GROUP_CHOICES),
        "unlinked-no-choices": WelcomeView(None, can_start=False),
        "linked-can-start": WelcomeView(SCARBOROUGH, can_start=True),
        "linked-cannot-start": WelcomeView(SCARBOROUGH, can_start=False),
        "linked-in-progress": WelcomeView(SCARBOROUGH, can_start=True, meeting_in_progress_id=3),
    }


def with_stray_minute(view: MeetingView) -> MeetingView:
    """A meeting where a minute has wrongly reached an item's decisions: cards must still
    never show minute text."""
    stray = EntryView(1, EntryKind.MINUTE, f"{MINUTE_SENTINEL} about CR-0001", "Alex Ashdown")
    items = tuple(replace(item, decisions=(*item.decisions, stray)) for item in view.items)
    return replace(view, items=items)


# --- the schema and checks every card must pass ----------------------------------------


SIZE_LIMIT = 80_000
RENDERED_BY_TEAMS = {
    "AdaptiveCard",
    "TextBlock",
    "RichTextBlock",
    "TextRun",
    "FactSet",
    "Container",
    "ColumnSet",
    "Column",
    "ActionSet",
    "Input.Text",
    "Input.Date",
    "Input.ChoiceSet",
    "Input.Choice",
    "Input.Toggle",
    "Input.Number",
    "Input.Time",
    "Action.Execute",
    "Action.Submit",
    "Action.ShowCard",
    "Action.OpenUrl",
}


def card_size(card: dict[str, Any]) -> int:
    return len(json.dumps(card).encode())


def walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for child in node.values():
            yield from walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from walk(child)


def of_type(card: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in walk(card) if e.get("type") == kind]


def executes(card: dict[str, Any]) -> list[dict[str, Any]]:
    return of_type(card, "Action.Execute")


def execute_titled(card: dict[str, Any], title: str) -> dict[str, Any]:
    found = [a for a in executes(card) if a["title"] == title]
    assert len(found) == 1, f"expected one {title!r} button, found {len(found)}"
    return found[0]


def verbs(card: dict[str, Any]) -> set[str]:
    return {a["verb"] for a in executes(card)}


def inputs(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for e in walk(card)
        if str(e.get("type", "")).startswith("Input.") and e.get("type") != "Input.Choice"
    ]


def input_by_id(card: dict[str, Any], input_id: str) -> dict[str, Any]:
    found = [e for e in inputs(card) if e.get("id") == input_id]
    assert len(found) == 1, f"expected one input {input_id!r}, found {len(found)}"
    return found[0]


def element_after(card: dict[str, Any], input_id: str) -> dict[str, Any] | None:
    """The element directly beneath an input, in the same list."""
    for node in walk(card):
        for value in node.values():
            if not isinstance(value, list):
                continue
            for index, element in enumerate(value):
                if (
                    isinstance(element, dict)
                    and element.get("id") == input_id
                    and str(element.get("type", "")).startswith("Input.")
                ):
                    return value[index + 1] if index + 1 < len(value) else None
    raise AssertionError(f"no input {input_id!r} in card")


def show_card_titled(card: dict[str, Any], title: str) -> dict[str, Any]:
    found = [e for e in of_type(card, "Action.ShowCard") if e["title"] == title]
    assert len(found) == 1, f"expected one {title!r} ShowCard, found {len(found)}"
    return found[0]


def dumps(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)
