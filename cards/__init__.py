"""Adaptive Card builders: pure functions from the domain's read models to card JSON.

Nothing here talks to Teams or the store; the Teams edge sends what these return.
Every button's verb is a constant in ``cards.verbs``.
"""

from cards.actions import (
    date_request_card,
    download_card,
    hand_over_card,
    my_actions_card,
    outstanding_card,
)
from cards.forms import action_form_card, attendance_form_card, end_form_card, entry_form_card
from cards.meeting import agenda_card, welcome_card
from cards.rounds import challenges_card, round_card
from cards.setup import setup_card
from cards.summary import summary_card

__all__ = [
    "action_form_card",
    "agenda_card",
    "attendance_form_card",
    "challenges_card",
    "date_request_card",
    "download_card",
    "end_form_card",
    "entry_form_card",
    "hand_over_card",
    "my_actions_card",
    "outstanding_card",
    "round_card",
    "setup_card",
    "summary_card",
    "welcome_card",
]
