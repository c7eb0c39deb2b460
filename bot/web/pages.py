"""The pages' routes, and the rendering every page shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.services.web_sessions import Viewer

STATIC = Path(__file__).parent / "static"


def render(
    request: web.Request, template: str, viewer: Viewer, section: str, **context: Any
) -> web.StreamResponse:
    return aiohttp_jinja2.render_template(
        template, request, {"viewer": viewer, "section": section, **context}
    )


async def home(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/my")


def setup_templates(app: web.Application) -> None:
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def add_page_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_static("/static/", STATIC, follow_symlinks=False)
