"""Offering a register subject to another locality group (issue 15, point 7): the ask form
a chair fills in, and the offer card the receiving chair accepts or declines.

The ask form answers the chair who pressed "Move or share" on a subject's card, in their
personal chat, so it names the subject (reference and initials, as the card they pressed
did). The offer card may go out unasked (a notice, on a lock screen): it names the offer
by its id (``M-12``), the subject only by its kind, and the two groups; never the
reference or the reason typed. Both reasons are free text for the record, so they get the
personal-data nudge (``recorded_field``).
"""

from __future__ import annotations

from bot.domain.model import SUBJECT_LABELS
from bot.domain.register_moves import (
    FIELD_DECLINE_REASON,
    FIELD_MODE,
    FIELD_REASON,
    FIELD_TO,
    MAX_MOVE_REASON_CHARS,
    MODE_LABELS,
    MoveFormView,
    MoveMode,
    MoveOfferView,
    offer_reference,
)
from cards.elements import (
    JSON,
    Errors,
    Values,
    action_set,
    adaptive_card,
    choice_input,
    execute,
    field,
    heading,
    marking,
    recorded_field,
    rich,
    run,
    show_card,
    text_block,
    text_input,
    value_of,
    with_error_banner,
)
from cards.text import NAME_CHARS, clip, format_date, plain, uk_time
from cards.verbs import SUBJECT_MOVE, SUBJECT_MOVE_ACCEPT, SUBJECT_MOVE_DECLINE

#: What the reason is for, and the nudge beside it: it stays in the subject's history.
REASON_HINT = (
    "Say why (a placement move, a location on the border). It stays in the subject's "
    "history, seen by both groups' chairs: case references and initials only, never a name."
)
DECLINE_HINT = (
    "Say why, for the subject's history (the asking group's chair can read it there): "
    "case references and initials only, never a name."
)


def _subject_line(view: MoveFormView) -> JSON:
    label = SUBJECT_LABELS[view.kind]
    initials = f" ({clip(view.initials, 12)})" if view.initials else ""
    return rich(
        run(f"{label}: ", bold=True),
        run(clip(view.reference, NAME_CHARS) + initials),
        run(f" · held by {clip(view.from_locality, NAME_CHARS)}"),
    )


def move_form_card(
    view: MoveFormView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """The ask form: which group, transfer or share, and why; handed back with the entries
    kept and the error beside the field when refused."""
    body: list[JSON] = [
        heading("Move or share with another group", size="large"),
        marking(),
        _subject_line(view),
        text_block(
            "Both groups' chairs and deputy chairs are told. Nothing is seen in the other "
            "group until its chair accepts; its history goes with it.",
            subtle=True,
            size="small",
        ),
    ]
    body += field(
        choice_input(
            FIELD_TO,
            "To which group",
            [(code, name) for code, name in view.groups],
            value=value_of(values, FIELD_TO),
            placeholder="Choose a locality group",
            required=True,
        ),
        errors,
    )
    body += field(
        choice_input(
            FIELD_MODE,
            "Transfer or share",
            [(mode.value, label) for mode, label in MODE_LABELS.items()],
            value=value_of(values, FIELD_MODE),
            expanded=True,
            required=True,
        ),
        errors,
    )
    body += recorded_field(
        text_input(
            FIELD_REASON,
            "Why",
            value=value_of(values, FIELD_REASON),
            multiline=True,
            max_length=MAX_MOVE_REASON_CHARS,
            required=True,
        ),
        values,
        errors,
    )
    body.append(text_block(REASON_HINT, subtle=True, size="small"))
    submit = execute(
        "Send to their chair", SUBJECT_MOVE, {"subjectId": view.subject_id}, style="positive"
    )
    return adaptive_card(with_error_banner(body, errors), [submit])


def _what(view: MoveOfferView) -> str:
    kind = SUBJECT_LABELS[view.kind].lower()
    if view.mode is MoveMode.TRANSFER:
        return f"to transfer a {kind} from {view.from_locality} to {view.to_locality}"
    return f"to share a {kind} held by {view.from_locality} with {view.to_locality}"


def move_offer_card(
    view: MoveOfferView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """An offer: for the receiving group's chairs with Accept and Decline (a reason
    asked for) while it is open; for the asking group's chairs, and once decided, what
    it is and where it stands. Ids, kinds, groups and names only."""
    ref = offer_reference(view.share_id)
    asked = rich(
        run(f"{ref} · ", bold=True),
        run(
            f"{clip(view.asked_by, NAME_CHARS)} asked on {format_date(uk_time(view.asked_at))} "
            f"{clip(_what(view), 3 * NAME_CHARS)}."
        ),
    )
    body: list[JSON] = [
        heading(
            "A subject is offered to your group"
            if view.receiving and view.status == "asked"
            else f"{'Transfer' if view.mode is MoveMode.TRANSFER else 'Share'} {ref}",
            size="large",
        ),
        marking(),
        asked,
    ]
    if view.status != "asked":
        accepted = view.status == "accepted"
        by = f" by {plain(clip(view.decided_by, NAME_CHARS))}" if view.decided_by else ""
        body.append(
            text_block(
                f"**{'Accepted' if accepted else 'Declined'}**{by}. Both groups' chairs and "
                "deputy chairs have been told.",
                color="good" if accepted else "attention",
            )
        )
        return adaptive_card(body)
    if not view.receiving:
        body.append(
            text_block(
                f"Waiting for a chair or deputy chair of {plain(view.to_locality)} to accept "
                "or decline it. Until then nothing is seen there.",
            )
        )
        return adaptive_card(body)
    body.append(
        text_block(
            "Accept and your group's members see it in your register, with its history "
            + (
                "(it leaves the other group's)."
                if view.mode is MoveMode.TRANSFER
                else "(the other group keeps it too)."
            )
            + " Ask the other group's chair what it is about before you answer."
        )
    )
    data = {"shareId": view.share_id}
    decline_body: list[JSON] = [
        *recorded_field(
            text_input(
                FIELD_DECLINE_REASON,
                "Why not",
                value=value_of(values, FIELD_DECLINE_REASON),
                multiline=True,
                max_length=MAX_MOVE_REASON_CHARS,
                required=True,
            ),
            values,
            errors,
        ),
        text_block(DECLINE_HINT, subtle=True, size="small"),
    ]
    decline = execute("Decline", SUBJECT_MOVE_DECLINE, data, style="destructive")
    accept = execute("Accept", SUBJECT_MOVE_ACCEPT, data, style="positive", with_inputs=False)
    if errors:
        # Handed back with the reason's error: the form open, beside its field.
        body += decline_body
        body.append(action_set([decline, accept]))
        return adaptive_card(with_error_banner(body, errors))
    return adaptive_card(body, [accept, show_card("Decline", decline_body, [decline])])
