"""Files from a signed-in page: the same exports as chat's downloads, asked for by a form
post from a page (the session and its CSRF token), built for the person signed in and
audited as an export by the service. Nothing here is a bearer link: the URL alone gives
nothing to whoever holds it."""

from __future__ import annotations

from aiohttp import web

from bot.services.exports import ExportFile

#: Sent with every file: never cached by the browser or a proxy, never sniffed.
PRIVATE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def file_response(file: ExportFile) -> web.Response:
    return web.Response(
        body=file.content,
        headers={
            **PRIVATE,
            "Content-Type": file.media_type,
            "Content-Disposition": f'attachment; filename="{file.filename}"',
        },
    )
