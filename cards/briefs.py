"""The chair's pre-meeting brief: what the meeting must review, by reference only.

It arrives unasked (proactively), so it carries counts and action references, never
descriptions or subjects; the details are one command away in a personal chat. The
register's subjects at high risk that have not been discussed for the group's
``stale_after_weeks`` are listed by kind, risk and when last discussed, never by
reference or initials, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.model import SubjectKind
from bot.domain.register import DEFAULT_STALE_AFTER_WEEKS, RISK_LABELS, StaleSubject
from cards.elements import JSON, action_set, adaptive_card, execute, heading, marking, text_block
from cards.text import format_date, plain, plural
from cards.verbs import ACTION_SHOW, OUTSTANDING_PAGE

#: How many actions get a button of their own (overdue and escalated first); the rest
#: are named and open by reference (A-36) or from "Show the overdue actions".
ACTION_BUTTONS = 12


@dataclass(frozen=True, slots=True)
class BriefView:
    locality: str
    meeting_date: date
    open_actions: tuple[int, ...]  # action ids due for review
    overdue_actions: tuple[int, ...]
    escalated_actions: tuple[int, ...]
    open_challenges: int
    draft_minutes_date: date | None  # the last meeting's minutes, to agree at item 2
    #: Subjects at high risk not discussed for ``stale_after_weeks`` (capped), and how
    #: many there are in all.
    stale_subjects: tuple[StaleSubject, ...] = ()
    stale_total: int = 0
    stale_after_weeks: int = DEFAULT_STALE_AFTER_WEEKS


#: A subject's kind as the brief names it (never its reference).
KIND_NAMES: dict[SubjectKind, str] = {
    SubjectKind.CHILD: "A child",
    SubjectKind.PERSON: "A person of concern",
    SubjectKind.LOCATION: "A location",
    SubjectKind.GROUP: "A peer or organised group",
    SubjectKind.THEME: "A theme",
}


def _refs(ids: tuple[int, ...]) -> str:
    shown = ", ".join(f"A-{i}" for i in ids[:20])
    return shown + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")


def _stale_line(subject: StaleSubject) -> str:
    risk = RISK_LABELS[subject.risk].lower()
    if subject.last_discussed_on is None:
        when = "never discussed"
    else:
        weeks = plural(subject.weeks_since or 0, "week")
        when = f"last discussed {format_date(subject.last_discussed_on)} ({weeks} ago)"
    return f"• {KIND_NAMES[subject.kind]}, {risk} risk: {when}"


def _stale_section(view: BriefView) -> list[JSON]:
    """Chairs see what has drifted: high-risk subjects nobody has discussed lately."""
    if not view.stale_total:
        return []
    weeks = plural(view.stale_after_weeks, "week")
    lines = [_stale_line(s) for s in view.stale_subjects]
    more = view.stale_total - len(view.stale_subjects)
    if more > 0:
        lines.append(f"• and {more} more")
    return [
        text_block(
            f"**Not discussed for over {weeks} while high risk:** "
            f"{plural(view.stale_total, 'subject')}.",
            color="attention",
        ),
        # One block a line, not a markdown list: every line wraps in every client.
        *(text_block(line, spacing="none") for line in lines),
        text_block(
            f"The register shows which: `high risk not discussed for {weeks}` in this chat.",
            subtle=True,
        ),
    ]


def _open_buttons(view: BriefView) -> list[JSON]:
    """A button per action to review (the most pressing first), each opening the action's
    card in the chair's own chat, where access is checked again."""
    urgent = dict.fromkeys((*view.escalated_actions, *view.overdue_actions, *view.open_actions))
    shown = list(urgent)[:ACTION_BUTTONS]
    if not shown:
        return []
    buttons = [execute(f"A-{i}", ACTION_SHOW, {"actionId": i}, with_inputs=False) for i in shown]
    # Rows of four: Teams moves a set's buttons past the sixth into an overflow menu.
    return [
        action_set(buttons[start : start + 4], spacing="small")
        for start in range(0, len(buttons), 4)
    ]


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
    body += _open_buttons(view)
    body.append(text_block(f"**Open challenges:** {view.open_challenges}."))
    body.extend(_stale_section(view))
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
