"""The register on the pages: a group's map (its subjects and their links, as a network
and as a list that needs no script) and a subject's page with its history (issue 17,
point 1).

Both go through the register's services and its one access rule: the map through
``bot.services.register_map`` (a member of that group; persons of concern only where the
group's rule allows), the subject's page through ``RegisterReads.page``, the card a
personal chat shows. A group or subject the viewer may not see and one that does not
exist get the same 404 page, with nothing of it shown. Every view is audited by the
service. Nothing is read here: the page draws what the services return.
"""

from __future__ import annotations

from aiohttp import web

from bot.domain.errors import DomainError, NotFound
from bot.domain.model import SUBJECT_LABELS
from bot.domain.register import STATUS_LABELS
from bot.domain.register_map import MONTH_CHOICES, parse_map_filter
from bot.services.register_map import RegisterMap
from bot.services.register_reads import RegisterReads
from bot.services.web_sessions import Viewer
from bot.web.identity import page
from bot.web.pages import render
from cards.register import HISTORY_LABELS, checks_recorded, risk_label

MAPS = web.AppKey("web_register_map", RegisterMap)
READS = web.AppKey("web_register_reads", RegisterReads)

#: The subject's page says things in the words of its card in chat.
WORDS = {
    "kind": SUBJECT_LABELS,
    "risk": risk_label,
    "status": STATUS_LABELS,
    "history": HISTORY_LABELS,
    "checks": checks_recorded,
}


@page
async def first_map(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    """The map of the member's first group (by name); the map page switches between
    groups."""
    try:
        groups = await request.app[MAPS].groups(viewer.actor)
    except DomainError as exc:
        return _refused(request, viewer, exc, 403)
    raise web.HTTPSeeOther(f"/localities/{groups[0][0]}/map")


@page
async def map_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    wanted, problems = parse_map_filter(request.query)
    try:
        view = await request.app[MAPS].map(viewer.actor, request.match_info["code"], wanted)
    except NotFound as exc:
        return _refused(request, viewer, exc, 404)
    except DomainError as exc:
        return _refused(request, viewer, exc, 403)
    return render(
        request,
        "map.html",
        viewer,
        "map",
        view=view,
        problems=problems + view.problems,
        months=MONTH_CHOICES,
    )


@page
async def subject_page(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    try:
        subject_id: object = int(request.match_info["subject_id"])
    except ValueError:
        subject_id = None  # the service answers "not found", as for any other
    try:
        view, code = await request.app[READS].page(viewer.actor, subject_id)
    except DomainError as exc:
        response = render(
            request, "subject.html", viewer, "map", view=None, code="", problem=exc.user_message
        )
        response.set_status(404)
        return response
    return render(
        request, "subject.html", viewer, "map", view=view, code=code, problem="", words=WORDS
    )


def _refused(
    request: web.Request, viewer: Viewer, exc: DomainError, status: int
) -> web.StreamResponse:
    response = render(request, "map.html", viewer, "map", view=None, problem=exc.user_message)
    response.set_status(status)
    return response


def add_register_routes(app: web.Application, maps: RegisterMap, reads: RegisterReads) -> None:
    app[MAPS] = maps
    app[READS] = reads
    app.router.add_get("/map", first_map)
    app.router.add_get("/localities/{code}/map", map_page)
    app.router.add_get("/subjects/{subject_id}", subject_page)
