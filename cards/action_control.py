"""An action's own card (what it is, where it stands, its history), the chair's review
form (mark done, carry forward, reassign, cancel) and item 3's list of actions to review.

The review form opens as a card of its own, in place of the card pressed and for the
person who pressed it, as the action form does: the agenda stays small (Teams' 28 KB),
carrying one "Review an action" button on item 3 rather than four forms per action.
A form refused for its entries comes back with the step that failed opened in the card,
the entries kept and each error beside its field.
"""

from __future__ import annotations

from bot.domain.action_refs import reference
from bot.domain.model import ActionEventKind, ActionStatus, MeetingStatus
from bot.domain.rules import MAX_ENTRY_CHARS
from bot.domain.views import ActionCardView, ActionEventView, MeetingView
from cards.elements import (
    JSON,
    Errors,
    Values,
    action_set,
    adaptive_card,
    choice_input,
    container,
    date_input,
    execute,
    field,
    heading,
    marking,
    recorded_text_field,
    rich,
    run,
    show_card,
    text_block,
    value_of,
    with_error_banner,
)
from cards.parts import action_lines, more_line
from cards.text import LIST_CHARS, NAME_CHARS, SUMMARY_CHARS, clip, format_date, plain, plural
from cards.verbs import (
    ACTION_REVIEW,
    ACTION_REVIEW_FORM,
    ACTION_SHOW,
    ACTIONS_MINE,
    MEETING_REFRESH,
)

EVENT_LABELS: dict[str, str] = {
    ActionEventKind.CREATED: "Agreed",
    ActionEventKind.IMPORTED: "Brought in from the group's tracker",
    ActionEventKind.UPDATE: "Update",
    ActionEventKind.DONE: "Marked done",
    ActionEventKind.DATE_REQUESTED: "New due date asked for",
    ActionEventKind.DATE_ACCEPTED: "New due date accepted",
    ActionEventKind.DATE_REFUSED: "New due date refused",
    ActionEventKind.HANDED_OVER: "Handed over",
    ActionEventKind.CARRIED_FORWARD: "Carried forward",
    ActionEventKind.REASSIGNED: "Reassigned",
    ActionEventKind.CANCELLED: "Cancelled",
    ActionEventKind.CORRECTED: "Corrected",
    ActionEventKind.WITHDRAWN: "Withdrawn",
    ActionEventKind.ESCALATED: "Escalated",
}
STATUS_LABELS: dict[ActionStatus, str] = {
    ActionStatus.OPEN: "Open",
    ActionStatus.DONE: "Done",
    ActionStatus.CANCELLED: "Cancelled",
    ActionStatus.WITHDRAWN: "Withdrawn",
}
#: The steps of the review form: (step, button title, what the form says it does).
STEPS: tuple[tuple[str, str], ...] = (
    ("done", "Mark done"),
    ("carry", "Carry forward"),
    ("reassign", "Reassign"),
    ("cancel", "Cancel action"),
)
#: How many of item 3's actions the review list offers (the agenda lists as many).
REVIEW_LIST_SHOWN = 30


def _history_line(event: ActionEventView) -> list[JSON]:
    label = EVENT_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize())
    meta = f" · {clip(event.by, NAME_CHARS) or 'a former member'} · {format_date(event.at.date())}"
    if event.meeting_date is not None:
        meta += f" · at the meeting of {format_date(event.meeting_date)}"
    lines: list[JSON] = [rich(run(label, bold=True), run(meta, subtle=True), spacing="small")]
    if event.note:
        lines.append(rich(run(clip(event.note, SUMMARY_CHARS)), spacing="none"))
    return lines


def action_card(view: ActionCardView, *, note: str = "") -> JSON:
    """The action's own card: what, whose, by when, its status and its history (newest
    first). Shown only in a personal chat, to those within reach of the action."""
    a = view.action
    body: list[JSON] = [heading(f"Action {reference(a.id)}", size="large"), marking()]
    if note:
        body.append(text_block(note, color="good"))
    body += action_lines(a, SUMMARY_CHARS, show_raised=True)
    body.append(
        text_block(
            f"{plain(view.locality)} group · {STATUS_LABELS[a.status]}",
            subtle=True,
            size="small",
            spacing="none",
        )
    )
    body.append(heading("History", separator=True))
    if not view.history:
        body.append(text_block("Nothing recorded yet.", size="small"))
    for event in view.history:
        body += _history_line(event)
    body += more_line(view.history_total - len(view.history), "the earliest are not shown")
    buttons: list[JSON] = []
    if view.may_control:
        buttons.append(execute("Review", ACTION_REVIEW_FORM, {"actionId": a.id}, with_inputs=False))
    buttons.append(execute("My actions", ACTIONS_MINE, with_inputs=False))
    return adaptive_card(body, buttons)


def _step_fields(
    step: str, view: ActionCardView, values: Values | None, errors: Errors | None
) -> list[JSON]:
    if step == "done":
        return recorded_text_field(
            "doneNote",
            "What was done",
            values,
            errors,
            multiline=True,
            max_length=MAX_ENTRY_CHARS,
            required=True,
        )
    if step == "carry":
        return [
            *field(
                date_input(
                    "carryDate",
                    "New due date",
                    value=value_of(values, "carryDate"),
                    required=True,
                ),
                errors,
            ),
            *recorded_text_field(
                "carryReason",
                "Why it is carried forward",
                values,
                errors,
                multiline=True,
                max_length=MAX_ENTRY_CHARS,
                required=True,
            ),
            text_block(
                "Reminders start again for the new date; an escalation flag is cleared.",
                size="small",
                subtle=True,
            ),
        ]
    if step == "reassign":
        choices = [
            (str(m.id), f"{m.name} ({m.agency_name})")
            for m in sorted(view.owners, key=lambda m: (m.agency_name, m.name, m.id))
            if m.id != view.owner_member_id
        ]
        return [
            *field(
                choice_input(
                    "reassignTo",
                    "New owner (any member of the group)",
                    choices,
                    value=value_of(values, "reassignTo"),
                    placeholder="Choose a member",
                    required=True,
                ),
                errors,
            ),
            text_block(
                "The action moves to their agency. Both the old and the new owner are told.",
                size="small",
                subtle=True,
            ),
        ]
    return recorded_text_field(
        "cancelReason",
        "Why it is cancelled",
        values,
        errors,
        multiline=True,
        max_length=MAX_ENTRY_CHARS,
        required=True,
    )


def review_card(
    view: ActionCardView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """The chair's review of one open action: four steps, each its own small form."""
    a = view.action
    data: dict[str, object] = {"actionId": a.id}
    if view.meeting_id is not None:
        data["meetingId"] = view.meeting_id
    body: list[JSON] = [heading(f"Review {reference(a.id)}", size="large"), marking()]
    # From the agenda, the action as its line there shows it (a client without Universal
    # Actions posts this form in the group's conversation); in a personal chat, more.
    limit = LIST_CHARS if view.meeting_id is not None else SUMMARY_CHARS
    body += action_lines(a, limit, show_raised=True)
    where = f"{plain(view.locality)} group"
    if view.meeting_id is not None:
        where += " · recorded in this meeting (item 3)"
    body.append(text_block(where, subtle=True, size="small", spacing="none"))
    failed = value_of(values, "step") if errors else ""
    forms: list[JSON] = []
    for step, title in STEPS:
        button = execute(
            title,
            ACTION_REVIEW,
            {**data, "step": step},
            style="destructive" if step == "cancel" else "positive" if step == "done" else None,
        )
        fields = _step_fields(step, view, values if step == failed else None, errors)
        if step == failed:
            body.append(container([heading(title), *fields, action_set([button])], separator=True))
        else:
            forms.append(show_card(title, fields, [button]))
    body.append(action_set(forms))
    if view.meeting_id is not None:
        back = execute(
            "Back to agenda", MEETING_REFRESH, {"meetingId": view.meeting_id}, with_inputs=False
        )
    else:
        back = execute("Back", ACTION_SHOW, {"actionId": a.id}, with_inputs=False)
    return adaptive_card(with_error_banner(body, errors), [back])


def review_list_card(view: MeetingView) -> JSON:
    """Item 3's open actions, each with "Review": opened from the agenda in place of it,
    for the chair who pressed."""
    body: list[JSON] = [heading("Review of previous actions", size="large"), marking()]
    live = view.status is MeetingStatus.IN_PROGRESS
    actions = view.previous_open_actions[:REVIEW_LIST_SHOWN]
    if not actions:
        body.append(text_block("No open actions from earlier meetings."))
    else:
        body.append(
            text_block(
                f"{plural(view.previous_open_total, 'open action')} from earlier meetings. "
                "Review one to mark it done, carry it forward, reassign or cancel it."
            )
        )
    for a in actions:
        lines = action_lines(a, LIST_CHARS, show_raised=True)
        buttons = [
            execute(
                f"Review {reference(a.id)}",
                ACTION_REVIEW_FORM,
                {"actionId": a.id, "meetingId": view.id},
                with_inputs=False,
            )
        ]
        body.append(
            container(
                [*lines, *([action_set(buttons, spacing="none")] if live else [])],
                separator=True,
                spacing="small",
            )
        )
    body += more_line(
        view.previous_open_total - len(actions),
        "open the others by reference (A-<number>) in a personal chat",
    )
    back = execute("Back to agenda", MEETING_REFRESH, {"meetingId": view.id}, with_inputs=False)
    return adaptive_card(body, [back])
