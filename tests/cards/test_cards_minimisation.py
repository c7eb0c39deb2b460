"""The confirmation toggle for identifying details: offered only on a form handed back
because details were pointed out, directly beneath the message, in the same form as the
text it confirms, never ticked for the writer, and never beside a detail repeated."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

from cards_testkit import (
    element_after,
    input_by_id,
    make_action_form,
    make_challenges,
    make_meeting,
    make_owned_actions,
    make_round,
    of_type,
    walk,
)

from bot.domain.model import EntryKind
from bot.domain.rules import (
    CONFIRM_DETAILS_TITLE,
    check_identifying_details,
    confirmation_field,
)
from cards import (
    action_form_card,
    agenda_card,
    challenges_card,
    entry_form_card,
    my_actions_card,
    round_card,
)

Card = dict[str, Any]
TYPED = "DOB 12/03/2011; mum on 07700 900123."


def details_errors(*fields: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field_id in fields:
        check_identifying_details(errors, field_id, TYPED, date(2026, 11, 19), {})
    return errors


def toggles(card: Card) -> list[Card]:
    return of_type(card, "Input.Toggle")


def assert_offered_beneath_the_message(card: Card, field_id: str) -> None:
    """[input, red message, toggle] in one list: the toggle is sent with the text."""
    for node in walk(card):
        for value in node.values():
            if not isinstance(value, list):
                continue
            ids = [e.get("id") for e in value if isinstance(e, dict)]
            if field_id in ids:
                at = ids.index(field_id)
                message, toggle = value[at + 1], value[at + 2]
                assert message["color"] == "attention"
                assert "a date of birth and a phone number" in message["text"]
                assert toggle["type"] == "Input.Toggle"
                assert toggle["id"] == confirmation_field(field_id)
                assert toggle["title"] == CONFIRM_DETAILS_TITLE
                assert toggle["valueOn"] == "true" and toggle["valueOff"] == "false"
                assert toggle.get("value", "false") == "false"
                return
    raise AssertionError(f"no input {field_id!r}")


def bot_wording(card: Card) -> str:
    stripped = copy.deepcopy(card)
    for node in walk(stripped):
        if str(node.get("type", "")).startswith("Input."):
            node.pop("value", None)
    return json.dumps(stripped)


def assert_nothing_repeated(card: Card) -> None:
    wording = bot_wording(card)
    assert "12/03/2011" not in wording and "07700" not in wording


def test_no_toggle_until_details_are_pointed_out() -> None:
    meeting = make_meeting()
    item = meeting.items[1].id
    assert not toggles(agenda_card(meeting))
    assert not toggles(entry_form_card(meeting, item, EntryKind.MINUTE))
    other_error = entry_form_card(
        meeting,
        item,
        EntryKind.MINUTE,
        values={"minuteText": TYPED},
        errors={"minuteText": "The minute is too long."},
    )
    assert not toggles(other_error)
    assert not toggles(round_card(make_round()))
    assert not toggles(my_actions_card(make_owned_actions(3)))
    assert not toggles(challenges_card(make_challenges(2), locality_name="Scarborough"))


def test_minute_and_decision_forms_offer_the_toggle() -> None:
    meeting = make_meeting()
    for kind, field_id in ((EntryKind.MINUTE, "minuteText"), (EntryKind.DECISION, "decisionText")):
        card = entry_form_card(
            meeting,
            meeting.items[1].id,
            kind,
            values={field_id: TYPED},
            errors=details_errors(field_id),
        )
        assert input_by_id(card, field_id)["value"] == TYPED
        assert_offered_beneath_the_message(card, field_id)
        assert_nothing_repeated(card)
        assert len(toggles(card)) == 1


def test_action_form_offers_it_beside_the_description_and_keeps_it_ticked() -> None:
    form = make_action_form(make_meeting())
    item = form.meeting.items[1].id
    card = action_form_card(
        form, item, values={"description": TYPED}, errors=details_errors("description")
    )
    assert_offered_beneath_the_message(card, "description")
    assert_nothing_repeated(card)

    ticked = action_form_card(
        form,
        item,
        values={"description": TYPED, confirmation_field("description"): "true"},
        errors={"ownerId": "Choose an owner from the members of this group."},
    )
    toggle = input_by_id(ticked, confirmation_field("description"))
    assert toggle["value"] == "true", "a confirmation already given stays given"
    assert element_after(ticked, "description") == toggle


def test_round_offers_one_toggle_per_field_with_details() -> None:
    card = round_card(
        make_round(),
        values={"outcome": "challenge", "shareText": TYPED, "challengeAbout": TYPED},
        errors=details_errors("shareText", "challengeAbout"),
    )
    assert_offered_beneath_the_message(card, "shareText")
    assert_offered_beneath_the_message(card, "challengeAbout")
    assert len(toggles(card)) == 2
    assert_nothing_repeated(card)


def test_my_actions_offers_it_inside_the_form_that_was_sent() -> None:
    owned = make_owned_actions(3)
    aid = owned[1].action.id
    card = my_actions_card(
        owned, values={f"update-{aid}": TYPED}, errors=details_errors(f"update-{aid}")
    )
    assert len(toggles(card)) == 1
    update_forms = [s for s in of_type(card, "Action.ShowCard") if s["title"] == "Add an update"]
    holding = [s for s in update_forms if toggles(s)]
    assert len(holding) == 1 and input_by_id(holding[0], f"update-{aid}")
    assert_offered_beneath_the_message(card, f"update-{aid}")
    assert_nothing_repeated(card)

    for field_id in (f"done-{aid}", f"reason-{aid}"):
        card = my_actions_card(owned, values={field_id: TYPED}, errors=details_errors(field_id))
        assert_offered_beneath_the_message(card, field_id)
        assert len(toggles(card)) == 1


def test_challenge_response_form_opens_with_the_toggle() -> None:
    challenges = make_challenges(3)
    target = challenges[0].id
    field_id = f"response-{target}"
    card = challenges_card(
        challenges,
        locality_name="Scarborough",
        values={field_id: TYPED},
        errors=details_errors(field_id),
    )
    assert_offered_beneath_the_message(card, field_id)
    in_show_cards = [e for s in of_type(card, "Action.ShowCard") for e in walk(s)]
    assert not [e for e in in_show_cards if e.get("type") == "Input.Toggle"], "shown open"
    assert_nothing_repeated(card)


def test_the_banner_does_not_repeat_the_toggle_instruction() -> None:
    meeting = make_meeting()
    errors = details_errors("minuteText")
    card = entry_form_card(
        meeting, meeting.items[1].id, EntryKind.MINUTE, values={"minuteText": TYPED}, errors=errors
    )
    texts = [b["text"] for b in of_type(card, "TextBlock")]
    assert errors[confirmation_field("minuteText")] not in texts
