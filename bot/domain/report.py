"""The performance report: a period in plain words, and the figures of one period.

The strategy asks for "robust analysis of strategic and operational activity" and the
briefing counts attendance and the meetings' own evaluation; this is that analysis, built
from the records instead of by hand. It holds counts only: no child, person of concern or
member appears in it, only agency and locality names.

What each figure counts (the workbook's notes say the same, in short):

* **Meetings held**: meetings started in the period (London days, first to last inclusive).
* **Attendance**: for each agency, the meetings held in which it was recorded present or
  by a substitute ("attended") and those it sent apologies to. Key agencies (the bot's
  ``KEY_AGENCIES`` setting) and schools and colleges (``is_school_or_college``) are shown
  apart from the other agencies.
* **Actions** (withdrawn actions are never counted): *opened*, raised in the period;
  *closed*, marked done in the period; *closed on time*, of those, done on or before their
  due date (London day); *overdue at the period's end*, raised by then, due before its last
  day and neither done nor cancelled by its end; *escalated*, escalated by chasing in the
  period; *median days to close*, from the day raised to the day done, over those closed.
* **Decisions recorded** in the meetings held (withdrawn entries are not counted).
* **Challenges**: raised in the period; resolved in the period.
* **Escalations** to the Operational and Strategic groups: raised in the period (by the
  group's tier); responded to in the period, with the median days from raised to
  response; awaiting a response at the period's end.
* **Subjects on the register at the period's end** (added by then, not closed then), by
  risk at the period's end and by strand (a subject with two strands counts under both;
  none: "No strand"), held by the group that holds it now. **Risk changes** in the period:
  first rated, raised, lowered.
* **The meetings' evaluation**: the anonymous ratings (1-5) of the meetings held: how many,
  their mean and their distribution. Comments are free text and can name a person: they
  are left out of the report altogether. Where a locality has fewer than 5 ratings in the
  period, only how many is shown: its mean, its distribution and its share rated 4 or 5
  are withheld ("fewer than 5 ratings"), since in a small group who gave which score can be
  worked out. The total follows the same rule, and is withheld too when the localities
  withheld have between them 1 to 4 ratings (the total less the localities shown would
  give theirs away).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from bot.domain.clock import LONDON
from bot.domain.filters import FilterError, parse_day
from bot.domain.register import RISK_LABELS, RISK_RANK, RiskLevel

#: Risk columns of the subjects table, low to very high, then those not yet rated.
RISK_COLUMNS: tuple[str, ...] = (*(RISK_LABELS[level] for level in RiskLevel), "Not rated")
NO_STRAND = "No strand"
#: The heading of the figures for every locality in the report together.
TOTAL = "All localities"
#: Fewer ratings than this and the ratings' mean and distribution are withheld: in a small
#: group who gave which score can be worked out, and the ratings are anonymous.
MIN_RATINGS_SHOWN = 5
#: What the report shows in place of a withheld figure.
FEWER_THAN_MIN = f"fewer than {MIN_RATINGS_SHOWN} ratings"


class AgencyGroup(StrEnum):
    KEY = "key"
    SCHOOL = "school"
    OTHER = "other"


AGENCY_GROUP_LABELS: dict[AgencyGroup, str] = {
    AgencyGroup.KEY: "Key agencies",
    AgencyGroup.SCHOOL: "Schools and colleges",
    AgencyGroup.OTHER: "Other agencies",
}

_SCHOOL_WORDS = re.compile(r"\b(?:education|school|schools|college|colleges|academy)\b")


def is_school_or_college(code: str, name: str) -> bool:
    """An agency that is a school, a college or the education service: its code or name
    says so ("education", "school_*", "Scarborough Sixth Form College")."""
    words = f"{code.replace('_', ' ')} {name}".lower()
    return bool(_SCHOOL_WORDS.search(words))


def agency_group(code: str, name: str, key_codes: Sequence[str]) -> AgencyGroup:
    """Schools and colleges first (the briefing counts their attendance apart, even where
    education is a key agency), then the configured key agencies, then the rest."""
    if is_school_or_college(code, name):
        return AgencyGroup.SCHOOL
    return AgencyGroup.KEY if code in key_codes else AgencyGroup.OTHER


# --- the period -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """From ``start`` to ``end``, both London days and both included."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes: from London midnight starting ``start`` to London
        midnight ending ``end`` (exclusive), so a record's time is compared, not its day."""
        lo = datetime(self.start.year, self.start.month, self.start.day, tzinfo=LONDON)
        after = self.end + timedelta(days=1)
        hi = datetime(after.year, after.month, after.day, tzinfo=LONDON)
        return lo.astimezone(UTC), hi.astimezone(UTC)

    def describe(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _financial_year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def _back_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def named_period(words: str, today: date) -> ReportPeriod | None:
    """'this quarter', 'last month', 'last year' ... as a period; None if not one."""
    month = date(today.year, today.month, 1)
    quarter = _quarter_start(today)
    year = _financial_year_start(today)
    day = timedelta(days=1)
    periods = {
        "this month": ReportPeriod(month, today),
        "last month": ReportPeriod(_back_months(month, 1), month - day),
        "this quarter": ReportPeriod(quarter, today),
        "last quarter": ReportPeriod(_back_months(quarter, 3), quarter - day),
        "this year": ReportPeriod(year, today),
        "this financial year": ReportPeriod(year, today),
        "last year": ReportPeriod(date(year.year - 1, 4, 1), year - day),
        "last financial year": ReportPeriod(date(year.year - 1, 4, 1), year - day),
        "last 12 months": ReportPeriod(_back_months(month, 11), today),
    }
    return periods.get(words)


def _report_day(text: str, today: date) -> date:
    """A day as the filters read it, except that a day without a year is in the past:
    a report looks back ("1 Jan" typed in December is last January, not next)."""
    day = parse_day(text, today)
    if day > today and not re.search(r"\d{4}|/\d{2}$", text):
        day = day.replace(year=day.year - 1)
    return day


REPORT_WORDS_HELP = (
    "Type **report** alone for this financial year so far, or add a period: **this month**, "
    "**last month**, **this quarter**, **last quarter**, **this year**, **last year**, "
    "**last 12 months**, or _date_ **to** _date_ (2026-04-01, 1/4/2026 or 1 Apr 2026); and "
    "**for** _group_ for one of your groups."
)


def parse_report_words(text: str, today: date) -> tuple[ReportPeriod, str | None]:
    """The words after "report": a period and, after **for** or **in**, a group's name.

    Without a period, this financial year so far (1 April to today): the year the
    partnership reports on."""
    words = re.sub(r"\s+", " ", text.strip().lower())
    locality: str | None = None
    match = re.search(r"(?:^| )(?:for|in) (.+)$", words)
    if match:
        locality = match.group(1).strip() or None
        words = words[: match.start()].strip()
    words = words.removeprefix("from ").strip()
    if not words:
        return ReportPeriod(_financial_year_start(today), today), locality
    named = named_period(words, today)
    if named is not None:
        return named, locality
    parts = re.split(r" (?:to|until|-) ", words)
    if len(parts) != 2:
        raise FilterError("I could not read that period. " + REPORT_WORDS_HELP)
    start, end = (_report_day(part, today) for part in parts)
    if end < start:
        raise FilterError("The period ends before it starts: give the earlier date first.")
    return ReportPeriod(start, end), locality


def period_from_data(data: dict[str, object]) -> ReportPeriod:
    """A card's or a link's period ({"from": "2026-04-01", "to": "2027-03-31"})."""
    try:
        start = date.fromisoformat(str(data.get("from", "")))
        end = date.fromisoformat(str(data.get("to", "")))
    except ValueError:
        raise FilterError(
            "That report's period could not be read: type **report** again."
        ) from None
    if end < start:
        raise FilterError("The period ends before it starts: give the earlier date first.")
    return ReportPeriod(start, end)


# --- the figures ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgencyAttendance:
    agency: str
    group: AgencyGroup
    attended: int
    apologies: int
    meetings: int

    @property
    def not_recorded(self) -> int:
        return self.meetings - self.attended - self.apologies

    @property
    def rate(self) -> float | None:
        """Meetings attended as a percentage of meetings held, one decimal."""
        return percent(self.attended, self.meetings)


@dataclass(frozen=True, slots=True)
class ActionBucket:
    """How many of a locality's actions touching a period (raised, finished or escalated
    in it, or open) share a status and the same places among the period's parts (the
    period cut into consecutive parts: the whole period for the report, each calendar
    month for the dashboard's series). Counted in SQL (bot.services.report_actions), so
    a group's thousands of actions come back as a few hundred buckets.

    ``raised``: -1 if raised before the period, else the part it was raised in.
    ``finished``: None while open; for a done or cancelled action, -1 if finished before
    the period, the part it was finished in, or the number of parts if after the period.
    ``due``: how many parts have their last day on or before the due date, so ``due`` less
    than the number of parts is "due before the period's last day".
    """

    locality_id: int
    status: str
    raised: int
    finished: int | None
    due: int
    escalated: bool
    count: int


@dataclass(frozen=True, slots=True)
class ClosingCount:
    """How many of a locality's actions done in the period took ``days`` days (London
    calendar days, raised to done) and were done on or before their due date, or not."""

    locality_id: int
    on_time: bool
    days: int
    count: int


@dataclass(frozen=True, slots=True)
class ActionFigures:
    opened: int
    closed: int
    closed_on_time: int
    overdue_at_end: int
    escalated: int
    median_days_to_close: float | None

    @property
    def on_time_rate(self) -> float | None:
        return percent(self.closed_on_time, self.closed)


@dataclass(frozen=True, slots=True)
class EscalationFigures:
    raised: int
    to_operational: int
    to_strategic: int
    responded: int
    median_days_to_respond: float | None
    awaiting_at_end: int


@dataclass(frozen=True, slots=True)
class SubjectFigures:
    #: (strand label, a count for each of ``RISK_COLUMNS``), strands in their order.
    by_strand: tuple[tuple[str, tuple[int, ...]], ...]
    #: Each subject once, by ``RISK_COLUMNS``.
    by_risk: tuple[int, ...]
    first_rated: int
    raised: int
    lowered: int

    @property
    def on_register(self) -> int:
        return sum(self.by_risk)

    @property
    def risk_changes(self) -> int:
        return self.first_rated + self.raised + self.lowered


@dataclass(frozen=True, slots=True)
class RatingFigures:
    """The ratings of the meetings held. Withheld (``withhold``), the distribution is not
    kept at all, only how many: no card or file can show what it does not hold."""

    #: How many ratings of 1, 2, 3, 4 and 5; None when withheld.
    distribution: tuple[int, int, int, int, int] | None
    #: How many ratings there were, when withheld (else the distribution's sum).
    withheld_count: int = 0

    @property
    def withheld(self) -> bool:
        return self.distribution is None

    @property
    def count(self) -> int:
        return self.withheld_count if self.distribution is None else sum(self.distribution)

    @property
    def few(self) -> bool:
        """Too few to show anything but how many (``MIN_RATINGS_SHOWN``)."""
        return self.count < MIN_RATINGS_SHOWN

    @property
    def mean(self) -> float | None:
        if self.distribution is None or not self.count:
            return None
        total = sum(score * n for score, n in enumerate(self.distribution, start=1))
        return round(total / self.count, 2)

    @property
    def effective_rate(self) -> float | None:
        """Rated 4 or 5 ("felt MACE was effective"), as a percentage."""
        if self.distribution is None:
            return None
        return percent(self.distribution[3] + self.distribution[4], self.count)

    def withhold(self) -> RatingFigures:
        return RatingFigures(None, self.count)


@dataclass(frozen=True, slots=True)
class LocalityFigures:
    """One locality's figures, or every locality's together (``TOTAL``)."""

    name: str
    code: str
    meetings_held: int
    attendance: tuple[AgencyAttendance, ...]
    actions: ActionFigures
    decisions: int
    challenges_raised: int
    challenges_resolved: int
    escalations: EscalationFigures
    subjects: SubjectFigures
    ratings: RatingFigures


@dataclass(frozen=True, slots=True)
class PerformanceReport:
    period: ReportPeriod
    generated_at: datetime
    #: Each locality in the report, by name; then their total.
    localities: tuple[LocalityFigures, ...]
    total: LocalityFigures

    def __post_init__(self) -> None:
        """The ratings' anonymity, however the report was put together: see
        ``withhold_few_ratings``."""
        localities, total = withhold_few_ratings(self.localities, self.total)
        object.__setattr__(self, "localities", localities)
        object.__setattr__(self, "total", total)

    def describe(self) -> str:
        where = self.localities[0].name if len(self.localities) == 1 else TOTAL.lower()
        return f"{where}, {self.period.describe()}"

    def as_data(self) -> dict[str, str]:
        """The period and group, as a card's download buttons and a link carry them."""
        data = {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}
        if len(self.localities) == 1:
            data["locality"] = self.localities[0].code
        return data


def withhold_few_ratings(
    localities: Sequence[LocalityFigures], total: LocalityFigures
) -> tuple[tuple[LocalityFigures, ...], LocalityFigures]:
    """Each locality with fewer than ``MIN_RATINGS_SHOWN`` ratings keeps only how many.
    The total too, when it has fewer, or when the localities withheld have 1 to 4 between
    them: the total's distribution less those shown would be theirs."""

    def withheld(figures: LocalityFigures) -> LocalityFigures:
        if figures.ratings.withheld:
            return figures
        return replace(figures, ratings=figures.ratings.withhold())

    shown = tuple(withheld(f) if f.ratings.few else f for f in localities)
    hidden = sum(f.ratings.count for f in localities if f.ratings.few)
    if total.ratings.few or 0 < hidden < MIN_RATINGS_SHOWN:
        total = withheld(total)
    return shown, total


def rating_figure(ratings: RatingFigures, value: float | None, suffix: str = "") -> str:
    """A figure drawn from the ratings' distribution, as the card and the Word summary
    write it: "fewer than 5 ratings" when withheld."""
    return FEWER_THAN_MIN if ratings.withheld else number(value, suffix)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def median_days(values: Iterable[float]) -> float | None:
    """The median, one decimal; None over nothing."""
    listed = list(values)
    return round(float(statistics.median(listed)), 1) if listed else None


def risk_column(level: str | None) -> int:
    """Index into ``RISK_COLUMNS`` of a stored risk level (empty or unknown: not rated)."""
    try:
        return RISK_RANK[RiskLevel(level)] if level else len(RISK_COLUMNS) - 1
    except ValueError:
        return len(RISK_COLUMNS) - 1


_LEVELS = frozenset(level.value for level in RiskLevel)


def risk_change(previous: str, value: str) -> str | None:
    """'first' (first rated), 'raised', 'lowered', or None (no change, or not a level)."""
    if value not in _LEVELS:
        return None
    if previous not in _LEVELS:
        return "first"
    step = RISK_RANK[RiskLevel(value)] - RISK_RANK[RiskLevel(previous)]
    return "raised" if step > 0 else "lowered" if step < 0 else None


def number(value: float | None, suffix: str = "") -> str:
    """A figure as the card, the workbook's notes and the Word summary write it: '—' for
    none (nothing to take a median or a percentage of)."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}{suffix}" if suffix == "%" else f"{value:g}{suffix}"
    return f"{int(value)}{suffix}"


def headline(f: LocalityFigures) -> list[tuple[str, str]]:
    """The headline figures in words and numbers: the card's, and each section of the
    Word summary's."""
    a, e, s, r = f.actions, f.escalations, f.subjects, f.ratings
    return [
        ("Meetings held", number(f.meetings_held)),
        ("Decisions recorded", number(f.decisions)),
        ("Actions opened", number(a.opened)),
        ("Actions closed", number(a.closed)),
        ("Closed on time", number(a.on_time_rate, "%")),
        ("Median days to close", number(a.median_days_to_close)),
        ("Overdue at the period's end", number(a.overdue_at_end)),
        ("Actions escalated by chasing", number(a.escalated)),
        ("Challenges raised", number(f.challenges_raised)),
        ("Challenges resolved", number(f.challenges_resolved)),
        ("Escalations to the Operational group", number(e.to_operational)),
        ("Escalations to the Strategic group", number(e.to_strategic)),
        ("Escalations responded to", number(e.responded)),
        ("Median days to a response", number(e.median_days_to_respond)),
        ("Escalations awaiting a response at the end", number(e.awaiting_at_end)),
        ("Subjects on the register at the end", number(s.on_register)),
        ("Risk first rated", number(s.first_rated)),
        ("Risk raised", number(s.raised)),
        ("Risk lowered", number(s.lowered)),
        ("Meeting ratings", number(r.count)),
        ("Mean rating (1-5)", rating_figure(r, r.mean)),
        ("Rated 4 or 5 (effective)", rating_figure(r, r.effective_rate, "%")),
    ]
