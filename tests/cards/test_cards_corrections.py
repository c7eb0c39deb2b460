"""The correction cards (cards/corrections.py, issue 16) and what corrections change on
the other cards: valid Adaptive Card 1.5 within Teams' size, known verbs, the entries and
errors kept, the personal-data nudge, "(corrected)" beside a corrected decision and
action, and the "Correct records" buttons on the agenda, at item 2 and on the summary."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from cards_testkit import (
    LARGE_GROUP,
    SIZE_LIMIT,
    _members,
    card_size,
    executes,
    input_by_id,
    make_large_meeting,
    make_meeting,
    walk,
)

from bot.domain.corrections import (
    ENTRIES_PER_PAGE,
    KEEP_SUBJECT,
    CorrectableEntry,
    CorrectionFormView,
    CorrectionListView,
    ItemRecords,
    RecordKind,
)
from bot.domain.model import MeetingStatus, MinutesStatus
from bot.domain.rules import MAX_DESCRIPTION_CHARS, MAX_ENTRY_CHARS, confirmation_field
from cards import agenda_card, summary_card
from cards.corrections import correction_form_card, corrections_card
from cards.parts import CORRECTED
from cards.verbs import CORRECTION_FORM, CORRECTION_SAVE, CORRECTIONS_SHOW
from tests.support.card_schema import validate_card

TEAMS_LIMIT = 28_000
ITEM = ItemRecords(104, 4, "Children", ENTRIES_PER_PAGE)


def listing(**changes: object) -> CorrectionListView:
    base = CorrectionListView(
        meeting_id=3,
        locality="Scarborough",
        meeting_date=date(2026, 11, 3),
        status=MeetingStatus.IN_PROGRESS,
        minutes_status=MinutesStatus.DRAFT,
        items=(ITEM, ItemRecords(109, 9, "Actions and next meeting", 2)),
        item=ITEM,
        entries=tuple(
            CorrectableEntry(RecordKind.MINUTE, n, "M" * 140, corrected=n == 1, withdrawn=n == 2)
            for n in range(1, ENTRIES_PER_PAGE + 1)
        ),
        page=1,
        pages=3,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def form(kind: RecordKind, **changes: object) -> CorrectionFormView:
    base = CorrectionFormView(
        meeting_id=3,
        status=MeetingStatus.ENDED,
        locality="Scarborough",
        meeting_date=date(2026, 11, 3),
        item_id=104,
        item_position=4,
        item_title="Children",
        kind=kind,
        record_id=31,
        text="X" * (MAX_DESCRIPTION_CHARS if kind is RecordKind.ACTION else MAX_ENTRY_CHARS),
        owner_id=7 if kind is RecordKind.ACTION else None,
        due_date=date(2026, 11, 20) if kind is RecordKind.ACTION else None,
        subject="CR-0107 (J.S.)" if kind is RecordKind.ACTION else "",
        owners=_members(LARGE_GROUP) if kind is RecordKind.ACTION else (),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_full_page_of_an_item_is_valid_and_small() -> None:
    card = corrections_card(listing(), note="Minute corrected.")
    validate_card(card)
    assert card_size(card) < TEAMS_LIMIT
    buttons = executes(card)
    corrects = [b for b in buttons if b["verb"] == CORRECTION_FORM]
    # Every entry but the withdrawn one has Correct, naming it by kind and id.
    assert [b["data"]["recordId"] for b in corrects] == [
        n for n in range(1, ENTRIES_PER_PAGE + 1) if n != 2
    ]
    assert all(b["data"]["kind"] == "minute" for b in corrects)
    text = json.dumps(card)
    assert "Withdrawn as recorded in error." in text and CORRECTED in text
    pages = [b["data"].get("page") for b in buttons if b["verb"] == CORRECTIONS_SHOW]
    assert 2 in pages  # the next page; the first has no previous


def test_the_meeting_s_items_each_open_their_entries() -> None:
    card = corrections_card(listing(item=None, entries=(), pages=1))
    validate_card(card)
    shown = [b["data"] for b in executes(card) if b["verb"] == CORRECTIONS_SHOW]
    assert shown == [
        {"verb": CORRECTIONS_SHOW, "meetingId": 3, "itemId": 104},
        {"verb": CORRECTIONS_SHOW, "meetingId": 3, "itemId": 109},
    ]


def test_the_forms_are_valid_within_size_and_prefilled() -> None:
    for kind in RecordKind:
        card = correction_form_card(form(kind))
        validate_card(card)
        assert card_size(card) < TEAMS_LIMIT, kind
        assert input_by_id(card, "reason")["isRequired"]
        assert input_by_id(card, "withdraw")["valueOn"] == "true"
        (save, _back) = executes(card)
        assert save["verb"] == CORRECTION_SAVE
        assert (save["data"]["kind"], save["data"]["recordId"]) == (kind.value, 31)
    action = correction_form_card(form(RecordKind.ACTION))
    assert input_by_id(action, "ownerId")["value"] == "7"
    assert input_by_id(action, "dueDate")["value"] == "2026-11-20"
    about = input_by_id(action, "subjectKind")
    assert about["value"] == KEEP_SUBJECT
    assert about["choices"][0]["title"] == "As recorded: CR-0107 (J.S.)"
    minute = correction_form_card(form(RecordKind.MINUTE, text="CR-0107 discused."))
    assert input_by_id(minute, "correctedText")["value"] == "CR-0107 discused."


def test_a_refused_form_keeps_the_entries_and_asks_to_confirm_details() -> None:
    values = {"correctedText": "Seen on 01/02/2015", "reason": "typo", "withdraw": "false"}
    errors = {
        "correctedText": "That looks like a date of birth.",
        confirmation_field("correctedText"): "To keep them, tick and save again.",
    }
    card = correction_form_card(form(RecordKind.MINUTE), values=values, errors=errors)
    validate_card(card)
    assert input_by_id(card, "correctedText")["value"] == "Seen on 01/02/2015"
    assert input_by_id(card, "reason")["value"] == "typo"
    assert input_by_id(card, confirmation_field("correctedText"))["type"] == "Input.Toggle"
    assert "That looks like a date of birth." in json.dumps(card)


def test_corrected_entries_are_marked_on_the_agenda_and_summary() -> None:
    view = make_meeting(current=2)
    item = view.items[1]
    marked = replace(
        item,
        decisions=tuple(replace(d, corrected=True) for d in item.decisions),
        actions=tuple(replace(a, corrected=True) for a in item.actions),
    )
    view = replace(view, items=(view.items[0], marked, *view.items[2:]))
    text = json.dumps(agenda_card(view))
    assert text.count(CORRECTED) == len(marked.decisions) + len(marked.actions)
    ended = replace(view, status=MeetingStatus.ENDED, current_position=None)
    assert json.dumps(summary_card(ended)).count(CORRECTED) == text.count(CORRECTED)


def test_correct_records_is_on_the_current_item_item_2_and_a_draft_summary() -> None:
    # One button per card, not one per entry: the usual meeting stays well within Teams'
    # size, and the largest within the limit every card test holds (cards_testkit).
    assert card_size(agenda_card(make_meeting(current=4))) < TEAMS_LIMIT
    view = make_large_meeting(current=4)
    card = agenda_card(view)
    assert card_size(card) < SIZE_LIMIT * 0.9
    shown = [b["data"] for b in executes(card) if b["verb"] == CORRECTIONS_SHOW]
    current = view.items[3]
    assert {"verb": CORRECTIONS_SHOW, "meetingId": view.id, "itemId": current.id} in shown
    assert view.previous_minutes is not None
    assert {"verb": CORRECTIONS_SHOW, "meetingId": view.previous_minutes.meeting_id} in shown
    ended = make_meeting(status=MeetingStatus.ENDED)
    assert CORRECTIONS_SHOW in {b["verb"] for b in executes(summary_card(ended))}
    agreed = replace(ended, minutes_status=MinutesStatus.AGREED)
    assert CORRECTIONS_SHOW not in {b["verb"] for b in executes(summary_card(agreed))}
    # An ended meeting's agenda card is a record: nothing to press.
    assert not [e for e in walk(agenda_card(ended)) if e.get("verb") == CORRECTIONS_SHOW]
