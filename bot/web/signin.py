"""Signing in and out of the pages.

Three ways in, each ending in the same server-side session (``bot.services.web_sessions``):
Teams tab single sign-on and the authorisation-code flow (Entra ID), and, for ``make
run`` alone, a local stand-in that lists the demo members. The stand-in's routes exist
only when it is on, and it cannot be on with an APP_ID (``Settings.problems``), so no
deployed bot has it. A signed-in person who is no member sees a refusal and nothing else.
"""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.domain.web_sessions import SignInMethod, safe_return_to
from bot.services.web_sessions import WebSessions
from bot.web.headers import FORM_TARGETS
from bot.web.identity import (
    WEB_SESSIONS,
    action,
    clear_session_cookie,
    posted_form,
    same_origin,
    set_session_cookie,
    viewer_of,
)
from bot.web.limits import limited

STAND_IN = web.AppKey("web_stand_in", bool)
#: "Sign in with Microsoft" (the code flow, bot.web.code_flow) is offered: APP_ID and
#: APP_PASSWORD are set.
CODE_FLOW_ON = web.AppKey("web_code_flow_on", bool)
#: Where "Sign in with Microsoft" leads (Entra's origin): the sign-in page's forms may go
#: there (``bot.web.headers.FORM_TARGETS``). Set with the code flow's routes.
ENTRA_ORIGIN = web.AppKey("web_entra_origin", str)
ENDED = "Your session ended. Sign in again to go on."


async def signin_page(request: web.Request) -> web.StreamResponse:
    target = safe_return_to(request.query.get("next"))
    if await viewer_of(request) is not None:
        raise web.HTTPSeeOther(target)
    return await render_signin(
        request, target, ENDED if request.query.get("why") == "ended" else ""
    )


async def render_signin(
    request: web.Request, target: str, message: str, *, status: int = 200
) -> web.StreamResponse:
    """The sign-in page, with ``message`` (a sign-in that failed, a session ended)."""
    stand_in = request.app.get(STAND_IN, False)
    members = []
    if stand_in:
        choices = await request.app[WEB_SESSIONS].stand_in_choices()
        members = [{"key": str(key), "label": label} for key, label in choices]
    page = aiohttp_jinja2.render_template(
        "signin.html",
        request,
        {
            "next": target,
            "stand_in": stand_in,
            "members": members,
            "code_flow": request.app.get(CODE_FLOW_ON, False),
            "viewer": None,
            "section": "signin",
            "message": message,
        },
        status=status,
    )
    if ENTRA_ORIGIN in request.app:
        page[FORM_TARGETS] = (request.app[ENTRA_ORIGIN],)
    return page


@limited
async def stand_in_signin(request: web.Request) -> web.StreamResponse:
    """The local stand-in: sign in as the chosen demo member (no password: loopback, no
    APP_ID, invented data). A post from another site is refused all the same: a page
    elsewhere must not sign the browser in as someone else (login CSRF)."""
    if not same_origin(request):
        return aiohttp_jinja2.render_template(
            "refused.html", request, {"viewer": None, "section": ""}, status=403
        )
    form = await posted_form(request)
    target = safe_return_to(_text(form.get("next")))
    sessions: WebSessions = request.app[WEB_SESSIONS]
    try:
        member_id = int(_text(form.get("member")))
    except ValueError:
        raise web.HTTPSeeOther("/signin") from None
    actor = await sessions.stand_in_actor(member_id)
    opened = await sessions.open(actor, SignInMethod.STAND_IN) if actor else None
    if opened is None:
        return aiohttp_jinja2.render_template(
            "refused.html", request, {"viewer": None, "section": ""}, status=403
        )
    response = web.HTTPSeeOther(target)
    set_session_cookie(
        response,
        opened.secret,
        SignInMethod.STAND_IN,
        int(sessions.policy.absolute.total_seconds()),
    )
    raise response


@action
async def signout(request: web.Request, _viewer: object) -> web.StreamResponse:
    sessions: WebSessions = request.app[WEB_SESSIONS]
    secret = request.cookies.get("__Host-mace-session", "")
    await sessions.end(secret)
    response = web.HTTPSeeOther("/signin")
    clear_session_cookie(response)
    raise response


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def add_signin_routes(app: web.Application, *, stand_in: bool) -> None:
    app[STAND_IN] = stand_in
    app.router.add_get("/signin", signin_page)
    app.router.add_post("/signout", signout)
    if stand_in:
        app.router.add_post("/signin/stand-in", stand_in_signin)
