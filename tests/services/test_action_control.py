"""The chair's control of actions (bot.services.action_control) on both engines: each step
and its history entry, every refusal leaving the action as it was, the meeting a step
names, and the one "could not find" for an action out of reach."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest
from sqlalchemy import select

from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict, InvalidInput, NotFound, NotPermitted
from bot.domain.model import ConversationKind
from bot.services.action_control import (
    ALREADY_CLOSED,
    MEETING_ENDED,
    NO_SUCH_ACTION,
    NOT_A_CHAIR,
    ActionControlService,
)
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.store import tables as t
from bot.store.db import Store
from tests.support.records import MeetingIds, Records, utc

CHANNEL = "19:scarborough-channel@thread.tacv2"
#: Each call is a turn of its own (a second press with one activity id is a resend).
_TURNS = itertools.count(1)


async def turn(
    store: Store, name: str, kind: ConversationKind = ConversationKind.PERSONAL
) -> TurnRef:
    member = await Records(store).member(name)
    actor = ActorRef(teams_user_id=f"teams-{member.id}", aad_object_id=member.aad_object_id)
    conversation = "personal-1" if kind is ConversationKind.PERSONAL else CHANNEL
    return TurnRef(actor, ConversationRef(conversation, kind), f"activity-{next(_TURNS)}")


async def planted(store: Store) -> tuple[int, MeetingIds]:
    r = Records(store)
    earlier = await r.meeting("scarborough", utc(2026, 10, 15))
    action_id = await r.action(
        earlier,
        "Visit CR-0001 at school.",
        owner="Priya Shah",
        due=date(2026, 11, 26),
        created=utc(2026, 10, 15, 11),
        escalated_at=utc(2026, 11, 18, 9),
    )
    return action_id, earlier


async def row(store: Store, action_id: int) -> t.Action:
    async with store.reading() as session:
        return await session.get_one(t.Action, action_id)


async def history(store: Store, action_id: int) -> list[t.ActionEvent]:
    async with store.reading() as session:
        return list(
            await session.scalars(
                select(t.ActionEvent)
                .where(t.ActionEvent.action_id == action_id)
                .order_by(t.ActionEvent.id)
            )
        )


def service(store: Store, clock: FrozenClock) -> ActionControlService:
    return ActionControlService(store, clock, ["police"])


@pytest.mark.parametrize(
    ("step", "data", "status"),
    [
        ("done", {"doneNote": "Visited on Tuesday."}, "done"),
        ("cancel", {"cancelReason": "The family moved away."}, "cancelled"),
        ("carry", {"carryDate": "2026-12-17", "carryReason": "School closed."}, "open"),
    ],
)
async def test_each_step_is_kept_with_who_and_when(
    demo_store: Store, clock: FrozenClock, step: str, data: dict[str, str], status: str
) -> None:
    action_id, _ = await planted(demo_store)
    chair = await turn(demo_store, "Alex Wilber")
    done = await service(demo_store, clock).review(chair, action_id, None, {"step": step, **data})
    assert (done.action_id, done.step, done.meeting_id) == (action_id, step, None)
    changed = await row(demo_store, action_id)
    assert changed.status == status
    *_, event = await history(demo_store, action_id)
    kind = {"done": "done", "cancel": "cancelled", "carry": "carried_forward"}[step]
    assert (event.kind, event.meeting_id, event.at) == (kind, None, clock.now())
    assert event.member_id == (await Records(demo_store).member("Alex Wilber")).id
    if step == "carry":
        assert changed.due_date == date(2026, 12, 17) and changed.escalated_at is None
        assert event.note == "New due date 2026-12-17 (was 2026-11-26): School closed."


async def test_reassigning_moves_the_agency_and_queues_two_notices(
    demo_store: Store, clock: FrozenClock
) -> None:
    action_id, _ = await planted(demo_store)
    r = Records(demo_store)
    priya, dana = await r.member("Priya Shah"), await r.member("Dana Reeves")
    coordinator = await turn(demo_store, "Riley Quinn")
    await service(demo_store, clock).review(
        coordinator, action_id, None, {"step": "reassign", "reassignTo": str(dana.id)}
    )
    moved = await row(demo_store, action_id)
    assert (moved.owner_member_id, moved.agency_id) == (dana.id, dana.agency_id)
    async with demo_store.reading() as session:
        queued = list(await session.scalars(select(t.OutboxMessage)))
    assert sorted(q.recipient_member_id for q in queued) == sorted([priya.id, dana.id])
    assert {q.kind for q in queued} == {"action_reassigned"}
    (event,) = [e for e in await history(demo_store, action_id) if e.kind == "reassigned"]
    assert event.note == f"{priya.id}->{dana.id}"
    card = await service(demo_store, clock).show(coordinator, action_id)
    assert card.history[0].note == "from Priya Shah to Dana Reeves"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"carryDate": "2026-11-26", "carryReason": "x"}, "carryDate", "current due date"),
        ({"carryDate": "2026-11-01", "carryReason": "x"}, "carryDate", "in the past"),
        ({"carryDate": "2026-12-17", "carryReason": " "}, "carryReason", "required"),
        ({"carryDate": "2026-12-17", "carryReason": "Call 01632 960001"}, "carryReason", "phone"),
    ],
)
async def test_a_refused_carry_changes_nothing(
    demo_store: Store, clock: FrozenClock, data: dict[str, str], field: str, message: str
) -> None:
    action_id, _ = await planted(demo_store)
    chair = await turn(demo_store, "Alex Wilber")
    with pytest.raises(InvalidInput) as refused:
        await service(demo_store, clock).review(chair, action_id, None, {"step": "carry", **data})
    assert message in refused.value.field_errors[field]
    assert (await row(demo_store, action_id)).due_date == date(2026, 11, 26)
    assert [e.kind for e in await history(demo_store, action_id)] == ["created"]


@pytest.mark.parametrize("who", ["Priya Shah", "Harper Lane", "Kit Fenwick"])
async def test_the_owner_or_someone_from_another_group_cannot_reassign(
    demo_store: Store, clock: FrozenClock, who: str
) -> None:
    action_id, _ = await planted(demo_store)
    dana = await Records(demo_store).member("Dana Reeves")
    with pytest.raises((NotPermitted, NotFound)) as refused:
        await service(demo_store, clock).review(
            await turn(demo_store, who),
            action_id,
            None,
            {"step": "reassign", "reassignTo": str(dana.id)},
        )
    expected = NOT_A_CHAIR if who == "Priya Shah" else NO_SUCH_ACTION
    assert refused.value.user_message == expected
    assert (await row(demo_store, action_id)).owner_member_id != dana.id


async def test_only_a_member_of_the_group_can_be_the_new_owner(
    demo_store: Store, clock: FrozenClock
) -> None:
    action_id, _ = await planted(demo_store)
    chair = await turn(demo_store, "Alex Wilber")
    outsider = await Records(demo_store).member("Kit Fenwick")  # Harrogate only
    priya = await Records(demo_store).member("Priya Shah")
    control = service(demo_store, clock)
    for to, message in ((outsider.id, "member of the group"), (priya.id, "already own")):
        chair = await turn(demo_store, "Alex Wilber")
        with pytest.raises(InvalidInput) as refused:
            await control.review(chair, action_id, None, {"step": "reassign", "reassignTo": to})
        assert message in refused.value.field_errors["reassignTo"]


async def test_a_closed_action_is_not_reviewed_again(demo_store: Store, clock: FrozenClock) -> None:
    action_id, _ = await planted(demo_store)
    control = service(demo_store, clock)
    chair = await turn(demo_store, "Alex Wilber")
    await control.review(chair, action_id, None, {"step": "done", "doneNote": "Done."})
    chair = await turn(demo_store, "Alex Wilber")
    with pytest.raises(Conflict, match=re.escape(ALREADY_CLOSED)):
        await control.review(chair, action_id, None, {"step": "cancel", "cancelReason": "x"})
    # Its card still opens, with nothing to review.
    assert not (await control.show(chair, action_id)).may_control


async def test_from_the_agenda_the_step_names_the_meeting_in_progress(
    demo_store: Store, clock: FrozenClock
) -> None:
    action_id, earlier = await planted(demo_store)
    r = Records(demo_store)
    now = await r.meeting("scarborough", utc(2026, 11, 19), status="in_progress")
    async with demo_store.transaction() as session:
        session.add(
            t.LinkedConversation(
                conversation_id=CHANNEL,
                locality_id=now.locality_id,
                kind="channel",
                linked_by_member_id=(await r.member("Alex Wilber")).id,
                linked_at=utc(2026, 11, 1),
            )
        )
    control = service(demo_store, clock)

    async def chair() -> TurnRef:
        return await turn(demo_store, "Alex Wilber", ConversationKind.CHANNEL)

    with pytest.raises(Conflict, match=re.escape(MEETING_ENDED)):
        await control.review(
            await chair(), action_id, earlier.id, {"step": "done", "doneNote": "x"}
        )
    harrogate = await r.meeting("harrogate", utc(2026, 11, 19), status="in_progress")
    with pytest.raises(NotFound, match=re.escape(NO_SUCH_ACTION)):
        await control.review(
            await chair(), action_id, harrogate.id, {"step": "done", "doneNote": "x"}
        )
    async with demo_store.reading() as session:
        version = (await session.get_one(t.Meeting, now.id)).version
    done = await control.review(
        await chair(), action_id, now.id, {"step": "done", "doneNote": "Done."}
    )
    assert done.meeting_id == now.id
    (event,) = [e for e in await history(demo_store, action_id) if e.kind == "done"]
    assert event.meeting_id == now.id
    async with demo_store.reading() as session:
        assert (await session.get_one(t.Meeting, now.id)).version == version + 1


@pytest.mark.parametrize("words", ["A-999999", "a-0", "not a reference"])
async def test_find_says_the_same_for_anything_not_found(
    demo_store: Store, clock: FrozenClock, words: str
) -> None:
    with pytest.raises(NotFound, match=re.escape(NO_SUCH_ACTION)):
        await service(demo_store, clock).find(await turn(demo_store, "Alex Wilber"), words)


async def test_from_a_personal_chat_no_meeting_is_named_but_the_live_agenda_is_redrawn(
    demo_store: Store, clock: FrozenClock
) -> None:
    action_id, _ = await planted(demo_store)
    now = await Records(demo_store).meeting("scarborough", utc(2026, 11, 19), status="in_progress")
    async with demo_store.reading() as session:
        version = (await session.get_one(t.Meeting, now.id)).version
    coordinator = await turn(demo_store, "Riley Quinn")
    done = await service(demo_store, clock).review(
        coordinator, action_id, now.id, {"step": "cancel", "cancelReason": "Duplicate."}
    )
    assert (done.meeting_id, done.agenda_meeting_id) == (None, now.id)
    (event,) = [e for e in await history(demo_store, action_id) if e.kind == "cancelled"]
    assert event.meeting_id is None
    async with demo_store.reading() as session:
        assert (await session.get_one(t.Meeting, now.id)).version == version + 1
