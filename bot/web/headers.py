"""Security headers on every answer of the app, and a strict Content-Security-Policy on
every page.

Why so strict: the pages show records about children at risk. The policy allows script,
style, images and fonts from the bot's own origin only (no inline script or style, no
third-party origin: every library is built into the app's static files from npm), no
plugins, forms that post only back to the app (the sign-in page's may be sent on to Entra
ID's sign-in, ``FORM_TARGETS``), and framing only by Teams itself
(``frame-ancestors``), so no other site can put a page in a frame and trick a partner
into pressing a button on it. Pages are never stored by a browser or proxy cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

#: The hosts allowed to put a page in a frame: Teams on the web, the desktop and mobile
#: clients (which load teams.microsoft.com) and Teams' new domain. Not Outlook or the
#: Microsoft 365 app: the MACE app is a Teams app only.
TEAMS_FRAME_ANCESTORS = (
    "https://teams.microsoft.com",
    "https://*.teams.microsoft.com",
    "https://teams.cloud.microsoft",
)

#: A page's answer may name other origins its forms lead to (``response[FORM_TARGETS]``),
#: added to ``form-action``: browsers check that directive on a form's redirects too, so
#: the sign-in page's "Sign in with Microsoft" (posted to the app, redirected to Entra's
#: sign-in) needs Entra's origin there. No other page sets it.
FORM_TARGETS = web.ResponseKey("mace_form_targets", tuple[str, ...])


def content_security_policy(form_targets: tuple[str, ...] = ()) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            " ".join(("form-action 'self'", *form_targets)),
            "base-uri 'none'",
            "object-src 'none'",
            "frame-ancestors 'self' " + " ".join(TEAMS_FRAME_ANCESTORS),
        )
    )


CONTENT_SECURITY_POLICY = content_security_policy()

#: On every answer, whatever its type. ``same-origin``, not ``no-referrer``: a page's
#: address (a meeting's or a subject's id) still goes to no other site, but under
#: ``no-referrer`` a browser sends ``Origin: null`` with a page's own form posts and
#: fetches (the Fetch standard), and the Origin check (``bot.web.identity.same_origin``)
#: then refuses every one of them: found by the sign-in browser test
#: (tests/browser/test_pages_signin.py).
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

#: On pages (HTML): no caching anywhere (and the policy, ``content_security_policy``).
PAGES = {"Cache-Control": "no-store"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def security_headers(*, https: bool) -> Middleware:
    """The middleware. ``https``: the app is reached over https (PUBLIC_BASE_URL), so
    browsers are told to use nothing else for a year (HSTS)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _apply(exc, https)
            raise
        _apply(response, https)
        return response

    return middleware


def _apply(response: web.StreamResponse, https: bool) -> None:
    if response.prepared:  # streamed answers set their own headers before starting
        return
    for name, value in ALWAYS.items():
        response.headers.setdefault(name, value)
    if https:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if (response.content_type or "").startswith("text/html"):
        for name, value in PAGES.items():
            response.headers[name] = value
        response.headers["Content-Security-Policy"] = content_security_policy(
            response.get(FORM_TARGETS, ())
        )
