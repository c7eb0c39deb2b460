"""Escalation beyond the locality (issue 16, point 3): the escalate form, an escalation's
card in a personal chat (with the group's response form, or the locality's close form),
the ``escalations`` list, the two notices, and the lines under item 8 of the agenda.

Where each is seen decides what it shows (bot.domain.escalations):

* The form, the card and the list answer a person in their own chat: what, why, the
  record's reference, the response, decision and close note.
* The notices go out unasked (a lock screen): the reference ``E-4``, the locality, the
  group and the kind of record only, and a button to open it.
* Item 8 is on the live agenda card in the locality's channel: reference, group, the
  record's reference (never a person of concern's), age, status and, once recorded, the
  response and decision (the response form says they will be shown there).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.escalations import (
    FIELD_CLOSE_NOTE,
    FIELD_DECISION,
    FIELD_RESPONSE,
    FIELD_TIER,
    FIELD_WHAT,
    FIELD_WHY,
    KIND_LABELS,
    MAX_ESCALATION_CHARS,
    RESPONSE_SHOWN_AT_ITEM_8,
    STATUS_LABELS,
    TIER_LABELS,
    AgendaLine,
    EscalationFormView,
    EscalationListView,
    EscalationView,
    challenge_fields,
    escalation_reference,
)
from bot.domain.model import EscalationKind, EscalationStatus
from cards.elements import (
    JSON,
    Errors,
    Values,
    action_set,
    adaptive_card,
    choice_input,
    container,
    execute,
    fact_set,
    field,
    heading,
    marking,
    recorded_text_field,
    rich,
    run,
    text_block,
    value_of,
    with_error_banner,
)
from cards.parts import labelled
from cards.text import LIST_CHARS, NAME_CHARS, SUMMARY_CHARS, clip, format_date, plain, plural
from cards.verbs import (
    ESCALATE,
    ESCALATION_CLOSE,
    ESCALATION_RESPOND,
    ESCALATION_SHOW,
)

#: How many escalations the list shows per group before "and N more".
LISTED = 20

WHY_HINT = (
    "The group's members read what and why in a personal chat; their notice carries the "
    "reference only. Case references and initials only, never a name."
)


def _text_field(
    input_id: str, label: str, values: Values | None, errors: Errors | None, *, required: bool
) -> list[JSON]:
    return recorded_text_field(
        input_id,
        label,
        values,
        errors,
        multiline=True,
        max_length=MAX_ESCALATION_CHARS,
        required=required,
    )


def escalate_form_card(
    view: EscalationFormView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """The form a chair fills in to escalate an action or subject: to which group, what
    and why; handed back with the entries kept and the error beside the field."""
    body: list[JSON] = [
        heading("Escalate beyond the locality", size="large"),
        marking(),
        rich(
            run(f"{view.record_reference} ", bold=True),
            run(f"· {clip(view.locality, NAME_CHARS)} locality group"),
        ),
    ]
    if not view.groups:
        body.append(text_block("No MACE Operational or Strategic group is set up on this bot."))
        return adaptive_card(body)
    body += field(
        choice_input(
            FIELD_TIER,
            "Escalate to",
            [(tier.value, name) for tier, name in view.groups],
            value=value_of(values, FIELD_TIER),
            expanded=True,
            required=True,
        ),
        errors,
    )
    body += _text_field(FIELD_WHAT, "What is escalated", values, errors, required=True)
    body += _text_field(FIELD_WHY, "Why", values, errors, required=True)
    body.append(text_block(WHY_HINT, subtle=True, size="small"))
    submit = execute(
        "Escalate",
        ESCALATE,
        {"kind": view.kind.value, "recordId": view.record_id},
        style="positive",
    )
    return adaptive_card(with_error_banner(body, errors), [submit])


def escalation_card(
    view: EscalationView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """One escalation, for a member of the group it went to or the locality's chairs and
    coordinators: what, why, where it stands; the response form for the group's members
    while open, the close form for the locality's chairs once responded."""
    body: list[JSON] = [
        heading(f"Escalation {view.reference}", size="large"),
        marking(),
        fact_set(
            [
                ("Locality group", view.locality),
                ("Escalated to", view.group),
                ("Record", view.record_reference),
                ("Raised", f"{format_date(view.raised_on)} by {clip(view.raised_by, NAME_CHARS)}"),
                ("Age", plural(view.age_days, "day")),
                ("Status", STATUS_LABELS[view.status]),
            ]
        ),
        labelled("What", view.what),
        labelled("Why", view.why),
    ]
    if view.status is not EscalationStatus.OPEN:
        responded = format_date(view.responded_on) if view.responded_on else ""
        body += [
            labelled(
                "Response",
                view.response,
                run(f" ({clip(view.responded_by, NAME_CHARS)}, {responded})", subtle=True),
            ),
            labelled("Decision", view.decision),
        ]
    if view.status is EscalationStatus.CLOSED:
        closed = format_date(view.closed_on) if view.closed_on else ""
        body.append(
            labelled(
                "Closed",
                view.close_note,
                run(f" ({clip(view.closed_by, NAME_CHARS)}, {closed})", subtle=True),
            )
        )
    data = {"escalationId": view.id}
    actions: list[JSON] = []
    if view.can_respond:
        form = _text_field(FIELD_RESPONSE, "The group's response", values, errors, required=True)
        form += _text_field(FIELD_DECISION, "The group's decision", values, errors, required=True)
        form.append(text_block(RESPONSE_SHOWN_AT_ITEM_8, subtle=True, size="small"))
        body += form
        actions.append(execute("Record the response", ESCALATION_RESPOND, data, style="positive"))
    elif view.can_close:
        body += _text_field(
            FIELD_CLOSE_NOTE, "How the response was acted on", values, errors, required=True
        )
        actions.append(execute("Close it", ESCALATION_CLOSE, data, style="positive"))
    return adaptive_card(with_error_banner(body, errors), actions)


def escalations_list_card(view: EscalationListView) -> JSON:
    """``escalations``: the open and responded ones the person may see, per group, oldest
    first, each with a button to open it."""
    body: list[JSON] = [heading("Escalations", size="large"), marking()]
    for title, escalations in view.sections:
        body.append(heading(plain(title), separator=True))
        if not escalations:
            body.append(text_block("None open.", size="small"))
        for item in escalations[:LISTED]:
            line = (
                f"{item.reference} · {item.record_reference} · {item.locality} to "
                f"{item.group} · {plural(item.age_days, 'day')} · {STATUS_LABELS[item.status]}"
            )
            body.append(
                container(
                    [
                        rich(run(clip(line, SUMMARY_CHARS))),
                        rich(run(clip(item.why, LIST_CHARS), subtle=True), spacing="none"),
                        action_set(
                            [
                                execute(
                                    "Open",
                                    ESCALATION_SHOW,
                                    {"escalationId": item.id},
                                    with_inputs=False,
                                )
                            ]
                        ),
                    ],
                    separator=True,
                    spacing="small",
                )
            )
        if len(escalations) > LISTED:
            body.append(
                text_block(f"And {len(escalations) - LISTED} more, older ones first.", size="small")
            )
    return adaptive_card(body)


def escalated_up_card(escalation_id: int, locality: str, kind: EscalationKind, group: str) -> JSON:
    """To each member of the group escalated to: the reference only, never what or why.
    The heading leads with the handle (``E-4``), so it is what they quote back."""
    ref = escalation_reference(escalation_id)
    return adaptive_card(
        [
            heading(f"{ref}: an escalation for your group", size="large"),
            rich(
                run(
                    f"{clip(locality, NAME_CHARS)} has escalated {KIND_LABELS[kind]} to the "
                    f"{clip(group, NAME_CHARS)} ({ref}). Open it to read it and record the "
                    "group's response."
                )
            ),
        ],
        [execute("Open it", ESCALATION_SHOW, {"escalationId": escalation_id}, with_inputs=False)],
    )


def escalation_answered_card(escalation_id: int, locality: str, group: str) -> JSON:
    """To the locality's chairs and deputies: the group has responded (reference only).
    The heading leads with the handle (``E-4``), so it is what they quote back."""
    ref = escalation_reference(escalation_id)
    return adaptive_card(
        [
            heading(f"{ref}: the escalation has a response", size="large"),
            rich(
                run(
                    f"The {clip(group, NAME_CHARS)} has recorded its response to {ref}, "
                    f"escalated by {clip(locality, NAME_CHARS)}. Open it to read it, and "
                    "close it once the response is acted on."
                )
            ),
        ],
        [execute("Open it", ESCALATION_SHOW, {"escalationId": escalation_id}, with_inputs=False)],
    )


def agenda_escalations(lines: Sequence[AgendaLine]) -> list[JSON]:
    """Item 8 of the agenda (the locality's channel): each escalation not yet closed."""
    if not lines:
        return [text_block("No open escalations.", size="small")]
    out: list[JSON] = [
        text_block(
            f"{plural(len(lines), 'escalation')} not yet closed (chairs, deputy chairs and "
            "coordinators read them with **escalations** in a personal chat):",
            size="small",
        )
    ]
    for line in lines:
        out.append(
            rich(
                run(f"{line.reference} ", bold=True),
                run(
                    f"{line.record} to the {line.group} · {plural(line.age_days, 'day')} · "
                    f"{STATUS_LABELS[line.status]}"
                ),
                spacing="small",
            )
        )
        if line.response:
            out.append(labelled("Response", clip(line.response, LIST_CHARS), spacing="none"))
        if line.decision:
            out.append(labelled("Decision", clip(line.decision, LIST_CHARS), spacing="none"))
    return out


def challenge_escalation_fields(
    challenge_id: int, values: Values | None, errors: Errors | None
) -> list[JSON]:
    """On the challenge form: if escalated, to which group and why (a chair or deputy)."""
    tier_id, why_id = challenge_fields(challenge_id)
    fields: list[JSON] = [
        text_block(
            "If escalated (a chair or deputy chair): to which group, and why.",
            subtle=True,
            size="small",
        )
    ]
    fields += field(
        choice_input(
            tier_id,
            "Escalate to",
            [(tier.value, name) for tier, name in TIER_LABELS.items()],
            value=value_of(values, tier_id),
            expanded=True,
        ),
        errors,
    )
    fields += _text_field(why_id, "Why it is escalated", values, errors, required=False)
    return fields
