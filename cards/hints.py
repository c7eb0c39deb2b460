"""The card offered when Teams says a meeting has started in a linked conversation.

Only an offer: the button is the ordinary start button (``meeting.start``), checked like
any other press, so nobody but the chair or deputy chair can start the meeting with it.
(When a Teams meeting ends, the ordinary end form is offered instead.)
"""

from __future__ import annotations

from bot.domain.views import LocalityView
from cards.elements import JSON, adaptive_card, execute, heading, text_block
from cards.text import plain
from cards.verbs import HELP_SHOW, MEETING_START

MEETING_STARTED = "The Teams meeting has started — start the MACE meeting?"


def meeting_started_card(locality: LocalityView) -> JSON:
    body = [
        heading(MEETING_STARTED, size="medium"),
        text_block(
            f"This conversation is linked to the MACE {plain(locality.name)} locality group. "
            "The chair or deputy chair starts the MACE meeting here; the agenda card "
            "follows. Nothing is recorded until then.",
        ),
    ]
    actions = [
        execute("Start meeting", MEETING_START, {"localityId": locality.id}, style="positive"),
        execute("Help", HELP_SHOW, with_inputs=False),
    ]
    return adaptive_card(body, actions)
