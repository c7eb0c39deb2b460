"""The download pages a card's button opens (issue 17: downloads only through a signed-in
page): the outstanding actions of a filter, as CSV or Excel, and the performance report
of a period, as a workbook or a Word summary.

A card's button carries only the page's address and what to select (bot.domain.
page_addresses: no token, no name, no case text), so the address may be forwarded: the
page guard asks whoever opens it to sign in, and the page shows, and the form posts
build, only what the person signed in may see, through the same services as chat
(``ActionService.outstanding``, ``ExportService.actions_file`` and ``report_file``),
which refuse, and audit every view and export, as chat does. A filter or group the
person may not use is "not found": the page does not say whether it exists.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from bot.domain.errors import DomainError
from bot.domain.filters import ActionFilter, FilterError
from bot.domain.page_addresses import ADDRESSABLE, REPORT_FIELDS
from bot.domain.report import headline, period_from_data
from bot.services.actions import ActionService
from bot.services.exports import ExportService
from bot.services.report import ReportService
from bot.services.web_sessions import Viewer
from bot.web.files import file_response
from bot.web.forms import read_form
from bot.web.identity import action, page
from bot.web.pages import render

EXPORT_ACTIONS = web.AppKey("web_export_actions", ActionService)
EXPORT_FILES = web.AppKey("web_export_files", ExportService)
REPORTS = web.AppKey("web_reports", ReportService)

#: The file formats each page offers, by the name in its form's address.
ACTION_FORMATS = ("csv", "xlsx")
REPORT_FORMATS = ("xlsx", "docx")


def _chosen(data: Mapping[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    """What the page selects: only the fields an address may carry (a name typed into
    the address, ``owner=``, is not one of them), each kept short."""
    return {k: str(data[k])[:120] for k in keys if data.get(k)}


@page
async def actions_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    chosen = _chosen(request.query, ADDRESSABLE)
    try:
        found = await request.app[EXPORT_ACTIONS].outstanding(
            viewer.actor, ActionFilter.from_data(dict(chosen)), 1
        )
    except (FilterError, DomainError) as exc:
        return _not_found(request, viewer, "exports_actions.html", exc)
    return render(
        request,
        "exports_actions.html",
        viewer,
        "exports",
        found=found,
        chosen=chosen,
        formats=ACTION_FORMATS,
        problem="",
    )


@action
async def actions_file(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    fmt = request.match_info["fmt"]
    if fmt not in ACTION_FORMATS:
        raise web.HTTPNotFound(text="There is no such page.")
    wanted = ActionFilter.from_data(dict(_chosen(await read_form(request), ADDRESSABLE)))
    try:
        file = await request.app[EXPORT_FILES].actions_file(viewer.actor, wanted, fmt)
    except (FilterError, DomainError) as exc:
        return web.Response(status=404, text=_said(exc))
    return file_response(file)


@page
async def report_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    chosen = _chosen(request.query, REPORT_FIELDS)
    try:
        report = await request.app[REPORTS].for_member(
            viewer.actor, period_from_data(dict(chosen)), chosen.get("locality")
        )
    except (FilterError, DomainError) as exc:
        return _not_found(request, viewer, "reports.html", exc)
    figures = report.total if len(report.localities) > 1 else report.localities[0]
    return render(
        request,
        "reports.html",
        viewer,
        "exports",
        report=report,
        figures=headline(figures),
        chosen=chosen,
        formats=REPORT_FORMATS,
        problem="",
    )


@action
async def report_file(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    fmt = request.match_info["fmt"]
    if fmt not in REPORT_FORMATS:
        raise web.HTTPNotFound(text="There is no such page.")
    chosen = _chosen(await read_form(request), REPORT_FIELDS)
    try:
        file = await request.app[EXPORT_FILES].report_file(viewer.actor, chosen, fmt)
    except (FilterError, DomainError) as exc:
        return web.Response(status=404, text=_said(exc))
    return file_response(file)


def _said(exc: FilterError | DomainError) -> str:
    return exc.user_message if isinstance(exc, DomainError) else str(exc)


def _not_found(
    request: web.Request, viewer: Viewer, template: str, exc: FilterError | DomainError
) -> web.StreamResponse:
    response = render(request, template, viewer, "exports", problem=_said(exc))
    response.set_status(404)
    return response


def add_export_routes(
    app: web.Application, actions: ActionService, exports: ExportService, reports: ReportService
) -> None:
    app[EXPORT_ACTIONS] = actions
    app[EXPORT_FILES] = exports
    app[REPORTS] = reports
    app.router.add_get("/exports/actions", actions_page)
    app.router.add_post("/exports/actions.{fmt}", actions_file)
    app.router.add_get("/reports", report_page)
    app.router.add_post("/reports/report.{fmt}", report_file)
