"""Linking a conversation to a MACE locality group.

Nothing is recorded in a conversation until it is linked: that link is what scopes every
later read and write to one locality's members (deny by default).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.views import GroupChoice
from cards.elements import (
    JSON,
    Errors,
    Values,
    adaptive_card,
    choice_input,
    execute,
    field,
    heading,
    text_block,
    value_of,
    with_error_banner,
)
from cards.verbs import SETUP_LINK

SETUP_TITLE = "Link this conversation to a MACE locality group"


def setup_body(
    choices: Sequence[GroupChoice], *, values: Values | None = None, errors: Errors | None = None
) -> tuple[list[JSON], list[JSON]]:
    """The explanation, the choice of group and the button, as body and actions.

    Shared with the welcome card, which shows the same thing in an unlinked chat.
    """
    body: list[JSON] = [
        heading(SETUP_TITLE, size="large"),
        text_block(
            "Before I record anything here, this conversation must be linked to one MACE "
            "locality group. Only that group's members can then see or change what is "
            "recorded, and only for that locality."
        ),
    ]
    if not choices:
        body.append(
            text_block(
                "You are not a chair or deputy chair of any MACE locality group, nor an "
                "administrator, so you cannot link it. Ask the MACE coordinator for your "
                "locality, or the chair of the group, to link this conversation.",
                color="attention",
            )
        )
        return with_error_banner(body, errors), []
    already = next((str(c.locality.id) for c in choices if c.linked_here), "")
    body += field(
        choice_input(
            "localityId",
            "Locality group",
            [
                (
                    str(c.locality.id),
                    c.locality.name + (" (linked here now)" if c.linked_here else ""),
                )
                for c in choices
            ],
            value=value_of(values, "localityId", already),
            placeholder="Choose the locality group",
            required=True,
        ),
        errors,
    )
    return with_error_banner(body, errors), [
        execute("Link this conversation", SETUP_LINK, style="positive")
    ]


def setup_card(
    choices: Sequence[GroupChoice], *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """Asks a chair or administrator which locality group this conversation is for.

    With no groups to offer, says who can do it instead of showing a button that would
    only be refused.
    """
    body, actions = setup_body(choices, values=values, errors=errors)
    return adaptive_card(body, actions)
