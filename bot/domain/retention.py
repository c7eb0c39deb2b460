"""Retention: how long each kind of record is kept, and what a legal hold keeps longer.

Periods are configuration (``MACE_RETENTION``, e.g. ``meetings=2190,actions=2190,
subjects=2190,housekeeping=30``; kinds left out keep their defaults). A daily job
(``bot.services.retention``) deletes what has expired; nothing is anonymised in place,
because a record with its text removed but its shape kept would still say that a meeting
discussed somebody. The rules, decided here and applied there:

* **Meetings.** An ENDED meeting whose end (its start, if no end was recorded) is older
  than ``meetings`` days loses its content: minute entries and decisions, attendance,
  share rounds, round turns, challenges, which subjects it discussed
  (``item_subjects``), and who said they were there, who rated it and its anonymous
  ratings (issue 16). The meeting row (date, group, chair) and its
  agenda items go too once no action refers to the meeting any more; until then they are
  the open action's "agreed at" and stay; when the row goes, a subject's history and
  links that named it keep their entry and lose the meeting (``meeting_id`` NULL). A
  meeting in progress never expires. One
  addition to the brief: a meeting with a challenge still OPEN (no response and
  resolution recorded) keeps its content until the challenge is resolved or escalated,
  for the same reason as open actions below.
* **Actions.** A CLOSED action (done or cancelled) whose last change (``updated_at``) is
  older than ``actions`` days is deleted with its history (action events) and its
  reminder keys. An OPEN action never expires: a child's safety depends on it being
  dealt with, not aged out. Its meeting row stays with it (above).
* **Subjects.** A subject of the register (a child's case reference and initials, a
  person of concern, a location, a group, a theme) whose last change (``updated_at``, else
  when it was recorded) and last discussion (``last_discussed_on``) are both more than
  ``subjects`` days ago, and that no action names any more, is deleted with all that
  belongs to it: its history (``subject_events``), strands, links (whichever end it is),
  the rows saying which meetings discussed it (``item_subjects``) and its shares and
  transfers. Minute entries and share-and-challenge rounds that were *about* it belong to
  their meeting and follow the meeting rule; they only lose the pointer
  (``subject_id`` becomes NULL). Measuring from the last change rather than from when it
  was first recorded (the rule before the register) keeps a subject still discussed.
* **Housekeeping.** Outbox rows that are finished (sent, failed, dropped, unreachable, no
  contact) and were queued more than ``housekeeping`` days ago, the ids of processed
  Teams activities older than that, are deleted. They hold ids, never case detail, and are
  outside the audit trail (``bot.store.audit.NOT_AUDITED``); a reminder key that pointed at
  a deleted outbox row keeps the key (so the reminder is still never sent twice) and
  loses the pointer. Download links that expired more than ``housekeeping`` days ago are
  deleted too, without an entry each: they hold ids and times only, and the link's issue
  and its audited fetches stay in the trail, which names the link by id.

**Legal holds** stop all of that for what they cover, however old it is:

* a *locality* hold keeps every meeting, action and subject of that locality group;
* a *meeting* hold keeps that meeting whole (content, row, agenda) and its actions;
* a *subject* hold keeps all of that subject: its row, history, strands, links and
  shares, every action about it, and whole each meeting that discussed it or holds
  something about it (an action, a minute or decision, a round, a history entry or a
  link recorded there). A subject linked to a held subject is kept too: the link is part
  of the held subject's record, and a link needs both its ends.

A locality hold also keeps the subjects shared with that group (accepted shares).

Housekeeping rows belong to no group and are never held. A lifted hold stops holding at
once; the next run deletes whatever had expired meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum


class RetentionError(ValueError):
    """``MACE_RETENTION`` is malformed. The message names the setting and what is wrong."""


class RecordKind(StrEnum):
    """The kinds of record with a retention period of their own."""

    MEETINGS = "meetings"
    ACTIONS = "actions"
    SUBJECTS = "subjects"
    HOUSEKEEPING = "housekeeping"


#: Six years for the case record (a child's records are commonly kept six years after the
#: last involvement; the partnership's data protection officer sets the real figures),
#: thirty days for delivery bookkeeping.
DEFAULT_DAYS: Mapping[RecordKind, int] = {
    RecordKind.MEETINGS: 2190,
    RecordKind.ACTIONS: 2190,
    RecordKind.SUBJECTS: 2190,
    RecordKind.HOUSEKEEPING: 30,
}

#: No period may be longer than this (about 200 years): a typo, not a decision.
MAX_DAYS = 73_000

#: Action statuses that may expire; ``open`` never does.
#: Withdrawn: recorded in error and withdrawn before the minutes were agreed (issue 16).
CLOSED_ACTION_STATUSES = frozenset({"done", "cancelled", "withdrawn"})

SETTING = "MACE_RETENTION"


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days each kind of record is kept after it stops changing (see the module rules)."""

    meetings: int = DEFAULT_DAYS[RecordKind.MEETINGS]
    actions: int = DEFAULT_DAYS[RecordKind.ACTIONS]
    subjects: int = DEFAULT_DAYS[RecordKind.SUBJECTS]
    housekeeping: int = DEFAULT_DAYS[RecordKind.HOUSEKEEPING]

    def __post_init__(self) -> None:
        for f in fields(self):
            _check_days(f.name, getattr(self, f.name))

    def days(self, kind: RecordKind) -> int:
        value = getattr(self, kind.value)
        assert isinstance(value, int)
        return value

    def cutoff(self, kind: RecordKind, now: datetime) -> datetime:
        """Records of ``kind`` last changed before this moment have expired."""
        if now.tzinfo is None:
            raise ValueError("retention cut-offs need an aware datetime")
        return now - timedelta(days=self.days(kind))

    def describe(self) -> str:
        """The policy in the form ``MACE_RETENTION`` takes, every kind spelt out."""
        return ",".join(f"{kind.value}={self.days(kind)}" for kind in RecordKind)

    @classmethod
    def parse(cls, text: str) -> RetentionPolicy:
        """``kind=days,...`` (spaces allowed, kinds in any order); empty: the defaults.

        Unknown kinds, repeated kinds, and days that are not whole numbers from 1 up are
        refused with a message that says which.
        """
        values: dict[str, int] = {}
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            name, sep, number = (x.strip() for x in part.partition("="))
            if not sep or not name:
                raise RetentionError(
                    f"{SETTING}: write each period as kind=days (for example meetings=2190); "
                    f"got {part!r}"
                )
            kind = _kind(name)
            if kind.value in values:
                raise RetentionError(f"{SETTING}: {kind.value} is given more than once")
            if not number.isdigit():
                raise RetentionError(
                    f"{SETTING}: {kind.value} must be a whole number of days; got {number!r}"
                )
            values[kind.value] = int(number)
        return cls(**values)


def _kind(name: str) -> RecordKind:
    try:
        return RecordKind(name.lower())
    except ValueError:
        known = ", ".join(kind.value for kind in RecordKind)
        raise RetentionError(f"{SETTING}: unknown kind {name!r}; the kinds are {known}") from None


def _check_days(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RetentionError(f"{SETTING}: {name} must be a whole number of days")
    if value < 1:
        raise RetentionError(f"{SETTING}: {name} must be at least 1 day; got {value}")
    if value > MAX_DAYS:
        raise RetentionError(f"{SETTING}: {name} must be at most {MAX_DAYS} days; got {value}")


# --- legal holds ----------------------------------------------------------------------------


class HoldScope(StrEnum):
    """What a legal hold covers (``legal_holds.scope``; the target is that record's id)."""

    LOCALITY = "locality"
    MEETING = "meeting"
    SUBJECT = "subject"


MAX_HOLD_REASON_CHARS = 200


@dataclass(frozen=True, slots=True)
class Holds:
    """The active legal holds, resolved to what they keep (see the module rules)."""

    localities: frozenset[int] = frozenset()
    meetings: frozenset[int] = frozenset()
    subjects: frozenset[int] = frozenset()
    #: Meetings that discussed a held subject or hold something about it.
    subject_meetings: frozenset[int] = frozenset()
    #: Subjects kept because of another hold: linked to a held subject, or shared with a
    #: held locality.
    kept_subjects: frozenset[int] = frozenset()

    @classmethod
    def of(
        cls,
        active: Iterable[tuple[str, int]],
        subject_meetings: Iterable[int] = (),
        kept_subjects: Iterable[int] = (),
    ) -> Holds:
        """From active holds as (scope, target id); unknown scopes hold nothing."""
        by_scope: dict[str, set[int]] = {scope.value: set() for scope in HoldScope}
        for scope, target in active:
            if scope in by_scope:
                by_scope[scope].add(target)
        return cls(
            frozenset(by_scope[HoldScope.LOCALITY]),
            frozenset(by_scope[HoldScope.MEETING]),
            frozenset(by_scope[HoldScope.SUBJECT]),
            frozenset(subject_meetings),
            frozenset(kept_subjects),
        )

    def keeps_meeting(self, locality_id: int, meeting_id: int) -> bool:
        return (
            locality_id in self.localities
            or meeting_id in self.meetings
            or meeting_id in self.subject_meetings
        )

    def keeps_action(self, locality_id: int, meeting_id: int, subject_id: int | None) -> bool:
        return (
            locality_id in self.localities
            or meeting_id in self.meetings
            or (subject_id is not None and subject_id in self.subjects)
        )

    def keeps_subject(self, locality_id: int, subject_id: int) -> bool:
        return (
            locality_id in self.localities
            or subject_id in self.subjects
            or subject_id in self.kept_subjects
        )
