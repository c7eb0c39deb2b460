"""The forms a meeting is recorded through: minute, decision, action, attendance, end.

Each form body is built by one function and used twice: inside the agenda card's
ShowCards, and as a standalone card when the bot hands a form back with the person's
entries kept and an error beside each field that needs another look. One builder means
the two can never drift apart (a field renamed in one place only would lose input).
The action form is the exception: it is only ever a card of its own (see
``action_form_card``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.agenda import CURRENT_SUBJECT, DEFAULT_SUBJECT_KIND
from bot.domain.model import (
    ATTENDANCE_LABELS,
    SUBJECT_LABELS,
    EntryKind,
    MeetingStatus,
    SubjectKind,
)
from bot.domain.register import INITIALS_FIELD, KIND_FIELD, REFERENCE_FIELD
from bot.domain.rules import MAX_DESCRIPTION_CHARS, MAX_ENTRY_CHARS, MAX_LABEL_CHARS
from bot.domain.views import ActionFormView, ItemView, MeetingView
from cards.elements import (
    JSON,
    Errors,
    Values,
    action_set,
    adaptive_card,
    choice_input,
    date_input,
    date_value,
    execute,
    field,
    heading,
    marking,
    recorded_field,
    show_card,
    text_block,
    text_input,
    value_of,
    with_error_banner,
)
from cards.text import format_date, meeting_title, plain, uk_time
from cards.verbs import (
    ATTENDANCE_RECORD,
    ATTENDANCE_SELF,
    ITEM_ACTION,
    ITEM_DECISION,
    ITEM_MINUTE,
    ITEM_SUBJECT_ADD,
    MEETING_END,
    MEETING_REFRESH,
)

NO_SUBJECT = "none"
NO_NAMES_HINT = "Children by case reference and initials only (CR-0001, A.B.), never a name."


@dataclass(frozen=True, slots=True)
class Form:
    """A form's fields and its submit button, ready to sit in a ShowCard or a card."""

    title: str  # the ShowCard button and the standalone card's heading
    body: list[JSON]
    submit: JSON

    def as_show_card(self, button: str | None = None) -> JSON:
        return show_card(button or self.title, self.body, [self.submit])


@dataclass(frozen=True, slots=True)
class _EntryForm:
    field_id: str
    label: str
    verb: str
    hint: str


_ENTRY_FORMS: Mapping[EntryKind, _EntryForm] = {
    EntryKind.MINUTE: _EntryForm(
        "minuteText",
        "Minute",
        ITEM_MINUTE,
        "What was discussed. Kept in the minutes; the agenda card shows only a count. "
        + NO_NAMES_HINT,
    ),
    EntryKind.DECISION: _EntryForm(
        "decisionText",
        "Decision",
        ITEM_DECISION,
        "What the group decided, in a sentence or two. " + NO_NAMES_HINT,
    ),
}


def find_item(view: MeetingView, item_id: int) -> ItemView:
    for item in view.items:
        if item.id == item_id:
            return item
    raise ValueError(f"item {item_id} is not on the agenda of meeting {view.id}")


def entry_form(
    view: MeetingView,
    item: ItemView,
    kind: EntryKind,
    *,
    values: Values | None = None,
    errors: Errors | None = None,
) -> Form:
    """A minute or a decision against one agenda item."""
    spec = _ENTRY_FORMS[kind]
    body = [text_block(spec.hint, subtle=True, size="small")]
    body += recorded_field(
        text_input(
            spec.field_id,
            spec.label,
            value=value_of(values, spec.field_id),
            multiline=True,
            max_length=MAX_ENTRY_CHARS,
            required=True,
        ),
        values,
        errors,
    )
    where: dict[str, object] = {"meetingId": view.id, "itemId": item.id}
    if item.takes_subjects:
        # About the subject being discussed as the card was drawn (0: the item itself),
        # not whichever is current when the button is pressed.
        sub = item.current_sub_item
        where["subjectId"] = sub.subject_id if sub is not None else 0
    submit = execute(f"Record {spec.label.lower()}", spec.verb, where, style="positive")
    return Form(f"Record a {spec.label.lower()}", body, submit)


def action_form(
    form: ActionFormView,
    item: ItemView,
    *,
    values: Values | None = None,
    errors: Errors | None = None,
) -> Form:
    """An action: every action has an owner and a due date, so none is left unowned."""
    view = form.meeting
    owners = [(str(m.id), f"{m.name} ({m.agency_name})") for m in form.owners]
    subjects = [(NO_SUBJECT, "Nobody or nothing in particular")]
    discussed = item.current_sub_item
    if discussed is not None:
        # The subject being discussed, named as the conversation may see it; the form
        # carries its id only (a person of concern's reference is never on a card).
        subjects.insert(0, (CURRENT_SUBJECT, f"{discussed.label} (being discussed)"))
    subjects += [(kind.value, label) for kind, label in SUBJECT_LABELS.items()]
    default_subject = CURRENT_SUBJECT if discussed is not None else NO_SUBJECT
    body: list[JSON] = []
    body += recorded_field(
        text_input(
            "description",
            "What needs doing",
            value=value_of(values, "description"),
            multiline=True,
            max_length=MAX_DESCRIPTION_CHARS,
            required=True,
        ),
        values,
        errors,
    )
    body += field(
        choice_input(
            "ownerId",
            "Owner",
            owners,
            value=value_of(values, "ownerId"),
            placeholder="Choose who owns it",
            required=True,
        ),
        errors,
    )
    body += field(
        date_input(
            "dueDate",
            "Due date",
            value=date_value(values, "dueDate"),
            minimum=uk_time(view.started_at).date(),
            required=True,
        ),
        errors,
    )
    body.append(text_block(NO_NAMES_HINT, subtle=True, size="small"))
    body += field(
        choice_input(
            "subjectKind",
            "About",
            subjects,
            value=value_of(values, "subjectKind", default_subject),
        ),
        errors,
    )
    body += field(
        text_input(
            "subjectRef",
            "Case reference or short label",
            value=value_of(values, "subjectRef"),
            max_length=MAX_LABEL_CHARS,
            placeholder="CR-0001, or a place or person label",
        ),
        errors,
    )
    body += field(
        text_input(
            "subjectInitials",
            "Child's initials (children only)",
            value=value_of(values, "subjectInitials"),
            max_length=8,
            placeholder="A.B.",
        ),
        errors,
    )
    where: dict[str, object] = {"meetingId": view.id, "itemId": item.id}
    if discussed is not None:
        where["subjectId"] = discussed.subject_id
    submit = execute("Record action", ITEM_ACTION, where, style="positive")
    return Form("Record an action", body, submit)


def subject_form(
    view: MeetingView,
    item: ItemView,
    *,
    values: Values | None = None,
    errors: Errors | None = None,
) -> Form:
    """A subject to discuss under item 4-7: one already on the register is found by its
    reference (and kind); a new one is added to the register."""
    default = DEFAULT_SUBJECT_KIND.get(item.kind, SubjectKind.CHILD)
    body: list[JSON] = [
        text_block(
            "Add the subjects in the order the group will discuss them. One already on the "
            "register is found by its reference; a new one is added to it. " + NO_NAMES_HINT,
            subtle=True,
            size="small",
        )
    ]
    body += field(
        choice_input(
            KIND_FIELD,
            "Kind",
            [(kind.value, label) for kind, label in SUBJECT_LABELS.items()],
            value=value_of(values, KIND_FIELD, default.value),
            required=True,
        ),
        errors,
    )
    body += recorded_field(
        text_input(
            REFERENCE_FIELD,
            "Reference or short label",
            value=value_of(values, REFERENCE_FIELD),
            max_length=MAX_LABEL_CHARS,
            placeholder="CR-0001; NYP-2026-0411; Takeaway on Eastborough",
            required=True,
        ),
        values,
        errors,
    )
    body += field(
        text_input(
            INITIALS_FIELD,
            "Initials (a child or a person of concern)",
            value=value_of(values, INITIALS_FIELD),
            max_length=8,
            placeholder="A.B.",
        ),
        errors,
    )
    submit = execute(
        "Add subject",
        ITEM_SUBJECT_ADD,
        {"meetingId": view.id, "itemId": item.id},
        style="positive",
    )
    return Form("Add a subject to discuss", body, submit)


def subject_form_card(
    view: MeetingView,
    item_id: int,
    *,
    values: Values | None = None,
    errors: Errors | None = None,
) -> JSON:
    """The form a chair adds a subject to an item on, opened from the agenda's "Add
    subject" in place of the agenda (it has "Back to agenda"), or handed back with what
    was typed and what was wrong."""
    item = find_item(view, item_id)
    return _form_card(view, subject_form(view, item, values=values, errors=errors), item, errors)


def attendance_form(
    view: MeetingView, *, values: Values | None = None, errors: Errors | None = None
) -> Form:
    """Attendance by agency, with apologies and substitutes, as agenda item 1 asks."""
    body: list[JSON] = [
        action_set(
            [execute("I'm here", ATTENDANCE_SELF, {"meetingId": view.id}, with_inputs=False)]
        ),
        text_block("Or record an agency's attendance:", subtle=True, size="small"),
    ]
    body += field(
        choice_input(
            "agencyId",
            "Agency",
            [(str(a.id), a.name) for a in view.agencies],
            value=value_of(values, "agencyId"),
            placeholder="Choose the agency",
            required=True,
        ),
        errors,
    )
    body += field(
        choice_input(
            "attendanceStatus",
            "Attendance",
            [(s.value, label) for s, label in ATTENDANCE_LABELS.items()],
            value=value_of(values, "attendanceStatus"),
            expanded=True,
            required=True,
        ),
        errors,
    )
    body += field(
        text_input(
            "people",
            "Who (attended, sent apologies or substituted)",
            value=value_of(values, "people"),
            placeholder="J. Smith (DS), K. Patel",
        ),
        errors,
    )
    submit = execute(
        "Record attendance", ATTENDANCE_RECORD, {"meetingId": view.id}, style="positive"
    )
    return Form("Attendance", body, submit)


def end_form(
    view: MeetingView, *, values: Values | None = None, errors: Errors | None = None
) -> Form:
    """Ending posts the summary; the next date is asked here so it goes out with it."""
    default = view.next_meeting_date
    body: list[JSON] = [
        text_block(
            "Ending the meeting closes the agenda and posts a summary of attendance, decisions "
            "and actions here. The minutes stay a draft until the next meeting agrees them.",
            size="small",
        )
    ]
    body += field(
        date_input(
            "nextMeetingDate",
            "Date of the next meeting (if known)",
            value=date_value(values, "nextMeetingDate", default),
            minimum=uk_time(view.started_at).date() + timedelta(days=1),
        ),
        errors,
    )
    submit = execute("End meeting", MEETING_END, {"meetingId": view.id}, style="destructive")
    return Form("End meeting", body, submit)


def back_to_agenda(view: MeetingView) -> JSON:
    return execute("Back to agenda", MEETING_REFRESH, {"meetingId": view.id}, with_inputs=False)


def _form_card(view: MeetingView, form: Form, item: ItemView | None, errors: Errors | None) -> JSON:
    """A form on its own card: which meeting and item it is for, errors, and a way back."""
    where = f"{meeting_title(view.locality.name)}, {format_date(uk_time(view.started_at).date())}"
    head: list[JSON] = [heading(form.title, size="large"), text_block(where, spacing="none")]
    if item is not None:
        head.append(
            text_block(
                f"Item {item.position}: {plain(item.title)}", weight="bolder", spacing="none"
            )
        )
    head.append(marking())
    if view.status is MeetingStatus.ENDED:
        notice = text_block(
            "This meeting has ended, so nothing more can be recorded in it.", color="attention"
        )
        return adaptive_card([*head, notice], [back_to_agenda(view)])
    body: Sequence[JSON] = head + form.body
    return adaptive_card(with_error_banner(body, errors), [form.submit, back_to_agenda(view)])


def entry_form_card(
    view: MeetingView,
    item_id: int,
    kind: EntryKind,
    *,
    values: Values | None = None,
    errors: Errors | None = None,
) -> JSON:
    """A minute or decision form handed back with what was typed and what was wrong."""
    item = find_item(view, item_id)
    return _form_card(
        view, entry_form(view, item, kind, values=values, errors=errors), item, errors
    )


def action_form_card(
    form: ActionFormView,
    item_id: int,
    *,
    values: Values | None = None,
    errors: Errors | None = None,
) -> JSON:
    """The form an action is recorded on, opened from the agenda card's Record button
    (in place of the agenda, for the person who pressed it; posted, blank, for a client
    without Universal Actions), or handed back with what was typed and what was wrong.

    It is a card of its own, not part of the agenda card, because its owner list names
    everyone in the group: hundreds of people would make every agenda edit heavy and
    could push the agenda past Teams' message size."""
    view = form.meeting
    item = find_item(view, item_id)
    return _form_card(view, action_form(form, item, values=values, errors=errors), item, errors)


def attendance_form_card(
    view: MeetingView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """The attendance form handed back with what was typed and what was wrong."""
    return _form_card(
        view, attendance_form(view, values=values, errors=errors), view.current_item, errors
    )


def end_form_card(
    view: MeetingView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """The end-meeting form handed back with what was typed and what was wrong."""
    return _form_card(view, end_form(view, values=values, errors=errors), view.current_item, errors)
