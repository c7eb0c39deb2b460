"""The action's own card, the chair's review form and item 3's list (issue 16, points 1
and 5), the notice both owners get when an action is reassigned, and the brief's buttons:
valid Adaptive Cards 1.5 within Teams' size, errors beside their fields, and nothing of an
action's description in a card the bot sends unasked."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from cards_testkit import (
    LARGE_GROUP,
    SIZE_LIMIT,
    _members,
    card_size,
    element_after,
    execute_titled,
    executes,
    make_large_meeting,
    make_meeting,
    show_card_titled,
    verbs,
)

from bot.domain.model import ActionStatus
from bot.domain.views import ActionCardView, ActionEventView, ActionView
from cards.action_control import action_card, review_card, review_list_card
from cards.briefs import BriefView, brief_card
from cards.meeting import agenda_card
from cards.notices import ActionReassignedNotice, action_reassigned_card
from cards.verbs import (
    ACTION_REVIEW,
    ACTION_REVIEW_FORM,
    ACTION_SHOW,
    ITEM_REVIEW_ACTIONS,
    MEETING_REFRESH,
)
from tests.support.card_schema import validate_card

AT = datetime(2026, 11, 19, 10, 40, tzinfo=UTC)
ACTION = ActionView(
    id=36,
    description="Visit CR-0001 at school with the school nurse",
    owner_name="Priya Shah",
    agency_name="North Yorkshire Police",
    due_date=date(2026, 11, 26),
    status=ActionStatus.OPEN,
    subject="CR-0001 (A.B.)",
)


def card_view(**changes: Any) -> ActionCardView:
    history = tuple(
        ActionEventView("update", f"Update {n}: rang the school", "Priya Shah", AT)
        for n in range(12)
    )
    owners = _members(LARGE_GROUP)
    view = ActionCardView(
        action=ACTION,
        locality="Scarborough",
        history=history,
        history_total=40,
        may_control=True,
        owners=owners,
        owner_member_id=owners[0].id,
    )
    return replace(view, **changes)


def test_the_action_card_shows_its_history_and_review_only_to_those_who_may() -> None:
    card = action_card(
        card_view(
            history=(
                ActionEventView("carried_forward", "Away", "Alex Wilber", AT, date(2026, 11, 19)),
            ),
            history_total=1,
        )
    )
    validate_card(card)
    text = str(card)
    assert "Carried forward" in text and "Alex Wilber" in text
    assert "at the meeting of Thu 19 Nov 2026" in text
    assert ACTION_REVIEW_FORM in verbs(card)
    assert ACTION_REVIEW_FORM not in verbs(action_card(card_view(may_control=False)))


def test_a_long_history_is_cut_and_counted() -> None:
    card = action_card(card_view())
    validate_card(card)
    assert "and 28 more" in str(card)
    assert card_size(card) < SIZE_LIMIT


def test_the_review_form_has_four_steps_and_stays_small_for_a_large_group() -> None:
    card = review_card(card_view(meeting_id=3))
    validate_card(card)
    assert card_size(card) < SIZE_LIMIT
    for title, step in (
        ("Mark done", "done"),
        ("Carry forward", "carry"),
        ("Reassign", "reassign"),
        ("Cancel action", "cancel"),
    ):
        shown = show_card_titled(card, title)
        (button,) = executes(shown)
        assert button["verb"] == ACTION_REVIEW
        assert button["data"] == {
            "verb": ACTION_REVIEW,
            "actionId": 36,
            "meetingId": 3,
            "step": step,
        }
    assert execute_titled(card, "Back to agenda")["verb"] == MEETING_REFRESH


def test_the_owner_is_not_offered_as_the_new_owner() -> None:
    view = card_view()
    card = review_card(view)
    (choice,) = [
        e for e in show_card_titled(card, "Reassign")["card"]["body"] if e.get("id") == "reassignTo"
    ]
    assert str(view.owner_member_id) not in {c["value"] for c in choice["choices"]}
    assert len(choice["choices"]) == LARGE_GROUP - 1


def test_a_refused_step_is_opened_with_its_entries_and_the_error_beside_the_field() -> None:
    values = {"step": "carry", "carryDate": "2026-11-26", "carryReason": "Away until December"}
    errors = {"carryDate": "That is the current due date; choose a new one."}
    card = review_card(card_view(), values=values, errors=errors)
    validate_card(card)
    after = element_after(card, "carryDate")
    assert after is not None and after["text"] == errors["carryDate"]
    assert "Away until December" in str(card)
    # The step that failed is in the card's body, not behind its button.
    assert not [
        e
        for e in card["body"]
        if e.get("type") == "ActionSet"
        and any(a.get("title") == "Carry forward" for a in e["actions"])
    ]


def test_item_3_carries_one_review_button_only_while_current() -> None:
    on_3 = agenda_card(make_meeting(current=3))
    assert verbs(on_3) >= {ITEM_REVIEW_ACTIONS}
    assert ITEM_REVIEW_ACTIONS not in verbs(agenda_card(make_meeting(current=4)))
    large = agenda_card(make_large_meeting(current=3))
    validate_card(large)
    assert card_size(large) < SIZE_LIMIT
    assert [b["verb"] for b in executes(large)].count(ITEM_REVIEW_ACTIONS) == 1


def test_the_review_list_offers_each_listed_action() -> None:
    view = make_large_meeting(current=3)
    card = review_list_card(view)
    validate_card(card)
    assert card_size(card) < SIZE_LIMIT
    reviews = [b for b in executes(card) if b["verb"] == ACTION_REVIEW_FORM]
    assert len(reviews) == min(30, len(view.previous_open_actions))
    assert all(b["data"]["meetingId"] == view.id for b in reviews)


@pytest.mark.parametrize("yours", [True, False])
def test_the_reassigned_notice_names_references_and_people_only(yours: bool) -> None:
    notice = ActionReassignedNotice(
        36, "Scarborough", "Priya Shah", "Police", "Dana Reeves", "Health", yours
    )
    card = action_reassigned_card(notice)
    validate_card(card)
    text = str(card)
    assert "A-36" in text and "Priya Shah (Police)" in text and "Dana Reeves (Health)" in text
    assert (ACTION_SHOW in verbs(card)) is yours
    # The view has no field that could carry an action's description or a reason.
    assert {f.name for f in fields(ActionReassignedNotice)} == {
        "action_id",
        "locality",
        "from_name",
        "from_agency",
        "to_name",
        "to_agency",
        "yours",
        "corrected",  # a flag: the owner was corrected, not reassigned (issue 16)
    }


def test_the_brief_opens_each_action_most_pressing_first() -> None:
    view = BriefView(
        locality="Scarborough",
        meeting_date=date(2026, 12, 3),
        open_actions=tuple(range(1, 21)),
        overdue_actions=(7, 8),
        escalated_actions=(9,),
        open_challenges=0,
        draft_minutes_date=None,
    )
    card = brief_card(view)
    validate_card(card)
    opens = [b for b in executes(card) if b["verb"] == ACTION_SHOW]
    assert [b["data"]["actionId"] for b in opens] == [9, 7, 8, 1, 2, 3, 4, 5, 6, 10, 11, 12]
    assert all(b["title"] == f"A-{b['data']['actionId']}" for b in opens)
