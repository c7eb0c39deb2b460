"""Escalation counts unanswered overdue reminders (issue 16, point 6): an owner who keeps
answering is never escalated; one who stops is, after N reminders in a row go unanswered.

The schedule is the one of bot/domain/chasing.py's docstring: an action due Wednesday
23 December 2026 is reminded overdue on Thu 24 Dec (1), Wed 30 Dec (2), Mon 4 Jan (3),
Wed 6 Jan (4), Fri 8 Jan (5), Tue 12 Jan (6); each run is at 07:30 London time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.calendar import LONDON, WorkingCalendar
from bot.domain.chasing import (
    ActionChaseState,
    ChaseRules,
    plan_chase,
    reminder_answered,
    unanswered_overdue_run,
)

CAL = WorkingCalendar()
DUE = date(2026, 12, 23)


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def run_at(day: date) -> datetime:
    return london(day, 7, 30)


def simulate(
    answers: Iterable[datetime],
    *,
    end: date = date(2027, 1, 12),
    rules: ChaseRules | None = None,
) -> tuple[dict[date, list[str]], ActionChaseState]:
    """Run the chase each day at 07:30 from 1 Dec to ``end``, recording what it plans as
    sent at that moment and flagging the action when it escalates, as the real run does;
    each answer is on the record from its moment on."""
    rules = rules or ChaseRules()
    answered = sorted(answers)
    state = ActionChaseState(action_id=1, owner_id=10, locality_id=7, due_date=DUE)
    sent: dict[date, list[str]] = {}
    day = date(2026, 12, 1)
    while day <= end:
        now = run_at(day)
        state = replace(state, answered_at=tuple(a for a in answered if a <= now))
        plan = plan_chase([state], day, lambda _lid: rules, CAL)
        keys = [r.key for r in plan.reminders] + [e.key for e in plan.escalations]
        if keys:
            sent[day] = keys
            state = replace(
                state,
                sent=state.sent | frozenset(keys),
                sent_at={**state.sent_at, **dict.fromkeys(keys, now)},
                escalated=state.escalated or bool(plan.escalations),
            )
        day += timedelta(days=1)
    return sent, state


def escalation_days(sent: dict[date, list[str]]) -> list[date]:
    return [day for day, keys in sent.items() if any(k.startswith("escalate:") for k in keys)]


def overdue_days(sent: dict[date, list[str]]) -> list[date]:
    return [day for day, keys in sent.items() if any(k.startswith("overdue:") for k in keys)]


EVERY_OVERDUE_DAY = [
    date(2026, 12, 24),
    date(2026, 12, 30),
    date(2027, 1, 4),
    date(2027, 1, 6),
    date(2027, 1, 8),
    date(2027, 1, 12),
]


def test_never_answered_escalates_on_the_third_overdue_slot() -> None:
    sent, _ = simulate([])
    assert escalation_days(sent) == [date(2027, 1, 4)]
    assert overdue_days(sent) == EVERY_OVERDUE_DAY


def test_an_owner_who_answers_every_reminder_is_never_escalated() -> None:
    answers = [london(day, 14) for day in EVERY_OVERDUE_DAY]
    sent, state = simulate(answers)
    assert escalation_days(sent) == []
    assert overdue_days(sent) == EVERY_OVERDUE_DAY, "answered or not, reminders go on"
    assert not state.escalated


@pytest.mark.parametrize(
    ("answer", "escalates_on"),
    [
        # The same day as the first overdue reminder, after it was sent: it is answered;
        # reminders 2 (30 Dec) and 3 (4 Jan) unanswered: escalates with the 4th, 6 Jan.
        (london(date(2026, 12, 24), 15), date(2027, 1, 6)),
        # The same moment as the reminder was recorded: answered (at or after).
        (run_at(date(2026, 12, 24)), date(2027, 1, 6)),
        # The same day, but before the 07:30 run that sent reminder 1: it answers nothing
        # that counts (the due-day reminder never counts), so nothing changes.
        (london(date(2026, 12, 24), 7), date(2027, 1, 4)),
        # The morning of 30 Dec before reminder 2 was sent: it answers reminder 1.
        (london(date(2026, 12, 30), 7), date(2027, 1, 6)),
        # The day before the escalation (Thu 31 Dec; Fri 1 Jan is a bank holiday): the
        # second reminder is answered, no escalation on 4 Jan; reminders 3 (4 Jan) and
        # 4 (6 Jan) go unanswered, so it escalates on 8 Jan.
        (london(date(2026, 12, 31), 16), date(2027, 1, 8)),
        # The escalation day itself, before its 07:30 run: still in time.
        (london(date(2027, 1, 4), 7, 29), date(2027, 1, 8)),
        # The escalation day after its run: too late, it has escalated.
        (london(date(2027, 1, 4), 7, 31), date(2027, 1, 4)),
    ],
)
def test_one_answer_on_the_boundary_days(answer: datetime, escalates_on: date) -> None:
    sent, state = simulate([answer])
    assert escalation_days(sent) == [escalates_on]
    assert state.escalated


def test_an_answer_after_escalation_does_not_undo_it_nor_escalate_again() -> None:
    sent, state = simulate([london(date(2027, 1, 5), 10)])
    assert escalation_days(sent) == [date(2027, 1, 4)]
    assert overdue_days(sent) == EVERY_OVERDUE_DAY, "reminders go on after escalation"
    assert state.escalated and "escalate:2026-12-23" in state.sent
    # The answer of 5 Jan answered reminder 3 (4 Jan); reminders 4, 5 and 6 went unanswered,
    # and still nothing escalates again: the flag stands until the chair deals with it.
    assert unanswered_overdue_run(state) == 3


def test_answers_restart_the_count_each_time() -> None:
    # Answers after reminders 1 and 3: reminders 4 (6 Jan) and 5 (8 Jan) unanswered, so it
    # escalates on 12 Jan with the 6th.
    answers = [london(date(2026, 12, 24), 12), london(date(2027, 1, 5), 12)]
    sent, _ = simulate(answers)
    assert escalation_days(sent) == [date(2027, 1, 12)]


def test_n_is_the_locality_setting() -> None:
    rules = ChaseRules(escalate_after_overdue_reminders=3)
    assert escalation_days(simulate([], rules=rules)[0]) == [date(2027, 1, 6)]
    # An answer after reminder 2: reminders 3, 4 and 5 must all go unanswered.
    later = simulate([london(date(2026, 12, 31), 9)], rules=rules)[0]
    assert escalation_days(later) == [date(2027, 1, 12)]


def test_the_unanswered_run_and_its_interval_ends() -> None:
    one, two, three = (run_at(d) for d in EVERY_OVERDUE_DAY[:3])
    state = ActionChaseState(
        1,
        10,
        7,
        DUE,
        sent=frozenset({"before:2026-12-23", *(f"overdue:2026-12-23:{k}" for k in (1, 2, 3))}),
        sent_at={
            "overdue:2026-12-23:1": one,
            "overdue:2026-12-23:2": two,
            "overdue:2026-12-23:3": three,
        },
    )
    assert unanswered_overdue_run(state) == 3
    # An answer exactly when reminder 2 was sent belongs to reminder 2, not 1.
    assert unanswered_overdue_run(replace(state, answered_at=(two,))) == 1
    assert unanswered_overdue_run(replace(state, answered_at=(three - timedelta(seconds=1),))) == 1
    assert unanswered_overdue_run(replace(state, answered_at=(three,))) == 0
    # Answers before the first overdue reminder, or for another due date, count for none.
    assert unanswered_overdue_run(replace(state, answered_at=(one - timedelta(days=1),))) == 3
    assert unanswered_overdue_run(replace(state, due_date=date(2027, 1, 20))) == 0
    assert reminder_answered(None, None, [one]) is False, "no known moment: unanswered"
    assert reminder_answered(one, two, [one]) is True
    assert reminder_answered(one, two, [two]) is False
    assert reminder_answered(one, None, [three]) is True
