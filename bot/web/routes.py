"""Everything the pages add to the app, in one call from the composition root."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from bot.config import Settings
from bot.domain.clock import Clock
from bot.domain.web_sessions import SessionPolicy
from bot.services.factory import ServiceFactory
from bot.services.web_sessions import WebSessions
from bot.store.db import Store
from bot.web.dashboard import add_dashboard_routes
from bot.web.headers import security_headers
from bot.web.identity import ORIGINS, WEB_SESSIONS
from bot.web.minutes import add_minutes_routes
from bot.web.my import add_my_routes
from bot.web.pages import add_page_routes, setup_templates
from bot.web.signin import add_signin_routes


def add_web(
    app: web.Application, settings: Settings, store: Store, clock: Clock, services: ServiceFactory
) -> None:
    base = urlsplit(settings.base_url)
    app.middlewares.append(security_headers(https=base.scheme == "https"))
    app[WEB_SESSIONS] = WebSessions(store, clock, SessionPolicy(*settings.web_session_limits))
    app[ORIGINS] = frozenset({f"{base.scheme}://{base.netloc}"})
    setup_templates(app)
    add_signin_routes(app, stand_in=settings.web_stand_in)
    add_page_routes(app)
    add_my_routes(app, services.actions)
    add_minutes_routes(app, services.minutes_reads, services.exports)
    add_dashboard_routes(app, services.dashboard)
