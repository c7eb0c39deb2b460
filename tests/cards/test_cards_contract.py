"""What every card must be, in every state: valid Adaptive Card 1.5, under Teams' size,
full width, only elements Teams renders, known verbs with Submit fallbacks, unique
input ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from cards_testkit import (
    GROUP_CHOICES,
    LARGE_GROUP,
    RENDERED_BY_TEAMS,
    SIZE_LIMIT,
    card_size,
    card_validator,
    executes,
    inputs,
    make_action_form,
    make_challenges,
    make_large_meeting,
    make_meeting,
    make_owned_actions,
    make_round,
    validate_card,
    walk,
    welcome_views,
)

from bot.domain.model import EntryKind, MeetingStatus, MinutesStatus, RoundStatus
from bot.domain.rules import check_identifying_details, confirmation_field
from cards import (
    action_form_card,
    agenda_card,
    attendance_form_card,
    challenges_card,
    end_form_card,
    entry_form_card,
    my_actions_card,
    round_card,
    setup_card,
    summary_card,
    welcome_card,
)
from cards.verbs import ALL_VERBS

Card = dict[str, Any]

ACTION_ERRORS = {
    "description": "A description is required.",
    "ownerId": "Choose who owns the action.",
    "dueDate": "The due date is in the past; choose 2026-11-03 or later.",
    "subjectKind": "Choose whether this concerns a child, a person or a location.",
    "subjectRef": "Give the child's case reference, for example CR-0001. Never a name.",
    "subjectInitials": "Give the child's initials: one to three letters.",
}
ACTION_VALUES = {
    "description": "Tell school about missing episode",
    "ownerId": "101",
    "dueDate": "2026-01-01",
    "subjectKind": "child",
    "subjectRef": "cr1",
    "subjectInitials": "a b",
}


PHONE_AND_POSTCODE = "Call mum on 07700 900123; she lives near YO11 2AB."


def details_errors(*fields: str) -> dict[str, str]:
    """The errors the domain gives when identifying details are pointed out in fields."""
    errors: dict[str, str] = {}
    for field_id in fields:
        check_identifying_details(errors, field_id, PHONE_AND_POSTCODE, date(2026, 11, 19), {})
    return errors


def _cases() -> dict[str, Callable[[], Card]]:
    small = make_meeting()
    large = make_large_meeting()
    ended = make_meeting(status=MeetingStatus.ENDED, next_meeting=date(2026, 12, 1))
    ended_large = make_large_meeting(current=None, status=MeetingStatus.ENDED)
    item = small.items[1].id
    big_item = large.items[3].id
    cases: dict[str, Callable[[], Card]] = {
        "setup": lambda: setup_card(GROUP_CHOICES),
        "setup-errors": lambda: setup_card(
            GROUP_CHOICES,
            values={"localityId": "1"},
            errors={"localityId": "Choose a group.", "other": "Already linked elsewhere."},
        ),
        "setup-no-choices": lambda: setup_card(()),
        "agenda-small": lambda: agenda_card(small),
        "agenda-first-item": lambda: agenda_card(make_meeting(current=1)),
        "agenda-last-item-agreed-round-open": lambda: agenda_card(
            make_meeting(
                current=9,
                minutes_status=MinutesStatus.AGREED,
                open_round_id=8,
                previous_minutes=False,
                previous_actions=0,
                challenges=0,
                missing_key=False,
            )
        ),
        "agenda-large": lambda: agenda_card(large),
        "agenda-ended": lambda: agenda_card(ended),
        "agenda-ended-large": lambda: agenda_card(ended_large),
        "summary-small": lambda: summary_card(ended),
        "summary-large": lambda: summary_card(ended_large),
        "summary-empty": lambda: summary_card(
            make_meeting(
                status=MeetingStatus.ENDED, decisions=0, actions=0, challenges=0, missing_key=False
            )
        ),
        "round-open": lambda: round_card(make_round()),
        "round-open-errors": lambda: round_card(
            make_round(),
            values={"outcome": "challenge", "shareText": "x"},
            errors={"challengeTo": "Say who the challenge is to."},
        ),
        "round-open-large": lambda: round_card(
            make_round(text_len=4000, answered=14, challenges=20)
        ),
        "round-closed": lambda: round_card(make_round(status=RoundStatus.CLOSED)),
        "round-closed-large": lambda: round_card(
            make_round(status=RoundStatus.CLOSED, text_len=4000, answered=10, challenges=30)
        ),
        "challenges": lambda: challenges_card(make_challenges(3), locality_name="Scarborough"),
        "challenges-errors": lambda: challenges_card(
            make_challenges(3),
            locality_name="Scarborough",
            values={"response-501": "We will review"},
            errors={"resolution-501": "Choose resolved or escalated."},
        ),
        "challenges-large": lambda: challenges_card(
            make_challenges(40, 4000), locality_name="Scarborough"
        ),
        "challenges-empty": lambda: challenges_card((), locality_name="Scarborough"),
        "minute-form": lambda: entry_form_card(small, item, EntryKind.MINUTE),
        "minute-form-errors": lambda: entry_form_card(
            small,
            item,
            EntryKind.MINUTE,
            values={"minuteText": "typed"},
            errors={"minuteText": "Minute is required."},
        ),
        "decision-form-large": lambda: entry_form_card(
            large,
            big_item,
            EntryKind.DECISION,
            values={"decisionText": "d" * 5000},
            errors={"decisionText": "Too long."},
        ),
        "decision-form-ended": lambda: entry_form_card(
            ended, ended.items[0].id, EntryKind.DECISION
        ),
        "action-form": lambda: action_form_card(make_action_form(small), item),
        "action-form-errors-large": lambda: action_form_card(
            make_action_form(large, members=LARGE_GROUP),
            big_item,
            values=ACTION_VALUES,
            errors=ACTION_ERRORS,
        ),
        "minute-form-details": lambda: entry_form_card(
            small,
            item,
            EntryKind.MINUTE,
            values={"minuteText": PHONE_AND_POSTCODE},
            errors=details_errors("minuteText"),
        ),
        "action-form-details-large": lambda: action_form_card(
            make_action_form(large, members=LARGE_GROUP),
            big_item,
            values={**ACTION_VALUES, "description": PHONE_AND_POSTCODE},
            errors={**ACTION_ERRORS, **details_errors("description")},
        ),
        "action-form-details-ticked": lambda: action_form_card(
            make_action_form(small),
            item,
            values={
                **ACTION_VALUES,
                "description": PHONE_AND_POSTCODE,
                confirmation_field("description"): "true",
            },
            errors={"dueDate": "A due date is required."},
        ),
        "round-open-details": lambda: round_card(
            make_round(),
            values={
                "outcome": "challenge",
                "shareText": PHONE_AND_POSTCODE,
                "challengeAbout": PHONE_AND_POSTCODE,
            },
            errors=details_errors("shareText", "challengeAbout"),
        ),
        "challenges-details-large": lambda: challenges_card(
            make_challenges(40, 4000),
            locality_name="Scarborough",
            values={"response-501": PHONE_AND_POSTCODE, "resolution-501": "resolved"},
            errors=details_errors("response-501"),
        ),
        "my-actions": lambda: my_actions_card(make_owned_actions(4), note="Update saved."),
        "my-actions-empty": lambda: my_actions_card(()),
        "my-actions-large": lambda: my_actions_card(make_owned_actions(30, 1000)),
        "my-actions-update-details-large": lambda: my_actions_card(
            make_owned_actions(30, 1000),
            values={"update-2": PHONE_AND_POSTCODE},
            errors=details_errors("update-2"),
        ),
        "my-actions-done-details": lambda: my_actions_card(
            make_owned_actions(4),
            values={"done-3": PHONE_AND_POSTCODE},
            errors=details_errors("done-3"),
        ),
        "my-actions-reason-details": lambda: my_actions_card(
            make_owned_actions(4),
            values={"newDate-1": "2026-12-24", "reason-1": PHONE_AND_POSTCODE},
            errors=details_errors("reason-1"),
        ),
        "attendance-form": lambda: attendance_form_card(small),
        "attendance-form-errors": lambda: attendance_form_card(
            large,
            values={"agencyId": "3", "people": "J. Smith"},
            errors={"attendanceStatus": "Choose present, apologies or substitute."},
        ),
        "end-form": lambda: end_form_card(small),
        "end-form-errors": lambda: end_form_card(
            large,
            values={"nextMeetingDate": "2026-11-03"},
            errors={"nextMeetingDate": "The next meeting must be after today."},
        ),
    }
    for name, view in welcome_views().items():
        cases[f"welcome-{name}"] = lambda view=view: welcome_card(view)
    return cases


CASES = _cases()


@pytest.fixture(params=sorted(CASES))
def card(request: pytest.FixtureRequest) -> Card:
    return CASES[request.param]()


def test_schema_is_present_and_draft_06() -> None:
    assert card_validator().schema["$schema"].endswith("draft-06/schema#")


def test_the_schema_check_is_not_vacuous() -> None:
    bad = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "x", "colour": "red"}],
    }
    with pytest.raises(AssertionError, match="schema"):
        validate_card(bad)
    unknown = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Marquee"}]}
    with pytest.raises(AssertionError, match="schema"):
        validate_card(unknown)


def test_card_validates_against_adaptive_card_1_5(card: Card) -> None:
    validate_card(card)


def test_card_is_1_5_full_width_without_refresh(card: Card) -> None:
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["msteams"] == {"width": "Full"}
    assert "refresh" not in card


def test_card_is_under_teams_size_limit(card: Card) -> None:
    assert card_size(card) < SIZE_LIMIT


def test_card_uses_only_elements_teams_renders(card: Card) -> None:
    kinds = {e["type"] for e in walk(card) if "type" in e}
    assert kinds <= RENDERED_BY_TEAMS, kinds - RENDERED_BY_TEAMS


def test_every_button_is_execute_with_matching_submit_fallback(card: Card) -> None:
    for action in executes(card):
        assert action["verb"] in ALL_VERBS
        assert action["data"]["verb"] == action["verb"]
        fallback = action["fallback"]
        assert fallback["type"] == "Action.Submit"
        assert fallback["title"] == action["title"]
        assert fallback["data"] == action["data"]
        assert fallback.get("associatedInputs") == action.get("associatedInputs")
    submits = [e for e in walk(card) if e.get("type") == "Action.Submit"]
    assert len(submits) == len(executes(card)), "every Submit is an Execute's fallback"


def test_input_ids_are_unique_within_a_card(card: Card) -> None:
    ids = [e["id"] for e in inputs(card)]
    assert len(ids) == len(set(ids)), ids


def test_data_never_shadows_an_input(card: Card) -> None:
    """Submit merges data with inputs: a data key named like an input would clash."""
    ids = {e["id"] for e in inputs(card)}
    for action in executes(card):
        assert not ids & set(action["data"]), action["title"]


@pytest.mark.parametrize("name", [n for n in CASES if n.endswith("large")])
def test_large_cards_report_their_size(name: str) -> None:
    """The big cases stay well inside the limit, with room for growth."""
    assert card_size(CASES[name]()) < SIZE_LIMIT * 0.9, name


def test_cards_never_import_the_chat_sdk() -> None:
    """Cards stay pure so a move off the archived Bot Framework SDK leaves them alone."""
    import ast
    from pathlib import Path

    import cards

    package = Path(cards.__file__).parent
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(
                    ("botbuilder", "botframework", "microsoft_agents", "sqlalchemy", "aiohttp")
                ), f"{source.name}: {name}"


def test_builders_are_deterministic() -> None:
    for name, build in CASES.items():
        assert build() == build(), name
