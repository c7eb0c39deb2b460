"""Everything the pages add to the app, in one call from the composition root."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from bot.config import Settings
from bot.domain.clock import Clock
from bot.domain.web_sessions import SessionPolicy
from bot.services.factory import ServiceFactory
from bot.services.register_map import RegisterMap
from bot.services.web_sessions import WebSessions
from bot.services.web_sign_ins import PendingSignIns
from bot.store.db import Store
from bot.web.code_flow import CodeFlow, add_code_flow_routes
from bot.web.dashboard import add_dashboard_routes
from bot.web.entra import EntraTokens
from bot.web.exports import add_export_routes
from bot.web.headers import security_headers
from bot.web.identity import ORIGINS, WEB_SESSIONS
from bot.web.limits import LIMIT, SignInLimit
from bot.web.minutes import add_minutes_routes
from bot.web.my import add_my_routes, add_my_sections
from bot.web.pages import add_page_routes, setup_templates
from bot.web.register import add_register_routes
from bot.web.signin import CODE_FLOW_ON, add_signin_routes
from bot.web.sso import add_sso_routes
from bot.web.tab_config import add_tab_config_routes


def add_web(
    app: web.Application, settings: Settings, store: Store, clock: Clock, services: ServiceFactory
) -> None:
    base = urlsplit(settings.base_url)
    app.middlewares.append(security_headers(https=base.scheme == "https"))
    app[WEB_SESSIONS] = WebSessions(store, clock, SessionPolicy(*settings.web_session_limits))
    app[ORIGINS] = frozenset({f"{base.scheme}://{base.netloc}"})
    app[LIMIT] = SignInLimit(settings.web_sign_in_rate, forwarded_hops=settings.trust_forwarded_for)
    setup_templates(app)
    add_signin_routes(app, stand_in=settings.web_stand_in)
    add_sso_routes(app, entra_tokens(settings))
    app[CODE_FLOW_ON] = bool(settings.APP_ID and settings.APP_PASSWORD)
    if app[CODE_FLOW_ON]:
        add_code_flow_routes(app, code_flow(settings), PendingSignIns(store, clock))
    add_page_routes(app)
    add_my_routes(app, services.actions)
    add_minutes_routes(app, services.minutes_reads, services.exports)
    add_register_routes(app, RegisterMap(store, clock), services.register_reads)
    add_export_routes(app, services.actions, services.exports, services.reports)
    add_my_sections(app, services.minutes_reads, services.escalations, services.rounds)
    add_dashboard_routes(app, services.dashboard)
    add_tab_config_routes(app, f"{base.scheme}://{base.netloc}")


def entra_tokens(settings: Settings) -> EntraTokens:
    """What checks the Entra ID tokens that sign people in: for this app (none without
    APP_ID), from the allow-listed tenants (any tenant only with authentication off)."""
    return EntraTokens(
        settings.sso_audiences,
        settings.tenant_allow_list,
        authority_base_url=settings.authority_base_url,
        any_tenant=not settings.auth_enabled,
        ca_file=settings.openid_ca_file or None,
        total_timeout=settings.openid_timeout,
    )


def code_flow(settings: Settings) -> CodeFlow:
    return CodeFlow(
        settings.APP_ID,
        settings.APP_PASSWORD,
        settings.sign_in_authority,
        f"{settings.base_url}/auth/callback",
        ca_file=settings.openid_ca_file or None,
    )
