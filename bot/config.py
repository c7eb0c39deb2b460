"""Settings from the environment, with embedded defaults for a local first run.

Bot Framework names (APP_ID, APP_PASSWORD, APP_TYPE, APP_TENANTID) are the ones
``ConfigurationBotFrameworkAuthentication`` reads, so the same object feeds it directly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from bot.domain.retention import RetentionPolicy

DEFAULT_KEY_AGENCIES = ("police", "childrens_social_care", "health", "education")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


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
    #: Where people's browsers reach this bot, for download links (behind a proxy in
    #: production). Empty: http://HOST:PORT.
    public_base_url: str = ""
    #: Entra tenants whose activities are accepted; empty: APP_TENANTID alone, or (with
    #: neither set, local use only) any tenant.
    allowed_tenants: tuple[str, ...] = ()
    #: Run the scheduled jobs (chasing, briefs, outbox) in this process.
    run_jobs: bool = True
    #: Key for signing download links; empty: a random key kept in the data folder.
    link_secret: str = ""
    #: Data keys (``id:base64key,...``, first encrypts), e.g. from a Key Vault reference;
    #: empty: a key file ``data.keys`` in the data folder, created on first run (0600).
    data_keys: str = ""
    #: How long each kind of record is kept (``MACE_RETENTION``, bot.domain.retention).
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def tenant_allow_list(self) -> frozenset[str]:
        """The tenants to accept; empty means any (only when no tenant is configured)."""
        if self.allowed_tenants:
            return frozenset(self.allowed_tenants)
        return frozenset({self.APP_TENANTID}) if self.APP_TENANTID else frozenset()

    @property
    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def auth_enabled(self) -> bool:
        return bool(self.APP_ID)

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
            port=int(env.get("PORT", "3978")),
            key_agencies=keys or DEFAULT_KEY_AGENCIES,
            load_demo_data=env.get("MACE_DEMO", "") in {"1", "true", "yes"},
            log_level=env.get("LOG_LEVEL", "INFO"),
            public_base_url=env.get("PUBLIC_BASE_URL", "").rstrip("/"),
            link_secret=env.get("MACE_LINK_SECRET", ""),
            data_keys=env.get("MACE_DATA_KEYS", ""),
            retention=RetentionPolicy.parse(env.get("MACE_RETENTION", "")),
            run_jobs=env.get("MACE_JOBS", "on") not in {"0", "off", "false", "no"},
            allowed_tenants=tuple(
                x.strip() for x in env.get("ALLOWED_TENANTS", "").split(",") if x.strip()
            ),
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

    def listen_refusal(self) -> str | None:
        """Without an app id nothing authenticates callers: only loopback is safe then."""
        if not self.auth_enabled and self.host not in LOOPBACK_HOSTS:
            return (
                f"Refusing to listen on {self.host}: APP_ID is empty, so Bot Framework "
                "authentication is off and anyone could post to the bot. Set APP_ID "
                "(and APP_PASSWORD, APP_TENANTID) or listen on 127.0.0.1."
            )
        return None
