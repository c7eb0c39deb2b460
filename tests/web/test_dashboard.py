"""The locality dashboard through the real endpoint (SQLite and PostgreSQL), on three
years of seeded records: the coordinator sees the report's own figures for the period
(compared with ``ReportService.for_member``), each chart with a table beside it; anyone
else, and any code not theirs, sees the same refusal and no figure; a period that cannot
be read is said beside its field, never a 500; every view and refusal is audited."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlalchemy import select

from bot.config import Settings
from bot.domain.clock import LONDON, FrozenClock, london_day
from bot.domain.dashboard import dashboard_period, month_periods
from bot.domain.report import ReportPeriod, headline, number
from bot.services.context import ActorRef
from bot.services.dashboard import DashboardService
from bot.services.report import ReportService
from bot.store import tables as t
from tests.conftest import MEETING_DAY
from tests.e2e.harness import DEMO, BotUnderTest
from tests.e2e.scenario import store_of
from tests.support.report_seed import seed_report_history
from tests.web.client import WebClient, site_client

PAGE = "/localities/scarborough/dashboard"
TODAY = MEETING_DAY.date()
#: The seed's three years; the dashboard's default is the last 12 months.
DEFAULT = ReportPeriod(date(2025, 12, 1), TODAY)
RILEY = ActorRef(
    teams_user_id=DEMO["coordinator"].id,
    aad_object_id=DEMO["coordinator"].aad_object_id,
    name=DEMO["coordinator"].name,
)


async def coordinator(site: BotUnderTest) -> WebClient:
    await seed_report_history(store_of(site))
    web = site_client(site)
    await web.sign_in("Riley Quinn")
    return web


def row(label: str, value: object) -> str:
    return f'<tr><th scope="row">{escape(label)}</th><td>{escape(str(value))}</td></tr>'


def no_figures(text: str) -> None:
    assert "<svg" not in text and "<table" not in text
    assert "Actions opened" not in text and "Challenges raised" not in text


def main_of(text: str) -> str:
    """The page's own content (the masthead differs by viewer: name, CSRF token)."""
    return text[text.index("<main") : text.index("</main>")]


async def audit_count(site: BotUnderTest, action: str) -> int:
    async with store_of(site).reading() as session:
        rows = await session.scalars(
            select(t.AuditEntry.id).where(
                t.AuditEntry.action == action,
                t.AuditEntry.record_type == ("dashboard" if action == "view" else "access"),
            )
        )
        return len(rows.all())


async def test_the_coordinator_sees_the_reports_figures_for_the_period(
    site: BotUnderTest,
) -> None:
    web = await coordinator(site)
    reports = ReportService(store_of(site), FrozenClock(MEETING_DAY), Settings().key_agencies)
    views = await audit_count(site, "view")

    page = await web.get(PAGE)
    assert page.status == 200, page.text
    report = await reports.for_member(RILEY, DEFAULT, "scarborough")
    (figures,) = report.localities
    assert figures.actions.opened and figures.challenges_raised and figures.subjects.on_register
    for label, value in headline(figures):
        assert row(label, value) in page.text, label
    assert row("Closed on time %", number(figures.actions.on_time_rate, "%")) in page.text
    assert row("Escalations raised", figures.escalations.raised) in page.text
    for strand, counts in figures.subjects.by_strand:
        cells = "".join(f"<td>{n}</td>" for n in counts)
        assert f'<th scope="row">{escape(strand)}</th>{cells}' in page.text
    assert await audit_count(site, "view") == views + 1

    # Another period, in the report's words: the report's figures for it.
    page = await web.get(PAGE + "?period=2025-04-01+to+2026-03-31")
    assert page.status == 200
    year = await reports.for_member(
        RILEY, ReportPeriod(date(2025, 4, 1), date(2026, 3, 31)), "scarborough"
    )
    for label, value in headline(year.localities[0]):
        assert row(label, value) in page.text, label


async def test_the_service_gives_the_reports_figures_and_months_that_add_up(
    site: BotUnderTest,
) -> None:
    await seed_report_history(store_of(site))
    clock = FrozenClock(MEETING_DAY)
    keys = Settings().key_agencies
    coordinator = RILEY
    for period in (DEFAULT, ReportPeriod(date(2025, 4, 1), date(2026, 3, 31))):
        dash = await DashboardService(store_of(site), clock, keys).for_member(
            coordinator, "scarborough", period
        )
        report = await ReportService(store_of(site), clock, keys).for_member(
            coordinator, period, "scarborough"
        )
        assert dash.figures == report.localities[0]
        a = dash.figures.actions
        assert sum(m.opened for m in dash.months) == a.opened
        assert sum(m.closed for m in dash.months) == a.closed
        # The last month ends when the period does: the report's "overdue at the end".
        assert dash.months[-1].overdue_at_end == a.overdue_at_end
        assert len(dash.months) == len(month_periods(period))
        assert 0 < dash.meetings <= 12
        assert all(x.meetings == dash.meetings for x in dash.attendance)


async def test_every_chart_has_a_table_beside_it_and_no_inline_style(site: BotUnderTest) -> None:
    web = await coordinator(site)
    page = await web.get(PAGE)
    charts = re.findall(r'<svg class="chart"[^>]*>', page.text)
    assert len(charts) == 6
    for chart in charts:
        assert 'role="img"' in chart and "aria-labelledby=" in chart
    pairs = re.findall(r'<div class="chart-pair">(.*?)</div>', page.text, re.S)
    assert len(pairs) == 6
    for pair in pairs:
        assert "<svg" in pair and "<title id=" in pair and "<desc id=" in pair
        assert "<table>" in pair and "<caption>" in pair and 'scope="col"' in pair
    assert "style=" not in page.text and "<script>" not in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


async def test_a_partner_and_another_localitys_chair_are_refused_with_nothing_shown(
    site: BotUnderTest,
) -> None:
    await seed_report_history(store_of(site))
    refusals = await audit_count(site, "refused")
    for name in ("Priya Shah", "Harper Lane", "Alex Wilber"):
        web = site_client(site)
        await web.sign_in(name)
        for path in (PAGE, PAGE + "?period=last+year", "/dashboard"):
            page = await web.get(path)
            assert page.status == 403, (name, path)
            assert "only for their own groups" in page.text
            no_figures(page.text)
    assert await audit_count(site, "refused") == refusals + 9


async def test_an_unknown_code_is_refused_as_one_not_theirs(site: BotUnderTest) -> None:
    web = await coordinator(site)
    unknown = await web.get("/localities/atlantis/dashboard")
    partner = site_client(site)
    await partner.sign_in("Priya Shah")
    theirs = await partner.get(PAGE)
    assert unknown.status == theirs.status == 403
    no_figures(unknown.text)
    assert main_of(unknown.text) == main_of(theirs.text)
    bad = await web.get("/localities/atlantis/dashboard?period=nonsense")
    assert bad.status == 403
    assert "I could not read" not in bad.text


async def test_a_signed_out_visitor_is_sent_to_sign_in(site: BotUnderTest) -> None:
    page = await site_client(site).get(PAGE)
    assert page.status == 303
    assert page.headers["Location"].startswith("/signin?next=")


async def test_a_bad_period_is_said_beside_the_field_with_no_figure(site: BotUnderTest) -> None:
    web = await coordinator(site)
    for entered, said in (
        ("next fortnight", "I could not read that period. Type a period such as"),
        ("2026-05-01 to 2026-04-01", "The period ends before it starts"),
        ("2026-13-45 to 2026-14-01", "I could not read that date"),
        ("last year for ryedale", "Type only the period here"),
        ("2010-01-01 to 2026-01-01", "Choose a period of at most 5 years"),
        ("x" * 500, "too long"),
    ):
        page = await web.get(PAGE, params={"period": entered})
        assert page.status == 400, entered
        error = re.search(r'<p class="error" id="period-error">([^<]*)</p>', page.text)
        assert error and said in error.group(1), (entered, page.text)
        assert 'aria-invalid="true"' in page.text
        assert 'aria-describedby="period-hint period-error"' in page.text
        no_figures(page.text)


async def test_the_list_links_each_of_the_coordinators_groups(site: BotUnderTest) -> None:
    web = site_client(site)
    await web.sign_in("Riley Quinn")
    page = await web.get("/dashboard")
    assert page.status == 200
    for code in ("scarborough", "ryedale", "harrogate", "craven", "selby"):
        assert f'href="/localities/{code}/dashboard"' in page.text
    # With no records at all the page still draws, saying so.
    empty = await web.get("/localities/craven/dashboard")
    assert empty.status == 200
    assert "No open actions today." in empty.text
    assert "The group has not held a meeting yet." in empty.text


def test_the_period_words_are_the_reports() -> None:
    assert dashboard_period("", TODAY) == DEFAULT
    assert dashboard_period("  last   12 months ", TODAY) == DEFAULT
    assert dashboard_period("this quarter", TODAY) == ReportPeriod(date(2026, 10, 1), TODAY)
    assert dashboard_period("1 Apr 2026 to 30 Jun 2026", TODAY) == ReportPeriod(
        date(2026, 4, 1), date(2026, 6, 30)
    )
    assert [m.start for m in month_periods(ReportPeriod(date(2026, 1, 15), date(2026, 3, 2)))] == [
        date(2026, 1, 15),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_chart_colours_stand_out_from_the_page_in_every_theme() -> None:
    """WCAG 1.4.11: each series colour at least 3:1 against the page's background, and the
    hatching against each series colour, in the light, dark and high-contrast themes (the
    dark theme's media-query copy must say the same as its class)."""
    css = (Path(__file__).parents[2] / "bot/web/static/mace.css").read_text()
    themes: dict[str, dict[str, str]] = {}
    for selector, body in re.findall(r"^(\S[^{\n]*?)\s*\{([^}]*)\}", css, re.M):
        found = dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", body))
        themes.setdefault(selector.strip(), {}).update(found)
    nested = re.search(r"html:not\(\.theme-default\) \{([^}]*)\}", css[css.index("--chart-1") :])
    assert nested
    dark_media = dict(re.findall(r"(--chart-[\w-]+):\s*(#[0-9a-fA-F]{6})", nested.group(1)))
    dark = {k: v for k, v in themes["html.theme-dark"].items() if k.startswith("--chart")}
    assert dark_media == dark
    for selector in (":root", "html.theme-dark", "html.theme-contrast"):
        theme = themes[selector]
        for n in range(1, 7):
            series = theme[f"--chart-{n}"]
            assert _contrast(series, theme["--back"]) >= 3, (selector, n)
            assert _contrast(series, theme["--chart-hatch"]) >= 3, (selector, n)


def test_the_fast_london_day_is_the_zone_conversions() -> None:
    """``london_day`` (the report's and the dashboard's) against zoneinfo, every 7 minutes
    over two years with both clock changes, and for a moment in another zone."""
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    while moment < datetime(2027, 1, 1, tzinfo=UTC):
        assert london_day(moment) == moment.astimezone(LONDON).date(), moment
        moment += timedelta(minutes=7)
    elsewhere = datetime(2026, 3, 29, 0, 30, tzinfo=ZoneInfo("America/New_York"))
    assert london_day(elsewhere) == elsewhere.astimezone(LONDON).date()
