"""The register in chat: a subject's card, a page of subjects, and the choice between
several subjects recorded under one reference (issue 15, points 2 and 6).

A subject's card is the "map" a room would draw on a whiteboard, for one subject: its
risk and how it changed (who, when, in which meeting, why), its strands, its links with
each linked subject's risk at a glance, its open actions, decisions, the meetings it was
discussed in and what agencies said about it in share-and-challenge rounds. Every list
is cut to what the card has room for, with "and N more", so the card stays well within
Teams' message size however long the history (tests/cards/test_register_cards.py).

What the viewer may not see never reaches the view (``bot.domain.register_views``): a
restricted person of concern is a line saying only that; the missing checks are there
only for an editor in a personal chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.model import SUBJECT_LABELS, SubjectKind
from bot.domain.register import (
    INTERVIEW_LABELS,
    RISK_LABELS,
    STATUS_LABELS,
    ChildChecks,
    RiskLevel,
    SubjectEventKind,
    SubjectStatus,
)
from bot.domain.register_views import (
    MeetingRef,
    SubjectCardView,
    SubjectChoices,
    SubjectRow,
    SubjectsPage,
    subject_display,
)
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
    text_block,
)
from cards.parts import more_line
from cards.text import NAME_CHARS, clip, format_date, format_time, plain
from cards.verbs import ESCALATE_FORM, SUBJECT_EDIT, SUBJECT_MOVE_FORM, SUBJECT_SHOW, SUBJECTS_PAGE

CHECKS_IN_PERSONAL_CHAT = (
    "The child's checks are shown only in a personal chat: type subject and the case "
    "reference there."
)

#: The buttons that change a subject (``subject.edit``, the form chosen by ``form``).
EDIT_FORMS: tuple[tuple[str, str], ...] = (
    ("Change risk", "risk"),
    ("Status", "status"),
    ("Details", "details"),
    ("Checks", "checks"),
    ("Link", "link"),
)

#: Lengths on this card, shorter than elsewhere: it holds many lists (Teams' size).
SHORT_NAME = 40  # a member, an agency, a service, a group
REASON_CHARS = 110  # why a risk changed, why a link, a decision
TEXT_CHARS = 160  # an answer in a round
DISPLAY_CHARS = 80  # a linked subject's reference or description

#: Where the rest of a cut list is (the card shows the newest).
OLDER_KEPT = "older entries are kept in the record"

HISTORY_LABELS: dict[SubjectEventKind, str] = {
    SubjectEventKind.CREATED: "Added to the register",
    SubjectEventKind.IMPORTED: "Imported from the group's tracker",
    SubjectEventKind.STATUS: "Status",
    SubjectEventKind.LEAD_AGENCY: "Lead agency",
    SubjectEventKind.STRANDS: "Strands",
    SubjectEventKind.CHECKS: "Checks updated",
    SubjectEventKind.TRANSFER_ASKED: "Transfer asked to",
    SubjectEventKind.TRANSFERRED: "Transferred to",
    SubjectEventKind.SHARE_ASKED: "Share asked with",
    SubjectEventKind.SHARED: "Shared with",
    SubjectEventKind.MOVE_DECLINED: "Transfer or share declined by",
}


def risk_label(risk: RiskLevel | None) -> str:
    return f"{RISK_LABELS[risk]} risk" if risk is not None else "Risk not yet rated"


def _risk_color(risk: RiskLevel | None) -> str | None:
    if risk in (RiskLevel.HIGH, RiskLevel.VERY_HIGH):
        return "attention"
    if risk is RiskLevel.MEDIUM:
        return "warning"
    return None


def _meeting(meeting: MeetingRef | None) -> str:
    if meeting is None:
        return ""
    return f"meeting of {format_date(meeting.on)} ({clip(meeting.group, SHORT_NAME)})"


def _section(title: str) -> JSON:
    return heading(title, separator=True)


def subject_card(view: SubjectCardView) -> JSON:
    """One subject's card: facts, checks, risk history, links, actions, decisions,
    meetings and round answers, with the chair's buttons to change it."""
    kind_label = SUBJECT_LABELS[view.kind]
    body: list[JSON] = [
        heading(
            f"{kind_label}: {plain(subject_display(view.kind, view.reference, view.initials))}",
            size="large",
        ),
        marking(),
        rich(
            run(risk_label(view.risk), bold=True, color=_risk_color(view.risk)),
            run(f" · {STATUS_LABELS[view.status]}"),
            run(f" · {view.group}", subtle=True),
        ),
    ]
    if view.status_reason and view.status is not SubjectStatus.OPEN:
        body.append(rich(run("Why: ", bold=True), run(clip(view.status_reason, REASON_CHARS))))
    facts = [
        ("Strands", ", ".join(clip(s, NAME_CHARS) for s in view.strands) or "None recorded"),
        ("Lead agency", clip(view.lead_agency, NAME_CHARS) or "None recorded"),
        (
            "First discussed",
            format_date(view.first_discussed) if view.first_discussed else "Not yet",
        ),
        ("Last discussed", format_date(view.last_discussed) if view.last_discussed else "Not yet"),
    ]
    body.append(fact_set(facts))
    if view.checks is not None:
        body += _checks(view.checks, view.missing)
    elif view.kind is SubjectKind.CHILD and view.in_group:
        body.append(text_block(CHECKS_IN_PERSONAL_CHAT))
    body += _risk_history(view)
    body += _history(view)
    body += _links(view)
    body += _actions(view)
    body += _decisions(view)
    body += _meetings(view)
    body += _answers(view)
    return adaptive_card(body, _buttons(view))


def _checks(checks: ChildChecks, missing: Sequence[str] | None) -> list[JSON]:
    recorded = checks_recorded(checks)
    out: list[JSON] = [_section("What has been checked")]
    if recorded:
        out.append(fact_set(recorded))
    else:
        out.append(text_block("Nothing recorded yet.", subtle=True))
    if missing:
        out.append(
            text_block(
                "**Still to record** (shown to you only): "
                + "; ".join(plain(item) for item in missing)
                + ".",
                color="attention",
                size="small",
            )
        )
    return out


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def checks_recorded(checks: ChildChecks) -> list[tuple[str, str]]:
    """The recorded checks, in words; nothing for what is not recorded."""
    pairs: list[tuple[str, str]] = []
    if checks.missing_episode is not None:
        pairs.append(("Missing episode", _yes(checks.missing_episode)))
    if checks.return_interview is not None:
        when = f" ({format_date(checks.return_interview_on)})" if checks.return_interview_on else ""
        pairs.append(("Return home interview", INTERVIEW_LABELS[checks.return_interview] + when))
    if checks.voice_recorded is not None:
        pairs.append(("Child's voice recorded", _yes(checks.voice_recorded)))
    if checks.parents_involved is not None:
        pairs.append(("Parents or carers in safety planning", _yes(checks.parents_involved)))
    if checks.nrm_referred_on is not None or checks.nrm_outcome:
        nrm = format_date(checks.nrm_referred_on) if checks.nrm_referred_on else "Referred"
        if checks.nrm_outcome:
            nrm += f": {clip(checks.nrm_outcome, NAME_CHARS)}"
        pairs.append(("National Referral Mechanism", nrm))
    if checks.transition_16_17 is not None:
        pairs.append(("Transition at 16/17 considered", _yes(checks.transition_16_17)))
    if checks.looked_after is not None:
        looked = _yes(checks.looked_after)
        if checks.placing_authority:
            looked += f" (placed by {clip(checks.placing_authority, NAME_CHARS)})"
        pairs.append(("Looked after", looked))
    if checks.safety_plan_shared is not None:
        pairs.append(("Safety plan shared", _yes(checks.safety_plan_shared)))
    if checks.risk_tool_on is not None:
        pairs.append(("Risk assessment tool", format_date(checks.risk_tool_on)))
    return pairs


def _when(who: str, day: date, meeting: MeetingRef | None) -> str:
    parts = [clip(who, SHORT_NAME) if who else "", format_date(day), _meeting(meeting)]
    return " · ".join(p for p in parts if p)


def _risk_history(view: SubjectCardView) -> list[JSON]:
    shown = view.risk_history
    if not shown.items:
        return []
    out: list[JSON] = [_section("Risk history")]
    for change in shown.items:
        first: list[JSON | str] = [
            run(risk_label(change.level), bold=True, color=_risk_color(change.level))
        ]
        if change.previous is not None:
            first.append(run(f" (was {RISK_LABELS[change.previous].lower()})"))
        first.append(run(" · " + _when(change.who, change.at.date(), change.meeting), subtle=True))
        out.append(rich(*first, spacing="small"))
        if change.reason:
            out.append(
                rich(
                    run("Why: ", bold=True), run(clip(change.reason, REASON_CHARS)), spacing="none"
                )
            )
    return out + more_line(shown.more, OLDER_KEPT)


def _history(view: SubjectCardView) -> list[JSON]:
    shown = view.history
    if not shown.items:
        return []
    out: list[JSON] = [_section("Other changes")]
    for line in shown.items:
        what = HISTORY_LABELS.get(line.kind, line.kind.value)
        value = line.value
        if line.kind is SubjectEventKind.STATUS:
            value = value or ""
        text = f"{what}: {value}" if value else what
        if line.previous:
            text += f" (was {line.previous})"
        out.append(
            rich(
                run(clip(text, REASON_CHARS)),
                run(" · " + _when(line.who, line.at.date(), line.meeting), subtle=True),
                spacing="small",
            )
        )
    return out + more_line(shown.more, OLDER_KEPT)


def _links(view: SubjectCardView) -> list[JSON]:
    shown = view.links
    out: list[JSON] = [_section("Links")]
    if not shown.items:
        out.append(text_block("No links recorded.", subtle=True))
        return out
    for link in shown.items:
        first: list[JSON | str] = [
            run(f"{SUBJECT_LABELS[link.kind]}: ", subtle=True),
            run(clip(link.display, DISPLAY_CHARS), bold=True),
        ]
        if not link.restricted:
            first.append(run(f" · {risk_label(link.risk)}", color=_risk_color(link.risk)))
        if link.recorded_on:
            first.append(run(f" · since {format_date(link.recorded_on)}", subtle=True))
        out.append(rich(*first, spacing="small"))
        if link.reason:
            out.append(rich(run(clip(link.reason, REASON_CHARS)), spacing="none"))
    return out + more_line(shown.more, "the riskiest are shown first")


def _actions(view: SubjectCardView) -> list[JSON]:
    shown = view.actions
    if not shown.items:
        return []
    out: list[JSON] = [_section("Open actions")]
    for action in shown.items:
        runs: list[JSON | str] = []
        if action.overdue:
            runs.append(run("OVERDUE ", bold=True, color="attention"))
        runs.append(run(f"A-{action.action_id}", bold=True))
        runs.append(run(f" · {clip(action.agency, SHORT_NAME)} · due {format_date(action.due)}"))
        out.append(rich(*runs, spacing="small"))
    return out + more_line(shown.more, "type **outstanding actions** in personal chat")


def _decisions(view: SubjectCardView) -> list[JSON]:
    shown = view.decisions
    if not shown.items:
        return []
    out: list[JSON] = [_section("Decisions")]
    for decision in shown.items:
        out.append(
            rich(
                run(f"{format_date(decision.on)}: ", bold=True),
                run(clip(decision.text, REASON_CHARS)),
                spacing="small",
            )
        )
    return out + more_line(shown.more, OLDER_KEPT)


def _meetings(view: SubjectCardView) -> list[JSON]:
    shown = view.meetings
    if not shown.items:
        return []
    said = "; ".join(
        f"{format_date(m.on)} ({plain(clip(m.group, SHORT_NAME))})" for m in shown.items
    )
    if shown.more:
        said += f"; and {shown.more} earlier"
    return [_section("Discussed at"), text_block(said, spacing="small")]


def _answers(view: SubjectCardView) -> list[JSON]:
    shown = view.answers
    if not shown.items:
        return []
    out: list[JSON] = [_section("Share and challenge about this subject")]
    current: date | None = None
    for answer in shown.items:
        if answer.round_on != current:
            current = answer.round_on
            out.append(
                text_block(f"Round of {format_date(current)}", weight="bolder", size="small")
            )
        who = clip(answer.agency, SHORT_NAME)
        if answer.service:
            who += f" – {clip(answer.service, SHORT_NAME)}"
        out.append(
            rich(
                run(who, bold=True),
                run(f" · {answer.outcome}"),
                run(
                    " · "
                    + " ".join(
                        p for p in (clip(answer.who, SHORT_NAME), format_time(answer.at)) if p
                    ),
                    subtle=True,
                ),
                spacing="small",
            )
        )
        if answer.text:
            out.append(rich(run(clip(answer.text, TEXT_CHARS)), spacing="none"))
    return out + more_line(shown.more, OLDER_KEPT)


def _buttons(view: SubjectCardView) -> list[JSON]:
    buttons: list[JSON] = []
    base: dict[str, object] = {"subjectId": view.subject_id}
    if view.meeting_id is not None:
        base["meetingId"] = view.meeting_id
    if view.can_edit:
        for title, form in EDIT_FORMS:
            if form == "checks" and view.kind is not SubjectKind.CHILD:
                continue
            buttons.append(execute(title, SUBJECT_EDIT, {**base, "form": form}, with_inputs=False))
    if view.can_move:
        buttons.append(
            execute(
                "Move or share",
                SUBJECT_MOVE_FORM,
                {"subjectId": view.subject_id},
                with_inputs=False,
            )
        )
    if view.can_escalate:
        buttons.append(
            execute(
                "Escalate",
                ESCALATE_FORM,
                {"kind": "subject", "recordId": view.subject_id},
                with_inputs=False,
            )
        )
    return buttons


# -- lists -------------------------------------------------------------------------------


def _row(row: SubjectRow) -> JSON:
    meta = [row.group, STATUS_LABELS[row.status]]
    meta.append(
        f"last discussed {format_date(row.last_discussed)}"
        if row.last_discussed
        else "not yet discussed"
    )
    return container(
        [
            rich(
                run(f"{SUBJECT_LABELS[row.kind]}: ", subtle=True),
                run(row.display, bold=True),
                run(f" · {risk_label(row.risk)}", color=_risk_color(row.risk)),
            ),
            rich(run(" · ".join(meta), subtle=True), spacing="none"),
            action_set(
                [execute("Open", SUBJECT_SHOW, {"subjectId": row.subject_id}, with_inputs=False)],
                spacing="small",
            ),
        ],
        separator=True,
        spacing="small",
    )


def subjects_card(page: SubjectsPage) -> JSON:
    """A page of the register as filtered, riskiest first, each with a button to open
    its card; paging keeps the filter."""
    count = f"{page.total} subject" + ("" if page.total == 1 else "s")
    body: list[JSON] = [
        heading("The register", size="large"),
        marking(),
        text_block(f"{count}: {plain(page.description)}. Page {page.page} of {page.pages}."),
    ]
    if not page.rows:
        body.append(text_block("No subject matches."))
    body += [_row(row) for row in page.rows]
    buttons: list[JSON] = []
    if page.page > 1:
        buttons.append(
            execute(
                "Previous page",
                SUBJECTS_PAGE,
                {"words": page.words, "page": page.page - 1},
                with_inputs=False,
            )
        )
    if page.page < page.pages:
        buttons.append(
            execute(
                "Next page",
                SUBJECTS_PAGE,
                {"words": page.words, "page": page.page + 1},
                with_inputs=False,
            )
        )
    return adaptive_card(body, buttons)


def subject_choices_card(choices: SubjectChoices) -> JSON:
    """Several subjects under one reference, in different groups or of different kinds:
    which card to open."""
    body: list[JSON] = [
        heading(f"Which {plain(choices.reference)}?", size="large"),
        marking(),
        text_block(
            f"{len(choices.rows)} subjects are recorded under {plain(choices.reference)} in "
            "your groups. Open the one you mean."
        ),
    ]
    body += [_row(row) for row in choices.rows]
    return adaptive_card(body)
