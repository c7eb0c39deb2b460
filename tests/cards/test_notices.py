"""Cards the bot sends on its own: valid Adaptive Card 1.5, small, with known verbs, and
with no way to carry case details (the views have no field for them)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from cards_testkit import (
    ACTION_SENTINEL,
    DECISION_SENTINEL,
    MINUTE_SENTINEL,
    RENDERED_BY_TEAMS,
    SIZE_LIMIT,
    card_size,
    executes,
    walk,
)

from cards.notices import (
    MAX_DIGEST_ITEMS,
    DateDecidedNotice,
    EscalationItem,
    GrantLine,
    ReminderItem,
    RolesGrantedNotice,
    UnreachableNotice,
    date_decided_card,
    escalation_digest_card,
    reminder_digest_card,
    roles_granted_card,
    unreachable_notice_card,
    when_due,
)
from cards.verbs import ACTION_SHOW, ACTIONS_MINE, ALL_VERBS, OUTSTANDING_PAGE
from tests.support.card_schema import validate_card

DUE = date(2026, 11, 23)

REMINDERS = [
    ReminderItem(12, "Scarborough", DUE, 3),
    ReminderItem(14, "Ryedale", date(2026, 11, 19), 0),
    ReminderItem(9, "Scarborough", date(2026, 11, 12), -5),
]
ESCALATIONS = [
    EscalationItem(9, "Scarborough", "Priya Shah", "North Yorkshire Police", DUE, 4, "overdue"),
    EscalationItem(
        21, "Ryedale", "Dana Reeves", "Health (CAMHS)", date(2026, 12, 3), 0, "unreachable"
    ),
    EscalationItem(22, "Ryedale", "Chris Lowe", "Education", date(2026, 11, 2), 7, "unreachable"),
]
BLOCKED = UnreachableNotice("Priya Shah", "North Yorkshire Police", ("Scarborough", "Ryedale"))
NO_CONTACT = UnreachableNotice("Jo Marsh", "Youth Justice Service", ("Scarborough",), "no_contact")
ACCEPTED = DateDecidedNotice(12, "Scarborough", True, date(2026, 12, 10), date(2026, 12, 10))
REFUSED = DateDecidedNotice(12, "Scarborough", False, DUE, date(2026, 12, 10))
GRANTED = RolesGrantedNotice(
    "Selby", (GrantLine("Priya Shah", "North Yorkshire Police", "Chair"),), "Alex Wilber"
)


def every_card() -> list[tuple[str, dict[str, Any]]]:
    many = [ReminderItem(n, "Scarborough", DUE, 2 - n % 7) for n in range(1, 400)]
    many_escalations = [
        EscalationItem(n, "Harrogate", "N" * 500, "A" * 500, DUE, n, "overdue")
        for n in range(1, 400)
    ]
    return [
        ("reminders", reminder_digest_card(REMINDERS)),
        ("one reminder", reminder_digest_card(REMINDERS[:1])),
        ("many reminders", reminder_digest_card(many)),
        ("escalations", escalation_digest_card(ESCALATIONS)),
        ("many escalations", escalation_digest_card(many_escalations)),
        ("blocked", unreachable_notice_card(BLOCKED)),
        ("no contact", unreachable_notice_card(NO_CONTACT)),
        ("no localities", unreachable_notice_card(UnreachableNotice("X", "Y", ()))),
        ("accepted", date_decided_card(ACCEPTED)),
        ("refused", date_decided_card(REFUSED)),
        (
            "refused, date unknown",
            date_decided_card(DateDecidedNotice(12, "Scarborough", False, DUE)),
        ),
        ("role granted", roles_granted_card(GRANTED)),
        (
            "roles imported",
            roles_granted_card(
                RolesGrantedNotice(
                    "Selby",
                    tuple(GrantLine("N" * 500, "A" * 500, "Partner member") for _ in range(25)),
                    None,
                    more=300,
                )
            ),
        ),
    ]


CARDS = every_card()


@pytest.mark.parametrize(("name", "card"), CARDS, ids=[name for name, _ in CARDS])
def test_every_notice_is_a_valid_small_card_teams_renders(name: str, card: dict[str, Any]) -> None:
    validate_card(card)
    assert card["version"] == "1.5"
    assert card_size(card) < SIZE_LIMIT
    assert {e["type"] for e in walk(card) if "type" in e} <= RENDERED_BY_TEAMS
    for button in executes(card):
        assert button["verb"] in ALL_VERBS
        assert button["fallback"]["type"] == "Action.Submit"
        assert button["fallback"]["data"]["verb"] == button["verb"]


def text_of(card: dict[str, Any]) -> str:
    return " ".join(
        str(e.get("text", "")) for e in walk(card) if e.get("type") in {"TextBlock", "TextRun"}
    )


def test_the_reminder_digest_names_each_action_by_reference_group_and_dates() -> None:
    card = reminder_digest_card(REMINDERS)
    text = text_of(card)
    assert "3 actions of yours need attention, 1 of them overdue" in text
    for line in (
        "A-12",
        "Scarborough group",
        "due in 3 working days",
        "A-14",
        "Ryedale group",
        "due today",
        "A-9",
        "overdue by 5 working days",
        "Due Mon 23 Nov 2026",
    ):
        assert line in text
    # Most overdue first.
    assert text.index("A-9") < text.index("A-14") < text.index("A-12")
    *opens, button = executes(card)
    assert (button["title"], button["verb"]) == ("Open my actions", ACTIONS_MINE)
    # A button per action, opening its card (by id only): issue 16, point 5.
    assert [(b["title"], b["verb"], b["data"]["actionId"]) for b in opens] == [
        ("Open A-9", ACTION_SHOW, 9),
        ("Open A-14", ACTION_SHOW, 14),
        ("Open A-12", ACTION_SHOW, 12),
    ]


def test_a_long_digest_is_cut_with_a_pointer_to_the_rest() -> None:
    items = [ReminderItem(n, "Selby", DUE, 1) for n in range(1, MAX_DIGEST_ITEMS + 11)]
    text = text_of(reminder_digest_card(items))
    assert f"A-{MAX_DIGEST_ITEMS}" in text
    assert f"A-{MAX_DIGEST_ITEMS + 1} " not in text
    assert "and 10 more" in text


def test_when_due_wording() -> None:
    assert when_due(1) == "due in 1 working day"
    assert when_due(2) == "due in 2 working days"
    assert when_due(0) == "due today"
    assert when_due(-1) == "overdue by 1 working day"


def test_the_escalation_digest_says_who_and_why_and_links_to_overdue_actions() -> None:
    card = escalation_digest_card(ESCALATIONS)
    text = text_of(card)
    assert "3 actions escalated to you" in text
    assert "Priya Shah (North Yorkshire Police)" in text
    assert "overdue by 4 working days" in text
    assert "owner cannot be reached by the bot" in text
    assert "Also overdue by 7 working days." in text
    assert text.index("A-22") < text.index("A-9") < text.index("A-21")
    *opens, button = executes(card)
    assert [(b["verb"], b["data"]["actionId"]) for b in opens] == [
        (ACTION_SHOW, 22),
        (ACTION_SHOW, 9),
        (ACTION_SHOW, 21),
    ]
    assert button["verb"] == OUTSTANDING_PAGE
    assert button["data"] == {"verb": OUTSTANDING_PAGE, "overdue": "yes", "page": 1}


def test_the_unreachable_notice_names_the_person_agency_and_groups() -> None:
    text = text_of(unreachable_notice_card(BLOCKED))
    assert "Priya Shah (North Yorkshire Police)" in text
    assert "Scarborough and Ryedale groups" in text
    assert "blocked or removed" in text
    other = text_of(unreachable_notice_card(NO_CONTACT))
    assert "Jo Marsh (Youth Justice Service)" in other
    assert "Scarborough group" in other
    assert "have not used the MACE bot" in other


def test_the_date_decision_tells_the_owner_the_date_in_force() -> None:
    accepted = text_of(date_decided_card(ACCEPTED))
    assert "accepted" in accepted and "A-12 (Scarborough group)" in accepted
    assert "Thu 10 Dec 2026" in accepted
    refused = text_of(date_decided_card(REFUSED))
    assert "refused the new due date (Thu 10 Dec 2026)" in refused
    assert "still due" in refused and "Mon 23 Nov 2026" in refused


def test_names_are_plain_text_runs_never_markdown() -> None:
    notice = UnreachableNotice("[click](https://evil.example) **x**", "# Agency", ("Selby",))
    card = unreachable_notice_card(notice)
    blocks = [e for e in walk(card) if e.get("type") == "TextBlock"]
    assert all("evil.example" not in b["text"] for b in blocks)
    assert any("evil.example" in r["text"] for r in walk(card) if r.get("type") == "TextRun")


CASE_FIELDS = {
    "description",
    "subject",
    "text",
    "note",
    "minute",
    "minutes",
    "reason_text",
    "request_reason",
    "last_update",
    "about",
    "response",
    "resolution",
}
DIRECTORY_TEXT = {"locality", "owner_name", "agency_name", "member_name", "localities", "role"}
VIEWS = [
    ReminderItem,
    EscalationItem,
    UnreachableNotice,
    DateDecidedNotice,
    GrantLine,
    RolesGrantedNotice,
]


@pytest.mark.parametrize("view", VIEWS, ids=[v.__name__ for v in VIEWS])
def test_the_views_have_no_field_that_could_carry_case_details(view: type) -> None:
    names = {f.name for f in dataclasses.fields(view)}
    assert not names & CASE_FIELDS
    # The only free text is names from the directory; everything else is ids, dates,
    # numbers, flags and fixed choices.
    texts = {f.name for f in dataclasses.fields(view) if f.type in ("str", "tuple[str, ...]")}
    assert texts <= DIRECTORY_TEXT
    with pytest.raises(TypeError):
        view(description=ACTION_SENTINEL)


def test_fixed_choices_refuse_anything_else() -> None:
    with pytest.raises(ValueError):
        EscalationItem(1, "Selby", "A", "B", DUE, 1, ACTION_SENTINEL)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        UnreachableNotice("A", "B", (), MINUTE_SENTINEL)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "build",
    [
        lambda: reminder_digest_card(REMINDERS),
        lambda: escalation_digest_card(ESCALATIONS),
        lambda: unreachable_notice_card(BLOCKED),
        lambda: date_decided_card(REFUSED),
        lambda: roles_granted_card(GRANTED),
    ],
)
def test_no_case_text_reaches_a_notice(build: Callable[[], dict[str, Any]]) -> None:
    dumped = json.dumps(build())
    for sentinel in (ACTION_SENTINEL, DECISION_SENTINEL, MINUTE_SENTINEL, "CR-0001"):
        assert sentinel not in dumped


def test_a_granted_role_says_who_what_where_and_by_whom() -> None:
    shown = text_of(roles_granted_card(GRANTED))
    assert "Selby group" in shown and "Alex Wilber, an administrator" in shown
    assert "Priya Shah (North Yorkshire Police)" in shown and "Chair" in shown
    by_operator = text_of(roles_granted_card(dataclasses.replace(GRANTED, granted_by=None)))
    assert "the bot's operator" in by_operator
    many = text_of(roles_granted_card(dataclasses.replace(GRANTED, more=4)))
    assert "4 more" in many
