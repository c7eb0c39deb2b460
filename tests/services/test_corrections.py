"""Corrections before the minutes are agreed (bot.services.corrections, issue 16), on the
real store: what the list shows to whom (a person of concern stays hidden from a corrector
the group does not let see them), a correction that changes nothing is refused beside the
form, an action's unchanged past due date is kept, and a withdrawn entry has no form."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import update

from bot.domain.clock import FrozenClock
from bot.domain.corrections import (
    ALREADY_WITHDRAWN,
    FORM_ERROR,
    NOTHING_CHANGED,
    RecordKind,
)
from bot.domain.errors import Conflict, InvalidInput, NotFound
from bot.domain.model import ConversationKind, EntryKind
from bot.services.context import ActorRef, ConversationRef, TurnRef
from bot.services.correction_reads import RESTRICTED
from bot.services.corrections import CorrectionService
from bot.services.meetings import MeetingService
from bot.store import tables as t
from bot.store.db import Store
from tests.support.records import Records

KEY_AGENCIES = ("police", "childrens_social_care", "health", "education")
CHANNEL = ConversationRef("team-id", ConversationKind.CHANNEL, "tenant-1", "https://smba.test")
CHAIR = ActorRef("user-id-0", "00000000-0000-0000-0000-0000000000020", "Alex Wilber")
MINUTE_TAKER = ActorRef("user-id-101", "00000000-0000-0000-0000-0000000000101", "Sam Okafor")
ABOUT_PERSON = "NYP-2026-0411 (K.L.) seen collecting children from the school gate."
_ids = itertools.count(1)


def turn(actor: ActorRef = CHAIR) -> TurnRef:
    return TurnRef(actor, CHANNEL, f"activity-{next(_ids)}")


@pytest.fixture
def meetings(demo_store: Store, clock: FrozenClock) -> MeetingService:
    return MeetingService(demo_store, clock, KEY_AGENCIES)


@pytest.fixture
def corrections(demo_store: Store, clock: FrozenClock) -> CorrectionService:
    return CorrectionService(demo_store, clock, KEY_AGENCIES)


async def meeting_with_entries(meetings: MeetingService, store: Store) -> tuple[int, int, int, int]:
    """A meeting with a minute about a person of concern, a plain decision and an action."""
    view = (await meetings.start(turn())).view
    item = view.items[0].id
    for kind, field, words in (
        (EntryKind.MINUTE, "minuteText", ABOUT_PERSON),
        (EntryKind.DECISION, "decisionText", "Agreed to meet monthly."),
    ):
        await meetings.record_entry(turn(), view.id, item, kind, {field: words})
    form = await meetings.action_form(turn(), view.id)
    owner = next(m for m in form.owners if m.name == "Priya Shah")
    await meetings.record_action(
        turn(),
        view.id,
        item,
        {
            "description": "Ask the school for attendance.",
            "ownerId": str(owner.id),
            "dueDate": "2026-12-03",
            "subjectKind": "none",
        },
    )
    person = await Records(store).subject("scarborough", "NYP-2026-0411", "KL", kind="person")
    async with store.transaction() as session:
        minute = await session.scalar(
            update(t.MinuteEntry)
            .where(t.MinuteEntry.kind == "minute")
            .values(subject_id=person)
            .returning(t.MinuteEntry.id)
        )
        decision = await session.scalar(
            t.MinuteEntry.__table__.select()
            .with_only_columns(t.MinuteEntry.id)
            .where(t.MinuteEntry.kind == "decision")
        )
        action = await session.scalar(t.Action.__table__.select().with_only_columns(t.Action.id))
    assert minute and decision and action
    return view.id, item, minute, action


async def test_a_person_of_concern_stays_hidden_from_a_corrector_who_may_not_see_them(
    meetings: MeetingService, corrections: CorrectionService, demo_store: Store
) -> None:
    meeting, item, minute, _ = await meeting_with_entries(meetings, demo_store)
    chair = await corrections.records(turn(), meeting, item)
    assert ABOUT_PERSON in [e.text for e in chair.entries], "the chair sees persons of concern"
    taker = await corrections.records(turn(MINUTE_TAKER), meeting, item)
    (hidden,) = [e for e in taker.entries if (e.kind, e.id) == (RecordKind.MINUTE, minute)]
    assert (hidden.text, hidden.restricted) == (RESTRICTED, True)
    assert ABOUT_PERSON not in repr(taker)
    with pytest.raises(NotFound):
        await corrections.form(turn(MINUTE_TAKER), meeting, "minute", minute)
    with pytest.raises(NotFound):
        await corrections.correct(
            turn(MINUTE_TAKER),
            meeting,
            "minute",
            minute,
            {"correctedText": "Changed.", "reason": "Typo."},
        )


async def test_a_correction_that_changes_nothing_is_refused_and_a_withdrawn_entry_has_no_form(
    meetings: MeetingService, corrections: CorrectionService, demo_store: Store
) -> None:
    meeting, item, _, action = await meeting_with_entries(meetings, demo_store)
    form = await corrections.form(turn(), meeting, "action", action)
    unchanged = {
        "description": form.text,
        "ownerId": str(form.owner_id),
        "dueDate": form.due_date.isoformat() if form.due_date else "",
        "subjectKind": "keep",
        "reason": "Checking.",
    }
    with pytest.raises(InvalidInput) as refused:
        await corrections.correct(turn(), meeting, "action", action, unchanged)
    assert refused.value.field_errors == {FORM_ERROR: NOTHING_CHANGED}
    with pytest.raises(InvalidInput) as past:
        await corrections.correct(
            turn(), meeting, "action", action, {**unchanged, "dueDate": "2020-01-01"}
        )
    assert "dueDate" in past.value.field_errors, "a new due date in the past is refused"
    saved = await corrections.correct(
        turn(), meeting, "action", action, {"withdraw": "true", "reason": "Recorded in error."}
    )
    assert (saved.meeting_id, saved.item_id) == (meeting, item)
    with pytest.raises(Conflict) as again:
        await corrections.form(turn(), meeting, "action", action)
    assert again.value.user_message == ALREADY_WITHDRAWN
    listed = await corrections.records(turn(), meeting, item)
    assert [e.withdrawn for e in listed.entries if e.kind is RecordKind.ACTION] == [True]
    assert (await meetings.current(turn(), meeting)).items[0].actions == ()
