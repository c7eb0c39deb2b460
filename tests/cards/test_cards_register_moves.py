"""The ask form and the offer card for a subject offered to another group
(cards/register_moves.py): valid Adaptive Card 1.5, known verbs, the entries and errors
kept, the personal-data nudge on both reasons, and an offer card that names no subject."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from cards_testkit import card_size, executes, walk

from bot.domain.model import SubjectKind
from bot.domain.register_moves import MoveFormView, MoveMode, MoveOfferView
from bot.domain.rules import confirmation_field
from cards.register_moves import move_form_card, move_offer_card
from cards.verbs import SUBJECT_MOVE, SUBJECT_MOVE_ACCEPT, SUBJECT_MOVE_DECLINE
from tests.support.card_schema import validate_card

FORM = MoveFormView(
    subject_id=41,
    kind=SubjectKind.CHILD,
    reference="CR-0107",
    initials="J.S.",
    from_locality="Scarborough",
    groups=(("ryedale", "Ryedale"), ("harrogate", "Harrogate")),
)
OFFER = MoveOfferView(
    share_id=12,
    mode=MoveMode.TRANSFER,
    kind=SubjectKind.CHILD,
    from_locality="Scarborough",
    to_locality="Ryedale",
    asked_by="Tom Hughes",
    asked_at=datetime(2026, 11, 19, 10, 0, tzinfo=UTC),
    status="asked",
    receiving=True,
)


def inputs(card: dict[str, object]) -> dict[str, dict[str, object]]:
    return {str(e["id"]): e for e in walk(card) if str(e.get("type", "")).startswith("Input.")}


def test_the_ask_form_offers_every_other_group_and_both_modes() -> None:
    card = move_form_card(FORM)
    validate_card(card)
    fields = inputs(card)
    assert [c["value"] for c in fields["toLocality"]["choices"]] == ["ryedale", "harrogate"]
    assert [c["value"] for c in fields["mode"]["choices"]] == ["transfer", "share"]
    assert fields["reason"]["isRequired"]
    (send,) = executes(card)
    assert (send["verb"], send["data"]["subjectId"]) == (SUBJECT_MOVE, 41)
    assert "CR-0107" in json.dumps(card), "the form answers the chair who asked for it"


def test_a_refused_form_keeps_the_entries_and_asks_to_confirm_details() -> None:
    values = {"toLocality": "ryedale", "mode": "share", "reason": "Seen with J. Smith"}
    errors = {
        "toLocality": "Ryedale already holds a child with this reference.",
        confirmation_field("reason"): "That looks like a name.",
    }
    card = move_form_card(FORM, values=values, errors=errors)
    validate_card(card)
    fields = inputs(card)
    assert fields["toLocality"]["value"] == "ryedale"
    assert fields["mode"]["value"] == "share"
    assert fields["reason"]["value"] == "Seen with J. Smith"
    assert confirmation_field("reason") in fields
    assert "already holds" in json.dumps(card)


def test_the_receiving_chair_can_accept_or_decline_with_a_reason() -> None:
    card = move_offer_card(OFFER)
    validate_card(card)
    verbs = {a["verb"]: a for a in executes(card)}
    assert set(verbs) == {SUBJECT_MOVE_ACCEPT, SUBJECT_MOVE_DECLINE}
    assert all(a["data"]["shareId"] == 12 for a in verbs.values())
    assert verbs[SUBJECT_MOVE_ACCEPT].get("associatedInputs") == "none"
    assert inputs(card)["declineReason"]["isRequired"]
    shown = json.dumps(card)
    assert "M-12" in shown and "Scarborough" in shown and "Ryedale" in shown
    assert card_size(card) < 10_000


def test_a_refused_decline_comes_back_open_with_the_error() -> None:
    errors = {"declineReason": "The reason is required."}
    card = move_offer_card(OFFER, values={"declineReason": ""}, errors=errors)
    validate_card(card)
    assert "declineReason" in inputs(card)
    assert "The reason is required." in json.dumps(card)


def test_the_other_side_and_a_decided_offer_have_no_buttons() -> None:
    for view in (
        replace(OFFER, receiving=False),
        replace(OFFER, status="accepted", decided_by="Jordan Pike"),
        replace(OFFER, status="declined", decided_by="Jordan Pike", mode=MoveMode.SHARE),
    ):
        card = move_offer_card(view)
        validate_card(card)
        assert not executes(card) and not inputs(card)
    assert "Accepted" in json.dumps(move_offer_card(replace(OFFER, status="accepted")))


def test_the_offer_card_has_no_field_for_a_reference_or_reason() -> None:
    """It may go out unasked: its view holds ids, a kind, groups and names only."""
    names = {f for f in MoveOfferView.__dataclass_fields__}
    assert not names & {"reference", "initials", "reason"}
