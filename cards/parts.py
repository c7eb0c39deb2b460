"""Pieces of meeting content that more than one card shows: actions, decisions,
attendance, challenges and the "N more" line that keeps long lists within Teams' size.

Each is rendered the same everywhere, so an action reads the same on the live agenda as
in the summary posted at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.model import ATTENDANCE_LABELS, AttendanceStatus, EntryKind
from bot.domain.views import ActionView, AttendanceView, ChallengeView, EntryView, ItemView
from cards.elements import JSON, container, rich, run, text_block, warning
from cards.text import (
    CHALLENGE_STATUS_LABELS,
    NAME_CHARS,
    NOT_AN_AGENCY,
    clip,
    format_date,
    plain,
)

#: Beside a decision or action corrected before the minutes were agreed (issue 16).
CORRECTED = " (corrected)"
OUTSTANDING_HINT = "type **outstanding actions** in personal chat to see them all"


def more_line(hidden: int, where: str) -> list[JSON]:
    """'and 12 more – ...': says a list was cut and where the rest can be seen."""
    if hidden <= 0:
        return []
    return [
        text_block(f"… and {hidden} more – {where}.", subtle=True, size="small", spacing="small")
    ]


def labelled(label: str, text: str, *more: JSON, spacing: str | None = None) -> JSON:
    """'Response: what was typed': the label in bold, then the text as given (a
    ``TextRun``: typed text renders no markdown), then any ``more`` runs (who, when)."""
    return rich(run(f"{label}: ", bold=True), run(text), *more, spacing=spacing)


def action_lines(action: ActionView, limit: int, *, show_raised: bool = False) -> list[JSON]:
    """An action: what, then who owns it, for which agency, by when, about whom.

    Overdue is spelled out in the attention colour, because actions agreed and never
    followed up are the failure reviews find most often.
    """
    first: list[JSON | str] = []
    if action.overdue:
        first.append(run("OVERDUE ", bold=True, color="attention"))
    if action.escalated:
        first.append(run("ESCALATED ", bold=True, color="attention"))
    first.append(run(clip(action.description, limit)))
    if action.corrected:
        first.append(run(CORRECTED, subtle=True))
    meta = [
        f"Owner: {clip(action.owner_name, NAME_CHARS)} ({action.agency_name})",
        f"due {format_date(action.due_date)}",
    ]
    if action.subject:
        meta.append(f"about {clip(action.subject, NAME_CHARS)}")
    if show_raised and action.raised_on:
        meta.append(f"agreed {format_date(action.raised_on)}")
    return [
        container(
            [rich(*first), rich(run(" · ".join(meta), subtle=True), spacing="none")],
            spacing="small",
        )
    ]


def actions_list(
    actions: Sequence[ActionView],
    *,
    cap: int,
    limit: int,
    where: str,
    show_raised: bool = False,
    total: int | None = None,
) -> list[JSON]:
    """The first ``cap`` actions, then "and N more" (``total`` counts those not even read)."""
    shown: list[JSON] = []
    for action in actions[:cap]:
        shown += action_lines(action, limit, show_raised=show_raised)
    return shown + more_line((len(actions) if total is None else total) - len(actions[:cap]), where)


def decisions_of(item: ItemView) -> tuple[EntryView, ...]:
    """An item's decisions, and only decisions: a minute that reached this list by
    mistake must still never be shown on a card posted to the chat."""
    return tuple(d for d in item.decisions if d.kind is EntryKind.DECISION)


def decision_line(decision: EntryView, limit: int, prefix: str = "") -> JSON:
    runs: list[JSON | str] = [
        run(f"{prefix}Decision: ", bold=True),
        run(clip(decision.text, limit)),
    ]
    if decision.corrected:
        runs.append(run(CORRECTED, subtle=True))
    return rich(*runs, spacing="small")


def attendance_line(entry: AttendanceView) -> JSON:
    """'Police: Present – J. Smith', or 'Not recorded' while nobody has said."""
    runs: list[JSON | str] = [run(f"{entry.agency.name}: ", bold=True)]
    if entry.status is None:
        runs.append(run("Not recorded", subtle=True))
    else:
        color = "attention" if entry.status is AttendanceStatus.APOLOGIES else None
        runs.append(run(ATTENDANCE_LABELS[entry.status], color=color))
        if entry.people.strip():
            runs.append(run(f" – {clip(entry.people, NAME_CHARS)}"))
    return rich(*runs, spacing="none")


def missing_key_warning(missing: Sequence[str]) -> list[JSON]:
    """Schools and the 0-19 service not being told is a known failure: say who is
    missing while it can still be fixed, and what to do about it."""
    if not missing:
        return []
    return [
        warning(
            "Key agencies not present: "
            + ", ".join(plain(name) for name in missing)
            + ". Agree an action to tell them what concerns them."
        )
    ]


def challenge_lines(challenge: ChallengeView, limit: int) -> list[JSON]:
    """Who challenged whom about what, the text, and where it stands."""
    to_whom = challenge.to_agency or NOT_AN_AGENCY.lower()
    lines: list[JSON] = [
        rich(
            run(f"{challenge.raised_by_agency} ", bold=True),
            run(f"({clip(challenge.raised_by_name, NAME_CHARS)}) challenged "),
            run(to_whom, bold=True),
            run(f" – {CHALLENGE_STATUS_LABELS[challenge.status]}", subtle=True),
        ),
    ]
    if challenge.about.strip():
        lines.append(labelled("About", clip(challenge.about, limit), spacing="none"))
    if challenge.item_title:
        lines.append(
            rich(run(f"Raised under: {challenge.item_title}", subtle=True), spacing="none")
        )
    if challenge.text.strip():
        lines.append(rich(run(clip(challenge.text, limit)), spacing="small"))
    if challenge.response.strip():
        lines.append(labelled("Response", clip(challenge.response, limit), spacing="small"))
    if challenge.resolution.strip():
        lines.append(labelled("Outcome", clip(challenge.resolution, limit), spacing="none"))
    return lines
