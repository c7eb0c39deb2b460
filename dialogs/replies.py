"""How a handler answers: a message, a card in place of the clicked one, or a form shown
again with its errors. Shared by every feature, so each answers alike.

A store that does not answer is not handled here: the router's guard says so for every
handler at once (``dialogs.router``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, TypeVar

from bot.domain.errors import InvalidInput
from bot.domain.model import ConversationKind
from bot.domain.rules import is_confirmation_field
from bot.services.context import TurnRef
from dialogs.outcome import Card, Outcome, Post
from dialogs.routes import Click

CONFIRM_IN_A_CURRENT_CLIENT = (
    "If they are needed in the record, press the button in a current Teams client, which "
    "asks you to confirm them."
)

#: Draws a form again from the field errors (the entries come from the click).
Redraw = Callable[[Mapping[str, str]], Awaitable[Card]]
_Saved = TypeVar("_Saved")
_View = TypeVar("_View")
_FormView = TypeVar("_FormView", contravariant=True)


class FormCard(Protocol[_FormView]):
    """A card builder that draws a form from its view, with entries and errors (the
    ``values=`` and ``errors=`` every form card in ``cards`` takes)."""

    def __call__(
        self,
        view: _FormView,
        /,
        *,
        values: Mapping[str, object] | None = ...,
        errors: Mapping[str, str] | None = ...,
    ) -> Card: ...


def tell(click: Click | None, text: str) -> Outcome:
    """A message for the person: the click's answer, or a post for a typed command."""
    if click is not None and click.is_invoke:
        return Outcome(response_text=text)
    return Outcome(posts=[Post(text=text)])


def form(turn: TurnRef, click: Click, errors: Mapping[str, str], card: Card) -> Outcome:
    """Show a form again with its errors and the person's entries kept.

    A click's answer card is seen only by the person who clicked, so it may carry what
    they typed. The Action.Submit fallback can only post a new message, which everyone in
    a channel or group chat would see: there it says what to correct, in words that quote
    nothing typed, and the person's entries stay in the card they pressed.
    """
    if click.is_invoke or turn.conversation.kind is ConversationKind.PERSONAL:
        return Outcome(response_card=card) if click.is_invoke else Outcome(posts=[Post(card=card)])
    # The card pressed has no confirmation toggle (it appears only on a form handed back
    # to the person), so say how to confirm identifying details instead of "tick".
    confirm = [key for key in errors if is_confirmation_field(key)]
    problems = " ".join(m for key, m in errors.items() if key not in confirm)
    if confirm:
        problems += " " + CONFIRM_IN_A_CURRENT_CLIENT
    problems = problems.strip() or InvalidInput.user_message
    return Outcome(
        posts=[
            Post(
                text=(
                    f"Not saved yet. {problems} Your entries are still in the card: correct them "
                    "and press the button again."
                )
            )
        ]
    )


def replace(click: Click, card: Card, note: str) -> Outcome:
    """The card in place of the clicked one; the Action.Submit fallback posts the note and
    the card instead."""
    if click.is_invoke:
        return Outcome(response_card=card)
    return Outcome(posts=[Post(text=note), Post(card=card)])


class FormShownAgain(Exception):
    """Not a failure: the entries were refused and the form is shown again with the errors
    (``outcome``). Raised by ``redraw_on_invalid`` and answered by the router's guard, so a
    handler reads on as if the change was saved."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("form shown again")
        self.outcome = outcome


async def redraw_on_invalid(
    turn: TurnRef, click: Click, work: Awaitable[_Saved], redraw: Redraw
) -> _Saved:
    """What ``work`` saved, or, when it refuses the entries (``InvalidInput``), the form
    drawn again by ``redraw`` with the errors beside the fields and shown as ``form``
    does (raised as ``FormShownAgain``, which the router answers with it). Only the change
    is guarded: what a handler reads after it is not a form's error.
    """
    try:
        return await work
    except InvalidInput as exc:
        raise FormShownAgain(
            form(turn, click, exc.field_errors, await redraw(exc.field_errors))
        ) from None


def form_again(click: Click, read: Callable[[], Awaitable[_View]], draw: FormCard[_View]) -> Redraw:
    """The ``Redraw`` for ``redraw_on_invalid`` that most forms want: the form's view read
    again by ``read`` (as it stands now: someone may have answered meanwhile) and drawn by
    ``draw`` with the click's entries kept and the errors beside the fields. One place, so
    every such form is handed back alike."""

    async def redraw(errors: Mapping[str, str]) -> Card:
        return draw(await read(), values=click.data, errors=errors)

    return redraw
