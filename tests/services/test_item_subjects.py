"""Subjects discussed under items 4-7 (bot.services.item_subjects through MeetingService),
on the real store: added in order, found again on the register, walked through by next and
previous, recorded as discussed, minutes and actions recorded about them, removed and
reordered; and the agenda card kept small whatever their number."""

from __future__ import annotations

import itertools
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.domain.agenda import CURRENT_SUBJECT
from bot.domain.clock import FrozenClock
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.model import ConversationKind, EntryKind
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
_ids = itertools.count(1)


def turn(actor: ActorRef = CHAIR) -> TurnRef:
    return TurnRef(actor, CHANNEL, f"activity-{next(_ids)}")


def child(reference: str, initials: str) -> dict[str, object]:
    return {"subjectKind": "child", "subjectRef": reference, "subjectInitials": initials}


LOCATION = {"subjectKind": "location", "subjectRef": "Takeaway on Eastborough"}


async def at_item_4(service: MeetingService) -> MeetingView:
    view = (await service.start(turn())).view
    for _ in range(3):
        view = await service.move(turn(), view.id, None, +1)
    assert view.current_position == 4
    return view


def item4(view: MeetingView) -> int:
    return view.items[3].id


def labels(view: MeetingView) -> list[tuple[str, str]]:
    return [(s.label, s.status) for s in view.items[3].sub_items]


async def subject_rows(store: Store) -> list[t.Subject]:
    async with store.reading() as session:
        return list(await session.scalars(select(t.Subject).order_by(t.Subject.id)))


async def discussed_events(store: Store) -> list[tuple[int, int | None]]:
    async with store.reading() as session:
        rows = await session.execute(
            select(t.SubjectEvent.subject_id, t.SubjectEvent.meeting_id)
            .where(t.SubjectEvent.kind == "discussed")
            .order_by(t.SubjectEvent.id)
        )
        return [(r.subject_id, r.meeting_id) for r in rows]


@pytest.fixture
def service(demo_store: Store, clock: FrozenClock) -> MeetingService:
    return MeetingService(demo_store, clock, KEY_AGENCIES)


async def test_subjects_are_added_in_order_and_walked_through_by_next_and_previous(
    service: MeetingService, demo_store: Store
) -> None:
    view = await at_item_4(service)
    for data in (child("cr-0101", "kb"), child("CR-0102", "L.M."), LOCATION):
        view = await service.add_subject(turn(), view.id, item4(view), data)
    assert labels(view) == [
        ("CR-0101 (K.B.)", "pending"),
        ("CR-0102 (L.M.)", "pending"),
        ("Takeaway on Eastborough", "pending"),
    ]
    subjects = await subject_rows(demo_store)
    assert [s.reference for s in subjects] == ["CR-0101", "CR-0102", "Takeaway on Eastborough"]
    assert all(s.last_discussed_on is None for s in subjects)

    # Next: the first subject, then the second: each recorded as discussed when current.
    view = await service.move(turn(), view.id, 4, +1)
    assert labels(view)[0] == ("CR-0101 (K.B.)", "current")
    view = await service.move(turn(), view.id, 4, +1)
    assert [s for _, s in labels(view)] == ["done", "current", "pending"]
    # Previous walks back; walking forward again records no second "discussed".
    view = await service.move(turn(), view.id, 4, -1)
    assert [s for _, s in labels(view)] == ["current", "done", "pending"]
    view = await service.move(turn(), view.id, 4, +1)
    view = await service.move(turn(), view.id, 4, +1)
    assert [s for _, s in labels(view)] == ["done", "done", "current"]
    assert view.current_position == 4
    # Past the last subject: the next item; the last subject is done.
    view = await service.move(turn(), view.id, 4, +1)
    assert view.current_position == 5
    assert [s for _, s in labels(view)] == ["done", "done", "done"]
    # Walking back into item 4 arrives at its last subject.
    view = await service.move(turn(), view.id, 5, -1)
    assert view.current_position == 4
    assert labels(view)[2] == ("Takeaway on Eastborough", "current")

    meeting_day = date(2026, 11, 19)  # the frozen clock's London date
    subjects = await subject_rows(demo_store)
    assert [(s.first_discussed_on, s.last_discussed_on) for s in subjects] == [
        (meeting_day, meeting_day)
    ] * 3
    assert await discussed_events(demo_store) == [(s.id, view.id) for s in subjects]


async def test_a_subject_on_the_register_is_found_by_its_reference_not_added_again(
    service: MeetingService, demo_store: Store
) -> None:
    view = await at_item_4(service)
    view = await service.add_subject(turn(), view.id, item4(view), child("CR-0101", "KB"))
    five = view.items[4].id
    view = await service.add_subject(
        turn(),
        view.id,
        five,
        {"subjectKind": "child", "subjectRef": "cr-0101", "subjectInitials": "K.B."},
    )
    assert len(await subject_rows(demo_store)) == 1
    assert [s.label for s in view.items[4].sub_items] == ["CR-0101 (K.B.)"]
    # The same subject twice on one item is refused; other initials are pointed out.
    with pytest.raises(Conflict):
        await service.add_subject(turn(), view.id, item4(view), child("CR-0101", "KB"))
    with pytest.raises(InvalidInput) as refused:
        await service.add_subject(turn(), view.id, five, child("CR-0101", "ZZ"))
    assert set(refused.value.field_errors) == {"subjectInitials"}


async def test_bad_entries_and_other_items_are_refused_with_nothing_written(
    service: MeetingService, demo_store: Store
) -> None:
    view = await at_item_4(service)
    with pytest.raises(InvalidInput) as refused:
        await service.add_subject(turn(), view.id, item4(view), child("Kayleigh Brown", "KB"))
    assert set(refused.value.field_errors) == {"subjectRef"}
    with pytest.raises(InvalidInput):
        await service.add_subject(
            turn(),
            view.id,
            item4(view),
            {"subjectKind": "location", "subjectRef": "12 Castle Road"},
        )
    with pytest.raises(Conflict):
        await service.add_subject(turn(), view.id, view.items[7].id, child("CR-0101", "KB"))
    assert await subject_rows(demo_store) == []


async def test_only_those_who_run_the_meeting_add_subjects(service: MeetingService) -> None:
    view = await at_item_4(service)
    from bot.domain.errors import NotPermitted

    with pytest.raises(NotPermitted):
        await service.add_subject(turn(MINUTE_TAKER), view.id, item4(view), child("CR-0101", "KB"))


async def test_minutes_decisions_and_actions_are_recorded_about_the_subject_discussed(
    service: MeetingService, demo_store: Store
) -> None:
    view = await at_item_4(service)
    view = await service.add_subject(turn(), view.id, item4(view), child("CR-0101", "KB"))
    view = await service.add_subject(turn(), view.id, item4(view), child("CR-0102", "LM"))
    view = await service.move(turn(), view.id, 4, +1)
    first = view.items[3].sub_items[0].subject_id
    # A form drawn while the first subject was current says so; one that does not say
    # is recorded about whichever is current; 0 is the item itself.
    await service.record_entry(
        turn(),
        view.id,
        item4(view),
        EntryKind.MINUTE,
        {"minuteText": "Seen at the park.", "subjectId": first},
    )
    await service.record_entry(
        turn(), view.id, item4(view), EntryKind.DECISION, {"decisionText": "Risk stays high."}
    )
    await service.record_entry(
        turn(), view.id, item4(view), EntryKind.MINUTE, {"minuteText": "General.", "subjectId": 0}
    )
    async with demo_store.reading() as session:
        owner = await session.scalar(select(t.Member.id).where(t.Member.name == "Priya Shah"))
    view = await service.record_action(
        turn(),
        view.id,
        item4(view),
        {
            "description": "Return home interview",
            "ownerId": str(owner),
            "dueDate": "2026-12-01",
            "subjectKind": CURRENT_SUBJECT,
            "subjectId": first,
        },
    )
    async with demo_store.reading() as session:
        entries = (
            await session.execute(
                select(t.MinuteEntry.kind, t.MinuteEntry.subject_id).order_by(t.MinuteEntry.id)
            )
        ).all()
        action_subject = await session.scalar(select(t.Action.subject_id))
    assert [tuple(e) for e in entries] == [("minute", first), ("decision", first), ("minute", None)]
    assert action_subject == first
    sub = view.items[3].sub_items[0]
    assert (sub.minutes_count, sub.decisions_count, sub.actions_count) == (1, 1, 1)
    # An action form naming a subject not on this agenda is handed back.
    with pytest.raises(InvalidInput) as refused:
        await service.record_action(
            turn(),
            view.id,
            item4(view),
            {
                "description": "x",
                "ownerId": str(owner),
                "dueDate": "2026-12-01",
                "subjectKind": CURRENT_SUBJECT,
                "subjectId": 999999,
            },
        )
    assert "subjectKind" in refused.value.field_errors


async def test_a_minute_is_kept_to_its_own_item_and_the_subjects_under_it(
    service: MeetingService, demo_store: Store
) -> None:
    """A minute finds its item and subject as it is inserted (one statement): one naming a
    subject that is not under its item is about the item itself; one naming an item of
    another meeting, or no item, is refused and nothing is saved."""
    view = await at_item_4(service)
    view = await service.add_subject(turn(), view.id, item4(view), child("CR-0101", "KB"))
    under_4 = view.items[3].sub_items[0].subject_id
    item3 = view.items[2].id
    await service.record_entry(
        turn(), view.id, item3, EntryKind.MINUTE, {"minuteText": "Elsewhere.", "subjectId": under_4}
    )
    earlier = view.id
    await service.end(turn(), earlier, {})
    later = (await service.start(turn())).view
    for item_value in (item4(view), None, "x"):
        with pytest.raises(NotFound):
            await service.record_entry(
                turn(), later.id, item_value, EntryKind.MINUTE, {"minuteText": "Not here."}
            )
    async with demo_store.reading() as session:
        entries = (
            await session.execute(
                select(t.MinuteEntry.item_id, t.MinuteEntry.subject_id, t.MinuteEntry.text)
            )
        ).all()
    assert [tuple(e) for e in entries] == [(item3, None, "Elsewhere.")]


async def test_a_subject_still_to_come_is_removed_one_discussed_stays(
    service: MeetingService, demo_store: Store
) -> None:
    view = await at_item_4(service)
    for data in (child("CR-0101", "KB"), child("CR-0102", "LM"), LOCATION):
        view = await service.add_subject(turn(), view.id, item4(view), data)
    first, second, third = view.items[3].sub_items
    view = await service.move_subject(turn(), view.id, third.id, "up")
    assert [s.label for s in view.items[3].sub_items] == [
        "CR-0101 (K.B.)",
        "Takeaway on Eastborough",
        "CR-0102 (L.M.)",
    ]
    view = await service.move_subject(turn(), view.id, first.id, "up")  # at the top: stays
    assert view.items[3].sub_items[0].id == first.id
    view = await service.move(turn(), view.id, 4, +1)
    with pytest.raises(Conflict):
        await service.remove_subject(turn(), view.id, first.id)
    view = await service.remove_subject(turn(), view.id, second.id)
    assert [s.id for s in view.items[3].sub_items] == [first.id, third.id]
    # The subject stays on the register: only its place on this agenda is gone.
    assert len(await subject_rows(demo_store)) == 3


async def test_a_stale_card_moves_nothing(service: MeetingService) -> None:
    view = await at_item_4(service)
    view = await service.add_subject(turn(), view.id, item4(view), child("CR-0101", "KB"))
    view = await service.add_subject(turn(), view.id, item4(view), child("CR-0102", "LM"))
    view = await service.move(turn(), view.id, 4, +1, 0)  # drawn at the heading: moves
    current = view.items[3].sub_items[0].id
    # A second press of the same (now stale) card: drawn at the heading, not on a subject.
    view = await service.move(turn(), view.id, 4, +1, 0)
    assert view.items[3].current_sub_item is not None
    assert view.items[3].current_sub_item.id == current
    view = await service.move(turn(), view.id, 4, +1, current)
    assert view.items[3].sub_items[1].status == "current"


async def test_sixty_subjects_keep_the_agenda_card_within_teams_size(
    service: MeetingService, demo_store: Store
) -> None:
    view = await at_item_4(service)
    for number in range(60):
        view = await service.add_subject(
            turn(), view.id, item4(view), child(f"CR-{number + 1:04d}", "AB")
        )
    for _ in range(30):
        view = await service.move(turn(), view.id, 4, +1)
    card = agenda_card(view)
    size = len(json.dumps(card).encode())
    assert size < 28_000, size
    assert len(view.items[3].sub_items) == 60
    async with demo_store.reading() as session:
        assert await session.scalar(select(func.count()).select_from(t.ItemSubject)) == 60


async def test_an_action_about_a_person_of_concern_never_names_them_on_the_groups_cards(
    service: MeetingService, demo_store: Store
) -> None:
    """The agenda and the summary are seen by everyone in the group's conversation, most of
    whom the register's rule does not let see persons of concern: an action about one says
    "a person of concern", never the reference or initials (criminal-offence data)."""
    view = await service.move(turn(), (await at_item_4(service)).id, None, +1)
    assert view.current_position == 5
    person = {"subjectKind": "person", "subjectRef": "NYP-4471", "subjectInitials": "QZ"}
    view = await service.add_subject(turn(), view.id, view.items[4].id, person)
    view = await service.move(turn(), view.id, 5, +1)
    subject_id = view.items[4].sub_items[0].subject_id
    async with demo_store.reading() as session:
        owner = await session.scalar(select(t.Member.id).where(t.Member.name == "Priya Shah"))
    view = await service.record_action(
        turn(),
        view.id,
        view.items[4].id,
        {
            "description": "Disruption notice served",
            "ownerId": str(owner),
            "dueDate": "2026-12-01",
            "subjectKind": CURRENT_SUBJECT,
            "subjectId": subject_id,
        },
    )
    (action,) = view.items[4].actions
    assert action.subject == "a person of concern"
    drawn = json.dumps(agenda_card(view))
    assert "NYP-4471" not in drawn and "QZ" not in drawn
    assert "a person of concern" in drawn
