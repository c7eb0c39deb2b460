"""The chair's pre-meeting brief: what the meeting must review, by reference only.

It arrives unasked (proactively), so it carries counts and action references, never
descriptions or subjects; the details are one command away in a personal chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cards.elements import JSON, adaptive_card, execute, heading, marking, text_block
from cards.text import format_date, plain, plural
from cards.verbs import OUTSTANDING_PAGE


@dataclass(frozen=True, slots=True)
class BriefView:
    locality: str
    meeting_date: date
    open_actions: tuple[int, ...]  # action ids due for review
    overdue_actions: tuple[int, ...]
    escalated_actions: tuple[int, ...]
    open_challenges: int
    draft_minutes_date: date | None  # the last meeting's minutes, to agree at item 2


def _refs(ids: tuple[int, ...]) -> str:
    shown = ", ".join(f"A-{i}" for i in ids[:20])
    return shown + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")


def brief_card(view: BriefView) -> JSON:
    body: list[JSON] = [
        heading(
            f"Brief: {plain(view.locality)} meeting on {format_date(view.meeting_date)}",
            size="large",
        ),
        marking(),
        text_block(
            f"**Actions to review:** {plural(len(view.open_actions), 'open action')}"
            + (f" ({_refs(view.open_actions)})." if view.open_actions else ".")
        ),
    ]
    if view.overdue_actions:
        body.append(text_block(f"**Overdue:** {_refs(view.overdue_actions)}.", color="attention"))
    if view.escalated_actions:
        body.append(
            text_block(f"**Escalated:** {_refs(view.escalated_actions)}.", color="attention")
        )
    body.append(text_block(f"**Open challenges:** {view.open_challenges}."))
    if view.draft_minutes_date:
        body.append(
            text_block(
                f"The minutes of {format_date(view.draft_minutes_date)} are a draft to agree at "
                "item 2."
            )
        )
    return adaptive_card(
        body,
        [
            execute(
                "Show the overdue actions",
                OUTSTANDING_PAGE,
                {"locality": view.locality, "overdue": "yes", "page": 1},
                with_inputs=False,
            )
        ],
    )
