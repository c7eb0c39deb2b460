"""What a turn produces, as data: messages to post, cards to edit, an answer to a click.

Dialogs return an ``Outcome`` instead of talking to Teams, so every conversation can be
tested without botbuilder, and the Teams edge (``bot.teams``) is the only code that
knows how to deliver one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Card = dict[str, Any]
OnSent = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Post:
    """A new message in the conversation the turn came from."""

    text: str | None = None
    card: Card | None = None
    #: Called with the new activity id, to remember a card that will be edited later.
    on_sent: OnSent | None = None


@dataclass(frozen=True, slots=True)
class CardUpdate:
    """Edit a card posted earlier (``update_activity``) so everyone sees it current."""

    conversation_id: str
    activity_id: str
    #: The card to show; None: drawn by whoever edits the card next (``recheck`` then
    #: draws it), so a turn whose change will be drawn by another need not draw at all.
    card: Card | None
    #: Asked after the edit: a newer card if the state moved on meanwhile (another
    #: person's change may have been drawn and sent before this one), else None.
    recheck: Callable[[], Awaitable[Card | None]] | None = None
    #: Answer the click with the card everyone is shown that includes this change.
    answer: bool = False


@dataclass(slots=True)
class Outcome:
    posts: list[Post] = field(default_factory=list)
    updates: list[CardUpdate] = field(default_factory=list)
    #: For a card click (Action.Execute): the card that replaces the clicked one for the
    #: person who clicked, e.g. the form again with the error beside the field.
    response_card: Card | None = None
    #: For a card click: a short message shown to the person who clicked.
    response_text: str | None = None

    @classmethod
    def say(cls, text: str) -> Outcome:
        return cls(posts=[Post(text=text)], response_text=text)
