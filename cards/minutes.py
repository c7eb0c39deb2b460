"""Minutes in a personal chat (issue 16, point 4): the list of the member's groups' past
meetings, and one meeting's decisions and actions with its Word download.

Asked for in a personal chat, so these show what the meeting summary shows (decisions and
actions, children by case reference and initials only), never minute text: that is in the
Word document, which the download button makes for the person who pressed it. Both say
whether the minutes are a draft, since partners read them to agree them at the next
meeting.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.minutes_views import MinutesCardView, PastMeetingRow, PastMeetingsPage
from bot.domain.page_addresses import PageAddresses
from bot.domain.views import ItemView
from cards.elements import (
    JSON,
    action_set,
    adaptive_card,
    container,
    execute,
    fact_set,
    heading,
    marking,
    open_url,
    rich,
    run,
    text_block,
)
from cards.parts import OUTSTANDING_HINT, action_lines, decision_line, decisions_of, more_line
from cards.text import SUMMARY_CHARS, format_date, plain, plural, uk_time
from cards.verbs import MINUTES_PAGE, MINUTES_SHOW

DRAFT = "DRAFT – to be agreed at the next meeting"
AGREED = "Agreed"
DECISIONS_SHOWN = 40
ACTIONS_SHOWN = 40
RESTRICTED_NOTE = (
    "Decisions and actions about a person of concern are not shown to you, as the group's "
    "rule says."
)


def _state(agreed: bool) -> str:
    return AGREED if agreed else DRAFT


def _row(row: PastMeetingRow) -> JSON:
    counts = f"{plural(row.decisions, 'decision')}, {plural(row.actions, 'action')}"
    return container(
        [
            rich(
                run(f"{row.locality}, {format_date(row.held_on)}", bold=True),
                run(f" · {_state(row.agreed)}", color=None if row.agreed else "attention"),
            ),
            rich(run(counts, subtle=True), spacing="none"),
            action_set(
                [execute("Open", MINUTES_SHOW, {"meetingId": row.meeting_id}, with_inputs=False)],
                spacing="small",
            ),
        ],
        separator=True,
        spacing="small",
    )


def past_meetings_card(page: PastMeetingsPage) -> JSON:
    """A page of the member's groups' ended meetings, newest first, each with Open."""
    body: list[JSON] = [
        heading("Minutes of your groups' meetings", size="large"),
        marking(),
        text_block(
            f"{plural(page.total, 'past meeting')}, newest first. Page {page.page} of {page.pages}."
        ),
    ]
    if not page.rows:
        body.append(text_block("No meeting of your groups has ended yet."))
    body += [_row(row) for row in page.rows]
    buttons: list[JSON] = []
    if page.page > 1:
        buttons.append(
            execute("Newer meetings", MINUTES_PAGE, {"page": page.page - 1}, with_inputs=False)
        )
    if page.page < page.pages:
        buttons.append(
            execute("Older meetings", MINUTES_PAGE, {"page": page.page + 1}, with_inputs=False)
        )
    return adaptive_card(body, buttons)


def _item_label(item: ItemView) -> JSON:
    return text_block(
        f"Item {item.position}: {plain(item.title)}",
        weight="bolder",
        size="small",
        spacing="medium",
    )


def _decisions(items: Sequence[ItemView]) -> list[JSON]:
    lines: list[JSON] = []
    shown = 0
    total = sum(len(decisions_of(i)) for i in items)
    for item in items:
        mine = decisions_of(item)[: max(0, DECISIONS_SHOWN - shown)]
        if mine:
            lines.append(_item_label(item))
            lines += [decision_line(d, SUMMARY_CHARS) for d in mine]
            shown += len(mine)
    if not total:
        return [text_block("No decisions were recorded.")]
    return lines + more_line(total - shown, "all are in the Word minutes")


def _actions(items: Sequence[ItemView]) -> list[JSON]:
    lines: list[JSON] = []
    shown = 0
    total = sum(len(i.actions) for i in items)
    for item in items:
        mine = item.actions[: max(0, ACTIONS_SHOWN - shown)]
        if mine:
            lines.append(_item_label(item))
            for action in mine:
                lines += action_lines(action, SUMMARY_CHARS)
            shown += len(mine)
    if not total:
        return [text_block("No actions were agreed.")]
    return lines + more_line(total - shown, OUTSTANDING_HINT)


def minutes_card(view: MinutesCardView, pages: PageAddresses | None = None) -> JSON:
    """One meeting's decisions and actions, draft or agreed, and (with ``pages``) a
    button to the meeting's page, which offers the Word minutes once signed in."""
    meeting = view.meeting
    decisions = sum(len(decisions_of(i)) for i in meeting.items)
    actions = sum(len(i.actions) for i in meeting.items)
    body: list[JSON] = [
        heading(f"Minutes: {plain(meeting.locality.name)}", size="large"),
        fact_set(
            [
                ("Date", format_date(uk_time(meeting.started_at).date())),
                ("Chair", meeting.chair_name),
                ("Minutes", _state(view.agreed)),
            ]
        ),
        marking(),
    ]
    if not view.agreed:
        body.append(
            text_block(
                "**These minutes are a draft.** Read them before the next meeting, where "
                "the group agrees them (item 2).",
                color="attention",
            )
        )
    body += [
        heading(f"Decisions ({decisions})", separator=True),
        *_decisions(meeting.items),
        heading(f"Actions ({actions})", separator=True),
        *_actions(meeting.items),
    ]
    if view.restricted:
        body.append(text_block(RESTRICTED_NOTE, subtle=True, separator=True))
    buttons = [execute("Back to the list", MINUTES_PAGE, {"page": 1}, with_inputs=False)]
    if pages is not None:
        body.append(
            text_block(
                "The minutes' full text is in the Word document, on the meeting's page: it "
                "opens in your browser; sign in with your work account.",
                subtle=True,
                separator=True,
            )
        )
        download = "Download minutes (Word)" + ("" if view.agreed else ", DRAFT")
        buttons.insert(0, open_url(download, pages.meeting(meeting.id)))
    return adaptive_card(body, buttons)
