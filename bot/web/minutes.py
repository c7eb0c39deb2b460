"""The minutes on the pages: a member's groups' past meetings, one meeting's decisions and
actions (DRAFT until the group agrees them), and its Word minutes, through the same
services as ``minutes`` in chat (bot.services.minutes_reads, bot.services.exports), so
the same rule applies: every member of the group may read them, persons of concern are
left out for whom the group's rule says, every view and download is audited.
"""

from __future__ import annotations

from aiohttp import web

from bot.domain.errors import DomainError, NotPermitted
from bot.services.exports import ExportService
from bot.services.minutes_reads import MinutesReads
from bot.services.web_sessions import Viewer
from bot.web.files import file_response
from bot.web.identity import action, page
from bot.web.pages import render

MINUTES = web.AppKey("web_minutes", MinutesReads)
EXPORTS = web.AppKey("web_exports", ExportService)
DRAFT = "DRAFT: to be agreed at the next meeting"


def _number(text: str, default: int | None = None) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return default
    return value if 0 < value <= 2_147_483_647 else default


@page
async def meetings_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    number = _number(request.query.get("page", "1"), 1) or 1
    try:
        listed = await request.app[MINUTES].past_meetings(viewer.actor, number)
    except NotPermitted as exc:
        return render(
            request, "meetings.html", viewer, "meetings", listed=None, problem=exc.user_message
        )
    return render(
        request, "meetings.html", viewer, "meetings", listed=listed, problem="", draft=DRAFT
    )


@page
async def minutes_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    meeting_id = _number(request.match_info["meeting_id"])
    try:
        view = await request.app[MINUTES].minutes(viewer.actor, meeting_id)
    except DomainError as exc:
        response = render(
            request, "minutes.html", viewer, "meetings", view=None, problem=exc.user_message
        )
        response.set_status(404)
        return response
    return render(request, "minutes.html", viewer, "meetings", view=view, problem="", draft=DRAFT)


@action
async def minutes_file(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    meeting_id = _number(request.match_info["meeting_id"])
    try:
        file = await request.app[EXPORTS].minutes_file(viewer.actor, meeting_id)
    except DomainError as exc:
        return web.Response(status=404, text=exc.user_message)
    return file_response(file)


def add_minutes_routes(app: web.Application, minutes: MinutesReads, exports: ExportService) -> None:
    app[MINUTES] = minutes
    app[EXPORTS] = exports
    app.router.add_get("/meetings", meetings_page)
    app.router.add_get("/meetings/{meeting_id}", minutes_page)
    app.router.add_post("/meetings/{meeting_id}/minutes.docx", minutes_file)
