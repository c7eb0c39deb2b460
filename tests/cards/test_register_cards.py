"""The register's cards: a subject's card with everything it can show, within Teams' size
whatever the history; a restricted person of concern shows nothing but that; the missing
checks only when the view carries them; the chair's buttons; the list and the choice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from bot.domain.model import SubjectKind
from bot.domain.register import (
    ChildChecks,
    InterviewState,
    RiskLevel,
    SubjectEventKind,
    SubjectStatus,
)
from bot.domain.register_views import (
    RESTRICTED_PERSON,
    AnswerLine,
    DecisionLine,
    HistoryLine,
    LinkLine,
    MeetingRef,
    RiskChange,
    Shown,
    SubjectActionLine,
    SubjectCardView,
    SubjectChoices,
    SubjectRow,
    SubjectsPage,
)
from bot.services.readmodels.register import (
    ACTIONS_SHOWN,
    ANSWERS_SHOWN,
    DECISIONS_SHOWN,
    HISTORY_SHOWN,
    LINKS_SHOWN,
    MEETINGS_SHOWN,
    RISK_SHOWN,
)
from cards.register import subject_card, subject_choices_card, subjects_card
from cards.verbs import SUBJECT_EDIT, SUBJECT_MOVE_FORM, SUBJECT_SHOW, SUBJECTS_PAGE
from tests.support.card_schema import validate_card

AT = datetime(2026, 11, 19, 11, 5, tzinfo=UTC)
MEETING = MeetingRef(7, date(2026, 11, 19), "Scarborough")
#: Free text at the longest anyone could type it: the card clips it.
LONG = "Seen late at night near the takeaway with older males; " * 30


def texts(card: Any) -> str:
    return json.dumps(card)


def executes(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "Action.Execute":
            found.append(node)
        for value in node.values():
            found += executes(value)
    elif isinstance(node, list):
        for value in node:
            found += executes(value)
    return found


def child_view(**changes: Any) -> SubjectCardView:
    base = SubjectCardView(
        subject_id=41,
        kind=SubjectKind.CHILD,
        reference="CR-0107",
        initials="JD",
        group="Scarborough",
        status=SubjectStatus.OPEN,
        status_reason="",
        risk=RiskLevel.HIGH,
        strands=("Child criminal exploitation and county lines",),
        lead_agency="North Yorkshire Police",
        first_discussed=date(2026, 10, 15),
        last_discussed=date(2026, 11, 19),
        checks=ChildChecks(
            missing_episode=True,
            return_interview=InterviewState.DONE,
            return_interview_on=date(2026, 11, 2),
            voice_recorded=True,
        ),
        missing=None,
        risk_history=Shown(
            (
                RiskChange(
                    RiskLevel.HIGH,
                    RiskLevel.MEDIUM,
                    "Alex Wilber",
                    AT,
                    MEETING,
                    "Seen at the takeaway",
                ),
                RiskChange(RiskLevel.MEDIUM, None, "Alex Wilber", AT, None, "First rated"),
            )
        ),
        history=Shown(
            (
                HistoryLine(
                    SubjectEventKind.LEAD_AGENCY,
                    "North Yorkshire Police",
                    "",
                    "Alex Wilber",
                    AT,
                    MEETING,
                ),
            )
        ),
        links=Shown(
            (
                LinkLine(
                    42,
                    SubjectKind.LOCATION,
                    "Takeaway on Eastborough",
                    RiskLevel.MEDIUM,
                    "Seen there",
                    date(2026, 11, 19),
                ),
                LinkLine(
                    None,
                    SubjectKind.PERSON,
                    RESTRICTED_PERSON,
                    None,
                    "",
                    date(2026, 11, 19),
                    restricted=True,
                ),
            )
        ),
        actions=Shown((SubjectActionLine(12, "North Yorkshire Police", date(2026, 11, 25), True),)),
        decisions=Shown((DecisionLine(date(2026, 11, 19), "Refer to the NRM"),)),
        meetings=Shown((MEETING,)),
        answers=Shown(
            (
                AnswerLine(
                    date(2026, 11, 19),
                    "North Yorkshire Police",
                    "",
                    "Shared",
                    "Stop and search",
                    "Priya Shah",
                    AT,
                ),
                AnswerLine(
                    date(2026, 11, 19),
                    "Health",
                    "CAMHS",
                    "Shared",
                    "Missed appointments",
                    "Dana Reeves",
                    AT,
                ),
                AnswerLine(
                    date(2026, 11, 19),
                    "North Yorkshire Police",
                    "",
                    "Shared",
                    "A second sighting",
                    "Priya Shah",
                    AT,
                ),
            )
        ),
    )
    return _replace(base, **changes)


def _replace(view: SubjectCardView, **changes: Any) -> SubjectCardView:
    from dataclasses import replace

    return replace(view, **changes)


def test_a_childs_card_shows_its_history_links_actions_and_answers() -> None:
    card = subject_card(child_view())
    validate_card(card)
    text = texts(card)
    for shown in (
        "Child: CR-0107 (JD)",
        "High risk",
        "(was medium)",
        "Seen at the takeaway",
        "Takeaway on Eastborough",
        "A person of concern (restricted)",
        "A-12",
        "OVERDUE",
        "Refer to the NRM",
        "CAMHS",
        "A second sighting",
        "Return home interview",
        "Child criminal exploitation and county lines",
    ):
        assert shown in text, shown
    assert "Still to record" not in text
    assert executes(card) == []  # a partner: no buttons


def test_missing_checks_are_shown_only_when_the_view_carries_them() -> None:
    card = subject_card(child_view(missing=("Risk assessment tool completed",)))
    validate_card(card)
    assert "Still to record" in texts(card) and "Risk assessment tool completed" in texts(card)


def test_the_chairs_buttons_carry_the_subject_the_form_and_the_meeting() -> None:
    card = subject_card(child_view(can_edit=True, can_move=True, meeting_id=7))
    validate_card(card)
    buttons = {(b["title"], b["verb"]): b["data"] for b in executes(card)}
    assert buttons[("Change risk", SUBJECT_EDIT)] == {
        "verb": SUBJECT_EDIT,
        "subjectId": 41,
        "form": "risk",
        "meetingId": 7,
    }
    assert {title for title, verb in buttons if verb == SUBJECT_EDIT} == {
        "Change risk",
        "Status",
        "Details",
        "Checks",
        "Link",
    }
    assert buttons[("Move or share", SUBJECT_MOVE_FORM)] == {
        "verb": SUBJECT_MOVE_FORM,
        "subjectId": 41,
    }
    for button in executes(card):
        assert button["fallback"]["data"] == button["data"]
    location = subject_card(child_view(kind=SubjectKind.LOCATION, checks=None, can_edit=True))
    assert "Checks" not in {b["title"] for b in executes(location)}


def _full(n: int, make: Any) -> Shown[Any]:
    return Shown(tuple(make(i) for i in range(n)), 500)


def test_the_fullest_card_stays_well_within_teams_size() -> None:
    """Every list at the most the read model gives, every text at its longest, every
    name long: still under 28 KB (Teams refuses a message over about 28 KB)."""
    name = "Health (CAMHS, Healthy Child Team, named nurses) " * 3
    view = child_view(
        status=SubjectStatus.CLOSED,
        status_reason=LONG,
        strands=tuple(f"Strand {i} " * 5 for i in range(7)),
        missing=tuple(f"Check {i}" for i in range(8)),
        risk_history=_full(
            RISK_SHOWN, lambda i: RiskChange(RiskLevel.HIGH, RiskLevel.LOW, name, AT, MEETING, LONG)
        ),
        history=_full(
            HISTORY_SHOWN,
            lambda i: HistoryLine(SubjectEventKind.STRANDS, LONG, LONG, name, AT, MEETING),
        ),
        links=_full(
            LINKS_SHOWN,
            lambda i: LinkLine(
                i, SubjectKind.LOCATION, LONG[:200], RiskLevel.HIGH, LONG, date(2026, 1, 1)
            ),
        ),
        actions=_full(
            ACTIONS_SHOWN, lambda i: SubjectActionLine(100000 + i, name, date(2026, 1, 1), True)
        ),
        decisions=_full(DECISIONS_SHOWN, lambda i: DecisionLine(date(2026, 1, 1), LONG)),
        meetings=_full(MEETINGS_SHOWN, lambda i: MeetingRef(i, date(2026, 1, 1), name)),
        answers=_full(
            ANSWERS_SHOWN,
            lambda i: AnswerLine(
                date(2026, 1, i % 28 + 1), name, name, "Challenge raised", LONG, name, AT
            ),
        ),
        can_edit=True,
        can_move=True,
        meeting_id=7,
    )
    card = subject_card(view)
    validate_card(card)
    size = len(json.dumps(card).encode())
    assert size < 28_000, size
    assert "and 500 more" in texts(card)


def row(n: int, kind: SubjectKind = SubjectKind.CHILD) -> SubjectRow:
    return SubjectRow(
        n,
        kind,
        f"CR-01{n:02d} (AB)",
        "Scarborough",
        RiskLevel.HIGH,
        SubjectStatus.OPEN,
        date(2026, 11, 19),
    )


def test_the_list_opens_each_subject_and_pages_with_the_same_words() -> None:
    page = SubjectsPage(
        rows=tuple(row(n) for n in range(10)),
        total=23,
        page=2,
        pages=3,
        description="children, high or very high risk, open or monitoring",
        words="children high risk",
    )
    card = subjects_card(page)
    validate_card(card)
    buttons = executes(card)
    opens = [b for b in buttons if b["verb"] == SUBJECT_SHOW]
    assert [b["data"]["subjectId"] for b in opens] == list(range(10))
    pages = {b["title"]: b["data"] for b in buttons if b["verb"] == SUBJECTS_PAGE}
    assert pages == {
        "Previous page": {"verb": SUBJECTS_PAGE, "words": "children high risk", "page": 1},
        "Next page": {"verb": SUBJECTS_PAGE, "words": "children high risk", "page": 3},
    }
    assert "23 subjects" in texts(card)
    empty = subjects_card(SubjectsPage((), 0, 1, 1, "open or monitoring"))
    validate_card(empty)
    assert "No subject matches" in texts(empty)


def test_several_under_one_reference_are_offered_to_choose() -> None:
    card = subject_choices_card(SubjectChoices("CR-0107", (row(7), row(8, SubjectKind.PERSON))))
    validate_card(card)
    assert [b["data"]["subjectId"] for b in executes(card)] == [7, 8]
    assert "Which CR-0107?" in texts(card)
