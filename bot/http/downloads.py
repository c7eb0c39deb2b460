"""``GET /downloads/{token}``: serves an export or minutes to the person a signed link
was made for, after checking again that they may see it.

Answers are plain and leak nothing: a bad or expired link is 403/410 with a sentence; a
person no longer entitled gets 403. Files are never cached by the browser or a proxy.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.domain.errors import DomainError
from bot.domain.filters import ActionFilter
from bot.services.context import ActorRef
from bot.services.exports import ExportFile, ExportService
from bot.services.links import BadLink, LinkSigner

log = logging.getLogger(__name__)


def downloads_handler(signer: LinkSigner, exports: ExportService) -> Any:
    async def download(request: web.Request) -> web.StreamResponse:
        try:
            claims = signer.verify(request.match_info["token"])
        except BadLink as exc:
            status = 410 if "expired" in str(exc) else 403
            return web.Response(status=status, text=str(exc))
        actor = ActorRef(
            teams_user_id=claims.teams_user_id, aad_object_id=claims.aad_object_id or None
        )
        try:
            file = await _build(exports, actor, claims.kind, claims.params)
        except DomainError as exc:
            return web.Response(status=403, text=exc.user_message)
        log.info("download served: %s", claims.kind)
        return web.Response(
            body=file.content,
            headers={
                "Content-Type": file.media_type,
                "Content-Disposition": f'attachment; filename="{file.filename}"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return download


async def _build(
    exports: ExportService, actor: ActorRef, kind: str, params: dict[str, Any]
) -> ExportFile:
    if kind in ("actions.csv", "actions.xlsx"):
        return await exports.actions_file(
            actor, ActionFilter.from_data(params), kind.removeprefix("actions.")
        )
    if kind == "minutes.docx":
        return await exports.minutes_file(actor, params.get("meetingId"))
    raise DomainError("This link is not valid.")
