"""Signing in from a browser outside Teams: Entra ID's authorisation-code flow with PKCE,
through msal.

``POST /signin/start`` makes the flow (msal: state, nonce, PKCE verifier), keeps it
encrypted in the store (``bot.services.web_sign_ins``) and sends the browser to Entra.
``/auth/callback`` (Entra's form posts to it) takes the flow by its ``state`` (once,
within ten minutes), has msal redeem the code (with the verifier and the app's secret),
checks the ID token as a tab's token is checked (``bot.web.entra``: signature, issuer,
tenant allow-list, audience the app id; msal 1.38 and later no longer validate it), and
opens a session for the member with that Entra object id.

msal is synchronous (``requests``): each call runs in a worker thread, under a timeout,
so the event loop never waits on Entra. Its HTTP client trusts ``openid_ca_file`` when
given (tests: a throwaway CA) and never the environment's bundle. Tokens msal obtains
are not kept: the bot only wants to know who signed in, not to act as them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import msal
from aiohttp import web

from bot.domain.web_sessions import SignInMethod, safe_return_to
from bot.graph.client import PinnedSession
from bot.services.web_sessions import WebSessions
from bot.services.web_sign_ins import PendingSignIns
from bot.web.entra import EntraTokens, KeysUnavailable, TokenRefused
from bot.web.identity import WEB_SESSIONS, posted_form, same_origin, set_session_cookie
from bot.web.limits import limited
from bot.web.signin import ENTRA_ORIGIN, render_signin
from bot.web.sso import ENTRA, open_session, refusal_page

log = logging.getLogger(__name__)

#: Seconds an msal call (discovery, redeeming the code) may take in all.
MSAL_TIMEOUT = 15.0
FAILED = "Signing in did not complete. Sign in again."
UNAVAILABLE = "Signing in with Microsoft is not available just now. Try again in a minute."


class _NothingKept(msal.TokenCache):  # type: ignore[misc]
    """msal's cache, keeping nothing: no refresh token lingers in the process."""

    def add(self, event: dict[str, Any], now: float | None = None) -> None:
        return None


class CodeFlow:
    def __init__(
        self,
        client_id: str,
        secret: str,
        authority: str,
        redirect_uri: str,
        *,
        ca_file: str | None = None,
        timeout: float = MSAL_TIMEOUT,
    ) -> None:
        self.client_id = client_id
        self._secret = secret
        self.authority = authority
        self.redirect_uri = redirect_uri
        self._verify: bool | str = ca_file or True
        self.timeout = timeout
        self._app: msal.ConfidentialClientApplication | None = None

    def _msal(self) -> msal.ConfidentialClientApplication:
        """Built on first use, in a worker thread (it may fetch the tenant's metadata)."""
        if self._app is None:
            self._app = msal.ConfidentialClientApplication(
                self.client_id,
                client_credential=self._secret,
                authority=self.authority,
                token_cache=_NothingKept(),
                instance_discovery=False,
                http_client=PinnedSession(self._verify, self.timeout),
                timeout=self.timeout,
            )
        return self._app

    async def _run(self, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        return await asyncio.wait_for(asyncio.to_thread(call), self.timeout + 1)

    async def begin(self) -> dict[str, Any]:
        """A new flow: ``auth_uri`` to send the browser to, ``state``, and the secrets
        (verifier, nonce) to keep until it comes back."""
        return await self._run(
            lambda: self._msal().initiate_auth_code_flow(
                scopes=[], redirect_uri=self.redirect_uri, response_mode="form_post"
            )
        )

    async def redeem(self, flow: dict[str, Any], answer: dict[str, str]) -> dict[str, Any]:
        """msal's result for the browser's ``answer`` (the callback's query)."""
        return await self._run(
            lambda: self._msal().acquire_token_by_auth_code_flow(flow, answer, scopes=[])
        )


CODE_FLOW = web.AppKey("web_code_flow", CodeFlow)
PENDING = web.AppKey("web_pending_sign_ins", PendingSignIns)


async def failed_page(request: web.Request, message: str, status: int) -> web.StreamResponse:
    return await render_signin(request, "/my", message, status=status)


@limited
async def start(request: web.Request) -> web.StreamResponse:
    if not same_origin(request):
        return web.Response(status=403, text="This form did not come from a MACE page.")
    form = await posted_form(request)
    target = form.get("next")
    return_to = safe_return_to(target if isinstance(target, str) else None)
    try:
        flow = await request.app[CODE_FLOW].begin()
        auth_uri = flow["auth_uri"]
        await request.app[PENDING].put(flow["state"], json.dumps(flow), return_to)
    except Exception as exc:  # msal, requests, a timeout: Entra could not be reached
        log.warning("code flow not started: %s", type(exc).__name__)
        return await failed_page(request, UNAVAILABLE, 503)
    raise web.HTTPSeeOther(auth_uri)


@limited
async def callback(request: web.Request) -> web.StreamResponse:
    """Entra's answer: posted by a form (``form_post``, asked for: the code stays out of
    URLs, logs and history) or, from an older link, in the query. No Origin or CSRF
    check: it comes from Entra's page by design; the ``state`` is the check."""
    fields = await posted_form(request) if request.method == "POST" else request.query
    answer = {
        k: v for k, v in fields.items() if k in ("code", "state", "error") and isinstance(v, str)
    }
    pending = await request.app[PENDING].take(answer.get("state", ""))
    if pending is None:
        log.info("code flow refused: no sign-in under way for that state")
        return await failed_page(request, FAILED, 401)
    if "error" in answer:
        log.info("code flow: Entra answered %s", answer["error"][:40])
        return await failed_page(request, FAILED, 401)
    try:
        result = await request.app[CODE_FLOW].redeem(json.loads(pending.flow), answer)
    except Exception as exc:
        log.warning("code flow: the code was not redeemed (%s)", type(exc).__name__)
        return await failed_page(request, UNAVAILABLE, 503)
    id_token = result.get("id_token")
    if not isinstance(id_token, str):
        log.info("code flow refused: %s", str(result.get("error") or "no ID token")[:40])
        return await failed_page(request, FAILED, 401)
    entra: EntraTokens = request.app[ENTRA]
    try:
        person = await entra.person(id_token, audiences=(request.app[CODE_FLOW].client_id,))
    except TokenRefused as refused:
        log.info("code flow refused: %s", refused.kind)
        return await failed_page(request, FAILED, 401)
    except KeysUnavailable:
        return await failed_page(request, UNAVAILABLE, 503)
    opened = await open_session(request, person, SignInMethod.CODE)
    if opened is None:
        return refusal_page(request)
    sessions: WebSessions = request.app[WEB_SESSIONS]
    response = web.HTTPSeeOther(pending.return_to)
    set_session_cookie(
        response, opened.secret, SignInMethod.CODE, int(sessions.policy.absolute.total_seconds())
    )
    raise response


def add_code_flow_routes(app: web.Application, flow: CodeFlow, pending: PendingSignIns) -> None:
    app[CODE_FLOW] = flow
    app[PENDING] = pending
    authority = urlsplit(flow.authority)
    app[ENTRA_ORIGIN] = f"{authority.scheme}://{authority.netloc}"
    app.router.add_post("/signin/start", start)
    app.router.add_get("/auth/callback", callback)
    app.router.add_post("/auth/callback", callback)
