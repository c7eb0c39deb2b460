"""The pre-meeting brief: what the meeting must review, by reference only.

It arrives unasked (proactively), so it carries counts and action references, never
descriptions or subjects; the details are one command away in a personal chat. The
register's subjects at high risk that have not been discussed for the group's
``stale_after_weeks`` are listed by kind, risk and when last discussed, never by
reference or initials, for the same reason.

Every member of the group gets it (issue 16): the date, the agenda, the draft minutes to
agree (a button opens them) and their own actions due. The chair's sections (the actions
to review, overdue and escalated, open challenges, the stale high-risk subjects) are for
chairs and deputy chairs only (``for_chair``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.model import SubjectKind
from bot.domain.register import DEFAULT_STALE_AFTER_WEEKS, RISK_LABELS, StaleSubject
from cards.elements import (
    JSON,
    action_set,
    adaptive_card,
    execute,
    heading,
    marking,
    text_block,
)
from cards.text import format_date, plain, plural
from cards.verbs import ACTIONS_MINE, MINUTES_SHOW, OUTSTANDING_PAGE


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
    # Issue 16: the brief goes to every member of the group.
    #: The chair's sections (everything above) are drawn only when set.
    for_chair: bool = True
    #: The agenda's item titles, in order.
    agenda: tuple[str, ...] = ()
    #: The meeting whose draft minutes are to be agreed, for the button that opens them.
    draft_minutes_meeting_id: int | None = None
    #: The recipient's own open actions in the group, soonest due first.
    own_actions: tuple[OwnAction, ...] = ()


@dataclass(frozen=True, slots=True)
class OwnAction:
    """One of the recipient's open actions: its reference and due date, nothing else."""

    id: int
    due_date: date
    overdue: bool = False


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


def _agenda_section(view: BriefView) -> list[JSON]:
    if not view.agenda:
        return []
    return [
        text_block("**Agenda**", separator=True),
        *(
            text_block(f"Item {position}: {plain(title)}", spacing="none")
            for position, title in enumerate(view.agenda, start=1)
        ),
    ]


def _own_actions_section(view: BriefView) -> list[JSON]:
    """What the recipient will be asked about at item 3: their own open actions."""
    if not view.own_actions:
        return [text_block("**Your actions:** none open in this group.", separator=True)]
    lines = [
        f"• A-{a.id}, due {format_date(a.due_date)}" + (" (overdue)" if a.overdue else "")
        for a in view.own_actions[:20]
    ]
    if len(view.own_actions) > 20:
        lines.append(f"• and {len(view.own_actions) - 20} more")
    return [
        text_block(
            f"**Your actions:** {plural(len(view.own_actions), 'open action')}, to report on "
            "at item 3.",
            separator=True,
        ),
        *(text_block(line, spacing="none") for line in lines),
    ]


def _draft_minutes_section(view: BriefView) -> list[JSON]:
    """The draft minutes every member is asked to agree at item 2, with a button."""
    if not view.draft_minutes_date:
        return []
    shown: list[JSON] = [
        text_block(
            f"The minutes of {format_date(view.draft_minutes_date)} are a draft to agree at "
            "item 2.",
            separator=True,
        )
    ]
    if view.draft_minutes_meeting_id is not None:
        shown.append(
            action_set(
                [
                    execute(
                        "Open the draft minutes",
                        MINUTES_SHOW,
                        {"meetingId": view.draft_minutes_meeting_id},
                        with_inputs=False,
                    )
                ],
                spacing="small",
            )
        )
    return shown


def _member_brief_card(view: BriefView) -> JSON:
    """The brief of a member who does not chair: no chair-only section."""
    body: list[JSON] = [
        heading(
            f"Brief: {plain(view.locality)} meeting on {format_date(view.meeting_date)}",
            size="large",
        ),
        marking(),
        *_agenda_section(view),
        *_own_actions_section(view),
        *_draft_minutes_section(view),
    ]
    buttons = (
        [execute("Open my actions", ACTIONS_MINE, with_inputs=False)] if view.own_actions else []
    )
    return adaptive_card(body, buttons)


def brief_card(view: BriefView) -> JSON:
    if not view.for_chair:
        return _member_brief_card(view)
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
    body.extend(_stale_section(view))
    body.extend(_agenda_section(view))
    body.extend(_own_actions_section(view))
    body.extend(_draft_minutes_section(view))
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
