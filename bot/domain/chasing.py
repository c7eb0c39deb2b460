"""Who to chase about which action, and when: the reminder rules, with no I/O.

Actions agreed at a meeting and never followed up are the failure serious case reviews
name again and again. Between meetings the bot reminds each owner before the due date, on
the day, and then every few working days while overdue; after a number of unanswered
overdue reminders the action is escalated past the owner to the chair and coordinator.

This module only *decides*. A chase run loads the open actions with the keys of the
reminders already sent for them, calls ``plan_chase`` and, in one transaction, writes the
plan's messages to the outbox and records each planned ``key`` as sent. Because every
reminder has a deterministic key, a run repeated on the same day (a restart, a second
process) plans nothing new, and a run missed altogether is caught up by the next one.

The schedule for one due date ``D`` (all counts in working days, England and Wales):

* ``E``, the *effective due day*, is ``D`` rolled forward to a working day. An action due on
  a Saturday or on Christmas Day falls due on the next working day, as deadlines
  conventionally do; nobody is told "due today" on a day nobody works, and nobody is
  "1 day overdue" on the first morning back.
* ``before:D`` goes on any run from ``days_before`` working days before ``E`` up to the day
  before ``E``. Normally that is the first day of the window; if those runs were missed it
  goes on the next run still inside the window.
* ``due:D`` goes on ``E`` itself, if ``on_due_day``. It is never sent *after* ``E``: once the
  action is overdue the truthful message is the overdue one, so a missed due-day run is
  caught up by ``overdue:D:1`` and the ``due`` reminder is skipped, not sent late.
* ``overdue:D:<k>`` is the reminder of the k-th overdue *slot*. Slot k falls
  ``1 + (k - 1) * overdue_every`` working days after ``E`` (slot 1 is the first working day
  after ``E``). A run sends the latest slot already reached, if it was not sent: missed runs
  therefore catch up with one reminder, never a burst, and a skipped slot stays skipped.
* At most one reminder per action per run, since the three windows do not overlap.

Escalation (``escalate:D``) counts *unanswered* overdue reminders, not reminders sent.

* A reminder is *sent* at the moment its key was recorded (``reminders_sent.created_at``).
* An *answer* is an update, a request for a new due date, a hand-over or marking the action
  done (``ANSWERS_A_REMINDER``), recorded on the action by its owner or by anyone for them
  (their agency's lead, a chair or coordinator), at any moment (``action_events.at``).
* An overdue reminder for ``D`` is *answered* if an answer was recorded at or after the
  moment it was sent and before the next overdue reminder for ``D`` was sent (for the
  latest one: at any moment since it was sent). Answers before the first overdue reminder
  answer nothing that counts: the ``before`` and ``due`` reminders never count.
* The action escalates when the latest ``escalate_after_overdue_reminders`` (N) overdue
  reminders for ``D`` were all left unanswered, i.e. N consecutive unanswered overdue
  reminders, *and* the owner has had the usual ``overdue_every`` working days to answer
  the latest of them (the next overdue slot has been reached), unless it already has.
  Equivalently: at least N overdue reminders for ``D`` have been sent and nothing answered
  since the N-th latest of them was sent. An answer therefore restarts the count: the
  owner is escalated only after N more reminders go unanswered.

With the defaults (N = 2), an action due Wednesday 23 December 2026 and never answered is
reminded on Thursday 24 December and Wednesday 30 December, and escalates on Monday
4 January 2027 together with its third reminder: the owner gets the same two working days
to answer the second reminder as the first. If the owner adds an update on Thursday
31 December, the second reminder is answered, nothing escalates on 4 January, and the
action escalates on Friday 8 January only if the reminders of 4 and 6 January both go
unanswered. Reminders go on while the action is open and overdue, answered or not, and
after escalation; an answer after escalation does not undo it (the flag below stays
until the chair deals with it).

An owner known to be unreachable (the bot is blocked or removed: Teams answered 403)
escalates at once (``unreachable:D``), whatever the due date, and gets no reminders, which
could not be delivered anyway. Closed actions get nothing.

Keys carry the due date, so when a new due date is accepted the sequence starts again for
it. ``escalated`` on the state is the action's standing flag ("on the list for review at
the next meeting"); while it is set no new ``escalate:`` is planned, so the service that
accepts a new due date clears it if the new date should be able to escalate again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Literal, cast

from bot.domain.calendar import WorkingCalendar
from bot.domain.errors import InvalidInput

ReminderKind = Literal["before", "due", "overdue"]
EscalationReason = Literal["overdue", "unreachable"]

# Upper bounds catch a typo in configuration (30 meaning 3) rather than express policy.
_BOUNDS: dict[str, tuple[int, int]] = {
    "days_before": (0, 30),
    "overdue_every": (1, 30),
    "escalate_after_overdue_reminders": (1, 20),
}


class InvalidChaseRules(InvalidInput, ValueError):
    """A locality's chase configuration is wrong; ``field_errors`` is keyed by the bad key."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__(field_errors)
        self.user_message = "The reminder settings need another look: " + "; ".join(
            f"{key}: {message}" for key, message in sorted(self.field_errors.items())
        )
        self.args = (self.user_message,)


@dataclass(frozen=True, slots=True)
class ChaseRules:
    """How one locality chases its actions. Counts are working days, England and Wales.

    ``days_before`` of 0 turns the advance reminder off; ``on_due_day`` turns off the
    reminder on the day itself. Overdue reminders cannot be turned off: that is the point.
    ``escalate_after_overdue_reminders`` is N: how many overdue reminders in a row must be
    left unanswered before the action escalates (the module docstring says exactly when).
    """

    days_before: int = 3
    on_due_day: bool = True
    overdue_every: int = 2
    escalate_after_overdue_reminders: int = 2

    def __post_init__(self) -> None:
        errors = _check(
            {
                "days_before": self.days_before,
                "on_due_day": self.on_due_day,
                "overdue_every": self.overdue_every,
                "escalate_after_overdue_reminders": self.escalate_after_overdue_reminders,
            }
        )
        if errors:
            raise InvalidChaseRules(errors)

    @classmethod
    def from_mapping(cls, settings: Mapping[str, object]) -> ChaseRules:
        """Rules from configuration (a locality's JSON/TOML block). Missing keys take defaults.

        Every problem is reported at once, keyed by the configuration key, so an
        administrator fixes the file in one go: unknown keys (a misspelling would otherwise
        silently fall back to a default), wrong types (``"3"`` or ``true`` for a count) and
        values out of range.
        """
        if not isinstance(settings, Mapping):
            raise InvalidChaseRules({"(rules)": "must be a mapping of setting names to values"})
        known = {f.name for f in fields(cls)}
        errors = {
            str(key): "is not a reminder setting; known settings: " + ", ".join(sorted(known))
            for key in settings
            if key not in known
        }
        errors.update(_check({k: v for k, v in settings.items() if k in known}))
        if errors:
            raise InvalidChaseRules(errors)
        defaults = cls()

        def pick(name: str) -> object:
            return settings.get(name, getattr(defaults, name))

        return cls(
            days_before=cast(int, pick("days_before")),
            on_due_day=cast(bool, pick("on_due_day")),
            overdue_every=cast(int, pick("overdue_every")),
            escalate_after_overdue_reminders=cast(int, pick("escalate_after_overdue_reminders")),
        )

    def to_mapping(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _check(values: Mapping[str, object]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for key, value in values.items():
        if key == "on_due_day":
            if not isinstance(value, bool):
                errors[key] = "must be true or false"
            continue
        low, high = _BOUNDS[key]
        if isinstance(value, bool) or not isinstance(value, int):
            errors[key] = f"must be a whole number of working days from {low} to {high}"
        elif not low <= value <= high:
            errors[key] = f"must be from {low} to {high} working days"
    return errors


@dataclass(frozen=True, slots=True)
class ActionChaseState:
    """What the planner needs to know about one action.

    ``sent`` holds the keys already sent and ``sent_at`` the moment each was recorded (the
    chase run fills in both; an overdue key without a time cannot have been answered and
    counts as unanswered). ``answered_at`` holds the moments an answer
    (``ANSWERS_A_REMINDER``) was recorded on the action, in any order.
    """

    action_id: int
    owner_id: int
    locality_id: int
    due_date: date
    open: bool = True
    owner_unreachable: bool = False
    escalated: bool = False
    sent: frozenset[str] = frozenset()
    sent_at: Mapping[str, datetime] = field(default_factory=dict)
    answered_at: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class Reminder:
    """One line of an owner's digest. Carries ids and dates only, never case detail.

    ``days_overdue`` counts working days after the effective due day (0 unless overdue);
    ``working_days_left`` counts working days until it (0 unless ``kind == "before"``).
    """

    action_id: int
    owner_id: int
    locality_id: int
    kind: ReminderKind
    key: str
    due_date: date
    days_overdue: int = 0
    working_days_left: int = 0


@dataclass(frozen=True, slots=True)
class Escalation:
    """An action to put before the chair and coordinator of its locality."""

    action_id: int
    owner_id: int
    locality_id: int
    reason: EscalationReason
    key: str
    due_date: date
    days_overdue: int
    overdue_reminders_sent: int
    #: How many of the latest overdue reminders were left unanswered in a row.
    unanswered_reminders: int = 0


@dataclass(frozen=True, slots=True)
class ChasePlan:
    """What one run should send. Ordered deterministically: by owner/locality, due date, id."""

    today: date
    reminders: tuple[Reminder, ...] = ()
    escalations: tuple[Escalation, ...] = ()

    @property
    def keys(self) -> frozenset[tuple[int, str]]:
        """``(action_id, key)`` for everything planned: what the run records as sent."""
        return frozenset((r.action_id, r.key) for r in self.reminders) | frozenset(
            (e.action_id, e.key) for e in self.escalations
        )

    def __bool__(self) -> bool:
        return bool(self.reminders or self.escalations)

    def by_owner(self) -> dict[int, list[Reminder]]:
        """One digest per owner per run: never one message per action."""
        grouped: dict[int, list[Reminder]] = {}
        for reminder in sorted(self.reminders, key=_reminder_order):
            grouped.setdefault(reminder.owner_id, []).append(reminder)
        return grouped

    def escalations_by_locality(self) -> dict[int, list[Escalation]]:
        """One digest per locality for its chair and coordinator."""
        grouped: dict[int, list[Escalation]] = {}
        for escalation in sorted(self.escalations, key=_escalation_order):
            grouped.setdefault(escalation.locality_id, []).append(escalation)
        return grouped


def _reminder_order(r: Reminder) -> tuple[int, date, int]:
    return (r.owner_id, r.due_date, r.action_id)


def _escalation_order(e: Escalation) -> tuple[int, date, int, str]:
    return (e.locality_id, e.due_date, e.action_id, e.reason)


def overdue_slot_day(due_date: date, k: int, rules: ChaseRules, calendar: WorkingCalendar) -> date:
    """The working day on which the k-th overdue reminder (k >= 1) falls due."""
    if k < 1:
        raise ValueError("overdue slots count from 1")
    effective = calendar.roll_forward(due_date)
    return calendar.add_working_days(effective, 1 + (k - 1) * rules.overdue_every)


def plan_chase(
    actions: Iterable[ActionChaseState],
    today: date,
    rules_for: Callable[[int], ChaseRules],
    calendar: WorkingCalendar,
) -> ChasePlan:
    """Decide which reminders and escalations are due on ``today`` (see the module doc).

    ``rules_for`` maps a locality id to its rules; it is called once per locality. On a
    non-working day the plan is empty: runs are meant for working days only, and a run
    that fires on a bank holiday by mistake must not send anything.
    """
    if not calendar.is_working_day(today):
        return ChasePlan(today)
    rules_cache: dict[int, ChaseRules] = {}
    reminders: list[Reminder] = []
    escalations: list[Escalation] = []
    for action in actions:
        if not action.open:
            continue
        rules = rules_cache.get(action.locality_id)
        if rules is None:
            rules = rules_for(action.locality_id)
            rules_cache[action.locality_id] = rules
        if action.owner_unreachable:
            escalation = _unreachable(action, today, calendar)
            if escalation is not None:
                escalations.append(escalation)
            continue
        reminder = _reminder(action, today, rules, calendar)
        if reminder is not None:
            reminders.append(reminder)
        escalation = _overdue_escalation(action, today, rules, calendar)
        if escalation is not None:
            escalations.append(escalation)
    return ChasePlan(
        today,
        tuple(sorted(reminders, key=_reminder_order)),
        tuple(sorted(escalations, key=_escalation_order)),
    )


def _overdue_sent(action: ActionChaseState) -> list[int]:
    """The overdue slot numbers already sent for the action's current due date."""
    prefix = f"overdue:{action.due_date.isoformat()}:"
    slots: list[int] = []
    for key in action.sent:
        if key.startswith(prefix) and key[len(prefix) :].isdigit():
            slots.append(int(key[len(prefix) :]))
    return slots


def overdue_key(due_date: date, k: int) -> str:
    """``overdue:<due iso>:<k>``: the slot number, with the due date so a new date restarts."""
    return f"overdue:{due_date.isoformat()}:{k}"


def _reminder(
    action: ActionChaseState, today: date, rules: ChaseRules, calendar: WorkingCalendar
) -> Reminder | None:
    due = action.due_date
    effective = calendar.roll_forward(due)
    offset = calendar.working_days_between(effective, today)  # < 0 before, 0 on, > 0 after

    def make(kind: ReminderKind, key: str) -> Reminder | None:
        if key in action.sent:
            return None
        return Reminder(
            action_id=action.action_id,
            owner_id=action.owner_id,
            locality_id=action.locality_id,
            kind=kind,
            key=key,
            due_date=due,
            days_overdue=max(offset, 0),
            working_days_left=max(-offset, 0),
        )

    if offset < 0:
        if rules.days_before and -offset <= rules.days_before:
            return make("before", f"before:{due.isoformat()}")
        return None
    if offset == 0:
        return make("due", f"due:{due.isoformat()}") if rules.on_due_day else None
    slot = 1 + (offset - 1) // rules.overdue_every
    return make("overdue", overdue_key(due, slot))


def _overdue_escalation(
    action: ActionChaseState, today: date, rules: ChaseRules, calendar: WorkingCalendar
) -> Escalation | None:
    key = f"escalate:{action.due_date.isoformat()}"
    if action.escalated or key in action.sent:
        return None
    slots = sorted(_overdue_sent(action))
    needed = rules.escalate_after_overdue_reminders
    if len(slots) < needed:
        return None
    effective = calendar.roll_forward(action.due_date)
    offset = calendar.working_days_between(effective, today)
    # Wait until the slot after the last reminder sent: the owner's time to answer it.
    if offset < 1 + slots[-1] * rules.overdue_every:
        return None
    unanswered = unanswered_overdue_run(action)
    if unanswered < needed:
        return None
    return Escalation(
        action_id=action.action_id,
        owner_id=action.owner_id,
        locality_id=action.locality_id,
        reason="overdue",
        key=key,
        due_date=action.due_date,
        days_overdue=offset,
        overdue_reminders_sent=len(slots),
        unanswered_reminders=unanswered,
    )


def reminder_answered(
    sent: datetime | None, next_sent: datetime | None, answers: Iterable[datetime]
) -> bool:
    """Whether a reminder sent at ``sent`` was answered: an answer recorded at or after
    ``sent`` and before ``next_sent`` (the next overdue reminder's moment; None if there
    is none yet, or if its moment is unknown). A reminder with no known moment was not."""
    if sent is None:
        return False
    return any(sent <= at and (next_sent is None or at < next_sent) for at in answers)


def unanswered_overdue_run(action: ActionChaseState) -> int:
    """How many of the latest overdue reminders for the current due date, in a row, were
    left unanswered (0 if the latest was answered): what escalation compares with N."""
    slots = sorted(_overdue_sent(action))
    moments = [action.sent_at.get(overdue_key(action.due_date, k)) for k in slots]
    run = 0
    for i in range(len(slots) - 1, -1, -1):
        following = moments[i + 1] if i + 1 < len(moments) else None
        if reminder_answered(moments[i], following, action.answered_at):
            break
        run += 1
    return run


def _unreachable(
    action: ActionChaseState, today: date, calendar: WorkingCalendar
) -> Escalation | None:
    key = f"unreachable:{action.due_date.isoformat()}"
    if key in action.sent:
        return None
    offset = calendar.working_days_between(calendar.roll_forward(action.due_date), today)
    return Escalation(
        action_id=action.action_id,
        owner_id=action.owner_id,
        locality_id=action.locality_id,
        reason="unreachable",
        key=key,
        due_date=action.due_date,
        days_overdue=max(offset, 0),
        overdue_reminders_sent=len(_overdue_sent(action)),
        unanswered_reminders=unanswered_overdue_run(action),
    )
