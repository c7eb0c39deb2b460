"""The summary posted when a meeting ends: who came, what was decided, who does what.

Published protocols send decisions and actions within 24 hours and full minutes later;
this is the first of those, posted straight away so nobody leaves without knowing their
actions. It carries decisions and actions, never minute text, and is marked
OFFICIAL-SENSITIVE with no onward disclosure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from bot.domain.model import MinutesStatus
from bot.domain.page_addresses import PageAddresses
from bot.domain.views import ItemView, MeetingView
from cards.corrections import correct_records_button
from cards.elements import (
    JSON,
    adaptive_card,
    container,
    fact_set,
    heading,
    marking,
    open_url,
    text_block,
)
from cards.parts import (
    OUTSTANDING_HINT,
    action_lines,
    attendance_line,
    challenge_lines,
    decision_line,
    decisions_of,
    missing_key_warning,
    more_line,
)
from cards.text import SUMMARY_CHARS, format_date, format_time, meeting_title, plain, uk_time

DECISIONS_SHOWN = 40
ACTIONS_SHOWN = 40
CHALLENGES_SHOWN = 20
DRAFT_NOTE = "Minutes are a draft until agreed at the next meeting."

_E = TypeVar("_E")


def summary_card(view: MeetingView, pages: PageAddresses | None = None) -> JSON:
    """Attendance, decisions, actions with owners and dates, open challenges and the
    next date, for everyone in the meeting chat to check before they leave; with
    ``pages``, a button to the meeting's page, where the Word minutes are (signed in)."""
    held = format_time(view.started_at)
    held += f"–{format_time(view.ended_at)}" if view.ended_at is not None else " onwards"
    next_date = (
        format_date(view.next_meeting_date)
        if view.next_meeting_date is not None
        else "To be arranged"
    )
    body: list[JSON] = [
        text_block(f"Summary: {meeting_title(view.locality.name)}", size="large", weight="bolder"),
        fact_set(
            [
                ("Date", format_date(uk_time(view.started_at).date())),
                ("Time", held),
                ("Chair", view.chair_name),
                ("Next meeting", next_date),
            ]
        ),
        marking(),
        heading("Attendance", separator=True),
        *[attendance_line(entry) for entry in view.attendance],
        *missing_key_warning([a.name for a in view.missing_key_agencies]),
        heading(f"Decisions ({sum(len(decisions_of(i)) for i in view.items)})", separator=True),
        *_decisions(view.items),
        heading(f"Actions ({len(view.actions)})", separator=True),
        *_actions(view.items),
        heading(f"Open challenges ({len(view.open_challenges)})", separator=True),
        *_challenges(view),
        text_block(f"**{DRAFT_NOTE}**", separator=True),
        marking(),
    ]
    buttons: list[JSON] = []
    if pages is not None:
        buttons.append(open_url("Download minutes (Word)", pages.meeting(view.id)))
    if view.minutes_status is not MinutesStatus.AGREED:
        buttons.append(correct_records_button(view.id))
    return adaptive_card(body, buttons)


def _by_item(entries: Iterable[tuple[ItemView, _E]], cap: int) -> list[tuple[ItemView | None, _E]]:
    """The first ``cap`` entries, each paired with its item the first time that item
    appears, so a list reads under item headings without repeating them."""
    shown: list[tuple[ItemView | None, _E]] = []
    last: ItemView | None = None
    for item, entry in entries:
        if len(shown) >= cap:
            break
        shown.append((item if item is not last else None, entry))
        last = item
    return shown


def _item_label(item: ItemView) -> JSON:
    return text_block(
        f"Item {item.position}: {plain(item.title)}",
        weight="bolder",
        size="small",
        spacing="medium",
    )


def _decisions(items: Sequence[ItemView]) -> list[JSON]:
    pairs = [(item, d) for item in items for d in decisions_of(item)]
    if not pairs:
        return [text_block("No decisions were recorded.")]
    lines: list[JSON] = []
    for item, decision in _by_item(pairs, DECISIONS_SHOWN):
        if item is not None:
            lines.append(_item_label(item))
        lines.append(decision_line(decision, SUMMARY_CHARS))
    return lines + more_line(len(pairs) - DECISIONS_SHOWN, "all are in the minutes")


def _actions(items: Sequence[ItemView]) -> list[JSON]:
    pairs = [(item, a) for item in items for a in item.actions]
    if not pairs:
        return [text_block("No actions were agreed.")]
    lines: list[JSON] = []
    for item, action in _by_item(pairs, ACTIONS_SHOWN):
        if item is not None:
            lines.append(_item_label(item))
        lines += action_lines(action, SUMMARY_CHARS)
    return lines + more_line(len(pairs) - ACTIONS_SHOWN, OUTSTANDING_HINT)


def _challenges(view: MeetingView) -> list[JSON]:
    if not view.open_challenges:
        return [text_block("None open.")]
    lines = [
        container(challenge_lines(c, SUMMARY_CHARS), separator=True)
        for c in view.open_challenges[:CHALLENGES_SHOWN]
    ]
    return lines + more_line(
        len(view.open_challenges) - CHALLENGES_SHOWN, "the rest are on the open challenges list"
    )
