"""Cards for actions between meetings: an owner's "my actions", a coordinator's
outstanding list, and a chair's decision on a new due date.

Input ids carry the action id (``update-12``) because one card holds a form per action
and Teams collects every input on the card; errors come back keyed the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.page_addresses import PageAddresses
from bot.domain.rules import MAX_ENTRY_CHARS
from bot.domain.views import DateRequestView, OutstandingPage, OwnedActionView
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
    open_url,
    recorded_text_field,
    rich,
    run,
    show_card,
    text_block,
    value_of,
    with_error_banner,
)
from cards.parts import action_lines, labelled, more_line
from cards.text import LIST_CHARS, NAME_CHARS, SUMMARY_CHARS, clip, format_date, plain, plural
from cards.verbs import (
    ACTION_DONE,
    ACTION_HAND_OVER,
    ACTION_HAND_OVER_CHOOSE,
    ACTION_REQUEST_DATE,
    ACTION_SHOW,
    ACTION_UPDATE,
    ACTIONS_MINE,
    DATE_REQUEST_ACCEPT,
    DATE_REQUEST_REFUSE,
    DATE_REQUEST_SHOW,
    ESCALATE_FORM,
    OUTSTANDING_PAGE,
)

MAX_OWNED_SHOWN = 15


def _owned_forms(item: OwnedActionView, values: Values | None, errors: Errors | None) -> list[JSON]:
    """What an owner can do with one action: three forms and the hand-over button."""
    if values is None and errors is None:
        return [_fresh_forms(item.action.id)]
    return _forms(item.action.id, values, errors)


def _forms(aid: int, values: Values | None, errors: Errors | None) -> list[JSON]:
    data = {"actionId": aid}
    forms = [
        show_card(
            "Add an update",
            recorded_text_field(
                f"update-{aid}",
                "What has happened",
                values,
                errors,
                multiline=True,
                max_length=MAX_ENTRY_CHARS,
                required=True,
            ),
            [execute("Save update", ACTION_UPDATE, data)],
        ),
        show_card(
            "Mark done",
            recorded_text_field(
                f"done-{aid}",
                "What was done",
                values,
                errors,
                multiline=True,
                max_length=MAX_ENTRY_CHARS,
                required=True,
            ),
            [execute("Mark done", ACTION_DONE, data, style="positive")],
        ),
        show_card(
            "Ask for a new date",
            [
                *field(
                    date_input(
                        f"newDate-{aid}",
                        "New due date",
                        value=value_of(values, f"newDate-{aid}"),
                        required=True,
                    ),
                    errors,
                ),
                *recorded_text_field(
                    f"reason-{aid}",
                    "Why (the chair decides)",
                    values,
                    errors,
                    multiline=True,
                    max_length=MAX_ENTRY_CHARS,
                    required=True,
                ),
            ],
            [execute("Send to the chair", ACTION_REQUEST_DATE, data)],
        ),
    ]
    forms.append(execute("Hand over", ACTION_HAND_OVER_CHOOSE, data, with_inputs=False))
    return [action_set(forms)]


def _button(title: str, verb: str, aid: int, extra: JSON) -> JSON:
    """``execute(title, verb, {"actionId": aid}, ...)`` as ``_fresh_forms`` needs it."""
    return {
        "type": "Action.Execute",
        "title": title,
        **extra,
        "verb": verb,
        "data": {"verb": verb, "actionId": aid},
        "fallback": {
            "type": "Action.Submit",
            "title": title,
            **extra,
            "data": {"verb": verb, "actionId": aid},
        },
    }


def _text(input_id: str, label: str) -> JSON:
    """``recorded_text_field`` of an empty, required, multi-line entry, as built fresh."""
    return {
        "type": "Input.Text",
        "id": input_id,
        "label": label,
        "isMultiline": True,
        "maxLength": MAX_ENTRY_CHARS,
        "isRequired": True,
        "errorMessage": f"{label} is required.",
    }


def _fresh_forms(aid: int) -> JSON:
    """``_forms(aid, None, None)``, built directly: "my actions" is the card partners open
    most, and it draws these forms for up to fifteen actions. Built through the general
    element helpers they were half of the card's CPU; nothing entered and no errors, they
    are always the same shape. tests/cards/test_my_actions_forms.py holds the two equal,
    key for key and in order."""
    return {
        "type": "ActionSet",
        "actions": [
            {
                "type": "Action.ShowCard",
                "title": "Add an update",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [_text(f"update-{aid}", "What has happened")],
                    "actions": [_button("Save update", ACTION_UPDATE, aid, {})],
                },
            },
            {
                "type": "Action.ShowCard",
                "title": "Mark done",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [_text(f"done-{aid}", "What was done")],
                    "actions": [_button("Mark done", ACTION_DONE, aid, {"style": "positive"})],
                },
            },
            {
                "type": "Action.ShowCard",
                "title": "Ask for a new date",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [
                        {
                            "type": "Input.Date",
                            "id": f"newDate-{aid}",
                            "label": "New due date",
                            "isRequired": True,
                            "errorMessage": "New due date is required.",
                        },
                        _text(f"reason-{aid}", "Why (the chair decides)"),
                    ],
                    "actions": [_button("Send to the chair", ACTION_REQUEST_DATE, aid, {})],
                },
            },
            _button("Hand over", ACTION_HAND_OVER_CHOOSE, aid, {"associatedInputs": "none"}),
        ],
    }


def hand_over_card(
    item: OwnedActionView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """One action and the colleagues it can go to: the form behind "Hand over"."""
    aid = item.action.id
    body: list[JSON] = [
        heading(f"Hand over A-{aid}", size="large"),
        marking(),
        *action_lines(item.action, SUMMARY_CHARS),
        text_block(f"{plain(item.locality)} group", subtle=True, size="small", spacing="none"),
    ]
    actions = [execute("Back to my actions", ACTIONS_MINE, with_inputs=False)]
    if item.colleagues:
        body += field(
            choice_input(
                f"handTo-{aid}",
                f"A colleague in {item.action.agency_name}",
                [(str(m.id), m.name) for m in item.colleagues],
                value=value_of(values, f"handTo-{aid}"),
                placeholder="Choose a colleague",
                required=True,
            ),
            errors,
        )
        body.append(
            text_block(
                "They become the owner and are told. To move an action to another agency, "
                "ask the chair.",
                size="small",
            )
        )
        actions.insert(0, execute("Hand over", ACTION_HAND_OVER, {"actionId": aid}))
    else:
        body.append(
            text_block(
                f"No one else in {plain(item.action.agency_name)} is a member of the "
                f"{plain(item.locality)} group, so there is no one to hand it to. To move it "
                "to another agency, ask the chair."
            )
        )
    return adaptive_card(with_error_banner(body, errors), actions)


def my_actions_card(
    items: Sequence[OwnedActionView],
    *,
    values: Values | None = None,
    errors: Errors | None = None,
    note: str = "",
) -> JSON:
    """The owner's open actions, soonest due first, each with what they can do next."""
    body: list[JSON] = [heading("My open actions", size="large"), marking()]
    if note:
        body.append(text_block(note, color="good"))
    if not items:
        body.append(text_block("You have no open actions. Thank you."))
        return adaptive_card(body, [execute("Refresh", ACTIONS_MINE, with_inputs=False)])
    body.append(text_block(plural(len(items), "open action") + ", soonest due first."))
    groups: dict[str, str] = {}  # each group's name escaped once, not once per action
    for item in items[:MAX_OWNED_SHOWN]:
        lines = action_lines(item.action, SUMMARY_CHARS)
        group = groups.get(item.locality)
        if group is None:
            group = groups[item.locality] = plain(item.locality)
        extra: list[JSON] = [
            text_block(
                f"A-{item.action.id} · {group} group",
                subtle=True,
                size="small",
                spacing="none",
            )
        ]
        if item.requested_due_date:
            extra.append(
                text_block(
                    f"New date {format_date(item.requested_due_date)} asked for; waiting for the "
                    "chair.",
                    size="small",
                    spacing="none",
                )
            )
        if item.last_update:
            extra.append(
                labelled("Last update", clip(item.last_update, LIST_CHARS), spacing="none")
            )
        body.append(
            container(
                [*lines, *extra, *_owned_forms(item, values, errors)],
                separator=True,
                spacing="medium",
            )
        )
    body += more_line(len(items) - MAX_OWNED_SHOWN, "finish or update these first")
    return adaptive_card(
        with_error_banner(body, errors), [execute("Refresh", ACTIONS_MINE, with_inputs=False)]
    )


def outstanding_card(page: OutstandingPage, pages: PageAddresses | None = None) -> JSON:
    """One page of the open actions a coordinator may see, with paging that keeps the
    filter, and (with ``pages``) a button to the export page of the same filter, which
    offers the CSV and Excel files once the person has signed in."""
    body: list[JSON] = [
        heading("Outstanding actions", size="large"),
        marking(),
        text_block(
            f"{plural(page.total, 'open action')}: {plain(page.description)}. "
            f"Page {page.page} of {page.pages}."
        ),
    ]
    if not page.rows:
        body.append(text_block("Nothing outstanding matches."))
    for row in page.rows:
        first: list[JSON | str] = []
        if row.days_overdue:
            first.append(
                run(f"OVERDUE {row.days_overdue} working days ", bold=True, color="attention")
            )
        if row.escalated:
            first.append(run("ESCALATED ", bold=True, color="attention"))
        first.append(run(clip(row.description, LIST_CHARS)))
        meta = [
            f"A-{row.id}",
            row.locality,
            f"{clip(row.owner_name, NAME_CHARS)} ({row.agency_name})",
            f"due {format_date(row.due_date)}",
        ]
        if row.subject:
            meta.append(f"about {row.subject}")
        items: list[JSON] = [rich(*first), rich(run(" · ".join(meta), subtle=True), spacing="none")]
        if row.last_update:
            items.append(labelled("Last update", clip(row.last_update, LIST_CHARS), spacing="none"))
        # The action's card: its history, and for a chair, deputy or coordinator of its
        # group the review (done, carry forward, reassign, cancel).
        items.append(
            action_set(
                [execute(f"Open A-{row.id}", ACTION_SHOW, {"actionId": row.id}, with_inputs=False)],
                spacing="none",
            )
        )
        if row.id in page.can_escalate:
            items.append(
                action_set(
                    [
                        execute(
                            "Escalate",
                            ESCALATE_FORM,
                            {"kind": "action", "recordId": row.id},
                            with_inputs=False,
                        )
                    ]
                )
            )
        body.append(container(items, separator=True, spacing="small"))
    buttons = []
    if page.rows and pages is not None:
        body.append(text_block(DOWNLOAD_PAGE_NOTE, subtle=True, separator=True))
        buttons.append(open_url("Download CSV or Excel", pages.actions_export(page.filter_data)))
    if page.page > 1:
        buttons.append(
            execute(
                "Previous page",
                OUTSTANDING_PAGE,
                {**page.filter_data, "page": page.page - 1},
                with_inputs=False,
            )
        )
    if page.page < page.pages:
        buttons.append(
            execute(
                "Next page",
                OUTSTANDING_PAGE,
                {**page.filter_data, "page": page.page + 1},
                with_inputs=False,
            )
        )
    return adaptive_card(body, buttons)


def date_request_card(view: DateRequestView, *, detailed: bool = False) -> JSON:
    """A chair's card for a requested new due date.

    Sent proactively, so by default it names the action only by reference, group, owner
    and dates; "Show details" answers the chair alone with the description and reason.
    """
    body: list[JSON] = [
        heading("A new due date is asked for", size="large"),
        marking(),
        text_block(
            f"A-{view.action_id} · {plain(view.locality)} group · "
            f"{plain(view.owner_name)} ({plain(view.agency_name)})"
        ),
        text_block(
            f"Due {format_date(view.current_due)}; asked to move to "
            f"{format_date(view.requested_due)}."
        ),
    ]
    if detailed:
        body += [
            labelled("The action", clip(view.description, SUMMARY_CHARS)),
            labelled("Reason", clip(view.reason, SUMMARY_CHARS)),
        ]
    if view.decided:
        body.append(
            text_block(
                f"**{view.decided.capitalize()}.** The owner has been told.",
                color="good" if view.decided == "accepted" else "attention",
            )
        )
        return adaptive_card(body)
    data = {"actionId": view.action_id}
    actions = [
        execute("Accept", DATE_REQUEST_ACCEPT, data, style="positive", with_inputs=False),
        execute("Refuse", DATE_REQUEST_REFUSE, data, style="destructive", with_inputs=False),
    ]
    if not detailed:
        actions.insert(0, execute("Show details", DATE_REQUEST_SHOW, data, with_inputs=False))
    return adaptive_card(body, actions)


#: What every download button now does, said where the button is.
DOWNLOAD_PAGE_NOTE = (
    "Downloads open a page in your browser; sign in with your work account. The file is "
    "OFFICIAL-SENSITIVE: keep it on your organisation's systems."
)


def download_card(title: str, url: str) -> JSON:
    """The answer to a download button of a card drawn before downloads moved to the
    pages (issue 17): a button to the page that offers the file, which signs the person
    in first. The address is no secret (bot.domain.page_addresses)."""
    return adaptive_card(
        [heading(title), marking(), text_block(DOWNLOAD_PAGE_NOTE)],
        [open_url("Open the download page", url)],
    )
