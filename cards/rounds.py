"""Share-and-challenge rounds, and the challenges they raise.

The seeds' own evaluation says partners must feel able to share and to challenge. So the
round card asks every agency in turn and shows who has still to answer, a decision not
to share is recorded like any other answer, and each challenge stays on a list with its
response until it is resolved or escalated.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.escalations import challenge_fields
from bot.domain.model import TURN_LABELS, ChallengeStatus, RoundStatus, TurnOutcome
from bot.domain.rules import CHALLENGE_TO_NO_AGENCY, MAX_ENTRY_CHARS, MAX_LABEL_CHARS
from bot.domain.views import ChallengeView, RoundAnswerView, RoundTurnView, RoundView
from cards.elements import (
    JSON,
    Errors,
    Values,
    action_set,
    adaptive_card,
    choice_input,
    container,
    execute,
    fact_set,
    field,
    heading,
    marking,
    recorded_text_field,
    rich,
    run,
    show_card,
    text_block,
    value_of,
    with_error_banner,
)
from cards.escalations import challenge_escalation_fields
from cards.parts import challenge_lines, more_line
from cards.text import (
    ANSWER_CHARS,
    NAME_CHARS,
    NOT_AN_AGENCY,
    STILL_TO_ANSWER,
    SUMMARY_CHARS,
    clip,
    format_time,
    meeting_title,
    plain,
)
from cards.verbs import CHALLENGE_RESPOND, ROUND_ANSWER, ROUND_CLOSE

CHALLENGES_SHOWN = 25
#: The latest answers shown per agency (a round is rarely answered more than twice by
#: one agency; the minutes hold every answer).
ANSWERS_SHOWN = 6
DID_NOT_ANSWER = "Did not answer"
# What a person can answer for their agency; "not present" is set by the bot, not chosen.
ANSWER_OUTCOMES = (TurnOutcome.SHARED, TurnOutcome.NOTHING_TO_SHARE, TurnOutcome.CHALLENGE)
RESOLUTIONS: dict[ChallengeStatus, str] = {
    ChallengeStatus.RESOLVED: "Resolved",
    ChallengeStatus.ESCALATED: "Escalated to the Operational or Strategic group",
}


def round_card(
    view: RoundView, *, values: Values | None = None, errors: Errors | None = None
) -> JSON:
    """The round for one agenda item: every agency's answer so far, and the answer form.

    Once closed it becomes a record: counts per outcome, who did not answer, and the
    challenges raised, with nothing left to press.
    """
    # Agencies that sent apologies are shown as not present; they are not asked.
    asked = [t for t in view.turns if t.outcome is not TurnOutcome.NOT_PRESENT]
    answered = sum(1 for turn in asked if turn.outcome is not None)
    title = f"Share and challenge: item {view.item_position} {plain(view.item_title)}"
    if view.subject:
        title += f" – about {plain(view.subject)}"
    body: list[JSON] = [
        text_block(title, size="large", weight="bolder"),
        text_block(meeting_title(view.locality_name), spacing="none"),
        marking(),
        text_block(f"**{answered} of {len(asked)} agencies present have answered.**"),
    ]
    closed = view.status is RoundStatus.CLOSED
    for turn in view.turns:
        body.append(_turn_block(turn, closed))
    if closed:
        return adaptive_card(body + _closed_summary(view))
    body.append(heading("Your agency's answer", separator=True))
    body += _answer_form(view, values, errors)
    actions = [
        execute(
            "Send answer",
            ROUND_ANSWER,
            {"roundId": view.id, "meetingId": view.meeting_id},
            style="positive",
        ),
        execute(
            "Close round",
            ROUND_CLOSE,
            {"roundId": view.id, "meetingId": view.meeting_id},
            with_inputs=False,
        ),
    ]
    return adaptive_card(with_error_banner(body, errors), actions)


def _turn_block(turn: RoundTurnView, closed: bool) -> JSON:
    """An agency and every answer it gave, in order, each with its service (when named),
    who gave it and when. An agency has answered once any of its services has."""
    answers = turn.answers
    if not answers and turn.outcome not in (None, TurnOutcome.NOT_PRESENT):
        # A view of the latest answer only (as drawn before every answer was kept).
        assert turn.outcome is not None
        answers = (
            RoundAnswerView(
                turn.outcome, turn.text, turn.answered_by, challenge_to=turn.challenge_to
            ),
        )
    if not answers:
        unanswered = DID_NOT_ANSWER if closed else STILL_TO_ANSWER
        status = TURN_LABELS[turn.outcome] if turn.outcome is not None else unanswered
        color = "accent" if turn.outcome is None else None
        head: list[JSON | str] = [run(f"{turn.agency.name}: ", bold=True), run(status, color=color)]
        return container([rich(*head)], separator=True, spacing="small")
    lines: list[JSON] = [rich(run(turn.agency.name, bold=True))]
    shown = answers[-ANSWERS_SHOWN:]
    lines += more_line(
        len(answers) - len(shown), "earlier answers are in the minutes of this meeting"
    )
    for answer in shown:
        lines += _answer_lines(answer)
    return container(lines, separator=True, spacing="small")


def _answer_lines(answer: RoundAnswerView) -> list[JSON]:
    color = {TurnOutcome.CHALLENGE: "attention", TurnOutcome.NOT_PRESENT: None}.get(
        answer.outcome, "good"
    )
    head: list[JSON | str] = []
    if answer.service:
        head.append(run(f"{clip(answer.service, NAME_CHARS)}: ", bold=True))
    head.append(run(TURN_LABELS[answer.outcome], color=color))
    who = clip(answer.answered_by, NAME_CHARS)
    when = format_time(answer.at) if answer.at is not None else ""
    said = ", ".join(part for part in (who, when) if part)
    if said:
        head.append(run(f" ({said})", subtle=True))
    lines: list[JSON] = [rich(*head, spacing="none")]
    if answer.outcome is TurnOutcome.CHALLENGE:
        lines.append(
            rich(
                run("Challenge to: ", bold=True),
                run(answer.challenge_to or NOT_AN_AGENCY),
                spacing="none",
            )
        )
    if answer.text.strip():
        lines.append(rich(run(clip(answer.text, ANSWER_CHARS)), spacing="none"))
    return lines


def _answer_form(view: RoundView, values: Values | None, errors: Errors | None) -> list[JSON]:
    """One agency's answer. Sharing nothing is an answer too, and is recorded."""
    targets = [(str(a.id), a.name) for a in view.agencies] + [
        (CHALLENGE_TO_NO_AGENCY, NOT_AN_AGENCY)
    ]
    body: list[JSON] = []
    body += field(
        choice_input(
            "outcome",
            "Your agency's answer",
            [(o.value, TURN_LABELS[o]) for o in ANSWER_OUTCOMES],
            value=value_of(values, "outcome"),
            expanded=True,
            required=True,
        ),
        errors,
    )
    body += recorded_text_field(
        "service",
        "Service (optional)",
        values,
        errors,
        max_length=MAX_LABEL_CHARS,
        placeholder="e.g. CAMHS, Healthy Child team: when a service answers for itself",
    )
    body += recorded_text_field(
        "shareText",
        "What you share, or your challenge",
        values,
        errors,
        multiline=True,
        max_length=MAX_ENTRY_CHARS,
        placeholder="Children by case reference and initials only",
    )
    body.append(text_block("If you are raising a challenge:", subtle=True, size="small"))
    body += field(
        choice_input(
            "challengeTo",
            "Challenge to",
            targets,
            value=value_of(values, "challengeTo"),
            placeholder="Which agency, or the plan",
        ),
        errors,
    )
    body += recorded_text_field(
        "challengeAbout",
        "About",
        values,
        errors,
        max_length=MAX_LABEL_CHARS * 3,
        placeholder="e.g. the disruption plan for CR-0001",
    )
    return body


def _closed_summary(view: RoundView) -> list[JSON]:
    given = [a.outcome for t in view.turns for a in t.answers] + [
        t.outcome for t in view.turns if not t.answers and t.outcome is not None
    ]
    counts = [(TURN_LABELS[o], str(sum(1 for g in given if g is o))) for o in TurnOutcome]
    silent = view.still_to_answer
    body: list[JSON] = [
        heading("Round closed", separator=True),
        fact_set(counts),
        text_block(
            f"{DID_NOT_ANSWER}: " + ", ".join(plain(t.agency.name) for t in silent),
            color="attention",
        )
        if silent
        else text_block("Every agency answered."),
        heading("Challenges raised"),
    ]
    if not view.challenges:
        body.append(text_block("No challenges were raised."))
    for challenge in view.challenges[:CHALLENGES_SHOWN]:
        body.append(container(challenge_lines(challenge, SUMMARY_CHARS), separator=True))
    body += more_line(
        len(view.challenges) - CHALLENGES_SHOWN, "the rest are on the open challenges list"
    )
    return body


def challenges_card(
    challenges: Sequence[ChallengeView],
    *,
    locality_name: str,
    values: Values | None = None,
    errors: Errors | None = None,
    note: str | None = None,
) -> JSON:
    """Open challenges, each with a form for the response and how it was settled.

    A challenge whose response came back with errors shows its form open, with the
    entries kept, instead of hidden behind a button. ``note`` says what the last response
    did (closed, or escalated and to which group): the card drawn after it lists that
    challenge no more, and in place of the card pressed it is the only answer shown.
    """
    body: list[JSON] = [
        text_block(
            f"Open challenges: MACE {plain(locality_name)} locality group",
            size="large",
            weight="bolder",
        ),
        marking(),
    ]
    if note:
        body.append(text_block(note, color="good", weight="bolder"))
    open_ones = [c for c in challenges if c.status is ChallengeStatus.OPEN]
    if not open_ones:
        body.append(text_block("No open challenges."))
        return adaptive_card(with_error_banner(body, errors))
    body.append(text_block(f"{len(open_ones)} open."))
    for challenge in open_ones[:CHALLENGES_SHOWN]:
        body.append(_challenge_block(challenge, values, errors))
    body += more_line(len(open_ones) - CHALLENGES_SHOWN, "respond to these and the rest will show")
    return adaptive_card(with_error_banner(body, errors))


def _challenge_block(
    challenge: ChallengeView, values: Values | None, errors: Errors | None
) -> JSON:
    response_id = f"response-{challenge.id}"
    resolution_id = f"resolution-{challenge.id}"
    # Shown open, the form sits on the card itself, where client-side "required" checks
    # would also stop the other challenges' open forms from being sent: leave them to
    # the server there.
    inline = errors is not None and any(
        key in errors for key in (response_id, resolution_id, *challenge_fields(challenge.id))
    )
    form: list[JSON] = []
    form += recorded_text_field(
        response_id,
        "Response",
        values,
        errors,
        multiline=True,
        max_length=MAX_ENTRY_CHARS,
        required=not inline,
    )
    form += field(
        choice_input(
            resolution_id,
            "Outcome",
            [(s.value, label) for s, label in RESOLUTIONS.items()],
            value=value_of(values, resolution_id),
            expanded=True,
            required=not inline,
        ),
        errors,
    )
    form += challenge_escalation_fields(challenge.id, values, errors)
    submit = execute(
        "Record response", CHALLENGE_RESPOND, {"challengeId": challenge.id}, style="positive"
    )
    lines = challenge_lines(challenge, SUMMARY_CHARS)
    if inline:
        lines += [*form, action_set([submit])]
    else:
        lines.append(action_set([show_card("Record response", form, [submit])]))
    return container(lines, separator=True)
