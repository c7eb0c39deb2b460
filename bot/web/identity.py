"""Who a page request is from: the session cookie, and the guards every page and form
goes through.

Deny by default: a page handler is wrapped in ``page`` (a signed-in member, or a
redirect to sign in that remembers the page) or ``action`` (the same, plus the form's
CSRF token and an Origin of this app, for anything that changes state). Nothing is
shown before the session is found; a request with no session sees only the sign-in
page, so a page URL forwarded to someone else asks them to sign in and shows nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

from aiohttp import hdrs, web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from bot.domain.web_sessions import SignInMethod
from bot.services.web_sessions import Viewer, WebSessions

#: ``__Host-``: the browser keeps it only if Secure, for this host alone, path /.
COOKIE = "__Host-mace-session"

WEB_SESSIONS = web.AppKey("web_sessions", WebSessions)
#: The origins (``scheme://host[:port]``) a form may be posted from: this app's public
#: address (PUBLIC_BASE_URL) and the address it was reached at.
ORIGINS = web.AppKey("web_origins", frozenset[str])
VIEWER = web.RequestKey("mace_viewer", Viewer)

PageHandler = Callable[[web.Request, Viewer], Awaitable[web.StreamResponse]]


def set_session_cookie(
    response: web.StreamResponse, secret: str, method: SignInMethod, max_age: int
) -> None:
    """The session cookie. Inside a Teams tab the page is in Teams' frame, a third-party
    context: the cookie must be ``SameSite=None`` (and ``Partitioned``, kept for the
    Teams frame alone) to be sent at all. Outside Teams it is ``Lax``: never sent on
    another site's form post."""
    sso = method is SignInMethod.SSO
    cookie: SimpleCookie = SimpleCookie()
    cookie[COOKIE] = secret
    morsel = cookie[COOKIE]
    morsel["path"] = "/"
    morsel["secure"] = True
    morsel["httponly"] = True
    morsel["max-age"] = str(max_age)
    morsel["samesite"] = "None" if sso else "Lax"
    # Python before 3.14 does not know ``Partitioned`` (aiohttp's ``partitioned=`` then
    # raises), so the attribute is written here.
    response.headers.add(hdrs.SET_COOKIE, morsel.OutputString() + ("; Partitioned" if sso else ""))


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/", secure=True, httponly=True)


async def viewer_of(request: web.Request) -> Viewer | None:
    found = request.get(VIEWER)
    if found is None:
        found = await request.app[WEB_SESSIONS].find(request.cookies.get(COOKIE))
        if found is not None:
            request[VIEWER] = found
    return found


def signin_url(request: web.Request) -> str:
    return "/signin?next=" + quote(request.path_qs, safe="")


def page(handler: PageHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A page for signed-in members; anyone else is sent to sign in, then back here."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        viewer = await viewer_of(request)
        if viewer is None:
            raise web.HTTPSeeOther(signin_url(request))
        return await handler(request, viewer)

    return guarded


def api(handler: PageHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A JSON route for a page's script: 401 with no session (a script cannot follow a
    redirect to sign in)."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        viewer = await viewer_of(request)
        if viewer is None:
            return web.json_response({"error": "not signed in"}, status=401)
        return await handler(request, viewer)

    return guarded


def action(handler: PageHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A state change (a form post) by a signed-in member: the session's CSRF token must
    come with it, and the request must come from a page of this app (Origin, when the
    browser sends one). Refusals are 403 and change nothing."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        viewer = await viewer_of(request)
        if viewer is None:
            return web.Response(status=401, text="Sign in again: your session has ended.")
        if not same_origin(request):
            return web.Response(status=403, text="This form did not come from a MACE page.")
        sent = await csrf_sent(request)
        if not sent or not hmac.compare_digest(sent, viewer.csrf):
            return web.Response(
                status=403, text="This form has expired. Reload the page and try again."
            )
        return await handler(request, viewer)

    return guarded


#: A form body a browser could not have sent (bytes that are not UTF-8, a broken
#: multipart body): refused plainly, never a 500.
UNREADABLE_FORM = "This form could not be read. Reload the page and try again."


async def posted_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | FileField]:
    """The posted form, read once (aiohttp keeps it), or 400 if it cannot be parsed."""
    try:
        return await request.post()
    except (ValueError, LookupError, HttpProcessingError) as exc:
        # UnicodeDecodeError is a ValueError; a broken multipart part an InvalidHeader.
        raise web.HTTPBadRequest(text=UNREADABLE_FORM) from exc


async def csrf_sent(request: web.Request) -> str:
    header = request.headers.get("X-CSRF-Token", "")
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await posted_form(request)
        value = form.get("csrf", "")
        return value if isinstance(value, str) else ""
    return ""


def same_origin(request: web.Request) -> bool:
    """No Origin (some older browsers on a same-origin post) passes: the CSRF token is
    the check that always applies. An Origin that is present must be this app's."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    if origin in request.app.get(ORIGINS, frozenset()):
        return True
    return urlsplit(origin).netloc == request.host
