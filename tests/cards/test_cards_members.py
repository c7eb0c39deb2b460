"""The administrator's members card: valid Adaptive Card 1.5 in every state, a remove
button per role, the grant form with errors beside its fields and entries kept."""

from __future__ import annotations

from typing import Any

import pytest
from cards_testkit import (
    RENDERED_BY_TEAMS,
    SIZE_LIMIT,
    card_size,
    dumps,
    element_after,
    executes,
    input_by_id,
    inputs,
    validate_card,
    walk,
)

from bot.domain.members import CodeChoice, MemberRoles, MembersView, RoleHeld
from bot.domain.model import Role
from cards.members import MAX_MEMBERS_SHOWN, members_card
from cards.verbs import MEMBERS_ADD, MEMBERS_REMOVE, MEMBERS_SHOW

LOCALITIES = (CodeChoice("ryedale", "Ryedale"), CodeChoice("scarborough", "Scarborough"))
AGENCIES = (CodeChoice("police", "Police"), CodeChoice("health", "Health"))


def make_view(count: int = 2) -> MembersView:
    members = tuple(
        MemberRoles(
            100 + n,
            f"Member {n:03d}",
            "Police" if n % 2 else "Health",
            f"member.{n}@example.org" if n % 3 else "",
            (RoleHeld(500 + 2 * n, Role.CHAIR), RoleHeld(501 + 2 * n, Role.COORDINATOR))
            if n == 0
            else (RoleHeld(500 + 2 * n, Role.PARTNER),),
        )
        for n in range(count)
    )
    return MembersView(LOCALITIES[1], members, LOCALITIES, AGENCIES)


ERRORS = {
    "member": "That is not a valid email address.",
    "role": "Choose a role: one of chair, deputy_chair.",
    "agency": "Choose the new member's agency.",
}
VALUES = {"member": "typed@", "locality": "ryedale", "name": "Typed Name", "aad": "abc-1"}

CASES = {
    "small": lambda: members_card(make_view()),
    "empty": lambda: members_card(make_view(0)),
    "note": lambda: members_card(make_view(), note="Member 001 is now Chair in Scarborough."),
    "errors": lambda: members_card(make_view(), values=VALUES, errors=ERRORS),
    "large": lambda: members_card(make_view(300), values=VALUES, errors=ERRORS),
}


@pytest.fixture(params=sorted(CASES))
def card(request: pytest.FixtureRequest) -> dict[str, Any]:
    return CASES[request.param]()


def test_card_is_valid_1_5_and_within_teams_limits(card: dict[str, Any]) -> None:
    validate_card(card)
    assert card["version"] == "1.5" and card["msteams"] == {"width": "Full"}
    assert card_size(card) < SIZE_LIMIT * 0.9
    assert {e["type"] for e in walk(card) if "type" in e} <= RENDERED_BY_TEAMS
    ids = [e["id"] for e in inputs(card)]
    assert len(ids) == len(set(ids))
    for action in executes(card):
        assert action["fallback"]["type"] == "Action.Submit"
        assert action["fallback"]["data"] == action["data"]
        assert action["data"]["verb"] == action["verb"]
        assert not set(ids) & (set(action["data"]) - {"verb"})


def test_each_role_has_its_own_remove_button_that_sends_no_inputs() -> None:
    card = members_card(make_view())
    removes = [a for a in executes(card) if a["verb"] == MEMBERS_REMOVE]
    assert [(a["title"], a["data"]["membershipId"]) for a in removes] == [
        ("Remove: Chair", 500),
        ("Remove: Coordinator", 501),
        ("Remove: Partner member", 502),
    ]
    assert all(a["associatedInputs"] == "none" and a["style"] == "destructive" for a in removes)
    text = dumps(card)
    assert "Members and roles: Scarborough" in text
    assert "member.1@example.org" in text
    assert {a["verb"] for a in executes(card)} == {MEMBERS_SHOW, MEMBERS_ADD, MEMBERS_REMOVE}


def test_the_form_offers_groups_roles_and_agencies_and_defaults_to_the_group_shown() -> None:
    card = members_card(make_view())
    assert input_by_id(card, "showLocality")["value"] == "scarborough"
    assert input_by_id(card, "locality")["value"] == "scarborough"
    assert [c["value"] for c in input_by_id(card, "role")["choices"]] == [r.value for r in Role]
    assert [c["value"] for c in input_by_id(card, "agency")["choices"]] == ["police", "health"]
    # No field is client-required: the Show button sends the form too, and must not be
    # blocked by it; the service checks every field.
    assert not any(e.get("isRequired") for e in inputs(card))


def test_errors_sit_beside_their_fields_and_entries_are_kept() -> None:
    card = members_card(make_view(), values=VALUES, errors=ERRORS)
    for field, message in ERRORS.items():
        after = element_after(card, field)
        assert after is not None and after["text"] == message and after["color"] == "attention"
    assert input_by_id(card, "member")["value"] == "typed@"
    assert input_by_id(card, "locality")["value"] == "ryedale"
    assert input_by_id(card, "name")["value"] == "Typed Name"
    assert input_by_id(card, "aad")["value"] == "abc-1"
    assert "need another look" in card["body"][0]["text"]


def test_a_long_list_is_cut_with_a_pointer_to_the_rest() -> None:
    card = members_card(make_view(MAX_MEMBERS_SHOWN + 5))
    removes = [a for a in executes(card) if a["verb"] == MEMBERS_REMOVE]
    assert len(removes) == MAX_MEMBERS_SHOWN + 1  # the first member holds two roles
    assert "… and 5 more" in dumps(card)
    assert "mace-bot members list scarborough" in dumps(card)


def test_names_are_shown_as_typed_not_as_markdown() -> None:
    view = make_view(1)
    odd = MembersView(
        view.locality,
        (MemberRoles(1, "**[Click](https://example.org)**", "Police", "", view.members[0].roles),),
        view.localities,
        view.agencies,
    )
    card = members_card(odd)
    runs = [e for e in walk(card) if e.get("type") == "TextRun"]
    assert any(r["text"] == "**[Click](https://example.org)**" for r in runs)
    blocks = [e["text"] for e in walk(card) if e.get("type") == "TextBlock"]
    assert not any("Click" in text for text in blocks)
