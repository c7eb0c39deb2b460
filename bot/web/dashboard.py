"""The locality dashboard on the pages (issue 17): ``/dashboard`` lists the groups whose
dashboard the viewer may see, ``/localities/{code}/dashboard`` draws one for the period
chosen on the page (the report's words; the last 12 months by default).

The figures come from bot.services.dashboard, which reads them with the report's own code
and applies the report's rule (coordinators of that group). Anyone else, and any code that
is not one of their groups, sees the same refusal (403) and no figure. Charts are drawn
here as inline SVG (bot.web.charts) with their figures in a table beside each.
"""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup

from bot.domain.clock import london_today
from bot.domain.dashboard import (
    ATTENDANCE_MEETINGS,
    DEFAULT_PERIOD,
    MAX_PERIOD_TEXT,
    PERIOD_HELP,
    Dashboard,
    dashboard_period,
)
from bot.domain.errors import NotPermitted
from bot.domain.filters import FilterError
from bot.domain.report import RISK_COLUMNS, headline, number
from bot.services.dashboard import DashboardService
from bot.services.web_sessions import Viewer
from bot.web.charts import Series, bar_chart, line_chart
from bot.web.identity import page
from bot.web.pages import render

DASHBOARD = web.AppKey("web_dashboard", DashboardService)


def _refused(request: web.Request, viewer: Viewer, exc: NotPermitted) -> web.StreamResponse:
    response = render(
        request, "dashboard.html", viewer, "dashboard", dash=None, problem=exc.user_message
    )
    response.set_status(403)
    return response


@page
async def dashboards_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    try:
        groups = await request.app[DASHBOARD].groups(viewer.actor)
    except NotPermitted as exc:
        return _refused(request, viewer, exc)
    return render(request, "dashboards.html", viewer, "dashboard", groups=groups)


@page
async def dashboard_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    service = request.app[DASHBOARD]
    code = request.match_info["code"][:40]
    entered = request.query.get("period", "")[: MAX_PERIOD_TEXT * 2]
    try:
        period = dashboard_period(entered, london_today(service.clock))
    except FilterError as exc:
        try:  # nothing is said about the period to someone who may not see the page
            await service.check(viewer.actor, code)
        except NotPermitted as refused:
            return _refused(request, viewer, refused)
        response = render(
            request,
            "dashboard.html",
            viewer,
            "dashboard",
            dash=None,
            problem="",
            code=code,
            entered=entered,
            period_error=str(exc),
            help=PERIOD_HELP,
        )
        response.set_status(400)
        return response
    try:
        dash = await service.for_member(viewer.actor, code, period)
    except NotPermitted as exc:
        return _refused(request, viewer, exc)
    return render(
        request,
        "dashboard.html",
        viewer,
        "dashboard",
        dash=dash,
        problem="",
        code=dash.code,
        entered=entered or DEFAULT_PERIOD,
        period_error="",
        help=PERIOD_HELP,
        charts=charts(dash),
        headline=headline(dash.figures),
        risks=RISK_COLUMNS,
        number=number,
        attendance_meetings=ATTENDANCE_MEETINGS,
    )


def charts(d: Dashboard) -> dict[str, Markup]:
    """Every chart of the page, each drawn from the figures its table shows."""
    f = d.figures
    a, e, s = f.actions, f.escalations, f.subjects
    agencies = [x.agency for x in d.by_agency]
    drawn = {
        "by_agency": bar_chart(
            "chart-agency",
            "Open and overdue actions by agency, today",
            f"Open actions of each agency on {d.today:%-d %B %Y}, and of them those overdue. "
            "The figures are in the table after the chart.",
            agencies,
            [
                Series("Open", tuple(x.open for x in d.by_agency)),
                Series("Overdue", tuple(x.overdue for x in d.by_agency)),
            ],
        ),
        "months": line_chart(
            "chart-months",
            "Open and overdue actions at the end of each month",
            f"Actions open, and overdue, at the end of each month from {d.period.describe()}. "
            "The figures, with those opened and closed each month, are in the table after "
            "the chart.",
            [m.label for m in d.months],
            [
                Series("Open", tuple(m.open_at_end for m in d.months)),
                Series("Overdue", tuple(m.overdue_at_end for m in d.months)),
            ],
        ),
        "actions": bar_chart(
            "chart-actions",
            "Actions in the period",
            f"Actions opened, closed, closed on time, overdue at the end and escalated, "
            f"{d.period.describe()}. The figures are in the table after the chart.",
            ["Opened", "Closed", "Closed on time", "Overdue at the end", "Escalated"],
            [
                Series(
                    "Actions", (a.opened, a.closed, a.closed_on_time, a.overdue_at_end, a.escalated)
                )
            ],
        ),
        "challenges": bar_chart(
            "chart-challenges",
            "Challenges and escalations in the period",
            f"Challenges raised and resolved, escalations raised, by tier, responded to and "
            f"awaiting a response at the end, {d.period.describe()}. The figures are in the "
            "table after the chart.",
            [
                "Challenges raised",
                "Challenges resolved",
                "Escalations raised",
                "To the Operational group",
                "To the Strategic group",
                "Responded to",
                "Awaiting a response",
            ],
            [
                Series(
                    "Count",
                    (
                        f.challenges_raised,
                        f.challenges_resolved,
                        e.raised,
                        e.to_operational,
                        e.to_strategic,
                        e.responded,
                        e.awaiting_at_end,
                    ),
                )
            ],
        ),
        "subjects": bar_chart(
            "chart-subjects",
            "Subjects on the register by strand and risk",
            f"Subjects on the register at the end of the period ({d.period.end:%-d %B %Y}) "
            "in each strand, a segment for each risk level. The figures are in the table "
            "after the chart.",
            [strand for strand, _ in s.by_strand],
            [
                Series(risk, tuple(counts[c] for _, counts in s.by_strand))
                for c, risk in enumerate(RISK_COLUMNS)
            ],
            stacked=True,
        ),
    }
    if d.meetings:
        drawn["attendance"] = bar_chart(
            "chart-attendance",
            f"Attendance by agency over the last {d.meetings} meetings",
            f"The share of the last {d.meetings} meetings each agency attended (in person or "
            "by a substitute). The figures are in the table after the chart.",
            [x.agency for x in d.attendance],
            [Series("Attended", tuple(x.rate or 0.0 for x in d.attendance))],
            unit="%",
            top=100,
        )
    return drawn


def add_dashboard_routes(app: web.Application, service: DashboardService) -> None:
    app[DASHBOARD] = service
    app.router.add_get("/dashboard", dashboards_page)
    app.router.add_get("/localities/{code}/dashboard", dashboard_page)
