"""Forms handed back keep what was typed and put each error directly beneath its field;
the agenda's ShowCards and the standalone forms are the same form bodies."""

from __future__ import annotations

from typing import Any

import pytest
from cards_testkit import (
    ACTION_SENTINEL,
    GROUP_CHOICES,
    element_after,
    execute_titled,
    executes,
    input_by_id,
    make_action_form,
    make_challenges,
    make_meeting,
    make_round,
    of_type,
    show_card_titled,
    verbs,
)

from bot.domain.model import EntryKind, MeetingStatus
from bot.domain.views import MeetingView
from cards import (
    action_form_card,
    agenda_card,
    attendance_form_card,
    challenges_card,
    end_form_card,
    entry_form_card,
    round_card,
    setup_card,
)
from cards.elements import GENERAL_ERROR
from cards.verbs import (
    ATTENDANCE_RECORD,
    ATTENDANCE_SELF,
    CHALLENGE_RESPOND,
    ITEM_ACTION,
    ITEM_ACTION_FORM,
    ITEM_DECISION,
    ITEM_MINUTE,
    MEETING_END,
    MEETING_REFRESH,
    ROUND_ANSWER,
    SETUP_LINK,
)

Card = dict[str, Any]


def assert_error_beneath(card: Card, field_id: str, message: str) -> None:
    after = element_after(card, field_id)
    assert after is not None, f"nothing beneath {field_id}"
    assert after["type"] == "TextBlock"
    assert after["color"] == "attention"
    assert after["text"] == message


def assert_no_error_beneath(card: Card, field_id: str) -> None:
    after = element_after(card, field_id)
    assert after is None or after.get("color") != "attention", field_id


def assert_banner_first(card: Card) -> None:
    first = card["body"][0]
    assert first["type"] == "TextBlock" and first["color"] == "attention"
    assert GENERAL_ERROR in first["text"]


def test_entry_form_keeps_text_and_shows_error_beneath(meeting: MeetingView) -> None:
    item = meeting.items[3]
    card = entry_form_card(
        meeting,
        item.id,
        EntryKind.DECISION,
        values={"decisionText": "Refer CR-0001 to the Operational group"},
        errors={"decisionText": "Decision is too long."},
    )
    assert input_by_id(card, "decisionText")["value"] == "Refer CR-0001 to the Operational group"
    assert_error_beneath(card, "decisionText", "Decision is too long.")
    assert_banner_first(card)
    submit = execute_titled(card, "Record decision")
    assert submit["verb"] == ITEM_DECISION
    assert submit["data"] == {"verb": ITEM_DECISION, "meetingId": meeting.id, "itemId": item.id}
    back = execute_titled(card, "Back to agenda")
    assert back["verb"] == MEETING_REFRESH and back["data"]["meetingId"] == meeting.id
    assert back["associatedInputs"] == "none"
    text = str(card)
    assert "MACE Scarborough locality meeting" in text
    assert f"Item {item.position}: {item.title}" in text


def test_minute_form_uses_minute_field_and_verb(meeting: MeetingView) -> None:
    card = entry_form_card(
        meeting, meeting.items[1].id, EntryKind.MINUTE, values={"minuteText": "typed"}, errors={}
    )
    assert input_by_id(card, "minuteText")["isMultiline"] is True
    assert input_by_id(card, "minuteText")["value"] == "typed"
    assert verbs(card) == {ITEM_MINUTE, MEETING_REFRESH}
    assert GENERAL_ERROR not in str(card)


def test_unknown_item_is_a_programming_error(meeting: MeetingView) -> None:
    with pytest.raises(ValueError, match="not on the agenda"):
        entry_form_card(meeting, 99_999, EntryKind.MINUTE)


def test_action_form_keeps_every_entry_and_places_every_error(meeting: MeetingView) -> None:
    values = {
        "description": "Tell school about missing episode",
        "ownerId": "103",
        "dueDate": "2026-11-30",
        "subjectKind": "child",
        "subjectRef": "cr1",
        "subjectInitials": "a b",
    }
    errors = {
        "ownerId": "Choose who owns the action.",
        "subjectRef": "Give the child's case reference, for example CR-0001.",
        "subjectInitials": "Give the child's initials: one to three letters.",
    }
    form = make_action_form(meeting)
    card = action_form_card(form, meeting.items[3].id, values=values, errors=errors)
    for field_id, value in values.items():
        assert input_by_id(card, field_id)["value"] == value
    for field_id, message in errors.items():
        assert_error_beneath(card, field_id, message)
    for field_id in ("description", "dueDate", "subjectKind"):
        assert_no_error_beneath(card, field_id)
    assert_banner_first(card)
    owners = input_by_id(card, "ownerId")["choices"]
    assert owners[0] == {"title": "Alex Ashdown (Education)", "value": "100"}
    assert len(owners) == len(form.owners)
    kinds = [c["value"] for c in input_by_id(card, "subjectKind")["choices"]]
    assert kinds == ["none", "child", "person", "location", "group", "theme"]
    assert input_by_id(card, "dueDate")["type"] == "Input.Date"
    assert execute_titled(card, "Record action")["data"]["itemId"] == meeting.items[3].id


def test_a_date_that_is_not_a_date_is_not_prefilled(meeting: MeetingView) -> None:
    card = action_form_card(
        make_action_form(meeting),
        meeting.items[3].id,
        values={"dueDate": "31/12/2026"},
        errors={"dueDate": "Give the due date as a date."},
    )
    assert "value" not in input_by_id(card, "dueDate")
    assert_error_beneath(card, "dueDate", "Give the due date as a date.")


def test_attendance_form(meeting: MeetingView) -> None:
    card = attendance_form_card(
        meeting,
        values={"agencyId": "3", "people": "J. Smith (DS)"},
        errors={"attendanceStatus": "Choose one."},
    )
    assert input_by_id(card, "agencyId")["value"] == "3"
    assert input_by_id(card, "people")["value"] == "J. Smith (DS)"
    status = input_by_id(card, "attendanceStatus")
    assert [c["value"] for c in status["choices"]] == ["present", "apologies", "substitute"]
    assert status["style"] == "expanded"
    assert_error_beneath(card, "attendanceStatus", "Choose one.")
    assert verbs(card) == {ATTENDANCE_SELF, ATTENDANCE_RECORD, MEETING_REFRESH}
    assert execute_titled(card, "I'm here")["associatedInputs"] == "none"


def test_end_form_prefills_next_date(meeting: MeetingView) -> None:
    card = end_form_card(
        meeting,
        values={"nextMeetingDate": "2026-11-03"},
        errors={"nextMeetingDate": "The next meeting must be after today."},
    )
    assert input_by_id(card, "nextMeetingDate")["value"] == "2026-11-03"
    assert_error_beneath(card, "nextMeetingDate", "The next meeting must be after today.")
    assert execute_titled(card, "End meeting")["verb"] == MEETING_END


def test_errors_without_a_field_are_spelled_out_in_the_banner(meeting: MeetingView) -> None:
    card = end_form_card(meeting, errors={"meeting": "The meeting has moved on."})
    assert card["body"][1]["text"] == "The meeting has moved on."


def test_form_on_an_ended_meeting_offers_only_the_way_back() -> None:
    ended = make_meeting(status=MeetingStatus.ENDED)
    card = entry_form_card(ended, ended.items[0].id, EntryKind.MINUTE)
    assert verbs(card) == {MEETING_REFRESH}
    assert "has ended" in str(card)


def test_setup_errors_and_values(meeting: MeetingView) -> None:
    card = setup_card(
        GROUP_CHOICES, values={"localityId": "1"}, errors={"localityId": "Choose a locality group."}
    )
    assert input_by_id(card, "localityId")["value"] == "1"
    assert_error_beneath(card, "localityId", "Choose a locality group.")
    assert_banner_first(card)
    assert verbs(card) == {SETUP_LINK}


def test_round_answer_errors_and_values() -> None:
    values = {
        "outcome": "challenge",
        "shareText": "We disagree with closing CR-0001",
        "challengeTo": "4",
        "challengeAbout": "Closure of CR-0001",
    }
    card = round_card(
        make_round(), values=values, errors={"challengeAbout": "Say what the challenge is about."}
    )
    for field_id, value in values.items():
        assert input_by_id(card, field_id)["value"] == value
    assert_error_beneath(card, "challengeAbout", "Say what the challenge is about.")
    assert_banner_first(card)
    assert execute_titled(card, "Send answer")["verb"] == ROUND_ANSWER


def test_challenge_with_errors_shows_its_form_open_with_entries() -> None:
    challenges = make_challenges(3)
    target = challenges[1]
    card = challenges_card(
        challenges,
        locality_name="Scarborough",
        values={f"response-{target.id}": "We will review the plan"},
        errors={f"resolution-{target.id}": "Choose resolved or escalated."},
    )
    assert_banner_first(card)
    response = input_by_id(card, f"response-{target.id}")
    assert response["value"] == "We will review the plan"
    assert_error_beneath(card, f"resolution-{target.id}", "Choose resolved or escalated.")
    # Open on the card, not behind a button; the others stay behind their buttons.
    in_show_cards = [a["card"] for a in of_type(card, "Action.ShowCard")]
    assert response not in [e for c in in_show_cards for e in c["body"]]
    assert len(in_show_cards) == len(challenges) - 1
    respond = [
        a
        for a in executes(card)
        if a["verb"] == CHALLENGE_RESPOND and a["data"]["challengeId"] == target.id
    ]
    assert len(respond) == 1


@pytest.mark.parametrize(
    ("path", "build"),
    [
        (("Record", "Minute"), lambda v: entry_form_card(v, v.current_item.id, EntryKind.MINUTE)),
        (
            ("Record", "Decision"),
            lambda v: entry_form_card(v, v.current_item.id, EntryKind.DECISION),
        ),
        (("Attendance",), lambda v: attendance_form_card(v)),
        (("End meeting",), lambda v: end_form_card(v)),
    ],
)
def test_agenda_show_cards_are_the_standalone_form_bodies(
    meeting: MeetingView, path: Any, build: Any
) -> None:
    """One builder per form: the ShowCard body appears unchanged in the form card."""
    node: Card = agenda_card(meeting)
    for title in path:
        node = show_card_titled(node, title)["card"]
    standalone = build(meeting)
    body, actions = node["body"], node["actions"]
    start = next(i for i, e in enumerate(standalone["body"]) if e == body[0])
    assert standalone["body"][start : start + len(body)] == body
    assert actions[0] == standalone["actions"][0]


def test_record_forms_are_for_the_current_item(meeting: MeetingView) -> None:
    record = show_card_titled(agenda_card(meeting), "Record")["card"]
    found = {a["verb"]: a["data"] for a in executes(record)}
    current = meeting.current_item
    assert current is not None
    for verb in (ITEM_MINUTE, ITEM_DECISION, ITEM_ACTION_FORM):
        assert found[verb] == {"verb": verb, "meetingId": meeting.id, "itemId": current.id}
    assert ITEM_ACTION not in found  # recorded from the action form's own card
    assert ACTION_SENTINEL not in str(record)
