"""The agenda as drawn from the store (bot.services.readmodels.meetings.meeting_view), for a
meeting with something in most parts of its card: attendance of all three kinds, items
moved through, minutes and decisions (one corrected, one withdrawn), actions (one
corrected, one withdrawn, one about a subject, one about a person of concern), subjects
discussed under item 4, an open round, and an earlier ended meeting with its decision
and its two open actions, one overdue. (Open challenges and escalations, drawn by their
own read models, are not in it: the agenda only skips reading them when there are none.)

The view and the card drawn from it are compared with a snapshot written by the draw as it
was before issue 18 made it cheaper (tests/services/snapshots/agenda_drawn.json, the same
on both engines), so that fewer and prebuilt statements change nothing anyone sees. Were
the card meant to change, rewrite the snapshot with ``MACE_WRITE_AGENDA_SNAPSHOT=1`` and
read the diff.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from bot.domain.agenda import CURRENT_SUBJECT
from bot.domain.clock import FrozenClock
from bot.domain.model import ActionStatus, ConversationKind, CorrectionChange, EntryKind
from bot.domain.views import MeetingView
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.meetings import MeetingService
from bot.store import tables as t
from bot.store.db import Store
from cards import agenda_card

KEY_AGENCIES = ("police", "childrens_social_care", "health", "education")
CHANNEL = ConversationRef("team-id", ConversationKind.CHANNEL, "tenant-1", "https://smba.test")
CHAIR = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020", "Alex Wilber")
MINUTE_TAKER = ActorRef("user-id-101", "00000000-0000-0000-0000-0000000000101", "Sam Okafor")
SNAPSHOTS = Path(__file__).parent / "snapshots"
_ids = itertools.count(1)


def turn(actor: ActorRef = CHAIR) -> TurnRef:
    return TurnRef(actor, CHANNEL, f"activity-{next(_ids)}")


def plain(value: Any) -> Any:
    """A view as JSON can hold it, every field by name, so a snapshot diff reads well."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


async def _member(store: Store, name: str) -> int:
    async with store.reading() as session:
        member = await session.scalar(select(t.Member.id).where(t.Member.name == name))
    assert member is not None
    return member


async def _agency(store: Store, code: str) -> int:
    async with store.reading() as session:
        agency = await session.scalar(select(t.Agency.id).where(t.Agency.code == code))
    assert agency is not None
    return agency


def _action(description: str, owner: int, due: str, **more: object) -> dict[str, object]:
    return {"description": description, "ownerId": str(owner), "dueDate": due, **more}


async def _full_meeting(service: MeetingService, store: Store, clock: FrozenClock) -> int:
    owner = await _member(store, "Priya Shah")
    # An earlier meeting: a decision, two open actions (one due before the later meeting).
    earlier = (await service.start(turn())).view
    first_item = earlier.items[0].id
    await service.record_entry(
        turn(), earlier.id, first_item, EntryKind.DECISION, {"decisionText": "Terms agreed."}
    )
    await service.record_action(
        turn(), earlier.id, first_item, _action("Send the map", owner, "2026-11-05")
    )
    await service.record_action(
        turn(), earlier.id, first_item, _action("Visit the school", owner, "2027-02-01")
    )
    await service.end(turn(), earlier.id, {"nextMeetingDate": "2026-11-19"})

    clock.advance(weeks=4)
    view = (await service.start(turn())).view
    meeting = view.id
    await service.mark_present(turn(), meeting)
    await service.mark_present(turn(MINUTE_TAKER), meeting)
    for code, status, people in (
        ("police", "apologies", "Cal Dunmore"),
        ("early_help", "substitute", "Eli Dunmore"),
    ):
        await service.record_attendance(
            turn(),
            meeting,
            {
                "agencyId": str(await _agency(store, code)),
                "attendanceStatus": status,
                "people": people,
            },
        )
    for position in range(1, 4):
        clock.advance(minutes=position)
        view = await service.move(turn(), meeting, position, +1)
    item1, item2, item4 = view.items[0].id, view.items[1].id, view.items[3].id
    await service.record_entry(
        turn(MINUTE_TAKER), meeting, item1, EntryKind.MINUTE, {"minuteText": "Welcome."}
    )
    await service.record_entry(
        turn(MINUTE_TAKER), meeting, item2, EntryKind.MINUTE, {"minuteText": "Minutes read."}
    )
    await service.record_entry(
        turn(), meeting, item2, EntryKind.DECISION, {"decisionText": "Minutes are accurate."}
    )
    await service.record_entry(
        turn(), meeting, item2, EntryKind.DECISION, {"decisionText": "Withdrawn one."}
    )
    await service.record_action(
        turn(), meeting, item2, _action("Chase the reply", owner, "2026-12-31")
    )
    await service.record_action(
        turn(), meeting, item2, _action("Recorded twice", owner, "2027-01-08")
    )
    for data in (
        {"subjectKind": "child", "subjectRef": "CR-0101", "subjectInitials": "KB"},
        {"subjectKind": "location", "subjectRef": "Takeaway on Eastborough"},
        {"subjectKind": "person", "subjectRef": "NYP-4471", "subjectInitials": "QZ"},
    ):
        view = await service.add_subject(turn(), meeting, item4, data)
    view = await service.move(turn(), meeting, 4, +1)
    child = view.items[3].sub_items[0].subject_id
    await service.record_entry(
        turn(MINUTE_TAKER),
        meeting,
        item4,
        EntryKind.MINUTE,
        {"minuteText": "Seen at the park.", "subjectId": child},
    )
    await service.record_entry(
        turn(), meeting, item4, EntryKind.DECISION, {"decisionText": "Risk stays high."}
    )
    await service.record_action(
        turn(),
        meeting,
        item4,
        _action(
            "Return home interview",
            owner,
            "2026-12-24",
            subjectKind=CURRENT_SUBJECT,
            subjectId=child,
        ),
    )
    view = await service.move(turn(), meeting, 4, +1)
    view = await service.move(turn(), meeting, 4, +1)
    person = view.items[3].sub_items[2].subject_id
    await service.record_action(
        turn(),
        meeting,
        item4,
        _action(
            "Disruption notice", owner, "2026-12-30", subjectKind=CURRENT_SUBJECT, subjectId=person
        ),
    )
    await service.record_action(
        turn(),
        meeting,
        item4,
        _action(
            "Licensing visit",
            owner,
            "2027-01-15",
            subjectKind="location",
            subjectRef="Takeaway on Eastborough",
        ),
    )
    async with store.transaction() as session:
        now = clock.now()
        decisions = list(
            await session.scalars(
                select(t.MinuteEntry)
                .where(t.MinuteEntry.meeting_id == meeting, t.MinuteEntry.kind == "decision")
                .order_by(t.MinuteEntry.id)
            )
        )
        decisions[0].corrected_at = now
        decisions[1].withdrawn_at = now
        actions = list(
            await session.scalars(
                select(t.Action).where(t.Action.meeting_id == meeting).order_by(t.Action.id)
            )
        )
        actions[1].status = ActionStatus.WITHDRAWN
        session.add(
            t.RecordCorrection(
                meeting_id=meeting,
                record_type="actions",
                record_id=actions[0].id,
                change=CorrectionChange.CORRECTED.value,
                field="due_date",
                previous="2026-12-20",
                reason="Wrong date.",
                member_id=owner,
                at=now,
            )
        )
        session.add(
            t.ShareRound(
                meeting_id=meeting,
                item_id=item4,
                status="open",
                opened_by_member_id=owner,
                opened_at=now,
                open_meeting_id=meeting,
            )
        )
        await session.execute(
            update(t.Meeting).where(t.Meeting.id == meeting).values(version=t.Meeting.version + 1)
        )
    clock.advance(minutes=7)
    return meeting


def _snapshot(view: MeetingView) -> dict[str, Any]:
    return {"view": plain(view), "card": agenda_card(view)}


async def test_the_drawn_agenda_is_the_one_snapshotted(
    demo_store: Store, clock: FrozenClock
) -> None:
    clock.set(clock.now() - timedelta(weeks=4))
    service = MeetingService(demo_store, clock, KEY_AGENCIES)
    meeting = await _full_meeting(service, demo_store, clock)
    drawn = await service.drawn(meeting)
    shown = await service.current(turn(), meeting)
    assert shown == drawn
    got = json.loads(json.dumps(_snapshot(drawn), sort_keys=True))
    path = SNAPSHOTS / "agenda_drawn.json"
    if os.environ.get("MACE_WRITE_AGENDA_SNAPSHOT"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    expected = json.loads(path.read_text())
    assert got["view"] == expected["view"]
    assert got["card"] == expected["card"]
    # The parts the snapshot is there to cover are all present in it.
    assert len(drawn.previous_open_actions) == 2 and drawn.previous_minutes is not None
    assert drawn.previous_minutes.decisions_count == 1
    assert drawn.previous_minutes.actions_count == 2
    assert {a.status.value for a in drawn.attendance if a.status} == {
        "present",
        "apologies",
        "substitute",
    }
    item2 = drawn.items[1]
    assert [d.corrected for d in item2.decisions] == [True]
    assert [a.corrected for a in item2.actions] == [True]
    assert [s.restricted for s in drawn.items[3].sub_items] == [False, False, True]
    assert drawn.items[3].elapsed_seconds > 0 and drawn.open_round_id is not None
