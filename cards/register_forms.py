"""The register's forms: add a subject, and change a subject's risk, status, details, a
child's checks and its links; and the short card that confirms a change.

Each form keeps what the person entered and shows each error beside its field when the
bot hands it back (``values``, ``errors``), like the meeting's forms (``cards.forms``).
Free-text fields that go into the record use ``recorded_field``, so the confirmation of
identifying details appears beside them when it is asked for.

A form is an answer to the person who pressed (an ``Action.Execute`` answer replaces the
card for that person only); the confirmation may be seen by a whole channel (the
``Action.Submit`` fallback posts it), so it is coded: the subject's reference (a person of
concern only as "a person of concern" in a group's conversation), what changed, never why.
"""

from __future__ import annotations

from bot.domain.model import SubjectKind
from bot.domain.register import (
    INITIALS_FIELD,
    INTERVIEW_LABELS,
    KIND_FIELD,
    REFERENCE_FIELD,
    REFERENCE_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
    WITH_INITIALS,
    may_link,
)
from bot.domain.register_forms import (
    ADD_OTHER_FIELD,
    CHECK_FIELDS,
    LEAD_AGENCY_FIELD,
    LINK_REASON_FIELD,
    LOCALITY_FIELD,
    MAX_CHECK_TEXT_CHARS,
    MAX_LINK_REASON_CHARS,
    MAX_REASON_CHARS,
    NO,
    NO_AGENCY,
    NOT_RECORDED,
    RISK_FIELD,
    RISK_REASON_FIELD,
    STATUS_FIELD,
    STATUS_REASON_FIELD,
    STRANDS_FIELD,
    YES,
    AddChoices,
    SubjectEdit,
    SubjectSaved,
    check_values,
    unlink_reason_field,
)
from bot.domain.rules import MAX_LABEL_CHARS
from cards.elements import (
    JSON,
    Errors,
    Values,
    adaptive_card,
    choice_input,
    confirm_toggle,
    date_input,
    date_value,
    execute,
    field,
    field_error,
    heading,
    marking,
    recorded_field,
    recorded_text_field,
    rich,
    run,
    show_card,
    text_block,
    text_input,
    value_of,
    with_error_banner,
)
from cards.text import plain
from cards.verbs import (
    ALL_VERBS,
    SUBJECT_ADD,
    SUBJECT_CHECKS,
    SUBJECT_DETAILS,
    SUBJECT_LINK,
    SUBJECT_RISK,
    SUBJECT_SHOW,
    SUBJECT_STATUS,
    SUBJECT_UNLINK,
)

KIND_TITLES: dict[SubjectKind, str] = {
    SubjectKind.CHILD: "Child",
    SubjectKind.PERSON: "Person of concern",
    SubjectKind.LOCATION: "Location",
    SubjectKind.GROUP: "Peer or organised group",
    SubjectKind.THEME: "Theme",
}
#: How a person of concern is named where a whole group may read it.
RESTRICTED_PERSON = "a person of concern"
NO_NAMES = (
    "Children and persons of concern by reference and initials only (CR-0001, A.B.), never "
    "a name; a location never by a house address."
)
ADD_OTHER_TITLE = "Add it to the register and link it"


def _data(view: SubjectEdit) -> dict[str, object]:
    data: dict[str, object] = {"subjectId": view.subject_id}
    if view.meeting_id is not None:
        data["meetingId"] = view.meeting_id
    return data


def _show_subject(subject_id: int, meeting_id: int | None) -> list[JSON]:
    """ "Show subject", once the register's read side routes ``subject.show``."""
    if SUBJECT_SHOW not in ALL_VERBS:
        return []
    data: dict[str, object] = {"subjectId": subject_id}
    if meeting_id is not None:
        data["meetingId"] = meeting_id
    return [execute("Show subject", SUBJECT_SHOW, data, with_inputs=False)]


def _form(
    view: SubjectEdit, title: str, body: list[JSON], submit: JSON, errors: Errors | None
) -> JSON:
    head: list[JSON] = [
        heading(title, size="large"),
        rich(run(f"{KIND_TITLES[view.kind]}: ", bold=True), view.shown),
        text_block(f"{plain(view.locality_name)} register", subtle=True, spacing="none"),
        marking(),
    ]
    return adaptive_card(
        with_error_banner([*head, *body], errors),
        [submit, *_show_subject(view.subject_id, view.meeting_id)],
    )


def _reason(
    field_id: str,
    label: str,
    limit: int,
    values: Values | None,
    errors: Errors | None,
    *,
    required: bool,
) -> list[JSON]:
    return recorded_text_field(
        field_id, label, values, errors, multiline=True, max_length=limit, required=required
    )


def risk_form_card(
    view: SubjectEdit, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """A new risk level, with why: the history keeps who, when, in which meeting, why."""
    now = RISK_LABELS[view.risk] if view.risk else "not rated yet"
    body: list[JSON] = [text_block(f"Risk now: **{now}**")]
    body += field(
        choice_input(
            RISK_FIELD,
            "New risk level",
            [(level.value, label) for level, label in RISK_LABELS.items()],
            value=value_of(values, RISK_FIELD),
            expanded=True,
            required=True,
        ),
        errors,
    )
    body += _reason(
        RISK_REASON_FIELD, "Why it changed", MAX_REASON_CHARS, values, errors, required=True
    )
    submit = execute("Save the risk", SUBJECT_RISK, _data(view), style="positive")
    return _form(view, "Change the risk", body, submit, errors)


def status_form_card(
    view: SubjectEdit, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """Open, monitoring or closed; closing needs a reason."""
    body: list[JSON] = [text_block(f"Status now: **{STATUS_LABELS[view.status]}**")]
    body += field(
        choice_input(
            STATUS_FIELD,
            "New status",
            [(status.value, label) for status, label in STATUS_LABELS.items()],
            value=value_of(values, STATUS_FIELD),
            expanded=True,
            required=True,
        ),
        errors,
    )
    body += _reason(
        STATUS_REASON_FIELD,
        "Why (required to close)",
        MAX_REASON_CHARS,
        values,
        errors,
        required=False,
    )
    submit = execute("Save the status", SUBJECT_STATUS, _data(view), style="positive")
    return _form(view, "Change the status", body, submit, errors)


def _strands_input(choices: tuple[tuple[str, str], ...], value: str, label: str) -> JSON:
    element = choice_input(STRANDS_FIELD, label, choices, value=value, expanded=True)
    element["isMultiSelect"] = True
    return element


def _agency_input(choices: tuple[tuple[str, str], ...], value: str) -> JSON:
    return choice_input(
        LEAD_AGENCY_FIELD,
        "Lead agency",
        [(NO_AGENCY, "No lead agency"), *choices],
        value=value or NO_AGENCY,
    )


def details_form_card(
    view: SubjectEdit, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """The lead agency and the strands (one or more, from the ``strands`` table)."""
    body: list[JSON] = []
    body += field(
        _agency_input(view.agencies, value_of(values, LEAD_AGENCY_FIELD, view.lead_agency)),
        errors,
    )
    body += field(
        _strands_input(
            view.strand_choices,
            value_of(values, STRANDS_FIELD, ",".join(view.strands)),
            "Strands (one or more)",
        ),
        errors,
    )
    submit = execute("Save the details", SUBJECT_DETAILS, _data(view), style="positive")
    return _form(view, "Change the details", body, submit, errors)


_YES_NO = ((NOT_RECORDED, "Not recorded"), (YES, "Yes"), (NO, "No"))
_INTERVIEW = ((NOT_RECORDED, "Not recorded"), *((s.value, t) for s, t in INTERVIEW_LABELS.items()))


def checks_form_card(
    view: SubjectEdit, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """What the strategy asks to be checked for a child, as recorded now; what is still
    missing is listed at the top (for the chair; never sent to the channel)."""
    current = check_values(view.checks)
    missing = view.checks.missing()
    body: list[JSON] = []
    if missing:
        body.append(text_block("**Still to record:** " + "; ".join(missing), size="small"))
    for check in CHECK_FIELDS:
        entered = value_of(values, check.id, current[check.id]) if values else current[check.id]
        if check.kind == "yes_no":
            element = choice_input(check.id, check.label, _YES_NO, value=entered)
            body += field(element, errors)
        elif check.kind == "interview":
            element = choice_input(check.id, check.label, _INTERVIEW, value=entered)
            body += field(element, errors)
        elif check.kind == "date":
            shown = date_value(values, check.id) if values else current[check.id]
            body += field(date_input(check.id, check.label, value=shown), errors)
        else:
            body += recorded_field(
                text_input(check.id, check.label, value=entered, max_length=MAX_CHECK_TEXT_CHARS),
                values,
                errors,
            )
    submit = execute("Save the checks", SUBJECT_CHECKS, _data(view), style="positive")
    return _form(view, "A child's checks", body, submit, errors)


def link_form_card(
    view: SubjectEdit, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """Link to another subject, found by its reference (added to the register in the same
    step when it is not there yet); and the current links, each with a way to remove it."""
    kinds = [(k.value, KIND_TITLES[k]) for k in SubjectKind if may_link(view.kind, k)]
    body: list[JSON] = [text_block(NO_NAMES, subtle=True, size="small")]
    body += field(
        choice_input(
            KIND_FIELD,
            "Link to",
            kinds,
            value=value_of(values, KIND_FIELD),
            placeholder="Choose the kind of subject",
            required=True,
        ),
        errors,
    )
    body += recorded_field(
        text_input(
            REFERENCE_FIELD,
            "Its reference or label",
            value=value_of(values, REFERENCE_FIELD),
            max_length=MAX_LABEL_CHARS,
            placeholder="CR-0001, NYP-2026-0411, Takeaway on Eastborough",
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
            max_length=10,
        ),
        errors,
    )
    body += _reason(
        LINK_REASON_FIELD,
        "Why they are linked (a short reason)",
        MAX_LINK_REASON_CHARS,
        values,
        errors,
        required=True,
    )
    if (errors and ADD_OTHER_FIELD in errors) or (values or {}).get(ADD_OTHER_FIELD) == "true":
        toggle = confirm_toggle(
            ADD_OTHER_FIELD, ticked=(values or {}).get(ADD_OTHER_FIELD) == "true"
        )
        toggle["title"] = ADD_OTHER_TITLE
        body.append(toggle)
        if errors and ADD_OTHER_FIELD in errors:
            body.append(field_error(errors[ADD_OTHER_FIELD]))
    if view.links:
        body.append(heading("Linked now", size="default", separator=True))
    removals: list[JSON] = []
    for link in view.links:
        risk = RISK_LABELS[link.other_risk].lower() if link.other_risk else "not rated"
        body.append(
            rich(
                run(f"{KIND_TITLES[link.other_kind]}: ", bold=True),
                link.other_shown,
                f" (risk {risk})",
            )
        )
        reason_id = unlink_reason_field(link.link_id)
        removals.append(
            show_card(
                f"Remove the link to {link.other_shown}"[:60],
                _reason(
                    reason_id,
                    "Why it is removed",
                    MAX_LINK_REASON_CHARS,
                    values,
                    errors,
                    required=True,
                ),
                [
                    execute(
                        "Remove the link",
                        SUBJECT_UNLINK,
                        {**_data(view), "linkId": link.link_id},
                        style="destructive",
                    )
                ],
            )
        )
    submit = execute("Link", SUBJECT_LINK, _data(view), style="positive")
    card = _form(view, "Link to another subject", body, submit, errors)
    if removals:
        card["body"].append({"type": "ActionSet", "actions": removals})
    return card


def add_form_card(
    choices: AddChoices, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """A subject added to one of the member's groups outside a meeting: kind, reference
    and initials; risk, lead agency and strands may be given now or later."""
    kinds = [(k.value, KIND_TITLES[k]) for k in SubjectKind]
    body: list[JSON] = [heading("Add to a register", size="large"), marking()]
    body.append(text_block(NO_NAMES, subtle=True, size="small"))
    body += field(
        choice_input(
            LOCALITY_FIELD,
            "Group",
            choices.groups,
            value=value_of(
                values, LOCALITY_FIELD, choices.groups[0][0] if len(choices.groups) == 1 else ""
            ),
            placeholder="Choose the group",
            required=True,
        ),
        errors,
    )
    body += field(
        choice_input(
            KIND_FIELD,
            "Kind",
            kinds,
            value=value_of(values, KIND_FIELD),
            placeholder="Choose the kind of subject",
            required=True,
        ),
        errors,
    )
    body.append(
        text_block(
            "; ".join(f"{KIND_TITLES[k]}: {REFERENCE_LABELS[k].lower()}" for k in SubjectKind),
            subtle=True,
            size="small",
        )
    )
    body += recorded_field(
        text_input(
            REFERENCE_FIELD,
            "Reference or label",
            value=value_of(values, REFERENCE_FIELD),
            max_length=MAX_LABEL_CHARS,
            required=True,
        ),
        values,
        errors,
    )
    with_initials = ", ".join(KIND_TITLES[k].lower() for k in SubjectKind if k in WITH_INITIALS)
    body += field(
        text_input(
            INITIALS_FIELD,
            f"Initials ({with_initials})",
            value=value_of(values, INITIALS_FIELD),
            max_length=10,
        ),
        errors,
    )
    body += field(
        choice_input(
            RISK_FIELD,
            "Risk (optional)",
            [(NOT_RECORDED, "Not rated yet"), *((lv.value, lb) for lv, lb in RISK_LABELS.items())],
            value=value_of(values, RISK_FIELD, NOT_RECORDED),
        ),
        errors,
    )
    body += field(_agency_input(choices.agencies, value_of(values, LEAD_AGENCY_FIELD)), errors)
    body += field(
        _strands_input(
            choices.strand_choices, value_of(values, STRANDS_FIELD), "Strands (optional)"
        ),
        errors,
    )
    return adaptive_card(
        with_error_banner(body, errors),
        [execute("Add to the register", SUBJECT_ADD, style="positive")],
    )


def saved_card(saved: SubjectSaved, *, in_group: bool) -> JSON:
    """A short confirmation: which subject, what changed, never why. In a group's
    conversation a person of concern is not named (``RESTRICTED_PERSON``)."""

    def named(kind: SubjectKind, shown: str) -> str:
        if in_group and kind is SubjectKind.PERSON:
            return RESTRICTED_PERSON
        return shown

    body: list[JSON] = [
        heading("Saved in the register"),
        rich(run(f"{KIND_TITLES[saved.kind]}: ", bold=True), named(saved.kind, saved.shown)),
    ]
    if saved.other_kind is not None:
        line = f"{KIND_TITLES[saved.other_kind]}: "
        body.append(
            rich(
                run("With ", bold=True),
                run(line, bold=True),
                named(saved.other_kind, saved.other_shown),
                " (added to the register)" if saved.other_added else "",
            )
        )
    # Our wording, but it can hold a group's name: a TextRun, which renders no markdown.
    body.append(rich(saved.change))
    return adaptive_card(body, _show_subject(saved.subject_id, saved.meeting_id))
