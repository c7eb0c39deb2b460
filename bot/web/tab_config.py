"""The locality tab's configuration page (issue 17): ``GET /tab/configure``, what Teams
opens when someone adds the MACE tab to a channel or chat (the manifest's
``configurableTabs``), or changes what it shows.

Signed out, it is the tab's sign-in page (single sign-on, as ``/tab``), which comes back
here. Signed in, it offers the pages the person may open themselves, each by its own
service and rule: the dashboards of the groups they coordinate
(``DashboardService.open_to``, ``Permission.REPORT``) and the maps of the groups they are
a member of (``RegisterMap.groups``); nobody is offered a group that is not theirs. The
form works without a script (it shows the chosen tab's links); inside Teams the script
(``configure.js``) hands the choice to Teams when Save is selected.
"""

from __future__ import annotations

from aiohttp import web

from bot.domain.errors import NotPermitted
from bot.domain.locality_tab import chosen, tab_groups
from bot.domain.web_sessions import safe_return_to
from bot.web.dashboard import DASHBOARD
from bot.web.identity import viewer_of
from bot.web.pages import render
from bot.web.register import MAPS
from bot.web.sso import tab_sign_in

#: The app's public address (scheme and host of PUBLIC_BASE_URL: the pages are at the
#: root of the host, as the manifest's tabs say): the tab's addresses are kept by Teams.
BASE_URL = web.AppKey("web_tab_base_url", str)
PATH = "/tab/configure"
NOT_A_CHOICE = "Choose one of the pages in the list."


async def configure(request: web.Request) -> web.StreamResponse:
    viewer = await viewer_of(request)
    if viewer is None:
        return tab_sign_in(request, safe_return_to(request.path_qs, PATH))
    try:
        mapped = await request.app[MAPS].groups(viewer.actor)
    except NotPermitted as exc:
        response = render(
            request, "tab_configure.html", viewer, "", groups=(), problem=exc.user_message
        )
        response.set_status(403)
        return response
    reported = await request.app[DASHBOARD].open_to(viewer.actor)
    groups = tab_groups(mapped, [(g.code, g.name) for g in reported])
    sent = request.query.get("show", "")[:200]
    choice = chosen(groups, sent)
    response = render(
        request,
        "tab_configure.html",
        viewer,
        "",
        groups=groups,
        problem="",
        choice=choice,
        error=NOT_A_CHOICE if sent and choice is None else "",
        base_url=request.app[BASE_URL],
    )
    if sent and choice is None:
        response.set_status(400)
    return response


def add_tab_config_routes(app: web.Application, base_url: str) -> None:
    """After the dashboard's and the register's routes (their services are used here)."""
    app[BASE_URL] = base_url
    app.router.add_get(PATH, configure)
