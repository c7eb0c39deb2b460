"""The agenda card with subjects under items 4-7, the add-subject form, and a round whose
agencies answered more than once (issue 15, points 3 and 4)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from bot.domain.model import EntryKind, ItemStatus, MeetingStatus, SubjectKind, TurnOutcome
from bot.domain.views import MeetingView, RoundAnswerView, RoundTurnView, SubItemView
from cards import agenda_card, round_card
from cards import verbs as v
from cards.forms import action_form_card, entry_form_card, subject_form_card
from cards.meeting import SUB_ITEMS_SHOWN
from tests.cards.cards_testkit import make_action_form, make_meeting, make_round
from tests.e2e.cardtools import action, text_of, verbs, walk
from tests.support.card_schema import validate_card

TEAMS_LIMIT = 28_000


def with_subjects(
    count: int, *, current: int | None = 0, person_at: int | None = None
) -> MeetingView:
    """A meeting on item 4 with ``count`` children under it (the ``current``-th being
    discussed), one of them a person of concern if asked."""
    view = make_meeting(current=4)
    subs = []
    for index in range(count):
        status = (
            "current"
            if index == current
            else "done"
            if current is not None and index < current
            else "pending"
        )
        person = index == person_at
        subs.append(
            SubItemView(
                id=900 + index,
                subject_id=1000 + index,
                position=index + 1,
                status=status,
                kind=SubjectKind.PERSON if person else SubjectKind.CHILD,
                label="Person of concern 1" if person else f"CR-{index + 1:04d} (A.B.)",
                risk_label="" if person else "High",
                restricted=person,
            )
        )
    items = tuple(
        replace(item, sub_items=tuple(subs), takes_subjects=True)
        if item.position == 4
        else replace(item, takes_subjects=item.position in (5, 6, 7))
        for item in view.items
    )
    return replace(view, items=items)


def test_sixty_subjects_keep_the_agenda_within_teams_size() -> None:
    for current in (None, 0, 30, 59):
        view = with_subjects(60, current=current)
        card = agenda_card(view)
        validate_card(card)
        assert len(json.dumps(card).encode()) < TEAMS_LIMIT
        opened = [
            a
            for a in walk(card)
            if a.get("type") == "Action.Execute" and a.get("verb") == v.SUBJECT_SHOW
        ]
        assert len(opened) == SUB_ITEMS_SHOWN
    shown = text_of(agenda_card(with_subjects(60, current=30)))
    assert "60 subjects to discuss, 30 discussed:" in shown
    assert "▶ 4.31 CR-0031 (A.B.)" in shown
    assert "… 29 earlier subjects" in shown and "… and 28 more to come" in shown


def test_each_subject_opens_its_card_and_the_chair_walks_them() -> None:
    card = agenda_card(with_subjects(3, current=1))
    opened = action(card, v.SUBJECT_SHOW)["data"]
    assert opened == {"verb": v.SUBJECT_SHOW, "subjectId": 1000, "meetingId": 3}
    nxt = action(card, v.MEETING_NEXT)
    assert nxt["title"] == "Next subject" and nxt["data"]["subItem"] == 901
    assert action(card, v.MEETING_PREVIOUS)["title"] == "Previous subject"
    assert action(card, v.ITEM_SUBJECT_FORM)["data"] == {
        "verb": v.ITEM_SUBJECT_FORM,
        "meetingId": 3,
        "itemId": 104,
    }
    # Only a subject still to come, with nothing recorded, can be removed.
    removable = [
        a["data"]["itemSubjectId"]
        for a in walk(card)
        if a.get("type") == "Action.Execute" and a.get("verb") == v.ITEM_SUBJECT_REMOVE
    ]
    assert removable == [902]
    # The last subject: next leaves the item.
    assert action(agenda_card(with_subjects(3, current=2)), v.MEETING_NEXT)["title"] == "Next item"
    assert action(agenda_card(with_subjects(3, current=None)), v.MEETING_PREVIOUS)["title"] == (
        "Previous item"
    )


def test_records_made_while_a_subject_is_discussed_name_it() -> None:
    view = with_subjects(3, current=1)
    item = view.items[3]
    card = agenda_card(view)
    assert action(card, v.ITEM_MINUTE)["data"]["subjectId"] == 1001
    assert "Recording against item 4: Children discussed – CR-0002 (A.B.)" in text_of(card)
    minute = entry_form_card(view, item.id, EntryKind.MINUTE)
    assert action(minute, v.ITEM_MINUTE)["data"]["subjectId"] == 1001
    form = action_form_card(make_action_form(view), item.id)
    validate_card(form)
    assert action(form, v.ITEM_ACTION)["data"]["subjectId"] == 1001
    kinds = next(n for n in walk(form) if n.get("id") == "subjectKind")
    assert kinds["value"] == "current"
    assert kinds["choices"][0] == {"title": "CR-0002 (A.B.) (being discussed)", "value": "current"}
    # At the item's heading: recorded about the item itself.
    heading = with_subjects(3, current=None)
    assert action(agenda_card(heading), v.ITEM_MINUTE)["data"]["subjectId"] == 0


def test_a_person_of_concern_is_a_placeholder_with_no_risk_shown() -> None:
    card = agenda_card(with_subjects(3, current=0, person_at=1))
    shown = text_of(card)
    assert "4.2 Person of concern 1\n · risk restricted" in shown


def test_an_ended_meeting_lists_its_subjects_with_nothing_to_press() -> None:
    view = with_subjects(3, current=None)
    ended = replace(
        view,
        status=MeetingStatus.ENDED,
        current_position=None,
        items=tuple(replace(i, status=ItemStatus.DONE) for i in view.items),
    )
    card = agenda_card(ended)
    assert verbs(card) == []
    assert "3 subjects to discuss, 0 discussed:" in text_of(card)


def test_the_subject_form_offers_the_item_kind_first() -> None:
    view = with_subjects(0)
    card = subject_form_card(view, view.items[3].id)
    validate_card(card)
    kind = next(n for n in walk(card) if n.get("id") == "subjectKind")
    assert kind["value"] == "child"
    five = subject_form_card(view, view.items[4].id)
    assert next(n for n in walk(five) if n.get("id") == "subjectKind")["value"] == "person"
    assert action(card, v.ITEM_SUBJECT_ADD)["data"]["itemId"] == 104


def test_a_round_shows_every_answer_grouped_by_agency_with_its_service() -> None:
    base = make_round()
    at = datetime(2026, 11, 3, 10, 41, tzinfo=UTC)
    agency = base.turns[0].agency
    answers = (
        RoundAnswerView(TurnOutcome.SHARED, "First view.", "Dana Reeves", at, "CAMHS"),
        RoundAnswerView(TurnOutcome.NOTHING_TO_SHARE, "", "Dana Reeves", at, "Healthy Child team"),
        RoundAnswerView(TurnOutcome.CHALLENGE, "Why no plan?", "Dana Reeves", at, "", "Police"),
    )
    turn = RoundTurnView(
        agency, TurnOutcome.CHALLENGE, "Why no plan?", "Dana Reeves", "Police", answers
    )
    view = replace(base, turns=(turn, *base.turns[1:]), subject="CR-0112 (T.R.)")
    card = round_card(view)
    validate_card(card)
    shown = text_of(card)
    assert "about CR-0112 (T.R.)" in card["body"][0]["text"]
    for piece in ("CAMHS: ", "Healthy Child team: ", "First view.", "Why no plan?", "10:41"):
        assert piece in shown
    assert shown.index("First view.") < shown.index("Why no plan?")
    assert [n for n in walk(card) if n.get("id") == "service"]
