"""The cards a minute, decision or action recorded in error is corrected or withdrawn on
(issue 16), before the meeting's minutes are agreed.

Both are answers to a button press, shown only to the person who pressed it in place of
the card they pressed (never posted in the conversation): the list names what was
recorded under an item, minute text included, and the form shows an entry whole. The
agenda card itself only carries a "Correct records" button (it never shows minute text).
"""

from __future__ import annotations

from datetime import date

from bot.domain.corrections import (
    DESCRIPTION_FIELD,
    DUE_FIELD,
    KEEP_SUBJECT,
    MAX_REASON_CHARS,
    OWNER_FIELD,
    REASON_FIELD,
    SUBJECT_INITIALS_FIELD,
    SUBJECT_KIND_FIELD,
    SUBJECT_REF_FIELD,
    TEXT_FIELD,
    WITHDRAW_FIELD,
    CorrectableEntry,
    CorrectionFormView,
    CorrectionListView,
    RecordKind,
)
from bot.domain.model import SUBJECT_LABELS, MeetingStatus
from bot.domain.rules import MAX_DESCRIPTION_CHARS, MAX_ENTRY_CHARS, MAX_LABEL_CHARS
from cards.elements import (
    JSON,
    Errors,
    Values,
    action_set,
    adaptive_card,
    choice_input,
    container,
    date_input,
    date_value,
    execute,
    field,
    heading,
    marking,
    recorded_field,
    rich,
    run,
    text_block,
    text_input,
    value_of,
    with_error_banner,
)
from cards.forms import NO_NAMES_HINT, NO_SUBJECT
from cards.parts import CORRECTED
from cards.text import format_date, meeting_title, plain, plural
from cards.verbs import CORRECTION_FORM, CORRECTION_SAVE, CORRECTIONS_SHOW, MEETING_REFRESH

EXPLAINED = (
    "Correct or withdraw a minute, decision or action recorded in error, until these "
    "minutes are agreed. The record shows it was corrected; what it said before and your "
    "reason are kept."
)
WITHDRAW_TITLE = (
    "Withdraw as recorded in error: kept, but left out of the minutes and every count and list"
)


def correct_records_button(meeting_id: int, item_id: int | None = None) -> JSON:
    """ "Correct records": one button on the agenda's current item (and at item 2 for the
    last meeting's minutes, and on an ended meeting's summary), not one per entry, so the
    shared card stays small; it opens the list for the person who pressed. Shown to
    everyone, as the chair's other buttons are: the service refuses anyone who may not
    correct records, at once."""
    data: dict[str, object] = {"meetingId": meeting_id}
    if item_id is not None:
        data["itemId"] = item_id
    return execute("Correct records", CORRECTIONS_SHOW, data, with_inputs=False)


def corrections_card(view: CorrectionListView, note: str | None = None) -> JSON:
    """The items of a meeting with entries to correct, or one item's entries a page at a
    time, each with "Correct" (a withdrawn one is marked, with nothing to press)."""
    body = _head(view.locality, view.meeting_date, "Correct the record")
    if note:
        body.append(text_block(note, color="good", weight="bolder"))
    body.append(text_block(EXPLAINED, size="small", subtle=True))
    where = {"meetingId": view.meeting_id}
    actions: list[JSON] = []
    if view.item is None:
        if not view.items:
            body.append(text_block("Nothing was recorded at this meeting."))
        for item in view.items:
            body.append(
                container(
                    [
                        text_block(
                            f"Item {item.position}: {plain(item.title)} · "
                            f"{plural(item.count, 'entry', 'entries')}",
                            spacing="none",
                        ),
                        action_set(
                            [
                                execute(
                                    "Show entries",
                                    CORRECTIONS_SHOW,
                                    {**where, "itemId": item.item_id},
                                    with_inputs=False,
                                )
                            ],
                            spacing="none",
                        ),
                    ],
                    separator=True,
                )
            )
    else:
        body.append(heading(f"Item {view.item.position}: {plain(view.item.title)}", separator=True))
        if not view.entries:
            body.append(text_block("Nothing was recorded under this item."))
        body += [_entry(view, entry) for entry in view.entries]
        if view.pages > 1:
            body.append(text_block(f"Page {view.page} of {view.pages}", size="small", subtle=True))
            at = {**where, "itemId": view.item.item_id}
            if view.page > 1:
                actions.append(
                    execute(
                        "Previous page",
                        CORRECTIONS_SHOW,
                        {**at, "page": view.page - 1},
                        with_inputs=False,
                    )
                )
            if view.page < view.pages:
                actions.append(
                    execute(
                        "Next page",
                        CORRECTIONS_SHOW,
                        {**at, "page": view.page + 1},
                        with_inputs=False,
                    )
                )
        actions.append(execute("All items", CORRECTIONS_SHOW, where, with_inputs=False))
    if view.status is MeetingStatus.IN_PROGRESS:
        actions.append(execute("Back to agenda", MEETING_REFRESH, where, with_inputs=False))
    return adaptive_card(body, actions)


def _entry(view: CorrectionListView, entry: CorrectableEntry) -> JSON:
    runs: list[JSON | str] = [run(f"{entry.kind.label}: ", bold=True), run(entry.text)]
    if entry.corrected:
        runs.append(run(CORRECTED, subtle=True))
    lines: list[JSON] = [rich(*runs)]
    if entry.detail:
        lines.append(rich(run(entry.detail, subtle=True), spacing="none"))
    if entry.withdrawn:
        lines.append(text_block("Withdrawn as recorded in error.", size="small", color="attention"))
    else:
        lines.append(
            action_set(
                [
                    execute(
                        "Correct",
                        CORRECTION_FORM,
                        {
                            "meetingId": view.meeting_id,
                            "kind": entry.kind.value,
                            "recordId": entry.id,
                        },
                        with_inputs=False,
                    )
                ],
                spacing="none",
            )
        )
    return container(lines, separator=True)


def correction_form_card(
    view: CorrectionFormView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """One entry as it stands and what to change: the new text (or, for an action, its
    description, owner, due date and subject), the reason, and "Withdraw"."""
    article = "an" if view.kind is RecordKind.ACTION else "a"
    body = _head(view.locality, view.meeting_date, f"Correct {article} {view.kind.value}")
    body.append(
        text_block(
            f"Item {view.item_position}: {plain(view.item_title)}", weight="bolder", spacing="none"
        )
    )
    body.append(text_block("As recorded:", weight="bolder"))
    body.append(text_block(plain(view.text), spacing="none"))
    if view.kind is RecordKind.ACTION:
        body += _action_fields(view, values, errors)
    else:
        body += recorded_field(
            text_input(
                TEXT_FIELD,
                f"The {view.kind.value} as it should read",
                value=value_of(values, TEXT_FIELD, view.text) if values else view.text,
                multiline=True,
                max_length=MAX_ENTRY_CHARS,
                required=True,
            ),
            values,
            errors,
        )
    body += recorded_field(
        text_input(
            REASON_FIELD,
            "Reason for the correction",
            value=value_of(values, REASON_FIELD),
            multiline=True,
            max_length=MAX_REASON_CHARS,
            placeholder="For example: recorded under the wrong item; wrong owner named",
            required=True,
        ),
        values,
        errors,
    )
    withdraw: JSON = {
        "type": "Input.Toggle",
        "id": WITHDRAW_FIELD,
        "title": WITHDRAW_TITLE,
        "valueOn": "true",
        "valueOff": "false",
        "wrap": True,
    }
    if value_of(values, WITHDRAW_FIELD) == "true":
        withdraw["value"] = "true"
    body += field(withdraw, errors)
    save = execute(
        "Save",
        CORRECTION_SAVE,
        {"meetingId": view.meeting_id, "kind": view.kind.value, "recordId": view.record_id},
        style="positive",
    )
    back = execute(
        "Back",
        CORRECTIONS_SHOW,
        {"meetingId": view.meeting_id, "itemId": view.item_id},
        with_inputs=False,
    )
    return adaptive_card(with_error_banner(body, errors), [save, back])


def _action_fields(
    view: CorrectionFormView, values: Values | None, errors: Errors | None
) -> list[JSON]:
    def current(key: str, recorded: str) -> str:
        return value_of(values, key) if values else recorded

    owners = [(str(m.id), f"{m.name} ({m.agency_name})") for m in view.owners]
    kept = view.subject or "nobody or nothing in particular"
    subjects = [
        (KEEP_SUBJECT, f"As recorded: {kept}"),
        (NO_SUBJECT, "Nobody or nothing in particular"),
    ]
    subjects += [(kind.value, label) for kind, label in SUBJECT_LABELS.items()]
    lines = recorded_field(
        text_input(
            DESCRIPTION_FIELD,
            "What needs doing",
            value=current(DESCRIPTION_FIELD, view.text),
            multiline=True,
            max_length=MAX_DESCRIPTION_CHARS,
            required=True,
        ),
        values,
        errors,
    )
    lines += field(
        choice_input(
            OWNER_FIELD,
            "Owner",
            owners,
            value=current(OWNER_FIELD, str(view.owner_id or "")),
            required=True,
        ),
        errors,
    )
    lines += field(
        date_input(
            DUE_FIELD,
            "Due date",
            value=date_value(values, DUE_FIELD, None if values else view.due_date),
            required=True,
        ),
        errors,
    )
    lines.append(text_block(NO_NAMES_HINT, subtle=True, size="small"))
    lines += field(
        choice_input(
            SUBJECT_KIND_FIELD,
            "About",
            subjects,
            value=value_of(values, SUBJECT_KIND_FIELD, KEEP_SUBJECT),
        ),
        errors,
    )
    lines += field(
        text_input(
            SUBJECT_REF_FIELD,
            "New case reference or short label",
            value=value_of(values, SUBJECT_REF_FIELD),
            max_length=MAX_LABEL_CHARS,
            placeholder="CR-0001, or a place or person label",
        ),
        errors,
    )
    lines += field(
        text_input(
            SUBJECT_INITIALS_FIELD,
            "Child's initials (children only)",
            value=value_of(values, SUBJECT_INITIALS_FIELD),
            max_length=8,
            placeholder="A.B.",
        ),
        errors,
    )
    return lines


def _head(locality: str, day: date, title: str) -> list[JSON]:
    return [
        heading(title, size="large"),
        text_block(f"{meeting_title(locality)}, {format_date(day)}", spacing="none"),
        marking(),
    ]
