"""An administrator's card for one locality group's members and roles: who holds which
role (each with a button to remove it) and a form to grant a role.

Sent only in a personal chat, to an administrator; the service checks both again on every
click. Names and emails come from the directory, and still go into TextRuns, which render
no markdown.
"""

from __future__ import annotations

import re

from bot.domain.members import MembersView, role_label
from bot.domain.model import Role
from cards.elements import (
    JSON,
    Errors,
    Values,
    action_set,
    adaptive_card,
    choice_input,
    container,
    execute,
    field,
    heading,
    rich,
    run,
    text_block,
    text_input,
    value_of,
    with_error_banner,
)
from cards.parts import more_line
from cards.text import NAME_CHARS, clip, plain
from cards.verbs import MEMBERS_ADD, MEMBERS_REMOVE, MEMBERS_SHOW

MAX_MEMBERS_SHOWN = 40
_PLAIN_CODE = re.compile(r"^[A-Za-z0-9_-]+$")
TITLE = "Members and roles"


def members_card(
    view: MembersView,
    *,
    values: Values | None = None,
    errors: Errors | None = None,
    note: str = "",
) -> JSON:
    body: list[JSON] = [heading(f"{TITLE}: {plain(view.locality.name)}", size="large")]
    if note:
        body.append(rich(run(note, color="good")))
    body += [
        choice_input(
            "showLocality",
            "Locality group to show",
            [(c.code, c.name) for c in view.localities],
            value=value_of(values, "showLocality", view.locality.code),
        ),
        action_set([execute("Show", MEMBERS_SHOW)]),
    ]
    body += _member_list(view)
    body += _add_form(view, values, errors)
    return adaptive_card(with_error_banner(body, errors))


def _member_list(view: MembersView) -> list[JSON]:
    if not view.members:
        return [text_block("No one holds a role in this group yet.", separator=True)]
    shown: list[JSON] = [
        text_block(
            f"{len(view.members)} "
            + ("member holds" if len(view.members) == 1 else "members hold")
            + " a role in this group.",
            separator=True,
        )
    ]
    for member in view.members[:MAX_MEMBERS_SHOWN]:
        about = [member.agency_name, *([member.email] if member.email else [])]
        roles = ", ".join(role_label(held.role) for held in member.roles)
        shown.append(
            container(
                [
                    rich(run(clip(member.name, NAME_CHARS), bold=True), run(f"  {roles}")),
                    rich(run(" · ".join(about), subtle=True), spacing="none"),
                    action_set(
                        [
                            execute(
                                f"Remove: {role_label(held.role)}",
                                MEMBERS_REMOVE,
                                {"membershipId": held.membership_id},
                                style="destructive",
                                with_inputs=False,
                            )
                            for held in member.roles
                        ],
                        spacing="small",
                    ),
                ],
                separator=True,
                spacing="small",
            )
        )
    code = view.locality.code
    # A code span cannot be escaped into: a code that is not a plain word goes outside it.
    command = (
        f"`mace-bot members list {code}`"
        if _PLAIN_CODE.match(code)
        else f"`mace-bot members list` {plain(code)}"
    )
    shown += more_line(
        len(view.members) - MAX_MEMBERS_SHOWN, f"the whole list: {command} on the bot's host"
    )
    return shown


def _add_form(view: MembersView, values: Values | None, errors: Errors | None) -> list[JSON]:
    form: list[JSON] = [
        heading("Grant a role", separator=True),
        text_block(
            "For someone already known, their email or Entra object id is enough. For "
            "someone new, give their name and agency too.",
            subtle=True,
            spacing="none",
        ),
    ]
    form += field(
        text_input(
            "member",
            "Email or Entra object id",
            value=value_of(values, "member"),
            max_length=200,
        ),
        errors,
    )
    form += field(
        choice_input(
            "locality",
            "Locality group",
            [(c.code, c.name) for c in view.localities],
            value=value_of(values, "locality", view.locality.code),
        ),
        errors,
    )
    form += field(
        choice_input(
            "role",
            "Role",
            [(role.value, role_label(role)) for role in Role],
            value=value_of(values, "role"),
            placeholder="Choose a role",
        ),
        errors,
    )
    form += field(
        text_input(
            "name", "Name (someone new)", value=value_of(values, "name"), max_length=NAME_CHARS
        ),
        errors,
    )
    form += field(
        choice_input(
            "agency",
            "Agency (someone new)",
            [(c.code, c.name) for c in view.agencies],
            value=value_of(values, "agency"),
            placeholder="Choose their agency",
        ),
        errors,
    )
    form += field(
        text_input(
            "aad",
            "Entra object id (someone new, when you gave their email above)",
            value=value_of(values, "aad"),
            max_length=64,
        ),
        errors,
    )
    form.append(action_set([execute("Grant role", MEMBERS_ADD, style="positive")]))
    return form
