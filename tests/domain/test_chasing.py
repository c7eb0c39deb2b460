"""Chasing rules: which reminder goes on which working day, exactly once, and escalation."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.domain.calendar import WorkingCalendar
from bot.domain.chasing import (
    ActionChaseState,
    ChasePlan,
    ChaseRules,
    InvalidChaseRules,
    overdue_slot_day,
    plan_chase,
)
from bot.domain.errors import InvalidInput

CAL = WorkingCalendar()
DEFAULTS = ChaseRules()
LOCALITY = 7


def default_rules(_locality_id: int) -> ChaseRules:
    return DEFAULTS


def action(
    due: date, *, action_id: int = 1, owner_id: int = 10, locality_id: int = LOCALITY, **kw: object
) -> ActionChaseState:
    return replace(
        ActionChaseState(action_id, owner_id, locality_id, due),
        **kw,  # type: ignore[arg-type]
    )


def days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def simulate(
    state: ActionChaseState,
    start: date,
    end: date,
    *,
    rules: ChaseRules = DEFAULTS,
    skip: Iterable[date] = (),
) -> dict[date, list[str]]:
    """Run the chase every day from start to end (the planner ignores non-working days),
    recording what it plans as sent, as the real run does. Days in ``skip`` are missed runs."""
    missed = set(skip)
    sent: dict[date, list[str]] = {}
    for day in days(start, end):
        if day in missed:
            continue
        plan = plan_chase([state], day, lambda _lid: rules, CAL)
        keys = [r.key for r in plan.reminders] + [e.key for e in plan.escalations]
        if keys:
            sent[day] = keys
            state = replace(state, sent=state.sent | frozenset(keys))
    return sent


# -- the schedule over bank holidays -----------------------------------------------------------


def test_due_wednesday_23_december_2026_across_christmas() -> None:
    due = date(2026, 12, 23)
    sent = simulate(action(due), date(2026, 12, 1), date(2027, 1, 12))
    assert sent == {
        # 3 working days before: Tue 22, Mon 21, Fri 18.
        date(2026, 12, 18): ["before:2026-12-23"],
        date(2026, 12, 23): ["due:2026-12-23"],
        # First working day after: Thu 24 (Christmas Day and the Boxing Day substitute
        # Mon 28 are bank holidays).
        date(2026, 12, 24): ["overdue:2026-12-23:1"],
        # Two working days later: Tue 29 (1), Wed 30 (2... counting from Thu 24).
        date(2026, 12, 30): ["overdue:2026-12-23:2"],
        # Thu 31 (4), Fri 1 Jan is a bank holiday, Mon 4 Jan (5): third slot, and the owner
        # has had two working days to answer the second reminder, so it escalates.
        date(2027, 1, 4): ["overdue:2026-12-23:3", "escalate:2026-12-23"],
        date(2027, 1, 6): ["overdue:2026-12-23:4"],
        date(2027, 1, 8): ["overdue:2026-12-23:5"],
        date(2027, 1, 12): ["overdue:2026-12-23:6"],
    }


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (
            date(2026, 4, 2),  # Maundy Thursday, a working day
            {
                date(2026, 3, 30): ["before:2026-04-02"],
                date(2026, 4, 2): ["due:2026-04-02"],
                date(2026, 4, 7): ["overdue:2026-04-02:1"],  # Good Friday, Easter Monday
                date(2026, 4, 9): ["overdue:2026-04-02:2"],
                date(2026, 4, 13): ["overdue:2026-04-02:3", "escalate:2026-04-02"],
            },
        ),
        (
            date(2026, 4, 3),  # Good Friday: falls due on Tuesday 7 April
            {
                date(2026, 3, 31): ["before:2026-04-03"],
                date(2026, 4, 7): ["due:2026-04-03"],
                date(2026, 4, 8): ["overdue:2026-04-03:1"],
                date(2026, 4, 10): ["overdue:2026-04-03:2"],
                date(2026, 4, 14): ["overdue:2026-04-03:3", "escalate:2026-04-03"],
            },
        ),
        (
            date(2026, 4, 4),  # Easter Saturday: the same effective day, its own keys
            {
                date(2026, 3, 31): ["before:2026-04-04"],
                date(2026, 4, 7): ["due:2026-04-04"],
                date(2026, 4, 8): ["overdue:2026-04-04:1"],
                date(2026, 4, 10): ["overdue:2026-04-04:2"],
                date(2026, 4, 14): ["overdue:2026-04-04:3", "escalate:2026-04-04"],
            },
        ),
    ],
)
def test_easter_2026(due: date, expected: dict[date, list[str]]) -> None:
    assert simulate(action(due), date(2026, 3, 20), date(2026, 4, 14)) == expected


def test_overdue_slot_days_skip_bank_holidays() -> None:
    due = date(2026, 12, 23)
    assert [overdue_slot_day(due, k, DEFAULTS, CAL) for k in (1, 2, 3)] == [
        date(2026, 12, 24),
        date(2026, 12, 30),
        date(2027, 1, 4),
    ]
    with pytest.raises(ValueError):
        overdue_slot_day(due, 0, DEFAULTS, CAL)


@pytest.mark.parametrize(
    "day",
    [date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28), date(2026, 4, 6)],
)
def test_no_plan_on_a_non_working_day(day: date) -> None:
    overdue = action(date(2026, 12, 1), sent=frozenset({"overdue:2026-12-01:1"}))
    plan = plan_chase([overdue, action(day, action_id=2)], day, default_rules, CAL)
    assert plan == ChasePlan(day)
    assert not plan


# -- missed runs and repeated runs ------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_run", "expected"),
    [
        (date(2026, 12, 21), ("before", "before:2026-12-23", 0)),  # late in the window
        (date(2026, 12, 23), ("due", "due:2026-12-23", 0)),  # whole window missed: due only
        (date(2026, 12, 24), ("overdue", "overdue:2026-12-23:1", 1)),  # never a late "due"
        (date(2026, 12, 29), ("overdue", "overdue:2026-12-23:1", 2)),
        (date(2026, 12, 30), ("overdue", "overdue:2026-12-23:2", 3)),  # one, not 1 and 2
        (date(2027, 1, 4), ("overdue", "overdue:2026-12-23:3", 5)),
    ],
)
def test_a_first_run_after_missed_runs_sends_one_reminder(
    first_run: date, expected: tuple[str, str, int]
) -> None:
    plan = plan_chase([action(date(2026, 12, 23))], first_run, default_rules, CAL)
    assert [(r.kind, r.key, r.days_overdue) for r in plan.reminders] == [expected]
    assert plan.escalations == ()


def test_missed_runs_catch_up_once_and_skipped_slots_stay_skipped() -> None:
    due = date(2026, 12, 23)
    outage = list(days(date(2026, 12, 24), date(2027, 1, 5)))
    sent = simulate(action(due), date(2026, 12, 1), date(2027, 1, 14), skip=outage)
    assert sent == {
        date(2026, 12, 18): ["before:2026-12-23"],
        date(2026, 12, 23): ["due:2026-12-23"],
        date(2027, 1, 6): ["overdue:2026-12-23:4"],  # slots 1 to 3 missed: one catch-up
        date(2027, 1, 8): ["overdue:2026-12-23:5"],
        # Two overdue reminders sent, and the next slot reached: escalate.
        date(2027, 1, 12): ["overdue:2026-12-23:6", "escalate:2026-12-23"],
        date(2027, 1, 14): ["overdue:2026-12-23:7"],
    }


def test_a_repeated_run_on_the_same_day_plans_nothing_new() -> None:
    today = date(2027, 1, 4)
    actions = [
        action(
            date(2026, 12, 23), sent=frozenset({"overdue:2026-12-23:1", "overdue:2026-12-23:2"})
        ),
        action(date(2027, 1, 6), action_id=2),
        action(date(2027, 1, 4), action_id=3, owner_id=11),
        action(date(2027, 2, 1), action_id=4, owner_unreachable=True),
    ]
    first = plan_chase(actions, today, default_rules, CAL)
    assert {key for _, key in first.keys} == {
        "overdue:2026-12-23:3",
        "escalate:2026-12-23",
        "before:2027-01-06",
        "due:2027-01-04",
        "unreachable:2027-02-01",
    }
    recorded = [
        replace(a, sent=a.sent | {k for aid, k in first.keys if aid == a.action_id})
        for a in actions
    ]
    again = plan_chase(recorded, today, default_rules, CAL)
    assert again == ChasePlan(today)


def test_a_new_due_date_restarts_the_reminders() -> None:
    old_keys = frozenset(
        {"before:2026-12-23", "due:2026-12-23", "overdue:2026-12-23:1", "overdue:2026-12-23:2"}
    )
    moved = action(date(2027, 1, 20), sent=old_keys)
    assert simulate(moved, date(2027, 1, 4), date(2027, 1, 22)) == {
        date(2027, 1, 15): ["before:2027-01-20"],
        date(2027, 1, 20): ["due:2027-01-20"],
        date(2027, 1, 21): ["overdue:2027-01-20:1"],
    }


def test_closed_actions_get_nothing() -> None:
    closed = [
        action(date(2026, 12, 1), open=False),
        action(date(2026, 12, 1), action_id=2, open=False, owner_unreachable=True),
        action(
            date(2026, 11, 2),
            action_id=3,
            open=False,
            sent=frozenset({"overdue:2026-11-02:1", "overdue:2026-11-02:2"}),
        ),
    ]
    assert not plan_chase(closed, date(2026, 12, 10), default_rules, CAL)


# -- escalation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "today", "escalates"),
    [
        ({"overdue:2026-12-23:1"}, date(2027, 1, 4), False),  # only one reminder sent
        ({"overdue:2026-12-23:1", "overdue:2026-12-23:2"}, date(2026, 12, 31), False),  # waits
        ({"overdue:2026-12-23:1", "overdue:2026-12-23:2"}, date(2027, 1, 4), True),
        ({"overdue:2026-12-23:1", "overdue:2026-12-23:2"}, date(2027, 1, 20), True),  # late run
        ({"overdue:2026-12-01:1", "overdue:2026-12-01:2"}, date(2027, 1, 4), False),  # old date
        (
            {"overdue:2026-12-23:1", "overdue:2026-12-23:2", "escalate:2026-12-23"},
            date(2027, 1, 4),
            False,  # already escalated for this due date
        ),
    ],
)
def test_escalation_after_two_overdue_reminders(
    sent: set[str], today: date, escalates: bool
) -> None:
    plan = plan_chase([action(date(2026, 12, 23), sent=frozenset(sent))], today, default_rules, CAL)
    assert [e.key for e in plan.escalations] == (["escalate:2026-12-23"] if escalates else [])
    if escalates:
        (escalation,) = plan.escalations
        assert escalation.reason == "overdue"
        assert escalation.overdue_reminders_sent == 2
        assert escalation.days_overdue == CAL.working_days_between(date(2026, 12, 23), today)
        assert [r.kind for r in plan.reminders] == ["overdue"], "the owner is still reminded"


def test_an_action_flagged_escalated_is_not_escalated_again() -> None:
    flagged = action(
        date(2026, 12, 23),
        escalated=True,
        sent=frozenset({"overdue:2026-12-23:1", "overdue:2026-12-23:2"}),
    )
    assert plan_chase([flagged], date(2027, 1, 4), default_rules, CAL).escalations == ()


def test_the_threshold_is_configuration() -> None:
    rules = ChaseRules(escalate_after_overdue_reminders=1, overdue_every=3)
    sent = simulate(action(date(2026, 12, 23)), date(2026, 12, 21), date(2027, 1, 8), rules=rules)
    assert sent == {
        date(2026, 12, 21): ["before:2026-12-23"],
        date(2026, 12, 23): ["due:2026-12-23"],
        date(2026, 12, 24): ["overdue:2026-12-23:1"],
        date(2026, 12, 31): ["overdue:2026-12-23:2", "escalate:2026-12-23"],
        date(2027, 1, 6): ["overdue:2026-12-23:3"],
    }


@pytest.mark.parametrize(
    "due",
    [date(2027, 3, 1), date(2026, 12, 23), date(2026, 10, 1)],  # far ahead, today, long overdue
)
def test_an_unreachable_owner_escalates_at_once_and_gets_no_reminders(due: date) -> None:
    today = date(2026, 12, 23)
    state = action(due, owner_unreachable=True)
    plan = plan_chase([state], today, default_rules, CAL)
    assert plan.reminders == ()
    (escalation,) = plan.escalations
    assert (escalation.reason, escalation.key) == ("unreachable", f"unreachable:{due}")
    recorded = replace(state, sent=frozenset({escalation.key}))
    assert not plan_chase([recorded], today, default_rules, CAL)


# -- digests ---------------------------------------------------------------------------------


def test_one_digest_per_owner_and_escalations_by_locality() -> None:
    today = date(2027, 1, 4)
    two_sent = frozenset({"overdue:2026-12-23:1", "overdue:2026-12-23:2"})
    actions = [
        action(date(2027, 1, 6), action_id=5, owner_id=10),
        action(date(2026, 12, 23), action_id=3, owner_id=10, sent=two_sent),
        action(date(2027, 1, 4), action_id=4, owner_id=10),
        action(date(2027, 1, 4), action_id=6, owner_id=20, locality_id=8),
        action(date(2026, 12, 23), action_id=7, owner_id=20, locality_id=8, sent=two_sent),
        action(date(2027, 3, 1), action_id=8, owner_id=30, locality_id=8),  # nothing yet
        action(date(2027, 1, 4), action_id=9, owner_id=40, owner_unreachable=True),
    ]
    plan = plan_chase(actions, today, default_rules, CAL)
    digests = plan.by_owner()
    assert list(digests) == [10, 20]
    assert [(r.action_id, r.kind) for r in digests[10]] == [
        (3, "overdue"),  # soonest due first
        (4, "due"),
        (5, "before"),
    ]
    assert [(r.action_id, r.kind) for r in digests[20]] == [(7, "overdue"), (6, "due")]
    assert digests[10][2].working_days_left == 2
    assert digests[10][0].days_overdue == 5
    by_locality = plan.escalations_by_locality()
    assert {lid: [(e.action_id, e.reason) for e in es] for lid, es in by_locality.items()} == {
        LOCALITY: [(3, "overdue"), (9, "unreachable")],
        8: [(7, "overdue")],
    }


def test_rules_are_per_locality_and_looked_up_once_each() -> None:
    calls: list[int] = []
    per_locality = {1: ChaseRules(days_before=0), 2: ChaseRules(on_due_day=False)}

    def rules_for(locality_id: int) -> ChaseRules:
        calls.append(locality_id)
        return per_locality.get(locality_id, DEFAULTS)

    today = date(2027, 1, 4)
    actions = [
        action(date(2027, 1, 6), action_id=1, locality_id=1),  # before, but turned off
        action(date(2027, 1, 4), action_id=2, locality_id=2),  # due day, but turned off
        action(date(2027, 1, 6), action_id=3, locality_id=2),  # before: on in locality 2
        action(date(2027, 1, 4), action_id=4, locality_id=1),
        action(date(2027, 1, 4), action_id=5, locality_id=3),
    ]
    plan = plan_chase(actions, today, rules_for, CAL)
    assert sorted((r.action_id, r.kind) for r in plan.reminders) == [
        (3, "before"),
        (4, "due"),
        (5, "due"),
    ]
    assert sorted(calls) == [1, 2, 3]


def test_reminders_carry_no_case_detail() -> None:
    plan = plan_chase([action(date(2027, 1, 4))], date(2027, 1, 4), default_rules, CAL)
    (reminder,) = plan.reminders
    assert set(reminder.__slots__) == {
        "action_id",
        "owner_id",
        "locality_id",
        "kind",
        "key",
        "due_date",
        "days_overdue",
        "working_days_left",
    }


# -- rules validation ------------------------------------------------------------------------


def test_defaults_and_round_trip() -> None:
    assert ChaseRules.from_mapping({}) == ChaseRules(3, True, 2, 2)
    rules = ChaseRules.from_mapping({"days_before": 5, "on_due_day": False})
    assert (rules.days_before, rules.on_due_day, rules.overdue_every) == (5, False, 2)
    assert ChaseRules.from_mapping(rules.to_mapping()) == rules


@pytest.mark.parametrize(
    ("settings", "bad_keys"),
    [
        ({"days_befor": 3}, {"days_befor"}),
        ({"days_before": "3"}, {"days_before"}),
        ({"days_before": 3.0}, {"days_before"}),
        ({"days_before": True}, {"days_before"}),
        ({"days_before": -1}, {"days_before"}),
        ({"days_before": 31}, {"days_before"}),
        ({"on_due_day": "yes"}, {"on_due_day"}),
        ({"on_due_day": 1}, {"on_due_day"}),
        ({"overdue_every": 0}, {"overdue_every"}),
        ({"escalate_after_overdue_reminders": 0}, {"escalate_after_overdue_reminders"}),
        ({"escalate_after_overdue_reminders": None}, {"escalate_after_overdue_reminders"}),
        (
            {"overdue_every": 0, "days_before": "x", "extra": 1},
            {"overdue_every", "days_before", "extra"},
        ),
    ],
)
def test_bad_rules_name_the_bad_key(settings: dict[str, object], bad_keys: set[str]) -> None:
    with pytest.raises(InvalidChaseRules) as caught:
        ChaseRules.from_mapping(settings)
    assert set(caught.value.field_errors) == bad_keys
    for key in bad_keys:
        assert key in str(caught.value)
    assert isinstance(caught.value, InvalidInput)
    assert isinstance(caught.value, ValueError)


def test_a_mapping_is_required() -> None:
    with pytest.raises(InvalidChaseRules):
        ChaseRules.from_mapping([("days_before", 3)])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "build",
    [
        lambda: ChaseRules(overdue_every=0),
        lambda: ChaseRules(days_before=-2),
        lambda: ChaseRules(on_due_day="no"),  # type: ignore[arg-type]
    ],
)
def test_rules_cannot_be_built_invalid(build: Callable[[], ChaseRules]) -> None:
    with pytest.raises(InvalidChaseRules):
        build()
