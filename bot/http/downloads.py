"""``GET /downloads/{token}``: gives an export or minutes once, to whoever opens the link
first, within five minutes of it being issued (bot.services.links).

Answers are plain and leak nothing. A link that is used, expired, unknown, forged or
damaged gets one and the same page (410), saying to ask the bot for a new one; a person
no longer entitled to the file gets 403 with the services' sentence. ``HEAD`` (as link
checkers and previews send) answers without looking the link up, so it never uses it
up. Files are never cached by the browser or a proxy.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import hdrs, web
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.errors import DomainError
from bot.domain.filters import ActionFilter, FilterError
from bot.services.context import ActorRef
from bot.services.exports import ExportFile, ExportService
from bot.services.links import BadLink, DownloadLinks, Fetch, LinkClaims, Outcome

log = logging.getLogger(__name__)

#: The one answer for every link that gives nothing, whatever the reason.
GONE = (
    "This download link has been used or has expired. "
    "Ask the bot for a new one (press Download again in Teams)."
)

UNAVAILABLE = (
    "The bot cannot reach its records just now. Open the link again in a minute; if it "
    "has been used or has expired by then, ask the bot for a new one."
)

#: Sent with every answer of this route.
PRIVATE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _gone() -> web.Response:
    return web.Response(status=410, text=GONE, headers=PRIVATE)


def fetch_of(request: web.Request) -> Fetch:
    return Fetch.of(
        request.remote,
        request.headers.get(hdrs.X_FORWARDED_FOR),
        request.headers.get(hdrs.USER_AGENT),
    )


def downloads_handler(links: DownloadLinks, exports: ExportService) -> Any:
    async def download(request: web.Request) -> web.StreamResponse:
        try:
            claims = links.signer.verify(request.match_info["token"])
        except BadLink:
            log.info("download refused: not a valid link")
            return _gone()
        try:
            return await _settle(links, exports, claims, fetch_of(request))
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            # The claim and its audit entry commit together, or neither does.
            log.warning("download not settled: the store is unavailable (%s)", type(exc).__name__)
            return web.Response(status=503, text=UNAVAILABLE, headers=PRIVATE)

    return download


async def _settle(
    links: DownloadLinks, exports: ExportService, claims: LinkClaims, fetch: Fetch
) -> web.StreamResponse:
    """The file, once, if the link is unused, unexpired and its person may still see it."""
    spent = await links.unusable(claims)
    if spent is not None:
        await links.refuse(claims, spent, fetch)
        return _gone()
    actor = ActorRef(teams_user_id=claims.teams_user_id, aad_object_id=claims.aad_object_id or None)
    try:
        file = await _build(exports, actor, claims.kind, claims.params)
    except (DomainError, FilterError) as exc:  # no longer theirs to see
        await links.refuse(claims, Outcome.REFUSED, fetch)
        message = exc.user_message if isinstance(exc, DomainError) else str(exc)
        return web.Response(status=403, text=message, headers=PRIVATE)
    if not await links.claim(claims, fetch):
        # Another fetch got there first (or the five minutes ran out meanwhile).
        await links.refuse(claims, await links.unusable(claims) or Outcome.USED, fetch)
        return _gone()
    log.info("download served: %s", claims.kind)
    return web.Response(
        body=file.content,
        headers={
            **PRIVATE,
            "Content-Type": file.media_type,
            "Content-Disposition": f'attachment; filename="{file.filename}"',
        },
    )


async def look(_request: web.Request) -> web.StreamResponse:
    """``HEAD``: the same answer for every token, and no use of the link."""
    return web.Response(status=200, content_type="text/plain", headers=PRIVATE)


def add_download_routes(app: web.Application, links: DownloadLinks, exports: ExportService) -> None:
    app.router.add_get("/downloads/{token}", downloads_handler(links, exports), allow_head=False)
    app.router.add_route(hdrs.METH_HEAD, "/downloads/{token}", look)


async def _build(
    exports: ExportService, actor: ActorRef, kind: str, params: dict[str, Any]
) -> ExportFile:
    if kind in ("actions.csv", "actions.xlsx"):
        return await exports.actions_file(
            actor, ActionFilter.from_data(params), kind.removeprefix("actions.")
        )
    if kind == "minutes.docx":
        return await exports.minutes_file(actor, params.get("meetingId"))
    if kind in ("report.xlsx", "report.docx"):
        return await exports.report_file(actor, params, kind.removeprefix("report."))
    raise DomainError("This link is not valid.")
