"""Settings from the environment, with embedded defaults for a local first run.

Bot Framework names (APP_ID, APP_PASSWORD, APP_TYPE, APP_TENANTID) are the ones
``ConfigurationBotFrameworkAuthentication`` reads, so the same object feeds it directly.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

from bot.domain.retention import RetentionPolicy
from bot.teams.tokens import CHANNEL_METADATA_URL, ENTRA_METADATA_URL, TOTAL_TIMEOUT

DEFAULT_KEY_AGENCIES = ("police", "childrens_social_care", "health", "education")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
APP_TYPES = ("SingleTenant", "MultiTenant", "UserAssignedMSI")
DATABASE_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_METRICS_PORT = 9464
_GUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_YES = frozenset({"1", "true", "yes", "on"})


class SettingError(ValueError):
    """A setting that is wrong or cannot be used: the message starts with its name
    (``mace-bot`` prints it as ``Cannot start: <SETTING>: <what is wrong>``)."""


def _port(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"{name}: {raw[:20]!r} is not a port number") from None


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"{name}: {raw[:20]!r} is not a whole number") from None


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name}: {raw[:20]!r} is not a number of seconds") from None
    if value != value:  # NaN
        raise SettingError(f"{name}: {raw[:20]!r} is not a number of seconds")
    return value


def parse_team_ids(text: str) -> tuple[tuple[str, str], ...]:
    """``GRAPH_TEAM_IDS``: ``conversation-id=group-id`` pairs, comma-separated."""
    pairs: list[tuple[str, str]] = []
    for item in text.split(","):
        if not item.strip():
            continue
        conversation, sep, group = item.partition("=")
        if not sep or not conversation.strip() or not group.strip():
            raise SettingError("GRAPH_TEAM_IDS: each entry must be conversation-id=group-id")
        pairs.append((conversation.strip(), group.strip()))
    return tuple(pairs)


@dataclass(frozen=True)
class Settings:
    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "SingleTenant"
    APP_TENANTID: str = ""
    database_url: str = ""
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 3978
    key_agencies: tuple[str, ...] = DEFAULT_KEY_AGENCIES
    load_demo_data: bool = False
    log_level: str = "INFO"
    #: Where people's browsers reach this bot, for the pages a card's button opens
    #: (behind a proxy in production). Empty: http://HOST:PORT.
    public_base_url: str = ""
    #: Entra tenants whose activities are accepted; empty: APP_TENANTID alone, or (with
    #: neither set, local use only) any tenant.
    allowed_tenants: tuple[str, ...] = ()
    #: Run the scheduled jobs (chasing, briefs, outbox) in this process.
    run_jobs: bool = True
    #: Data keys (``id:base64key,...``, first encrypts), e.g. from a Key Vault reference;
    #: empty: a key file ``data.keys`` in the data folder, created on first run (0600).
    data_keys: str = ""
    #: How long each kind of record is kept (``MACE_RETENTION``, bot.domain.retention).
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    #: ``json``, ``text``, or empty: text on a terminal, JSON otherwise (bot.observability).
    log_format: str = ""
    #: Port for Prometheus metrics (``/metrics``); 0: none. From the environment the
    #: default is 9464; a Settings built in code (tests) serves none unless asked.
    metrics_port: int = 0
    #: Address for the metrics port; empty: the same as ``host``.
    metrics_host: str = ""
    #: Seconds a connection may take to complete a request's headers, from opening or
    #: from its last answer (``HTTP_IDLE_TIMEOUT``; bot.http.serving).
    http_idle_timeout: float = 30.0
    #: Seconds a request body may take to arrive after its headers (``HTTP_BODY_TIMEOUT``).
    http_body_timeout: float = 10.0
    #: Connections held at once; beyond it the oldest idle one is closed
    #: (``HTTP_MAX_CONNECTIONS``).
    http_max_connections: int = 512
    #: METRICS_PORT was given (not left at its default): a taken port then stops the
    #: start, whatever else is set (see ``metrics_port_may_move``).
    metrics_port_explicit: bool = False
    #: With authentication on, data keys must come from MACE_DATA_KEYS unless this is set
    #: (MACE_DATA_KEY_FILE_OK=1): a key file beside the database is for local use.
    data_key_file_ok: bool = False
    #: Microsoft Graph (bot.graph): where Graph and the Entra token endpoint are (tests
    #: point both at loopback fakes).
    graph_base_url: str = "https://graph.microsoft.com"
    authority_base_url: str = "https://login.microsoftonline.com"
    #: The Teams app's id (the manifest's ``id``), to install the bot for a member it
    #: cannot reach yet; empty: no installing.
    teams_app_id: str = ""
    #: ``GRAPH=off``: no Graph even with APP_ID, APP_PASSWORD and APP_TENANTID set.
    graph_off: bool = False
    #: Channel conversation id -> its team's Microsoft 365 group id (``GRAPH_TEAM_IDS``,
    #: ``id=group,...``): Graph lists a team's members by group id, which a channel's
    #: conversation id does not give.
    graph_team_ids: tuple[tuple[str, str], ...] = ()
    #: Requests per second the outbox senders may make (``OUTBOX_RATE``), all instances
    #: together: on PostgreSQL they share one budget (bot.services.send_budget). Teams
    #: allows about 50 per app and tenant.
    outbox_rate: int = 50
    #: Where the signing keys of incoming tokens are published (bot.teams.tokens): the
    #: Bot Framework's OpenID metadata (Bot Connector tokens) and Entra's (tokens the
    #: bot's own identity obtained). Tests point both at loopback fakes.
    bot_openid_metadata_url: str = CHANNEL_METADATA_URL
    entra_openid_metadata_url: str = ENTRA_METADATA_URL
    #: A CA bundle to trust for those fetches instead of the system's (tests: the
    #: throwaway CA). Not read from the environment.
    openid_ca_file: str = ""
    #: Seconds one fetch of the metadata or keys may take in all (connecting: at most 5).
    #: Not read from the environment.
    openid_timeout: float = TOTAL_TIMEOUT
    #: Seconds the store may take to connect, run one statement or lend a connection
    #: before a turn gives up and says nothing was saved (``DATABASE_TIMEOUT``).
    database_timeout: float = 5.0
    #: The pages' local sign-in stand-in (``MACE_WEB_STAND_IN=1``, set by ``make run``):
    #: pick a demo member, no password. Refused with APP_ID set (``problems``).
    web_stand_in: bool = False
    #: A page session ends after this many idle minutes (``WEB_SESSION_IDLE_MINUTES``)
    #: and this many hours in all (``WEB_SESSION_HOURS``): bot.domain.web_sessions.
    web_session_idle_minutes: int = 30
    web_session_hours: int = 8
    #: Sign-in attempts (Teams single sign-on, the code flow, the stand-in) each client
    #: address may make a minute, with as many again in a burst (``WEB_SIGN_IN_RATE``;
    #: bot.web.limits).
    web_sign_in_rate: int = 10
    #: How many proxies in front append the client's address to X-Forwarded-For, so the
    #: sign-in limit counts per the entry that many from the right
    #: (``MACE_TRUST_FORWARDED_FOR``; 0: the header is ignored; bot.web.limits).
    trust_forwarded_for: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def tenant_allow_list(self) -> frozenset[str]:
        """The tenants to accept, lower-cased (tenant ids are GUIDs, compared without
        regard to case); empty means any (only when no tenant is configured)."""
        if self.allowed_tenants:
            return frozenset(t.strip().lower() for t in self.allowed_tenants)
        return frozenset({self.APP_TENANTID.strip().lower()}) if self.APP_TENANTID else frozenset()

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def public_host(self) -> str:
        """The host name people's browsers reach the bot at (PUBLIC_BASE_URL's, lower
        case, no port): the host in the Application ID URI of the Entra app."""
        return (urlparse(self.base_url).hostname or "").lower()

    @property
    def sso_audiences(self) -> tuple[str, ...]:
        """What a Teams tab's single sign-on token may be for: the Application ID URI
        ``api://<public host>/<APP_ID>`` (v1.0 tokens) or the app id itself (v2.0)."""
        if not self.APP_ID:
            return ()
        return (f"api://{self.public_host}/{self.APP_ID}", self.APP_ID)

    @property
    def sign_in_authority(self) -> str:
        """Where a browser signs in: the bot's own tenant, or any organisation's (the
        tenant allow-list then decides whose sign-ins are kept)."""
        return f"{self.authority_base_url}/{self.APP_TENANTID.strip() or 'organizations'}"

    @property
    def web_session_limits(self) -> tuple[timedelta, timedelta]:
        """(idle, absolute) for a page session."""
        return timedelta(minutes=self.web_session_idle_minutes), timedelta(
            hours=self.web_session_hours
        )

    @property
    def auth_enabled(self) -> bool:
        return bool(self.APP_ID)

    @property
    def graph_enabled(self) -> bool:
        """Graph is used when the bot has its full credentials and GRAPH is not off."""
        return bool(self.APP_ID and self.APP_PASSWORD and self.APP_TENANTID) and not self.graph_off

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        keys = tuple(k.strip() for k in env.get("KEY_AGENCIES", "").split(",") if k.strip())
        return cls(
            APP_ID=env.get("APP_ID", ""),
            APP_PASSWORD=env.get("APP_PASSWORD", ""),
            APP_TYPE=env.get("APP_TYPE", "SingleTenant") or "SingleTenant",
            APP_TENANTID=env.get("APP_TENANTID", ""),
            database_url=env.get("DATABASE_URL", ""),
            data_dir=Path(env.get("MACE_DATA_DIR", "data")),
            host=env.get("HOST", "127.0.0.1"),
            port=_port(env, "PORT", 3978),
            key_agencies=keys or DEFAULT_KEY_AGENCIES,
            load_demo_data=env.get("MACE_DEMO", "") in {"1", "true", "yes"},
            log_level=env.get("LOG_LEVEL", "INFO") or "INFO",
            log_format=env.get("LOG_FORMAT", "").strip().lower(),
            metrics_port=_port(env, "METRICS_PORT", DEFAULT_METRICS_PORT),
            metrics_port_explicit=bool(env.get("METRICS_PORT", "").strip()),
            http_idle_timeout=_seconds(env, "HTTP_IDLE_TIMEOUT", 30.0),
            http_body_timeout=_seconds(env, "HTTP_BODY_TIMEOUT", 10.0),
            http_max_connections=_int(env, "HTTP_MAX_CONNECTIONS", 512),
            outbox_rate=_int(env, "OUTBOX_RATE", 50),
            database_timeout=_seconds(env, "DATABASE_TIMEOUT", 5.0),
            metrics_host=env.get("METRICS_HOST", "").strip(),
            data_key_file_ok=env.get("MACE_DATA_KEY_FILE_OK", "").strip().lower() in _YES,
            public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
            data_keys=env.get("MACE_DATA_KEYS", ""),
            retention=RetentionPolicy.parse(env.get("MACE_RETENTION", "")),
            run_jobs=env.get("MACE_JOBS", "on") not in {"0", "off", "false", "no"},
            allowed_tenants=tuple(
                x.strip().lower() for x in env.get("ALLOWED_TENANTS", "").split(",") if x.strip()
            ),
            bot_openid_metadata_url=(
                env.get("BOT_OPENID_METADATA_URL", "").strip() or CHANNEL_METADATA_URL
            ),
            entra_openid_metadata_url=(
                env.get("ENTRA_OPENID_METADATA_URL", "").strip() or ENTRA_METADATA_URL
            ),
            graph_base_url=(
                env.get("GRAPH_BASE_URL", "").strip().rstrip("/") or "https://graph.microsoft.com"
            ),
            authority_base_url=(
                env.get("AUTHORITY_BASE_URL", "").strip().rstrip("/")
                or "https://login.microsoftonline.com"
            ),
            teams_app_id=env.get("TEAMS_APP_ID", "").strip(),
            graph_off=env.get("GRAPH", "on").strip().lower() in {"0", "off", "false", "no"},
            graph_team_ids=parse_team_ids(env.get("GRAPH_TEAM_IDS", "")),
            web_stand_in=env.get("MACE_WEB_STAND_IN", "").strip().lower() in _YES,
            web_session_idle_minutes=_int(env, "WEB_SESSION_IDLE_MINUTES", 30),
            web_session_hours=_int(env, "WEB_SESSION_HOURS", 8),
            web_sign_in_rate=_int(env, "WEB_SIGN_IN_RATE", 10),
            trust_forwarded_for=_int(env, "MACE_TRUST_FORWARDED_FOR", 0),
        )

    def bot_framework_config(self) -> object:
        """What ``ConfigurationBotFrameworkAuthentication`` reads. With no app id
        (local use) botbuilder insists on the MultiTenant type to turn auth off."""
        app_type = self.APP_TYPE if self.auth_enabled else "MultiTenant"
        return SimpleNamespace(
            APP_ID=self.APP_ID,
            APP_PASSWORD=self.APP_PASSWORD,
            APP_TYPE=app_type,
            APP_TENANTID=self.APP_TENANTID,
        )

    def problems(self, *, serving: bool = True) -> list[str]:
        """Each wrong or unusable setting as one line ``SETTING: what is wrong`` (empty:
        all fine). ``serving=False`` (the other commands) checks only what they use:
        the store and logging. Values that could be secret are never quoted."""
        found: list[str] = []
        if self.log_level.upper() not in LOG_LEVELS:
            levels = ", ".join(LOG_LEVELS)
            found.append(f"LOG_LEVEL: {self.log_level[:20]!r} is not one of {levels}")
        if self.log_format not in ("", "json", "text"):
            found.append(f"LOG_FORMAT: {self.log_format[:20]!r} is not json or text")
        found += self._database_problems()
        if not serving:
            return found
        app_type = {t.lower(): t for t in APP_TYPES}.get(self.APP_TYPE.lower())
        if self.APP_ID and not _GUID.fullmatch(self.APP_ID):
            found.append("APP_ID: not a GUID (the bot's Microsoft App ID, as in Azure)")
        if app_type is None:
            found.append(f"APP_TYPE: {self.APP_TYPE[:30]!r} is not one of {', '.join(APP_TYPES)}")
        if self.auth_enabled and app_type != "UserAssignedMSI" and not self.APP_PASSWORD:
            found.append(
                "APP_PASSWORD: empty while APP_ID is set: authentication would be on "
                "without a secret"
            )
        tenant_needed = app_type in ("SingleTenant", "UserAssignedMSI")
        if self.auth_enabled and tenant_needed and not self.APP_TENANTID:
            found.append(f"APP_TENANTID: required with APP_TYPE={app_type}")
        if self.APP_TENANTID and not _GUID.fullmatch(self.APP_TENANTID):
            found.append("APP_TENANTID: not a GUID (the Entra tenant id)")
        for tenant in self.allowed_tenants:
            if not _GUID.fullmatch(tenant):
                found.append(f"ALLOWED_TENANTS: {tenant[:40]!r} is not a tenant id (a GUID)")
                break
        for name, url in (
            ("BOT_OPENID_METADATA_URL", self.bot_openid_metadata_url),
            ("ENTRA_OPENID_METADATA_URL", self.entra_openid_metadata_url),
        ):
            parsed = urlparse(url)
            if parsed.scheme != "https" or not parsed.netloc:
                found.append(f"{name}: not an https:// address")
        if not 1 <= self.outbox_rate <= 50:
            found.append(
                f"OUTBOX_RATE: {self.outbox_rate} is not between 1 and 50 (requests per second "
                "for all instances together; Teams allows about 50 per app and tenant)"
            )
        for name, seconds in (
            ("HTTP_IDLE_TIMEOUT", self.http_idle_timeout),
            ("HTTP_BODY_TIMEOUT", self.http_body_timeout),
        ):
            if not 0 < seconds <= 3600:
                found.append(f"{name}: {seconds:g} is not between 0 and 3600 seconds")
        if not 1 <= self.http_max_connections <= 100_000:
            found.append(
                f"HTTP_MAX_CONNECTIONS: {self.http_max_connections} is not between 1 and 100000"
            )
        if not 1 <= self.port <= 65535:
            found.append(f"PORT: {self.port} is not a port number (1-65535)")
        if not 0 <= self.metrics_port <= 65535:
            found.append(f"METRICS_PORT: {self.metrics_port} is not a port number (0-65535)")
        elif self.metrics_port == self.port and self.metrics_listen_host == self.host:
            found.append("METRICS_PORT: the same as PORT; give metrics a port of their own")
        if self.public_base_url:
            parsed = urlparse(self.public_base_url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                found.append("PUBLIC_BASE_URL: not an http:// or https:// address")
        if self.web_stand_in and self.auth_enabled:
            found.append(
                "MACE_WEB_STAND_IN: the local sign-in stand-in lets anyone sign in as any "
                "member; it cannot be used with APP_ID set"
            )
        if not 5 <= self.web_session_idle_minutes <= 240:
            found.append(
                f"WEB_SESSION_IDLE_MINUTES: {self.web_session_idle_minutes} is not between 5 "
                "and 240"
            )
        if not 1 <= self.web_session_hours <= 24:
            found.append(f"WEB_SESSION_HOURS: {self.web_session_hours} is not between 1 and 24")
        if not 1 <= self.web_sign_in_rate <= 1000:
            found.append(
                f"WEB_SIGN_IN_RATE: {self.web_sign_in_rate} is not between 1 and 1000 (sign-in "
                "attempts a minute from one address)"
            )
        if not 0 <= self.trust_forwarded_for <= 5:
            found.append(
                f"MACE_TRUST_FORWARDED_FOR: {self.trust_forwarded_for} is not between 0 and 5 "
                "(proxies in front that append to X-Forwarded-For)"
            )
        parsed = urlparse(self.authority_base_url)
        if parsed.scheme != "https" or not parsed.netloc:
            found.append("AUTHORITY_BASE_URL: not an https:// address")
        if self.auth_enabled and not self.data_keys and not self.data_key_file_ok:
            found.append(
                "MACE_DATA_KEYS: empty while authentication is on; give the data keys (from "
                "Key Vault), or set MACE_DATA_KEY_FILE_OK=1 to keep them in a file in "
                "MACE_DATA_DIR"
            )
        return found

    def _database_problems(self) -> list[str]:
        found: list[str] = []
        if not 1 <= self.database_timeout <= 60:
            found.append(
                f"DATABASE_TIMEOUT: {self.database_timeout:g} is not between 1 and 60 (seconds "
                "a turn waits for the store before saying nothing was saved)"
            )
        if not self.database_url:
            return found
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(self.database_url)
        except (ArgumentError, ValueError):
            return [
                *found,
                "DATABASE_URL: not a database URL (expected e.g. postgresql+asyncpg://user@host/db)",
            ]
        if url.drivername not in DATABASE_DRIVERS:
            return [
                *found,
                f"DATABASE_URL: driver {url.drivername[:40]!r} is not supported; use "
                f"{' or '.join(DATABASE_DRIVERS)}",
            ]
        return found

    @property
    def metrics_listen_host(self) -> str:
        return self.metrics_host or self.host

    @property
    def metrics_port_may_move(self) -> bool:
        """A second bot on a developer's machine (a second ``make run``, a test server
        beside the demo) finds the default metrics port taken: it serves metrics on any
        free port instead, and logs where. Only locally (authentication off, metrics on
        loopback) and only for the default: in production, or with METRICS_PORT given,
        a scraper expects the port asked for, so a taken port stops the start."""
        return (
            not self.auth_enabled
            and not self.metrics_port_explicit
            and self.metrics_listen_host in LOOPBACK_HOSTS
        )

    def listen_refusal(self) -> str | None:
        """Without an app id nothing authenticates callers: only loopback is safe then."""
        if not self.auth_enabled and self.host not in LOOPBACK_HOSTS:
            return (
                f"Refusing to listen on {self.host}: APP_ID is empty, so Bot Framework "
                "authentication is off and anyone could post to the bot. Set APP_ID "
                "(and APP_PASSWORD, APP_TENANTID) or listen on 127.0.0.1."
            )
        return None
