"""The performance report's figures equal figures worked out here, in plain Python, from
three years of seven groups' seeded records; the workbook holds them cell by cell with
charts over the right cells, and the Word summary says every headline figure.

The expected figures are computed from what the seed wrote (``tests.support.report_seed``),
never with the report's own code.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.domain.clock import FrozenClock
from bot.domain.report import PerformanceReport, ReportPeriod
from bot.exports.report_docx import report_docx
from bot.exports.report_xlsx import report_xlsx
from bot.services.report import ReportService
from bot.store.db import Store
from tests.conftest import MEETING_DAY
from tests.support.report_seed import Seeded, seed_report_history

LONDON = ZoneInfo("Europe/London")
PERIOD = ReportPeriod(date(2025, 4, 1), date(2026, 3, 31))
LO = datetime(2025, 4, 1, tzinfo=LONDON)
HI = datetime(2026, 4, 1, tzinfo=LONDON)
RANK = {"low": 0, "medium": 1, "high": 2, "very_high": 3}
KEY = ("police", "childrens_social_care", "health", "education")


def inside(moment: datetime | None) -> bool:
    return moment is not None and LO <= moment < HI


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Expected:
    meetings: int
    attended: dict[str, int]
    apologies: dict[str, int]
    decisions: int
    opened: int
    closed: int
    on_time: int
    overdue: int
    escalated: int
    days_to_close: float | None
    challenges_raised: int
    challenges_resolved: int
    escalations: int
    operational: int
    strategic: int
    responded: int
    days_to_respond: float | None
    awaiting: int
    by_risk: list[int]
    by_strand: dict[str, list[int]]
    first_rated: int
    raised: int
    lowered: int
    ratings: list[int]


FEWER = "fewer than 5 ratings"


def ratings_of(seeded: Seeded, locality: str | None) -> list[int]:
    """How many ratings of 1..5 the meetings held in the period had."""
    held = [m for m in seeded.meetings if locality in (None, m.locality) and inside(m.started_at)]
    return [sum(1 for m in held for r in m.ratings if r == score) for score in range(1, 6)]


def withheld(seeded: Seeded, locality: str | None) -> bool:
    """The anonymity rule, worked out here: fewer than 5 ratings withholds a locality's
    figures; the total's too, or when the localities withheld have 1 to 4 between them."""
    if locality is not None:
        return sum(ratings_of(seeded, locality)) < 5
    hidden = sum(
        sum(ratings_of(seeded, code)) for code in seeded.localities if withheld(seeded, code)
    )
    return sum(ratings_of(seeded, None)) < 5 or 0 < hidden < 5


def evaluation_row(seeded: Seeded, locality: str | None) -> dict[str, object]:
    """The workbook's Evaluation row, every cell, as worked out from the seed."""
    ratings = ratings_of(seeded, locality)
    count = sum(ratings)
    if withheld(seeded, locality):
        return {"Ratings": count} | {
            h: FEWER for h in ("Mean (1-5)", *(f"Rated {s}" for s in range(1, 6)), "Rated 4 or 5 %")
        }
    mean = round(sum(s * n for s, n in zip(range(1, 6), ratings, strict=True)) / count, 2)
    return {
        "Ratings": count,
        "Mean (1-5)": mean,
        **{f"Rated {s}": ratings[s - 1] for s in range(1, 6)},
        "Rated 4 or 5 %": pct(ratings[3] + ratings[4], count),
    }


def state_at_end(events: list[tuple[datetime, str, str]], now: str | None) -> str | None:
    before = [e for e in events if e[0] < HI]
    if before:
        return before[-1][2]
    if events:
        return events[0][1] or None
    return now


def expected(seeded: Seeded, locality: str | None) -> Expected:
    def mine(code: str) -> bool:
        return locality is None or code == locality

    held = [m for m in seeded.meetings if mine(m.locality) and inside(m.started_at)]
    attended: Counter[str] = Counter()
    apologies: Counter[str] = Counter()
    for meeting in held:
        for agency, status in meeting.attendance.items():
            if status in ("present", "substitute"):
                attended[agency] += 1
            elif status == "apologies":
                apologies[agency] += 1
    actions = [a for a in seeded.actions if mine(a.locality) and a.status != "withdrawn"]
    closed = [a for a in actions if a.status == "done" and inside(a.finished_at)]
    escalations = [e for e in seeded.escalations if mine(e.locality)]
    raised = [e for e in escalations if inside(e.raised_at)]
    responded = [e for e in escalations if inside(e.responded_at)]
    by_risk = [0, 0, 0, 0, 0]
    by_strand: dict[str, list[int]] = {}
    first = up = down = 0
    for subject in (s for s in seeded.subjects if mine(s.locality)):
        for at, previous, value in subject.risk_events:
            if inside(at):
                if not previous:
                    first += 1
                elif RANK[value] > RANK[previous]:
                    up += 1
                elif RANK[value] < RANK[previous]:
                    down += 1
        if subject.created_at >= HI:
            continue
        if state_at_end(subject.status_events, subject.status_now) == "closed":
            continue
        risk = state_at_end(subject.risk_events, subject.risk_now)
        column = RANK[risk] if risk else 4
        by_risk[column] += 1
        for strand in subject.strands or ["No strand"]:
            by_strand.setdefault(strand, [0, 0, 0, 0, 0])[column] += 1
    return Expected(
        meetings=len(held),
        attended=dict(attended),
        apologies=dict(apologies),
        decisions=sum(m.decisions for m in held),
        opened=sum(1 for a in actions if inside(a.created_at)),
        closed=len(closed),
        on_time=sum(1 for a in closed if a.finished_at and london_day(a.finished_at) <= a.due_date),
        overdue=sum(
            1
            for a in actions
            if a.created_at < HI
            and a.due_date < PERIOD.end
            and (a.finished_at is None or a.finished_at >= HI)
        ),
        escalated=sum(1 for a in actions if inside(a.escalated_at)),
        days_to_close=median(
            [
                (london_day(a.finished_at) - london_day(a.created_at)).days
                for a in closed
                if a.finished_at
            ]
        ),
        challenges_raised=sum(
            1 for c in seeded.challenges if mine(c.locality) and inside(c.created_at)
        ),
        challenges_resolved=sum(
            1
            for c in seeded.challenges
            if mine(c.locality) and c.status == "resolved" and inside(c.resolved_at)
        ),
        escalations=len(raised),
        operational=sum(1 for e in raised if e.tier == "operational"),
        strategic=sum(1 for e in raised if e.tier == "strategic"),
        responded=len(responded),
        days_to_respond=median(
            [
                (e.responded_at - e.raised_at).total_seconds() / 86400
                for e in responded
                if e.responded_at
            ]
        ),
        awaiting=sum(
            1
            for e in escalations
            if e.raised_at < HI
            and (e.responded_at is None or e.responded_at >= HI)
            and (e.closed_at is None or e.closed_at >= HI)
        ),
        by_risk=by_risk,
        by_strand=by_strand,
        first_rated=first,
        raised=up,
        lowered=down,
        ratings=[sum(1 for m in held for r in m.ratings if r == score) for score in range(1, 6)],
    )


@pytest.fixture
async def seeded_report(demo_store: Store) -> tuple[Seeded, PerformanceReport]:
    seeded = await seed_report_history(demo_store)
    service = ReportService(demo_store, FrozenClock(MEETING_DAY), KEY)
    return seeded, await service.for_operator(PERIOD, None)


def figures_of(report: PerformanceReport, name: str):  # type: ignore[no-untyped-def]
    return next(f for f in (*report.localities, report.total) if f.name == name)


async def test_the_report_figures_equal_those_worked_out_from_the_seed(
    seeded_report: tuple[Seeded, PerformanceReport],
) -> None:
    seeded, report = seeded_report
    for scope in ("scarborough", None):
        check_figures(seeded, report, scope)


def check_figures(seeded: Seeded, report: PerformanceReport, scope: str | None) -> None:
    want = expected(seeded, scope)
    got = figures_of(report, seeded.localities[scope] if scope else "All localities")
    assert want.meetings > 5 and want.opened > 10 and want.closed > 5  # the seed is not thin
    assert got.meetings_held == want.meetings
    for agency in got.attendance:
        code = next(c for c, n in seeded.agencies.items() if n == agency.agency)
        assert (agency.attended, agency.apologies, agency.meetings) == (
            want.attended.get(code, 0),
            want.apologies.get(code, 0),
            want.meetings,
        ), agency.agency
    assert len(got.attendance) == len(seeded.agencies)
    assert got.decisions == want.decisions
    a = got.actions
    assert (a.opened, a.closed, a.closed_on_time, a.overdue_at_end, a.escalated) == (
        want.opened,
        want.closed,
        want.on_time,
        want.overdue,
        want.escalated,
    )
    assert a.on_time_rate == pct(want.on_time, want.closed)
    assert a.median_days_to_close == want.days_to_close
    assert (got.challenges_raised, got.challenges_resolved) == (
        want.challenges_raised,
        want.challenges_resolved,
    )
    e = got.escalations
    assert (e.raised, e.to_operational, e.to_strategic, e.responded, e.awaiting_at_end) == (
        want.escalations,
        want.operational,
        want.strategic,
        want.responded,
        want.awaiting,
    )
    assert e.median_days_to_respond == want.days_to_respond
    assert list(got.subjects.by_risk) == want.by_risk
    assert {s: list(c) for s, c in got.subjects.by_strand} == want.by_strand
    assert (got.subjects.first_rated, got.subjects.raised, got.subjects.lowered) == (
        want.first_rated,
        want.raised,
        want.lowered,
    )
    count = sum(want.ratings)
    assert got.ratings.count == count
    if withheld(seeded, scope):
        assert got.ratings.distribution is None and got.ratings.mean is None
        return
    assert got.ratings.distribution is not None
    assert list(got.ratings.distribution) == want.ratings
    assert got.ratings.mean == round(
        sum(s * n for s, n in zip(range(1, 6), want.ratings, strict=True)) / count, 2
    )


async def test_the_ratings_of_fewer_than_5_are_withheld_and_the_rest_shown(
    seeded_report: tuple[Seeded, PerformanceReport],
) -> None:
    """The seed rates two groups rarely in the year (3 and 2 ratings): their mean and
    distribution are withheld, not zeroed; the others' and the total (5 withheld between
    them: the total less the others gives away no group of fewer than 5) are shown."""
    seeded, report = seeded_report
    few = {code for code in seeded.localities if withheld(seeded, code)}
    assert few == {"craven", "selby"}
    assert sorted(sum(ratings_of(seeded, code)) for code in few) == [2, 3]
    assert not withheld(seeded, None)
    for code, name in seeded.localities.items():
        got = figures_of(report, name)
        assert got.ratings.withheld == (code in few), name
        assert got.ratings.count == sum(ratings_of(seeded, code)), name
    assert not figures_of(report, "All localities").ratings.withheld


def _rows(sheet, header_row_label: str = "Locality"):  # type: ignore[no-untyped-def]
    """A table sheet's rows by their first cell, under the row whose first cell is
    ``header_row_label``: {name: {heading: value}}."""
    rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == header_row_label)
    headings = rows[at]
    table = {}
    for row in rows[at + 1 :]:
        if row[0] is None:
            break
        table[row[0]] = dict(zip(headings[1:], row[1:], strict=True))
    return at + 1, table


async def test_the_workbook_holds_the_figures_cell_by_cell_with_charts_over_them(
    seeded_report: tuple[Seeded, PerformanceReport],
) -> None:
    seeded, report = seeded_report
    for scope in ("scarborough", None):
        check_workbook(seeded, report, scope)
    check_charts(report)


def check_workbook(seeded: Seeded, report: PerformanceReport, scope: str | None) -> None:
    want = expected(seeded, scope)
    name = seeded.localities[scope] if scope else "All localities"
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    for sheet in book.worksheets:
        assert sheet["A1"].value.startswith("OFFICIAL-SENSITIVE"), sheet.title
    _, actions = _rows(book["Actions"])
    assert actions[name] == {
        "Opened": want.opened,
        "Closed": want.closed,
        "Closed on time": want.on_time,
        "Closed on time %": pct(want.on_time, want.closed),
        "Overdue at the period's end": want.overdue,
        "Escalated by chasing": want.escalated,
        "Median days to close": want.days_to_close,
    }
    _, summary = _rows(book["Summary"])
    assert summary[name]["Meetings held"] == want.meetings
    assert summary[name]["Decisions recorded"] == want.decisions
    _, escalations = _rows(book["Challenges and escalations"])
    assert escalations[name] == {
        "Challenges raised": want.challenges_raised,
        "Challenges resolved": want.challenges_resolved,
        "Escalations raised": want.escalations,
        "To the Operational group": want.operational,
        "To the Strategic group": want.strategic,
        "Responded to": want.responded,
        "Median days to a response": want.days_to_respond,
        "Awaiting a response at the end": want.awaiting,
    }
    _, ratings = _rows(book["Evaluation"])
    # Every cell of every row: the groups with fewer than 5 ratings say so in place of
    # their mean and distribution.
    assert ratings == {
        **{n: evaluation_row(seeded, code) for code, n in sorted(seeded.localities.items())},
        "All localities": evaluation_row(seeded, None),
    }
    assert summary[name]["Meeting ratings"] == sum(want.ratings)
    assert summary[name]["Mean rating (1-5)"] == evaluation_row(seeded, scope)["Mean (1-5)"]
    for code, n in seeded.localities.items():
        assert summary[n]["Mean rating (1-5)"] == evaluation_row(seeded, code)["Mean (1-5)"]
    _, changes = _rows(book["Subjects and risk"])
    assert (
        changes[name]["Risk first rated"],
        changes[name]["Risk raised"],
        changes[name]["Risk lowered"],
    ) == (want.first_rated, want.raised, want.lowered)
    # Attendance and the strand-by-risk table: a block per locality.
    attendance = list(book["Attendance"].iter_rows(values_only=True))
    block = next(
        i for i, r in enumerate(attendance) if r[0] == f"{name}: {want.meetings} meetings held"
    )
    for row in attendance[block + 2 : block + 2 + len(seeded.agencies)]:
        code = next(c for c, n in seeded.agencies.items() if n == row[0])
        attended = want.attended.get(code, 0)
        assert row[2:6] == (
            attended,
            want.apologies.get(code, 0),
            want.meetings - attended - want.apologies.get(code, 0),
            pct(attended, want.meetings),
        )
        assert row[1] == (
            "Schools and colleges"
            if code == "education"
            else "Key agencies"
            if code in KEY
            else "Other agencies"
        )
    subjects = list(book["Subjects and risk"].iter_rows(values_only=True))
    block = next(
        i for i, r in enumerate(subjects) if r[0] == f"{name}: subjects by strand and risk"
    )
    table = {}
    for row in subjects[block + 2 :]:
        if row[0] is None:
            break
        table[row[0]] = list(row[1:6])
    assert table.pop("All subjects") == want.by_risk
    assert table == want.by_strand


def check_charts(report: PerformanceReport) -> None:
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    # openpyxl reads charts back into ws._charts: every figure sheet has them.
    for title in (
        "Summary",
        "Attendance",
        "Actions",
        "Challenges and escalations",
        "Subjects and risk",
        "Evaluation",
    ):
        assert book[title]._charts, title
    sheet = book["Actions"]
    first, table = _rows(sheet)
    names = list(table)
    (bars, line) = sheet._charts
    refs = [s.val.numRef.f for s in bars.series]
    # Opened and Closed, over the seven localities' rows (not the total's).
    last = first + len(names) - 2
    assert refs == [
        f"'Actions'!$B${first + 1}:$B${last + 1}",
        f"'Actions'!$C${first + 1}:$C${last + 1}",
    ]
    assert bars.series[0].cat.numRef.f == f"'Actions'!$A${first + 1}:$A${last + 1}"
    assert [sheet[f"A{r}"].value for r in range(first + 1, last + 2)] == names[:-1]
    assert sheet[f"B{first}"].value == "Opened" and sheet[f"C{first}"].value == "Closed"
    assert line.series[0].val.numRef.f == f"'Actions'!$E${first + 1}:$E${first + len(names)}"
    assert sheet[f"E{first}"].value == "Closed on time %"
    summary = book["Summary"]
    (meetings,) = summary._charts
    first, table = _rows(summary)
    assert (
        meetings.series[0].val.numRef.f == f"'Summary'!$B${first + 1}:$B${first + len(table) - 1}"
    )
    assert summary[f"B{first}"].value == "Meetings held"


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    lines.append(document.sections[0].header.paragraphs[0].text)
    return "\n".join(lines)


def shown(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value)}{suffix}"
    return f"{value}{suffix}"


def rated(value: object, suffix: str = "") -> str:
    """A ratings figure as written: the words where withheld, else the number."""
    if value == FEWER:
        return FEWER
    assert value is None or isinstance(value, int | float)
    return shown(value, suffix)


async def test_the_word_summary_says_every_headline_figure_and_no_name(
    seeded_report: tuple[Seeded, PerformanceReport],
) -> None:
    seeded, report = seeded_report
    for scope in ("scarborough", "craven", None):
        check_summary(seeded, report, scope)
    book = load_workbook(io.BytesIO(report_xlsx(report)))
    cells = [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert cells and not [c for c in cells if "CR-" in c or "Useful meeting" in c]


def check_summary(seeded: Seeded, report: PerformanceReport, scope: str | None) -> None:
    want = expected(seeded, scope)
    name = seeded.localities[scope] if scope else "All localities"
    text = docx_text(report_docx(report))
    assert "OFFICIAL-SENSITIVE" in text
    section = text.split(f"\n{name}\n", 1)[1]
    count = sum(want.ratings)
    row = evaluation_row(seeded, scope)
    mean, rate = row["Mean (1-5)"], row["Rated 4 or 5 %"]
    for label, value in (
        ("Meetings held", shown(want.meetings)),
        ("Decisions recorded", shown(want.decisions)),
        ("Actions opened", shown(want.opened)),
        ("Actions closed", shown(want.closed)),
        ("Closed on time", shown(pct(want.on_time, want.closed), "%")),
        ("Median days to close", shown(want.days_to_close)),
        ("Overdue at the period's end", shown(want.overdue)),
        ("Actions escalated by chasing", shown(want.escalated)),
        ("Challenges raised", shown(want.challenges_raised)),
        ("Challenges resolved", shown(want.challenges_resolved)),
        ("Escalations to the Operational group", shown(want.operational)),
        ("Escalations to the Strategic group", shown(want.strategic)),
        ("Escalations responded to", shown(want.responded)),
        ("Median days to a response", shown(want.days_to_respond)),
        ("Escalations awaiting a response at the end", shown(want.awaiting)),
        ("Subjects on the register at the end", shown(sum(want.by_risk))),
        ("Risk first rated", shown(want.first_rated)),
        ("Risk raised", shown(want.raised)),
        ("Risk lowered", shown(want.lowered)),
        ("Meeting ratings", shown(count)),
        ("Mean rating (1-5)", rated(mean)),
        ("Rated 4 or 5 (effective)", rated(rate, "%")),
    ):
        assert f"\n{label} | {value}\n" in section, label
    for code, agency in seeded.agencies.items():
        attended = want.attended.get(code, 0)
        if code in KEY or attended or want.apologies.get(code, 0):
            assert f"{agency} | " in section and f" | {attended} | " in section, agency
    # Counts only: no reference, and no rating comment.
    assert "CR-" not in text and "Useful meeting" not in text


def test_utc_is_what_the_period_bounds_compare() -> None:
    lo, hi = PERIOD.bounds()
    assert (lo, hi) == (LO.astimezone(UTC), HI.astimezone(UTC))
