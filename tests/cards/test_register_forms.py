"""The register's forms (cards.register_forms): valid Adaptive Cards 1.5, entries kept and
errors beneath their fields when handed back, the nudge's confirmation beside free text,
and a confirmation that names no person of concern in a group's conversation and never
carries a reason."""

from __future__ import annotations

from typing import Any

import pytest
from cards_testkit import (
    dumps,
    element_after,
    execute_titled,
    input_by_id,
    of_type,
    validate_card,
    verbs,
)

from bot.domain.model import SubjectKind
from bot.domain.register import may_link
from bot.domain.rules import confirmation_field
from cards import elements
from cards import register_forms as rf
from cards import verbs as v
from tests.cards.register_testkit import (
    make_add_choices,
    make_link_saved,
    make_saved,
    make_subject_edit,
)

FORMS = {
    "risk": (rf.risk_form_card, v.SUBJECT_RISK, "riskReason"),
    "status": (rf.status_form_card, v.SUBJECT_STATUS, "statusReason"),
    "details": (rf.details_form_card, v.SUBJECT_DETAILS, None),
    "checks": (rf.checks_form_card, v.SUBJECT_CHECKS, "nrmOutcome"),
    "link": (rf.link_form_card, v.SUBJECT_LINK, "linkReason"),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_form_is_valid_and_sends_the_subject_and_meeting(form: str) -> None:
    draw, verb, _ = FORMS[form]
    card = draw(make_subject_edit())
    validate_card(card)
    (submit,) = [a for a in of_type(card, "Action.Execute") if a["verb"] == verb]
    assert submit["data"] == {"verb": verb, "subjectId": 7, "meetingId": 12}
    outside = draw(make_subject_edit(meeting_id=None))
    (submit,) = [a for a in of_type(outside, "Action.Execute") if a["verb"] == verb]
    assert "meetingId" not in submit["data"]


@pytest.mark.parametrize("form", sorted(f for f in FORMS if FORMS[f][2]))
def test_a_form_handed_back_keeps_entries_and_puts_the_nudge_beside_the_field(form: str) -> None:
    draw, _, reason = FORMS[form]
    assert reason is not None
    typed = "Rang 07700 900123."
    errors = {
        reason: "It looks like a phone number. Edit it out or confirm.",
        confirmation_field(reason): "Tick to keep.",
    }
    card = draw(make_subject_edit(), values={reason: typed}, errors=errors)
    validate_card(card)
    assert input_by_id(card, reason)["value"] == typed
    beneath = element_after(card, reason)
    assert beneath is not None and beneath["text"] == errors[reason]
    assert input_by_id(card, confirmation_field(reason))["type"] == "Input.Toggle"
    assert card["body"][0]["text"] == elements.GENERAL_ERROR.join(["**", "**"])


def test_the_risk_form_keeps_the_level_chosen_with_an_error_beside_it() -> None:
    card = rf.risk_form_card(
        make_subject_edit(),
        values={"riskLevel": "medium", "riskReason": "Same as before"},
        errors={"riskLevel": "The risk is already medium: choose another level."},
    )
    assert input_by_id(card, "riskLevel")["value"] == "medium"
    assert element_after(card, "riskLevel")["text"].startswith("The risk is already medium")  # type: ignore[index]
    assert input_by_id(card, "riskReason")["value"] == "Same as before"


def test_the_details_form_offers_strands_as_a_multi_select_from_reference_data() -> None:
    card = rf.details_form_card(make_subject_edit())
    strands = input_by_id(card, "strands")
    assert strands["isMultiSelect"] is True
    assert strands["value"] == "cce,missing"
    assert [c["value"] for c in strands["choices"]][:2] == ["cse", "cce"]
    assert input_by_id(card, "leadAgency")["value"] == "police"
    again = rf.details_form_card(
        make_subject_edit(), values={"strands": ""}, errors={"strands": "Choose at least one."}
    )
    assert "value" not in input_by_id(again, "strands")
    assert element_after(again, "strands")["text"] == "Choose at least one."  # type: ignore[index]


def test_the_checks_form_shows_what_is_recorded_and_what_is_missing() -> None:
    card = rf.checks_form_card(make_subject_edit())
    assert input_by_id(card, "missingEpisode")["value"] == "yes"
    assert input_by_id(card, "voiceRecorded")["value"] == "no"
    assert input_by_id(card, "parentsInvolved")["value"] == "not_recorded"
    assert "Return home interview after the missing episode" in dumps(card)
    kept = rf.checks_form_card(
        make_subject_edit(),
        values={"riskToolOn": "2027-01-01", "voiceRecorded": "yes"},
        errors={"riskToolOn": "That date is still to come."},
    )
    assert input_by_id(kept, "riskToolOn")["value"] == "2027-01-01"
    assert input_by_id(kept, "voiceRecorded")["value"] == "yes"


def test_the_link_form_offers_only_the_kinds_allowed_and_a_way_to_remove_each_link() -> None:
    view = make_subject_edit()
    card = rf.link_form_card(view)
    kinds = [c["value"] for c in input_by_id(card, "subjectKind")["choices"]]
    assert kinds == [k.value for k in SubjectKind if may_link(SubjectKind.CHILD, k)]
    assert "child" not in kinds
    removes = [a for a in of_type(card, "Action.Execute") if a["verb"] == v.SUBJECT_UNLINK]
    assert [a["data"]["linkId"] for a in removes] == [31, 32]
    assert input_by_id(card, "unlinkReason-31")["isRequired"] is True
    assert "Takeaway on Eastborough" in dumps(card)


def test_the_link_form_asks_to_add_a_subject_not_yet_in_the_register() -> None:
    card = rf.link_form_card(
        make_subject_edit(),
        values={"subjectKind": "location", "subjectRef": "Skate park"},
        errors={
            "subjectRef": "That is not in this group's register yet.",
            "addToRegister": "Tick to add it.",
        },
    )
    validate_card(card)
    toggle = input_by_id(card, "addToRegister")
    assert toggle["title"] == rf.ADD_OTHER_TITLE
    assert element_after(card, "addToRegister")["text"] == "Tick to add it."  # type: ignore[index]
    assert input_by_id(card, "subjectRef")["value"] == "Skate park"


def test_the_add_form_lists_the_groups_and_keeps_entries() -> None:
    card = rf.add_form_card(make_add_choices())
    validate_card(card)
    assert [c["title"] for c in input_by_id(card, "localityId")["choices"]] == [
        "Ryedale",
        "Scarborough",
    ]
    assert verbs(card) == {v.SUBJECT_ADD}
    kept = rf.add_form_card(
        make_add_choices(),
        values={"localityId": "2", "subjectKind": "child", "subjectRef": "CR-12"},
        errors={"subjectRef": "Give the child's case reference, for example CR-0001."},
    )
    validate_card(kept)
    assert input_by_id(kept, "localityId")["value"] == "2"
    assert input_by_id(kept, "subjectRef")["value"] == "CR-12"
    assert element_after(kept, "subjectRef")["text"].startswith("Give the child")  # type: ignore[index]


@pytest.mark.parametrize("in_group", [False, True])
def test_the_confirmation_is_coded_and_hides_a_person_of_concern_in_a_group(
    in_group: bool,
) -> None:
    card = rf.saved_card(make_link_saved(), in_group=in_group)
    validate_card(card)
    text = dumps(card)
    assert "CR-0107 (J.S.)" in text
    assert ("NYP-2026-0411" in text) is not in_group
    assert (rf.RESTRICTED_PERSON in text) is in_group
    person = rf.saved_card(make_saved(SubjectKind.PERSON), in_group=in_group)
    assert ("NYP-2026-0411" in dumps(person)) is not in_group
    assert "Risk now high (was medium)." in dumps(person)


def test_show_subject_appears_once_the_read_side_routes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if v.SUBJECT_SHOW not in v.ALL_VERBS:
        assert not of_type(rf.saved_card(make_saved(), in_group=False), "Action.Execute")
        known = (*v.ALL_VERBS, v.SUBJECT_SHOW)
        monkeypatch.setattr(rf, "ALL_VERBS", known)
        monkeypatch.setattr(elements, "_KNOWN_VERBS", frozenset(known))
    card: dict[str, Any] = rf.saved_card(make_saved(), in_group=True)
    button = execute_titled(card, "Show subject")
    assert button["data"] == {"verb": v.SUBJECT_SHOW, "subjectId": 7, "meetingId": 12}
    assert button["associatedInputs"] == "none"


def test_a_label_with_identifying_details_can_be_confirmed_on_the_link_form() -> None:
    errors = {
        "subjectRef": "It looks like a phone number.",
        confirmation_field("subjectRef"): "Tick to keep.",
    }
    card = rf.link_form_card(
        make_subject_edit(), values={"subjectRef": "Flat above 07700 900123"}, errors=errors
    )
    validate_card(card)
    assert input_by_id(card, confirmation_field("subjectRef"))["type"] == "Input.Toggle"
