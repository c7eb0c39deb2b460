"""``POST /api/messages``: checks a request is a well-formed activity before botbuilder
sees it, then authenticates it, then checks its tenant, then runs the turn.

botbuilder's ``CloudAdapter.process`` answers 500 to a missing Content-Type, a body that
is not JSON, or a turn that raises; Teams then retries and a person sees nothing. Here
each of those is a 4xx with a short reason, and a turn that fails is answered by the
turn-error handler instead of surfacing as a 500.

Authentication comes before the tenant allow-list: an anonymous caller gets 401 whatever
tenant it names, so it cannot learn which tenants are listed. Every token problem is a
401 with a short reason (bot.teams.tokens); only signing keys that cannot be had at all
are a 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import math
from typing import Any
from urllib.parse import urlparse

import orjson
from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult

from bot.observability.context import note_activity_type
from bot.teams.sdk.activity_reader import read_activity
from bot.teams.sdk.process import run_turn
from bot.teams.tokens import KeysUnavailable, TokenRefused

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
KNOWN_TYPES = frozenset(
    {
        "message",
        "invoke",
        "conversationUpdate",
        "installationUpdate",
        "messageReaction",
        "event",
        "typing",
        "endOfConversation",
        "messageUpdate",
        "messageDelete",
    }
)


def _bad(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


def problem_with(body: Any) -> str | None:
    """What makes this body unusable as a Teams activity, or None."""
    if not isinstance(body, dict):
        return "the body must be a JSON object (an activity)"
    kind = body.get("type")
    if not isinstance(kind, str) or not kind:
        return "the activity has no type"
    if kind not in KNOWN_TYPES:
        return f"activity type not supported: {kind[:40]}"
    service_url = body.get("serviceUrl")
    parsed = urlparse(service_url) if isinstance(service_url, str) else None
    if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.netloc:
        return "the activity needs a serviceUrl (http or https)"
    conversation = body.get("conversation")
    if (
        not isinstance(conversation, dict)
        or not isinstance(conversation.get("id"), str)
        or not conversation["id"]
    ):
        return "the activity needs a conversation id"
    sender = body.get("from")
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), str) or not sender["id"]:
        return "the activity needs a sender (from.id)"
    for key in ("id", "text", "name", "replyToId", "channelId"):
        if key in body and body[key] is not None and not isinstance(body[key], str):
            return f"{key} must be a string"
    for key in ("recipient", "channelData"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return f"{key} must be an object"
    for key in ("membersAdded", "membersRemoved", "entities", "attachments"):
        if (
            key in body
            and body[key] is not None
            and not (isinstance(body[key], list) and all(isinstance(x, dict) for x in body[key]))
        ):
            return f"{key} must be a list of objects"
    return None


def activity_from(body: Any) -> Activity | str:
    """The activity in ``body``, or what makes it unusable. Deserialised once, here: the
    stock ``CloudAdapter.process`` would read and deserialise the body again."""
    problem = problem_with(body)
    if problem:
        return problem
    try:
        return read_activity(body)
    except Exception:  # msrest raises several kinds for a field of the wrong shape
        return "the activity has a field of the wrong shape"


def _unauthorised(reason: str) -> web.Response:
    response = _bad(401, f"not authenticated: {reason}")
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def authenticate(
    adapter: CloudAdapter, request: web.Request, activity: Activity
) -> AuthenticateRequestResult | web.Response:
    """Who sent this activity (the adapter's ``authenticate_request``, bot.teams.sdk.clients),
    or the refusal to answer with. Logs the kind of problem, never the token."""
    try:
        return await adapter.bot_framework_authentication.authenticate_request(
            activity, request.headers.get("Authorization", "")
        )
    except TokenRefused as refused:
        log.warning("activity refused: %s", refused.kind)
        return _unauthorised(refused.kind)
    except KeysUnavailable as unavailable:
        log.warning("activity not authenticated: the signing keys cannot be fetched")
        response = _bad(503, "the bot cannot check tokens just now; try again shortly")
        response.headers["Retry-After"] = str(max(1, math.ceil(unavailable.retry_after)))
        return response
    except PermissionError:
        log.warning("activity refused: not authenticated")
        return _unauthorised("no acceptable token")
    except Exception as exc:  # a fault in checking: refuse rather than let it through
        log.error("activity refused: authentication failed (%s)", type(exc).__name__)
        return _unauthorised("the token could not be checked")


def tenant_of(body: dict[str, Any]) -> str | None:
    conversation = body.get("conversation") or {}
    tenant = conversation.get("tenantId") if isinstance(conversation, dict) else None
    channel_data = body.get("channelData") or {}
    if not tenant and isinstance(channel_data, dict):
        inner = channel_data.get("tenant")
        tenant = inner.get("id") if isinstance(inner, dict) else None
    return tenant if isinstance(tenant, str) else None


def tenant_allowed(body: dict[str, Any], allowed_tenants: frozenset[str]) -> bool:
    """Whether the activity's tenant is on the (lower-cased) allow-list; tenant ids are
    GUIDs, which Teams and the Azure portal do not always write in the same case."""
    if not allowed_tenants:
        return True
    tenant = tenant_of(body)
    return tenant is not None and tenant.strip().lower() in allowed_tenants


def messages_handler(
    adapter: CloudAdapter, bot: Bot, allowed_tenants: frozenset[str] = frozenset()
) -> Any:
    allowed_tenants = frozenset(t.strip().lower() for t in allowed_tenants)

    async def messages(request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _bad(415, "send the activity as application/json")
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _bad(413, "the activity is too large")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _bad(413, "the activity is too large")
        if len(raw) > MAX_BODY_BYTES:
            return _bad(413, "the activity is too large")
        try:
            # orjson: a fifth of stdlib json's time on a card click's body. It refuses
            # what no client sends (invalid UTF-8, lone surrogates, nesting past 1,024)
            # with the same ValueError, so those are a 400 like any other bad JSON.
            body = orjson.loads(raw)
        except ValueError:
            return _bad(400, "the body is not JSON")
        activity = activity_from(body)
        if isinstance(activity, str):
            return _bad(400, activity)
        note_activity_type(body["type"])  # one of KNOWN_TYPES: safe as a metric label
        authenticated = await authenticate(adapter, request, activity)
        if isinstance(authenticated, web.Response):
            return authenticated
        if not tenant_allowed(body, allowed_tenants):
            # Refused before any handler runs: nothing is read, written or answered in chat.
            log.warning("activity refused: tenant not on the allow-list")
            return _bad(403, "this organisation is not allowed to use this bot")
        try:
            response = await run_turn(adapter, authenticated, activity, bot)
        except web.HTTPException:
            raise
        except Exception as exc:
            # Reached only when even the turn-error handler could not answer (for example
            # the connector is down): the request was fine, the reply could not be sent.
            log.error("activity not processed: %s", type(exc).__name__)
            return _bad(502, "the bot could not complete this turn; Teams may retry")
        return response

    return messages
