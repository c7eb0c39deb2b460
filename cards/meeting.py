"""The welcome card and the live agenda card a locality meeting is run from.

The agenda card is posted in the meeting chat, so it carries the least detail that
lets the chair run the meeting: minute text never appears on it (only how many were
recorded), children appear only as case reference and initials, and long lists are cut
so that the card stays well under Teams' message size even for a long meeting.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from bot.domain.agenda import SubItemStatus, walk
from bot.domain.model import EntryKind, ItemKind, ItemStatus, MeetingStatus, MinutesStatus
from bot.domain.views import (
    PREVIOUS_ACTIONS_LISTED,
    ItemView,
    MeetingView,
    PreviousMinutesView,
    SubItemView,
    WelcomeView,
)
from cards.corrections import correct_records_button
from cards.elements import (
    JSON,
    action_set,
    adaptive_card,
    container,
    execute,
    fact_set,
    heading,
    marking,
    rich,
    run,
    show_card,
    text_block,
)
from cards.escalations import agenda_escalations
from cards.forms import attendance_form, end_form, entry_form
from cards.parts import (
    OUTSTANDING_HINT,
    actions_list,
    attendance_line,
    decision_line,
    decisions_of,
    missing_key_warning,
    more_line,
)
from cards.setup import setup_body
from cards.text import (
    LIST_CHARS,
    MEETING_STATUS_LABELS,
    MINUTES_STATUS_LABELS,
    format_date,
    format_elapsed,
    format_time,
    is_over_time,
    meeting_title,
    plain,
    plural,
    uk_time,
)
from cards.verbs import (
    HELP_SHOW,
    ITEM_ACTION_FORM,
    ITEM_REVIEW_ACTIONS,
    ITEM_SUBJECT_FORM,
    ITEM_SUBJECT_MOVE,
    ITEM_SUBJECT_REMOVE,
    MEETING_NEXT,
    MEETING_PREVIOUS,
    MEETING_REFRESH,
    MEETING_START,
    MINUTES_AGREE,
    ROUND_OPEN,
    SUBJECT_SHOW,
)

# How much of each list the live agenda shows. The most recent entries are the ones a
# chair checks during the meeting; everything is in the summary posted at the end.
ENTRIES_PER_ITEM = 5
#: Sub-items (subjects) drawn in full per item: the current one and its neighbours; the
#: rest are counted, so an item with sixty subjects stays a small card.
SUB_ITEMS_SHOWN = 3
PREVIOUS_ACTIONS_SHOWN = PREVIOUS_ACTIONS_LISTED

_T = TypeVar("_T")

_MARKERS: dict[ItemStatus, tuple[str, str]] = {
    ItemStatus.CURRENT: ("▶", "Now"),
    ItemStatus.DONE: ("✓", "Done"),
    ItemStatus.PENDING: ("", "To come"),
}


def welcome_card(view: WelcomeView) -> JSON:
    """What the bot says when it arrives in a conversation or is asked to start.

    An unlinked conversation gets the setup content, because nothing can be recorded
    until it is linked to a locality group.
    """
    help_button = execute("Help", HELP_SHOW, with_inputs=False)
    if view.locality is None:
        setup, link = setup_body(view.choices)
        return adaptive_card(setup, [*link, help_button])
    name = plain(view.locality.name)
    body: list[JSON] = [
        heading(f"MACE {name} locality group", size="large"),
        text_block(
            f"This conversation is linked to the MACE {name} locality group. Meetings are "
            "run here: the agenda with time limits, attendance, decisions, actions, and a "
            "share-and-challenge round for every agency."
        ),
    ]
    actions: list[JSON] = []
    if view.meeting_in_progress_id is not None:
        body.append(text_block("A meeting is in progress.", weight="bolder"))
        actions.append(
            execute("Show agenda", MEETING_REFRESH, {"meetingId": view.meeting_in_progress_id})
        )
    elif view.can_start:
        body.append(text_block("No meeting is in progress."))
        actions.append(
            execute(
                "Start meeting", MEETING_START, {"localityId": view.locality.id}, style="positive"
            )
        )
    else:
        body.append(
            text_block(
                "No meeting is in progress. The chair or deputy chair of the group starts one."
            )
        )
    return adaptive_card(body, [*actions, help_button])


def agenda_card(view: MeetingView) -> JSON:
    """The meeting as it stands: who is here, the nine items and time used on each.

    Buttons appear only while the meeting is in progress; an ended meeting's card is
    a record with nothing left to press. Navigation carries the current position so a
    press on a stale copy of the card can be recognised and refused.
    """
    live = view.status is MeetingStatus.IN_PROGRESS
    body = _header(view) + _attendance(view) + [heading("Agenda", separator=True)]
    for item in view.items:
        body.append(_item_block(view, item, live))
    return adaptive_card(body, _meeting_actions(view) if live else [])


def _header(view: MeetingView) -> list[JSON]:
    started = uk_time(view.started_at)
    status = MEETING_STATUS_LABELS[view.status]
    if view.ended_at is not None:
        status += f" at {format_time(view.ended_at)}"
    facts = [
        ("Date", format_date(started.date())),
        ("Started", format_time(view.started_at)),
        ("Status", status),
        ("Chair", view.chair_name),
        ("Minutes", MINUTES_STATUS_LABELS[view.minutes_status]),
    ]
    if view.open_challenges:
        facts.append(("Open challenges", str(len(view.open_challenges))))
    if view.next_meeting_date is not None:
        facts.append(("Next meeting", format_date(view.next_meeting_date)))
    head = [
        text_block(meeting_title(view.locality.name), size="large", weight="bolder"),
        fact_set(facts),
        marking(),
    ]
    if view.status is MeetingStatus.ENDED:
        head.append(
            text_block(
                "This meeting has ended. Its summary of decisions and actions was posted here.",
                weight="bolder",
            )
        )
    return head


def _attendance(view: MeetingView) -> list[JSON]:
    lines: list[JSON] = [heading("Attendance", separator=True)]
    lines += [attendance_line(entry) for entry in view.attendance]
    lines += missing_key_warning([a.name for a in view.missing_key_agencies])
    return lines


def _item_block(view: MeetingView, item: ItemView, live: bool) -> JSON:
    current = item.status is ItemStatus.CURRENT
    marker, word = _MARKERS[item.status]
    title = f"{marker} {item.position}. {plain(item.title)}".strip()
    lines: list[JSON] = [text_block(f"**{title}**", color="accent" if current else None)]
    timing = f"{word} · {format_elapsed(item.elapsed_seconds, item.time_limit_minutes)}"
    recorded = (item.minutes_count, len(decisions_of(item)), len(item.actions))
    # Nothing recorded on an item still to come is not news: leave the counts off.
    counts = (
        ""
        if item.status is ItemStatus.PENDING and not any(recorded)
        else " · "
        + ", ".join(
            [
                plural(recorded[0], "minute"),
                plural(recorded[1], "decision"),
                plural(recorded[2], "action"),
            ]
        )
    )
    if is_over_time(item.elapsed_seconds, item.time_limit_minutes):
        lines.append(
            text_block(
                f"**{timing} – over time**{counts}", size="small", color="attention", spacing="none"
            )
        )
    else:
        lines.append(text_block(f"{timing}{counts}", size="small", subtle=True, spacing="none"))
    if current:
        lines.append(text_block(item.guidance, size="small", spacing="small"))
    if item.kind is ItemKind.PREVIOUS_MINUTES:
        lines += _previous_minutes(view, view.previous_minutes, live)
    elif item.kind is ItemKind.PREVIOUS_ACTIONS:
        lines += _previous_actions(view, current and live)
    elif item.kind is ItemKind.ESCALATIONS:
        lines += agenda_escalations(view.escalations)
    if item.takes_subjects:
        lines += _sub_items(view, item, live and current)
    lines += _recorded(item)
    if current and live:
        lines += _item_controls(view, item)
    return container(lines, style="emphasis" if current else None, separator=True)


def _previous_minutes(
    view: MeetingView, minutes: PreviousMinutesView | None, live: bool
) -> list[JSON]:
    if minutes is None:
        return [text_block("No earlier meeting of this group is on record.", size="small")]
    lines: list[JSON] = [
        text_block(
            f"Minutes of the meeting on {format_date(minutes.meeting_date)}: "
            f"**{MINUTES_STATUS_LABELS[minutes.status]}** "
            f"({plural(minutes.decisions_count, 'decision')}, "
            f"{plural(minutes.actions_count, 'action')}).",
            size="small",
        )
    ]
    if live and minutes.status is MinutesStatus.DRAFT:
        lines.append(
            action_set(
                [
                    execute(
                        "Agree as accurate",
                        MINUTES_AGREE,
                        {"meetingId": view.id, "previousMeetingId": minutes.meeting_id},
                        with_inputs=False,
                    ),
                    # Corrections before agreeing them (issue 16): refused in the service
                    # to anyone who may not correct records.
                    correct_records_button(minutes.meeting_id),
                ]
            )
        )
    return lines


def _previous_actions(view: MeetingView, controls: bool = False) -> list[JSON]:
    actions = view.previous_open_actions
    if not actions:
        return [text_block("No open actions from earlier meetings.", size="small")]
    # One button, not four forms per action: the review opens as a card of its own for
    # whoever presses it (cards.action_control), so the agenda stays small.
    review = (
        [
            action_set(
                [
                    execute(
                        "Review an action",
                        ITEM_REVIEW_ACTIONS,
                        {"meetingId": view.id},
                        with_inputs=False,
                    )
                ],
                spacing="small",
            )
        ]
        if controls
        else []
    )
    overdue = view.previous_overdue_total
    intro = f"{plural(view.previous_open_total, 'open action')} from earlier meetings"
    intro += f", **{overdue} overdue**:" if overdue else ":"
    return [
        text_block(intro, size="small", color="attention" if overdue else None),
        *actions_list(
            actions,
            cap=PREVIOUS_ACTIONS_SHOWN,
            limit=LIST_CHARS,
            where=OUTSTANDING_HINT,
            show_raised=True,
            total=view.previous_open_total,
        ),
        *review,
    ]


def _recorded(item: ItemView) -> list[JSON]:
    """Decisions and actions under the item they were recorded against, latest first
    cut; the minute text itself is never shown here."""
    decisions = decisions_of(item)
    lines: list[JSON] = [decision_line(d, LIST_CHARS) for d in _latest(decisions)]
    lines += more_line(
        len(decisions) - ENTRIES_PER_ITEM, "earlier decisions are in the summary posted at the end"
    )
    lines += actions_list(_latest(item.actions), cap=ENTRIES_PER_ITEM, limit=LIST_CHARS, where="")
    lines += more_line(
        len(item.actions) - ENTRIES_PER_ITEM,
        "earlier actions are in the summary; " + OUTSTANDING_HINT,
    )
    return lines


def _latest(entries: Sequence[_T]) -> Sequence[_T]:
    return entries[-ENTRIES_PER_ITEM:]


def _sub_items(view: MeetingView, item: ItemView, controls: bool) -> list[JSON]:
    """The subjects discussed under an item, in order: the current one and its
    neighbours drawn in full (with "Open" for the subject's card), the rest counted."""
    subs = item.sub_items
    if not subs:
        if controls:
            return [
                text_block(
                    "No subjects added yet: use **Add subject** for each one to discuss, in order.",
                    size="small",
                    subtle=True,
                )
            ]
        return []
    anchor = next(
        (i for i, s in enumerate(subs) if s.status == SubItemStatus.CURRENT.value),
        next((i for i, s in enumerate(subs) if s.status == SubItemStatus.PENDING.value), 0),
    )
    first = max(0, min(anchor - SUB_ITEMS_SHOWN // 2, len(subs) - SUB_ITEMS_SHOWN))
    shown = subs[first : first + SUB_ITEMS_SHOWN]
    before, after = subs[:first], subs[first + SUB_ITEMS_SHOWN :]
    done = sum(1 for s in subs if s.status == SubItemStatus.DONE.value)
    lines: list[JSON] = [
        text_block(
            f"{plural(len(subs), 'subject')} to discuss, {done} discussed:",
            size="small",
            weight="bolder",
            spacing="small",
        )
    ]
    if before:
        lines.append(
            text_block(f"… {plural(len(before), 'earlier subject')}", size="small", subtle=True)
        )
    for number, sub in enumerate(shown, start=first + 1):
        lines.append(_sub_item_line(view, item, sub, number, controls))
    if after:
        lines.append(text_block(f"… and {len(after)} more to come", size="small", subtle=True))
    return lines


_SUB_MARKERS = {
    SubItemStatus.CURRENT.value: "▶",
    SubItemStatus.DONE.value: "✓",
    SubItemStatus.PENDING.value: "·",
}


def _sub_item_line(
    view: MeetingView, item: ItemView, sub: SubItemView, number: int, controls: bool
) -> JSON:
    current = sub.status == SubItemStatus.CURRENT.value
    risk = (
        "risk restricted"
        if sub.restricted
        else f"{sub.risk_label} risk"
        if sub.risk_label
        else "risk not rated"
    )
    head = f"{_SUB_MARKERS.get(sub.status, '·')} {item.position}.{number} {sub.label}"
    parts: list[JSON | str] = [run(head, bold=current), run(f" · {risk}", subtle=True)]
    if sub.recorded:
        counts = ", ".join(
            [
                plural(sub.minutes_count, "minute"),
                plural(sub.decisions_count, "decision"),
                plural(sub.actions_count, "action"),
            ]
        )
        parts.append(run(f" · {counts}", subtle=True))
    lines: list[JSON] = [rich(*parts)]
    if view.status is MeetingStatus.IN_PROGRESS:
        buttons = [
            execute(
                "Open",
                SUBJECT_SHOW,
                {"subjectId": sub.subject_id, "meetingId": view.id},
                with_inputs=False,
            )
        ]
        if controls and sub.status == SubItemStatus.PENDING.value:
            # Only what is still to come is reordered (moving one up is enough to reach
            # any order) or taken off: few buttons, so a long item stays a small card.
            where = {"meetingId": view.id, "itemSubjectId": sub.id}
            buttons.append(
                execute(
                    "Move up", ITEM_SUBJECT_MOVE, {**where, "direction": "up"}, with_inputs=False
                )
            )
            if not sub.recorded:
                buttons.append(execute("Remove", ITEM_SUBJECT_REMOVE, where, with_inputs=False))
        lines.append(action_set(buttons, spacing="none"))
    return container(lines, style="accent" if current else None, spacing="small")


def _sub_index(item: ItemView) -> int | None:
    return next(
        (i for i, s in enumerate(item.sub_items) if s.status == SubItemStatus.CURRENT.value),
        None,
    )


def _item_controls(view: MeetingView, item: ItemView) -> list[JSON]:
    where: dict[str, object] = {"meetingId": view.id, "position": item.position}
    if item.takes_subjects:
        # Where in the item's subjects the card was drawn: a press on a stale copy of the
        # card (the chair moved on to the next subject meanwhile) moves nothing.
        current_sub = item.current_sub_item
        where["subItem"] = current_sub.id if current_sub is not None else 0
    index = _sub_index(item)
    buttons: list[JSON] = []
    back = walk(index, len(item.sub_items), -1)
    if item.position > 1 or not back.leave:
        label = (
            "Previous item"
            if back.leave
            else "Previous subject"
            if back.index is not None
            else "Back to item"
        )
        buttons.append(execute(label, MEETING_PREVIOUS, where, with_inputs=False))
    forward = walk(index, len(item.sub_items), +1)
    if item.position < len(view.items) or not forward.leave:
        label = "Next item" if forward.leave else "Next subject"
        buttons.append(execute(label, MEETING_NEXT, where, with_inputs=False, style="positive"))
    if item.takes_subjects:
        buttons.append(
            execute(
                "Add subject",
                ITEM_SUBJECT_FORM,
                {"meetingId": view.id, "itemId": item.id},
                with_inputs=False,
            )
        )
    buttons.append(execute("Refresh", MEETING_REFRESH, {"meetingId": view.id}, with_inputs=False))
    buttons.append(correct_records_button(view.id, item.id))
    lines: list[JSON] = []
    if view.open_round_id is not None:
        lines.append(
            rich(
                run("A share-and-challenge round is open: answer it on the round card.", bold=True)
            )
        )
    lines.append(action_set(buttons, spacing="medium"))
    return lines


def _meeting_actions(view: MeetingView) -> list[JSON]:
    """Record, attendance, share-and-challenge and end: at most four, so that none is
    pushed into Teams' overflow menu (it shows six)."""
    actions: list[JSON] = []
    item = view.current_item
    if item is not None:
        against = f"Recording against item {item.position}: {plain(item.title)}"
        sub = item.current_sub_item
        if sub is not None:
            against += f" – {plain(sub.label)}"
        record = show_card(
            "Record",
            [text_block(against, weight="bolder")],
            [
                entry_form(view, item, EntryKind.MINUTE).as_show_card("Minute"),
                entry_form(view, item, EntryKind.DECISION).as_show_card("Decision"),
                # The action form opens as a card of its own: its owner list names
                # the whole group (cards.forms.action_form_card).
                execute(
                    "Action",
                    ITEM_ACTION_FORM,
                    {"meetingId": view.id, "itemId": item.id},
                    with_inputs=False,
                ),
            ],
        )
        actions.append(record)
    actions.append(attendance_form(view).as_show_card())
    if item is not None and view.open_round_id is None:
        actions.append(
            execute(
                "Share and challenge",
                ROUND_OPEN,
                {"meetingId": view.id, "itemId": item.id},
                with_inputs=False,
            )
        )
    actions.append(end_form(view).as_show_card())
    return actions
