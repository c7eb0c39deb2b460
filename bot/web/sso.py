"""Teams tab single sign-on: ``GET /tab`` (what the Teams app's tabs open) and
``POST /auth/sso`` (the Entra ID token the tab's script got from Teams).

The tab page shows nothing but "Signing you in": its script (``tab.js``) asks Teams for
the signed-in person's token (``authentication.getAuthToken()``, no prompt: Teams
already knows them), posts it here, and goes on to the page asked for. The token is
checked by ``bot.web.entra``; the person must be a member (by Entra object id) to get a
session. Answers say as little as possible: a refused token gets one fixed sentence, a
person who is no member the refusal page, and neither gets any page content.
"""

from __future__ import annotations

import json
import logging
import math

import aiohttp_jinja2
from aiohttp import web

from bot.domain.web_sessions import SignInMethod, safe_return_to
from bot.services.context import ActorRef
from bot.services.web_sessions import Opened, WebSessions
from bot.web.entra import EntraTokens, KeysUnavailable, SignedInPerson, TokenRefused
from bot.web.identity import WEB_SESSIONS, same_origin, set_session_cookie, viewer_of
from bot.web.limits import limited

log = logging.getLogger(__name__)

ENTRA = web.AppKey("web_entra_tokens", EntraTokens)
REFUSED = "Sign-in refused."
UNAVAILABLE = "Sign-in is not available just now. Try again in a minute."
#: The largest body ``/auth/sso`` reads (a token is a few kB).
MAX_BODY = 16 * 1024


async def tab(request: web.Request) -> web.StreamResponse:
    """The tab's start page: no content, a script that signs in, and a way out."""
    target = safe_return_to(request.query.get("next"))
    if await viewer_of(request) is not None:
        raise web.HTTPSeeOther(target)
    return tab_sign_in(request, target)


def tab_sign_in(request: web.Request, target: str) -> web.StreamResponse:
    """The tab's sign-in page ("Signing you in"), whose script signs in with the Teams
    account, then opens ``target`` (a path ``safe_return_to`` let through)."""
    return aiohttp_jinja2.render_template(
        "tab.html", request, {"next": target, "viewer": None, "section": "signin"}
    )


@limited
async def sso(request: web.Request) -> web.StreamResponse:
    if not same_origin(request):
        return _refused("the request came from another site")
    # A browser's fetch with a string body always says its length; read only what fits.
    if request.content_length is None or request.content_length > MAX_BODY:
        return _refused("no body, or too large")
    try:
        body = json.loads(await request.read())
    except ValueError:
        return _refused("body is not JSON")
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token or len(token) > MAX_BODY:
        return _refused("no token")
    target = safe_return_to(body.get("next") if isinstance(body.get("next"), str) else None)
    try:
        person = await request.app[ENTRA].person(token)
    except TokenRefused as refused:
        return _refused(refused.kind)
    except KeysUnavailable as unavailable:
        return web.Response(
            status=503,
            text=UNAVAILABLE,
            headers={"Retry-After": str(max(1, math.ceil(unavailable.retry_after)))},
        )
    opened = await open_session(request, person, SignInMethod.SSO)
    if opened is None:
        return refusal_page(request)
    response = web.json_response({"next": target}, headers={"Cache-Control": "no-store"})
    sessions: WebSessions = request.app[WEB_SESSIONS]
    set_session_cookie(
        response, opened.secret, SignInMethod.SSO, int(sessions.policy.absolute.total_seconds())
    )
    return response


async def open_session(
    request: web.Request, person: SignedInPerson, method: SignInMethod
) -> Opened | None:
    """A session for the member with the person's Entra object id (None: no member)."""
    actor = ActorRef(teams_user_id="", aad_object_id=person.object_id)
    return await request.app[WEB_SESSIONS].open(actor, method, person.tenant_id)


def refusal_page(request: web.Request) -> web.StreamResponse:
    """Signed in, but no member: the refusal page and nothing else."""
    return aiohttp_jinja2.render_template(
        "refused.html", request, {"viewer": None, "section": ""}, status=403
    )


def _refused(why: str) -> web.Response:
    log.info("single sign-on refused: %s", why)
    return web.Response(status=401, text=REFUSED)


def add_sso_routes(app: web.Application, tokens: EntraTokens) -> None:
    app[ENTRA] = tokens
    app.router.add_get("/tab", tab)
    app.router.add_post("/auth/sso", sso)

    async def close(app: web.Application) -> None:
        await app[ENTRA].close()

    app.on_cleanup.append(close)
